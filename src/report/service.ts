import { eq } from 'drizzle-orm';
import { type Db, inTransaction } from '../../db/index.ts';
import { provider } from '../../db/schema.ts';
import type { Job } from '../jobs/scheduler.ts';
import type { Log } from '../log.ts';
import { providerSettings } from '../patches/store.ts';
import { getOutboxRow, markDue, PRIORITY, type Renderer, type SubjectKind } from '../slack/outbox.ts';
import { breathe } from '../time.ts';
import {
  firstReportAt,
  type IsoWeek,
  nextReportAt,
  reportOf,
  summarize,
  type WeekReport,
  weekDueAt,
  weekLabel,
  weeksInYear,
  weekWindow,
} from './model.ts';
import {
  patchFacts,
  type ReportPatch,
  reportPatches,
  type StoredSummaries,
  savedSummaries,
  saveSummaries,
} from './store.ts';
import { patchMessage, reportMessage } from './views.ts';

/**
 * The weekly quality report. Every Monday at 09:00 local the supervisors' channel gets one message for
 * the provider, with a reply in its thread for each patch, about the ISO week that ended at midnight.
 * The job works each patch's figures out (one patch at a time, letting the event loop go between them)
 * and keeps them, then marks the messages due in the outbox once: the subject key is the guard, so a
 * restart never posts a week twice. The renderers draw the kept figures, which is quick.
 */

/** Nothing waits behind the weekly report: it goes after every card, alert, digest and Home tab. */
export const REPORT_PRIORITY = PRIORITY.home + 1;

/** `report:2026-W48`: the supervisors' message about one week. */
export const reportSubject = (w: IsoWeek): string => `report:${weekLabel(w)}`;

/**
 * `report:2026-W48:000007`: one patch's reply in that message's thread. The id is zero-padded so the
 * replies, delivered in subject order, follow the patches' order.
 */
export const reportPatchSubject = (w: IsoWeek, patchId: number): string =>
  `${reportSubject(w)}:${String(patchId).padStart(6, '0')}`;

const SUBJECT = /^report:(\d{4})-W(\d{2})(?::(\d{1,15}))?$/;

export function parseReportSubject(subject: string): { week: IsoWeek; patchId: number | null } | null {
  const m = SUBJECT.exec(subject);
  if (!m) return null;
  const week = { year: Number(m[1]), week: Number(m[2]) };
  if (week.week < 1 || week.week > weeksInYear(week.year)) return null;
  return { week, patchId: m[3] === undefined ? null : Number(m[3]) };
}

/** One patch's summaries for a week and the week before, worked out from the database now. */
export function computeSummaries(db: Db, patchId: number, week: IsoWeek, zone: string): StoredSummaries {
  const facts = patchFacts(db, patchId, week, zone);
  return { current: summarize(facts.current), previous: summarize(facts.previous) };
}

/** The patches a week's report covers; `patchIds` narrows it. */
function patchesOf(db: Db, week: IsoWeek, zone: string, patchIds?: readonly number[]): ReportPatch[] {
  const all = reportPatches(db, weekWindow(week, zone));
  return patchIds ? all.filter((p) => patchIds.includes(p.id)) : all;
}

/**
 * A week's report worked out from the database now (`patchbot report`, the tests): each patch the week
 * covers (every patch not archived before it began) beside the week before, and all patches together.
 */
export function buildReport(db: Db, week: IsoWeek, opts: { patchIds?: readonly number[] } = {}): WeekReport {
  const zone = providerSettings(db).timezone;
  const rows = patchesOf(db, week, zone, opts.patchIds).map((p) => ({
    ...p,
    ...computeSummaries(db, p.id, week, zone),
  }));
  return reportOf(week, zone, rows);
}

/** What the messages are drawn from: the figures the job kept (worked out now for a patch it has none for). */
function keptReport(db: Db, week: IsoWeek, patchId?: number): WeekReport {
  const zone = providerSettings(db).timezone;
  const kept = savedSummaries(db, week, patchId);
  const rows = patchesOf(db, week, zone, patchId === undefined ? undefined : [patchId]).map((p) => ({
    ...p,
    ...(kept.get(p.id) ?? computeSummaries(db, p.id, week, zone)),
  }));
  return reportOf(week, zone, rows);
}

/** Renders `report:<week>` (the provider's message) and `report:<week>:<patch>` (a patch's reply). */
export const renderReport: Renderer = (db, subject) => {
  const parsed = parseReportSubject(subject);
  if (!parsed) return null;
  if (parsed.patchId === null) return reportMessage(keptReport(db, parsed.week));
  const report = keptReport(db, parsed.week, parsed.patchId);
  const patch = report.patches[0];
  return patch ? patchMessage(patch, report) : null;
};

export const reportSubjects: SubjectKind[] = [
  { prefix: 'report:', priority: REPORT_PRIORITY, render: renderReport },
];

/** Marks a week's message and every patch's reply due in the supervisors' channel; the caller's transaction. */
export function dueReport(tx: Db, week: IsoWeek, channel: string, now: number): number {
  const zone = providerSettings(tx).timezone;
  const parent = reportSubject(week);
  markDue(tx, { subject: parent, channel, priority: REPORT_PRIORITY }, now);
  const patches = patchesOf(tx, week, zone);
  for (const p of patches) {
    markDue(
      tx,
      { subject: reportPatchSubject(week, p.id), channel, priority: REPORT_PRIORITY, threadSubject: parent },
      now,
    );
  }
  return patches.length;
}

/**
 * Every Monday at 09:00 local (`provider.report_due_at`, one row: the probe is a primary-key read). When
 * it is due, the week whose report fell due most recently is reported, unless its message exists
 * already: each patch's figures are worked out and kept, one patch at a time, then the messages are
 * marked due and the next Monday 09:00 is stored, in one transaction. After downtime that is the one
 * week missed (never an older one, never twice). A crash half way works the figures out again. A new
 * installation's first report is for the week it was installed in.
 */
export function reportJob(deps: { db: Db; log: Log }): Job {
  const { db, log } = deps;
  const dueRow = (d: Db) =>
    d
      .select({
        at: provider.reportDueAt,
        zone: provider.timezone,
        channel: provider.supervisorsChannel,
      })
      .from(provider)
      .where(eq(provider.id, 1))
      .get();
  const setDue = (tx: Db, at: number) =>
    tx.update(provider).set({ reportDueAt: at }).where(eq(provider.id, 1)).run();
  return {
    name: 'report',
    nextDue(d) {
      const row = dueRow(d);
      if (!row) return null;
      return row.at ?? 0;
    },
    async run(now) {
      const row = dueRow(db);
      if (!row || (row.at !== null && row.at > now)) return 0;
      if (row.at === null) {
        inTransaction(db, (tx) => setDue(tx, firstReportAt(now, row.zone)));
        return 0;
      }
      const week = weekDueAt(now, row.zone);
      const wanted = row.channel !== null && !getOutboxRow(db, reportSubject(week));
      if (wanted) {
        for (const p of patchesOf(db, week, row.zone)) {
          const summaries = computeSummaries(db, p.id, week, row.zone);
          inTransaction(db, (tx) => saveSummaries(tx, week, p.id, summaries, now));
          await breathe();
        }
      }
      const patches = inTransaction(db, (tx) => {
        let n: number | null = null;
        if (wanted && row.channel && !getOutboxRow(tx, reportSubject(week))) {
          n = dueReport(tx, week, row.channel, now);
        }
        setDue(tx, nextReportAt(now, row.zone));
        return n;
      });
      if (patches === null) return 0;
      log.info('report.due', { week: weekLabel(week), patches });
      return 1;
    },
  };
}
