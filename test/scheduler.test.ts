import { describe, expect, it } from 'vitest';
import { TEAM, useFlowHarness } from './support/harness.ts';

const flow = useFlowHarness();

describe('the jobs tick', () => {
  it('never runs twice at once: a tick asked for while one runs is skipped, and nothing is doubled', async () => {
    const h = await flow.start({ at: '2026-11-23T06:00:00Z', roster: TEAM });
    h.clock.set(Date.parse('2026-11-23T07:00:00Z'));
    const [first, second, third] = await Promise.all([
      h.bot.scheduler.tick(),
      h.bot.scheduler.tick(),
      h.bot.scheduler.tick(),
    ]);
    expect(first).toMatchObject({ digests: 1 }); // P07 at 07:00; P08's is at 07:30
    expect(second).toBeNull();
    expect(third).toBeNull();
    await h.settle();
    expect(h.fake.messages('C0PATCH07').filter((m) => m.text.startsWith('Rota for'))).toHaveLength(1);
    expect(await h.bot.scheduler.tick()).toMatchObject({ visits: 0, digests: 0 });
  });
});
