import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type FixedVisitFacts,
  fixedVisitDue,
  type PopbackFacts,
  popbackDue,
  popbackSchedule,
} from '../../src/alerts/model.ts';
import type { Thresholds } from '../../src/patches/model.ts';
import { localTime, MINUTE } from '../../src/time.ts';

const LONDON = 'Europe/London';
const utc = (iso: string) => Date.parse(iso);
const START = utc('2026-11-23T08:00:00Z'); // 08:00 in London (GMT)
const at = (minutes: number) => START + minutes * MINUTE;

const visit = (over: Partial<FixedVisitFacts> = {}): FixedVisitFacts => ({
  startsAt: START,
  minutes: 45,
  timeCritical: false,
  alertLevel: null,
  ...over,
});

/** The first whole minute after the start at which `fixedVisitDue` answers `level`, scanning 0…240. */
function firstMinute(v: FixedVisitFacts, levels: readonly Thresholds[], level: 'late' | 'missed') {
  for (let m = 0; m <= 240; m++) if (fixedVisitDue(v, levels, at(m)) === level) return m;
  return null;
}

describe('fixedVisitDue: the default thresholds', () => {
  it('is late 15 minutes after the start with no check-in, not a minute sooner', () => {
    const v = visit();
    expect(fixedVisitDue(v, [], at(-5))).toBeNull();
    expect(fixedVisitDue(v, [], at(0))).toBeNull();
    expect(fixedVisitDue(v, [], at(15) - 1)).toBeNull();
    expect(fixedVisitDue(v, [], at(15))).toBe('late');
  });

  it('is late after 10 minutes when the visit is time-critical', () => {
    const v = visit({ timeCritical: true });
    expect(fixedVisitDue(v, [], at(10) - 1)).toBeNull();
    expect(fixedVisitDue(v, [], at(10))).toBe('late');
  });

  it('is missed after half the visit when that is shorter than 30 minutes (45-minute visit: 22)', () => {
    const late = visit({ alertLevel: 'late' });
    expect(fixedVisitDue(late, [], at(22) - 1)).toBeNull();
    expect(fixedVisitDue(late, [], at(22))).toBe('missed');
  });

  it('is missed after 30 minutes when half the visit is longer (60 and 90-minute visits)', () => {
    expect(firstMinute(visit({ minutes: 60, alertLevel: 'late' }), [], 'missed')).toBe(30);
    expect(firstMinute(visit({ minutes: 90, alertLevel: 'late' }), [], 'missed')).toBe(30);
    expect(firstMinute(visit({ minutes: 720, alertLevel: 'late' }), [], 'missed')).toBe(30);
  });

  it('never has a missed threshold under one minute, however short the visit', () => {
    expect(firstMinute(visit({ minutes: 1 }), [], 'missed')).toBe(1);
  });
});

describe('fixedVisitDue: provider, patch and plan thresholds', () => {
  it('takes a threshold set at any one level', () => {
    expect(firstMinute(visit(), [{ lateMinutes: 20 }, {}, {}], 'late')).toBe(20);
    expect(firstMinute(visit(), [{}, { lateMinutes: 12 }, {}], 'late')).toBe(12);
    expect(firstMinute(visit(), [{}, {}, { lateMinutes: 5 }], 'late')).toBe(5);
    expect(firstMinute(visit({ alertLevel: 'late' }), [{}, { missedMinutes: 40 }, {}], 'missed')).toBe(40);
  });

  it('lets the most specific level that sets a key win: plan over patch over provider', () => {
    const provider: Thresholds = { lateMinutes: 20, missedMinutes: 50 };
    const patch: Thresholds = { lateMinutes: 12 };
    const plan: Thresholds = { lateMinutes: 25 };
    expect(firstMinute(visit(), [provider, patch, {}], 'late')).toBe(12);
    expect(firstMinute(visit(), [provider, patch, plan], 'late')).toBe(25);
    // The plan sets only lateMinutes: missedMinutes still comes from the provider.
    expect(firstMinute(visit({ alertLevel: 'late' }), [provider, patch, plan], 'missed')).toBe(50);
  });

  it('makes a time-critical visit late at the stricter of its own threshold and lateMinutes', () => {
    const critical = visit({ timeCritical: true });
    expect(firstMinute(critical, [{ lateMinutesTimeCritical: 5 }], 'late')).toBe(5);
    // A patch that tightens lateMinutes tightens its medication visits too …
    expect(firstMinute(critical, [{}, { lateMinutes: 8 }], 'late')).toBe(8);
    // … and loosening lateMinutes never loosens them.
    expect(firstMinute(critical, [{}, {}, { lateMinutes: 20 }], 'late')).toBe(10);
    expect(firstMinute(critical, [{}, {}, { lateMinutes: 20, lateMinutesTimeCritical: 12 }], 'late')).toBe(
      12,
    );
    // Not time-critical: lateMinutesTimeCritical plays no part.
    expect(firstMinute(visit(), [{ lateMinutesTimeCritical: 3 }], 'late')).toBe(15);
  });
});

describe('fixedVisitDue: one alert per step, never two at once', () => {
  it('sends a short visit whose missed threshold comes first straight to missed, never late', () => {
    // 20 minutes: missed after 10, before late at 15.
    const short = visit({ minutes: 20 });
    expect(fixedVisitDue(short, [], at(10) - 1)).toBeNull();
    expect(fixedVisitDue(short, [], at(10))).toBe('missed');
    expect(firstMinute(short, [], 'late')).toBeNull();
    // Time-critical 20 minutes: late and missed both at 10, so missed.
    expect(fixedVisitDue(visit({ minutes: 20, timeCritical: true }), [], at(10))).toBe('missed');
  });

  it('after downtime past both thresholds gives one missed, and then nothing more', () => {
    const v = visit();
    expect(fixedVisitDue(v, [], at(120))).toBe('missed');
    expect(fixedVisitDue({ ...v, alertLevel: 'missed' }, [], at(121))).toBeNull();
  });

  it('takes an already-late visit only on to missed, never late again', () => {
    const late = visit({ alertLevel: 'late' });
    for (let m = 15; m < 22; m++) expect(fixedVisitDue(late, [], at(m))).toBeNull();
    expect(fixedVisitDue(late, [], at(22))).toBe('missed');
    expect(fixedVisitDue(late, [], at(300))).toBe('missed');
  });

  it('says nothing more about a visit already missed', () => {
    const missed = visit({ alertLevel: 'missed' });
    expect(fixedVisitDue(missed, [], at(22))).toBeNull();
    expect(fixedVisitDue(missed, [], at(600))).toBeNull();
  });
});

const popback = (over: Partial<PopbackFacts> = {}): PopbackFacts => {
  const createdAt = over.createdAt ?? utc('2026-11-23T10:00:00Z');
  return { urgency: 'asap', createdAt, dueAt: createdAt, nudgedAt: null, ...over };
};
const local = (ms: number, zone = LONDON) => localTime(ms, zone);

describe('popbackSchedule', () => {
  it('as soon as possible: re-announced after 20 minutes unclaimed, to the supervisors 20 later', () => {
    const p = popback();
    expect(popbackSchedule(p, [], LONDON)).toEqual({
      nudgeAt: utc('2026-11-23T10:20:00Z'),
      escalateAt: utc('2026-11-23T10:40:00Z'),
    });
  });

  it('as soon as possible: popbackUnclaimedMinutes sets both waits, the most specific level winning', () => {
    const p = popback();
    const s = popbackSchedule(p, [{ popbackUnclaimedMinutes: 30 }, { popbackUnclaimedMinutes: 10 }], LONDON);
    expect(s).toEqual({ nudgeAt: utc('2026-11-23T10:10:00Z'), escalateAt: utc('2026-11-23T10:20:00Z') });
  });

  it('within the hour: re-announced 15 minutes before its time, to the supervisors at its time', () => {
    const p = popback({ urgency: 'hour', dueAt: utc('2026-11-23T11:00:00Z') });
    const s = popbackSchedule(p, [], LONDON);
    expect([local(s.nudgeAt), local(s.escalateAt)]).toEqual(['10:45', '11:00']);
  });

  it('by a time: popbackLeadMinutes before its time, then at its time', () => {
    const p = popback({ urgency: 'by', dueAt: utc('2026-11-23T14:00:00Z') });
    expect(popbackSchedule(p, [], LONDON)).toEqual({
      nudgeAt: utc('2026-11-23T13:45:00Z'),
      escalateAt: utc('2026-11-23T14:00:00Z'),
    });
    const s = popbackSchedule(p, [{}, { popbackLeadMinutes: 30 }], LONDON);
    expect(local(s.nudgeAt)).toBe('13:30');
  });

  it('any time today: re-announced at 16:00 local, to the supervisors at 18:00 local (GMT and BST)', () => {
    const winter = popbackSchedule(popback({ urgency: 'today' }), [], LONDON);
    expect(winter).toEqual({ nudgeAt: utc('2026-11-23T16:00:00Z'), escalateAt: utc('2026-11-23T18:00:00Z') });
    const summer = popbackSchedule(
      popback({ urgency: 'today', createdAt: utc('2026-07-01T08:00:00Z') }),
      [],
      LONDON,
    );
    expect(summer).toEqual({ nudgeAt: utc('2026-07-01T15:00:00Z'), escalateAt: utc('2026-07-01T17:00:00Z') });
  });

  it('any time today is 16:00 and 18:00 in the provider zone, not in UTC', () => {
    const s = popbackSchedule(
      popback({ urgency: 'today', createdAt: utc('2026-11-23T15:00:00Z') }), // 10:00 in New York
      [],
      'America/New_York',
    );
    expect(s).toEqual({ nudgeAt: utc('2026-11-23T21:00:00Z'), escalateAt: utc('2026-11-23T23:00:00Z') });
  });
});

// The host's zone must play no part: the same answers under UTC and under New York.
describe.each(['UTC', 'America/New_York'])(
  'any time today on the days the clocks change (host zone %s)',
  (tz) => {
    const saved = process.env.TZ;
    beforeAll(() => {
      process.env.TZ = tz;
    });
    afterAll(() => {
      if (saved === undefined) delete process.env.TZ;
      else process.env.TZ = saved;
    });

    it('runs under the host zone it names', () => {
      // 1 January 1970: UTC is 0 minutes behind UTC, New York 300.
      expect(new Date(0).getTimezoneOffset()).toBe(tz === 'UTC' ? 0 : 300);
    });

    it('spring forward, 2026-03-29: 16:00 and 18:00 BST, asked in the small hours before the change', () => {
      const p = popback({ urgency: 'today', createdAt: utc('2026-03-29T00:30:00Z') }); // 00:30 GMT
      const s = popbackSchedule(p, [], LONDON);
      expect(s).toEqual({ nudgeAt: utc('2026-03-29T15:00:00Z'), escalateAt: utc('2026-03-29T17:00:00Z') });
      expect([local(s.nudgeAt), local(s.escalateAt)]).toEqual(['16:00', '18:00']);
    });

    it('fall back, 2026-10-25: 16:00 and 18:00 GMT, asked in the first 01:30 (BST)', () => {
      const p = popback({ urgency: 'today', createdAt: utc('2026-10-25T00:30:00Z') }); // 01:30 BST
      const s = popbackSchedule(p, [], LONDON);
      expect(s).toEqual({ nudgeAt: utc('2026-10-25T16:00:00Z'), escalateAt: utc('2026-10-25T18:00:00Z') });
      expect([local(s.nudgeAt), local(s.escalateAt)]).toEqual(['16:00', '18:00']);
    });
  },
);

describe('popbackSchedule: the five-minute grace', () => {
  it('re-announces no sooner than five minutes after it was asked for', () => {
    // Needed by 10:10, asked at 10:00: 15 minutes before would be 09:55.
    const p = popback({ urgency: 'by', dueAt: utc('2026-11-23T10:10:00Z') });
    const s = popbackSchedule(p, [], LONDON);
    expect([local(s.nudgeAt), local(s.escalateAt)]).toEqual(['10:05', '10:10']);
  });

  it('goes to the supervisors no sooner than five minutes after the re-announcement', () => {
    // Needed by 10:07: re-announced at 10:05 (the grace), so the supervisors hear at 10:10, not 10:07.
    const p = popback({ urgency: 'by', dueAt: utc('2026-11-23T10:07:00Z') });
    const s = popbackSchedule(p, [], LONDON);
    expect([local(s.nudgeAt), local(s.escalateAt)]).toEqual(['10:05', '10:10']);
  });

  it('counts the grace from when the re-announcement actually went out', () => {
    const p = popback({ nudgedAt: utc('2026-11-23T10:38:00Z') }); // a late sweep, e.g. after downtime
    expect(local(popbackSchedule(p, [], LONDON).escalateAt)).toBe('10:43');
  });

  it('any time today asked at 17:58: re-announced at 18:03, to the supervisors at 18:08', () => {
    const p = popback({ urgency: 'today', createdAt: utc('2026-11-23T17:58:00Z') });
    const s = popbackSchedule(p, [], LONDON);
    expect([local(s.nudgeAt), local(s.escalateAt)]).toEqual(['18:03', '18:08']);
  });
});

describe('popbackDue', () => {
  it('is nothing before the re-announcement time, then nudge', () => {
    const p = popback();
    expect(popbackDue(p, [], LONDON, utc('2026-11-23T10:19:59Z'))).toBeNull();
    expect(popbackDue(p, [], LONDON, utc('2026-11-23T10:20:00Z'))).toBe('nudge');
  });

  it('nudges before it escalates, even when both times have passed (after downtime)', () => {
    const p = popback();
    const late = utc('2026-11-23T11:30:00Z');
    expect(popbackDue(p, [], LONDON, late)).toBe('nudge');
    const nudged = { ...p, nudgedAt: late };
    expect(popbackDue(nudged, [], LONDON, late)).toBeNull();
    expect(popbackDue(nudged, [], LONDON, late + 5 * MINUTE - 1)).toBeNull();
    expect(popbackDue(nudged, [], LONDON, late + 5 * MINUTE)).toBe('escalate');
  });

  it('escalates at its time once re-announced', () => {
    const p = popback({ nudgedAt: utc('2026-11-23T10:20:00Z') });
    expect(popbackDue(p, [], LONDON, utc('2026-11-23T10:39:59Z'))).toBeNull();
    expect(popbackDue(p, [], LONDON, utc('2026-11-23T10:40:00Z'))).toBe('escalate');
  });
});
