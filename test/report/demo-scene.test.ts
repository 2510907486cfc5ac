import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { reportScene } from '../demo/report.ts';
import { useFlowHarness } from '../support/harness.ts';

/** The demo's report scene, on the demo's roster and day (Monday 23 November 2026, the afternoon). */

const flow = useFlowHarness();
const ROSTER = join(import.meta.dirname, '..', '..', 'docs', 'roster.example.yml');

describe('the report scene of the demo', () => {
  it('seeds the rest of the week as labelled history and prints the Monday report from the supervisors’ channel', async () => {
    const h = await flow.start({ at: '2026-11-23T15:30:00Z', roster: ROSTER });
    await h.tickAt('2026-11-23T15:30:00Z');
    const lines: string[] = [];
    await reportScene({
      bot: h.bot,
      clock: h.clock,
      fake: h.fake,
      names: { users: { U0ALICE01: 'alice', U0BOB0001: 'bob' }, channels: { C0SUPERVS1: 'supervisors' } },
      io: { out: (s) => lines.push(s) },
      settle: () => h.settle(),
      patchChannel: 'C0PATCH007',
    });
    const out = lines.join('\n');
    expect(out).toContain('── seeded history, not from the scenes above');
    expect(out).toMatch(
      /the rest of week 48 \(after 15:30 on Mon 23 Nov\) and week 47 \(Mon 16 – Sun 22 Nov 2026\)/,
    );
    expect(out).toMatch(/\d+ fixed visits from Westbury North's plans/);
    expect(out).toContain(
      '── Mon 30 Nov 09:00 · the weekly quality report for week 48 is posted in #supervisors',
    );
    expect(out).toContain('== Weekly quality report · week 48, 2026 ==');
    expect(out).toContain('*All patches*');
    expect(out).toMatch(/│ Westbury North +\d+ +\d+ /);
    expect(out).toContain('↳ *Westbury North* (P07) · week 48, beside week 47');
    // Every planned visit of the seeded patch was reached or missed.
    const [planned, done, , missed] = ['Fixed visits planned', 'done', 'late', 'missed'].map((label) =>
      Number(new RegExp(`↳ ( {2})?${label} +(\\d+)`).exec(out.slice(out.indexOf('↳ *Westbury North*')))?.[2]),
    );
    expect(planned).toBeGreaterThan(30);
    expect((done ?? 0) + (missed ?? 0)).toBe(planned);
    expect(out).toContain('npx patchbot report --week 2026-W48');
  });
});
