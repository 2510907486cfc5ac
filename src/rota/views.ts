import type { HeaderBlock, KnownBlock, Overflow, PlainTextOption, SectionBlock } from '@slack/types';
import { clip, context, esc, mention, mentionAll, section } from '../slack/blocks.ts';
import { localTime } from '../time.ts';
import type { VisitStatus } from '../visits/model.ts';
import { dayInWords, ROTA_VERB_LABEL, ROTA_VERBS, type RotaVerb, rotaState, rotaVerbsFor } from './model.ts';

/**
 * Block Kit for the fixed-visit rota: the daily digest in the patch channel (one message, plus thread
 * replies only when a day is too big for one message) and the private `/rota` listing. Pure functions.
 */

export type { RotaVerb } from './model.ts';

/** The action_id of every visit's overflow menu in the digest. */
export const ROTA_MENU = 'rota_visit';

/** Visits per digest message: header + counts + 45 visits + pop-backs + "more in the thread" = 49. */
export const VISITS_PER_MESSAGE = 45;
/** Slack refuses a message whose blocks carry much more than ~12,000 characters of text. */
export const MESSAGE_TEXT_BUDGET = 11_500;
const MAX_BLOCKS = 50;

/** Per-field clips, so one visit line stays small whatever the roster holds. */
const NAME_MAX = 80;
const PURPOSE_MAX = 200;
const REASON_MAX = 150;
const TASK_MAX = 60;

/** `verb:visitId:rev`, e.g. `arrived:42:3`. */
export function rotaOptionValue(verb: RotaVerb, visitId: number, rev: number): string {
  if (!Number.isSafeInteger(visitId) || visitId < 1 || !Number.isSafeInteger(rev) || rev < 0) {
    throw new RangeError(`rotaOptionValue: bad visit ${visitId} / rev ${rev}`);
  }
  return `${verb}:${visitId}:${rev}`;
}

const OPTION_VALUE = /^([a-z]+):([1-9]\d{0,15}):(0|[1-9]\d{0,15})$/;

export function parseRotaOption(value: string): { verb: RotaVerb; visitId: number; rev: number } | null {
  const m = OPTION_VALUE.exec(value);
  if (!m) return null;
  const verb = ROTA_VERBS.find((v) => v === m[1]);
  if (verb === undefined) return null;
  const visitId = Number(m[2]);
  const rev = Number(m[3]);
  if (!Number.isSafeInteger(visitId) || !Number.isSafeInteger(rev)) return null;
  return { verb, visitId, rev };
}

export interface DigestVisit {
  visitId: number;
  /** The visit's revision: menu values carry it, so a tap on an out-of-date rota can be told apart. */
  rev: number;
  startsAt: number;
  minutes: number;
  clientName: string;
  purpose: string;
  /** The assistant who has the visit (key worker, or whoever took it over). */
  assignee: string | null;
  timeCritical: boolean;
  carers: number;
  status: VisitStatus;
  arrivedAt: number | null;
  doneAt: number | null;
  alert: 'late' | 'missed' | null;
  closeReason: string | null;
  /** The delegated health tasks the visit needs, by name (whoever goes must be signed off for them). */
  tasks?: string[];
}

export interface DigestPopback {
  visitId: number;
  clientNames: string[];
  /** e.g. 'as soon as possible', 'by 14:00'. */
  soon: string;
  claimedBy: string[];
}

export interface DigestInput {
  patchName: string;
  /** Local date, YYYY-MM-DD. */
  date: string;
  zone: string;
  visits: DigestVisit[];
  popbacks: DigestPopback[];
  withMedIssue: boolean;
}

export type RotaMessage = { text: string; blocks: KnownBlock[] };

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

/** "Rota for Monday 23 November". */
export function rotaTitle(date: string): string {
  return `Rota for ${dayInWords(date)}`;
}

function header(text: string): HeaderBlock {
  return { type: 'header', text: { type: 'plain_text', text: clip(text, 150), emoji: true } };
}

/** "12 visits · 2 time-critical · 1 needs two carers · 4 done · 1 late". */
export function visitCounts(visits: readonly DigestVisit[]): string {
  const parts = [plural(visits.length, 'visit', 'visits')];
  const critical = visits.filter((v) => v.timeCritical).length;
  if (critical > 0) parts.push(`${critical} time-critical`);
  const pairs = visits.filter((v) => v.carers >= 2);
  if (pairs.length > 0) {
    const two = pairs.every((v) => v.carers === 2) ? 'two carers' : 'two or more carers';
    parts.push(`${pairs.length} ${pairs.length === 1 ? 'needs' : 'need'} ${two}`);
  }
  const states = visits.map(rotaState);
  const count = (s: string) => states.filter((x) => x === s).length;
  for (const [state, label] of [
    ['done', 'done'],
    ['arrived', 'in progress'],
    ['late', 'late'],
    ['missed', 'missed'],
    ['unassigned', 'unassigned'],
    ['not_needed', 'not needed'],
    ['cancelled', 'cancelled'],
  ] as const) {
    const n = count(state);
    if (n > 0) parts.push(`${n} ${label}`);
  }
  return parts.join(' · ');
}

/** The status part of a visit line, or null when there is nothing to add (planned, assigned). */
export function rotaStatusLabel(v: DigestVisit, zone: string): string | null {
  const at = (ms: number | null) => (ms === null ? '' : ` ${localTime(ms, zone)}`);
  const reason = v.closeReason?.trim() ? ` (${esc(clip(v.closeReason.trim(), REASON_MAX))})` : '';
  switch (rotaState(v)) {
    case 'planned':
      return null;
    case 'unassigned':
      return ':grey_question: unassigned';
    case 'late':
      return ':warning: late';
    case 'missed':
      return ':red_circle: missed';
    case 'arrived':
      return `:house: arrived${at(v.arrivedAt)}`;
    case 'done':
      return `:white_check_mark: done${at(v.doneAt)}`;
    case 'not_needed':
      return `:no_entry_sign: not needed${reason}`;
    case 'cancelled':
      return `:no_entry_sign: cancelled${reason}`;
  }
}

/** `*08:00* Mrs P · Morning wake-up (45 min) · <@U0ALICE1> · :pill: time-critical · :warning: late`. */
export function visitLine(
  v: DigestVisit,
  zone: string,
  max = { name: NAME_MAX, purpose: PURPOSE_MAX },
): string {
  const parts = [
    `*${localTime(v.startsAt, zone)}* ${esc(clip(v.clientName, max.name))}`,
    `${esc(clip(v.purpose, max.purpose))} (${v.minutes} min)`,
  ];
  if (v.assignee !== null) parts.push(mention(v.assignee));
  if (v.timeCritical) parts.push(':pill: time-critical');
  if (v.carers >= 2) parts.push(`:busts_in_silhouette: ${v.carers} carers`);
  if (v.tasks && v.tasks.length > 0)
    parts.push(`:stethoscope: ${v.tasks.map((t) => esc(clip(t, TASK_MAX))).join(', ')}`);
  const status = rotaStatusLabel(v, zone);
  if (status !== null) parts.push(status);
  return parts.join(' · ');
}

/** The visit's overflow menu, or undefined when nothing applies. */
export function visitMenu(v: DigestVisit, withMedIssue: boolean): Overflow | undefined {
  const verbs = rotaVerbsFor(v.status, withMedIssue);
  if (verbs.length === 0) return undefined;
  const options: PlainTextOption[] = verbs.slice(0, 5).map((verb) => ({
    text: { type: 'plain_text', text: ROTA_VERB_LABEL[verb] },
    value: rotaOptionValue(verb, v.visitId, v.rev),
  }));
  return { type: 'overflow', action_id: ROTA_MENU, options };
}

function visitBlock(v: DigestVisit, d: DigestInput): SectionBlock {
  const block = section(visitLine(v, d.zone), `visit:${v.visitId}`);
  const menu = visitMenu(v, d.withMedIssue);
  return menu ? { ...block, accessory: menu } : block;
}

/** "Open pop-backs: *Mrs P* as soon as possible · *Mr K* by 14:00 (claimed by <@U…>)", within 3000. */
export function popbackLine(popbacks: readonly DigestPopback[], label = 'Open pop-backs'): string | null {
  if (popbacks.length === 0) return null;
  const items = popbacks.map((p) => {
    // At most five names and four mentions, so an item stays short and is never cut mid-mention.
    const names = p.clientNames.slice(0, 5).map((n) => `*${esc(clip(n, NAME_MAX))}*`);
    if (p.clientNames.length > 5) names.push(`${p.clientNames.length - 5} others`);
    const claimed = p.claimedBy.length > 0 ? ` (claimed by ${mentionAll(p.claimedBy.slice(0, 4))})` : '';
    return `${names.join(', ')} ${esc(clip(p.soon, 60))}${claimed}`;
  });
  const head = `:runner: ${label}: `;
  let text = head;
  for (const [i, item] of items.entries()) {
    // Leave room for " · and NN more" after the last item that fits.
    if (text.length + 3 + item.length + 20 > 3000) return `${text} · and ${items.length - i} more`;
    text += `${i > 0 ? ' · ' : ''}${item}`;
  }
  return text;
}

/** Characters of text a message's blocks carry: every `text` and `value` string, at any depth. */
export function blocksTextLength(blocks: unknown): number {
  let total = 0;
  const walk = (node: unknown, key: string | null): void => {
    if (typeof node === 'string') {
      if (key === 'text' || key === 'value') total += node.length;
    } else if (Array.isArray(node)) {
      for (const item of node) walk(item, null);
    } else if (typeof node === 'object' && node !== null) {
      for (const [k, value] of Object.entries(node)) walk(value, k);
    }
  };
  walk(blocks, null);
  return total;
}

const byTime = (a: DigestVisit, b: DigestVisit) =>
  a.startsAt - b.startsAt || a.clientName.localeCompare(b.clientName) || a.visitId - b.visitId;

/** Visits in time order, each visit once. */
function ordered(visits: readonly DigestVisit[]): DigestVisit[] {
  const byId = new Map<number, DigestVisit>();
  for (const v of visits) if (!byId.has(v.visitId)) byId.set(v.visitId, v);
  return [...byId.values()].sort(byTime);
}

/**
 * The day's digest. Element 0 is the channel message; any further elements are replies in its thread,
 * each starting "Rota for … (continued)". Visits fill messages in time order, at most 45 a message and
 * within the text budget, so every message stays inside Slack's limits (50 blocks, ~12,000 characters).
 * The split depends only on the visits, so re-rendering the same day gives the same number of messages
 * unless visits are added or removed (or lines grow a lot).
 */
export function digestMessages(d: DigestInput): RotaMessage[] {
  const title = rotaTitle(d.date);
  const visits = ordered(d.visits);
  const popbacks = popbackLine(d.popbacks);
  if (visits.length === 0) {
    const blocks: KnownBlock[] = [
      header(title),
      section(`No fixed visits on ${dayInWords(d.date)}.`, 'rota:empty'),
    ];
    if (popbacks !== null) blocks.push(section(popbacks, 'rota:popbacks'));
    return [{ text: `${title}: no visits`, blocks }];
  }

  const head: KnownBlock[] = [header(title), context(visitCounts(visits))];
  const tail: KnownBlock[] = popbacks === null ? [] : [section(popbacks, 'rota:popbacks')];
  const moreNote = (n: number): KnownBlock =>
    context(`${plural(n, 'more visit', 'more visits')} in the thread :thread:`);
  const chunks = pack(
    visits.map((v) => visitBlock(v, d)),
    blocksTextLength([...head, ...tail, moreNote(visits.length)]),
    blocksTextLength([header(`${title} (continued)`)]),
  );

  return chunks.map((chunk, i) => {
    if (i === 0) {
      const rest = visits.length - chunk.length;
      const blocks = [...head, ...chunk, ...tail, ...(rest > 0 ? [moreNote(rest)] : [])];
      return { text: clip(`${title}: ${plural(visits.length, 'visit', 'visits')}`, 3000), blocks };
    }
    return { text: `${title} (continued)`, blocks: [header(`${title} (continued)`), ...chunk] };
  });
}

/** Splits visit blocks into messages: ≤ VISITS_PER_MESSAGE each, and within the text budget. */
function pack(blocks: SectionBlock[], firstOverhead: number, nextOverhead: number): SectionBlock[][] {
  const chunks: SectionBlock[][] = [];
  let chunk: SectionBlock[] = [];
  let used = firstOverhead;
  for (const block of blocks) {
    const size = blocksTextLength(block);
    if (chunk.length > 0 && (chunk.length >= VISITS_PER_MESSAGE || used + size > MESSAGE_TEXT_BUDGET)) {
      chunks.push(chunk);
      chunk = [];
      used = nextOverhead;
    }
    chunk.push(block);
    used += size;
  }
  chunks.push(chunk);
  return chunks;
}

/**
 * The private `/rota` answer: the same lines without menus, only `mineOnly`'s visits when set. One
 * message of at most 50 blocks: one section a visit when that fits, otherwise lines grouped into
 * sections; shortened lines, and then "and N more", when the day would not fit Slack's text limit.
 */
export function rotaListing(d: DigestInput & { mineOnly: string | null }): RotaMessage {
  const day = dayInWords(d.date);
  const mine = d.mineOnly;
  const visits = ordered(mine === null ? d.visits : d.visits.filter((v) => v.assignee === mine));
  const popbacks = popbackLine(
    mine === null ? d.popbacks : d.popbacks.filter((p) => p.claimedBy.includes(mine)),
    mine === null ? 'Open pop-backs' : 'Your pop-backs',
  );
  const title = mine === null ? rotaTitle(d.date) : `Your visits on ${day}`;
  const head: KnownBlock[] = [header(title)];
  const tail: KnownBlock[] = popbacks === null ? [] : [section(popbacks, 'rota:popbacks')];

  if (visits.length === 0) {
    const none = mine === null ? `No fixed visits on ${day}.` : `You have no visits on ${day}.`;
    return {
      text: none,
      blocks: [
        ...head,
        context(`Patch *${esc(clip(d.patchName, NAME_MAX))}*`),
        section(none, 'rota:empty'),
        ...tail,
      ],
    };
  }

  head.push(context(`Patch *${esc(clip(d.patchName, NAME_MAX))}* · ${visitCounts(visits)}`));
  const budget = MESSAGE_TEXT_BUDGET - blocksTextLength([...head, ...tail]) - 100;
  let lines = visits.map((v) => visitLine(v, d.zone));
  if (sum(lines) > budget) lines = visits.map((v) => visitLine(v, d.zone, { name: 30, purpose: 40 }));
  let hidden = 0;
  while (sum(lines) > budget && lines.length > 1) {
    lines.pop();
    hidden += 1;
  }
  const body: KnownBlock[] =
    head.length + lines.length + tail.length + 1 <= MAX_BLOCKS
      ? lines.map((line, i) => section(line, `visit:${visits[i]?.visitId ?? i}`))
      : grouped(lines).map((text, i) => section(text, `visits:${i}`));
  if (hidden > 0)
    body.push(context(`…and ${plural(hidden, 'more visit', 'more visits')}: see the rota in the channel.`));
  const text = `${title}: ${plural(visits.length, 'visit', 'visits')}`;
  return { text, blocks: [...head, ...body, ...tail] };
}

const sum = (lines: readonly string[]) => lines.reduce((n, l) => n + l.length + 1, 0);

/** Lines joined into as few sections as the 3000-character section limit allows. */
function grouped(lines: readonly string[]): string[] {
  const out: string[] = [];
  let current = '';
  for (const line of lines) {
    if (current !== '' && current.length + 1 + line.length > 3000) {
      out.push(current);
      current = '';
    }
    current = current === '' ? line : `${current}\n${line}`;
  }
  if (current !== '') out.push(current);
  return out;
}
