import { and, asc, eq, gt, inArray, isNotNull, isNull, lte, ne, or, sql } from 'drizzle-orm';
import type { Db } from '../../db/index.ts';
import { clients, plans, visitCarers, visitClients, visits } from '../../db/schema.ts';

/** Queries on fixed visits: the day's rota, what the generator and the sweeps look at. */

export type VisitRow = typeof visits.$inferSelect;

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

/** A patch's fixed visits on some local dates (the generator compares them with the plans). */
export function fixedVisitsOfDays(db: Db, patchId: number, dates: string[]): VisitRow[] {
  return db
    .select()
    .from(visits)
    .where(and(eq(visits.patchId, patchId), eq(visits.kind, 'fixed'), inArray(visits.occursOn, dates)))
    .all();
}

/**
 * Future fixed visits nobody has touched yet (open, not alerted) whose plan or client was archived:
 * a re-import removed them, so they are called off.
 */
export function orphanedFutureVisits(db: Db, now: number): VisitRow[] {
  return db
    .select({ visit: visits })
    .from(visits)
    .innerJoin(plans, eq(plans.id, visits.planId))
    .innerJoin(clients, eq(clients.id, plans.clientId))
    .where(
      and(
        eq(visits.kind, 'fixed'),
        eq(visits.status, 'open'),
        gt(visits.startsAt, now),
        isNull(visits.alertLevel),
        or(isNotNull(plans.archivedAt), isNotNull(clients.archivedAt)),
      ),
    )
    .all()
    .map((r) => r.visit);
}

/** Fixed visits with no check-in that started since `since`, not yet alerted as missed. */
export function unattendedFixedVisits(
  db: Db,
  since: number,
  now: number,
): Array<VisitRow & { planSettings: string | null }> {
  return db
    .select({ visit: visits, planSettings: plans.settings })
    .from(visits)
    .leftJoin(plans, eq(plans.id, visits.planId))
    .where(
      and(
        eq(visits.kind, 'fixed'),
        eq(visits.status, 'open'),
        isNull(visits.arrivedAt),
        gt(visits.startsAt, since),
        lte(visits.startsAt, now),
        or(isNull(visits.alertLevel), ne(visits.alertLevel, 'missed')),
      ),
    )
    .orderBy(asc(visits.startsAt), asc(visits.id))
    .all()
    .map((r) => ({ ...r.visit, planSettings: r.planSettings }));
}

/** Flexible visits still waiting for a carer, not yet escalated to the supervisors. */
export function unclaimedPopbacks(db: Db): VisitRow[] {
  const claimed = db
    .select({ visitId: visitCarers.visitId })
    .from(visitCarers)
    .where(eq(visitCarers.visitId, visits.id));
  return db
    .select()
    .from(visits)
    .where(
      and(
        inArray(visits.kind, ['popback', 'shopping', 'social']),
        eq(visits.status, 'open'),
        isNull(visits.escalatedAt),
        sql`not exists ${claimed}`,
      ),
    )
    .orderBy(asc(visits.createdAt))
    .all();
}

/** Open flexible visits of a patch (for the digest). */
export function openPopbacks(db: Db, patchId: number): VisitRow[] {
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
