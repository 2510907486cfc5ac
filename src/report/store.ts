import { and, asc, eq, gt, gte, inArray, isNotNull, isNull, lt, lte, min, or, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { Db } from '../../db/index.ts';
import {
  coverItems,
  escalations,
  patches,
  plans,
  reportFigures,
  visitCarers,
  visitClients,
  visitEvents,
  visits,
} from '../../db/schema.ts';
import { type Thresholds, thresholdsFromSettings, visitThresholds } from '../patches/model.ts';
import { getPatch, providerSettings } from '../patches/store.ts';
import { addDays } from '../time.ts';
import { FLEX_KINDS } from '../visits/model.ts';
import {
  addWeeks,
  type ClientCarers,
  type Facts,
  type FixedFact,
  type FlexFact,
  fourWeekWindow,
  type IsoWeek,
  type MedFact,
  mondayOf,
  type Summary,
  type Window,
  weekLabel,
  weekWindow,
  windowOf,
} from './model.ts';

/**
 * The report's queries: one patch's facts for a week and the week before, read from the visits, their
 * events, claims and clients, the escalations and the cover tables; and the figures the job keeps.
 * Every read is bounded by the patch and the five weeks the figures look at.
 */

export interface ReportPatch {
  id: number;
  code: string;
  name: string;
}

/** The patches a week's report covers: every patch not archived before the week began, by id. */
export function reportPatches(db: Db, week: Window): ReportPatch[] {
  return db
    .select({ id: patches.id, code: patches.code, name: patches.name })
    .from(patches)
    .where(or(isNull(patches.archivedAt), gte(patches.archivedAt, week.start)))
    .orderBy(asc(patches.id))
    .all();
}

interface FixedRow extends FixedFact {
  occursOn: string;
  clientId: number | null;
}

/** A patch's fixed visits of some local days (the `visits_day` index), each with its late threshold and client. */
function fixedRows(db: Db, patchId: number, span: Window, levels: readonly Thresholds[]): FixedRow[] {
  return db
    .select({
      occursOn: visits.occursOn,
      clientId: visitClients.clientId,
      status: visits.status,
      startsAt: visits.startsAt,
      minutes: visits.minutes,
      timeCritical: visits.timeCritical,
      arrivedAt: visits.arrivedAt,
      arrivedBy: visits.arrivedBy,
      doneAt: visits.doneAt,
      doneBy: visits.doneBy,
      missedAt: visits.missedAt,
      plannedAssignee: visits.plannedAssignee,
      planSettings: plans.settings,
    })
    .from(visits)
    .leftJoin(plans, eq(plans.id, visits.planId))
    .leftJoin(visitClients, and(eq(visitClients.visitId, visits.id), eq(visitClients.position, 0)))
    .where(
      and(
        eq(visits.patchId, patchId),
        eq(visits.kind, 'fixed'),
        gte(visits.occursOn, span.from),
        lte(visits.occursOn, span.to),
        isNotNull(visits.startsAt),
      ),
    )
    .all()
    .map((v) => {
      const minutes = v.minutes ?? 0;
      const { lateMinutes } = visitThresholds([...levels, thresholdsFromSettings(v.planSettings ?? '{}')], {
        minutes,
        timeCritical: v.timeCritical,
      });
      return {
        occursOn: v.occursOn as string,
        clientId: v.clientId,
        status: v.status,
        startsAt: v.startsAt as number,
        minutes,
        arrivedAt: v.arrivedAt,
        arrivedBy: v.arrivedBy,
        doneAt: v.doneAt,
        doneBy: v.doneBy,
        missedAt: v.missedAt,
        plannedAssignee: v.plannedAssignee,
        lateMinutes,
      };
    });
}

interface FlexRow extends FlexFact {
  arrivedAt: number | null;
  arrivedBy: string | null;
  doneBy: string | null;
  clients: number[];
  carers: string[];
}

const CHUNK = 500;
function chunks<T>(list: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < list.length; i += CHUNK) out.push(list.slice(i, i + CHUNK));
  return out;
}

/** A patch's pop-backs, shopping trips and social visits asked for in a span, with clients, carers and first claim. */
function flexRows(db: Db, patchId: number, span: Window): FlexRow[] {
  const rows = db
    .select({
      id: visits.id,
      createdAt: visits.createdAt,
      arrivedAt: visits.arrivedAt,
      arrivedBy: visits.arrivedBy,
      doneBy: visits.doneBy,
    })
    .from(visits)
    .where(
      and(
        eq(visits.patchId, patchId),
        inArray(visits.kind, [...FLEX_KINDS]),
        gte(visits.createdAt, span.start),
        lt(visits.createdAt, span.end),
      ),
    )
    .all();
  const byId = new Map<number, FlexRow>(
    rows.map((r) => [r.id, { ...r, firstClaimAt: null, clients: [], carers: [] }]),
  );
  for (const ids of chunks([...byId.keys()])) {
    for (const c of db
      .select({ visitId: visitClients.visitId, clientId: visitClients.clientId })
      .from(visitClients)
      .where(inArray(visitClients.visitId, ids))
      .all()) {
      byId.get(c.visitId)?.clients.push(c.clientId);
    }
    for (const c of db
      .select({ visitId: visitCarers.visitId, userId: visitCarers.userId })
      .from(visitCarers)
      .where(inArray(visitCarers.visitId, ids))
      .all()) {
      byId.get(c.visitId)?.carers.push(c.userId);
    }
    for (const e of db
      .select({ visitId: visitEvents.visitId, at: min(visitEvents.at) })
      .from(visitEvents)
      .where(and(inArray(visitEvents.visitId, ids), eq(visitEvents.action, 'claim')))
      .groupBy(visitEvents.visitId)
      .all()) {
      const row = byId.get(e.visitId);
      if (row) row.firstClaimAt = e.at;
    }
  }
  return [...byId.values()];
}

/** Medication issues raised in the window. */
function medFacts(db: Db, patchId: number, w: Window): MedFact[] {
  return db
    .select({ raisedAt: escalations.raisedAt, ackedAt: escalations.ackedAt })
    .from(escalations)
    .where(
      and(
        eq(escalations.patchId, patchId),
        eq(escalations.kind, 'medication'),
        gte(escalations.raisedAt, w.start),
        lt(escalations.raisedAt, w.end),
      ),
    )
    .all();
}

/**
 * Uncovered visits, by key so a visit is counted once: escalations of kind `uncovered_visit` raised in
 * the window, and cover items of visits starting in the window that were still open at the visit's
 * start (still open now, or covered only after it started).
 */
function uncoveredKeys(db: Db, patchId: number, w: Window): string[] {
  const escalated = db
    .select({ id: escalations.id, visitId: escalations.visitId })
    .from(escalations)
    .where(
      and(
        eq(escalations.patchId, patchId),
        eq(escalations.kind, 'uncovered_visit'),
        gte(escalations.raisedAt, w.start),
        lt(escalations.raisedAt, w.end),
      ),
    )
    .all()
    .map((e) => (e.visitId === null ? `esc:${e.id}` : `visit:${e.visitId}`));
  const items = db
    .select({ visitId: coverItems.visitId })
    .from(coverItems)
    .innerJoin(visits, eq(visits.id, coverItems.visitId))
    .where(
      and(
        eq(coverItems.patchId, patchId),
        // `+ 0` keeps SQLite from starting at every patch's visits of the week (the starts_at index):
        // it reads the cover items and looks each visit up by its key.
        sql`${visits.startsAt} + 0 >= ${w.start}`,
        sql`${visits.startsAt} + 0 < ${w.end}`,
        or(
          eq(coverItems.status, 'open'),
          and(eq(coverItems.status, 'covered'), gt(coverItems.coveredAt, visits.startsAt)),
        ),
      ),
    )
    .all()
    .map((i) => `visit:${i.visitId}`);
  return [...new Set([...escalated, ...items])];
}

/**
 * The different people who went to each client: whoever pressed Arrived or Done on the client's visits
 * someone got to, and the carers who claimed a flexible visit someone got to (a two-carer pop-back has
 * two people at the door).
 */
function carersOf(fixed: readonly FixedRow[], flex: readonly FlexRow[]): ClientCarers[] {
  const byClient = new Map<number, Set<string>>();
  const add = (clientId: number, users: ReadonlyArray<string | null>) => {
    const set = byClient.get(clientId) ?? new Set<string>();
    for (const u of users) if (u !== null) set.add(u);
    byClient.set(clientId, set);
  };
  for (const v of fixed) {
    if (v.arrivedAt !== null && v.clientId !== null) add(v.clientId, [v.arrivedBy, v.doneBy]);
  }
  for (const v of flex) {
    if (v.arrivedAt === null) continue;
    for (const clientId of v.clients) add(clientId, [v.arrivedBy, v.doneBy, ...v.carers]);
  }
  return [...byClient]
    .sort(([a], [b]) => a - b)
    .map(([clientId, set]) => ({ clientId, carers: [...set].sort() }));
}

/**
 * One patch's facts for a week and for the week before. The visits of the five weeks the figures look
 * at (the 28 days before each week included) are read once and split: fixed visits by their local day,
 * requests by when they were made.
 */
export function patchFacts(
  db: Db,
  patchId: number,
  week: IsoWeek,
  zone: string,
): { current: Facts; previous: Facts } {
  const levels = [providerSettings(db).thresholds, getPatch(db, patchId)?.thresholds ?? {}];
  const monday = mondayOf(week);
  const span = windowOf(addDays(monday, -28), addDays(monday, 6), zone);
  const fixed = fixedRows(db, patchId, span, levels);
  const flex = flexRows(db, patchId, span);
  const factsOf = (w: IsoWeek): Facts => {
    const days = weekWindow(w, zone);
    const four = fourWeekWindow(w, zone);
    const fixedIn = (win: Window) => fixed.filter((v) => v.occursOn >= win.from && v.occursOn <= win.to);
    const flexIn = (win: Window) => flex.filter((v) => v.createdAt >= win.start && v.createdAt < win.end);
    return {
      fixed: fixedIn(days),
      flexible: flexIn(days),
      medication: medFacts(db, patchId, days),
      uncovered: uncoveredKeys(db, patchId, days),
      carers7: carersOf(fixedIn(days), flexIn(days)),
      carers28: carersOf(fixedIn(four), flexIn(four)),
    };
  };
  return { current: factsOf(week), previous: factsOf(addWeeks(week, -1)) };
}

// ---- the figures the job keeps ------------------------------------------------------------------------

const minutesList = z.array(z.number().finite());
const carersList = z.array(z.object({ clientId: z.number().int(), carers: z.array(z.string()) }));
const count = z.number().int().nonnegative();
const summarySchema = z.object({
  planned: count,
  done: count,
  late: count,
  notNeeded: count,
  cutShort: count,
  popbacksRequested: count,
  lateness: minutesList,
  claimMinutes: minutesList,
  medIssues: count,
  ackMinutes: minutesList,
  uncovered: count,
  keyWorkerPlanned: count,
  keyWorkerWent: count,
  carers7: carersList,
  carers28: carersList,
});
const storedSchema = z.object({ current: summarySchema, previous: summarySchema });

export interface StoredSummaries {
  current: Summary;
  previous: Summary;
}

/** Keeps a patch's summaries for a week (replacing any kept before). */
export function saveSummaries(db: Db, week: IsoWeek, patchId: number, s: StoredSummaries, now: number): void {
  const summary = JSON.stringify(s);
  db.insert(reportFigures)
    .values({ week: weekLabel(week), patchId, summary, computedAt: now })
    .onConflictDoUpdate({
      target: [reportFigures.week, reportFigures.patchId],
      set: { summary, computedAt: now },
    })
    .run();
}

/** The summaries kept for a week, by patch id; a row that does not read as a summary is left out. */
export function savedSummaries(db: Db, week: IsoWeek, patchId?: number): Map<number, StoredSummaries> {
  const rows = db
    .select({ patchId: reportFigures.patchId, summary: reportFigures.summary })
    .from(reportFigures)
    .where(
      patchId === undefined
        ? eq(reportFigures.week, weekLabel(week))
        : and(eq(reportFigures.week, weekLabel(week)), eq(reportFigures.patchId, patchId)),
    )
    .all();
  const out = new Map<number, StoredSummaries>();
  for (const row of rows) {
    let json: unknown;
    try {
      json = JSON.parse(row.summary);
    } catch {
      continue;
    }
    const parsed = storedSchema.safeParse(json);
    if (parsed.success) out.set(row.patchId, parsed.data);
  }
  return out;
}
