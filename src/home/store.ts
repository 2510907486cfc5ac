import { and, asc, eq, gte, inArray, isNotNull, isNull, ne, sql } from 'drizzle-orm';
import type { Db } from '../../db/index.ts';
import {
  clients,
  coverItems,
  coverRequests,
  coverTakes,
  escalations,
  homeViews,
  patchAssistants,
  patches,
  roles,
  visitCarers,
  visitClients,
  visits,
} from '../../db/schema.ts';
import type { VisitRow } from '../visits/store.ts';

/**
 * Queries for the App Home. Synchronous. Every list an assistant sees is narrowed to the patches they
 * are an assistant of; supervisors and admins are provider-wide. The cover tables are read only here
 * (the cover capability writes them).
 */

export type HomeViewRow = typeof homeViews.$inferSelect;

const FLEX = ['popback', 'shopping', 'social'] as const;

/** The columns of a visit a Home shows (reading whole rows costs more than the queries themselves). */
const visitColumns = {
  id: visits.id,
  patchId: visits.patchId,
  kind: visits.kind,
  occursOn: visits.occursOn,
  startsAt: visits.startsAt,
  minutes: visits.minutes,
  purpose: visits.purpose,
  urgency: visits.urgency,
  timeCritical: visits.timeCritical,
  carersNeeded: visits.carersNeeded,
  requestedBy: visits.requestedBy,
  assignee: visits.assignee,
  status: visits.status,
  createdAt: visits.createdAt,
  arrivedAt: visits.arrivedAt,
  doneAt: visits.doneAt,
  closeReason: visits.closeReason,
  alertLevel: visits.alertLevel,
};
export type HomeVisit = Pick<VisitRow, keyof typeof visitColumns>;
const CLOSED = ['done', 'cancelled', 'not_needed'] as const;

// ---- who opened their Home, and what their last press did ----

/** They opened their Home: it is followed for 12 hours, and any old notice is gone. */
export function recordOpening(db: Db, userId: string, now: number): void {
  db.insert(homeViews)
    .values({ userId, openedAt: now, notice: null, noticeAt: null })
    .onConflictDoUpdate({ target: homeViews.userId, set: { openedAt: now, notice: null, noticeAt: null } })
    .run();
}

/** What their press did, shown on their Home; pressing in it is as good as opening it. */
export function setNotice(db: Db, userId: string, notice: string, now: number): void {
  db.insert(homeViews)
    .values({ userId, openedAt: now, notice, noticeAt: now })
    .onConflictDoUpdate({ target: homeViews.userId, set: { openedAt: now, notice, noticeAt: now } })
    .run();
}

export function getHomeView(db: Db, userId: string): HomeViewRow | undefined {
  return db.select().from(homeViews).where(eq(homeViews.userId, userId)).get();
}

/** Who opened their Home at or after `since` (an index probe), and whether each is a supervisor or admin. */
export function recentOpeners(db: Db, since: number): Array<{ userId: string; manager: boolean }> {
  const openers = db
    .select({ userId: homeViews.userId })
    .from(homeViews)
    .where(gte(homeViews.openedAt, since))
    .all()
    .map((r) => r.userId);
  if (openers.length === 0) return [];
  const managers = new Set(
    db
      .select({ userId: roles.userId })
      .from(roles)
      .where(inArray(roles.userId, openers))
      .all()
      .map((r) => r.userId),
  );
  return openers.map((userId) => ({ userId, manager: managers.has(userId) }));
}

/** The patches `userId` is an assistant of (active ones), by id. */
export function assistantPatches(db: Db, userId: string): number[] {
  return db
    .select({ id: patchAssistants.patchId })
    .from(patchAssistants)
    .innerJoin(patches, eq(patches.id, patchAssistants.patchId))
    .where(and(eq(patchAssistants.userId, userId), isNull(patches.archivedAt)))
    .orderBy(asc(patches.code))
    .all()
    .map((r) => r.id);
}

/** Whether a visit has any cover item (an index probe). */
export function visitHasCover(db: Db, visitId: number): boolean {
  return (
    db
      .select({ id: coverItems.id })
      .from(coverItems)
      .where(eq(coverItems.visitId, visitId))
      .limit(1)
      .get() !== undefined
  );
}

/** Whether any escalation is about a visit (an index probe). */
export function visitHasEscalation(db: Db, visitId: number): boolean {
  return (
    db
      .select({ id: escalations.id })
      .from(escalations)
      .where(eq(escalations.visitId, visitId))
      .limit(1)
      .get() !== undefined
  );
}

// ---- an assistant's Home ----

export interface VisitLine {
  visit: HomeVisit;
  clientNames: string[];
  patchName: string;
}

/** The clients of some visits, in their order, by visit id. */
function clientNamesOf(db: Db, visitIds: readonly number[]): Map<number, string[]> {
  const out = new Map<number, string[]>();
  if (visitIds.length === 0) return out;
  const rows = db
    .select({ visitId: visitClients.visitId, name: clients.name })
    .from(visitClients)
    .innerJoin(clients, eq(clients.id, visitClients.clientId))
    .where(inArray(visitClients.visitId, [...visitIds]))
    .orderBy(asc(visitClients.visitId), asc(visitClients.position))
    .all();
  for (const r of rows) out.set(r.visitId, [...(out.get(r.visitId) ?? []), r.name]);
  return out;
}

function withNames(db: Db, rows: Array<{ visit: HomeVisit; patchName: string }>): VisitLine[] {
  const names = clientNamesOf(
    db,
    rows.map((r) => r.visit.id),
  );
  return rows.map((r) => ({ ...r, clientNames: names.get(r.visit.id) ?? [] }));
}

/** `userId`'s fixed visits on a local date, in time order, in the patches they are an assistant of. */
export function myFixedVisitsOn(
  db: Db,
  userId: string,
  patchIds: readonly number[],
  date: string,
): VisitLine[] {
  if (patchIds.length === 0) return [];
  const rows = db
    .select({ visit: visitColumns, patchName: patches.name })
    .from(visits)
    .innerJoin(patches, eq(patches.id, visits.patchId))
    .where(
      and(
        inArray(visits.patchId, [...patchIds]),
        eq(visits.occursOn, date),
        eq(visits.kind, 'fixed'),
        eq(visits.assignee, userId),
      ),
    )
    .orderBy(asc(visits.startsAt), asc(visits.id))
    .all();
  return withNames(db, rows);
}

export interface FlexLine extends VisitLine {
  carers: string[];
}

/**
 * Flexible visits of these patches still to do: open or claimed, and those `userId` is at (arrived),
 * oldest request first.
 */
export function flexibleToDo(db: Db, userId: string, patchIds: readonly number[]): FlexLine[] {
  if (patchIds.length === 0) return [];
  const rows = db
    .select({ visit: visitColumns, patchName: patches.name })
    .from(visits)
    .innerJoin(patches, eq(patches.id, visits.patchId))
    .where(
      and(
        inArray(visits.patchId, [...patchIds]),
        inArray(visits.status, ['open', 'claimed', 'arrived']),
        inArray(visits.kind, [...FLEX]),
      ),
    )
    .orderBy(asc(visits.createdAt), asc(visits.id))
    .all();
  const carers = new Map<number, string[]>();
  const ids = rows.map((r) => r.visit.id);
  if (ids.length > 0) {
    for (const c of db
      .select({ visitId: visitCarers.visitId, userId: visitCarers.userId })
      .from(visitCarers)
      .where(inArray(visitCarers.visitId, ids))
      .orderBy(asc(visitCarers.claimedAt), asc(visitCarers.userId))
      .all()) {
      carers.set(c.visitId, [...(carers.get(c.visitId) ?? []), c.userId]);
    }
  }
  return withNames(db, rows)
    .map((r) => ({ ...r, carers: carers.get(r.visit.id) ?? [] }))
    .filter((r) => r.visit.status !== 'arrived' || r.carers.includes(userId));
}

export interface CoverLine {
  itemId: number;
  visit: HomeVisit;
  clientName: string;
  patchName: string;
  requestedBy: string;
  slots: number;
  taken: number;
}

/**
 * Open cover items (the partial index `cover_items_open`), of some patches or all, with their visits;
 * read item first, so the planner never walks every visit of the day to find the few with cover.
 */
function openCover(db: Db, patchIds: readonly number[] | null, userId: string | null): CoverLine[] {
  const items = db
    .select({
      itemId: coverItems.id,
      visitId: coverItems.visitId,
      requestedBy: coverRequests.requestedBy,
      slots: coverItems.slots,
      taken: sql<number>`(select count(*) from ${coverTakes} where ${coverTakes.itemId} = ${coverItems.id})`,
      mine:
        userId === null
          ? sql<number>`0`
          : sql<number>`exists (select 1 from ${coverTakes} where ${coverTakes.itemId} = ${coverItems.id} and ${coverTakes.userId} = ${userId})`,
    })
    .from(coverItems)
    .innerJoin(coverRequests, eq(coverRequests.id, coverItems.requestId))
    .where(
      and(
        eq(coverItems.status, 'open'),
        isNull(coverRequests.withdrawnAt),
        patchIds === null ? undefined : inArray(coverItems.patchId, [...patchIds]),
      ),
    )
    .all()
    .filter((i) => !i.mine && i.requestedBy !== userId);
  if (items.length === 0) return [];
  const rows = db
    .select({ visit: visitColumns, patchName: patches.name })
    .from(visits)
    .innerJoin(patches, eq(patches.id, visits.patchId))
    .where(inArray(visits.id, [...new Set(items.map((i) => i.visitId))]))
    .all();
  const byId = new Map(rows.map((r) => [r.visit.id, r]));
  const names = clientNamesOf(
    db,
    rows.map((r) => r.visit.id),
  );
  return items.flatMap((i) => {
    const row = byId.get(i.visitId);
    if (!row) return [];
    const { itemId, requestedBy, slots, taken } = i;
    return [
      {
        itemId,
        requestedBy,
        slots,
        taken: Number(taken),
        ...row,
        clientName: names.get(i.visitId)?.[0] ?? '',
      },
    ];
  });
}

const bySoonest = (a: CoverLine, b: CoverLine) =>
  (a.visit.startsAt ?? 0) - (b.visit.startsAt ?? 0) || a.itemId - b.itemId;
const stillOpen = (v: HomeVisit) => !(CLOSED as readonly string[]).includes(v.status);

/**
 * Cover `userId` can take: open items of the patches they are an assistant of, not their own request,
 * not one they took already, on a visit that has not started (nor closed), soonest first.
 */
export function takeableCover(db: Db, userId: string, patchIds: readonly number[], now: number): CoverLine[] {
  if (patchIds.length === 0) return [];
  return openCover(db, patchIds, userId)
    .filter((c) => (c.visit.startsAt ?? 0) > now && stillOpen(c.visit) && c.visit.status !== 'arrived')
    .sort(bySoonest);
}

// ---- a supervisor's Home ----

export interface EscalationLine {
  id: number;
  kind: (typeof escalations.$inferSelect)['kind'];
  status: 'open' | 'acknowledged';
  patchName: string;
  clientName: string | null;
  raisedAt: number;
  ackedBy: string | null;
  ackedAt: number | null;
  timeCritical: boolean;
  urgency: 'now' | 'today';
  step: number;
}

/** Open and acknowledged escalations, oldest first (the partial index on open ones). */
export function openEscalations(db: Db): EscalationLine[] {
  return db
    .select({
      id: escalations.id,
      kind: escalations.kind,
      status: escalations.status,
      patchName: patches.name,
      clientName: clients.name,
      raisedAt: escalations.raisedAt,
      ackedBy: escalations.ackedBy,
      ackedAt: escalations.ackedAt,
      timeCritical: escalations.timeCritical,
      urgency: escalations.urgency,
      step: escalations.step,
    })
    .from(escalations)
    .innerJoin(patches, eq(patches.id, escalations.patchId))
    .leftJoin(clients, eq(clients.id, escalations.clientId))
    .where(ne(escalations.status, 'resolved'))
    .orderBy(asc(escalations.raisedAt), asc(escalations.id))
    .all() as EscalationLine[];
}

export interface AlertLine extends VisitLine {
  patchCode: string;
}

/** Fixed visits of a local date that went late or missed and nobody has reached yet, every patch. */
export function outstandingLateMissed(db: Db, date: string): AlertLine[] {
  const rows = db
    .select({ visit: visitColumns, patchName: patches.name, patchCode: patches.code })
    .from(visits)
    .innerJoin(patches, eq(patches.id, visits.patchId))
    .where(
      and(
        eq(visits.occursOn, date),
        isNotNull(visits.alertLevel),
        eq(visits.status, 'open'),
        eq(visits.kind, 'fixed'),
        isNull(patches.archivedAt),
      ),
    )
    .all();
  const names = clientNamesOf(
    db,
    rows.map((r) => r.visit.id),
  );
  return rows.map((r) => ({ ...r, clientNames: names.get(r.visit.id) ?? [] }));
}

/** Open cover items whose visit starts in [from, to): nobody has taken them yet; soonest first. */
export function uncoveredBetween(db: Db, from: number, to: number): CoverLine[] {
  return openCover(db, null, null)
    .filter((c) => (c.visit.startsAt ?? 0) >= from && (c.visit.startsAt ?? 0) < to && stillOpen(c.visit))
    .sort(bySoonest);
}

// ---- an admin's Home ----

export interface PatchDay {
  patchId: number;
  code: string;
  name: string;
  planned: number;
  done: number;
  late: number;
  missed: number;
}

/**
 * Each active patch with its fixed visits of a local date: planned (all but those called off), done,
 * late (went late, not missed) and missed. One index probe per patch (`visits_day`).
 */
export function patchDays(db: Db, date: string): PatchDay[] {
  const figures = db
    .select({
      patchId: visits.patchId,
      planned: sql<number>`sum(${visits.status} <> 'cancelled')`,
      done: sql<number>`sum(${visits.status} = 'done')`,
      late: sql<number>`sum(${visits.alertLevel} = 'late')`,
      missed: sql<number>`sum(${visits.alertLevel} = 'missed')`,
    })
    .from(visits)
    .innerJoin(patches, eq(patches.id, visits.patchId))
    .where(and(isNull(patches.archivedAt), eq(visits.occursOn, date), eq(visits.kind, 'fixed')))
    .groupBy(visits.patchId)
    .all();
  const byPatch = new Map(figures.map((f) => [f.patchId, f]));
  return db
    .select({ id: patches.id, code: patches.code, name: patches.name })
    .from(patches)
    .where(isNull(patches.archivedAt))
    .orderBy(asc(patches.code))
    .all()
    .map((p) => {
      const f = byPatch.get(p.id);
      return {
        patchId: p.id,
        code: p.code,
        name: p.name,
        planned: Number(f?.planned ?? 0),
        done: Number(f?.done ?? 0),
        late: Number(f?.late ?? 0),
        missed: Number(f?.missed ?? 0),
      };
    });
}
