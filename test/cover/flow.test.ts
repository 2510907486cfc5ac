import { readFileSync } from 'node:fs';
import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { coverItems, coverRequests, coverTakes, escalations, visitEvents } from '../../db/schema.ts';
import { createLog } from '../../src/log.ts';
import { importRosterWithVisits } from '../../src/main.ts';
import { parseRoster } from '../../src/patches/roster.ts';
import { getVisitRow } from '../../src/visits/store.ts';
import {
  ALICE,
  BOB,
  CAROL,
  fillView,
  type Harness,
  PATCH,
  SUPER1,
  SUPERVISORS,
  useFlowHarness,
} from '../support/harness.ts';
import type { FakeMessage } from '../support/slack/fake-slack.ts';
import {
  askForCover,
  buttons,
  COVER_ROSTER,
  card,
  cards,
  DAVE,
  lastAnswer,
  line,
  P08,
  pressCard,
  secs,
  take,
  textOf,
  visitOf,
} from './support.ts';

const flow = useFlowHarness();
let h: Harness;

const MONDAY = '2026-11-23';
const start = (at = '2026-11-23T06:40:00Z') => flow.start({ at, roster: COVER_ROSTER });
const takes = () => h.bot.db.select().from(coverTakes).all();
const items = () => h.bot.db.select().from(coverItems).all();
const events = (visitId: number) =>
  h.bot.db
    .select()
    .from(visitEvents)
    .where(eq(visitEvents.visitId, visitId))
    .all()
    .map((e) => `${e.action} by ${e.actor}`);
const supervisorsParents = () =>
  h.fake.messages(SUPERVISORS).filter((m) => /^esc:\d+$/.test(String(m.metadata?.event_payload.subject)));
const dm = (user: string) => h.fake.messages(user).map((m) => m.text);
/** Imports a roster text into the running bot's database, as `patchbot import` would. */
function reimport(text: string): void {
  const parsed = parseRoster(text);
  if (!parsed.ok) throw new Error(parsed.errors.join('\n'));
  importRosterWithVisits(h.bot.db, parsed.roster, h.clock.now());
  h.bot.deps.wake();
}

describe('/cover: asking for cover', () => {
  it('opens a form from now to the end of today; posting it makes one card per patch with every visit of theirs in it, and the form says where', async () => {
    h = await start();
    await h.slack.command({ command: '/cover', channel_id: PATCH, user_id: ALICE });
    await h.settle();
    const form = h.fake.views.at(-1)?.view as {
      blocks: Array<{ block_id?: string; element?: Record<string, unknown> }>;
    };
    const initial = (id: string) => form.blocks.find((b) => b.block_id === id)?.element?.initial_date_time;
    expect(initial('start')).toBe(secs('2026-11-23T06:40:00Z'));
    expect(initial('until')).toBe(secs('2026-11-23T23:59:00Z'));
    const opened = h.fake.views.at(-1);
    const res = await h.slack.submitView({
      user: ALICE,
      view: fillView({ ...opened?.view, id: opened?.id }, { note: 'Migraine since 5am, doctor at 10.' }),
    });
    await h.settle();
    const answer = res.json() as {
      response_action: string;
      view: { blocks: Array<{ text: { text: string } }> };
    };
    expect(answer.response_action).toBe('update');
    expect(answer.view.blocks[0]?.text.text).toContain(
      'Posted in <#C0PATCH07> and <#C0PATCH08>: your 4 visits',
    );

    const p07 = card(h, PATCH);
    expect(textOf(p07)).toContain("*Cover needed* · <@U0ALICE1> can't work Mon 23 Nov 06:40 – 23:59");
    expect(textOf(p07)).toContain('*08:00* Mrs P · Morning wake-up (45 min) · :pill: time-critical');
    expect(textOf(p07)).toContain('*09:00* Mr K · Breakfast (30 min)');
    expect(textOf(p07)).toContain('*17:30* Mrs P · Tea (30 min) · :busts_in_silhouette: 2 carers');
    expect(line(p07, '*08:00* Mrs P').text.text).toContain(
      ':large_orange_circle: *Needs a carer* · to the supervisors at 07:00 if still open',
    );
    expect(line(p07, '*17:30* Mrs P').text.text).toContain('*Needs 2 carers*');
    expect(textOf(p07)).not.toContain('Mrs D'); // Bob's
    expect(buttons(p07)).toEqual([
      'cover_take',
      'cover_take',
      'cover_take',
      'cover_take_all',
      'cover_assign',
      'cover_withdraw',
    ]);
    const p08 = card(h, P08);
    expect(textOf(p08)).toContain('*12:00* Mr T · Lunch (60 min)');
    expect(textOf(p08)).not.toContain('Mrs W');
    // One visit: no Take all.
    expect(buttons(p08)).toEqual(['cover_take', 'cover_assign', 'cover_withdraw']);
    // The note is stored, never shown to the patches.
    expect(h.bot.db.select().from(coverRequests).get()?.note).toBe('Migraine since 5am, doctor at 10.');
    for (const m of [...h.fake.messages(PATCH), ...h.fake.messages(P08)])
      expect(JSON.stringify(m)).not.toContain('Migraine');
    expect(
      items()
        .map((i) => i.slots)
        .sort(),
    ).toEqual([1, 1, 1, 2]);
  });

  it('with none of their visits in the period, says so on the form and posts nothing', async () => {
    h = await start();
    const res = await askForCover(h, BOB, {
      start: secs('2026-11-23T20:00:00Z'),
      until: secs('2026-11-23T23:00:00Z'),
    });
    expect(res.json()).toEqual({
      response_action: 'errors',
      errors: {
        until:
          'You have no visits from Mon 23 Nov 20:00 – 23:00, so there is nothing to cover and nothing was posted. Change the times, or close this form.',
      },
    });
    expect(h.bot.db.select().from(coverRequests).all()).toEqual([]);
    expect(cards(h, PATCH)).toEqual([]);
  });

  it('refuses on its fields: a start long past, an end before the start or past, more than 14 days ahead, a dirty note', async () => {
    h = await start();
    const errorsFor = async (answers: Record<string, string | number>) =>
      ((await askForCover(h, ALICE, answers)).json() as { errors: Record<string, string> }).errors;
    expect(await errorsFor({ start: secs('2026-11-23T06:00:00Z') })).toEqual({
      start: 'Mon 23 Nov 06:00 is in the past. Start from now (06:40) or later.',
    });
    expect(
      await errorsFor({ start: secs('2026-11-23T12:00:00Z'), until: secs('2026-11-23T11:00:00Z') }),
    ).toEqual({ until: 'Pick a time after the start.' });
    expect(await errorsFor({ until: secs('2026-11-23T06:00:00Z') })).toEqual({
      until: 'Mon 23 Nov 06:00 has already passed. Pick a later time.',
    });
    expect(await errorsFor({ until: secs('2026-12-08T07:00:00Z') })).toEqual({
      until:
        'Cover can be asked for up to 14 days ahead (until Mon 7 Dec). For a longer absence, talk to your supervisor.',
    });
    expect(await errorsFor({ note: 'Ill\u200b' })).toEqual({
      note: 'This note contains an invisible character (U+200B zero width space): please type it again.',
    });
    expect(await errorsFor({ note: 'x'.repeat(501) })).toEqual({
      note: 'Keep the note to 500 characters (it is 501).',
    });
    expect(h.bot.db.select().from(coverRequests).all()).toEqual([]);
  });

  it('someone in no patch team is told privately and no form opens', async () => {
    h = await start();
    await h.slack.command({ command: '/cover', channel_id: PATCH, user_id: 'U0STRANGER' });
    await h.settle();
    expect(lastAnswer(h)).toContain("You are not in a patch's team");
    expect(h.fake.views).toHaveLength(0);
  });

  it('the cover_open button (for the App Home) opens the same form', async () => {
    h = await start();
    const home: FakeMessage = {
      ts: '1763880000.000100',
      channel: ALICE,
      text: '',
      edits: 0,
      blocks: [
        {
          type: 'actions',
          block_id: 'home',
          elements: [
            {
              type: 'button',
              action_id: 'cover_open',
              text: { type: 'plain_text', text: 'Ask for cover' },
              value: 'cover',
            },
          ],
        },
      ],
    };
    await h.slack.action({ user: ALICE, channel: ALICE, actionId: 'cover_open', message: home });
    await h.settle();
    expect(h.fake.views.at(-1)?.view.callback_id).toBe('cover_submit');
  });

  it('a replayed submission posts once', async () => {
    h = await start();
    await h.slack.command({ command: '/cover', channel_id: PATCH, user_id: ALICE });
    await h.settle();
    const opened = h.fake.views.at(-1);
    const view = fillView({ ...opened?.view, id: opened?.id }, {});
    await Promise.all([h.slack.submitView({ user: ALICE, view }), h.slack.submitView({ user: ALICE, view })]);
    await h.settle();
    expect(h.bot.db.select().from(coverRequests).all()).toHaveLength(1);
    expect(cards(h, PATCH)).toHaveLength(1);
  });
});

describe('taking a visit from the card', () => {
  it('I’ll take it makes the visit the taker’s through the hub, updates the card in place, the digest, and tells the requester privately', async () => {
    h = await start();
    await askForCover(h, ALICE);
    h.clock.set(Date.parse('2026-11-23T06:45:00Z'));
    await take(h, BOB, PATCH, '*09:00* Mr K');
    const visit = visitOf(h, PATCH, MONDAY, 'Mr K', '09:00');
    expect(visit.assignee).toBe(BOB);
    expect(visit.plannedAssignee).toBe(ALICE);
    expect(events(visit.id)).toContain('cover_take by U0BOB0001');
    expect(takes()).toEqual([
      expect.objectContaining({ userId: BOB, takenAt: Date.parse('2026-11-23T06:45:00Z'), assignedBy: null }),
    ]);
    const c = card(h, PATCH);
    expect(c.edits).toBeGreaterThan(0);
    expect(line(c, '*09:00* Mr K').text.text).toContain(
      ':white_check_mark: *Taken* by <@U0BOB0001> at 06:45',
    );
    expect(line(c, '*09:00* Mr K')).not.toHaveProperty('accessory');
    expect(dm(ALICE)).toEqual([
      expect.stringContaining(
        "<@U0BOB0001> took your visit from your cover request. You don't need to go:\n• 09:00 *Mr K*, Breakfast in <#C0PATCH07>",
      ),
    ]);
    await h.tickAt('2026-11-23T07:00:00Z');
    const digest = h.fake.messages(PATCH).find((m) => m.text.startsWith('Rota for'));
    expect(textOf(digest)).toContain('*09:00* Mr K · Breakfast (30 min) · <@U0BOB0001>');
  });

  it('a second press on a taken visit is told privately who has it, and changes nothing', async () => {
    h = await start();
    await askForCover(h, ALICE);
    const before = structuredClone(card(h, PATCH));
    await take(h, BOB, PATCH, '*09:00* Mr K', before);
    await take(h, DAVE, PATCH, '*09:00* Mr K', before);
    expect(lastAnswer(h)).toBe('<@U0BOB0001> already has this visit.');
    expect(visitOf(h, PATCH, MONDAY, 'Mr K', '09:00').assignee).toBe(BOB);
    expect(takes()).toHaveLength(1);
    await take(h, BOB, PATCH, '*09:00* Mr K', before);
    expect(lastAnswer(h)).toBe('You already took this visit.');
    await take(h, ALICE, PATCH, '*08:00* Mrs P', before);
    expect(lastAnswer(h)).toBe(
      'You asked for cover for this visit. If you can go after all, press Withdraw.',
    );
  });

  it('two people pressing at the same instant: one has it, the other is told', async () => {
    h = await start();
    await askForCover(h, ALICE);
    const m = structuredClone(card(h, PATCH));
    const l = line(m, '*09:00* Mr K');
    await Promise.all(
      [BOB, DAVE].map((user) =>
        h.slack.action({ user, channel: PATCH, actionId: 'cover_take', blockId: l.block_id, message: m }),
      ),
    );
    await h.settle();
    const owner = visitOf(h, PATCH, MONDAY, 'Mr K', '09:00').assignee;
    expect([BOB, DAVE]).toContain(owner);
    expect(takes()).toEqual([expect.objectContaining({ userId: owner })]);
    expect(lastAnswer(h)).toBe(`<@${owner}> already has this visit.`);
  });

  it('a two-carer visit needs two takers: the first leads (the assignee), the second goes with them', async () => {
    h = await start();
    await askForCover(h, ALICE);
    h.clock.set(Date.parse('2026-11-23T06:50:00Z'));
    await take(h, BOB, PATCH, '*17:30* Mrs P');
    expect(line(card(h, PATCH), '*17:30* Mrs P').text.text).toContain(
      ':large_blue_circle: *1 of 2 taken*: <@U0BOB0001> at 06:50 · needs 1 more',
    );
    expect(line(card(h, PATCH), '*17:30* Mrs P').accessory).toBeDefined();
    const halfTaken = structuredClone(card(h, PATCH));
    h.clock.set(Date.parse('2026-11-23T07:10:00Z'));
    await take(h, DAVE, PATCH, '*17:30* Mrs P');
    const visit = visitOf(h, PATCH, MONDAY, 'Mrs P', '17:30');
    expect(visit.assignee).toBe(BOB);
    expect(events(visit.id)).toEqual(
      expect.arrayContaining(['cover_take by U0BOB0001', 'cover_join:U0DAVE001 by U0DAVE001']),
    );
    expect(line(card(h, PATCH), '*17:30* Mrs P').text.text).toContain(
      ':white_check_mark: *2 of 2 taken*: <@U0BOB0001> at 06:50 and <@U0DAVE001> at 07:10',
    );
    expect(items().find((i) => i.visitId === visit.id)).toMatchObject({
      status: 'covered',
      slots: 2,
      escalateAt: null,
    });
    expect(dm(ALICE).join('\n')).toContain('<@U0DAVE001> took your visit');
    await take(h, SUPER1, PATCH, '*17:30* Mrs P', halfTaken);
    expect(lastAnswer(h)).toBe('<@U0BOB0001> and <@U0DAVE001> already have this visit.');
  });

  it('Take all takes every open visit of the card and says privately what it took', async () => {
    h = await start();
    await askForCover(h, ALICE);
    await take(h, BOB, PATCH, '*09:00* Mr K');
    await pressCard(h, DAVE, PATCH, 'cover_take_all');
    expect(lastAnswer(h)).toBe('You took 2 visits: 08:00 Mrs P, 17:30 Mrs P. They are yours now.');
    expect(visitOf(h, PATCH, MONDAY, 'Mrs P', '08:00').assignee).toBe(DAVE);
    expect(visitOf(h, PATCH, MONDAY, 'Mrs P', '17:30').assignee).toBe(DAVE);
    expect(visitOf(h, PATCH, MONDAY, 'Mr K', '09:00').assignee).toBe(BOB);
    expect(line(card(h, PATCH), '*17:30* Mrs P').text.text).toContain('*1 of 2 taken*');
    // The other patch's card is untouched.
    expect(visitOf(h, P08, MONDAY, 'Mr T', '12:00').assignee).toBe(ALICE);
    expect(dm(ALICE)).toHaveLength(2); // one note per taker, listing what each took
    expect(dm(ALICE).find((t) => t.includes('U0DAVE001'))).toContain('took 2 of your visits');
  });

  it('someone not in the patch’s team is refused privately; forged values change nothing', async () => {
    h = await start();
    await askForCover(h, ALICE);
    await take(h, CAROL, PATCH, '*09:00* Mr K');
    expect(lastAnswer(h)).toBe(
      "You are not in this patch's team, so you can't take its visits. Ask a supervisor if that's wrong.",
    );
    await pressCard(h, CAROL, PATCH, 'cover_take_all');
    expect(lastAnswer(h)).toContain("You are not in this patch's team");
    // An item of the other patch's card, pressed on this card, by someone in both teams.
    const other = line(card(h, P08), '*12:00* Mr T').accessory?.value as string;
    const m = structuredClone(card(h, PATCH));
    for (const value of [other, '__proto__', 'constructor', '0', '-1', '99999', '1e3']) {
      await h.slack.action({ user: BOB, channel: PATCH, actionId: 'cover_take', value, messageTs: m.ts });
      await h.settle();
    }
    expect(h.fake.responses.slice(-7).map((r) => r.body.text)).toEqual([
      'That button does not fit this card. Use the cover card in the patch channel.',
      ...Array(6).fill('This cover request no longer exists.'),
    ]);
    for (const [actionId, value] of [
      ['cover_take_all', '__proto__'],
      ['cover_take_all', `${other}:1`],
      ['cover_withdraw', '__proto__'],
      ['cover_assign', 'toString'],
    ] as const) {
      await h.slack.action({ user: SUPER1, channel: PATCH, actionId, value, messageTs: m.ts });
      await h.settle();
    }
    expect(takes()).toEqual([]);
    expect(items().every((i) => i.status === 'open')).toBe(true);
    expect(h.bot.db.select().from(coverRequests).get()?.withdrawnAt).toBeNull();
    expect(visitOf(h, P08, MONDAY, 'Mr T', '12:00').assignee).toBe(ALICE);
  });
});

describe('withdrawing', () => {
  it('by the requester: the visits nobody took stay theirs, the taken ones stay taken, and no take is possible after', async () => {
    h = await start();
    await askForCover(h, ALICE);
    await take(h, BOB, PATCH, '*09:00* Mr K');
    const before = structuredClone(card(h, PATCH));
    await pressCard(h, BOB, PATCH, 'cover_withdraw');
    expect(lastAnswer(h)).toBe(
      'Only <@U0ALICE1> (who asked for cover), a supervisor or an admin can withdraw it.',
    );
    h.clock.set(Date.parse('2026-11-23T07:05:00Z'));
    await pressCard(h, ALICE, PATCH, 'cover_withdraw');
    const c = card(h, PATCH);
    expect(textOf(c)).toContain('*withdrawn* by <@U0ALICE1> at 07:05');
    expect(line(c, '*08:00* Mrs P').text.text).toContain('*Withdrawn*: <@U0ALICE1> goes');
    expect(line(c, '*09:00* Mr K').text.text).toContain('*Taken* by <@U0BOB0001>');
    expect(buttons(c)).toEqual([]);
    expect(textOf(card(h, P08))).toContain('*withdrawn*');
    expect(visitOf(h, PATCH, MONDAY, 'Mrs P', '08:00').assignee).toBe(ALICE);
    expect(visitOf(h, PATCH, MONDAY, 'Mr K', '09:00').assignee).toBe(BOB);
    await take(h, DAVE, PATCH, '*08:00* Mrs P', before);
    expect(lastAnswer(h)).toBe(
      'This cover request was withdrawn by <@U0ALICE1>: <@U0ALICE1> can go after all.',
    );
    expect(visitOf(h, PATCH, MONDAY, 'Mrs P', '08:00').assignee).toBe(ALICE);
    // Nothing goes to the supervisors for a withdrawn visit.
    await h.tickAt('2026-11-23T08:00:00Z');
    expect(supervisorsParents().filter((m) => m.text.includes('Uncovered'))).toEqual([]);
  });

  it('by a supervisor, for the requester', async () => {
    h = await start();
    await askForCover(h, ALICE);
    await pressCard(h, SUPER1, P08, 'cover_withdraw');
    expect(textOf(card(h, PATCH))).toContain('*withdrawn* by <@U0SUPER1>');
    expect(items().every((i) => i.status === 'withdrawn')).toBe(true);
  });
});

describe('a supervisor assigns', () => {
  it('from the card: Assign… opens a form with the open visits and the patch’s assistants; the visit becomes theirs', async () => {
    h = await start();
    await askForCover(h, ALICE);
    await pressCard(h, BOB, PATCH, 'cover_assign');
    expect(lastAnswer(h)).toBe('Only a supervisor or an admin can give a visit to someone.');
    expect(h.fake.views.filter((v) => v.view.callback_id === 'cover_assign_submit')).toHaveLength(0);
    await pressCard(h, SUPER1, PATCH, 'cover_assign');
    const opened = h.fake.views.at(-1);
    expect(opened?.view.callback_id).toBe('cover_assign_submit');
    const blocks = opened?.view.blocks as Array<{
      block_id?: string;
      element?: { options?: Array<{ text: { text: string }; value: string }> };
    }>;
    const itemOptions = blocks.find((b) => b.block_id === 'item')?.element?.options ?? [];
    expect(itemOptions.map((o) => o.text.text)).toEqual([
      '08:00 Mrs P · Morning wake-up',
      '09:00 Mr K · Breakfast',
      '17:30 Mrs P · Tea',
    ]);
    const people = blocks.find((b) => b.block_id === 'person')?.element?.options ?? [];
    expect(people.map((o) => o.value)).toEqual([BOB, DAVE]);
    const eight = itemOptions[0]?.value as string;
    // Forged: someone not in the list, an item of another card.
    const bad = await h.slack.submitView({
      user: SUPER1,
      view: {
        ...fillView({ ...opened?.view, id: opened?.id }, { item: eight, person: BOB }),
        state: {
          values: {
            item: { value: { type: 'static_select', selected_option: { value: '999' } } },
            person: { value: { type: 'radio_buttons', selected_option: { value: CAROL } } },
          },
        },
      },
    });
    expect((bad.json() as { errors: unknown }).errors).toEqual({
      item: 'That visit no longer needs cover. Choose another.',
      person: "<@U0CAROL1> is not one of this patch's assistants.",
    });
    h.clock.set(Date.parse('2026-11-23T07:20:00Z'));
    const res = await h.slack.submitView({
      user: SUPER1,
      view: fillView({ ...opened?.view, id: opened?.id }, { item: eight, person: DAVE }),
    });
    await h.settle();
    expect(res.body).toBe('');
    const visit = visitOf(h, PATCH, MONDAY, 'Mrs P', '08:00');
    expect(visit.assignee).toBe(DAVE);
    expect(events(visit.id)).toContain('assign:U0DAVE001 by U0SUPER1');
    expect(line(card(h, PATCH), '*08:00* Mrs P').text.text).toContain(
      ':white_check_mark: *Given to* <@U0DAVE001> by <@U0SUPER1> at 07:20',
    );
    expect(takes()).toEqual([expect.objectContaining({ userId: DAVE, assignedBy: SUPER1 })]);
    expect(dm(ALICE).join('\n')).toContain('(given by <@U0SUPER1>)');
  });
});

describe('an uncovered visit goes to the supervisors at its lead time', () => {
  it('exactly 60 minutes before it starts, with the note, and not when it was covered in time; Assign… on it covers it', async () => {
    h = await start();
    await askForCover(h, ALICE, { note: 'Migraine, sorry.' });
    await h.tickAt('2026-11-23T06:59:59Z');
    expect(supervisorsParents()).toEqual([]);
    await h.tickAt('2026-11-23T07:00:00Z');
    expect(supervisorsParents()).toHaveLength(1);
    const parent = supervisorsParents()[0] as FakeMessage;
    expect(textOf(parent)).toContain(':busts_in_silhouette: *Uncovered visit* · Westbury North <#C0PATCH07>');
    expect(textOf(parent)).toContain(
      '*Mrs P* · 08:00 Morning wake-up (45 min) · <@U0ALICE1> cannot come and the visit is not covered · starts at 08:00',
    );
    expect(textOf(parent)).toContain('Migraine, sorry.');
    expect(buttons(parent)).toEqual(['esc_acknowledge', 'esc_assign', 'esc_resolve']);
    expect(h.fake.replies(SUPERVISORS, parent.ts).map((m) => m.text)).toEqual([
      '<@U0SUPER2> you are on call: please acknowledge this uncovered visit.',
    ]);
    expect(line(card(h, PATCH), '*08:00* Mrs P').text.text).toContain(
      ':rotating_light: sent to the supervisors at 07:00',
    );
    // The 09:00 visit is taken before its lead time: nothing goes up for it.
    await take(h, BOB, PATCH, '*09:00* Mr K');
    await h.tickAt('2026-11-23T08:00:00Z');
    expect(supervisorsParents()).toHaveLength(1);

    h.clock.set(Date.parse('2026-11-23T07:10:00Z'));
    await h.slack.action({
      user: BOB,
      channel: SUPERVISORS,
      actionId: 'esc_assign',
      message: structuredClone(parent),
    });
    await h.settle();
    expect(lastAnswer(h)).toBe('Only a supervisor or an admin can give a visit to someone.');
    await h.slack.action({
      user: SUPER1,
      channel: SUPERVISORS,
      actionId: 'esc_assign',
      message: structuredClone(parent),
    });
    await h.settle();
    const opened = h.fake.views.at(-1);
    const item = (
      (opened?.view.blocks ?? []) as Array<{
        block_id?: string;
        element?: { options?: unknown[]; initial_option?: { text: { text: string }; value: string } };
      }>
    ).find((b) => b.block_id === 'item')?.element;
    expect(item?.options).toHaveLength(1);
    expect(item?.initial_option?.text.text).toBe('08:00 Mrs P · Morning wake-up');
    await h.slack.submitView({
      user: SUPER1,
      view: fillView({ ...opened?.view, id: opened?.id }, { person: DAVE }),
    });
    await h.settle();
    expect(visitOf(h, PATCH, MONDAY, 'Mrs P', '08:00').assignee).toBe(DAVE);
    expect(textOf(supervisorsParents()[0])).toContain(':white_check_mark: *Resolved*');
    expect(h.fake.replies(SUPERVISORS, parent.ts).at(-1)?.text).toBe(
      ':white_check_mark: Resolved: covered: <@U0DAVE001> has it (07:10).',
    );
  });

  it('follows the roster’s cover.escalate_minutes, also when it changes after the request was posted', async () => {
    h = await start();
    await askForCover(h, ALICE);
    expect(line(card(h, PATCH), '*08:00* Mrs P').text.text).toContain('to the supervisors at 07:00');
    reimport(`${readFileSync(COVER_ROSTER, 'utf8')}\ncover: { escalate_minutes: 30 }\n`);
    await h.settle();
    expect(line(card(h, PATCH), '*08:00* Mrs P').text.text).toContain('to the supervisors at 07:30');
    await h.tickAt('2026-11-23T07:29:00Z');
    expect(supervisorsParents()).toEqual([]);
    await h.tickAt('2026-11-23T07:30:00Z');
    expect(supervisorsParents()).toHaveLength(1);
  });
});

describe('the card follows its visits', () => {
  it('a taken visit marked arrived and done, an open one marked not needed, one called off when its plan is removed', async () => {
    h = await start();
    await askForCover(h, ALICE);
    await take(h, BOB, PATCH, '*09:00* Mr K');
    await h.tickAt('2026-11-23T07:00:00Z');
    const menu = async (user: string, client: string, label: string) => {
      const digest = structuredClone(
        h.fake.messages(PATCH).find((m) => m.text.startsWith('Rota for')) as FakeMessage,
      );
      const l = digest.blocks.find((b) =>
        (b.text as { text: string } | undefined)?.text.includes(client),
      ) as {
        block_id: string;
        accessory: { options: Array<{ text: { text: string }; value: string }> };
      };
      const option = l.accessory.options.find((o) => o.text.text === label);
      if (!option) throw new Error(`no ${label} on ${client}'s line`);
      await h.slack.action({
        user,
        channel: PATCH,
        actionId: 'rota_visit',
        blockId: l.block_id,
        value: option.value,
        message: digest,
      });
      await h.settle();
    };
    h.clock.set(Date.parse('2026-11-23T09:02:00Z'));
    await menu(BOB, 'Mr K', 'Arrived');
    expect(line(card(h, PATCH), '*09:00* Mr K').text.text).toContain(
      '*Taken* by <@U0BOB0001> at 06:40 · :house: arrived 09:02 (<@U0BOB0001>)',
    );
    await menu(DAVE, '*17:30* Mrs P', 'Not needed');
    const nn = h.fake.views.at(-1);
    await h.slack.submitView({
      user: DAVE,
      view: fillView({ ...nn?.view, id: nn?.id }, { reason: 'hospital' }),
    });
    await h.settle();
    expect(line(card(h, PATCH), '*17:30* Mrs P').text.text).toContain(
      ':no_entry_sign: *Not needed* (in hospital)',
    );
    expect(line(card(h, PATCH), '*17:30* Mrs P')).not.toHaveProperty('accessory');
    expect(items().find((i) => i.visitId === visitOf(h, PATCH, MONDAY, 'Mrs P', '17:30').id)?.status).toBe(
      'cancelled',
    );
    h.clock.set(Date.parse('2026-11-23T09:31:00Z'));
    await menu(BOB, 'Mr K', 'Done');
    expect(line(card(h, PATCH), '*09:00* Mr K').text.text).toContain(
      '*Taken* by <@U0BOB0001> at 06:40 · :white_check_mark: done 09:31 (<@U0BOB0001>)',
    );
    // Mr T's plan is removed from the roster: his visit is called off, and its card says so.
    reimport(readFileSync(COVER_ROSTER, 'utf8').replace(/ {6}- code: P08-01[\s\S]*?Lunch \}\n/, ''));
    await h.settle();
    expect(line(card(h, P08), '*12:00* Mr T').text.text).toContain(
      ':no_entry_sign: *Called off* (plan removed)',
    );
    expect(buttons(card(h, P08))).toEqual([]);
  });

  it('a roster re-import does not hand a covered visit back to the carer who is off', async () => {
    h = await start();
    await askForCover(h, ALICE);
    await take(h, BOB, PATCH, '*09:00* Mr K');
    reimport(
      readFileSync(COVER_ROSTER, 'utf8').replace(
        'minutes: 30, purpose: Breakfast }',
        'minutes: 40, purpose: Breakfast }',
      ),
    );
    const v = visitOf(h, PATCH, MONDAY, 'Mr K', '09:00');
    expect(v.minutes).toBe(40);
    expect(v.assignee).toBe(BOB);
    expect(getVisitRow(h.bot.db, v.id)?.plannedAssignee).toBe(ALICE);
  });
});

describe('periods across days and clock changes', () => {
  it('a request over midnight lists both days’ visits, and visits made later in its period join the card', async () => {
    h = await start('2026-11-23T15:00:00Z');
    await askForCover(h, ALICE, {
      start: secs('2026-11-23T16:00:00Z'),
      until: secs('2026-11-25T10:00:00Z'),
    });
    const c = card(h, PATCH);
    expect(textOf(c)).toContain("can't work Mon 23 Nov 16:00 – Wed 25 Nov 10:00");
    expect(textOf(c).match(/\*\w{3} \d+ Nov \d\d:\d\d\*/g)).toEqual([
      '*Mon 23 Nov 17:30*',
      '*Tue 24 Nov 08:00*',
      '*Tue 24 Nov 09:00*',
      '*Tue 24 Nov 17:30*',
    ]);
    // At midnight the roll-forward makes Wednesday's visits: the two in the period join the card.
    await h.tickAt('2026-11-24T00:00:00Z');
    expect(textOf(card(h, PATCH)).match(/\*\w{3} \d+ Nov \d\d:\d\d\*/g)).toEqual([
      '*Mon 23 Nov 17:30*',
      '*Tue 24 Nov 08:00*',
      '*Tue 24 Nov 09:00*',
      '*Tue 24 Nov 17:30*',
      '*Wed 25 Nov 08:00*',
      '*Wed 25 Nov 09:00*',
    ]);
    expect(cards(h, PATCH)).toHaveLength(1);
    // Wednesday's 08:00 goes to the supervisors at 07:00 on Wednesday, like the others.
    const wednesday = visitOf(h, PATCH, '2026-11-25', 'Mrs P', '08:00');
    const uncovered = () =>
      h.bot.db
        .select()
        .from(escalations)
        .where(eq(escalations.kind, 'uncovered_visit'))
        .all()
        .map((e) => e.visitId);
    await h.tickAt('2026-11-25T06:59:00Z');
    expect(uncovered()).not.toContain(wednesday.id);
    await h.tickAt('2026-11-25T07:00:00Z');
    expect(uncovered()).toContain(wednesday.id);
  });

  it('on the day the clocks go back: the period ends at 23:59 on the wall clock, and the lead time is real minutes', async () => {
    // 00:30 BST on Sunday 25 October 2026; the clocks go back at 02:00.
    h = await start('2026-10-24T23:30:00Z');
    await askForCover(h, ALICE);
    const c = card(h, PATCH);
    expect(textOf(c)).toContain("can't work Sun 25 Oct 00:30 – 23:59");
    expect(h.bot.db.select().from(coverRequests).get()?.toAt).toBe(Date.parse('2026-10-25T23:59:00Z'));
    expect(line(c, '*08:00* Mrs P').text.text).toContain('to the supervisors at 07:00 if still open');
    await h.tickAt('2026-10-25T06:59:00Z');
    expect(supervisorsParents()).toEqual([]);
    await h.tickAt('2026-10-25T07:00:00Z'); // 07:00 GMT: an hour before 08:00 GMT
    expect(supervisorsParents()).toHaveLength(1);
  });

  it('on the day the clocks go forward', async () => {
    // 00:30 GMT on Sunday 29 March 2026; at 01:00 the clocks go forward to 02:00.
    h = await start('2026-03-29T00:30:00Z');
    await askForCover(h, ALICE);
    expect(h.bot.db.select().from(coverRequests).get()?.toAt).toBe(Date.parse('2026-03-29T22:59:00Z'));
    await h.tickAt('2026-03-29T05:59:00Z');
    expect(supervisorsParents()).toEqual([]);
    await h.tickAt('2026-03-29T06:00:00Z'); // 07:00 BST
    expect(textOf(supervisorsParents()[0])).toContain('*Mrs P* · 08:00 Morning wake-up');
  });
});

describe('privacy', () => {
  it('logs carry ids and counts, never the note or a client’s name, even at debug level', async () => {
    const lines: string[] = [];
    h = await flow.start({
      at: '2026-11-23T06:40:00Z',
      roster: COVER_ROSTER,
      log: createLog('debug', (l) => lines.push(l)),
    });
    await askForCover(h, ALICE, { note: 'Stomach bug from the hospital visit' });
    await take(h, BOB, PATCH, '*09:00* Mr K');
    await h.tickAt('2026-11-23T07:00:00Z');
    await pressCard(h, ALICE, PATCH, 'cover_withdraw');
    const all = lines.join('\n');
    expect(all).toContain('"cover.requested"');
    expect(all).toContain('"cover.take"');
    expect(all).toContain('"cover.escalated"');
    for (const secret of ['Stomach', 'hospital', 'Mrs P', 'Mr K', 'Mr T', 'Morning wake-up'])
      expect(all).not.toContain(secret);
  });
});
