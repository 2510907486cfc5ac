import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ALICE,
  BOB,
  CAROL,
  PATCH,
  SUPER1,
  SUPER2,
  SUPERVISORS,
  TEAM,
  useFlowHarness,
} from '../support/harness.ts';
import { dumpDb, expectNoHarm, hostileString, RecordingLog, runs, userArb } from './support.ts';

/**
 * Property 3: every slash command with random text (Slack's own `&lt;` escapes, dates real and not,
 * client names of this patch and another, very long, any Unicode), from any channel, by anyone. The
 * bot answers 200, no listener throws, Slack's stand-in sees nothing it would refuse (the forms it
 * opens included), /healthz answers, and no row changes: a command only answers or opens a form.
 */

const flow = useFlowHarness();

const COMMANDS = ['/popback', '/rota', '/medissue', '/oncall', '/patch', '/competence'] as const;

/** How Slack writes `<`, `>` and `&` in a command's text. */
const slackEscape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

const date = fc
  .tuple(
    fc.integer({ min: 1969, max: 2300 }),
    fc.integer({ min: 0, max: 13 }),
    fc.integer({ min: 0, max: 32 }),
  )
  .map(([y, m, d]) => `${y}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`);

const word = fc.oneof(
  fc.constantFrom(
    'today',
    'tomorrow',
    'setup',
    'new',
    'help',
    'yesterday',
    'mine',
    'MINE',
    'Today',
    '2026-11-23',
    '2026-11-24',
    '2026-02-29',
    '2028-02-29',
    '2026-13-01',
    '2026-11-31',
    '0000-00-00',
    '+2026-11-23',
    '2026-11-23T10:00',
    'Mrs P',
    'mrs p',
    'MRS  P',
    'Mr K',
    'Mr T',
    'P07-01',
    'P08-01',
    '1',
    '4',
    '<@U0SUPER1>',
    '<@U0BOB0001|bob>',
    '<@U0ALICE1>',
    '<@U0CAROL1|carol>',
    '<@U0NOBODY1|x>',
    '<!channel>',
    '<#C0PATCH08|p08>',
    '*Mrs P*',
  ),
  date,
  hostileString,
);

const text: fc.Arbitrary<string> = fc.oneof(
  { weight: 6, arbitrary: fc.array(word, { maxLength: 4 }).map((ws) => ws.join(' ')) },
  { weight: 2, arbitrary: fc.array(word, { maxLength: 3 }).map((ws) => slackEscape(ws.join(' '))) },
  { weight: 1, arbitrary: fc.array(word, { maxLength: 3 }).map((ws) => ws.join('\t\n  ')) },
  {
    weight: 1,
    arbitrary: fc
      .tuple(word, fc.integer({ min: 500, max: 8000 }))
      .map(([w, n]) => `${w} `.repeat(Math.ceil(n / (w.length + 1))).slice(0, n)),
  },
);

describe('slash commands, fuzzed', () => {
  it('any command, any text, any channel, anyone: 200, no harm, no row changed', async () => {
    const log = new RecordingLog();
    const h = await flow.start({ at: '2026-11-23T06:00:00Z', roster: TEAM, log });
    await h.tickAt('2026-11-23T07:00:00Z');
    await h.tickAt('2026-11-23T08:11:00Z');
    const viewsBefore = h.fake.views.length;
    const answersBefore = h.fake.responses.length;
    const command = fc.record({
      command: fc.constantFrom(...COMMANDS),
      text,
      channel: fc.oneof(
        { weight: 4, arbitrary: fc.constantFrom(PATCH, 'C0PATCH08') },
        { weight: 2, arbitrary: fc.constantFrom(SUPERVISORS, 'C0NOWHERE1', 'D0DIRECT01', 'G0PRIVATE1') },
        { weight: 1, arbitrary: fc.constantFrom('', 'toString', '__proto__', 'c0patch07', ' C0PATCH07') },
        { weight: 1, arbitrary: hostileString },
      ),
      user: userArb({ own: [ALICE, BOB], other: [CAROL], supervisors: [SUPER1, SUPER2] }),
    });
    await fc.assert(
      fc.asyncProperty(command, async (c) => {
        await h.settle();
        h.fake.takeErrors();
        log.takeErrors();
        const before = dumpDb(h, ['seen_requests']);
        const res = await h.slack.command({
          command: c.command,
          text: c.text,
          channel_id: c.channel,
          user_id: c.user,
        });
        expect(res.status).toBe(200);
        await h.settle();
        // Only the command's own key is new (so a replay of it is dropped).
        expect(dumpDb(h, ['seen_requests'])).toEqual(before);
        await expectNoHarm(h, log);
      }),
      runs(120),
    );
    // The commands were answered, and some opened forms: the property looked at both paths.
    expect(h.fake.views.length).toBeGreaterThan(viewsBefore);
    expect(h.fake.responses.length).toBeGreaterThan(answersBefore);
  });
});
