import type { HeaderBlock, HomeView, KnownBlock, SectionBlock } from '@slack/types';
import { COVER_ACTIONS, coverButton } from '../cover/views.ts';
import { ESC_ACTIONS } from '../escalation/views.ts';
import {
  actions,
  type ButtonSpec,
  button,
  clip,
  context,
  esc,
  mention,
  mentionAll,
  section,
} from '../slack/blocks.ts';
import { localDateTime } from '../time.ts';
import { type FlexKind, KIND_LABEL, URGENCY_LABEL, type Urgency } from '../visits/model.ts';
import {
  ageWords,
  fitParts,
  HOME_BLOCKS,
  type HomeRoles,
  isAssistant,
  isManager,
  isStranger,
  LINE_MAX,
  LINES_PER_BLOCK,
  moreWords,
  type Part,
  packedCosts,
} from './model.ts';
import type { AlertLine, CoverLine, EscalationLine, FlexLine, PatchDay, VisitLine } from './store.ts';

/** Block Kit for the App Home: one view per person, drawn from what `loadHome` read. Pure. */

/** The Home's own buttons; each carries a visit id and goes through the visits hub. */
export const HOME_ACTIONS = {
  arrived: 'home_arrived',
  done: 'home_done',
  claim: 'home_claim',
} as const;

/**
 * The cover card's "I'll take it" (the cover capability listens for it, with the cover item's id as
 * its value). Named here until the cover capability's constant can be imported in its place.
 */
/** The cover card's own button: the cover capability handles a press from the Home too. */
export const COVER_TAKE_ACTION = COVER_ACTIONS.take;

export interface HomeData {
  userId: string;
  now: number;
  zone: string;
  roles: HomeRoles;
  /** What the person's last press from the Home did, while it is fresh. */
  notice: { text: string; at: number } | null;
  onCall: string | null;
  /** For someone with no role: who to ask. */
  admins: string[];
  assistant?: { visits: VisitLine[]; flexible: FlexLine[]; cover: CoverLine[] };
  supervisor?: { escalations: EscalationLine[]; lateMissed: AlertLine[]; uncovered: CoverLine[] };
  admin?: { patches: PatchDay[]; parked: number };
}

/** Wall-clock words in the provider's zone, each minute worked out once per Home (lists repeat times). */
interface Times {
  zone: string;
  now: number;
  time(ms: number): string;
  date(ms: number): string;
}

/** One formatter per zone for day names (building one is slow; dayjs's zone plugin slower still). */
const dayFormats = new Map<string, Intl.DateTimeFormat>();

/** "Tue 24 Nov", or with `long`, "Tuesday 24 November", in the zone. */
function dayWords(ms: number, zone: string, long = false): string {
  const key = `${zone}|${long}`;
  let f = dayFormats.get(key);
  if (!f) {
    f = new Intl.DateTimeFormat('en-GB', {
      timeZone: zone,
      weekday: long ? 'long' : 'short',
      day: 'numeric',
      month: long ? 'long' : 'short',
    });
    dayFormats.set(key, f);
  }
  const parts = Object.fromEntries(f.formatToParts(ms).map((p) => [p.type, p.value]));
  return `${parts.weekday} ${parts.day} ${parts.month}`;
}

function timesIn(zone: string, now: number): Times {
  const seen = new Map<number, { date: string; time: string }>();
  const parts = (ms: number) => {
    const minute = Math.floor(ms / 60_000);
    let p = seen.get(minute);
    if (!p) {
      p = localDateTime(ms, zone);
      seen.set(minute, p);
    }
    return p;
  };
  return { zone, now, time: (ms) => parts(ms).time, date: (ms) => parts(ms).date };
}

const header = (text: string): HeaderBlock => ({
  type: 'header',
  text: { type: 'plain_text', text: clip(text, 150), emoji: true },
});

const names = (list: readonly string[]) => list.map((n) => `*${esc(n)}*`).join(' and ') || 'a client';

/** One section of the Home: its fixed blocks, its items (each a few blocks) and what to say when cut. */
interface Section {
  head: KnownBlock[];
  items: KnownBlock[][];
  /** For packed lines: the items are lines, packed LINES_PER_BLOCK to a section block. */
  packed?: string[];
  more: (n: number) => string;
}

function partOf(s: Section): Part {
  return {
    overhead: s.head.length,
    costs: s.packed ? packedCosts(s.packed.length) : s.items.map((i) => i.length),
  };
}

function blocksOf(s: Section, shown: number): KnownBlock[] {
  const out = [...s.head];
  if (s.packed) {
    const lines = s.packed.slice(0, shown);
    for (let i = 0; i < lines.length; i += LINES_PER_BLOCK) {
      out.push(section(lines.slice(i, i + LINES_PER_BLOCK).join('\n')));
    }
  } else {
    for (const item of s.items.slice(0, shown)) out.push(...item);
  }
  const total = s.packed ? s.packed.length : s.items.length;
  if (shown < total) out.push(context(s.more(total - shown)));
  return out;
}

const line = (text: string) => clip(text, LINE_MAX);

// ---- an assistant's sections ----

function alertMark(v: { alertLevel: 'late' | 'missed' | null }): string {
  if (v.alertLevel === 'missed') return ' · :red_circle: *missed*';
  if (v.alertLevel === 'late') return ' · :warning: *late*';
  return '';
}

function visitText(v: VisitLine, t: Times): string {
  const x = v.visit;
  const bits = [
    `*${x.startsAt ? t.time(x.startsAt) : '--:--'}* · ${names(v.clientNames)} · ${esc(x.purpose)}${x.minutes ? ` (${x.minutes} min)` : ''}`,
    x.timeCritical ? ':alarm_clock: time-critical' : '',
    esc(v.patchName),
  ];
  return `${bits.filter(Boolean).join(' · ')}${alertMark(x)}`;
}

function visitButtons(visitId: number, arrived: boolean): ButtonSpec[] {
  const value = String(visitId);
  const done: ButtonSpec = { actionId: HOME_ACTIONS.done, text: 'Done', value };
  if (arrived) return [{ ...done, style: 'primary' }];
  return [{ actionId: HOME_ACTIONS.arrived, text: 'Arrived', value, style: 'primary' }, done];
}

/** A line with one button beside it, or with its buttons below it. */
function withButtons(text: string, blockId: string, buttons: ButtonSpec[]): KnownBlock[] {
  const s = section(text, blockId);
  if (buttons.length === 0) return [s];
  if (buttons.length === 1) return [{ ...s, accessory: button(buttons[0] as ButtonSpec) } as SectionBlock];
  return [s, actions(`${blockId}:do`, buttons)];
}

function closedWords(v: VisitLine, t: Times): string {
  const x = v.visit;
  const at = x.startsAt ? t.time(x.startsAt) : '--:--';
  const what =
    x.status === 'done'
      ? `:white_check_mark: done ${x.doneAt ? t.time(x.doneAt) : ''}`
      : x.status === 'not_needed'
        ? `not needed${x.closeReason ? ` (${esc(x.closeReason)})` : ''}`
        : 'called off';
  return `${at} ${names(v.clientNames)} ${what}`;
}

function myVisits(visits: VisitLine[], t: Times): Section {
  const todo = visits.filter((v) => v.visit.status === 'open' || v.visit.status === 'claimed');
  const at = visits.filter((v) => v.visit.status === 'arrived');
  const closed = visits.filter((v) => !todo.includes(v) && !at.includes(v));
  const items = visits
    .filter((v) => !closed.includes(v))
    .map((v) => {
      const arrived = v.visit.status === 'arrived';
      const text = arrived
        ? `${visitText(v, t)} · :house: arrived ${v.visit.arrivedAt ? t.time(v.visit.arrivedAt) : ''}`
        : visitText(v, t);
      return withButtons(text, `home:visit:${v.visit.id}`, visitButtons(v.visit.id, arrived));
    });
  const head: KnownBlock[] = [header('Your visits today')];
  if (visits.length === 0) head.push(context('No visits of yours today.'));
  if (closed.length > 0) head.push(context(clip(closed.map((v) => closedWords(v, t)).join(' · '), 3000)));
  return { head, items, more: (n) => moreWords(n, 'visit of yours today', 'visits of yours today') };
}

function soon(x: VisitLine['visit'], t: Times): string {
  const urgency = (x.urgency ?? 'asap') as Urgency;
  if (urgency === 'by') return `by ${x.startsAt ? t.time(x.startsAt) : '?'}`;
  if (urgency === 'hour') return `within the hour (by ${x.startsAt ? t.time(x.startsAt) : '?'})`;
  return URGENCY_LABEL[urgency]?.toLowerCase() ?? '';
}

function popbacks(list: FlexLine[], me: string, t: Times): Section {
  const items = list.map((f) => {
    const x = f.visit;
    const kind = KIND_LABEL[x.kind as FlexKind] ?? 'Pop-back';
    const mine = f.carers.includes(me);
    const who =
      f.carers.length === 0
        ? `needs ${x.carersNeeded === 1 ? 'a carer' : `${x.carersNeeded} carers`}`
        : `${mentionAll(f.carers)} ${x.status === 'arrived' ? 'there' : `claimed it (${f.carers.length} of ${x.carersNeeded})`}`;
    const text = [
      `:house: *${kind}* for ${names(f.clientNames)} · ${soon(x, t)}`,
      `>${esc(x.purpose).replace(/\n/g, ' ')}`,
      `${who} · asked ${t.time(x.createdAt)}${x.requestedBy ? ` by ${mention(x.requestedBy)}` : ''} · ${esc(f.patchName)}`,
    ].join('\n');
    const value = String(x.id);
    const buttons: ButtonSpec[] = mine
      ? visitButtons(x.id, x.status === 'arrived')
      : f.carers.length < x.carersNeeded
        ? [{ actionId: HOME_ACTIONS.claim, text: 'Claim', value, style: 'primary' }]
        : [];
    return withButtons(text, `home:flex:${x.id}`, buttons);
  });
  const head: KnownBlock[] = [header('Pop-backs to do')];
  if (list.length === 0) head.push(context('No pop-backs waiting in your patches.'));
  return { head, items, more: (n) => moreWords(n, 'pop-back', 'pop-backs') };
}

/** "today 08:00", or "Tue 24 Nov 08:00" for another day. */
function when(ms: number, t: Times): string {
  return t.date(ms) === t.date(t.now) ? `today ${t.time(ms)}` : `${dayWords(ms, t.zone)} ${t.time(ms)}`;
}

function coverText(c: CoverLine, t: Times): string {
  const x = c.visit;
  const slots = c.slots > 1 ? ` · ${c.taken} of ${c.slots} taken` : '';
  return `*${x.startsAt ? when(x.startsAt, t) : '?'}* · *${esc(c.clientName || 'a client')}* · ${esc(x.purpose)}${x.minutes ? ` (${x.minutes} min)` : ''} · ${esc(c.patchName)} · ${mention(c.requestedBy)} can't come${slots}`;
}

function coverToTake(list: CoverLine[], t: Times): Section {
  const items = list.map((c) =>
    withButtons(coverText(c, t), `home:cover:${c.itemId}`, [
      { actionId: COVER_TAKE_ACTION, text: "I'll take it", value: String(c.itemId), style: 'primary' },
    ]),
  );
  const head: KnownBlock[] = [header('Cover you can take')];
  if (list.length === 0) head.push(context('Nobody in your patches needs cover.'));
  return { head, items, more: (n) => moreWords(n, 'visit needs cover', 'visits need cover') };
}

// ---- a supervisor's sections ----

const ESC_TITLE: Record<EscalationLine['kind'], string> = {
  medication: ':pill: *Medication issue*',
  missed_visit: ':red_circle: *Missed visit*',
  unclaimed_popback: ':hourglass_flowing_sand: *Unclaimed pop-back*',
  uncovered_visit: ':busts_in_silhouette: *Uncovered visit*',
};

function escalationItems(list: EscalationLine[], t: Times): Section {
  const items = list.map((e) => {
    const owner =
      e.status === 'acknowledged' && e.ackedBy
        ? `:raising_hand: ${mention(e.ackedBy)} has it${e.ackedAt ? ` since ${t.time(e.ackedAt)}` : ''}`
        : ':rotating_light: *nobody has it yet*';
    const text = [
      `${ESC_TITLE[e.kind] ?? '*Escalation*'} · ${esc(e.patchName)}${e.clientName ? ` · *${esc(e.clientName)}*` : ''}${e.timeCritical ? ' · :alarm_clock: time-critical' : ''}`,
      `raised ${t.time(e.raisedAt)} (${ageWords(t.now - e.raisedAt)}) · ${owner}`,
    ].join('\n');
    const value = String(e.id);
    const buttons: ButtonSpec[] = [
      ...(e.status === 'open'
        ? [{ actionId: ESC_ACTIONS.acknowledge, text: 'Acknowledge', value, style: 'primary' as const }]
        : []),
      { actionId: ESC_ACTIONS.resolve, text: 'Resolve', value },
    ];
    return withButtons(text, `home:esc:${e.id}`, buttons);
  });
  const head: KnownBlock[] = [header('Open escalations')];
  if (list.length === 0) head.push(context('No open escalations.'));
  return { head, items, more: (n) => moreWords(n, 'open escalation', 'open escalations') };
}

function lateMissed(list: AlertLine[], t: Times): Section {
  const packed = list.map((a) => {
    const x = a.visit;
    const mark = x.alertLevel === 'missed' ? ':red_circle: *missed*' : ':warning: *late*';
    return line(
      `${mark} · *${x.startsAt ? t.time(x.startsAt) : '--:--'}* ${names(a.clientNames)} · ${esc(x.purpose)} · ${esc(a.patchName)} · ${x.assignee ? mention(x.assignee) : 'nobody assigned'}`,
    );
  });
  const head: KnownBlock[] = [header('Late and missed today')];
  if (list.length === 0)
    head.push(context('Nothing late or missed: every visit so far has been checked in.'));
  return {
    head,
    items: [],
    packed,
    more: (n) => moreWords(n, 'late or missed visit', 'late or missed visits'),
  };
}

function uncovered(list: CoverLine[], t: Times): Section {
  const packed = list.map((c) => line(coverText(c, t)));
  const head: KnownBlock[] = [header('Uncovered in the next 24 hours')];
  if (list.length === 0) head.push(context('Every visit in the next 24 hours has its carer.'));
  return {
    head,
    items: [],
    packed,
    more: (n) => moreWords(n, 'uncovered visit', 'uncovered visits'),
  };
}

// ---- an admin's section ----

function patchFigures(list: PatchDay[], parked: number): Section {
  const packed = list.map((p) =>
    line(
      `*${esc(p.code)}* ${esc(p.name)} · ${p.planned} planned · ${p.done} done · ${p.late > 0 ? `*${p.late} late*` : '0 late'} · ${p.missed > 0 ? `*${p.missed} missed*` : '0 missed'}`,
    ),
  );
  const head: KnownBlock[] = [
    header('Patches today'),
    context(
      parked > 0
        ? `:warning: *${parked}* message${parked === 1 ? '' : 's'} could not be delivered to Slack and ${parked === 1 ? 'is' : 'are'} parked: \`patchbot outbox\` lists them, \`patchbot outbox retry --all\` sends them again.`
        : 'Every message has been delivered to Slack (none parked).',
    ),
  ];
  if (list.length === 0) head.push(context('No patches yet: import a roster.'));
  return { head, items: [], packed, more: (n) => moreWords(n, 'patch', 'patches') };
}

// ---- the page ----

function strangerBlocks(admins: string[]): KnownBlock[] {
  const ask =
    admins.length > 0
      ? `If you should be, ask ${admins.length === 1 ? 'our admin' : 'one of our admins'}: ${admins.map(mention).join(', ')}.`
      : 'If you should be, ask whoever set patchbot up.';
  return [
    header('patchbot'),
    section(
      'patchbot runs the day of our home-care patch teams in Slack: pop-back visits, the daily rota, ' +
        'late-visit alerts, cover and medication escalations.',
    ),
    section(`You are not in a patch team, so there is nothing here for you. ${ask}`),
  ];
}

/** The person's Home: their sections as assistant, then supervisor, then admin, within 100 blocks. */
export function homeView(d: HomeData): { text: string; home: HomeView } {
  if (isStranger(d.roles)) {
    return { text: 'patchbot', home: { type: 'home', blocks: strangerBlocks(d.admins) } };
  }
  const t = timesIn(d.zone, d.now);
  const top: KnownBlock[] = [
    header(dayWords(d.now, d.zone, true)),
    context(
      `As of ${t.time(d.now)} (open this tab again to refresh) · ${
        d.onCall
          ? `On call now: ${mention(d.onCall)}`
          : 'Nobody is on call now: escalations go to all supervisors'
      }`,
    ),
  ];
  if (d.notice) top.push(section(`:information_source: ${t.time(d.notice.at)} · ${d.notice.text}`));
  // Can't work? An assistant asks for cover from here as with /cover.
  if (isAssistant(d.roles)) top.push(actions('home-cover', [coverButton()]));
  const sections: Section[] = [];
  if (isAssistant(d.roles) && d.assistant) {
    sections.push(
      myVisits(d.assistant.visits, t),
      popbacks(d.assistant.flexible, d.userId, t),
      coverToTake(d.assistant.cover, t),
    );
  }
  if (isManager(d.roles) && d.supervisor) {
    sections.push(
      escalationItems(d.supervisor.escalations, t),
      lateMissed(d.supervisor.lateMissed, t),
      uncovered(d.supervisor.uncovered, t),
    );
  }
  if (d.roles.admin && d.admin) sections.push(patchFigures(d.admin.patches, d.admin.parked));
  const shown = fitParts(sections.map(partOf), HOME_BLOCKS - top.length);
  const blocks = [...top, ...sections.flatMap((s, i) => blocksOf(s, shown[i] ?? 0))];
  return { text: 'patchbot: your day', home: { type: 'home', blocks } };
}
