import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { openDb } from '../../db/index.ts';
import { createLog } from '../log.ts';
import { createPatchbot } from '../main.ts';
import { importRoster } from '../patches/import.ts';
import { parseRoster } from '../patches/roster.ts';
import { ManualClock } from '../time.ts';
import { FakeSlack, startFakeSlackServer } from './fake-slack.ts';
import { fillView, SlackDriver } from './signed.ts';
import { type Names, plain, renderBlocks } from './transcript.ts';

/**
 * `npm run demo`: the real app, its real HTTP receiver and signed requests, against the same local
 * stand-in for Slack's Web API the tests use. A scripted scene, printed as the channel would show it.
 */

const SECRET = 'demo-signing-secret';
const ROSTER = join(import.meta.dirname, 'roster.example.yml');
const START = '2026-11-23T10:00:00Z'; // a Monday, 10:00 in London

type Io = { out: (s: string) => void; err: (s: string) => void };

export async function runDemo(io: Io): Promise<number> {
  const fake = new FakeSlack();
  const server = startFakeSlackServer(fake);
  const clock = new ManualClock(Date.parse(START));
  const db = openDb(':memory:');
  const parsed = parseRoster(readFileSync(ROSTER, 'utf8'));
  if (!parsed.ok) {
    io.err(`demo roster is invalid:\n${parsed.errors.join('\n')}`);
    return 1;
  }
  const roster = parsed.roster;
  importRoster(db, roster, clock.now());
  const patch = roster.patches[0];
  if (!patch || patch.assistants.length < 2 || !patch.clients[0]) {
    io.err('demo roster needs a first patch with two assistants and a client');
    return 1;
  }
  const [alice, bob] = patch.assistants as [string, string];
  const client = patch.clients[0];
  const names: Names = {
    users: {
      [alice]: 'alice',
      [bob]: 'bob',
      ...Object.fromEntries(roster.supervisors.members.map((u, i) => [u, `supervisor${i + 1}`])),
    },
    channels: { [patch.channel]: patch.code.toLowerCase(), [roster.supervisors.channel]: 'supervisors' },
  };
  const bot = createPatchbot(
    {
      slackBotToken: 'xoxb-demo',
      slackSigningSecret: SECRET,
      slackAppToken: undefined,
      slackApiUrl: fake.apiUrl,
      port: 0,
      databasePath: ':memory:',
      logLevel: 'error',
    },
    { db, clock, log: createLog('error', (l) => io.err(l)), delivery: { postGapMs: 0 } },
  );
  const { port } = await bot.start();
  const slack = new SlackDriver({ url: `http://127.0.0.1:${port}/slack/events`, signingSecret: SECRET });
  const settle = async () => {
    await bot.slack.settled();
    await bot.deliverer.idle();
  };
  let shownEphemerals = 0;
  let shownResponses = 0;
  const show = (title: string) => {
    io.out(`\n── ${title} ${'─'.repeat(Math.max(0, 70 - title.length))}`);
    io.out(`#${names.channels[patch.channel]}`);
    for (const m of fake.messages(patch.channel)) {
      for (const line of renderBlocks(m.blocks, m.text, names)) io.out(`  │ ${line}`);
      io.out('  │');
    }
    const privately = [
      ...fake.ephemerals.slice(shownEphemerals).map((e) => ({ to: e.user, text: e.text })),
      ...fake.responses.slice(shownResponses).map((r) => ({ to: '', text: String(r.body.text ?? '') })),
    ];
    for (const p of privately)
      io.out(
        `  (only ${p.to ? `@${names.users[p.to] ?? p.to}` : 'the person who pressed'} sees) ${plain(p.text, names)}`,
      );
    shownEphemerals = fake.ephemerals.length;
    shownResponses = fake.responses.length;
  };

  try {
    io.out(`patchbot demo: patch ${patch.code} "${patch.name}", assistants @alice and @bob, ${START} (UTC)`);
    await slack.command({
      command: '/popback',
      text: client.name,
      channel_id: patch.channel,
      user_id: alice,
    });
    await settle();
    const opened = fake.views.at(-1);
    if (!opened) throw new Error('the /popback modal did not open');
    io.out(`\n@alice types "/popback ${client.name}": the request form opens with ${client.name} chosen.`);
    const view = fillView(
      { ...opened.view, id: opened.id },
      { reason: 'Phoned: her hearing aid is whistling', soon: 'hour' },
    );
    await slack.submitView({ user: alice, view });
    await settle();
    show('@alice posts the request');

    const card = fake.messages(patch.channel)[0];
    if (!card) throw new Error('no request card was posted');
    const snapshot = structuredClone(card);
    clock.advance(3 * 60_000);
    await Promise.all([
      slack.action({ user: bob, channel: patch.channel, actionId: 'popback_claim', message: snapshot }),
      slack.action({ user: alice, channel: patch.channel, actionId: 'popback_claim', message: snapshot }),
    ]);
    await settle();
    show('@bob and @alice press Claim in the same instant');

    const claimer = /Claimed\* by <@(\w+)>/.exec(JSON.stringify(card.blocks))?.[1] ?? bob;
    clock.advance(17 * 60_000);
    await slack.action({
      user: claimer,
      channel: patch.channel,
      actionId: 'popback_arrived',
      message: structuredClone(card),
    });
    await settle();
    show(`@${names.users[claimer]} arrives`);

    clock.advance(25 * 60_000);
    await slack.action({
      user: claimer,
      channel: patch.channel,
      actionId: 'popback_done',
      message: structuredClone(card),
    });
    await settle();
    show(`@${names.users[claimer]} is done`);

    const posts = fake.posts(patch.channel).length;
    io.out(
      `\n${posts} message posted to #${names.channels[patch.channel]}, updated in place ${card.edits} times.`,
    );
    fake.assertClean();
    return 0;
  } finally {
    await bot.stop();
    server.close();
    db.$client.close();
  }
}
