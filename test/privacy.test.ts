import { describe, expect, it } from 'vitest';
import { createLog } from '../src/log.ts';
import { ALICE, fillView, PATCH, SUPER1, SUPERVISORS, TEAM, useFlowHarness } from './support/harness.ts';

const flow = useFlowHarness();

describe('privacy', () => {
  it('logs carry ids, never client names, reasons or note text, even at debug level', async () => {
    const lines: string[] = [];
    const h = await flow.start({
      at: '2026-11-23T06:00:00Z',
      roster: TEAM,
      log: createLog('debug', (l) => lines.push(l)),
    });
    await h.tickAt('2026-11-23T07:00:00Z');
    await h.slack.command({ command: '/popback', text: 'Mr K', channel_id: PATCH, user_id: ALICE });
    await h.settle();
    let opened = h.fake.views.at(-1);
    if (!opened) throw new Error('no modal');
    await h.slack.submitView({
      user: ALICE,
      view: fillView({ ...opened.view, id: opened.id }, { reason: 'Wants help with the crossword' }),
    });
    await h.settle();
    await h.slack.command({ command: '/medissue', text: 'Mrs D', channel_id: PATCH, user_id: ALICE });
    await h.settle();
    opened = h.fake.views.at(-1);
    if (!opened) throw new Error('no modal');
    await h.slack.submitView({
      user: ALICE,
      view: fillView(
        { ...opened.view, id: opened.id },
        { what: 'side_effect', note: 'Rash on both arms since the new antibiotic' },
      ),
    });
    await h.settle();
    const parent = h.fake.messages(SUPERVISORS)[0];
    if (!parent) throw new Error('no escalation');
    await h.slack.action({
      user: SUPER1,
      channel: SUPERVISORS,
      actionId: 'esc_acknowledge',
      message: structuredClone(parent),
    });
    await h.tickAt('2026-11-23T08:40:00Z'); // the 08:00 visits go late and missed
    await h.close();

    expect(lines.length).toBeGreaterThan(10);
    const all = lines.join('\n');
    for (const secret of [
      'Mrs P',
      'Mr K',
      'Mrs D',
      'crossword',
      'antibiotic',
      'Rash',
      'Morning wake-up',
      'Breakfast',
    ]) {
      expect(all).not.toContain(secret);
    }
    for (const line of lines) expect(() => JSON.parse(line)).not.toThrow();
    expect(all).toContain('"event":"escalation.raised"');
    expect(all).toContain('"event":"alert.missed"');
  });
});
