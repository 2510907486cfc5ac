import { describe, expect, it } from 'vitest';
import { localTime } from '../../src/time.ts';
import { adminScene } from '../demo/admin.ts';
import { ALICE, BOB, type Harness, PATCH, TEAM, useFlowHarness } from '../support/harness.ts';
import { ADMIN, clientRows, planRows } from './support.ts';

/** The admin's demo scene (test/demo/admin.ts), run against the real bot: what it prints, and what it did. */

const flow = useFlowHarness();
let h: Harness;

describe('the admin demo scene', () => {
  it('adds a client and a plan with /patch, printing each step as Slack shows it', async () => {
    h = await flow.start({ at: '2026-11-23T09:00:00Z', roster: TEAM });
    const lines: string[] = [];
    await adminScene({
      slack: h.slack,
      fake: h.fake,
      settle: () => h.settle(),
      names: { users: { [ADMIN]: 'admin1', [ALICE]: 'alice', [BOB]: 'bob' }, channels: { [PATCH]: 'p07' } },
      io: { out: (s) => lines.push(s) },
      admin: ADMIN,
      channel: PATCH,
      keyWorker: ALICE,
      time: () => localTime(h.clock.now(), 'Europe/London'),
    });
    const out = lines.join('\n');
    expect(out).toContain(
      "09:00 · @admin1 types /patch in #p07: the patch's set-up, as only the admin sees it",
    );
    expect(out).toContain('┆ *Westbury North* · P07 · #p07');
    expect(out).toContain(
      '┆   [ Edit Mrs P ] [ Add a visit plan ] [ Change or end a visit plan ▾ ] [ Archive Mrs P ]',
    );
    expect(out).toContain('┆ « Add a client »  [ Cancel ] [ Add client ]');
    expect(out).toContain('┆ Code: [ P07-04 ]');
    expect(out).toContain('✅ *Mrs Q* (P07-04) is added to Westbury North, key worker @alice.');
    expect(out).toContain('┆ Days: ☐ Mon  ☐ Tue');
    expect(out).toMatch(
      /the set-up as @admin1 sees it now[\s\S]*\*Mrs Q\* · P07-04 · key worker @alice\n {2}┆ • \*11:00\* weekdays · 30 min · Coffee and a chat · 1 carer/,
    );
    expect(clientRows(h).at(-1)).toMatchObject({ name: 'Mrs Q', keyWorker: ALICE });
    expect(planRows(h).at(-1)).toMatchObject({ at: '11:00', purpose: 'Coffee and a chat' });
  });
});
