import { eq, inArray } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { visits } from '../../db/schema.ts';
import { getEscalation, insertEscalation } from '../../src/escalation/store.ts';
import { getHomeView } from '../../src/home/store.ts';
import { createLog } from '../../src/log.ts';
import { findPatchByChannel } from '../../src/patches/store.ts';
import { fixedVisitsOn, getVisitRow } from '../../src/visits/store.ts';
import {
  ALICE,
  BOB,
  CAROL,
  fillView,
  type Harness,
  PATCH,
  SUPER1,
  SUPER2,
  TEAM,
  useFlowHarness,
} from '../support/harness.ts';
import {
  ADMIN,
  askPopback,
  bigRoster,
  homeBlocks,
  homeText,
  openHome,
  pressInHome,
  publishes,
  requestCover,
  STRANGER,
  visitOf,
} from './support.ts';

const flow = useFlowHarness();
let h: Harness;
const PATCH8 = 'C0PATCH08';

describe('whose Home shows what', () => {
  it("never shows one patch's clients to an assistant of another, and a stranger sees no client at all", async () => {
    h = await flow.start({ at: '2026-11-23T07:30:00Z', roster: TEAM });
    await askPopback(h, ALICE, PATCH, 'Mrs P', { reason: 'Bin day' });
    await askPopback(h, CAROL, PATCH8, 'Mr T', { reason: 'Hearing aid whistling' });
    const now = h.clock.now();
    requestCover(h.bot.db, { requestedBy: BOB, visitIds: [visitOf(h, PATCH, 'Mr K')], now });
    requestCover(h.bot.db, { requestedBy: CAROL, visitIds: [visitOf(h, PATCH8, 'Mr T')], now });
    for (const user of [ALICE, CAROL, STRANGER]) await openHome(h, user);

    const alice = homeText(h, ALICE);
    expect(alice).toContain('== Your visits today ==');
    expect(alice).toContain(
      '*08:00* · *Mrs P* · Morning wake-up (45 min) · ⏰ time-critical · Westbury North',
    );
    expect(alice).toContain('[ Arrived ] [ Done ]');
    expect(alice).toContain('*Pop-back* for *Mrs P*');
    expect(alice).toContain('>Bin day');
    // Bob can't do Mr K's breakfast: Alice, in his patch, can take it.
    expect(alice).toMatch(
      /\*today 08:00\* · \*Mr K\* · Breakfast \(30 min\) · Westbury North · @bob can't come\n {2}\[ I'll take it \]/,
    );
    // The night supervisor is on call until 08:00.
    expect(alice).toContain('On call now: @priya');
    const aliceJson = JSON.stringify(homeBlocks(h, ALICE));
    for (const other of ['Mr T', 'Westbury South', 'Hearing aid']) expect(aliceJson).not.toContain(other);

    const carol = homeText(h, CAROL);
    expect(carol).toContain('*09:00* · *Mr T* · Shower (60 min) · Westbury South');
    expect(carol).toContain('*Pop-back* for *Mr T*');
    // Her own request for cover is not hers to take.
    expect(carol).toContain('Nobody in your patches needs cover.');
    const carolJson = JSON.stringify(homeBlocks(h, CAROL));
    for (const other of ['Mrs P', 'Mr K', 'Mrs D', 'Westbury North', 'Bin day']) {
      expect(carolJson).not.toContain(other);
    }

    const stranger = homeText(h, STRANGER);
    expect(stranger).toContain('You are not in a patch team, so there is nothing here for you.');
    expect(stranger).toContain('ask our admin: @admin');
    const strangerJson = JSON.stringify(homeBlocks(h, STRANGER));
    for (const name of ['Mrs P', 'Mr K', 'Mrs D', 'Mr T', 'Westbury', 'Bin day', 'Hearing aid']) {
      expect(strangerJson).not.toContain(name);
    }
    expect(homeBlocks(h, STRANGER).some((b) => b.type === 'actions' || b.accessory)).toBe(false);
  });

  it('shows a supervisor the open escalations, the late and missed visits and the uncovered ones; an admin also each patch', async () => {
    h = await flow.start({ at: '2026-11-23T07:30:00Z', roster: TEAM });
    requestCover(h.bot.db, {
      requestedBy: CAROL,
      visitIds: [visitOf(h, PATCH8, 'Mr T')],
      now: h.clock.now(),
    });
    await openHome(h, SUPER1);
    await openHome(h, ADMIN);
    await h.tickAt('2026-11-23T08:30:00Z');
    await h.tickAt('2026-11-23T08:36:00Z');

    const sam = homeText(h, SUPER1);
    expect(sam).toContain('== Open escalations ==');
    expect(sam).toMatch(
      /🔴 \*Missed visit\* · Westbury North · \*Mrs P\* · ⏰ time-critical\nraised 08:30 \(6 min ago\) · 🚨 \*nobody has it yet\*\n {2}\[ Acknowledge \] \[ Resolve \]/,
    );
    expect(sam).toContain('== Late and missed today ==');
    // Missed first, then late; the earliest first.
    const lines = sam.split('\n').filter((l) => /^(🔴|⚠️) \*(missed|late)\*/.test(l));
    expect(lines).toEqual([
      '🔴 *missed* · *08:00* *Mrs P* · Morning wake-up · Westbury North · @alice',
      '🔴 *missed* · *08:00* *Mr K* · Breakfast · Westbury North · @bob',
      '🔴 *missed* · *08:05* *Mrs D* · Breakfast and medication · Westbury North · @bob',
    ]);
    expect(sam).toContain('== Uncovered in the next 24 hours ==');
    expect(sam).toContain("*today 09:00* · *Mr T* · Shower (60 min) · Westbury South · @carol can't come");
    expect(sam).not.toContain('Patches today');

    const admin = homeText(h, ADMIN);
    expect(admin).toContain('== Open escalations ==');
    expect(admin).toContain('== Patches today ==');
    expect(admin).toContain('*P07* Westbury North · 4 planned · 0 done · 0 late · *3 missed*');
    expect(admin).toContain('*P08* Westbury South · 1 planned · 0 done · 0 late · 0 missed');
    expect(admin).toContain('Every message has been delivered to Slack (none parked).');
  });

  it('ignores the Messages tab: only the Home tab is published', async () => {
    h = await flow.start({ at: '2026-11-23T07:30:00Z', roster: TEAM });
    const res = await h.slack.event({
      type: 'app_home_opened',
      user: ALICE,
      channel: 'D0ALICE1',
      tab: 'messages',
      event_ts: '1795000000.000100',
    });
    expect(res.status).toBe(200);
    await h.settle();
    expect(h.fake.published).toEqual([]);
    expect(getHomeView(h.bot.db, ALICE)).toBeUndefined();
  });
});

describe('opening the Home', () => {
  it('a retried app_home_opened (X-Slack-Retry-Num, same event id) is acknowledged and does nothing twice', async () => {
    h = await flow.start({ at: '2026-11-23T07:30:00Z', roster: TEAM });
    const first = await openHome(h, ALICE, { eventId: 'Ev0RETRY01' });
    expect(first.status).toBe(200);
    expect(publishes(h, ALICE)).toBe(1);
    const openedAt = getHomeView(h.bot.db, ALICE)?.openedAt;
    h.clock.advance(60_000);
    const retried = await openHome(h, ALICE, {
      eventId: 'Ev0RETRY01',
      headers: { 'X-Slack-Retry-Num': '1', 'X-Slack-Retry-Reason': 'http_timeout' },
    });
    expect(retried.status).toBe(200);
    expect(publishes(h, ALICE)).toBe(1);
    expect(getHomeView(h.bot.db, ALICE)?.openedAt).toBe(openedAt);
    // A new opening (a new event) is published again, even though nothing on it changed.
    await openHome(h, ALICE, { eventId: 'Ev0RETRY02' });
    expect(publishes(h, ALICE)).toBe(2);
    expect(getHomeView(h.bot.db, ALICE)?.openedAt).toBe(h.clock.now());
  });
});

describe('keeping a Home up to date', () => {
  it('ten visits going late make one views.publish for a recent opener, and none for one who opened 13 hours ago', async () => {
    h = await flow.start({ at: '2026-11-22T19:00:00Z', roster: bigRoster(1, 10) });
    h.clock.set(Date.parse('2026-11-22T19:05:00Z'));
    await openHome(h, SUPER2);
    h.clock.set(Date.parse('2026-11-23T07:30:00Z'));
    await openHome(h, SUPER1);
    await openHome(h, ALICE);
    expect([publishes(h, SUPER1), publishes(h, SUPER2), publishes(h, ALICE)]).toEqual([1, 1, 1]);

    await h.tickAt('2026-11-23T08:12:00Z');
    const patch = findPatchByChannel(h.bot.db, 'C0P001X');
    const late = fixedVisitsOn(h.bot.db, patch?.id ?? 0, '2026-11-23').filter(
      (r) => r.visit.alertLevel === 'late',
    );
    expect(late).toHaveLength(10);
    expect(publishes(h, SUPER1)).toBe(2);
    expect(homeText(h, SUPER1).match(/⚠️ \*late\*/g)).toHaveLength(10);
    expect(publishes(h, ALICE)).toBe(2);
    expect(homeText(h, ALICE).match(/⚠️ \*late\*/g)).toHaveLength(5);
    // Opened 13 hours before: no longer followed.
    expect(publishes(h, SUPER2)).toBe(1);
    expect(homeText(h, SUPER2)).not.toContain('*late*');
  });

  it('an assistant of another patch is not refreshed by this patch’s changes; a supervisor is, by an escalation', async () => {
    h = await flow.start({ at: '2026-11-23T07:30:00Z', roster: TEAM });
    for (const user of [ALICE, CAROL, SUPER1]) await openHome(h, user);
    await askPopback(h, BOB, PATCH, 'Mr K');
    expect([publishes(h, ALICE), publishes(h, CAROL), publishes(h, SUPER1)]).toEqual([2, 1, 1]);
    await h.slack.command({ command: '/medissue', text: 'Mrs P', channel_id: PATCH, user_id: ALICE });
    await h.settle();
    const opened = h.fake.views.at(-1);
    await h.slack.submitView({
      user: ALICE,
      view: fillView({ ...(opened?.view ?? {}), id: opened?.id }, { what: 'refused', urgency: 'now' }),
    });
    await h.settle();
    expect(publishes(h, SUPER1)).toBe(2);
    expect(homeText(h, SUPER1)).toContain('💊 *Medication issue* · Westbury North · *Mrs P*');
    expect(publishes(h, CAROL)).toBe(1);
  });
});

describe('the 100-block limit', () => {
  it('a supervisor over 40 patches with 200 late or missed visits, 80 escalations and 150 uncovered visits: most urgent first, and how many more', async () => {
    h = await flow.start({ at: '2026-11-23T07:00:00Z', roster: bigRoster(40, 5) });
    const db = h.bot.db;
    const all = db.select().from(visits).where(eq(visits.occursOn, '2026-11-23')).all();
    expect(all).toHaveLength(200);
    const ids = all.map((v) => v.id).sort((a, b) => a - b);
    db.update(visits)
      .set({ alertLevel: 'late', lateAt: h.clock.now() })
      .where(inArray(visits.id, ids.slice(0, 100)))
      .run();
    db.update(visits)
      .set({ alertLevel: 'missed', missedAt: h.clock.now() })
      .where(inArray(visits.id, ids.slice(100)))
      .run();
    const base = Date.parse('2026-11-23T06:00:00Z');
    for (let i = 0; i < 80; i++) {
      // Raised in a shuffled order: the oldest must come first all the same.
      const at = base + ((i * 37) % 80) * 30_000;
      const v = all[i] as (typeof all)[number];
      insertEscalation(db, {
        kind: 'medication',
        patchId: v.patchId,
        clientId: null,
        visitId: null,
        what: 'refused',
        timeCritical: false,
        urgency: 'now',
        note: null,
        raisedBy: ALICE,
        raisedAt: at,
        source: 'command',
        status: i % 4 === 0 ? 'acknowledged' : 'open',
        ackedBy: i % 4 === 0 ? SUPER2 : null,
        ackedAt: i % 4 === 0 ? at + 60_000 : null,
      });
    }
    requestCover(db, { requestedBy: ALICE, visitIds: ids.slice(0, 150), now: h.clock.now() });
    await openHome(h, SUPER1);
    await openHome(h, ADMIN);

    for (const user of [SUPER1, ADMIN]) {
      const blocks = homeBlocks(h, user);
      expect(blocks.length).toBeLessThanOrEqual(100);
      expect(blocks.length).toBeGreaterThan(90);
    }
    const sam = homeText(h, SUPER1);
    const escIds = homeBlocks(h, SUPER1)
      .map((b) => String(b.block_id ?? ''))
      .filter((id) => /^home:esc:\d+$/.test(id))
      .map((id) => Number(id.split(':')[2]));
    expect(escIds.length).toBeGreaterThan(5);
    const raised = escIds.map((id) => getEscalation(db, id)?.raisedAt ?? 0);
    expect(raised[0]).toBe(base);
    expect(raised).toEqual([...raised].sort((a, b) => a - b));
    expect(sam).toContain(`…and ${80 - escIds.length} more open escalations`);
    const alertLines = sam.split('\n').filter((l) => /^(🔴|⚠️) \*(missed|late)\*/.test(l));
    expect(alertLines[0]).toMatch(/^🔴 \*missed\*/);
    expect(alertLines.length).toBeGreaterThan(10);
    expect(sam).toContain(`…and ${200 - alertLines.length} more late or missed visits`);
    const uncoveredLines = sam.split('\n').filter((l) => l.includes("@alice can't come"));
    expect(uncoveredLines.length).toBeGreaterThan(10);
    expect(sam).toContain(`…and ${150 - uncoveredLines.length} more uncovered visits`);

    const admin = homeText(h, ADMIN);
    expect(admin).toContain('== Patches today ==');
    // Every patch, those with missed visits first (they fit: ten to a block).
    const patchLines = admin.split('\n').filter((l) => /^\*P\d{3}\* Patch/.test(l));
    expect(patchLines).toHaveLength(40);
    expect(patchLines[0]).toBe('*P021* Patch 21 · 5 planned · 0 done · 0 late · *5 missed*');
    expect(patchLines[20]).toBe('*P001* Patch 1 · 5 planned · 0 done · *5 late* · 0 missed');
  });
});

describe('buttons on the Home', () => {
  it('Arrived, then Done, on my visit: the hub changes it, and my Home says so at once', async () => {
    h = await flow.start({ at: '2026-11-23T07:50:00Z', roster: TEAM });
    await openHome(h, ALICE);
    const visit = visitOf(h, PATCH, 'Mrs P');
    await pressInHome(h, ALICE, 'home_arrived', `home:visit:${visit}`);
    expect(getVisitRow(h.bot.db, visit)).toMatchObject({ status: 'arrived', arrivedBy: ALICE });
    expect(publishes(h, ALICE)).toBe(2);
    let alice = homeText(h, ALICE);
    expect(alice).toContain(
      'ℹ️ 07:50 · The 08:00 visit to Mrs P is now in progress (arrived 07:50), assigned to you.',
    );
    expect(alice).toMatch(/\*08:00\* · \*Mrs P\* .* · 🏠 arrived 07:50\n {2}\[ Done \]/);

    h.clock.advance(40 * 60_000);
    await pressInHome(h, ALICE, 'home_done', `home:visit:${visit}`);
    expect(getVisitRow(h.bot.db, visit)).toMatchObject({ status: 'done', doneBy: ALICE });
    alice = homeText(h, ALICE);
    expect(alice).toContain('(08:00 *Mrs P* ✅ done 08:30)');
    expect(alice).toContain('The 08:00 visit to Mrs P is now done (at 08:30), assigned to you.');

    // One tap: Done on a visit not yet arrived marks it arrived and done.
    const tea = visitOf(h, PATCH, 'Mrs P', '2026-11-23T17:30:00Z');
    await pressInHome(h, ALICE, 'home_done', `home:visit:${tea}`);
    expect(getVisitRow(h.bot.db, tea)).toMatchObject({ status: 'done', arrivedBy: ALICE, doneBy: ALICE });
    // The rota in the channel followed too (the same hub).
    expect(h.fake.responses).toEqual([]);
  });

  it('Claim on a pop-back; a second Claim from an out-of-date Home is told who has it, on the Home', async () => {
    h = await flow.start({ at: '2026-11-23T10:00:00Z', roster: TEAM });
    await openHome(h, ALICE);
    await openHome(h, BOB);
    await askPopback(h, CAROL, PATCH8, 'Mr T');
    await askPopback(h, BOB, PATCH, 'Mr K', { reason: 'Cannot find his glasses' });
    const bobsBefore = structuredClone(h.fake.home(BOB));
    const card = h.fake
      .messages(PATCH)
      .find((m) => String(m.metadata?.event_payload.subject).startsWith('popback:'));
    const visit = Number(String(card?.metadata?.event_payload.subject).split(':')[1]);
    expect(homeText(h, ALICE)).toMatch(
      /\*Pop-back\* for \*Mr K\* · as soon as possible\n>Cannot find his glasses\nneeds a carer · asked 10:00 by @bob · Westbury North\n {2}\[ Claim \]/,
    );

    await pressInHome(h, ALICE, 'home_claim', `home:flex:${visit}`);
    expect(getVisitRow(h.bot.db, visit)?.status).toBe('claimed');
    const alice = homeText(h, ALICE);
    expect(alice).toContain('@alice claimed it (1 of 1)');
    expect(alice).toContain('You have the Pop-back for *Mr K*: it stays here until it is done.');
    expect(alice).toMatch(/Westbury North\n {2}\[ Arrived \] \[ Done \]/);
    expect(JSON.stringify(card?.blocks)).toContain('Claimed');
    expect(homeText(h, BOB)).not.toContain('[ Claim ]');

    await pressInHome(h, BOB, 'home_claim', `home:flex:${visit}`, bobsBefore);
    expect(homeText(h, BOB)).toContain('ℹ️ 10:00 · @alice already has this visit.');
    expect(getVisitRow(h.bot.db, visit)?.status).toBe('claimed');
  });

  it('Acknowledge and Resolve on an escalation: the escalation’s own handlers act, and the Homes follow', async () => {
    const logged: string[] = [];
    h = await flow.start({
      at: '2026-11-23T10:00:00Z',
      roster: TEAM,
      log: createLog('warn', (l) => logged.push(l)),
    });
    await openHome(h, SUPER1);
    await openHome(h, SUPER2);
    await h.slack.command({ command: '/medissue', text: 'Mrs P', channel_id: PATCH, user_id: ALICE });
    await h.settle();
    const form = h.fake.views.at(-1);
    await h.slack.submitView({
      user: ALICE,
      view: fillView({ ...(form?.view ?? {}), id: form?.id }, { what: 'refused', urgency: 'now' }),
    });
    await h.settle();
    const escalationId = Number(
      String(h.fake.messages('C0SUPERV1').at(-1)?.metadata?.event_payload.subject ?? '').split(':')[1],
    );
    expect(homeText(h, SUPER2)).toMatch(/nobody has it yet\*\n {2}\[ Acknowledge \] \[ Resolve \]/);
    const priyasBefore = structuredClone(h.fake.home(SUPER2));

    h.clock.advance(2 * 60_000);
    await pressInHome(h, SUPER1, 'esc_acknowledge', `home:esc:${escalationId}`);
    expect(getEscalation(h.bot.db, escalationId)).toMatchObject({ status: 'acknowledged', ackedBy: SUPER1 });
    const sam = homeText(h, SUPER1);
    expect(sam).toContain(
      "ℹ️ 10:02 · You have the medication issue for *Mrs P* in Westbury North now: the supervisors' channel says so.",
    );
    expect(sam).toMatch(/🙋 @sam has it since 10:02\n {2}\[ Resolve \]/);
    expect(homeText(h, SUPER2)).toContain('@sam has it since 10:02');
    const parent = h.fake.messages('C0SUPERV1').at(-1);
    expect(JSON.stringify(parent?.blocks)).toContain('Acknowledged');

    // Priya's Home was out of date: her press is answered on her Home, and nothing breaks.
    await pressInHome(h, SUPER2, 'esc_acknowledge', `home:esc:${escalationId}`, priyasBefore);
    expect(homeText(h, SUPER2)).toContain(
      'ℹ️ 10:02 · @sam has the medication issue for *Mrs P* in Westbury North (since 10:02).',
    );
    expect(getEscalation(h.bot.db, escalationId)?.ackedBy).toBe(SUPER1);

    await pressInHome(h, SUPER1, 'esc_resolve', `home:esc:${escalationId}`);
    const modal = h.fake.views.at(-1);
    expect(modal?.view.callback_id).toBe('medissue_resolve');
    const res = await h.slack.submitView({
      user: SUPER1,
      view: fillView({ ...(modal?.view ?? {}), id: modal?.id }, { outcome: 'late_dose' }),
    });
    expect(res.body).toBe('');
    await h.settle();
    expect(getEscalation(h.bot.db, escalationId)?.status).toBe('resolved');
    for (const user of [SUPER1, SUPER2]) expect(homeText(h, user)).toContain('No open escalations.');
    expect(logged.filter((l) => l.includes('"level":"error"'))).toEqual([]);
  });
});

describe('cover from the Home', () => {
  it('Ask for cover opens the /cover form; I’ll take it on a real cover card takes the visit, and both Homes follow', async () => {
    h = await flow.start({ at: '2026-11-23T06:30:00Z', roster: TEAM });
    await openHome(h, BOB);
    await pressInHome(h, BOB, 'cover_open', 'home-cover');
    const form = h.fake.views.at(-1);
    expect(form?.view.callback_id).toBe('cover_submit');
    await h.slack.submitView({ user: BOB, view: fillView({ ...(form?.view ?? {}), id: form?.id }, {}) });
    await h.settle();
    const card = h.fake
      .messages(PATCH)
      .find((m) => String(m.metadata?.event_payload.subject).startsWith('cover:'));
    expect(card?.text).toContain('Cover needed');

    await openHome(h, ALICE);
    expect(homeText(h, ALICE)).toContain("@bob can't come");
    const mrK = visitOf(h, PATCH, 'Mr K');
    const before = publishes(h, ALICE);
    await pressInHome(h, ALICE, 'cover_take', 'home:cover:1');
    expect(getVisitRow(h.bot.db, mrK)?.assignee).toBe(ALICE);
    expect(homeText(h, ALICE)).toMatch(/\*08:00\* · \*Mr K\* · Breakfast/);
    expect(publishes(h, ALICE)).toBeGreaterThan(before);
    const updated = h.fake.messages(PATCH).find((m) => m.ts === card?.ts);
    expect(updated?.edits).toBeGreaterThan(0);
  });
});
