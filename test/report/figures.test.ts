import { beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../db/index.ts';
import { reportFigures } from '../../db/schema.ts';
import type { Figures } from '../../src/report/model.ts';
import { buildReport, computeSummaries, renderReport } from '../../src/report/service.ts';
import { patchFacts, savedSummaries, saveSummaries } from '../../src/report/store.ts';
import { reportRows, reportText } from '../../src/report/views.ts';
import { TEAM } from '../support/harness.ts';
import { coverItem, escalation, fixed, flexible, rosterDb } from './seed.ts';

/**
 * A week worked out by hand: patch P07 (Mrs P, Mr K, Mrs D; key workers Alice, Bob, Bob) and P08
 * (Mr T, Carol) in week 48 of 2026 (Mon 23 – Sun 29 November) and the week before, seeded as history.
 * London is on GMT in November, so every instant below is also the local time. The provider's late
 * threshold is 10 minutes (test/fixtures/team.yml); time-critical visits are late at 10 too.
 */

const ALICE = 'U0ALICE1';
const BOB = 'U0BOB0001';
const CAROL = 'U0CAROL1';
const DAVE = 'U0DAVE001';
const ERIN = 'U0ERIN001';
const FRANK = 'U0FRANK01';

let db: Db;
const ids: Record<string, number> = {};
const id = (name: string): number => {
  const found = ids[name];
  if (found === undefined) throw new Error(`no visit ${name}`);
  return found;
};

beforeAll(() => {
  db = rosterDb(TEAM);
  const v = (name: string, id: number) => {
    ids[name] = id;
  };
  // ---- week 48, P07: fixed visits ----
  // 1. Mon 08:00 Mrs P (45 min, time-critical): Alice arrives 08:03, done 08:45.
  v(
    '1',
    fixed(db, {
      patch: 'P07',
      client: 'P07-01',
      date: '2026-11-23',
      at: '08:00',
      minutes: 45,
      timeCritical: true,
      plannedAssignee: ALICE,
      arrive: { after: 3, by: ALICE },
      done: { after: 45, by: ALICE },
    }),
  );
  // 2. Mon 08:00 Mr K (30): Bob arrives 08:12 (late: 12 ≥ 10), done 08:40.
  v(
    '2',
    fixed(db, {
      patch: 'P07',
      client: 'P07-02',
      date: '2026-11-23',
      at: '08:00',
      minutes: 30,
      plannedAssignee: BOB,
      arrive: { after: 12, by: BOB },
      done: { after: 40, by: BOB },
    }),
  );
  // 3. Mon 08:05 Mrs D (30): nobody; missed at 08:20.
  v(
    '3',
    fixed(db, {
      patch: 'P07',
      client: 'P07-03',
      date: '2026-11-23',
      at: '08:05',
      minutes: 30,
      plannedAssignee: BOB,
      missedAfter: 15,
    }),
  );
  // 4. Tue 08:00 Mrs P (45): Carol covers, arrives 08:00, done 08:10: cut short (10 < 45 / 2).
  v(
    '4',
    fixed(db, {
      patch: 'P07',
      client: 'P07-01',
      date: '2026-11-24',
      at: '08:00',
      minutes: 45,
      plannedAssignee: ALICE,
      arrive: { after: 0, by: CAROL },
      done: { after: 10, by: CAROL },
    }),
  );
  // 5. Tue 08:00 Mr K (30): Bob arrives 07:55 (early: lateness 0), done 08:25.
  v(
    '5',
    fixed(db, {
      patch: 'P07',
      client: 'P07-02',
      date: '2026-11-24',
      at: '08:00',
      minutes: 30,
      plannedAssignee: BOB,
      arrive: { after: -5, by: BOB },
      done: { after: 25, by: BOB },
    }),
  );
  // 6. Wed 08:05 Mrs D (30): Bob presses Done at 08:35 without Arrived: arrival 08:35 (late, 30 min); no length on record.
  v(
    '6',
    fixed(db, {
      patch: 'P07',
      client: 'P07-03',
      date: '2026-11-25',
      at: '08:05',
      minutes: 30,
      plannedAssignee: BOB,
      done: { after: 30, by: BOB },
    }),
  );
  // 7. Wed 17:30 Mrs P (Tea): not needed (hospital) before it started: not planned.
  v(
    '7',
    fixed(db, {
      patch: 'P07',
      client: 'P07-01',
      date: '2026-11-25',
      at: '17:30',
      minutes: 30,
      plannedAssignee: ALICE,
      status: 'not_needed',
      closedAfter: -90,
    }),
  );
  // 8. Thu 08:00 Mr K: missed at 08:15, marked not needed at 09:00: stays planned, and missed.
  v(
    '8',
    fixed(db, {
      patch: 'P07',
      client: 'P07-02',
      date: '2026-11-26',
      at: '08:00',
      minutes: 30,
      plannedAssignee: BOB,
      missedAfter: 15,
      status: 'not_needed',
      closedAfter: 60,
    }),
  );
  // 9. Fri 08:00 Mrs P: called off by a plan change: not counted at all.
  v(
    '9',
    fixed(db, {
      patch: 'P07',
      client: 'P07-01',
      date: '2026-11-27',
      at: '08:00',
      minutes: 45,
      plannedAssignee: ALICE,
      status: 'cancelled',
      closedAfter: -600,
    }),
  );
  // 10. Sun 08:00 Mrs D: Alice arrives 08:20 (late, 20) and never presses Done.
  v(
    '10',
    fixed(db, {
      patch: 'P07',
      client: 'P07-03',
      date: '2026-11-29',
      at: '08:00',
      minutes: 30,
      plannedAssignee: BOB,
      arrive: { after: 20, by: ALICE },
    }),
  );
  // 11. Sat 08:00 Mr K, made while he had no key worker: Bob arrives 08:05, done 08:35.
  v(
    '11',
    fixed(db, {
      patch: 'P07',
      client: 'P07-02',
      date: '2026-11-28',
      at: '08:00',
      minutes: 30,
      plannedAssignee: null,
      arrive: { after: 5, by: BOB },
      done: { after: 35, by: BOB },
    }),
  );

  // ---- week 48, P07: pop-backs ----
  // F1 Mrs P, asked Mon 10:00, Bob claims 10:06 (6 min), goes 10:30–10:50.
  flexible(db, {
    patch: 'P07',
    clients: ['P07-01'],
    created: '2026-11-23T10:00:00Z',
    events: [{ at: '2026-11-23T10:06:00Z', by: BOB, action: 'claim' }],
    carers: [BOB],
    arrived: { at: '2026-11-23T10:30:00Z', by: BOB },
    done: { at: '2026-11-23T10:50:00Z', by: BOB },
  });
  // F2 Mr K, asked Tue 14:00, Alice claims 14:20 (first claim: 20 min), releases, Bob claims 14:40 and goes.
  flexible(db, {
    patch: 'P07',
    clients: ['P07-02'],
    created: '2026-11-24T14:00:00Z',
    events: [
      { at: '2026-11-24T14:20:00Z', by: ALICE, action: 'claim' },
      { at: '2026-11-24T14:25:00Z', by: ALICE, action: 'release' },
      { at: '2026-11-24T14:40:00Z', by: BOB, action: 'claim' },
    ],
    carers: [BOB],
    arrived: { at: '2026-11-24T15:00:00Z', by: BOB },
    done: { at: '2026-11-24T15:20:00Z', by: BOB },
  });
  // F3 a shopping trip for Mrs D, asked Sat 09:00, never claimed, cancelled.
  flexible(db, {
    patch: 'P07',
    clients: ['P07-03'],
    kind: 'shopping',
    created: '2026-11-28T09:00:00Z',
    status: 'cancelled',
  });
  // F4 a social visit for Mrs P and Mr K, asked Sun 18:00: Carol claims 18:30 (30 min), Alice 18:31; Carol arrives 19:00, Alice presses Done 20:00.
  flexible(db, {
    patch: 'P07',
    clients: ['P07-01', 'P07-02'],
    kind: 'social',
    created: '2026-11-29T18:00:00Z',
    events: [
      { at: '2026-11-29T18:30:00Z', by: CAROL, action: 'claim' },
      { at: '2026-11-29T18:31:00Z', by: ALICE, action: 'claim' },
    ],
    carers: [CAROL, ALICE],
    arrived: { at: '2026-11-29T19:00:00Z', by: CAROL },
    done: { at: '2026-11-29T20:00:00Z', by: ALICE },
  });
  // Just outside the week on either side: Mon 30 00:00 (week 49) and Sun 22 23:59 (week 47).
  flexible(db, { patch: 'P07', clients: ['P07-01'], created: '2026-11-30T00:00:00Z' });
  flexible(db, { patch: 'P07', clients: ['P07-01'], created: '2026-11-22T23:59:00Z' });

  // ---- week 48, P07: medication issues ----
  escalation(db, {
    patch: 'P07',
    kind: 'medication',
    raised: '2026-11-23T11:00:00Z',
    acked: '2026-11-23T11:04:00Z',
  }); // 4 min
  escalation(db, {
    patch: 'P07',
    kind: 'medication',
    raised: '2026-11-26T15:00:00Z',
    acked: '2026-11-26T15:12:00Z',
  }); // 12 min
  escalation(db, { patch: 'P07', kind: 'medication', raised: '2026-11-28T20:00:00Z' }); // never acknowledged
  escalation(db, {
    patch: 'P07',
    kind: 'medication',
    raised: '2026-11-27T09:00:00Z',
    acked: '2026-11-27T09:30:00Z',
    status: 'resolved',
  }); // resolved at once: 30 min
  escalation(db, { patch: 'P07', kind: 'missed_visit', raised: '2026-11-23T08:20:00Z', visitId: id('3') }); // not a medication issue

  // ---- week 48, P07: uncovered visits ----
  // Visit 4: escalated as uncovered at 07:30, covered 07:50 (before its start): counted once, by the escalation.
  escalation(db, {
    patch: 'P07',
    kind: 'uncovered_visit',
    raised: '2026-11-24T07:30:00Z',
    visitId: id('4'),
  });
  coverItem(db, {
    patch: 'P07',
    visitId: id('4'),
    status: 'covered',
    covered: '2026-11-24T07:50:00Z',
  });
  // Visit 10: its cover item stayed open, and it was escalated too: one visit.
  coverItem(db, { patch: 'P07', visitId: id('10'), status: 'open' });
  escalation(db, {
    patch: 'P07',
    kind: 'uncovered_visit',
    raised: '2026-11-29T07:00:00Z',
    visitId: id('10'),
  });
  // Visit 2: covered at 08:01, after its 08:00 start.
  coverItem(db, {
    patch: 'P07',
    visitId: id('2'),
    status: 'covered',
    covered: '2026-11-23T08:01:00Z',
  });
  // Visit 5 covered at 07:00 (in time), visit 11's request withdrawn: neither counts.
  coverItem(db, {
    patch: 'P07',
    visitId: id('5'),
    status: 'covered',
    covered: '2026-11-24T07:00:00Z',
  });
  coverItem(db, { patch: 'P07', visitId: id('11'), status: 'withdrawn' });

  // ---- week 47 (Mon 16 – Sun 22 November), P07 ----
  // a. Mon 08:00 Mrs P: Alice 08:05–08:50. b. Mon 08:00 Mr K: Bob 08:00–08:30.
  fixed(db, {
    patch: 'P07',
    client: 'P07-01',
    date: '2026-11-16',
    at: '08:00',
    minutes: 45,
    plannedAssignee: ALICE,
    arrive: { after: 5, by: ALICE },
    done: { after: 50, by: ALICE },
  });
  fixed(db, {
    patch: 'P07',
    client: 'P07-02',
    date: '2026-11-16',
    at: '08:00',
    minutes: 30,
    plannedAssignee: BOB,
    arrive: { after: 0, by: BOB },
    done: { after: 30, by: BOB },
  });
  // c. Wed 08:05 Mrs D: Dave (a bank carer) arrives 08:20 (late, 15), done 08:50.
  fixed(db, {
    patch: 'P07',
    client: 'P07-03',
    date: '2026-11-18',
    at: '08:05',
    minutes: 30,
    plannedAssignee: BOB,
    arrive: { after: 15, by: DAVE },
    done: { after: 45, by: DAVE },
  });
  // d. Sun 08:00 Mr K: missed.
  fixed(db, {
    patch: 'P07',
    client: 'P07-02',
    date: '2026-11-22',
    at: '08:00',
    minutes: 30,
    plannedAssignee: BOB,
    missedAfter: 15,
  });

  // ---- earlier weeks, for the 28 days ----
  // Mon 2 Nov (inside both 28-day windows): Erin goes to Mrs D. Sun 1 Nov (inside week 47's only): Frank goes to Mr K.
  fixed(db, {
    patch: 'P07',
    client: 'P07-03',
    date: '2026-11-02',
    at: '08:05',
    minutes: 30,
    plannedAssignee: BOB,
    arrive: { after: 0, by: ERIN },
    done: { after: 30, by: ERIN },
  });
  fixed(db, {
    patch: 'P07',
    client: 'P07-02',
    date: '2026-11-01',
    at: '08:00',
    minutes: 30,
    plannedAssignee: BOB,
    arrive: { after: 0, by: FRANK },
    done: { after: 30, by: FRANK },
  });

  // ---- week 48, P08: Mr T (60 min, key worker Carol) ----
  fixed(db, {
    patch: 'P08',
    client: 'P08-01',
    date: '2026-11-23',
    at: '09:00',
    minutes: 60,
    plannedAssignee: CAROL,
    arrive: { after: 0, by: CAROL },
    done: { after: 60, by: CAROL },
  });
  fixed(db, {
    patch: 'P08',
    client: 'P08-01',
    date: '2026-11-24',
    at: '09:00',
    minutes: 60,
    plannedAssignee: CAROL,
    arrive: { after: 2, by: DAVE },
    done: { after: 60, by: DAVE },
  });
});

const W48 = { year: 2026, week: 48 };

describe('the seeded week 48, worked out by hand', () => {
  it('P07: every figure', () => {
    const p07 = buildReport(db, W48).patches.find((p) => p.code === 'P07');
    const expected: Figures = {
      // Planned: visits 1 2 3 4 5 6 8 10 11 = 9 (7 was not needed before it started; 9 was called off).
      planned: 9,
      // Reached (Arrived or Done pressed): 1 2 4 5 6 10 11 = 7.
      done: 7,
      // Late (arrival ≥ start + 10 min): 2 (12), 6 (30), 10 (20) = 3.
      late: 3,
      // Missed: 3 (nobody) and 8 (missed, then marked not needed) = 2; 2 / 9 = 22.2%.
      missed: 2,
      missedPct: (100 * 2) / 9,
      notNeeded: 1,
      // Lateness of the 7 reached: 3 12 0 0 30 20 5 → sorted 0 0 3 5 12 20 30.
      // p50: rank ⌈0.5 × 7⌉ = 4 → 5. p90: rank ⌈0.9 × 7⌉ = 7 → 30.
      latenessP50: 5,
      latenessP90: 30,
      // Cut short: 4 (10 min of 45). 6 has no length (Done without Arrived); 10 was never done.
      cutShort: 1,
      // Asked for: F1 F2 F3 F4 = 4 (not the ones at Sun 22 23:59 or Mon 30 00:00). Claimed: F1 F2 F4 = 3.
      popbacksRequested: 4,
      popbacksClaimed: 3,
      // Minutes to first claim: 6, 20, 30 → median rank ⌈1.5⌉ = 2 → 20.
      claimMedian: 20,
      // 4 medication issues; acknowledged 3: 4, 12, 30 minutes → median 12.
      medIssues: 4,
      medAcknowledged: 3,
      ackMedian: 12,
      // Visits 4 (escalated), 10 (open item and escalated: once), 2 (covered after its start) = 3.
      uncovered: 3,
      // 7 days, by arrival: Mrs P {Alice (1), Carol (4), Bob (F1), Carol and Alice (F4)} = 3;
      // Mr K {Bob (2, 5, 11, F2), Carol and Alice (F4)} = 3; Mrs D {Bob (6), Alice (10)} = 2 → 8 / 3.
      carersPerClient7: 8 / 3,
      // 28 days (Mon 2 – Sun 29 Nov): Mrs P {Alice, Carol, Bob} = 3; Mr K {Bob, Carol, Alice} = 3
      // (Frank on Sun 1 Nov is outside); Mrs D {Bob, Alice, Dave, Erin} = 4 → 10 / 3.
      carersPerClient28: 10 / 3,
      // Reached with a key worker planned: 1 2 4 5 6 10 = 6; the key worker went to 1 2 5 6 = 4 → 66.7%.
      keyWorkerPlanned: 6,
      keyWorkerWent: 4,
      keyWorkerPct: (100 * 4) / 6,
    };
    expect(p07?.current).toEqual(expected);
  });

  it('P07: the week before, beside it', () => {
    const p07 = buildReport(db, W48).patches.find((p) => p.code === 'P07');
    expect(p07?.previous).toEqual({
      // a b c d planned; d missed: 1 / 4 = 25%.
      planned: 4,
      done: 3,
      late: 1, // c: 15 ≥ 10
      missed: 1,
      missedPct: 25,
      notNeeded: 0,
      // Lateness 5 0 15 → sorted 0 5 15: p50 rank 2 → 5; p90 rank ⌈2.7⌉ = 3 → 15.
      latenessP50: 5,
      latenessP90: 15,
      cutShort: 0,
      // The request at Sun 22 23:59, never claimed.
      popbacksRequested: 1,
      popbacksClaimed: 0,
      claimMedian: null,
      medIssues: 0,
      medAcknowledged: 0,
      ackMedian: null,
      uncovered: 0,
      // Mrs P {Alice}, Mr K {Bob}, Mrs D {Dave} → 1.
      carersPerClient7: 1,
      // 28 days (Mon 26 Oct – Sun 22 Nov): Mrs P {Alice}, Mr K {Bob, Frank}, Mrs D {Dave, Erin} → 5 / 3.
      carersPerClient28: 5 / 3,
      // a (Alice) and b (Bob) by their key worker, c by Dave: 2 / 3.
      keyWorkerPlanned: 3,
      keyWorkerWent: 2,
      keyWorkerPct: (100 * 2) / 3,
    } satisfies Figures);
  });

  it('all patches: worked out from every visit, not averaged from the patches', () => {
    const { totals, patches } = buildReport(db, W48);
    expect(patches.map((p) => p.code)).toEqual(['P07', 'P08']);
    const p08 = patches[1]?.current;
    // P08: Mr T twice, Carol on time, Dave 2 minutes late (not late: 2 < 10).
    expect(p08).toMatchObject({ planned: 2, done: 2, late: 0, missed: 0, latenessP50: 0, latenessP90: 2 });
    expect(p08?.carersPerClient7).toBe(2);
    expect(totals.current).toMatchObject({
      // 9 + 2 planned, 2 missed: 2 / 11.
      planned: 11,
      done: 9,
      missed: 2,
      missedPct: (100 * 2) / 11,
      late: 3,
      // Lateness 0 0 3 5 12 20 30 and 0 2 → 0 0 0 2 3 5 12 20 30: p50 rank ⌈4.5⌉ = 5 → 3; p90 rank ⌈8.1⌉ = 9 → 30.
      latenessP50: 3,
      latenessP90: 30,
      // Clients: Mrs P 3, Mr K 3, Mrs D 2, Mr T 2 → 10 / 4 = 2.5.
      carersPerClient7: 2.5,
      // Key worker: 4 of 6 in P07, 1 of 2 in P08 → 5 / 8.
      keyWorkerPct: 62.5,
      popbacksRequested: 4,
      medIssues: 4,
      uncovered: 3,
    });
  });

  it('prints the same figures as text and CSV', () => {
    const report = buildReport(db, W48);
    const text = reportText(report);
    expect(text).toContain(
      'Weekly quality report, 2026-W48: Mon 23 – Sun 29 Nov 2026 (Europe/London), beside 2026-W47.',
    );
    expect(text).toMatch(/\n {2}Fixed visits planned +11 +4\n/);
    expect(text).toMatch(/\nWestbury North \(P07\)\n/);
    expect(text).toMatch(/\n {4}missed % +22\.2% +25\.0%\n/);
    expect(text).toMatch(/\n {2}Lateness p90 \(min\) +30 +15\n/);
    expect(text).toMatch(/\n {2}Carers per client, 28 days +3\.3 +1\.7\n/);
    expect(text).toMatch(/\n {2}Key worker's share +67% +67%\n/);
    expect(text).toMatch(/\n {4}median min to claim +20 +–\n/);
    const rows = reportRows(report);
    expect(rows).toHaveLength(3);
    const p07 = rows[0] as Array<string | number>;
    expect(p07.slice(0, 8)).toEqual(['2026-W48', 'P07', 'Westbury North', 9, 7, 3, 2, 22.2]);
    expect(rows[2]?.slice(0, 3)).toEqual(['2026-W48', '', 'All patches']);
  });
});

describe('the figures the job keeps', () => {
  it('are read back as kept; a row that does not read as figures is worked out again', () => {
    const p07 = buildReport(db, W48).patches[0];
    const kept = computeSummaries(db, p07?.id as number, W48, 'Europe/London');
    expect(kept.current.lateness.sort((a, b) => a - b)).toEqual([0, 0, 3, 5, 12, 20, 30]);
    saveSummaries(db, W48, p07?.id as number, kept, 1);
    saveSummaries(db, W48, p07?.id as number, kept, 2);
    expect(savedSummaries(db, W48)).toEqual(new Map([[p07?.id, JSON.parse(JSON.stringify(kept))]]));
    // The message is drawn from what was kept, even if the history changes afterwards…
    const forged = { ...kept, current: { ...kept.current, planned: 99, done: 99 } };
    saveSummaries(db, W48, p07?.id as number, forged, 3);
    expect(renderReport(db, `report:2026-W48:${String(p07?.id).padStart(6, '0')}`)?.text).toBe(
      'Westbury North, week 48: 0 of 99 planned visits missed (0.0%); the week before 25.0%.',
    );
    // …and a row that is not figures is left out: the patch is worked out from the database again.
    db.update(reportFigures).set({ summary: '{"current":{"planned":"lots"}}' }).run();
    expect(savedSummaries(db, W48).size).toBe(0);
    expect(renderReport(db, `report:2026-W48:${String(p07?.id).padStart(6, '0')}`)?.text).toBe(
      'Westbury North, week 48: 2 of 9 planned visits missed (22.2%); the week before 25.0%.',
    );
    expect(patchFacts(db, p07?.id as number, W48, 'Europe/London').current.fixed).toHaveLength(11);
    db.delete(reportFigures).run();
  });
});
