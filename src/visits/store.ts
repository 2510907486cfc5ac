import { and, asc, eq, inArray, sql } from 'drizzle-orm';
import type { Db } from '../../db/index.ts';
import { clients, patches, visitCarers, visitClients, visitEvents, visits } from '../../db/schema.ts';
import { assistantsOf, rolesOf } from '../patches/store.ts';
import type { Actor, VisitState } from './model.ts';

/** Queries on visits shared by pop-backs and the rota. Synchronous; call inside a transaction to change. */

export type VisitRow = typeof visits.$inferSelect;

export interface VisitRecord {
  visit: VisitRow;
  carers: Array<{ userId: string; at: number }>;
  clients: Array<{ id: number; name: string; code: string }>;
  patch: { id: number; code: string; name: string; channelId: string };
}

export function loadVisit(db: Db, visitId: number): VisitRecord | null {
  const visit = db.select().from(visits).where(eq(visits.id, visitId)).get();
  if (!visit) return null;
  const patch = db
    .select({ id: patches.id, code: patches.code, name: patches.name, channelId: patches.channelId })
    .from(patches)
    .where(eq(patches.id, visit.patchId))
    .get();
  if (!patch) return null;
  const carers = db
    .select({ userId: visitCarers.userId, at: visitCarers.claimedAt })
    .from(visitCarers)
    .where(eq(visitCarers.visitId, visitId))
    .orderBy(asc(visitCarers.claimedAt), asc(visitCarers.userId))
    .all();
  const cs = db
    .select({ id: clients.id, name: clients.name, code: clients.code })
    .from(visitClients)
    .innerJoin(clients, eq(clients.id, visitClients.clientId))
    .where(eq(visitClients.visitId, visitId))
    .orderBy(asc(visitClients.position))
    .all();
  return { visit, carers, clients: cs, patch };
}

/** The visit row alone (no joins): for re-reading inside a transaction before acting on it. */
export function getVisitRow(db: Db, visitId: number): VisitRow | undefined {
  return db.select().from(visits).where(eq(visits.id, visitId)).get();
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

export function stateOf(r: VisitRecord): VisitState {
  return {
    kind: r.visit.kind,
    status: r.visit.status,
    carersNeeded: r.visit.carersNeeded,
    carers: r.carers.map((c) => c.userId),
    requestedBy: r.visit.requestedBy,
    arrivedAt: r.visit.arrivedAt,
    doneAt: r.visit.doneAt,
    closedBy: r.visit.closedBy,
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

export function addCarer(db: Db, visitId: number, userId: string, at: number): void {
  db.insert(visitCarers).values({ visitId, userId, claimedAt: at }).run();
}

export function removeCarers(db: Db, visitId: number, userIds: string[]): void {
  if (userIds.length === 0) return;
  db.delete(visitCarers)
    .where(and(eq(visitCarers.visitId, visitId), inArray(visitCarers.userId, userIds)))
    .run();
}

/** Changes a visit and bumps its `rev`, so out-of-date buttons can be recognised. */
export function updateVisit(db: Db, visitId: number, set: Partial<VisitRow>): void {
  db.update(visits)
    .set({ ...set, rev: sql`${visits.rev} + 1` })
    .where(eq(visits.id, visitId))
    .run();
}

export function insertVisit(db: Db, values: typeof visits.$inferInsert, clientIds: number[]): number {
  const row = db.insert(visits).values(values).returning({ id: visits.id }).get();
  clientIds.forEach((clientId, position) => {
    db.insert(visitClients).values({ visitId: row.id, clientId, position }).run();
  });
  return row.id;
}

/** Whether someone took this visit over by hand (then a roster's key worker no longer decides it). */
export function wasTakenOver(db: Db, visitId: number): boolean {
  return (
    db
      .select({ id: visitEvents.id })
      .from(visitEvents)
      .where(and(eq(visitEvents.visitId, visitId), eq(visitEvents.action, 'takeover')))
      .get() !== undefined
  );
}
