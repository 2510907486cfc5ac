import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  addWeeks,
  firstReportAt,
  fourWeekWindow,
  isoWeekday,
  isoWeekOf,
  mondayOf,
  nextReportAt,
  parseIsoWeek,
  percentile,
  reportTimeOf,
  weekDueAt,
  weekEnded,
  weekLabel,
  weeksInYear,
  weekWindow,
} from '../../src/report/model.ts';
import { addDays } from '../../src/time.ts';

const LONDON = 'Europe/London';
const at = (iso: string) => Date.parse(iso);
const HOUR = 3_600_000;

describe('ISO weeks', () => {
  it('names the week of a date, across the turn of the year', () => {
    const cases: Array<[string, string]> = [
      ['2026-11-23', '2026-W48'],
      ['2026-11-29', '2026-W48'],
      ['2026-11-30', '2026-W49'],
      ['2026-01-01', '2026-W01'], // a Thursday: week 1 of its own year
      ['2026-12-28', '2026-W53'],
      ['2027-01-03', '2026-W53'], // a Sunday still in 2026's last week
      ['2027-01-04', '2027-W01'],
      ['2024-12-30', '2025-W01'], // a Monday already in 2025's first week
      ['2021-01-03', '2020-W53'],
    ];
    for (const [date, week] of cases) expect(weekLabel(isoWeekOf(date)), date).toBe(week);
  });

  it('knows which years have a week 53 (a Thursday 1 January, or a Wednesday one in a leap year)', () => {
    expect(weeksInYear(2026)).toBe(53);
    expect(weeksInYear(2027)).toBe(52);
    expect(weeksInYear(2020)).toBe(53); // leap year starting on a Wednesday
    expect(weeksInYear(2021)).toBe(52);
    expect(weeksInYear(2015)).toBe(53);
    expect(weeksInYear(2019)).toBe(52);
  });

  it('every week starts on a Monday that contains the date, and weeks follow one another', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 60 * 366 }), (n) => {
        const date = addDays('1990-01-01', n);
        const w = isoWeekOf(date);
        const monday = mondayOf(w);
        expect(isoWeekday(monday)).toBe(1);
        expect(monday <= date && date <= addDays(monday, 6)).toBe(true);
        expect(w.week).toBeGreaterThanOrEqual(1);
        expect(w.week).toBeLessThanOrEqual(weeksInYear(w.year));
        // The Thursday of the week is in the week's year.
        expect(addDays(monday, 3).slice(0, 4)).toBe(String(w.year));
        expect(mondayOf(addWeeks(w, 1))).toBe(addDays(monday, 7));
      }),
    );
  });

  it('reads 2026-W48 and says plainly what is wrong with anything else', () => {
    expect(parseIsoWeek('2026-W48')).toEqual({ ok: true, week: { year: 2026, week: 48 } });
    expect(parseIsoWeek('2026-w05')).toEqual({ ok: true, week: { year: 2026, week: 5 } });
    expect(parseIsoWeek('2026-W53')).toEqual({ ok: true, week: { year: 2026, week: 53 } });
    expect(parseIsoWeek('2027-W53')).toEqual({ ok: false, message: '2027-W53: 2027 has weeks 01 to 52' });
    expect(parseIsoWeek('2026-W00')).toEqual({ ok: false, message: '2026-W00: 2026 has weeks 01 to 53' });
    expect(parseIsoWeek('2026-W54')).toEqual({ ok: false, message: '2026-W54: 2026 has weeks 01 to 53' });
    for (const bad of ['2026-48', '2026-W5', '2026W48', '26-W48', '', '2026-W48 ']) {
      expect(parseIsoWeek(bad)).toEqual({
        ok: false,
        message: `${bad}: expected an ISO week such as 2026-W48`,
      });
    }
    expect(parseIsoWeek('1969-W10')).toEqual({
      ok: false,
      message: '1969-W10: the year must be 1970 or later',
    });
  });
});

describe('week boundaries are local midnights', () => {
  it('the week of the spring change is 167 hours: Monday 00:00 GMT to Monday 00:00 BST', () => {
    const w = weekWindow({ year: 2026, week: 13 }, LONDON);
    expect(w).toEqual({
      from: '2026-03-23',
      to: '2026-03-29',
      start: at('2026-03-23T00:00:00Z'),
      end: at('2026-03-29T23:00:00Z'),
    });
    expect((w.end - w.start) / HOUR).toBe(167);
  });

  it('the week of the autumn change is 169 hours: Monday 00:00 BST to Monday 00:00 GMT', () => {
    const w = weekWindow({ year: 2026, week: 43 }, LONDON);
    expect(w.start).toBe(at('2026-10-18T23:00:00Z'));
    expect(w.end).toBe(at('2026-10-26T00:00:00Z'));
    expect((w.end - w.start) / HOUR).toBe(169);
  });

  it('28 days are the week and the three before it', () => {
    const w = fourWeekWindow({ year: 2026, week: 48 }, LONDON);
    expect([w.from, w.to]).toEqual(['2026-11-02', '2026-11-29']);
    expect(w.start).toBe(at('2026-11-02T00:00:00Z'));
    // Across the autumn change: 26 Oct – 22 Nov is 28 × 24 hours (the long day is 25 October, outside).
    const before = fourWeekWindow({ year: 2026, week: 47 }, LONDON);
    expect((before.end - before.start) / HOUR).toBe(28 * 24);
    const autumn = fourWeekWindow({ year: 2026, week: 44 }, LONDON);
    expect((autumn.end - autumn.start) / HOUR).toBe(28 * 24 + 1);
  });
});

describe('when the report is due', () => {
  it('09:00 local on the Monday after the week, whatever the offset', () => {
    expect(reportTimeOf({ year: 2026, week: 48 }, LONDON)).toBe(at('2026-11-30T09:00:00Z'));
    expect(reportTimeOf({ year: 2026, week: 13 }, LONDON)).toBe(at('2026-03-30T08:00:00Z')); // BST
    expect(reportTimeOf({ year: 2026, week: 43 }, LONDON)).toBe(at('2026-10-26T09:00:00Z')); // GMT again
    expect(reportTimeOf({ year: 2026, week: 48 }, 'America/New_York')).toBe(at('2026-11-30T14:00:00Z'));
  });

  it('the week due is the last complete one from Monday 09:00, the one before until then', () => {
    expect(weekLabel(weekDueAt(at('2026-11-30T08:59:00Z'), LONDON))).toBe('2026-W47');
    expect(weekLabel(weekDueAt(at('2026-11-30T09:00:00Z'), LONDON))).toBe('2026-W48');
    expect(weekLabel(weekDueAt(at('2026-12-02T15:00:00Z'), LONDON))).toBe('2026-W48');
    expect(weekLabel(weekDueAt(at('2026-12-06T23:59:00Z'), LONDON))).toBe('2026-W48');
    expect(weekLabel(weekDueAt(at('2026-03-30T08:00:00Z'), LONDON))).toBe('2026-W13');
    expect(weekLabel(weekDueAt(at('2026-03-30T07:59:00Z'), LONDON))).toBe('2026-W12');
    expect(weekLabel(weekDueAt(at('2027-01-04T09:00:00Z'), LONDON))).toBe('2026-W53');
  });

  it('the next report is the first Monday 09:00 after now; a new installation waits for its first whole week', () => {
    expect(nextReportAt(at('2026-11-30T09:00:00Z'), LONDON)).toBe(at('2026-12-07T09:00:00Z'));
    expect(nextReportAt(at('2026-11-30T08:59:00Z'), LONDON)).toBe(at('2026-11-30T09:00:00Z'));
    expect(nextReportAt(at('2026-03-29T12:00:00Z'), LONDON)).toBe(at('2026-03-30T08:00:00Z'));
    expect(firstReportAt(at('2026-11-23T06:55:00Z'), LONDON)).toBe(at('2026-11-30T09:00:00Z'));
    expect(firstReportAt(at('2026-11-29T22:00:00Z'), LONDON)).toBe(at('2026-11-30T09:00:00Z'));
    expect(firstReportAt(at('2026-11-30T08:00:00Z'), LONDON)).toBe(at('2026-12-07T09:00:00Z'));
  });

  it('a week has ended at its last local midnight', () => {
    const w = { year: 2026, week: 13 };
    expect(weekEnded(w, at('2026-03-29T22:59:59Z'), LONDON)).toBe(false);
    expect(weekEnded(w, at('2026-03-29T23:00:00Z'), LONDON)).toBe(true);
  });
});

describe('percentiles by nearest rank', () => {
  it('is always a value observed; the median of an even count is the lower middle value', () => {
    expect(percentile([], 50)).toBeNull();
    expect(percentile([7], 50)).toBe(7);
    expect(percentile([7], 90)).toBe(7);
    expect(percentile([4, 1, 3, 2], 50)).toBe(2);
    expect(percentile([4, 1, 3, 2], 90)).toBe(4);
    // 10 values: p90 is rank 9.
    expect(percentile([10, 9, 8, 7, 6, 5, 4, 3, 2, 1], 90)).toBe(9);
    // 11 values: p90 is rank ⌈9.9⌉ = 10.
    expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11], 90)).toBe(10);
  });
});
