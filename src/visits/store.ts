import { and, asc, eq, inArray, isNotNull, like, lte, or, sql } from 'drizzle-orm';
import type { Db } from '../../db/index.ts';
import { clients, patches, visitCarers, visitClients, visitEvents, visits } from '../../db/schema.ts';
import { assistantsOf, rolesOf } from '../patches/store.ts';
import type { Actor, Change, VisitFacts } from './model.ts';

/** Queries on visits. Synchronous; call inside a transaction to change anything. */

export type VisitRow = typeof visits.$inferSelect;
export type NewVisit = typeof visits.$inferInsert;

export interface VisitRecord {
  visit: VisitRow;
  carers: Array<{ userId: string; at: number }>;
  clients: Array<{ id: number; name: string; code: string }>;
  patch: { id: number; code: string; name: string; channelId: string };
}

export function getVisitRow(db: Db, visitId: number): VisitRow | undefined {
  return db.select().from(visits).where(eq(visits.id, visitId)).get();
}

export function carersOf(db: Db, visitId: number): Array<{ userId: string; at: number }> {
  return db
    .select({ userId: visitCarers.userId, at: visitCarers.claimedAt })
    .from(visitCarers)
    .where(eq(visitCarers.visitId, visitId))
    .orderBy(asc(visitCarers.claimedAt), asc(visitCarers.userId))
    .all();
}

export function clientsOf(db: Db, visitId: number): Array<{ id: number; name: string; code: string }> {
  return db
    .select({ id: clients.id, name: clients.name, code: clients.code })
    .from(visitClients)
    .innerJoin(clients, eq(clients.id, visitClients.clientId))
    .where(eq(visitClients.visitId, visitId))
    .orderBy(asc(visitClients.position))
    .all();
}

/** A visit with its carers, clients and patch, as the renderers and answers need it. */
export function loadVisit(db: Db, visitId: number): VisitRecord | null {
  const visit = getVisitRow(db, visitId);
  if (!visit) return null;
  const patch = db
    .select({ id: patches.id, code: patches.code, name: patches.name, channelId: patches.channelId })
    .from(patches)
    .where(eq(patches.id, visit.patchId))
    .get();
  if (!patch) return null;
  return { visit, carers: carersOf(db, visitId), clients: clientsOf(db, visitId), patch };
}

/** The (first) client a visit is for. */
export function firstClientOf(db: Db, visitId: number): number | null {
  return (
    db
      .select({ id: visitClients.clientId })
      .from(visitClients)
      .where(eq(visitClients.visitId, visitId))
      .orderBy(asc(visitClients.position))
      .get()?.id ?? null
  );
}

export function factsOf(v: VisitRow, carers: readonly string[]): VisitFacts {
  return {
    kind: v.kind,
    status: v.status,
    rev: v.rev,
    carersNeeded: v.carersNeeded,
    carers: [...carers],
    assignee: v.assignee,
    requestedBy: v.requestedBy,
    startsAt: v.startsAt,
    arrivedAt: v.arrivedAt,
    doneAt: v.doneAt,
    closedBy: v.closedBy,
    alertLevel: v.alertLevel,
    nudgedAt: v.nudgedAt,
    escalatedAt: v.escalatedAt,
  };
}

/** What `userId` is for this patch: one of its assistants, a supervisor, an admin. */
export function actorFor(db: Db, patchId: number, userId: string): Actor {
  const roles = rolesOf(db, userId);
  return {
    userId,
    assistant: assistantsOf(db, patchId).includes(userId),
    supervisor: roles.supervisor,
    admin: roles.admin,
  };
}

export function recordEvent(db: Db, visitId: number, at: number, actor: string | null, action: string): void {
  db.insert(visitEvents).values({ visitId, at, actor, action }).run();
}

/** Applies a decided change: the columns (bumping `rev`, so out-of-date menus are recognised), the carers, the record. */
export function applyChange(db: Db, visitId: number, change: Change, actor: string | null, at: number): void {
  db.update(visits)
    .set({ ...change.set, rev: sql`${visits.rev} + 1` })
    .where(eq(visits.id, visitId))
    .run();
  for (const userId of change.addCarers ?? []) {
    db.insert(visitCarers).values({ visitId, userId, claimedAt: at }).run();
  }
  const remove = change.removeCarers ?? [];
  if (remove.length > 0) {
    db.delete(visitCarers)
      .where(and(eq(visitCarers.visitId, visitId), inArray(visitCarers.userId, remove)))
      .run();
  }
  recordEvent(db, visitId, at, actor, change.event);
}

export function insertVisit(db: Db, values: NewVisit, clientIds: readonly number[]): number {
  const row = db.insert(visits).values(values).returning({ id: visits.id }).get();
  clientIds.forEach((clientId, position) => {
    db.insert(visitClients).values({ visitId: row.id, clientId, position }).run();
  });
  return row.id;
}

/**
 * Whether someone took this visit by hand: took it over, took it from a cover request, or was given it
 * by a supervisor. Then a roster's key worker no longer decides it (a re-import must not hand a covered
 * visit back to the carer who is off).
 */
export function wasTakenOver(db: Db, visitId: number): boolean {
  return (
    db
      .select({ id: visitEvents.id })
      .from(visitEvents)
      .where(
        and(
          eq(visitEvents.visitId, visitId),
          or(inArray(visitEvents.action, ['takeover', 'cover_take']), like(visitEvents.action, 'assign:%')),
        ),
      )
      .get() !== undefined
  );
}

/** A patch's fixed visits on some local dates (the plans are compared with them). */
export function fixedVisitsOfDays(db: Db, patchId: number, dates: readonly string[]): VisitRow[] {
  return db
    .select()
    .from(visits)
    .where(and(eq(visits.patchId, patchId), eq(visits.kind, 'fixed'), inArray(visits.occursOn, [...dates])))
    .all();
}

/** Sets when the alerts must next look at a visit; no revision bump (nothing a person sees changed). */
export function setAlertDue(db: Db, visitId: number, at: number | null): void {
  db.update(visits).set({ alertDueAt: at }).where(eq(visits.id, visitId)).run();
}

/** Visits whose alert check is due, earliest first. */
export function visitsAlertDue(db: Db, now: number, limit: number): VisitRow[] {
  return db
    .select()
    .from(visits)
    .where(and(isNotNull(visits.alertDueAt), lte(visits.alertDueAt, now)))
    .orderBy(asc(visits.alertDueAt), asc(visits.id))
    .limit(limit)
    .all();
}

/** The earliest alert check of any visit (an index probe). */
export function nextAlertDue(db: Db): number | null {
  return (
    db
      .select({ at: sql<number | null>`min(${visits.alertDueAt})` })
      .from(visits)
      .where(isNotNull(visits.alertDueAt))
      .get()?.at ?? null
  );
}

/** Open flexible visits of a patch (for the digest). */
export function openFlexibleVisits(db: Db, patchId: number): VisitRow[] {
  return db
    .select()
    .from(visits)
    .where(
      and(
        eq(visits.patchId, patchId),
        inArray(visits.kind, ['popback', 'shopping', 'social']),
        inArray(visits.status, ['open', 'claimed']),
      ),
    )
    .orderBy(asc(visits.createdAt))
    .all();
}

export interface RotaRow {
  visit: VisitRow;
  clientName: string;
}

/** A patch's fixed visits on a local date, in time order, with the client's display name. */
export function fixedVisitsOn(db: Db, patchId: number, date: string): RotaRow[] {
  return db
    .select({ visit: visits, clientName: clients.name })
    .from(visits)
    .innerJoin(visitClients, eq(visitClients.visitId, visits.id))
    .innerJoin(clients, eq(clients.id, visitClients.clientId))
    .where(and(eq(visits.patchId, patchId), eq(visits.kind, 'fixed'), eq(visits.occursOn, date)))
    .orderBy(asc(visits.startsAt), asc(clients.code))
    .all();
}
