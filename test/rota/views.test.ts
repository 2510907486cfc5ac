import type { KnownBlock, Overflow, SectionBlock } from '@slack/types';
import { describe, expect, it } from 'vitest';
import {
  blocksTextLength,
  type DigestInput,
  type DigestVisit,
  digestMessages,
  parseRotaOption,
  ROTA_MENU,
  type RotaVerb,
  rotaListing,
  rotaOptionValue,
} from '../../src/rota/views.ts';
import { localInstant } from '../../src/time.ts';
import type { VisitStatus } from '../../src/visits/model.ts';
import { checkMessageBlocks } from '../support/slack/blocks.ts';

const ZONE = 'Europe/London';
const DATE = '2026-11-23';
const ALICE = 'U0ALICE1';
const BOB = 'U0BOB0001';
const at = (hhmm: string) => localInstant(DATE, hhmm, ZONE);

let nextId = 100;
function visit(over: Partial<DigestVisit> = {}): DigestVisit {
  return {
    visitId: nextId++,
    rev: 0,
    startsAt: at('08:00'),
    minutes: 45,
    clientName: 'Mrs P',
    purpose: 'Morning wake-up',
    assignee: ALICE,
    timeCritical: false,
    carers: 1,
    status: 'open',
    arrivedAt: null,
    doneAt: null,
    alert: null,
    closeReason: null,
    ...over,
  };
}

const input = (visits: DigestVisit[], over: Partial<DigestInput> = {}): DigestInput => ({
  patchName: 'P07 Riverside',
  date: DATE,
  zone: ZONE,
  visits,
  popbacks: [],
  withMedIssue: false,
  ...over,
});

const TIMES = ['07:30', '12:15', '16:45', '19:00', '21:30'];
const PURPOSES = ['Morning wake-up and breakfast', 'Lunch', 'Tea and medication', 'Evening meal', 'Bed'];
const STATUSES: VisitStatus[] = ['done', 'arrived', 'open', 'open', 'not_needed'];

/** Ten clients, five visits each: a full patch. */
function fullPatch(): DigestVisit[] {
  const out: DigestVisit[] = [];
  for (let c = 0; c < 10; c++) {
    for (let i = 0; i < 5; i++) {
      const status = STATUSES[(c + i) % 5] as VisitStatus;
      out.push(
        visit({
          visitId: 1000 + c * 5 + i,
          rev: c + i,
          startsAt: at(TIMES[i] as string),
          minutes: i === 4 ? 30 : 45,
          clientName: `Client ${String.fromCharCode(65 + c)}${c === 3 ? ' & <Family>' : ''}`,
          purpose: PURPOSES[i] as string,
          assignee: c === 9 ? null : c % 2 ? BOB : ALICE,
          timeCritical: i === 2,
          carers: c === 1 ? 2 : 1,
          status,
          arrivedAt: status === 'arrived' || status === 'done' ? at(TIMES[i] as string) + 60_000 : null,
          doneAt: status === 'done' ? at(TIMES[i] as string) + 40 * 60_000 : null,
          alert: status === 'open' && c === 4 ? 'late' : null,
          closeReason: status === 'not_needed' ? 'In hospital' : null,
        }),
      );
    }
  }
  return out;
}

const sections = (blocks: KnownBlock[]) => blocks.filter((b): b is SectionBlock => b.type === 'section');
const visitSections = (blocks: KnownBlock[]) =>
  sections(blocks).filter((b) => b.block_id?.startsWith('visit:'));
const menuOf = (blocks: KnownBlock[], visitId: number) =>
  sections(blocks).find((b) => b.block_id === `visit:${visitId}`)?.accessory as Overflow | undefined;
const labels = (menu: Overflow | undefined) => menu?.options.map((o) => o.text.text) ?? [];
const allText = (blocks: KnownBlock[]) => JSON.stringify(blocks);

/** Everything Slack enforces on a message, plus the undocumented ~12,000-character text limit. */
function problems(m: { text: string; blocks: KnownBlock[] }): string[] {
  const out = checkMessageBlocks(m.blocks);
  if (m.blocks.length > 50) out.push(`${m.blocks.length} blocks`);
  if (blocksTextLength(m.blocks) >= 12_000) out.push(`${blocksTextLength(m.blocks)} chars of block text`);
  if (m.text.length === 0 || m.text.length > 3000) out.push('fallback text length');
  for (const b of m.blocks) {
    if (b.block_id !== undefined && b.block_id.length > 255) out.push(`block_id ${b.block_id}`);
    if (b.type === 'section' && b.text && b.text.text.length > 3000) out.push('section text');
    if (b.type === 'section' && b.accessory?.type === 'overflow') {
      const o = b.accessory;
      if (o.options.length > 5) out.push('overflow options');
      for (const opt of o.options) {
        if (opt.text.text.length > 75 || (opt.value ?? '').length > 75) out.push('option size');
      }
    }
  }
  return out;
}

describe('option values', () => {
  it('round-trip through parseRotaOption', () => {
    const verbs: RotaVerb[] = ['arrived', 'done', 'takeover', 'notneeded', 'medissue'];
    for (const verb of verbs) {
      for (const [id, rev] of [
        [1, 0],
        [42, 7],
        [Number.MAX_SAFE_INTEGER, 123456],
      ] as const) {
        const value = rotaOptionValue(verb, id, rev);
        expect(value.length).toBeLessThanOrEqual(75);
        expect(parseRotaOption(value)).toEqual({ verb, visitId: id, rev });
      }
    }
  });

  it('refuses anything malformed', () => {
    for (const bad of [
      '',
      'arrived',
      'arrived:42',
      'arrived:42:',
      'arrived:42:1:2',
      'claim:42:1',
      'ARRIVED:42:1',
      'arrived:0:1',
      'arrived:-4:1',
      'arrived:042:1',
      'arrived:42:01',
      'arrived:4.2:1',
      'arrived:42:1 ',
      ' arrived:42:1',
      'arrived:1e3:1',
      'arrived:99999999999999999:1',
      'arrived:9007199254740992:1',
      'constructor:1:1',
      'toString:1:1',
    ]) {
      expect(parseRotaOption(bad), bad).toBeNull();
    }
  });
});

describe('digestMessages', () => {
  it('a full patch (10 clients × 5 visits) fits Slack: a channel message and one continuation', () => {
    const visits = fullPatch();
    for (const withMedIssue of [false, true]) {
      const popbacks = [
        { visitId: 1, clientNames: ['Client A'], soon: 'as soon as possible', claimedBy: [] },
        { visitId: 2, clientNames: ['Client B', 'Client C'], soon: 'by 14:00', claimedBy: [BOB] },
      ];
      const messages = digestMessages(input(visits, { withMedIssue, popbacks }));
      expect(messages).toHaveLength(2);
      for (const m of messages) expect(problems(m)).toEqual([]);
      const [first, second] = messages as [(typeof messages)[0], (typeof messages)[0]];
      expect(visitSections(first.blocks)).toHaveLength(45);
      expect(visitSections(second.blocks)).toHaveLength(5);
      expect(second.blocks[0]).toMatchObject({
        type: 'header',
        text: { text: 'Rota for Monday 23 November (continued)' },
      });
      expect(allText(first.blocks)).toContain('5 more visits in the thread');
      // Every visit once, in time order across the messages.
      const ids = messages.flatMap((m) => visitSections(m.blocks).map((b) => b.block_id));
      expect(new Set(ids).size).toBe(50);
      const order = [...visits].sort(
        (a, b) => a.startsAt - b.startsAt || a.clientName.localeCompare(b.clientName),
      );
      expect(ids).toEqual(order.map((v) => `visit:${v.visitId}`));
    }
  });

  it('long names, purposes and reasons still fit, over more messages', () => {
    const visits = fullPatch().map((v) => ({
      ...v,
      clientName: 'N'.repeat(500),
      purpose: 'P&'.repeat(1000),
      closeReason: v.closeReason === null ? null : 'R<'.repeat(500),
      assignee: v.assignee === null ? null : `U${'X'.repeat(20)}`,
      alert: v.status === 'open' ? ('missed' as const) : null,
      timeCritical: true,
      carers: 2,
    }));
    const popbacks = Array.from({ length: 200 }, (_, i) => ({
      visitId: i + 1,
      clientNames: ['Q'.repeat(300), 'Z'.repeat(300)],
      soon: 'by 14:00',
      claimedBy: [ALICE, BOB],
    }));
    const messages = digestMessages(input(visits, { popbacks, withMedIssue: true }));
    expect(messages.length).toBeGreaterThan(2);
    for (const m of messages) expect(problems(m)).toEqual([]);
    expect(messages.flatMap((m) => visitSections(m.blocks))).toHaveLength(50);
    for (const m of messages.slice(1)) {
      expect(m.blocks[0]).toMatchObject({ text: { text: 'Rota for Monday 23 November (continued)' } });
    }
  });

  it('heads the day in words and counts what matters', () => {
    const visits = [
      visit({ startsAt: at('12:00'), clientName: 'Mr K', purpose: 'Lunch', timeCritical: true }),
      visit({
        startsAt: at('08:00'),
        carers: 2,
        status: 'done',
        doneAt: at('08:40'),
        arrivedAt: at('08:02'),
      }),
      visit({ startsAt: at('18:00'), assignee: null }),
    ];
    const [m, ...rest] = digestMessages(input(visits));
    expect(rest).toEqual([]);
    expect(m?.text).toBe('Rota for Monday 23 November: 3 visits');
    expect(m?.blocks[0]).toEqual({
      type: 'header',
      text: { type: 'plain_text', text: 'Rota for Monday 23 November', emoji: true },
    });
    expect(m?.blocks[1]).toEqual({
      type: 'context',
      elements: [
        { type: 'mrkdwn', text: '3 visits · 1 time-critical · 1 needs two carers · 1 done · 1 unassigned' },
      ],
    });
    const lines = sections(m?.blocks ?? []).map((b) => b.text?.text);
    expect(lines).toEqual([
      '*08:00* Mrs P · Morning wake-up (45 min) · <@U0ALICE1> · :busts_in_silhouette: 2 carers · :white_check_mark: done 08:40',
      '*12:00* Mr K · Lunch (45 min) · <@U0ALICE1> · :pill: time-critical',
      '*18:00* Mrs P · Morning wake-up (45 min) · :grey_question: unassigned',
    ]);
  });

  it('shows each status plainly, in local time', () => {
    const line = (over: Partial<DigestVisit>) =>
      sections(digestMessages(input([visit(over)]))[0]?.blocks ?? [])[0]?.text?.text;
    expect(line({ status: 'arrived', arrivedAt: at('08:07') })).toContain(':house: arrived 08:07');
    expect(line({ alert: 'late' })).toMatch(/ · :warning: late$/);
    expect(line({ alert: 'missed', assignee: null })).toMatch(/ · :red_circle: missed$/);
    expect(line({ status: 'not_needed', closeReason: 'In hospital <3' })).toMatch(
      / · :no_entry_sign: not needed \(In hospital &lt;3\)$/,
    );
    expect(line({ status: 'not_needed' })).toMatch(/ · :no_entry_sign: not needed$/);
    expect(line({ clientName: 'Mr <K> & Co', purpose: '*Lunch* <!here>' })).toContain(
      'Mr &lt;K&gt; &amp; Co · *Lunch* &lt;!here&gt; (45 min)',
    );
    // Summer time: 08:00 BST is 07:00Z and still shows as 08:00.
    const summer = localInstant('2026-07-01', '08:00', ZONE);
    const m = digestMessages({ ...input([visit({ startsAt: summer })]), date: '2026-07-01' })[0];
    expect(m?.blocks[0]).toMatchObject({ text: { text: 'Rota for Wednesday 1 July' } });
    expect(sections(m?.blocks ?? [])[0]?.text?.text).toMatch(/^\*08:00\* /);
  });

  it('offers only the options that apply, carrying the visit and its rev', () => {
    const open = visit({ rev: 3 });
    const claimed = visit({ status: 'claimed' });
    const arrived = visit({ status: 'arrived', arrivedAt: at('08:01'), rev: 4 });
    const done = visit({ status: 'done', arrivedAt: at('08:01'), doneAt: at('08:44') });
    const notNeeded = visit({ status: 'not_needed', closeReason: 'Family visiting' });
    const visits = [open, claimed, arrived, done, notNeeded];

    const plain = digestMessages(input(visits))[0]?.blocks ?? [];
    expect(labels(menuOf(plain, open.visitId))).toEqual(['Arrived', 'Take over', 'Not needed']);
    expect(labels(menuOf(plain, claimed.visitId))).toEqual(['Arrived', 'Take over', 'Not needed']);
    expect(labels(menuOf(plain, arrived.visitId))).toEqual(['Done']);
    expect(menuOf(plain, done.visitId)).toBeUndefined();
    expect(menuOf(plain, notNeeded.visitId)).toBeUndefined();

    const med = digestMessages(input(visits, { withMedIssue: true }))[0]?.blocks ?? [];
    expect(labels(menuOf(med, open.visitId))).toEqual([
      'Arrived',
      'Take over',
      'Not needed',
      'Medication issue',
    ]);
    expect(labels(menuOf(med, arrived.visitId))).toEqual(['Done', 'Medication issue']);
    expect(labels(menuOf(med, done.visitId))).toEqual(['Medication issue']);
    expect(labels(menuOf(med, notNeeded.visitId))).toEqual(['Medication issue']);

    const menu = menuOf(med, open.visitId);
    expect(menu?.action_id).toBe(ROTA_MENU);
    expect(menu?.options.map((o) => parseRotaOption(o.value ?? ''))).toEqual([
      { verb: 'arrived', visitId: open.visitId, rev: 3 },
      { verb: 'takeover', visitId: open.visitId, rev: 3 },
      { verb: 'notneeded', visitId: open.visitId, rev: 3 },
      { verb: 'medissue', visitId: open.visitId, rev: 3 },
    ]);
    expect(menuOf(med, arrived.visitId)?.options.map((o) => parseRotaOption(o.value ?? ''))).toEqual([
      { verb: 'done', visitId: arrived.visitId, rev: 4 },
      { verb: 'medissue', visitId: arrived.visitId, rev: 4 },
    ]);
  });

  it('lists open pop-backs after the visits', () => {
    const m = digestMessages(
      input([visit()], {
        popbacks: [
          { visitId: 1, clientNames: ['Mrs P'], soon: 'as soon as possible', claimedBy: [] },
          { visitId: 2, clientNames: ['Mr K'], soon: 'by 14:00', claimedBy: [BOB] },
        ],
      }),
    )[0];
    const last = m?.blocks.at(-1) as SectionBlock;
    expect(last.text?.text).toBe(
      ':runner: Open pop-backs: *Mrs P* as soon as possible · *Mr K* by 14:00 (claimed by <@U0BOB0001>)',
    );
  });

  it('says so plainly when the day is empty', () => {
    const messages = digestMessages(input([]));
    expect(messages).toHaveLength(1);
    expect(messages[0]?.text).toBe('Rota for Monday 23 November: no visits');
    expect(sections(messages[0]?.blocks ?? [])[0]?.text?.text).toBe('No fixed visits on Monday 23 November.');
    expect(problems(messages[0] as { text: string; blocks: KnownBlock[] })).toEqual([]);
  });
});

describe('rotaListing', () => {
  it('shows the same lines without menus', () => {
    const m = rotaListing({
      ...input([visit(), visit({ assignee: BOB, startsAt: at('09:00') })]),
      mineOnly: null,
    });
    expect(problems(m)).toEqual([]);
    expect(m.blocks[0]).toMatchObject({ text: { text: 'Rota for Monday 23 November' } });
    expect(sections(m.blocks).map((b) => b.text?.text)).toEqual([
      '*08:00* Mrs P · Morning wake-up (45 min) · <@U0ALICE1>',
      '*09:00* Mrs P · Morning wake-up (45 min) · <@U0BOB0001>',
    ]);
    expect(allText(m.blocks)).not.toContain('overflow');
  });

  it('filters to mine', () => {
    const visits = [
      visit(),
      visit({ assignee: BOB, startsAt: at('09:00'), clientName: 'Mr K' }),
      visit({ assignee: null }),
    ];
    const popbacks = [
      { visitId: 1, clientNames: ['Mrs P'], soon: 'as soon as possible', claimedBy: [] },
      { visitId: 2, clientNames: ['Mr K'], soon: 'by 14:00', claimedBy: [BOB] },
    ];
    const m = rotaListing({ ...input(visits, { popbacks }), mineOnly: BOB });
    expect(problems(m)).toEqual([]);
    expect(m.text).toBe('Your visits on Monday 23 November: 1 visit');
    expect(sections(m.blocks).map((b) => b.text?.text)).toEqual([
      '*09:00* Mr K · Morning wake-up (45 min) · <@U0BOB0001>',
      ':runner: Your pop-backs: *Mr K* by 14:00 (claimed by <@U0BOB0001>)',
    ]);
  });

  it('says so when you have no visits', () => {
    const m = rotaListing({ ...input([visit()]), mineOnly: BOB });
    expect(m.text).toBe('You have no visits on Monday 23 November.');
    expect(allText(m.blocks)).toContain('You have no visits on Monday 23 November.');
    expect(problems(m)).toEqual([]);
  });

  it('a full patch, even with very long lines, is one message within the limits', () => {
    const m = rotaListing({ ...input(fullPatch()), mineOnly: null });
    expect(problems(m)).toEqual([]);
    expect(m.blocks.length).toBeLessThanOrEqual(50);
    for (const v of fullPatch().slice(0, 1)) expect(allText(m.blocks)).toContain(v.purpose);
    expect(allText(m.blocks).match(/\*\d\d:\d\d\*/g)).toHaveLength(50);

    const long = fullPatch().map((v) => ({ ...v, clientName: 'N'.repeat(500), purpose: 'P'.repeat(2000) }));
    const big = rotaListing({ ...input(long), mineOnly: null });
    expect(problems(big)).toEqual([]);
  });
});
