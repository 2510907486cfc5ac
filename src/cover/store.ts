import { and, asc, eq, gte, inArray, isNotNull, isNull, lte, sql } from 'drizzle-orm';
import type { Db } from '../../db/index.ts';
import {
  clients,
  coverItems,
  coverRequests,
  coverTakes,
  provider,
  visitClients,
  visits,
} from '../../db/schema.ts';
import { coverFromSettings } from '../patches/model.ts';
import type { VisitRow } from '../visits/store.ts';

/** Queries on cover requests, their items and who took them. Synchronous; call inside a transaction to change anything. */

export type RequestRow = typeof coverRequests.$inferSelect;
export type ItemRow = typeof coverItems.$inferSelect;
export type TakeRow = typeof coverTakes.$inferSelect;

/** How long before an uncovered visit starts it goes to the supervisors (the roster's `cover.escalate_minutes`). */
export function escalateMinutes(db: Db): number {
  const row = db.select({ settings: provider.settings }).from(provider).where(eq(provider.id, 1)).get();
  return coverFromSettings(row?.settings ?? '{}').escalateMinutes;
}

export function insertRequest(db: Db, values: typeof coverRequests.$inferInsert): number {
  return db.insert(coverRequests).values(values).returning({ id: coverRequests.id }).get().id;
}

export function getRequest(db: Db, id: number): RequestRow | undefined {
  return db.select().from(coverRequests).where(eq(coverRequests.id, id)).get();
}

export function setWithdrawn(db: Db, id: number, by: string, at: number): void {
  db.update(coverRequests).set({ withdrawnAt: at, withdrawnBy: by }).where(eq(coverRequests.id, id)).run();
}

/** A person's requests still standing at `at` (an index probe on person and end). */
export function standingRequests(db: Db, userId: string, at: number): RequestRow[] {
  return db
    .select()
    .from(coverRequests)
    .where(
      and(
        eq(coverRequests.requestedBy, userId),
        gte(coverRequests.toAt, at),
        lte(coverRequests.fromAt, at),
        isNull(coverRequests.withdrawnAt),
      ),
    )
    .orderBy(asc(coverRequests.id))
    .all();
}

export function insertItem(db: Db, values: typeof coverItems.$inferInsert): number {
  return db.insert(coverItems).values(values).returning({ id: coverItems.id }).get().id;
}

export function getItem(db: Db, id: number): ItemRow | undefined {
  return db.select().from(coverItems).where(eq(coverItems.id, id)).get();
}

export function updateItem(db: Db, id: number, set: Partial<ItemRow>): void {
  db.update(coverItems).set(set).where(eq(coverItems.id, id)).run();
}

/** Every item of a visit, oldest first (a visit may be on an old, withdrawn request and a new one). */
export function itemsOfVisit(db: Db, visitId: number): ItemRow[] {
  return db
    .select()
    .from(coverItems)
    .where(eq(coverItems.visitId, visitId))
    .orderBy(asc(coverItems.id))
    .all();
}

/** The one item of a visit still waiting for cover, if any. */
export function openItemOfVisit(db: Db, visitId: number): ItemRow | undefined {
  return db
    .select()
    .from(coverItems)
    .where(and(eq(coverItems.visitId, visitId), eq(coverItems.status, 'open')))
    .get();
}

/** A request's items, optionally of one patch, in the order of their visits. */
export function itemsOfRequest(db: Db, requestId: number, patchId?: number): ItemRow[] {
  return db
    .select({ item: coverItems })
    .from(coverItems)
    .innerJoin(visits, eq(visits.id, coverItems.visitId))
    .where(
      and(
        eq(coverItems.requestId, requestId),
        patchId === undefined ? undefined : eq(coverItems.patchId, patchId),
      ),
    )
    .orderBy(asc(visits.startsAt), asc(coverItems.id))
    .all()
    .map((r) => r.item);
}

/** The patches a request has a card in. */
export function patchesOfRequest(db: Db, requestId: number): number[] {
  return db
    .selectDistinct({ patchId: coverItems.patchId })
    .from(coverItems)
    .where(eq(coverItems.requestId, requestId))
    .orderBy(asc(coverItems.patchId))
    .all()
    .map((r) => r.patchId);
}

export function takesOf(db: Db, itemId: number): TakeRow[] {
  return db
    .select()
    .from(coverTakes)
    .where(eq(coverTakes.itemId, itemId))
    .orderBy(asc(coverTakes.takenAt), asc(coverTakes.userId))
    .all();
}

/** Records a take; false when this person already had it. */
export function insertTake(db: Db, values: typeof coverTakes.$inferInsert): boolean {
  return db.insert(coverTakes).values(values).onConflictDoNothing().run().changes === 1;
}

/** What one person took (or was given) from one request, with the items, in visit order. */
export function takesOfPerson(
  db: Db,
  requestId: number,
  userId: string,
): Array<{ item: ItemRow; take: TakeRow }> {
  return db
    .select({ item: coverItems, take: coverTakes })
    .from(coverTakes)
    .innerJoin(coverItems, eq(coverItems.id, coverTakes.itemId))
    .innerJoin(visits, eq(visits.id, coverItems.visitId))
    .where(and(eq(coverItems.requestId, requestId), eq(coverTakes.userId, userId)))
    .orderBy(asc(visits.startsAt), asc(coverItems.id))
    .all();
}

/**
 * A person's fixed visits starting in [from, to] that are theirs and not started: what a new request
 * puts on its cards. Visits already waiting on another of their requests are left out.
 */
export function coverableVisits(db: Db, userId: string, fromAt: number, toAt: number): VisitRow[] {
  return db
    .select()
    .from(visits)
    .where(
      and(
        eq(visits.kind, 'fixed'),
        eq(visits.assignee, userId),
        eq(visits.status, 'open'),
        sql`${visits.arrivedAt} is null`,
        gte(visits.startsAt, fromAt),
        lte(visits.startsAt, toAt),
        sql`not exists (select 1 from ${coverItems} where ${coverItems.visitId} = ${visits.id} and ${coverItems.status} = 'open')`,
      ),
    )
    .orderBy(asc(visits.startsAt), asc(visits.id))
    .all();
}

/** Open items whose escalation is due, earliest first (the partial index on `escalate_at`). */
export function itemsEscalationDue(db: Db, now: number, limit: number): ItemRow[] {
  return db
    .select()
    .from(coverItems)
    .where(and(isNotNull(coverItems.escalateAt), lte(coverItems.escalateAt, now)))
    .orderBy(asc(coverItems.escalateAt), asc(coverItems.id))
    .limit(limit)
    .all();
}

/** The earliest escalation of any item (an index probe). */
export function nextItemEscalation(db: Db): number | null {
  return (
    db
      .select({ at: sql<number | null>`min(${coverItems.escalateAt})` })
      .from(coverItems)
      .where(isNotNull(coverItems.escalateAt))
      .get()?.at ?? null
  );
}

/** The visit's clients' display names, in order (what a card and a note show). */
export function clientNamesOf(db: Db, visitIds: readonly number[]): Map<number, string[]> {
  const out = new Map<number, string[]>();
  if (visitIds.length === 0) return out;
  const rows = db
    .select({ visitId: visitClients.visitId, name: clients.name })
    .from(visitClients)
    .innerJoin(clients, eq(clients.id, visitClients.clientId))
    .where(inArray(visitClients.visitId, [...new Set(visitIds)]))
    .orderBy(asc(visitClients.visitId), asc(visitClients.position))
    .all();
  for (const r of rows) out.set(r.visitId, [...(out.get(r.visitId) ?? []), r.name]);
  return out;
}

/** Visits by id. */
export function visitsById(db: Db, ids: readonly number[]): Map<number, VisitRow> {
  if (ids.length === 0) return new Map();
  const rows = db
    .select()
    .from(visits)
    .where(inArray(visits.id, [...new Set(ids)]))
    .all();
  return new Map(rows.map((v) => [v.id, v]));
}
