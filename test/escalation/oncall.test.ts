import { describe, expect, it } from 'vitest';
import {
  onCallAt,
  onCallBetween,
  onCallNext,
  type Shift,
  shiftWindows,
} from '../../src/escalation/oncall.ts';
import type { Weekday } from '../../src/patches/model.ts';
import { localInstant } from '../../src/time.ts';

/**
 * Every expected instant is written out in UTC (Date.UTC), never computed from the host's zone, and the
 * suite runs under TZ=UTC and TZ=America/New_York: the rota depends on the provider's zone only.
 */

const LONDON = 'Europe/London';
const HOUR = 3_600_000;
const WEEKDAYS: Weekday[] = ['mon', 'tue', 'wed', 'thu', 'fri'];

let position = 0;
function weekly(days: Weekday[], from: string, to: string, userId: string): Shift {
  return { kind: 'weekly', days, from, to, userId, position: position++ };
}
function override(date: string, from: string, to: string, userId: string): Shift {
  return { kind: 'override', date, from, to, userId, position: position++ };
}

/** The roster fixture's rota, with a user per shift so each answer says which shift gave it. */
const ROTA: Shift[] = [
  weekly(WEEKDAYS, '08:00', '18:00', 'U0DAY'),
  weekly(WEEKDAYS, '18:00', '08:00', 'U0NIGHT'),
  weekly(['sat', 'sun'], '00:00', '24:00', 'U0WEEKEND'),
  weekly(['mon'], '00:00', '08:00', 'U0SUNNIGHT'),
  override('2026-12-25', '00:00', '24:00', 'U0XMAS'),
];

/** London is on GMT in November and December, so these are local times too. */
const nov = (day: number, hour: number, minute = 0) => Date.UTC(2026, 10, day, hour, minute);
const dec = (day: number, hour: number, minute = 0) => Date.UTC(2026, 11, day, hour, minute);

describe('onCallAt', () => {
  it('an ordinary week: days, nights and the weekend', () => {
    // 2026-11-23 is a Monday.
    expect(onCallAt(ROTA, nov(23, 9), LONDON)).toBe('U0DAY');
    expect(onCallAt(ROTA, nov(23, 17, 59), LONDON)).toBe('U0DAY');
    expect(onCallAt(ROTA, nov(23, 18), LONDON)).toBe('U0NIGHT');
    expect(onCallAt(ROTA, nov(27, 12), LONDON)).toBe('U0DAY'); // Friday
    expect(onCallAt(ROTA, nov(28, 12), LONDON)).toBe('U0WEEKEND'); // Saturday
    expect(onCallAt(ROTA, nov(29, 23, 59), LONDON)).toBe('U0WEEKEND'); // Sunday
  });

  it('an overnight shift runs past midnight into the next day, and ends at its `to`', () => {
    expect(onCallAt(ROTA, nov(24, 0), LONDON)).toBe('U0NIGHT'); // Monday night, Tuesday 00:00
    expect(onCallAt(ROTA, nov(24, 7, 59), LONDON)).toBe('U0NIGHT');
    expect(onCallAt(ROTA, nov(24, 8), LONDON)).toBe('U0DAY');
    const only: Shift[] = [weekly(['fri'], '22:00', '06:00', 'U0A')];
    expect(onCallAt(only, nov(27, 21, 59), LONDON)).toBeNull();
    expect(onCallAt(only, nov(27, 22), LONDON)).toBe('U0A');
    expect(onCallAt(only, nov(28, 5, 59), LONDON)).toBe('U0A');
    expect(onCallAt(only, nov(28, 6), LONDON)).toBeNull();
    // `to: 00:00` after a `from` is midnight at the end of the day, like 24:00.
    const evening: Shift[] = [weekly(['fri'], '18:00', '00:00', 'U0B')];
    expect(onCallAt(evening, nov(27, 23, 59), LONDON)).toBe('U0B');
    expect(onCallAt(evening, nov(28, 0), LONDON)).toBeNull();
  });

  it('where weekly shifts overlap the earlier position wins', () => {
    // Friday night (position 1) runs into Saturday, over the weekend shift (position 2).
    expect(onCallAt(ROTA, nov(28, 3), LONDON)).toBe('U0NIGHT');
    expect(onCallAt(ROTA, nov(28, 8), LONDON)).toBe('U0WEEKEND');
    // Sunday night into Monday: only the Monday 00:00–08:00 shift covers it.
    expect(onCallAt(ROTA, nov(30, 3), LONDON)).toBe('U0SUNNIGHT');
    const reversed = ROTA.map((shift, i) => ({ ...shift, position: 10 - i }));
    expect(onCallAt(reversed, nov(28, 3), LONDON)).toBe('U0WEEKEND');
  });

  it('an override wins over the weekly rota for the instants it covers, and only those', () => {
    // 2026-12-25 is a Friday.
    expect(onCallAt(ROTA, dec(25, 0), LONDON)).toBe('U0XMAS');
    expect(onCallAt(ROTA, dec(25, 12), LONDON)).toBe('U0XMAS');
    expect(onCallAt(ROTA, dec(25, 20), LONDON)).toBe('U0XMAS'); // over Friday night
    expect(onCallAt(ROTA, dec(24, 23, 59), LONDON)).toBe('U0NIGHT'); // Thursday night, before it
    expect(onCallAt(ROTA, dec(26, 0), LONDON)).toBe('U0NIGHT'); // Friday night goes on after it
    expect(onCallAt(ROTA, dec(26, 8), LONDON)).toBe('U0WEEKEND');

    const lunch = [...ROTA, override('2026-11-24', '12:00', '14:00', 'U0COVER')];
    expect(onCallAt(lunch, nov(24, 11, 59), LONDON)).toBe('U0DAY');
    expect(onCallAt(lunch, nov(24, 12), LONDON)).toBe('U0COVER');
    expect(onCallAt(lunch, nov(24, 14), LONDON)).toBe('U0DAY');

    // An override's weekly-style position is only compared with other overrides.
    const two = [
      ...ROTA,
      override('2026-11-24', '12:00', '16:00', 'U0FIRST'),
      override('2026-11-24', '13:00', '15:00', 'U0SECOND'),
    ];
    expect(onCallAt(two, nov(24, 14), LONDON)).toBe('U0FIRST');
    expect(onCallAt(two, nov(24, 15, 30), LONDON)).toBe('U0FIRST');
  });

  it('nobody is on call where the rota has a gap, or no rota at all', () => {
    const weekdaysOnly: Shift[] = [weekly(WEEKDAYS, '08:00', '18:00', 'U0DAY')];
    expect(onCallAt(weekdaysOnly, nov(28, 12), LONDON)).toBeNull();
    expect(onCallAt(weekdaysOnly, nov(23, 7, 59), LONDON)).toBeNull();
    expect(onCallAt([], nov(23, 9), LONDON)).toBeNull();
  });
});

describe('onCallNext', () => {
  it('the next time someone else comes on', () => {
    expect(onCallNext(ROTA, nov(23, 9), LONDON)).toEqual({ userId: 'U0NIGHT', from: nov(23, 18) });
    expect(onCallNext(ROTA, nov(23, 20), LONDON)).toEqual({ userId: 'U0DAY', from: nov(24, 8) });
    expect(onCallNext(ROTA, nov(27, 20), LONDON)).toEqual({ userId: 'U0WEEKEND', from: nov(28, 8) });
    expect(onCallNext(ROTA, nov(29, 12), LONDON)).toEqual({ userId: 'U0SUNNIGHT', from: nov(30, 0) });
    expect(onCallNext(ROTA, dec(24, 20), LONDON)).toEqual({ userId: 'U0XMAS', from: dec(25, 0) });
    expect(onCallNext(ROTA, dec(25, 9), LONDON)).toEqual({ userId: 'U0NIGHT', from: dec(26, 0) });
  });

  it('when nobody is on call now, the next time anyone is', () => {
    const weekdaysOnly: Shift[] = [weekly(WEEKDAYS, '08:00', '18:00', 'U0DAY')];
    expect(onCallNext(weekdaysOnly, nov(28, 12), LONDON)).toEqual({ userId: 'U0DAY', from: nov(30, 8) });
    expect(onCallNext(weekdaysOnly, nov(23, 7), LONDON)).toEqual({ userId: 'U0DAY', from: nov(23, 8) });
  });

  it('the same person again after a gap is not someone new', () => {
    const split: Shift[] = [
      weekly(['mon'], '08:00', '12:00', 'U0A'),
      weekly(['mon'], '13:00', '17:00', 'U0A'),
      weekly(['tue'], '08:00', '12:00', 'U0B'),
    ];
    expect(onCallNext(split, nov(23, 9), LONDON)).toEqual({ userId: 'U0B', from: nov(24, 8) });
    // Between the two: nobody on now, so the next one on is U0A again.
    expect(onCallNext(split, nov(23, 12, 30), LONDON)).toEqual({ userId: 'U0A', from: nov(23, 13) });
  });

  it('looks 14 days ahead and no further', () => {
    const lone: Shift[] = [override('2026-12-07', '09:00', '10:00', 'U0LATER')];
    expect(onCallNext(lone, nov(23, 9), LONDON)).toEqual({ userId: 'U0LATER', from: dec(7, 9) });
    expect(onCallNext(lone, nov(23, 8, 59), LONDON)).toBeNull();
    expect(onCallNext([weekly(WEEKDAYS, '00:00', '24:00', 'U0ALWAYS')], nov(23, 9), LONDON)).toBeNull();
    expect(onCallNext([], nov(23, 9), LONDON)).toBeNull();
  });
});

describe('the days the clocks change', () => {
  const allDay = (date: string) => [override(date, '00:00', '24:00', 'U0A')];

  it('Europe/London: 00:00–24:00 on 2026-03-29 is 23 hours long; on 2026-10-25, 25 hours', () => {
    const [spring] = shiftWindows(allDay('2026-03-29'), '2026-03-29', '2026-03-29', LONDON);
    expect(spring).toMatchObject({ start: Date.UTC(2026, 2, 29, 0), end: Date.UTC(2026, 2, 29, 23) });
    expect((spring?.end ?? 0) - (spring?.start ?? 0)).toBe(23 * HOUR);

    const [autumn] = shiftWindows(allDay('2026-10-25'), '2026-10-25', '2026-10-25', LONDON);
    expect(autumn).toMatchObject({ start: Date.UTC(2026, 9, 24, 23), end: Date.UTC(2026, 9, 26, 0) });
    expect((autumn?.end ?? 0) - (autumn?.start ?? 0)).toBe(25 * HOUR);
  });

  it('who is on call at the edges of those days', () => {
    const spring = allDay('2026-03-29');
    expect(onCallAt(spring, Date.UTC(2026, 2, 28, 23, 59), LONDON)).toBeNull();
    expect(onCallAt(spring, Date.UTC(2026, 2, 29, 0, 30), LONDON)).toBe('U0A'); // 00:30 GMT
    expect(onCallAt(spring, Date.UTC(2026, 2, 29, 1, 30), LONDON)).toBe('U0A'); // 02:30 BST
    expect(onCallAt(spring, Date.UTC(2026, 2, 29, 22, 59), LONDON)).toBe('U0A'); // 23:59 BST
    expect(onCallAt(spring, Date.UTC(2026, 2, 29, 23), LONDON)).toBeNull(); // 00:00 BST on the 30th

    const autumn = allDay('2026-10-25');
    expect(onCallAt(autumn, Date.UTC(2026, 9, 24, 22, 59), LONDON)).toBeNull(); // 23:59 BST on the 24th
    expect(onCallAt(autumn, Date.UTC(2026, 9, 24, 23), LONDON)).toBe('U0A'); // 00:00 BST
    expect(onCallAt(autumn, Date.UTC(2026, 9, 25, 0, 30), LONDON)).toBe('U0A'); // 01:30 BST
    expect(onCallAt(autumn, Date.UTC(2026, 9, 25, 1, 30), LONDON)).toBe('U0A'); // 01:30 GMT, again
    expect(onCallAt(autumn, Date.UTC(2026, 9, 25, 23, 59), LONDON)).toBe('U0A'); // 23:59 GMT
    expect(onCallAt(autumn, Date.UTC(2026, 9, 26, 0), LONDON)).toBeNull();
  });

  it('an 08:00 shift starts at 08:00 local either side of the change, and nights stretch or shrink', () => {
    const days = [
      weekly(['sat', 'sun'], '08:00', '18:00', 'U0DAY'),
      weekly(['sat'], '22:00', '06:00', 'U0NIGHT'),
    ];
    const spring = shiftWindows(days, '2026-03-28', '2026-03-29', LONDON);
    expect(spring.map((w) => [w.userId, new Date(w.start).toISOString(), (w.end - w.start) / HOUR])).toEqual([
      ['U0DAY', '2026-03-28T08:00:00.000Z', 10],
      ['U0NIGHT', '2026-03-28T22:00:00.000Z', 7],
      ['U0DAY', '2026-03-29T07:00:00.000Z', 10],
    ]);
    const autumn = shiftWindows(days, '2026-10-24', '2026-10-25', LONDON);
    expect(autumn.map((w) => [w.userId, new Date(w.start).toISOString(), (w.end - w.start) / HOUR])).toEqual([
      ['U0DAY', '2026-10-24T07:00:00.000Z', 10],
      ['U0NIGHT', '2026-10-24T21:00:00.000Z', 9],
      ['U0DAY', '2026-10-25T08:00:00.000Z', 10],
    ]);
  });

  it('a shift wholly inside the spring-forward gap covers nothing', () => {
    const gap = [override('2026-03-29', '01:00', '02:00', 'U0GAP')];
    expect(shiftWindows(gap, '2026-03-29', '2026-03-29', LONDON)).toEqual([]);
    expect(onCallAt(gap, Date.UTC(2026, 2, 29, 1), LONDON)).toBeNull();
  });

  it('next on call across the change is the next local midnight, not 24 hours on', () => {
    const rota = [...allDay('2026-03-29'), weekly(['mon'], '00:00', '24:00', 'U0B')];
    expect(onCallNext(rota, Date.UTC(2026, 2, 29, 12), LONDON)).toEqual({
      userId: 'U0B',
      from: Date.UTC(2026, 2, 29, 23),
    });
    const autumn = [...allDay('2026-10-25'), weekly(['mon'], '00:00', '24:00', 'U0B')];
    expect(onCallNext(autumn, Date.UTC(2026, 9, 25, 12), LONDON)).toEqual({
      userId: 'U0B',
      from: Date.UTC(2026, 9, 26, 0),
    });
  });

  it('another zone has its own change days (America/New_York, 2026-03-08 and 2026-11-01)', () => {
    const ny = 'America/New_York';
    const [spring] = shiftWindows(allDay('2026-03-08'), '2026-03-08', '2026-03-08', ny);
    expect(spring).toMatchObject({ start: Date.UTC(2026, 2, 8, 5), end: Date.UTC(2026, 2, 9, 4) });
    const [autumn] = shiftWindows(allDay('2026-11-01'), '2026-11-01', '2026-11-01', ny);
    expect((autumn?.end ?? 0) - (autumn?.start ?? 0)).toBe(25 * HOUR);
    // The London rota read in New York: 09:00 local there is 14:00 UTC in November.
    expect(onCallAt(ROTA, nov(23, 14), ny)).toBe('U0DAY');
    expect(onCallAt(ROTA, nov(23, 9), ny)).toBe('U0SUNNIGHT'); // 04:00 on Monday there
  });
});

describe('onCallBetween and shiftWindows', () => {
  it('who is on call through a day, merged where the same person carries on', () => {
    const segments = onCallBetween(ROTA, nov(27, 0), nov(29, 0), LONDON);
    expect(segments).toEqual([
      { userId: 'U0NIGHT', start: nov(27, 0), end: nov(27, 8) },
      { userId: 'U0DAY', start: nov(27, 8), end: nov(27, 18) },
      { userId: 'U0NIGHT', start: nov(27, 18), end: nov(28, 8) },
      { userId: 'U0WEEKEND', start: nov(28, 8), end: nov(29, 0) },
    ]);
    expect(onCallBetween(ROTA, nov(27, 0), nov(27, 0), LONDON)).toEqual([]);
  });

  it('windows are built with localInstant, in start order', () => {
    const windows = shiftWindows(ROTA, '2026-12-25', '2026-12-25', LONDON);
    expect(windows.map((w) => [w.userId, w.kind, w.start, w.end])).toEqual([
      ['U0XMAS', 'override', dec(25, 0), dec(26, 0)],
      ['U0DAY', 'weekly', dec(25, 8), dec(25, 18)],
      ['U0NIGHT', 'weekly', dec(25, 18), localInstant('2026-12-26', '08:00', LONDON)],
    ]);
  });
});
