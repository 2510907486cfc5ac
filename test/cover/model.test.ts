import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decideAssign,
  decideTake,
  decideWithdraw,
  defaultPeriod,
  escalateAt,
  type ItemFacts,
  periodText,
  validateCover,
} from '../../src/cover/model.ts';
import {
  ASSIGN_CALLBACK,
  assignModal,
  type CardItem,
  cardMessage,
  coverModal,
} from '../../src/cover/views.ts';
import { checkMessageBlocks, checkView } from '../support/slack/blocks.ts';

const ZONE = 'Europe/London';
const at = (iso: string) => Date.parse(iso);

describe('the /cover form', () => {
  it('starts from now (to the minute) to 23:59 local, also on the days the clocks change', () => {
    expect(defaultPeriod(at('2026-11-23T06:40:31Z'), ZONE)).toEqual({
      fromAt: at('2026-11-23T06:40:00Z'),
      toAt: at('2026-11-23T23:59:00Z'),
    });
    // 00:30 BST on the day the clocks go back: 23:59 that evening is GMT.
    expect(defaultPeriod(at('2026-10-24T23:30:00Z'), ZONE).toAt).toBe(at('2026-10-25T23:59:00Z'));
    // 00:30 GMT on the day they go forward: 23:59 that evening is BST.
    expect(defaultPeriod(at('2026-03-29T00:30:00Z'), ZONE).toAt).toBe(at('2026-03-29T22:59:00Z'));
    // At 23:59 itself the period is still a minute long.
    const late = defaultPeriod(at('2026-11-23T23:59:30Z'), ZONE);
    expect(late.toAt - late.fromAt).toBe(60_000);
  });

  it('accepts a start up to 15 minutes ago (the form was open a while), and says what is wrong otherwise', () => {
    const now = at('2026-11-23T06:40:00Z');
    const ok = validateCover(
      { fromAt: at('2026-11-23T06:25:00Z'), toAt: at('2026-11-23T12:00:00Z'), note: '  Flu  ' },
      { now, zone: ZONE },
    );
    expect(ok).toEqual({
      ok: true,
      period: { fromAt: at('2026-11-23T06:25:00Z'), toAt: at('2026-11-23T12:00:00Z'), note: 'Flu' },
    });
    expect(validateCover({ fromAt: null, toAt: null, note: '' }, { now, zone: ZONE })).toEqual({
      ok: false,
      errors: { start: 'Pick when you can’t work from.', until: 'Pick when you can work again.' },
    });
    // Exactly 14 days ahead is allowed; a minute more is not.
    const fortnight = now + 14 * 24 * 3_600_000;
    expect(validateCover({ fromAt: now, toAt: fortnight, note: '' }, { now, zone: ZONE }).ok).toBe(true);
    expect(validateCover({ fromAt: now, toAt: fortnight + 60_000, note: '' }, { now, zone: ZONE }).ok).toBe(
      false,
    );
    // An empty note is stored as none; a note is stored in NFC.
    const nfc = validateCover({ fromAt: now, toAt: now + 3_600_000, note: 'Zoe\u0308' }, { now, zone: ZONE });
    expect(nfc.ok && nfc.period.note).toBe('Zoë');
  });

  it('says a period plainly, within a day and across days', () => {
    expect(periodText(at('2026-11-23T06:40:00Z'), at('2026-11-23T23:59:00Z'), ZONE)).toBe(
      'Mon 23 Nov 06:40 – 23:59',
    );
    expect(periodText(at('2026-11-23T18:00:00Z'), at('2026-11-24T12:00:00Z'), ZONE)).toBe(
      'Mon 23 Nov 18:00 – Tue 24 Nov 12:00',
    );
  });

  it('escalates a real hour before the start, however the wall clock jumps', () => {
    // 01:30 GMT on 25 Oct (after the clocks went back) less 60 minutes is 01:30 BST: 00:30Z.
    expect(escalateAt(at('2026-10-25T01:30:00Z'), 60)).toBe(at('2026-10-25T00:30:00Z'));
    expect(escalateAt(at('2026-11-23T09:00:00Z'), 0)).toBe(at('2026-11-23T09:00:00Z'));
  });
});

const item = (over: Partial<ItemFacts> = {}): ItemFacts => ({
  status: 'open',
  slots: 1,
  takers: [],
  requester: 'UALICE',
  withdrawnBy: null,
  ...over,
});

describe('who may take, be given or withdraw', () => {
  it('a take: team only, never the requester, once each, while a slot is free', () => {
    const me = { userId: 'UBOB', team: true };
    expect(decideTake(item(), me, false)).toEqual({ ok: true, lead: true });
    expect(decideTake(item({ slots: 2, takers: ['UDAVE'] }), me, false)).toEqual({ ok: true, lead: false });
    expect(decideTake(item(), { ...me, team: false }, false)).toMatchObject({
      refusal: { reason: 'not_team' },
    });
    expect(decideTake(item(), { userId: 'UALICE', team: true }, false)).toMatchObject({
      refusal: { reason: 'requester' },
    });
    expect(decideTake(item({ takers: ['UBOB'], status: 'covered' }), me, false)).toMatchObject({
      refusal: { reason: 'already_yours' },
    });
    expect(decideTake(item({ takers: ['UDAVE'], status: 'covered' }), me, false)).toMatchObject({
      refusal: { reason: 'full', takers: ['UDAVE'] },
    });
    expect(decideTake(item({ status: 'withdrawn', withdrawnBy: 'UALICE' }), me, false)).toMatchObject({
      refusal: { reason: 'withdrawn', by: 'UALICE' },
    });
    expect(decideTake(item({ status: 'cancelled' }), me, false)).toMatchObject({
      refusal: { reason: 'cancelled' },
    });
    expect(decideTake(item(), me, true)).toMatchObject({ refusal: { reason: 'off_too' } });
  });

  it('never lets more people take an item than it has slots, whatever order they press in', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 3 }),
        fc.array(fc.constantFrom('U1', 'U2', 'U3', 'U4', 'UALICE'), { maxLength: 12 }),
        (slots, presses) => {
          const takers: string[] = [];
          for (const u of presses) {
            const d = decideTake(
              item({ slots, takers: [...takers], status: takers.length >= slots ? 'covered' : 'open' }),
              { userId: u, team: true },
              false,
            );
            if (d.ok) {
              expect(d.lead).toBe(takers.length === 0);
              takers.push(u);
            }
          }
          expect(takers.length).toBeLessThanOrEqual(slots);
          expect(new Set(takers).size).toBe(takers.length);
          expect(takers).not.toContain('UALICE');
        },
      ),
      { seed: 20261201, numRuns: 200 },
    );
  });

  it('an assignment: supervisors and admins, to an assistant of the patch other than the requester', () => {
    const sup = { manager: true };
    const bob = { userId: 'UBOB', assistant: true };
    expect(decideAssign(item(), sup, bob)).toEqual({ ok: true, lead: true });
    expect(decideAssign(item(), { manager: false }, bob)).toMatchObject({
      refusal: { reason: 'not_manager' },
    });
    expect(decideAssign(item(), sup, { ...bob, assistant: false })).toMatchObject({
      refusal: { reason: 'not_assistant' },
    });
    expect(decideAssign(item(), sup, { userId: 'UALICE', assistant: true })).toMatchObject({
      refusal: { reason: 'is_requester' },
    });
    expect(decideAssign(item({ slots: 2, takers: ['UBOB'] }), sup, bob)).toMatchObject({
      refusal: { reason: 'already_theirs' },
    });
    expect(decideAssign(item({ slots: 2, takers: ['UDAVE'] }), sup, bob)).toEqual({ ok: true, lead: false });
  });

  it('a withdrawal: the requester or a manager, once', () => {
    const r = { requester: 'UALICE', withdrawnAt: null, withdrawnBy: null };
    expect(decideWithdraw(r, { userId: 'UALICE', manager: false })).toEqual({ ok: true });
    expect(decideWithdraw(r, { userId: 'USUP', manager: true })).toEqual({ ok: true });
    expect(decideWithdraw(r, { userId: 'UBOB', manager: false })).toMatchObject({
      refusal: { reason: 'not_requester' },
    });
    expect(
      decideWithdraw({ ...r, withdrawnAt: 1, withdrawnBy: 'UALICE' }, { userId: 'UALICE', manager: false }),
    ).toMatchObject({ refusal: { reason: 'withdrawn' } });
  });
});

const cardItem = (n: number, over: Partial<CardItem> = {}): CardItem => ({
  itemId: n,
  status: 'open',
  slots: 1,
  escalateAt: at('2026-11-23T07:00:00Z') + n * 60_000,
  escalatedAt: null,
  takes: [],
  visit: {
    startsAt: at('2026-11-23T08:00:00Z') + n * 60_000,
    minutes: 45,
    clientNames: [`Client ${'x'.repeat(70)} ${n}`],
    purpose: 'y'.repeat(200),
    timeCritical: true,
    status: 'open',
    assignee: 'UALICE',
    arrivedAt: null,
    arrivedBy: null,
    doneAt: null,
    doneBy: null,
    closeReason: null,
  },
  ...over,
});

const card = (items: CardItem[]) => ({
  requestId: 1,
  patchId: 1,
  requester: 'UALICE',
  fromAt: at('2026-11-23T06:40:00Z'),
  toAt: at('2026-12-06T23:59:00Z'),
  createdAt: at('2026-11-23T06:40:00Z'),
  withdrawnAt: null,
  withdrawnBy: null,
  items,
  zone: ZONE,
});

describe('the cover card', () => {
  it('stays within Slack’s limits with hundreds of long visits, open ones first, and says how many more', () => {
    const many = Array.from({ length: 300 }, (_, i) =>
      cardItem(
        i + 1,
        i % 3 === 0 ? { status: 'covered', takes: [{ userId: 'UBOB', takenAt: 0, assignedBy: null }] } : {},
      ),
    );
    const m = cardMessage(card(many));
    expect(checkMessageBlocks(m.blocks)).toEqual([]);
    expect(m.blocks.length).toBeLessThanOrEqual(50);
    expect(JSON.stringify(m.blocks).length).toBeLessThan(12_000);
    const shown = m.blocks.filter((b) => b.block_id?.startsWith('cover-item:'));
    expect(shown.every((b) => 'accessory' in b)).toBe(true); // open ones first
    expect(JSON.stringify(m.blocks)).toMatch(
      /…and \d+ more visits \(\d+ still open: \*Take all\* takes them too\)/,
    );
  });

  it('escapes roster text, so a client named like a mention notifies nobody', () => {
    const m = cardMessage(
      card([
        cardItem(1, {
          visit: { ...cardItem(1).visit, clientNames: ['<!channel> & co'], purpose: '<@U0BOSS>' },
        }),
      ]),
    );
    const text = JSON.stringify(m.blocks);
    expect(text).toContain('&lt;!channel&gt; &amp; co');
    expect(text).toContain('&lt;@U0BOSS&gt;');
    expect(text).not.toContain('<!channel>');
  });

  it('the forms pass Slack’s checks; Assign… shows people by name when it can', () => {
    expect(
      checkView(coverModal({ fromAt: 1_790_000_000_000, toAt: 1_790_050_000_000, escalateMinutes: 60 })),
    ).toEqual([]);
    const few = assignModal({
      items: [{ itemId: 1, label: '08:00 Mrs P · Morning wake-up' }],
      preselected: 1,
      people: ['UBOB', 'UDAVE'],
      meta: { requestId: 1, patchId: 1 },
    });
    expect(few.callback_id).toBe(ASSIGN_CALLBACK);
    expect(checkView(few)).toEqual([]);
    expect(JSON.stringify(few.blocks)).toContain('"type":"radio_buttons"');
    expect(JSON.stringify(few.blocks)).toContain('"text":"<@UBOB>"');
    const crowd = assignModal({
      items: [{ itemId: 1, label: 'x' }],
      people: Array.from({ length: 12 }, (_, i) => `U${i}`),
      meta: { requestId: 1, patchId: 1 },
    });
    expect(checkView(crowd)).toEqual([]);
    expect(JSON.stringify(crowd.blocks)).toContain('"type":"users_select"');
  });
});
