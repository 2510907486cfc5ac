import { describe, expect, it } from 'vitest';
import {
  type ChainAction,
  type ChainConfig,
  type ChainFacts,
  DEFAULT_CHAIN,
  dueAction,
  mergeChain,
  onAcknowledge,
  onRaise,
  reminderMinutes,
  STEPS,
  stepWaitMinutes,
  unacknowledgeMinutes,
} from '../../src/escalation/model.ts';
import { MINUTE } from '../../src/time.ts';

const T0 = Date.UTC(2026, 10, 23, 9, 0);
const at = (minutes: number) => T0 + minutes * MINUTE;

/** A medication issue raised at T0, as the caller stores it after onRaise. */
function raised(over: Partial<ChainFacts> = {}, cfg: ChainConfig = DEFAULT_CHAIN): ChainFacts {
  const base = { kind: 'medication' as const, urgency: 'now' as const, timeCritical: true, ...over };
  return {
    status: 'open',
    ackedAt: null,
    remindedAt: null,
    ...base,
    ...onRaise(base, T0, cfg),
    ...over,
  };
}

/** What the caller stores after an action, as the escalation service does. */
function applied(f: ChainFacts, action: ChainAction, now: number): ChainFacts {
  switch (action.type) {
    case 'step':
      return { ...f, step: action.step, round: action.round, nextAt: action.nextAt };
    case 'remind':
      return { ...f, remindedAt: now, nextAt: action.nextAt };
    case 'unacknowledge':
      return {
        ...f,
        status: 'open',
        ackedAt: null,
        remindedAt: null,
        step: action.step,
        round: action.round,
        nextAt: action.nextAt,
      };
  }
}

function acknowledged(f: ChainFacts, now: number, cfg: ChainConfig = DEFAULT_CHAIN): ChainFacts {
  return { ...f, status: 'acknowledged', ackedAt: now, remindedAt: null, ...onAcknowledge(f, now, cfg) };
}

/** `[minute, step name, round, next due minute | null]` of a step action. */
function describeStep(action: ChainAction | null, now: number): [number, string, number, number | null] {
  if (action?.type !== 'step') throw new Error(`expected a step at ${now}, got ${JSON.stringify(action)}`);
  const nextAt = action.nextAt === null ? null : (action.nextAt - T0) / MINUTE;
  return [(now - T0) / MINUTE, STEPS[action.step] ?? '?', action.round, nextAt];
}

/**
 * Runs the chain like the scheduler does: at each due time, one call per action until null.
 * Returns every step run, with the minute it ran at.
 */
function runChain(
  start: ChainFacts,
  cfg: ChainConfig = DEFAULT_CHAIN,
): [number, string, number, number | null][] {
  const out: [number, string, number, number | null][] = [];
  let f = start;
  for (let guard = 0; guard < 100 && f.nextAt !== null; guard++) {
    const now = f.nextAt;
    const action = dueAction(f, now, cfg);
    if (!action) break;
    out.push(describeStep(action, now));
    f = applied(f, action, now);
  }
  return out;
}

describe('how long a step waits', () => {
  const med = (urgency: 'now' | 'today', timeCritical: boolean) =>
    stepWaitMinutes({ kind: 'medication', urgency, timeCritical }, DEFAULT_CHAIN);

  it('medication: 5 minutes now and time-critical, 10 now, 30 today', () => {
    expect(med('now', true)).toBe(5);
    expect(med('now', false)).toBe(10);
    expect(med('today', false)).toBe(30);
  });

  it('a time-critical issue for today waits the shorter of today and now', () => {
    expect(med('today', true)).toBe(10);
    const slowNow = mergeChain({ waits: { now: 45 } });
    expect(stepWaitMinutes({ kind: 'medication', urgency: 'today', timeCritical: true }, slowNow)).toBe(30);
  });

  it('a time-critical issue never waits longer than an ordinary one', () => {
    const odd = mergeChain({ waits: { nowTimeCritical: 20, now: 8 } });
    expect(stepWaitMinutes({ kind: 'medication', urgency: 'now', timeCritical: true }, odd)).toBe(8);
  });

  it('missed visits and unclaimed pop-backs have waits of their own, whatever the urgency', () => {
    for (const urgency of ['now', 'today'] as const) {
      for (const timeCritical of [false, true]) {
        expect(stepWaitMinutes({ kind: 'missed_visit', urgency, timeCritical }, DEFAULT_CHAIN)).toBe(10);
        expect(stepWaitMinutes({ kind: 'unclaimed_popback', urgency, timeCritical }, DEFAULT_CHAIN)).toBe(15);
      }
    }
  });

  it('reminder and un-acknowledge periods follow urgency; other kinds use the "now" values', () => {
    expect(reminderMinutes({ kind: 'medication', urgency: 'now' }, DEFAULT_CHAIN)).toBe(30);
    expect(reminderMinutes({ kind: 'medication', urgency: 'today' }, DEFAULT_CHAIN)).toBe(120);
    expect(unacknowledgeMinutes({ kind: 'medication', urgency: 'now' }, DEFAULT_CHAIN)).toBe(60);
    expect(unacknowledgeMinutes({ kind: 'medication', urgency: 'today' }, DEFAULT_CHAIN)).toBe(240);
    expect(reminderMinutes({ kind: 'missed_visit', urgency: 'today' }, DEFAULT_CHAIN)).toBe(30);
    expect(unacknowledgeMinutes({ kind: 'unclaimed_popback', urgency: 'today' }, DEFAULT_CHAIN)).toBe(60);
  });
});

describe('mergeChain', () => {
  it('fills what is not set from DEFAULT_CHAIN, and never changes DEFAULT_CHAIN', () => {
    const merged = mergeChain({ rounds: 1, waits: { today: 20 }, reminder: { now: 15 } });
    expect(merged).toEqual({
      waits: {
        nowTimeCritical: 5,
        now: 10,
        today: 20,
        missedVisit: 10,
        unclaimedPopback: 15,
        uncoveredVisit: 10,
      },
      rounds: 1,
      reminder: { now: 15, today: 120 },
      unacknowledge: { now: 60, today: 240 },
    });
    merged.waits.now = 99;
    expect(DEFAULT_CHAIN.waits.now).toBe(10);
    expect(mergeChain({})).toEqual(DEFAULT_CHAIN);
  });
});

describe('the chain, step by step', () => {
  it('raising runs the on-call step at once; the next is due after the wait', () => {
    expect(onRaise({ kind: 'medication', urgency: 'now', timeCritical: true }, T0, DEFAULT_CHAIN)).toEqual({
      step: 0,
      round: 1,
      nextAt: at(5),
    });
    expect(onRaise({ kind: 'medication', urgency: 'today', timeCritical: false }, T0, DEFAULT_CHAIN)).toEqual(
      {
        step: 0,
        round: 1,
        nextAt: at(30),
      },
    );
  });

  it('nothing is due before the wait is over', () => {
    const f = raised();
    expect(dueAction(f, at(0), DEFAULT_CHAIN)).toBeNull();
    expect(dueAction(f, at(5) - 1, DEFAULT_CHAIN)).toBeNull();
    expect(dueAction(f, at(5), DEFAULT_CHAIN)).toEqual({ type: 'step', step: 1, round: 1, nextAt: at(10) });
  });

  it('now and time-critical: 5 minutes a step, three rounds of on call → supervisors → channel, then stops', () => {
    // Step 0 of round 1 ran at the raise (minute 0).
    expect(runChain(raised())).toEqual([
      [5, 'supervisors', 1, 10],
      [10, 'channel', 1, 15],
      [15, 'oncall', 2, 20],
      [20, 'supervisors', 2, 25],
      [25, 'channel', 2, 30],
      [30, 'oncall', 3, 35],
      [35, 'supervisors', 3, 40],
      [40, 'channel', 3, null],
    ]);
  });

  it('today: 30 minutes a step', () => {
    expect(runChain(raised({ urgency: 'today', timeCritical: false }))).toEqual([
      [30, 'supervisors', 1, 60],
      [60, 'channel', 1, 90],
      [90, 'oncall', 2, 120],
      [120, 'supervisors', 2, 150],
      [150, 'channel', 2, 180],
      [180, 'oncall', 3, 210],
      [210, 'supervisors', 3, 240],
      [240, 'channel', 3, null],
    ]);
  });

  it('after the channel step the chain wraps to the on-call step of the next round', () => {
    const f = raised({ step: 2, round: 1, nextAt: at(15) });
    expect(dueAction(f, at(15), DEFAULT_CHAIN)).toEqual({ type: 'step', step: 0, round: 2, nextAt: at(20) });
  });

  it('rounds is how many times the three steps run: one round is three steps', () => {
    const one = mergeChain({ rounds: 1 });
    expect(runChain(raised({}, one), one)).toEqual([
      [5, 'supervisors', 1, 10],
      [10, 'channel', 1, null],
    ]);
  });

  it('after the last step of the last round nothing is ever due again', () => {
    const done = raised({ step: 2, round: 3, nextAt: null });
    expect(dueAction(done, at(1000), DEFAULT_CHAIN)).toBeNull();
    // Even if the caller had kept a due time, the chain does not start a fourth round.
    const stale = { ...done, nextAt: at(40) };
    expect(dueAction(stale, at(40), DEFAULT_CHAIN)).toBeNull();
    expect(dueAction(stale, at(100_000), DEFAULT_CHAIN)).toBeNull();
    // Nor when the roster lowered the rounds mid-chain.
    const lowered = raised({ step: 2, round: 1, nextAt: at(15) });
    expect(dueAction(lowered, at(15), mergeChain({ rounds: 1 }))).toBeNull();
  });

  it('a resolved escalation does nothing, whatever its times say', () => {
    const f = { ...raised(), status: 'resolved' as const, ackedAt: at(1) };
    expect(dueAction(f, at(0), DEFAULT_CHAIN)).toBeNull();
    expect(dueAction(f, at(5), DEFAULT_CHAIN)).toBeNull();
    expect(dueAction(f, at(10_000), DEFAULT_CHAIN)).toBeNull();
  });
});

describe('acknowledge, remind, un-acknowledge', () => {
  it('acknowledging stops the chain; the owner is reminded, then it is un-acknowledged and restarts', () => {
    let f = raised();
    f = applied(f, dueAction(f, at(5), DEFAULT_CHAIN) as ChainAction, at(5));
    expect(onAcknowledge(f, at(7), DEFAULT_CHAIN)).toEqual({ nextAt: at(37) });
    f = acknowledged(f, at(7));

    // The chain's own step time passes: nothing, it is acknowledged.
    expect(dueAction(f, at(10), DEFAULT_CHAIN)).toBeNull();
    expect(dueAction(f, at(37) - 1, DEFAULT_CHAIN)).toBeNull();

    const remind = dueAction(f, at(37), DEFAULT_CHAIN);
    expect(remind).toEqual({ type: 'remind', nextAt: at(67) });
    f = applied(f, remind as ChainAction, at(37));
    // Reminded once only.
    expect(dueAction(f, at(50), DEFAULT_CHAIN)).toBeNull();
    expect(dueAction(f, at(67) - 1, DEFAULT_CHAIN)).toBeNull();

    const unack = dueAction(f, at(67), DEFAULT_CHAIN);
    expect(unack).toEqual({ type: 'unacknowledge', step: 0, round: 1, nextAt: at(72) });
    f = applied(f, unack as ChainAction, at(67));
    expect(f).toMatchObject({ status: 'open', step: 0, round: 1, ackedAt: null, remindedAt: null });

    // And the chain runs again from the on-call step, all three rounds.
    expect(runChain(f).map(([minute, step, round]) => `${minute} ${step} ${round}`)).toEqual([
      '72 supervisors 1',
      '77 channel 1',
      '82 oncall 2',
      '87 supervisors 2',
      '92 channel 2',
      '97 oncall 3',
      '102 supervisors 3',
      '107 channel 3',
    ]);
  });

  it('an issue for today is reminded after 2 hours and un-acknowledged after 4', () => {
    const f = acknowledged(raised({ urgency: 'today', timeCritical: false }), at(10));
    expect(f.nextAt).toBe(at(130));
    expect(dueAction(f, at(130), DEFAULT_CHAIN)).toEqual({ type: 'remind', nextAt: at(250) });
    expect(dueAction({ ...f, remindedAt: at(130) }, at(250), DEFAULT_CHAIN)).toEqual({
      type: 'unacknowledge',
      step: 0,
      round: 1,
      nextAt: at(280),
    });
  });

  it('an acknowledgement after the chain ran out still times out and restarts the chain', () => {
    const f = acknowledged(raised({ step: 2, round: 3, nextAt: null }), at(45));
    expect(dueAction({ ...f, remindedAt: at(75) }, at(105), DEFAULT_CHAIN)).toMatchObject({
      type: 'unacknowledge',
      step: 0,
      round: 1,
    });
  });

  it('when both fell due during downtime, un-acknowledging wins over a late reminder', () => {
    const f = acknowledged(raised(), at(7));
    expect(dueAction(f, at(500), DEFAULT_CHAIN)).toEqual({
      type: 'unacknowledge',
      step: 0,
      round: 1,
      nextAt: at(505),
    });
  });
});

describe('catching up after downtime', () => {
  it('a chain whose steps all fell due while down catches up one recorded step per call, none skipped', () => {
    // Raised at minute 0, then the bot was down until minute 100: every step fell due meanwhile.
    const now = at(100);
    let f = raised();
    const record: string[] = [];
    for (let call = 0; call < 20; call++) {
      const action = dueAction(f, now, DEFAULT_CHAIN);
      if (!action) break;
      const [, step, round, next] = describeStep(action, now);
      record.push(`${step} ${round} next ${next}`);
      f = applied(f, action, now);
    }
    // Each step is anchored on when the one before was due, so every step is recorded, in order.
    expect(record).toEqual([
      'supervisors 1 next 10',
      'channel 1 next 15',
      'oncall 2 next 20',
      'supervisors 2 next 25',
      'channel 2 next 30',
      'oncall 3 next 35',
      'supervisors 3 next 40',
      'channel 3 next null',
    ]);
    expect(dueAction(f, now, DEFAULT_CHAIN)).toBeNull();
  });

  it('a short outage runs only the steps that fell due, then waits for the next one on schedule', () => {
    const now = at(12);
    let f = raised();
    const first = dueAction(f, now, DEFAULT_CHAIN);
    expect(first).toEqual({ type: 'step', step: 1, round: 1, nextAt: at(10) });
    f = applied(f, first as ChainAction, now);
    const second = dueAction(f, now, DEFAULT_CHAIN);
    expect(second).toEqual({ type: 'step', step: 2, round: 1, nextAt: at(15) });
    f = applied(f, second as ChainAction, now);
    expect(dueAction(f, now, DEFAULT_CHAIN)).toBeNull();
    expect(dueAction(f, at(15), DEFAULT_CHAIN)).toMatchObject({ step: 0, round: 2 });
  });

  it('an un-acknowledge after downtime restarts the chain from now, not from when it fell due', () => {
    let f = acknowledged(raised(), at(7));
    const action = dueAction(f, at(300), DEFAULT_CHAIN);
    f = applied(f, action as ChainAction, at(300));
    expect(f.nextAt).toBe(at(305));
    expect(dueAction(f, at(300), DEFAULT_CHAIN)).toBeNull();
  });
});
