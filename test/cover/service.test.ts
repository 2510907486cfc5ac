import { readFileSync } from 'node:fs';
import { beforeEach, describe, expect, it } from 'vitest';
import { type Db, openDb } from '../../db/index.ts';
import { coverTakes } from '../../db/schema.ts';
import {
  assignItem,
  coverJob,
  coverReaction,
  postCover,
  takeItem,
  withdrawRequest,
} from '../../src/cover/service.ts';
import { itemsOfRequest } from '../../src/cover/store.ts';
import { silentLog } from '../../src/log.ts';
import { importRoster } from '../../src/patches/import.ts';
import { parseRoster } from '../../src/patches/roster.ts';
import { findPatchByChannel } from '../../src/patches/store.ts';
import { ManualClock } from '../../src/time.ts';
import { materializeAll } from '../../src/visits/plans.ts';
import type { Activity, Hub } from '../../src/visits/service.ts';
import { getVisitRow } from '../../src/visits/store.ts';
import { COVER_ROSTER, DAVE, P08 } from './support.ts';

/**
 * The cover services with a hub of their own: what they tell the activity hook (the App Home follows
 * it), and that the hub's guards (competencies) decide every take and assignment, the second carer's too.
 */

const ALICE = 'U0ALICE1';
const BOB = 'U0BOB0001';
const SUPER1 = 'U0SUPER1';

let db: Db;
let clock: ManualClock;
let activity: Activity[];
let refuse: Set<string>;
let hub: Hub;

const deps = () => ({ db, clock, log: silentLog, hub });
const patchId = (channel: string) => findPatchByChannel(db, channel)?.id as number;

beforeEach(() => {
  db = openDb(':memory:');
  clock = new ManualClock(Date.parse('2026-11-23T06:40:00Z'));
  activity = [];
  refuse = new Set();
  hub = {
    reactions: [(tx, c) => coverReaction(tx, c, hub)],
    // A rule such as a competency: some people may not take or be given these visits.
    guards: [
      (_tx, _visit, t, actor) =>
        (t.type === 'cover_take' && refuse.has(actor.userId)) || (t.type === 'assign' && refuse.has(t.to))
          ? { reason: 'rule', text: 'Not signed off for this visit’s tasks.' }
          : null,
    ],
    activity: [(_tx, a) => activity.push(a)],
  };
  const parsed = parseRoster(readFileSync(COVER_ROSTER, 'utf8'));
  if (!parsed.ok) throw new Error(parsed.errors.join('\n'));
  importRoster(db, parsed.roster, clock.now(), (tx) => {
    materializeAll(tx, hub, clock.now());
  });
});

function post() {
  const posted = postCover(deps(), {
    userId: ALICE,
    period: {
      fromAt: clock.now(),
      toAt: Date.parse('2026-11-23T23:59:00Z'),
      note: 'Flu',
    },
  });
  if (!posted.ok) throw new Error('nothing posted');
  return posted;
}

const itemAt = (requestId: number, channel: string, iso: string) => {
  const found = itemsOfRequest(db, requestId, patchId(channel)).find(
    (i) => getVisitRow(db, i.visitId)?.startsAt === Date.parse(iso),
  );
  if (!found) throw new Error(`no item at ${iso}`);
  return found;
};

describe('the activity hook', () => {
  it('is told of every patch whose cover changes: posting, a take, a withdrawal', () => {
    const { requestId } = post();
    expect(activity).toEqual([
      { patchId: patchId('C0PATCH07'), at: clock.now() },
      { patchId: patchId(P08), at: clock.now() },
    ]);
    activity.length = 0;
    clock.set(Date.parse('2026-11-23T06:45:00Z'));
    expect(takeItem(deps(), itemAt(requestId, P08, '2026-11-23T12:00:00Z').id, 'U0CAROL1', P08)).toEqual({
      ok: true,
    });
    expect(activity).toContainEqual({ patchId: patchId(P08), at: clock.now() });
    activity.length = 0;
    expect(withdrawRequest(deps(), requestId, ALICE)).toEqual({ ok: true, withdrawn: 3, kept: 1 });
    expect(activity).toEqual([
      { patchId: patchId('C0PATCH07'), at: clock.now() },
      { patchId: patchId(P08), at: clock.now() },
    ]);
  });
});

describe('the hub’s guards decide every take', () => {
  it('refuse the lead taker with their own words, and nothing is recorded', () => {
    const { requestId } = post();
    refuse.add(BOB);
    const item = itemAt(requestId, 'C0PATCH07', '2026-11-23T08:00:00Z');
    expect(takeItem(deps(), item.id, BOB, 'C0PATCH07')).toEqual({
      ok: false,
      refusal: { reason: 'hub', text: 'Not signed off for this visit’s tasks.' },
    });
    expect(getVisitRow(db, item.visitId)?.assignee).toBe(ALICE);
    expect(db.select().from(coverTakes).all()).toEqual([]);
  });

  it('refuse a second carer too, though the visit itself would not change', () => {
    const { requestId } = post();
    const item = itemAt(requestId, 'C0PATCH07', '2026-11-23T17:30:00Z');
    expect(takeItem(deps(), item.id, BOB, 'C0PATCH07').ok).toBe(true);
    refuse.add(DAVE);
    expect(takeItem(deps(), item.id, DAVE, 'C0PATCH07')).toMatchObject({
      ok: false,
      refusal: { reason: 'hub' },
    });
    expect(
      db
        .select()
        .from(coverTakes)
        .all()
        .map((t) => t.userId),
    ).toEqual([BOB]);
    refuse.delete(DAVE);
    expect(takeItem(deps(), item.id, DAVE, 'C0PATCH07').ok).toBe(true);
  });

  it('refuse an assignment to someone the rule does not allow', () => {
    const { requestId } = post();
    refuse.add(DAVE);
    const item = itemAt(requestId, 'C0PATCH07', '2026-11-23T09:00:00Z');
    expect(assignItem(deps(), { itemId: item.id, to: DAVE, by: SUPER1 })).toEqual({
      ok: false,
      refusal: { reason: 'hub', text: 'Not signed off for this visit’s tasks.' },
    });
    expect(assignItem(deps(), { itemId: item.id, to: BOB, by: SUPER1 })).toEqual({ ok: true });
    expect(getVisitRow(db, item.visitId)?.assignee).toBe(BOB);
  });

  it('someone who asked for cover themselves at that time cannot take or be given a visit then', () => {
    const { requestId } = post();
    postCover(deps(), {
      userId: BOB,
      period: { fromAt: clock.now(), toAt: Date.parse('2026-11-23T10:00:00Z'), note: null },
    });
    const item = itemAt(requestId, 'C0PATCH07', '2026-11-23T09:00:00Z');
    expect(takeItem(deps(), item.id, BOB, 'C0PATCH07')).toEqual({
      ok: false,
      refusal: { reason: 'off_too' },
    });
    expect(assignItem(deps(), { itemId: item.id, to: BOB, by: SUPER1 })).toMatchObject({ ok: false });
    // Later in the day Bob is back: his 17:30 take stands.
    const tea = itemAt(requestId, 'C0PATCH07', '2026-11-23T17:30:00Z');
    expect(takeItem(deps(), tea.id, BOB, 'C0PATCH07').ok).toBe(true);
  });
});

describe('the lead-time job', () => {
  it('answers nextDue with an index probe, and its look-ups use their indexes', () => {
    post();
    const job = coverJob(deps());
    expect(job.nextDue(db)).toBe(Date.parse('2026-11-23T07:00:00Z'));
    const plan = (sql: string) =>
      (db.$client.prepare(`EXPLAIN QUERY PLAN ${sql}`).all() as Array<{ detail: string }>)
        .map((r) => r.detail)
        .join(' ');
    expect(plan('SELECT min(escalate_at) FROM cover_items WHERE escalate_at IS NOT NULL')).toContain(
      'cover_items_escalate',
    );
    expect(
      plan(
        "SELECT * FROM cover_requests WHERE requested_by = 'U0ALICE1' AND to_at >= 1 AND from_at <= 1 AND withdrawn_at IS NULL",
      ),
    ).toContain('cover_requests_person');
  });

  it('does nothing before an item is due, and each item once', async () => {
    post();
    const job = coverJob(deps());
    expect(await job.run(Date.parse('2026-11-23T06:59:59Z'))).toBe(0);
    expect(await job.run(Date.parse('2026-11-23T07:00:00Z'))).toBe(1);
    expect(await job.run(Date.parse('2026-11-23T07:00:00Z'))).toBe(0);
    expect(job.nextDue(db)).toBe(Date.parse('2026-11-23T08:00:00Z'));
  });
});
