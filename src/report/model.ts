import { addDays, localDate, localInstant, MINUTE } from '../time.ts';
import type { VisitStatus } from '../visits/model.ts';

/**
 * The weekly quality report's pure rules: ISO weeks and their local boundaries, when a report is due,
 * and every figure worked out from the facts the store reads. No SQL, no Slack, no clock: the caller
 * passes the instants and the zone.
 *
 * The figures follow NICE QS123 (Home care for older people) and NG21 (Home care: delivering personal
 * care and practical support to older people living in their own homes); docs/report.md gives each
 * figure's definition and its source.
 */

// ---- ISO weeks -------------------------------------------------------------------------------------

/** An ISO 8601 week: weeks start on Monday; week 1 is the week with the year's first Thursday. */
export interface IsoWeek {
  year: number;
  week: number;
}

const DAY_MS = 86_400_000;

const utcDay = (date: string): number => {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  return Date.UTC(y, m - 1, d);
};

/** 1 (Monday) … 7 (Sunday) of a local date. */
export function isoWeekday(date: string): number {
  const day = new Date(utcDay(date)).getUTCDay();
  return day === 0 ? 7 : day;
}

/** The ISO week a local date falls in (early January may be the previous year's week 52 or 53). */
export function isoWeekOf(date: string): IsoWeek {
  const thursday = addDays(date, 4 - isoWeekday(date));
  const year = Number(thursday.slice(0, 4));
  const dayOfYear = (utcDay(thursday) - Date.UTC(year, 0, 1)) / DAY_MS;
  return { year, week: Math.floor(dayOfYear / 7) + 1 };
}

/** How many ISO weeks a year has: 53 when it starts on a Thursday (or on a Wednesday in a leap year). */
export function weeksInYear(year: number): number {
  return isoWeekOf(`${String(year).padStart(4, '0')}-12-28`).week;
}

/** The Monday (local date) an ISO week starts on. */
export function mondayOf(w: IsoWeek): string {
  const jan4 = `${String(w.year).padStart(4, '0')}-01-04`;
  return addDays(jan4, 1 - isoWeekday(jan4) + (w.week - 1) * 7);
}

/** `2026-W48`. */
export function weekLabel(w: IsoWeek): string {
  return `${String(w.year).padStart(4, '0')}-W${String(w.week).padStart(2, '0')}`;
}

export function addWeeks(w: IsoWeek, n: number): IsoWeek {
  return isoWeekOf(addDays(mondayOf(w), 7 * n));
}

export type WeekParse = { ok: true; week: IsoWeek } | { ok: false; message: string };

/** Reads `2026-W48` (the `W` in either case); says plainly what is wrong otherwise. */
export function parseIsoWeek(text: string): WeekParse {
  const m = /^(\d{4})-[Ww](\d{2})$/.exec(text);
  if (!m) return { ok: false, message: `${text}: expected an ISO week such as 2026-W48` };
  const year = Number(m[1]);
  const week = Number(m[2]);
  if (year < 1970) return { ok: false, message: `${text}: the year must be 1970 or later` };
  const weeks = weeksInYear(year);
  if (week < 1 || week > weeks) {
    return { ok: false, message: `${text}: ${year} has weeks 01 to ${weeks}` };
  }
  return { ok: true, week: { year, week } };
}

/** A span of local days, as instants: [start, end) from local midnight to local midnight. */
export interface Window {
  /** First local date, inclusive. */
  from: string;
  /** Last local date, inclusive. */
  to: string;
  start: number;
  end: number;
}

/** Local days `from` … `to` (inclusive) in `zone`: 23- and 25-hour days are whatever the zone makes them. */
export function windowOf(from: string, to: string, zone: string): Window {
  return {
    from,
    to,
    start: localInstant(from, '00:00', zone),
    end: localInstant(addDays(to, 1), '00:00', zone),
  };
}

/** The week, Monday 00:00 to the next Monday 00:00, local. */
export function weekWindow(w: IsoWeek, zone: string): Window {
  const monday = mondayOf(w);
  return windowOf(monday, addDays(monday, 6), zone);
}

/** The 28 days ending with the week: the week and the three before it. */
export function fourWeekWindow(w: IsoWeek, zone: string): Window {
  const monday = mondayOf(w);
  return windowOf(addDays(monday, -21), addDays(monday, 6), zone);
}

// ---- when the report is due --------------------------------------------------------------------------

/** The report goes to the supervisors at this local time on the Monday after its week. */
export const REPORT_AT = '09:00';

/** When a week's report is due: 09:00 local on the Monday after it. */
export function reportTimeOf(w: IsoWeek, zone: string): number {
  return localInstant(addDays(mondayOf(w), 7), REPORT_AT, zone);
}

const mondayOfDate = (date: string): string => addDays(date, 1 - isoWeekday(date));

/**
 * The week whose report fell due most recently at `now`: the last complete week once Monday 09:00 has
 * come, the one before it until then. After downtime this is the only week reported; older ones are
 * history (`patchbot report` still prints them).
 */
export function weekDueAt(now: number, zone: string): IsoWeek {
  const monday = mondayOfDate(localDate(now, zone));
  const reportedThisMonday = now >= localInstant(monday, REPORT_AT, zone);
  return isoWeekOf(addDays(monday, reportedThisMonday ? -7 : -14));
}

/** The first Monday 09:00 after `now`. */
export function nextReportAt(now: number, zone: string): number {
  const monday = mondayOfDate(localDate(now, zone));
  const thisMonday = localInstant(monday, REPORT_AT, zone);
  return thisMonday > now ? thisMonday : localInstant(addDays(monday, 7), REPORT_AT, zone);
}

/**
 * A new installation's first report: the Monday 09:00 after the week now running, which reports that
 * week. The week before the bot was installed has no visits in the database, so it is never reported.
 */
export function firstReportAt(now: number, zone: string): number {
  return localInstant(addDays(mondayOfDate(localDate(now, zone)), 7), REPORT_AT, zone);
}

/** Whether a week has ended (its last local midnight has passed) at `now`. */
export function weekEnded(w: IsoWeek, now: number, zone: string): boolean {
  return now >= weekWindow(w, zone).end;
}

// ---- the facts and the figures -------------------------------------------------------------------------

/** A fixed visit of the week, as the figures need it. */
export interface FixedFact {
  status: VisitStatus;
  startsAt: number;
  minutes: number;
  arrivedAt: number | null;
  arrivedBy: string | null;
  doneAt: number | null;
  doneBy: string | null;
  /** When the bot called it missed (and told the supervisors), if it did. */
  missedAt: number | null;
  /** The client's key worker when the visit was made (its plan's key worker). */
  plannedAssignee: string | null;
  /** The visit's late threshold in minutes (the alerts' own: provider, patch, plan, time-critical). */
  lateMinutes: number;
}

/** A pop-back (or shopping trip, or social visit) asked for in the week. */
export interface FlexFact {
  createdAt: number;
  /** The first Claim on record (a claim released later still counts), if any. */
  firstClaimAt: number | null;
}

/** A medication issue raised in the week. */
export interface MedFact {
  raisedAt: number;
  ackedAt: number | null;
}

/** The different people who went to one client in a window. */
export interface ClientCarers {
  clientId: number;
  carers: readonly string[];
}

/** Everything one patch's figures for one week are worked out from (all read from the database). */
export interface Facts {
  fixed: readonly FixedFact[];
  flexible: readonly FlexFact[];
  medication: readonly MedFact[];
  /** Keys of the distinct uncovered visits (`visit:<id>`, or `esc:<id>` for an escalation with no visit). */
  uncovered: readonly string[];
  /** Per client, the people who went in the week… */
  carers7: readonly ClientCarers[];
  /** …and in the 28 days ending with it. */
  carers28: readonly ClientCarers[];
}

export const emptyFacts = (): Facts => ({
  fixed: [],
  flexible: [],
  medication: [],
  uncovered: [],
  carers7: [],
  carers28: [],
});

export const emptySummary = (): Summary => summarize(emptyFacts());

/** The figures of one patch (or of all) for one week. A null figure has nothing to be worked out from. */
export interface Figures {
  planned: number;
  done: number;
  late: number;
  missed: number;
  /** missed / planned, in per cent. */
  missedPct: number | null;
  /** Marked not needed before they were missed: not planned visits any more, shown for reference. */
  notNeeded: number;
  /** Minutes from planned start to arrival (early counts as 0), nearest-rank percentiles. */
  latenessP50: number | null;
  latenessP90: number | null;
  cutShort: number;
  popbacksRequested: number;
  popbacksClaimed: number;
  /** Minutes from request to first claim, median (nearest rank). */
  claimMedian: number | null;
  medIssues: number;
  medAcknowledged: number;
  /** Minutes from raising to acknowledgement, median (nearest rank). */
  ackMedian: number | null;
  uncovered: number;
  /** Mean number of different people who went to a client (clients someone went to). */
  carersPerClient7: number | null;
  carersPerClient28: number | null;
  /** Visits a key worker was planned for, and how many of them the key worker went to. */
  keyWorkerPlanned: number;
  keyWorkerWent: number;
  keyWorkerPct: number | null;
}

/**
 * The nearest-rank percentile: the smallest value with at least p% of the values at or below it, i.e.
 * the value at rank ⌈p/100 × n⌉ of the sorted values. Always a value that was observed; with an even
 * count the median is the lower of the two middle values. Null for no values.
 */
export function percentile(values: readonly number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1] as number;
}

const share = (part: number, whole: number): number | null => (whole === 0 ? null : (100 * part) / whole);

const mean = (values: readonly number[]): number | null =>
  values.length === 0 ? null : values.reduce((a, b) => a + b, 0) / values.length;

/**
 * A planned visit: a fixed visit of the week that was neither called off by a plan change nor marked
 * not needed (client in hospital, away, family cancelled). One marked not needed only after the bot had
 * called it missed stays planned, and missed: the supervisors had been told it was missed.
 */
export function isPlanned(v: FixedFact): boolean {
  if (v.status === 'cancelled') return false;
  if (v.status === 'not_needed') return v.missedAt !== null;
  return true;
}

/** A planned visit a carer got to: Arrived or Done was pressed. Every other planned visit was missed. */
export const wasReached = (v: FixedFact): boolean => v.arrivedAt !== null;

/** Reached at or after the visit's late threshold: the moment the alerts would call it late. */
export const wasLate = (v: FixedFact): boolean =>
  v.arrivedAt !== null && v.arrivedAt >= v.startsAt + v.lateMinutes * MINUTE;

/** Minutes from the planned start to arrival; arriving early counts as 0. */
export const latenessMinutes = (v: FixedFact): number =>
  Math.max(0, ((v.arrivedAt ?? v.startsAt) - v.startsAt) / MINUTE);

/**
 * Done earlier than half its planned length after arrival. A visit marked Done without Arrived first
 * has no length on record (arrival and done are the same instant) and is not counted.
 */
export function wasCutShort(v: FixedFact): boolean {
  if (v.status !== 'done' || v.arrivedAt === null || v.doneAt === null) return false;
  const length = v.doneAt - v.arrivedAt;
  return length > 0 && length < (v.minutes * MINUTE) / 2;
}

/** Whether the client's key worker (as planned for this visit) went: pressed Arrived or Done. */
export const keyWorkerWent = (v: FixedFact): boolean =>
  v.plannedAssignee !== null && (v.arrivedBy === v.plannedAssignee || v.doneBy === v.plannedAssignee);

/**
 * What a week's figures are worked out from, small enough to keep: the counts, and the values whose
 * percentiles and means must be taken over all patches together (never averaged from the patches').
 */
export interface Summary {
  planned: number;
  done: number;
  late: number;
  notNeeded: number;
  cutShort: number;
  popbacksRequested: number;
  /** Minutes from each reached visit's planned start to arrival (early: 0). */
  lateness: number[];
  /** Minutes from each claimed request to its first claim. */
  claimMinutes: number[];
  medIssues: number;
  /** Minutes from each acknowledged medication issue's raising to its acknowledgement. */
  ackMinutes: number[];
  uncovered: number;
  keyWorkerPlanned: number;
  keyWorkerWent: number;
  carers7: ClientCarers[];
  carers28: ClientCarers[];
}

/** A week's facts, summed up. */
export function summarize(f: Facts): Summary {
  const planned = f.fixed.filter(isPlanned);
  const reached = planned.filter(wasReached);
  const withKeyWorker = reached.filter((v) => v.plannedAssignee !== null);
  return {
    planned: planned.length,
    done: reached.length,
    late: reached.filter(wasLate).length,
    notNeeded: f.fixed.filter((v) => v.status === 'not_needed' && v.missedAt === null).length,
    cutShort: planned.filter(wasCutShort).length,
    popbacksRequested: f.flexible.length,
    lateness: reached.map(latenessMinutes),
    claimMinutes: f.flexible.flatMap((p) =>
      p.firstClaimAt === null ? [] : [(p.firstClaimAt - p.createdAt) / MINUTE],
    ),
    medIssues: f.medication.length,
    ackMinutes: f.medication.flatMap((m) => (m.ackedAt === null ? [] : [(m.ackedAt - m.raisedAt) / MINUTE])),
    uncovered: new Set(f.uncovered).size,
    keyWorkerPlanned: withKeyWorker.length,
    keyWorkerWent: withKeyWorker.filter(keyWorkerWent).length,
    carers7: normalCarers([f.carers7]),
    carers28: normalCarers([f.carers28]),
  };
}

function carersPerClient(list: readonly ClientCarers[]): number | null {
  return mean(list.filter((c) => c.carers.length > 0).map((c) => new Set(c.carers).size));
}

/** Every figure of one week, from its summary. */
export function figuresOf(s: Summary): Figures {
  const missed = s.planned - s.done;
  return {
    planned: s.planned,
    done: s.done,
    late: s.late,
    missed,
    missedPct: share(missed, s.planned),
    notNeeded: s.notNeeded,
    latenessP50: percentile(s.lateness, 50),
    latenessP90: percentile(s.lateness, 90),
    cutShort: s.cutShort,
    popbacksRequested: s.popbacksRequested,
    popbacksClaimed: s.claimMinutes.length,
    claimMedian: percentile(s.claimMinutes, 50),
    medIssues: s.medIssues,
    medAcknowledged: s.ackMinutes.length,
    ackMedian: percentile(s.ackMinutes, 50),
    uncovered: s.uncovered,
    carersPerClient7: carersPerClient(s.carers7),
    carersPerClient28: carersPerClient(s.carers28),
    keyWorkerPlanned: s.keyWorkerPlanned,
    keyWorkerWent: s.keyWorkerWent,
    keyWorkerPct: share(s.keyWorkerWent, s.keyWorkerPlanned),
  };
}

/** One set of carers per client, clients in id order (a client seen in two patches' facts is one client). */
function normalCarers(lists: ReadonlyArray<readonly ClientCarers[]>): ClientCarers[] {
  const byClient = new Map<number, Set<string>>();
  for (const list of lists) {
    for (const c of list) {
      const set = byClient.get(c.clientId) ?? new Set<string>();
      for (const u of c.carers) set.add(u);
      byClient.set(c.clientId, set);
    }
  }
  return [...byClient]
    .sort(([a], [b]) => a - b)
    .map(([clientId, set]) => ({ clientId, carers: [...set].sort() }));
}

/**
 * All patches' summaries as one: the provider's figures are worked out from every visit, not averaged
 * from the patches' figures (a percentile of percentiles means nothing).
 */
export function mergeSummaries(list: readonly Summary[]): Summary {
  const sum = (key: keyof Summary) => list.reduce((n, s) => n + (s[key] as number), 0);
  return {
    planned: sum('planned'),
    done: sum('done'),
    late: sum('late'),
    notNeeded: sum('notNeeded'),
    cutShort: sum('cutShort'),
    popbacksRequested: sum('popbacksRequested'),
    lateness: list.flatMap((s) => s.lateness),
    claimMinutes: list.flatMap((s) => s.claimMinutes),
    medIssues: sum('medIssues'),
    ackMinutes: list.flatMap((s) => s.ackMinutes),
    uncovered: sum('uncovered'),
    keyWorkerPlanned: sum('keyWorkerPlanned'),
    keyWorkerWent: sum('keyWorkerWent'),
    carers7: normalCarers(list.map((s) => s.carers7)),
    carers28: normalCarers(list.map((s) => s.carers28)),
  };
}

/** How the patches are ordered in the summary: most missed first, then most late, then by name. */
export function worstFirst<T extends { name: string; current: Figures }>(rows: readonly T[]): T[] {
  return [...rows].sort(
    (a, b) =>
      (b.current.missedPct ?? -1) - (a.current.missedPct ?? -1) ||
      b.current.missed - a.current.missed ||
      b.current.late - a.current.late ||
      a.name.localeCompare(b.name),
  );
}

/** One patch's figures for the week and for the week before. */
export interface PatchFigures {
  id: number;
  code: string;
  name: string;
  current: Figures;
  previous: Figures;
}

/** A week's report: each patch beside the week before, and all patches together. */
export interface WeekReport {
  week: IsoWeek;
  previous: IsoWeek;
  zone: string;
  patches: PatchFigures[];
  totals: { current: Figures; previous: Figures };
}

/** A week's report from each patch's summaries (the week's and the week before's), in the patches' order. */
export function reportOf(
  week: IsoWeek,
  zone: string,
  rows: ReadonlyArray<{ id: number; code: string; name: string; current: Summary; previous: Summary }>,
): WeekReport {
  return {
    week,
    previous: addWeeks(week, -1),
    zone,
    patches: rows.map((r) => ({
      id: r.id,
      code: r.code,
      name: r.name,
      current: figuresOf(r.current),
      previous: figuresOf(r.previous),
    })),
    totals: {
      current: figuresOf(mergeSummaries(rows.map((r) => r.current))),
      previous: figuresOf(mergeSummaries(rows.map((r) => r.previous))),
    },
  };
}
