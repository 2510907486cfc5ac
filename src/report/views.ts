import type { HeaderBlock, KnownBlock } from '@slack/types';
import { clip, context, esc, section } from '../slack/blocks.ts';
import type { Rendered } from '../slack/outbox.ts';
import { addDays, dayjs } from '../time.ts';
import {
  type Figures,
  type IsoWeek,
  mondayOf,
  type PatchFigures,
  type WeekReport,
  weekLabel,
  worstFirst,
} from './model.ts';

/**
 * How the weekly report reads: the supervisors' message (a summary of every patch, the provider's
 * totals), one thread reply per patch with its figures beside the week before, and the same figures as
 * text or CSV for `patchbot report`. Pure functions of the report's data.
 */

/** Slack refuses a message whose blocks carry much more than ~12,000 characters of text. */
export const MESSAGE_TEXT_BUDGET = 11_500;
export const MAX_BLOCKS = 50;
/** Patch rows per section of the summary table (each row is ~70 characters; a section holds 3,000). */
const ROWS_PER_SECTION = 30;
const NAME_WIDTH = 18;

// ---- values --------------------------------------------------------------------------------------------

const NONE = '–';
const count = (n: number): string => String(n);
const minutes = (v: number | null): string => (v === null ? NONE : String(Math.round(v)));
const percent = (v: number | null, digits: number): string => (v === null ? NONE : `${v.toFixed(digits)}%`);
const average = (v: number | null): string => (v === null ? NONE : v.toFixed(1));

/** Each line of a patch's table: the label the supervisors read, and how the value is written. */
export const FIGURE_LINES: ReadonlyArray<{ label: string; value: (f: Figures) => string }> = [
  { label: 'Fixed visits planned', value: (f) => count(f.planned) },
  { label: '  done', value: (f) => count(f.done) },
  { label: '  late', value: (f) => count(f.late) },
  { label: '  missed', value: (f) => count(f.missed) },
  { label: '  missed %', value: (f) => percent(f.missedPct, 1) },
  { label: '  not needed (not planned)', value: (f) => count(f.notNeeded) },
  { label: 'Lateness p50 (min)', value: (f) => minutes(f.latenessP50) },
  { label: 'Lateness p90 (min)', value: (f) => minutes(f.latenessP90) },
  { label: 'Cut short', value: (f) => count(f.cutShort) },
  { label: 'Pop-backs asked for', value: (f) => count(f.popbacksRequested) },
  { label: '  claimed', value: (f) => count(f.popbacksClaimed) },
  { label: '  median min to claim', value: (f) => minutes(f.claimMedian) },
  { label: 'Medication issues', value: (f) => count(f.medIssues) },
  { label: '  acknowledged', value: (f) => count(f.medAcknowledged) },
  { label: '  median min to acknowledge', value: (f) => minutes(f.ackMedian) },
  { label: 'Uncovered visits', value: (f) => count(f.uncovered) },
  { label: 'Carers per client, 7 days', value: (f) => average(f.carersPerClient7) },
  { label: 'Carers per client, 28 days', value: (f) => average(f.carersPerClient28) },
  { label: "Key worker's share", value: (f) => percent(f.keyWorkerPct, 0) },
];

const LABEL_WIDTH = Math.max(...FIGURE_LINES.map((l) => l.label.length)) + 2;

/** A figure per line, this week beside the week before, in columns (for a code block or a terminal). */
export function figureTable(current: Figures, previous: Figures): string[] {
  const head = `${''.padEnd(LABEL_WIDTH)}${'This week'.padStart(10)}${'Week before'.padStart(13)}`;
  return [
    head,
    ...FIGURE_LINES.map(
      (l) =>
        `${l.label.padEnd(LABEL_WIDTH)}${l.value(current).padStart(10)}${l.value(previous).padStart(13)}`,
    ),
  ];
}

// ---- words ---------------------------------------------------------------------------------------------

const day = (date: string, format: string) => dayjs.utc(date, 'YYYY-MM-DD').format(format);

/** "Mon 23 – Sun 29 Nov 2026", "Mon 30 Nov – Sun 6 Dec 2026", "Mon 28 Dec 2026 – Sun 3 Jan 2027". */
export function weekInWords(w: IsoWeek): string {
  const monday = mondayOf(w);
  const sunday = addDays(monday, 6);
  const first =
    monday.slice(0, 4) !== sunday.slice(0, 4)
      ? day(monday, 'ddd D MMM YYYY')
      : monday.slice(5, 7) !== sunday.slice(5, 7)
        ? day(monday, 'ddd D MMM')
        : day(monday, 'ddd D');
  return `${first} – ${day(sunday, 'ddd D MMM YYYY')}`;
}

const weekName = (w: IsoWeek) => `week ${w.week}`;

/** "3 of 140 planned visits missed (2.1%); the week before 1.4%". */
function missedInWords(current: Figures, previous: Figures): string {
  if (current.planned === 0) return 'no fixed visits were planned';
  const before = previous.missedPct === null ? '' : `; the week before ${percent(previous.missedPct, 1)}`;
  return `${current.missed} of ${current.planned} planned visits missed (${percent(current.missedPct, 1)})${before}`;
}

// ---- Slack ---------------------------------------------------------------------------------------------

function header(text: string): HeaderBlock {
  return { type: 'header', text: { type: 'plain_text', text: clip(text, 150), emoji: true } };
}

/** A code block of lines, escaped: roster names keep their `<` and `&` as words. */
const codeBlock = (lines: readonly string[]): string => `\`\`\`\n${esc(lines.join('\n'))}\n\`\`\``;

function textLength(blocks: readonly KnownBlock[]): number {
  let total = 0;
  const walk = (node: unknown, key: string | null): void => {
    if (typeof node === 'string') {
      if (key === 'text') total += node.length;
    } else if (Array.isArray(node)) {
      for (const item of node) walk(item, null);
    } else if (typeof node === 'object' && node !== null) {
      for (const [k, v] of Object.entries(node)) walk(v, k);
    }
  };
  walk(blocks, null);
  return total;
}

/** A name in a fixed width: clipped with an ellipsis, padded. */
const fitName = (name: string, width: number): string =>
  (name.length > width ? `${name.slice(0, width - 1)}…` : name).padEnd(width);

const SUMMARY_HEAD = `${'Patch'.padEnd(NAME_WIDTH)}${'Planned'.padStart(8)}${'Missed'.padStart(7)}${'%'.padStart(7)}${'Before'.padStart(8)}${'Late'.padStart(6)}${'p90'.padStart(5)}${'Carers'.padStart(8)}${'KW'.padStart(6)}`;

/** One patch's headline figures: one row of the summary table. */
export function summaryRow(p: PatchFigures): string {
  const c = p.current;
  return `${fitName(p.name, NAME_WIDTH)}${count(c.planned).padStart(8)}${count(c.missed).padStart(7)}${percent(c.missedPct, 1).padStart(7)}${percent(p.previous.missedPct, 1).padStart(8)}${count(c.late).padStart(6)}${minutes(c.latenessP90).padStart(5)}${average(c.carersPerClient7).padStart(8)}${percent(c.keyWorkerPct, 0).padStart(6)}`;
}

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

/**
 * The supervisors' message: the provider's totals beside the week before, then a summary row for each
 * patch, most missed visits first. When the patches would not all fit one message (50 blocks, ~12,000
 * characters), the worst are shown and a line says how many more are in the thread; every patch's full
 * figures are in its own reply in the thread either way.
 */
export function reportMessage(r: WeekReport): Rendered {
  const title = `Weekly quality report · ${weekName(r.week)}, ${r.week.year}`;
  const head: KnownBlock[] = [
    header(title),
    context(
      `${weekInWords(r.week)} (${esc(r.zone)}), beside the week before (${weekName(r.previous)}). What each figure means: docs/report.md (NICE QS123, NG21).`,
    ),
    section(`*All patches*\n${codeBlock(figureTable(r.totals.current, r.totals.previous))}`, 'report:totals'),
  ];
  const rows = worstFirst(r.patches).map(summaryRow);
  const foot = (shown: number): KnownBlock => {
    const rest = rows.length - shown;
    const more =
      rest > 0
        ? `${plural(rest, 'more patch', 'more patches')} with fewer missed visits are not listed here. `
        : '';
    return context(
      rows.length === 0
        ? 'No patches.'
        : `${more}Each patch's figures beside the week before are in the thread :thread:  Carers: different carers per client over the week · KW: the key worker's share of visits.`,
    );
  };
  const sections: KnownBlock[] = [];
  let used = textLength([...head, foot(0)]);
  let shown = 0;
  const intro = '*By patch, most missed visits first*';
  while (shown < rows.length) {
    const chunk: string[] = [];
    const base = (sections.length === 0 ? intro.length + 1 : 0) + 8;
    let size = base + SUMMARY_HEAD.length + 1;
    while (shown + chunk.length < rows.length && chunk.length < ROWS_PER_SECTION) {
      const line = esc(rows[shown + chunk.length] as string);
      if (used + size + line.length + 1 > MESSAGE_TEXT_BUDGET) break;
      chunk.push(rows[shown + chunk.length] as string);
      size += line.length + 1;
    }
    if (chunk.length === 0 || head.length + sections.length + 2 > MAX_BLOCKS) break;
    const text = `${sections.length === 0 ? `${intro}\n` : ''}${codeBlock([SUMMARY_HEAD, ...chunk])}`;
    sections.push(section(text, `report:patches:${sections.length}`));
    used += textLength([sections.at(-1) as KnownBlock]);
    shown += chunk.length;
  }
  return {
    text: clip(
      `Weekly quality report, ${weekName(r.week)} (${weekInWords(r.week)}): ${missedInWords(r.totals.current, r.totals.previous)}.`,
      3000,
    ),
    blocks: [...head, ...sections, foot(shown)],
  };
}

/** A patch's reply in the report's thread: its figures beside the week before. */
export function patchMessage(p: PatchFigures, r: Pick<WeekReport, 'week' | 'previous'>): Rendered {
  const name = esc(clip(p.name, 80));
  return {
    text: clip(`${name}, ${weekName(r.week)}: ${missedInWords(p.current, p.previous)}.`, 3000),
    blocks: [
      section(
        `*${name}* (${esc(clip(p.code, 40))}) · ${weekName(r.week)}, beside ${weekName(r.previous)}\n${codeBlock(figureTable(p.current, p.previous))}`,
        'report:patch',
      ),
    ],
  };
}

// ---- the command line ----------------------------------------------------------------------------------

/** `patchbot report --format text`: the provider's totals, then each patch, each beside the week before. */
export function reportText(r: WeekReport): string {
  const indent = (lines: string[]) => lines.map((l) => `  ${l}`);
  const out = [
    `Weekly quality report, ${weekLabel(r.week)}: ${weekInWords(r.week)} (${r.zone}), beside ${weekLabel(r.previous)}.`,
    '',
    'All patches',
    ...indent(figureTable(r.totals.current, r.totals.previous)),
  ];
  for (const p of r.patches) {
    out.push('', `${p.name} (${p.code})`, ...indent(figureTable(p.current, p.previous)));
  }
  if (r.patches.length === 0) out.push('', 'No patches.');
  return `${out.join('\n')}\n`;
}

/** The CSV columns of one week's figures; the week before's carry `prev_` in front. */
export const FIGURE_COLUMNS: ReadonlyArray<{ name: string; value: (f: Figures) => number | null }> = [
  { name: 'planned', value: (f) => f.planned },
  { name: 'done', value: (f) => f.done },
  { name: 'late', value: (f) => f.late },
  { name: 'missed', value: (f) => f.missed },
  { name: 'missed_pct', value: (f) => round(f.missedPct, 1) },
  { name: 'not_needed', value: (f) => f.notNeeded },
  { name: 'lateness_p50_min', value: (f) => round(f.latenessP50, 0) },
  { name: 'lateness_p90_min', value: (f) => round(f.latenessP90, 0) },
  { name: 'cut_short', value: (f) => f.cutShort },
  { name: 'popbacks_requested', value: (f) => f.popbacksRequested },
  { name: 'popbacks_claimed', value: (f) => f.popbacksClaimed },
  { name: 'claim_median_min', value: (f) => round(f.claimMedian, 0) },
  { name: 'med_issues', value: (f) => f.medIssues },
  { name: 'med_acknowledged', value: (f) => f.medAcknowledged },
  { name: 'ack_median_min', value: (f) => round(f.ackMedian, 0) },
  { name: 'uncovered', value: (f) => f.uncovered },
  { name: 'carers_per_client_7d', value: (f) => round(f.carersPerClient7, 1) },
  { name: 'carers_per_client_28d', value: (f) => round(f.carersPerClient28, 1) },
  { name: 'key_worker_planned', value: (f) => f.keyWorkerPlanned },
  { name: 'key_worker_went', value: (f) => f.keyWorkerWent },
  { name: 'key_worker_pct', value: (f) => round(f.keyWorkerPct, 1) },
];

function round(v: number | null, digits: number): number | null {
  if (v === null) return null;
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}

export const CSV_COLUMNS: readonly string[] = [
  'week',
  'patch_code',
  'patch',
  ...FIGURE_COLUMNS.map((c) => c.name),
  'prev_week',
  ...FIGURE_COLUMNS.map((c) => `prev_${c.name}`),
];

/**
 * `patchbot report --format csv`: one row per patch (the week's figures, then the week before's), and a
 * last row with an empty patch code for all patches together. An empty cell has nothing to be worked out from.
 */
export function reportRows(r: WeekReport): Array<Array<string | number>> {
  const cells = (f: Figures) => FIGURE_COLUMNS.map((c) => c.value(f) ?? '');
  const row = (code: string, name: string, current: Figures, previous: Figures) => [
    weekLabel(r.week),
    code,
    name,
    ...cells(current),
    weekLabel(r.previous),
    ...cells(previous),
  ];
  return [
    ...r.patches.map((p) => row(p.code, p.name, p.current, p.previous)),
    row('', 'All patches', r.totals.current, r.totals.previous),
  ];
}
