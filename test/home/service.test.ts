import { readFileSync } from 'node:fs';
import { like } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { inTransaction, openDb } from '../../db/index.ts';
import { coverTakes, slackMessages } from '../../db/schema.ts';
import {
  acknowledge,
  advanceEscalations,
  raiseMedicationIssue,
  resolve,
} from '../../src/escalation/service.ts';
import { getEscalation } from '../../src/escalation/store.ts';
import { loadHome, renderHome } from '../../src/home/service.ts';
import { recordOpening } from '../../src/home/store.ts';
import { type HomeData, homeView } from '../../src/home/views.ts';
import { hub, importRosterWithVisits } from '../../src/hub.ts';
import { silentLog } from '../../src/log.ts';
import { parseRoster } from '../../src/patches/roster.ts';
import { findPatchByChannel } from '../../src/patches/store.ts';
import { markDue, park } from '../../src/slack/outbox.ts';
import { ManualClock } from '../../src/time.ts';
import { changeVisit, notifyActivity } from '../../src/visits/service.ts';
import { fixedVisitsOn } from '../../src/visits/store.ts';
import { renderBlocks } from '../demo/transcript.ts';
import { ALICE, BOB, CAROL, SUPER1, TEAM } from '../support/harness.ts';
import { checkView } from '../support/slack/blocks.ts';
import { ADMIN, NAMES, requestCover, STRANGER } from './support.ts';

/** The Home's rules against a real database, without Slack: whose Homes are marked due, what they show. */

function setUp(at: string) {
  const db = openDb(':memory:');
  const clock = new ManualClock(Date.parse(at));
  const parsed = parseRoster(readFileSync(TEAM, 'utf8'));
  if (!parsed.ok) throw new Error(parsed.errors.join('; '));
  importRosterWithVisits(db, parsed.roster, clock.now());
  const p07 = findPatchByChannel(db, 'C0PATCH07')?.id as number;
  const p08 = findPatchByChannel(db, 'C0PATCH08')?.id as number;
  return { db, clock, p07, p08, deps: { db, clock, log: silentLog, hub } };
}

const dueHomes = (db: ReturnType<typeof openDb>): string[] =>
  db
    .select({ channel: slackMessages.channel })
    .from(slackMessages)
    .where(like(slackMessages.subject, 'home:%'))
    .all()
    .map((r) => r.channel)
    .sort();

const clearHomes = (db: ReturnType<typeof openDb>) =>
  db.delete(slackMessages).where(like(slackMessages.subject, 'home:%')).run();

describe('which Homes follow a change', () => {
  it('activity in a patch: its team and every supervisor or admin who opened a Home in the last 12 hours', () => {
    const { db, clock, p07, p08 } = setUp('2026-11-23T10:00:00Z');
    const now = clock.now();
    for (const user of [ALICE, CAROL, SUPER1, ADMIN, STRANGER]) recordOpening(db, user, now - 60_000);
    recordOpening(db, BOB, now - 13 * 60 * 60_000);
    inTransaction(db, (tx) => notifyActivity(tx, hub, { patchId: p07, at: now }));
    expect(dueHomes(db)).toEqual([ADMIN, ALICE, SUPER1].sort());
    clearHomes(db);
    inTransaction(db, (tx) => notifyActivity(tx, hub, { patchId: p08, at: now }));
    expect(dueHomes(db)).toEqual([ADMIN, CAROL, SUPER1].sort());
    clearHomes(db);
    inTransaction(db, (tx) => notifyActivity(tx, hub, { patchId: null, at: now }));
    expect(dueHomes(db)).toEqual([ADMIN, ALICE, CAROL, SUPER1, STRANGER].sort());
  });

  it("a visit change: the patch's recent openers, and supervisors and admins when it is something they see", () => {
    const { db, clock, p07, deps } = setUp('2026-11-23T07:00:00Z');
    const now = clock.now();
    for (const user of [ALICE, BOB, CAROL, SUPER1, ADMIN]) recordOpening(db, user, now);
    clearHomes(db);
    const mrsD = fixedVisitsOn(db, p07, '2026-11-23').find((r) => r.clientName === 'Mrs D')?.visit.id ?? 0;
    expect(changeVisit(deps, mrsD, { type: 'takeover' }, ALICE).ok).toBe(true);
    expect(dueHomes(db)).toEqual([ADMIN, ALICE, BOB, SUPER1].sort());

    // Tomorrow's visit: today's Homes don't show it.
    clearHomes(db);
    const tomorrow =
      fixedVisitsOn(db, p07, '2026-11-24').find((r) => r.clientName === 'Mrs D')?.visit.id ?? 0;
    expect(changeVisit(deps, tomorrow, { type: 'takeover' }, ALICE).ok).toBe(true);
    expect(dueHomes(db)).toEqual([]);

    // A refused press changes nothing anyone sees.
    clearHomes(db);
    expect(changeVisit(deps, mrsD, { type: 'takeover' }, ALICE).ok).toBe(false);
    expect(dueHomes(db)).toEqual([]);
  });

  it('the escalation chain reports its steps: a supervisor who opened their Home sees them', async () => {
    const { db, clock, p07, deps } = setUp('2026-11-23T10:00:00Z');
    recordOpening(db, SUPER1, clock.now());
    recordOpening(db, CAROL, clock.now());
    const id = raiseMedicationIssue(deps, {
      patchId: p07,
      patchChannel: 'C0PATCH07',
      clientId: null,
      visitId: null,
      what: 'refused',
      timeCritical: false,
      urgency: 'now',
      note: null,
      raisedBy: ALICE,
      source: 'command',
    });
    expect(dueHomes(db)).toEqual([SUPER1]);
    clearHomes(db);
    expect(await advanceEscalations(deps, clock.now() + 11 * 60_000)).toBeGreaterThan(0);
    expect(getEscalation(db, id)?.step).toBe(1);
    expect(dueHomes(db)).toEqual([SUPER1]);
    clearHomes(db);
    clock.advance(12 * 60_000);
    expect(acknowledge(deps, id, SUPER1).ok).toBe(true);
    expect(dueHomes(db)).toEqual([SUPER1]);
    clearHomes(db);
    expect(resolve(deps, id, SUPER1, 'late_dose', null).ok).toBe(true);
    expect(dueHomes(db)).toEqual([SUPER1]);
  });

  it('nobody opened a Home lately: nothing is marked due at all', () => {
    const { db, clock, p07, deps } = setUp('2026-11-23T07:00:00Z');
    recordOpening(db, ALICE, clock.now() - 12 * 60 * 60_000 - 1);
    const mrsP = fixedVisitsOn(db, p07, '2026-11-23').find((r) => r.clientName === 'Mrs P')?.visit.id ?? 0;
    expect(changeVisit(deps, mrsP, { type: 'arrive' }, ALICE).ok).toBe(true);
    expect(dueHomes(db)).toEqual([]);
  });
});

describe('what a Home shows', () => {
  it("today is the provider's local day: just after midnight on the day the clocks go forward", () => {
    // 23:30 UTC on 29 March is 00:30 BST on Monday 30 March in London.
    const { db } = setUp('2026-03-29T23:30:00Z');
    const rendered = renderHome(db, `home:${ALICE}`, Date.parse('2026-03-29T23:30:00Z'));
    const text = renderBlocks((rendered?.home?.blocks ?? []) as unknown[], '', NAMES).join('\n');
    expect(text).toContain('== Monday 30 March ==');
    expect(text).toContain('(As of 00:30');
    expect(text).toContain('*08:00* · *Mrs P* · Morning wake-up');
    expect(text).toContain('*17:30* · *Mrs P* · Tea');
    const data = loadHome(db, ALICE, Date.parse('2026-03-29T23:30:00Z'));
    expect(data.assistant?.visits.map((v) => v.visit.occursOn)).toEqual(['2026-03-30', '2026-03-30']);
    // 08:00 BST is 07:00 UTC.
    expect(data.assistant?.visits[0]?.visit.startsAt).toBe(Date.parse('2026-03-30T07:00:00Z'));
  });

  it("an admin's Home counts the parked (undeliverable) messages", () => {
    const { db, clock } = setUp('2026-11-23T07:00:00Z');
    expect(loadHome(db, ADMIN, clock.now()).admin?.parked).toBe(0);
    markDue(db, { subject: 'popback:999', channel: 'C0PATCH07', priority: 2 }, clock.now());
    park(db, 'popback:999', clock.now(), 'channel_not_found');
    expect(loadHome(db, ADMIN, clock.now()).admin?.parked).toBe(1);
    expect(loadHome(db, SUPER1, clock.now()).admin).toBeUndefined();
  });

  it('a subject that is not a user id renders to nothing', () => {
    const { db, clock } = setUp('2026-11-23T07:00:00Z');
    expect(renderHome(db, 'home:C0PATCH07', clock.now())).toBeNull();
    expect(renderHome(db, 'home:', clock.now())).toBeNull();
  });

  it('an admin over 1,000 patches: the ones with missed and late visits first, within 100 blocks, and how many more', () => {
    const patches = Array.from({ length: 1000 }, (_, i) => ({
      patchId: i + 1,
      code: `P${String(i + 1).padStart(4, '0')}`,
      name: `Patch ${i + 1}`,
      planned: 50,
      done: 20,
      late: i % 7 === 0 ? 2 : 0,
      missed: i % 13 === 0 ? 1 : 0,
    }));
    const data: HomeData = {
      userId: ADMIN,
      now: Date.parse('2026-11-23T10:00:00Z'),
      zone: 'Europe/London',
      roles: { patchIds: [], supervisor: false, admin: true },
      notice: null,
      onCall: SUPER1,
      admins: [],
      supervisor: { escalations: [], lateMissed: [], uncovered: [] },
      admin: { patches, parked: 3 },
    };
    const { home } = homeView(data);
    expect(checkView(home)).toEqual([]);
    expect(home.blocks.length).toBeLessThanOrEqual(100);
    const text = renderBlocks(home.blocks as unknown[], '', NAMES).join('\n');
    const shown = text.split('\n').filter((l) => /^\*P\d{4}\*/.test(l));
    expect(shown.length).toBeGreaterThan(500);
    expect(text).toContain(`…and ${1000 - shown.length} more patches`);
    expect(text).toContain('⚠️ *3* messages could not be delivered to Slack and are parked');
    // Patches are handed in already in order; the view keeps it.
    expect(shown[0]).toBe('*P0001* Patch 1 · 50 planned · 20 done · *2 late* · *1 missed*');
  });

  it('a stranger is told what patchbot is and who to ask, and nothing else', () => {
    const { db, clock } = setUp('2026-11-23T07:00:00Z');
    const rendered = renderHome(db, `home:${STRANGER}`, clock.now());
    const text = renderBlocks((rendered?.home?.blocks ?? []) as unknown[], '', NAMES).join('\n');
    expect(text).toBe(
      [
        '== patchbot ==',
        'patchbot runs the day of our home-care patch teams in Slack: pop-back visits, the daily rota, late-visit alerts, cover and medication escalations.',
        'You are not in a patch team, so there is nothing here for you. If you should be, ask our admin: @admin.',
      ].join('\n'),
    );
  });
});

describe('cover an assistant can take', () => {
  it('open items of their patches, not their own request, not one they took, before the visit starts', () => {
    const { db, clock, p07 } = setUp('2026-11-23T07:00:00Z');
    const now = clock.now();
    const today = fixedVisitsOn(db, p07, '2026-11-23');
    const id = (name: string) => today.find((r) => r.clientName === name)?.visit.id ?? 0;
    const [mrK] = requestCover(db, { requestedBy: BOB, visitIds: [id('Mr K')], now, slots: 2 });
    const [mrsD] = requestCover(db, { requestedBy: BOB, visitIds: [id('Mrs D')], now });
    requestCover(db, { requestedBy: ALICE, visitIds: [id('Mrs P')], now });
    db.insert(coverTakes)
      .values({ itemId: mrsD as number, userId: ALICE, takenAt: now })
      .run();
    db.insert(coverTakes)
      .values({ itemId: mrK as number, userId: CAROL, takenAt: now, assignedBy: SUPER1 })
      .run();
    const cover = loadHome(db, ALICE, now).assistant?.cover ?? [];
    expect(cover.map((c) => [c.clientName, c.taken, c.slots])).toEqual([['Mr K', 1, 2]]);
    // Bob asked for all three: his own are not his to take; Mrs P's (Alice's request) is.
    expect(loadHome(db, BOB, now).assistant?.cover.map((c) => c.clientName)).toEqual(['Mrs P']);
    // Once the visit has started it is past taking (and no longer "in the next 24 hours" either).
    const later = Date.parse('2026-11-23T08:06:00Z');
    expect(loadHome(db, ALICE, later).assistant?.cover).toEqual([]);
    expect(loadHome(db, SUPER1, now).supervisor?.uncovered.map((c) => c.clientName)).toEqual([
      'Mr K',
      'Mrs P',
      'Mrs D',
    ]);
    expect(loadHome(db, SUPER1, later).supervisor?.uncovered).toEqual([]);
  });
});
