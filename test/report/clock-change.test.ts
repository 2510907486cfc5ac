import { describe, expect, it } from 'vitest';
import { buildReport } from '../../src/report/service.ts';
import { TEAM } from '../support/harness.ts';
import { escalation, fixed, flexible, rosterDb } from './seed.ts';

/**
 * The weeks with a clock change count their 23- and 25-hour days once and put everything at the right
 * side of a local midnight. London: BST starts 01:00 GMT on Sunday 29 March 2026 (week 13, 167 hours);
 * it ends 02:00 BST on Sunday 25 October 2026 (week 43, 169 hours). A report that cut weeks at UTC
 * midnights would put the hour before Monday 30 March 00:00 BST (23:00–23:59 UTC) in week 13, and the
 * first hour of Monday 19 October BST (23:00–23:59 UTC on the 18th) in week 42.
 */

const ALICE = 'U0ALICE1';
const popback = (db: ReturnType<typeof rosterDb>, created: string) =>
  flexible(db, { patch: 'P07', clients: ['P07-01'], created });

describe('the week the clocks go forward (2026-W13, 23 – 29 March)', () => {
  const db = rosterDb(TEAM, '2026-03-01T00:00:00Z');
  // Fixed visits at 00:00 on the first Monday, 01:30 on the short Sunday (a time that does not exist:
  // read as 02:30 BST, 01:30 UTC), 23:30 on that Sunday (22:30 UTC), and 00:30 on the next Monday (week 14).
  fixed(db, {
    patch: 'P07',
    client: 'P07-01',
    date: '2026-03-23',
    at: '00:00',
    minutes: 30,
    plannedAssignee: ALICE,
    arrive: { after: 0, by: ALICE },
    done: { after: 30, by: ALICE },
  });
  fixed(db, {
    patch: 'P07',
    client: 'P07-01',
    date: '2026-03-29',
    at: '01:30',
    minutes: 30,
    plannedAssignee: ALICE,
    arrive: { after: 4, by: ALICE },
    done: { after: 30, by: ALICE },
  });
  fixed(db, {
    patch: 'P07',
    client: 'P07-02',
    date: '2026-03-29',
    at: '23:30',
    minutes: 30,
    plannedAssignee: ALICE,
    missedAfter: 15,
  });
  fixed(db, {
    patch: 'P07',
    client: 'P07-01',
    date: '2026-03-30',
    at: '00:30',
    minutes: 30,
    plannedAssignee: ALICE,
    missedAfter: 15,
  });
  // Pop-backs either side of each boundary.
  popback(db, '2026-03-22T23:59:00Z'); // Sun 22 23:59 GMT: week 12
  popback(db, '2026-03-23T00:00:00Z'); // Mon 23 00:00 GMT: week 13
  popback(db, '2026-03-29T00:59:00Z'); // Sun 29 00:59 GMT, just before the change: week 13
  popback(db, '2026-03-29T01:00:00Z'); // Sun 29 02:00 BST, just after: week 13
  popback(db, '2026-03-29T22:59:00Z'); // Sun 29 23:59 BST: week 13
  popback(db, '2026-03-29T23:00:00Z'); // Mon 30 00:00 BST: week 14
  escalation(db, {
    patch: 'P07',
    kind: 'medication',
    raised: '2026-03-29T22:30:00Z',
    acked: '2026-03-29T22:35:00Z',
  }); // Sun 23:30 BST
  escalation(db, { patch: 'P07', kind: 'medication', raised: '2026-03-29T23:30:00Z' }); // Mon 00:30 BST: week 14

  it('counts each visit and request once, on its local day', () => {
    const p07 = buildReport(db, { year: 2026, week: 13 }).patches[0];
    // Visits: Mon 00:00, Sun 01:30 (02:30 BST), Sun 23:30 → 3 planned; 1 missed (Sun 23:30).
    expect(p07?.current).toMatchObject({ planned: 3, done: 2, missed: 1, late: 0 });
    // Lateness 0 and 4 minutes (not 64: the hour that never was is not counted).
    expect(p07?.current.latenessP90).toBe(4);
    // Requests: Mon 00:00 GMT, Sun 00:59 GMT, Sun 02:00 BST, Sun 23:59 BST = 4.
    expect(p07?.current.popbacksRequested).toBe(4);
    expect(p07?.current).toMatchObject({ medIssues: 1, medAcknowledged: 1, ackMedian: 5 });
    // The week before: Sun 22 23:59 only.
    expect(p07?.previous.popbacksRequested).toBe(1);
    const next = buildReport(db, { year: 2026, week: 14 }).patches[0];
    expect(next?.current).toMatchObject({ planned: 1, missed: 1, popbacksRequested: 1, medIssues: 1 });
  });
});

describe('the week the clocks go back (2026-W43, 19 – 25 October)', () => {
  const db = rosterDb(TEAM, '2026-10-01T00:00:00Z');
  // Sun 25 at 00:30 BST (23:30 UTC on the 24th): Alice arrives at 01:45 GMT, 2 h 15 min later by the
  // clock on the wall of the world, though the wall clock moved only 1 h 15 min.
  fixed(db, {
    patch: 'P07',
    client: 'P07-01',
    date: '2026-10-25',
    at: '00:30',
    minutes: 45,
    plannedAssignee: ALICE,
    arrive: { after: 135, by: ALICE },
    done: { after: 180, by: ALICE },
  });
  // Sun 25 at 01:30: the first 01:30 (BST) is the visit's time; counted once.
  fixed(db, {
    patch: 'P07',
    client: 'P07-02',
    date: '2026-10-25',
    at: '01:30',
    minutes: 30,
    plannedAssignee: ALICE,
    arrive: { after: 0, by: ALICE },
    done: { after: 30, by: ALICE },
  });
  // Mon 19 at 00:00 BST (23:00 UTC on Sunday 18th): in week 43.
  fixed(db, {
    patch: 'P07',
    client: 'P07-03',
    date: '2026-10-19',
    at: '00:00',
    minutes: 30,
    plannedAssignee: ALICE,
    arrive: { after: 0, by: ALICE },
    done: { after: 30, by: ALICE },
  });
  popback(db, '2026-10-18T22:59:00Z'); // Sun 18 23:59 BST: week 42
  popback(db, '2026-10-18T23:00:00Z'); // Mon 19 00:00 BST: week 43
  popback(db, '2026-10-25T00:30:00Z'); // Sun 25 01:30 BST (the first 01:30): week 43
  popback(db, '2026-10-25T01:30:00Z'); // Sun 25 01:30 GMT (the second 01:30): week 43
  popback(db, '2026-10-25T23:59:00Z'); // Sun 25 23:59 GMT: week 43
  popback(db, '2026-10-26T00:00:00Z'); // Mon 26 00:00 GMT: week 44

  it('counts the repeated hour twice over, as it happened, and each visit once', () => {
    const p07 = buildReport(db, { year: 2026, week: 43 }).patches[0];
    expect(p07?.current).toMatchObject({ planned: 3, done: 3, missed: 0 });
    // Lateness 135, 0, 0 → p50 0, p90 135 minutes of real time.
    expect(p07?.current).toMatchObject({ latenessP50: 0, latenessP90: 135, late: 1 });
    // Requests: Mon 19 00:00 BST, both 01:30s, Sun 23:59 GMT = 4.
    expect(p07?.current.popbacksRequested).toBe(4);
    expect(p07?.previous.popbacksRequested).toBe(1);
    expect(buildReport(db, { year: 2026, week: 44 }).patches[0]?.current.popbacksRequested).toBe(1);
  });
});
