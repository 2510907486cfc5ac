import { describe, expect, it } from 'vitest';
import { homeScene } from '../demo/home.ts';
import { ALICE, SUPER1, TEAM, useFlowHarness } from '../support/harness.ts';
import { NAMES } from './support.ts';

/** The demo's App Home scene runs against the stand-in and prints both Homes as text. */

const flow = useFlowHarness();

describe('the App Home demo scene', () => {
  it("prints an assistant's Home, the same Home after Arrived, and a supervisor's Home", async () => {
    const h = await flow.start({ at: '2026-11-23T07:00:00Z', roster: TEAM });
    await h.tickAt('2026-11-23T08:20:00Z');
    const lines: string[] = [];
    await homeScene({
      bot: h.bot,
      clock: h.clock,
      fake: h.fake,
      slack: h.slack,
      names: NAMES,
      io: { out: (s) => lines.push(s) },
      settle: h.settle,
      tickAt: (ms) => h.tickAt(ms),
      assistant: ALICE,
      supervisor: SUPER1,
    });
    const out = lines.join('\n');
    expect(out).toContain("08:20 · @alice opens patchbot's Home tab: their day");
    expect(out).toContain(
      '  ║ *08:00* · *Mrs P* · Morning wake-up (45 min) · ⏰ time-critical · Westbury North · ⚠️ *late*',
    );
    expect(out).toContain(
      '08:20 · @alice is at the door of their next visit and presses Arrived in the Home',
    );
    expect(out).toContain(
      '  ║ ℹ️ 08:20 · The 08:00 visit to Mrs P is now in progress (arrived 08:20), assigned to you.',
    );
    expect(out).toContain('@sam opens the Home tab: what is open across the patches');
    expect(out).toContain('  ║ ⚠️ *late* · *08:00* *Mr K* · Breakfast · Westbury North · @bob');
  });
});
