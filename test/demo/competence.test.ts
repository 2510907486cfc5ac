import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseRoster } from '../../src/patches/roster.ts';
import { useFlowHarness } from '../support/harness.ts';
import { competenceScene } from './competence.ts';

/**
 * The competencies scene on the demo's roster (docs/roster.example.yml), run against the flow harness:
 * what it prints is what the Slack stand-in recorded.
 */

const ROSTER = join(import.meta.dirname, '..', '..', 'docs', 'roster.example.yml');
const flow = useFlowHarness();

describe('the competencies scene', () => {
  it('prints a refused take-over for a missing sign-off, the sign-off, and the take-over that then works', async () => {
    const h = await flow.start({ at: '2026-11-23T06:55:00Z', roster: ROSTER });
    const parsed = parseRoster(readFileSync(ROSTER, 'utf8'));
    if (!parsed.ok) throw new Error(parsed.errors.join('\n'));
    const r = parsed.roster;
    const patch = r.patches[0];
    if (!patch) throw new Error('no patch');
    const names = {
      users: {
        ...Object.fromEntries(r.supervisors.members.map((u, i) => [u, ['sam', 'priya'][i] ?? u])),
        ...Object.fromEntries(patch.assistants.map((u, i) => [u, ['alice', 'bob'][i] ?? u])),
      },
      channels: { [patch.channel]: 'p07', [r.supervisors.channel]: 'supervisors' },
    };
    const lines: string[] = [];
    await competenceScene({
      db: h.bot.db,
      clock: h.clock,
      fake: h.fake,
      slack: h.slack,
      names,
      patchChannel: patch.channel,
      supervisorsChannel: r.supervisors.channel,
      settle: () => h.settle(),
      tickAt: (ms) => h.tickAt(ms),
      io: { out: (s) => lines.push(s) },
    });
    const out = lines.join('\n');
    expect(out).toContain(
      '#p07: *08:00* Mrs P · Morning wake-up and medication (45 min) · @alice · 💊 time-critical · 🩺 Insulin injection',
    );
    expect(out).toContain(
      "(only @bob sees) You can't take this visit: you are not signed off for *Insulin injection* (never signed off), which it needs. Ask a supervisor to sign you off: @sam @priya.",
    );
    expect(out).toContain('⚠️ *Not signed off for this visit* · *Mrs P*');
    expect(out).toContain('« Sign-offs »  [ Close ] [ Sign off ]');
    expect(out).toContain('Sign off for: [ Choose a task ▾ ]');
    expect(out).toContain('Valid through: [ 📅 2027-11-23 ]');
    expect(out).toContain(
      '✅ Signed off: *Insulin injection*, valid through *Tue 23 Nov 2027*. @bob has been told.',
    );
    expect(out).toContain('*Insulin injection* · valid through Tue 23 Nov 2027');
    expect(out).toContain(
      '✅ @sam signed you off for *Insulin injection*, valid through *Tue 23 Nov 2027*. You can take visits that need it.',
    );
    expect(out).toMatch(/chooses Take over again[^\n]*\n#p07: \*08:00\* Mrs P .* · @bob · /);
    expect(out).toContain('✅ *Sorted* · *Mrs P*');
    expect(out).toContain('@bob has this visit and is signed off for *Insulin injection*.');
  });
});
