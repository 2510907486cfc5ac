import { stringify } from 'csv-stringify/sync';
import type { Db } from '../../db/index.ts';
import { providerSettings } from '../patches/store.ts';
import { dayjs } from '../time.ts';
import { type IsoWeek, parseIsoWeek, weekEnded, weekLabel, weekWindow } from './model.ts';
import { buildReport } from './service.ts';
import { CSV_COLUMNS, reportRows, reportText } from './views.ts';

/**
 * `patchbot report --week YYYY-Www [--format text|csv] [--out FILE]`: a week's figures, the same the
 * supervisors get on Monday, for any week that has ended.
 */

export const REPORT_FORMATS = ['text', 'csv'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

export type ReportArgs = { ok: true; week: IsoWeek; format: ReportFormat } | { ok: false; message: string };

/** The command line's week and format, checked before the database is opened. */
export function parseReportArgs(week: string | undefined, format: string | undefined): ReportArgs {
  if (week === undefined) return { ok: false, message: 'give the week: --week 2026-W48' };
  const parsed = parseIsoWeek(week);
  if (!parsed.ok) return { ok: false, message: `--week ${parsed.message}` };
  const chosen = REPORT_FORMATS.find((f) => f === (format ?? 'text'));
  if (chosen === undefined) return { ok: false, message: `--format ${format}: expected text or csv` };
  return { ok: true, week: parsed.week, format: chosen };
}

export type ReportOutput = { ok: true; text: string; what: string } | { ok: false; message: string };

/** The report as text or CSV; a week that has not ended yet is refused (its visits are still to come). */
export function reportOutput(db: Db, week: IsoWeek, format: ReportFormat, now: number): ReportOutput {
  const zone = providerSettings(db).timezone;
  if (!weekEnded(week, now, zone)) {
    const end = dayjs(weekWindow(week, zone).end).tz(zone).format('dddd D MMMM YYYY HH:mm');
    return {
      ok: false,
      message: `--week ${weekLabel(week)} has not ended yet: it ends ${end} (${zone})`,
    };
  }
  const report = buildReport(db, week);
  const what = `the ${weekLabel(week)} report (${report.patches.length} patches)`;
  if (format === 'text') return { ok: true, text: reportText(report), what };
  const csv = stringify(reportRows(report), {
    header: true,
    columns: [...CSV_COLUMNS],
    record_delimiter: '\r\n',
  });
  return { ok: true, text: csv, what };
}
