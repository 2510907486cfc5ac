import type { KnownBlock } from '@slack/types';
import { describe, expect, it } from 'vitest';
import {
  emptySummary,
  type Figures,
  figuresOf,
  type PatchFigures,
  type WeekReport,
} from '../../src/report/model.ts';
import { patchMessage, reportMessage, weekInWords } from '../../src/report/views.ts';
import { checkMessageBlocks } from '../support/slack/blocks.ts';

/** The supervisors' message stays inside Slack's limits however many patches the provider has. */

const zero = figuresOf(emptySummary());
const figures = (over: Partial<Figures>): Figures => ({ ...zero, ...over });

function report(n: number, name = (i: number) => `Patch number ${i}`): WeekReport {
  const patches: PatchFigures[] = Array.from({ length: n }, (_, i) => ({
    id: i + 1,
    code: `P${String(i + 1).padStart(3, '0')}`,
    name: name(i + 1),
    current: figures({ planned: 100, done: 100 - (i % 7), missed: i % 7, missedPct: i % 7, latenessP90: 12 }),
    previous: figures({ planned: 100, missed: 1, missedPct: 1 }),
  }));
  return {
    week: { year: 2026, week: 48 },
    previous: { year: 2026, week: 47 },
    zone: 'Europe/London',
    patches,
    totals: { current: figures({ planned: 100 * n }), previous: figures({ planned: 100 * n }) },
  };
}

/** Characters of text Slack counts towards a message's limit. */
function textOf(blocks: readonly KnownBlock[]): string[] {
  const out: string[] = [];
  const walk = (node: unknown, key: string | null) => {
    if (typeof node === 'string' && key === 'text') out.push(node);
    else if (Array.isArray(node)) for (const x of node) walk(x, null);
    else if (node && typeof node === 'object') for (const [k, v] of Object.entries(node)) walk(v, k);
  };
  walk(blocks, null);
  return out;
}

describe('the supervisors’ message', () => {
  it('a small provider: every patch in the table, worst first, nothing said to be left out', () => {
    const r = reportMessage(report(3));
    const all = textOf(r.blocks ?? []).join('\n');
    expect(all).not.toContain('not listed here');
    // Missed 1, 2, 3 for patches 2, 3, 4 … here patch 3 (2 missed) comes first.
    expect(all.indexOf('Patch number 3')).toBeLessThan(all.indexOf('Patch number 2'));
    expect(all.indexOf('Patch number 2')).toBeLessThan(all.indexOf('Patch number 1'));
    expect(checkMessageBlocks(r.blocks)).toEqual([]);
  });

  for (const n of [40, 120, 400]) {
    it(`${n} patches: within 50 blocks, 3,000 characters a section and 12,000 in all`, () => {
      const r = reportMessage(report(n, (i) => `A <long> & awkward patch name number ${i}`));
      const blocks = r.blocks ?? [];
      expect(blocks.length).toBeLessThanOrEqual(50);
      expect(checkMessageBlocks(blocks)).toEqual([]);
      const texts = textOf(blocks);
      for (const t of texts) expect(t.length).toBeLessThanOrEqual(3000);
      expect(texts.join('').length).toBeLessThanOrEqual(12_000);
      const shown = texts.join('\n').match(/^A &lt;long&gt; &amp; awkw/gm)?.length ?? 0;
      if (shown < n)
        expect(texts.at(-1)).toContain(
          `${n - shown} more patches with fewer missed visits are not listed here.`,
        );
      else expect(texts.at(-1)).not.toContain('not listed');
      expect(shown).toBeGreaterThanOrEqual(Math.min(n, 100));
    });
  }

  it('roster text is escaped in the table, the reply and the notification text', () => {
    const r = report(1, () => '<!channel> & Co');
    const message = reportMessage(r);
    const all = textOf(message.blocks ?? []).join('\n');
    expect(all).toContain('&lt;!channel&gt; &amp; Co');
    expect(all).not.toContain('<!channel>');
    const reply = patchMessage({ ...(r.patches[0] as PatchFigures), code: '<P1>' }, r);
    expect(reply.text).toContain('&lt;!channel&gt; &amp; Co, week 48');
    expect(JSON.stringify(reply.blocks)).toContain('*&lt;!channel&gt; &amp; Co* (&lt;P1&gt;)');
    expect(JSON.stringify(reply.blocks)).not.toContain('<!channel>');
  });

  it('names the week in words, across months and years', () => {
    expect(weekInWords({ year: 2026, week: 48 })).toBe('Mon 23 – Sun 29 Nov 2026');
    expect(weekInWords({ year: 2026, week: 49 })).toBe('Mon 30 Nov – Sun 6 Dec 2026');
    expect(weekInWords({ year: 2026, week: 53 })).toBe('Mon 28 Dec 2026 – Sun 3 Jan 2027');
  });
});
