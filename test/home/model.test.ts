import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ageWords,
  byUrgency,
  fitParts,
  managersFollow,
  moreWords,
  type Part,
  packedCosts,
  patchesByUrgency,
  teamFollows,
} from '../../src/home/model.ts';

/** Blocks a fit uses: overheads, the items shown, and one "…and N more" per part cut short. */
function used(parts: Part[], shown: number[]): number {
  return parts.reduce((sum, p, i) => {
    const n = shown[i] ?? 0;
    const items = p.costs.slice(0, n).reduce((a, b) => a + b, 0);
    return sum + p.overhead + items + (n < p.costs.length ? 1 : 0);
  }, 0);
}

describe('fitParts: sharing 100 blocks', () => {
  it('shows everything when it fits', () => {
    const parts = [
      { overhead: 2, costs: [2, 2, 1] },
      { overhead: 1, costs: packedCosts(25) },
    ];
    expect(fitParts(parts, 100)).toEqual([3, 25]);
    expect(packedCosts(12)).toEqual([1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0]);
  });

  it('otherwise deals items out part by part, keeping a line for "and N more" in each part cut short', () => {
    const parts = [
      { overhead: 1, costs: Array(60).fill(2) },
      { overhead: 1, costs: Array(60).fill(2) },
    ];
    const shown = fitParts(parts, 50);
    // 2 overheads + 2 "more" lines leave 46 blocks: 23 buttons' worth, shared.
    expect(shown).toEqual([12, 11]);
    expect(used(parts, shown)).toBeLessThanOrEqual(50);
  });

  it('a part that ends up shown whole gives its "more" line back', () => {
    const parts = [
      { overhead: 1, costs: [2] },
      { overhead: 1, costs: Array(20).fill(1) },
    ];
    // 1+2 for the first part, 1 overhead + 1 more line for the second: 15 items of it fit in 20.
    expect(fitParts(parts, 20)).toEqual([1, 15]);
  });

  it('never goes over the budget, never shows more than there is, and cuts only when it must', () => {
    const part = fc.record({
      overhead: fc.integer({ min: 1, max: 3 }),
      costs: fc.oneof(
        fc.array(fc.integer({ min: 1, max: 2 }), { maxLength: 80 }),
        fc.integer({ min: 0, max: 400 }).map(packedCosts),
      ),
    });
    fc.assert(
      fc.property(fc.array(part, { minLength: 1, maxLength: 7 }), (parts) => {
        const budget = 97;
        const minimum = parts.reduce((s, p) => s + p.overhead + (p.costs.length > 0 ? 1 : 0), 0);
        fc.pre(minimum <= budget);
        const shown = fitParts(parts, budget);
        expect(used(parts, shown)).toBeLessThanOrEqual(budget);
        shown.forEach((n, i) => {
          expect(n).toBeGreaterThanOrEqual(0);
          expect(n).toBeLessThanOrEqual(parts[i]?.costs.length ?? 0);
        });
        // Nothing left out that would still fit: every part cut short is blocked by its next item.
        const left = budget - used(parts, shown);
        shown.forEach((n, i) => {
          const p = parts[i] as Part;
          if (n < p.costs.length) {
            const next = (p.costs[n] as number) - (n + 1 === p.costs.length ? 1 : 0);
            expect(next).toBeGreaterThan(left);
          }
        });
      }),
    );
  });
});

describe('the order of urgency', () => {
  const v = (id: number, alertLevel: 'late' | 'missed' | null, hhmm: string) => ({
    visit: { id, alertLevel, startsAt: Date.parse(`2026-11-23T${hhmm}:00Z`) },
  });

  it('missed before late, then the earliest start, then the id', () => {
    const sorted = byUrgency([
      v(1, 'late', '08:00'),
      v(2, 'missed', '09:00'),
      v(3, 'missed', '08:30'),
      v(4, 'late', '07:00'),
      v(5, 'missed', '08:30'),
    ]);
    expect(sorted.map((x) => x.visit.id)).toEqual([3, 5, 2, 4, 1]);
  });

  it('patches with missed visits first, then late ones, then by code', () => {
    const p = (code: string, late: number, missed: number) => ({
      patchId: 0,
      code,
      planned: 5,
      done: 0,
      late,
      missed,
    });
    const sorted = patchesByUrgency([
      p('P03', 0, 0),
      p('P01', 2, 0),
      p('P02', 0, 1),
      p('P00', 0, 0),
      p('P04', 3, 1),
    ]);
    expect(sorted.map((x) => x.code)).toEqual(['P04', 'P02', 'P01', 'P00', 'P03']);
  });
});

describe('whose Home follows a visit change', () => {
  const base = { kind: 'fixed', today: true, hasCover: false, hasEscalation: false };

  it('the patch team: any change to a flexible visit, to a fixed visit of today, or to a covered visit', () => {
    expect(teamFollows({ ...base, type: 'arrive' })).toBe(true);
    expect(teamFollows({ ...base, type: 'created', today: false })).toBe(false);
    expect(teamFollows({ ...base, type: 'takeover', today: false, hasCover: true })).toBe(true);
    expect(teamFollows({ ...base, type: 'claim', kind: 'popback', today: false })).toBe(true);
    expect(teamFollows({ ...base, type: 'retime' })).toBe(false);
    expect(teamFollows({ ...base, type: 'refresh' })).toBe(false);
  });

  it('supervisors and admins: a fixed visit of today (late, missed, figures), cover, or an escalation', () => {
    expect(managersFollow({ ...base, type: 'late' })).toBe(true);
    expect(managersFollow({ ...base, type: 'done' })).toBe(true);
    expect(managersFollow({ ...base, type: 'created', today: false })).toBe(false);
    expect(managersFollow({ ...base, type: 'claim', kind: 'popback', today: false })).toBe(false);
    expect(managersFollow({ ...base, type: 'claim', kind: 'popback', hasEscalation: true })).toBe(true);
    expect(managersFollow({ ...base, type: 'cover_take', today: false, hasCover: true })).toBe(true);
    expect(managersFollow({ ...base, type: 'retime', hasEscalation: true })).toBe(false);
  });
});

describe('words', () => {
  it('says how long ago at a glance', () => {
    expect(ageWords(20_000)).toBe('just now');
    expect(ageWords(12 * 60_000)).toBe('12 min ago');
    expect(ageWords(60 * 60_000)).toBe('1 h ago');
    expect(ageWords(65 * 60_000)).toBe('1 h 5 min ago');
    expect(ageWords(26 * 60 * 60_000)).toBe('1 day 2 h ago');
    expect(ageWords(-5)).toBe('just now');
  });

  it('says how many more', () => {
    expect(moreWords(12, 'late or missed visit', 'late or missed visits')).toBe(
      '…and 12 more late or missed visits',
    );
    expect(moreWords(1, 'patch', 'patches')).toBe('…and 1 more patch');
  });
});
