import { and, asc, eq, gte, inArray, isNotNull, lt, lte, ne, sql } from 'drizzle-orm';
import type { Db } from '../../db/index.ts';
import { clients, escalationEvents, escalations, patches } from '../../db/schema.ts';

/** Queries on escalations and their steps. */

export type EscalationRow = typeof escalations.$inferSelect;
export type EscalationEventRow = typeof escalationEvents.$inferSelect;

export function getEscalation(db: Db, id: number): EscalationRow | undefined {
  return db.select().from(escalations).where(eq(escalations.id, id)).get();
}

export function insertEscalation(db: Db, values: typeof escalations.$inferInsert): number {
  return db.insert(escalations).values(values).returning({ id: escalations.id }).get().id;
}

export function updateEscalation(db: Db, id: number, set: Partial<EscalationRow>): void {
  db.update(escalations).set(set).where(eq(escalations.id, id)).run();
}

export function addEvent(
  db: Db,
  escalationId: number,
  at: number,
  actor: string | null,
  action: string,
  detail: string | null = null,
): number {
  return db
    .insert(escalationEvents)
    .values({ escalationId, at, actor, action, detail })
    .returning({ id: escalationEvents.id })
    .get().id;
}

export function getEvent(db: Db, id: number): EscalationEventRow | undefined {
  return db.select().from(escalationEvents).where(eq(escalationEvents.id, id)).get();
}

/** Escalations whose next step, reminder or time-out is due. */
export function dueEscalations(db: Db, now: number): EscalationRow[] {
  return db
    .select()
    .from(escalations)
    .where(
      and(ne(escalations.status, 'resolved'), isNotNull(escalations.nextAt), lte(escalations.nextAt, now)),
    )
    .orderBy(asc(escalations.nextAt), asc(escalations.id))
    .all();
}

/** The earliest next step, reminder or time-out of any escalation (an index probe). */
export function nextEscalationDue(db: Db): number | null {
  return (
    db
      .select({ at: sql<number | null>`min(${escalations.nextAt})` })
      .from(escalations)
      .where(and(ne(escalations.status, 'resolved'), isNotNull(escalations.nextAt)))
      .get()?.at ?? null
  );
}

const SYSTEM_KINDS = ['missed_visit', 'unclaimed_popback', 'uncovered_visit'] as const;

/** Open escalations raised by the system about a visit (missed, unclaimed, uncovered), to close when it is covered. */
export function openEscalationsOfVisit(
  db: Db,
  visitId: number,
  kinds: readonly (typeof SYSTEM_KINDS)[number][] = SYSTEM_KINDS,
): EscalationRow[] {
  return db
    .select()
    .from(escalations)
    .where(
      and(
        eq(escalations.visitId, visitId),
        ne(escalations.status, 'resolved'),
        inArray(escalations.kind, [...kinds]),
      ),
    )
    .all();
}

export function clientName(db: Db, clientId: number | null): { name: string; code: string } | null {
  if (clientId === null) return null;
  return (
    db
      .select({ name: clients.name, code: clients.code })
      .from(clients)
      .where(eq(clients.id, clientId))
      .get() ?? null
  );
}

/** Escalations raised in [from, to) with every event, for the export. */
export function escalationsBetween(db: Db, from: number, to: number) {
  return db
    .select({ e: escalations, ev: escalationEvents, patchCode: patches.code, client: clients })
    .from(escalations)
    .innerJoin(escalationEvents, eq(escalationEvents.escalationId, escalations.id))
    .innerJoin(patches, eq(patches.id, escalations.patchId))
    .leftJoin(clients, eq(clients.id, escalations.clientId))
    .where(and(gte(escalations.raisedAt, from), lt(escalations.raisedAt, to)))
    .orderBy(
      asc(escalations.raisedAt),
      asc(escalations.id),
      asc(escalationEvents.at),
      asc(escalationEvents.id),
    )
    .all();
}

/** The first chain step recorded for an escalation (who was called when it was raised). */
export function firstStep(db: Db, escalationId: number): EscalationEventRow | undefined {
  return db
    .select()
    .from(escalationEvents)
    .where(and(eq(escalationEvents.escalationId, escalationId), eq(escalationEvents.action, 'step')))
    .orderBy(asc(escalationEvents.id))
    .limit(1)
    .get();
}
