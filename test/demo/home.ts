import type { Patchbot } from '../../src/main.ts';
import { providerSettings } from '../../src/patches/store.ts';
import { localTime, type ManualClock } from '../../src/time.ts';
import { getVisitRow } from '../../src/visits/store.ts';
import type { FakeSlack } from '../support/slack/fake-slack.ts';
import type { SlackDriver } from '../support/slack/signed.ts';
import { type Names, renderBlocks } from './transcript.ts';

/**
 * The demo's App Home scene: an assistant opens patchbot's Home tab and sees their day, presses
 * Arrived there at the door of their next visit, and a supervisor opens theirs. Printed as each person's Home
 * shows it, from what the Slack stand-in was sent (views.publish).
 */

export interface HomeSceneContext {
  bot: Patchbot;
  clock: ManualClock;
  fake: FakeSlack;
  slack: SlackDriver;
  names: Names;
  io: { out: (s: string) => void };
  /** Waits until every request is handled and everything due is delivered. */
  settle: () => Promise<void>;
  /** Moves the clock to `ms`, runs the jobs once, and settles. */
  tickAt: (ms: number) => Promise<void>;
  assistant: string;
  supervisor: string;
}

export async function homeScene(ctx: HomeSceneContext): Promise<void> {
  const { clock, fake, slack, names, io, settle } = ctx;
  const zone = providerSettings(ctx.bot.db).timezone;
  const who = (user: string) => `@${names.users[user] ?? user}`;
  let seq = 0;
  const open = async (user: string) => {
    await slack.event(
      {
        type: 'app_home_opened',
        user,
        channel: `D${user.slice(1)}`,
        tab: 'home',
        event_ts: `${Math.floor(clock.now() / 1000)}.00000${++seq}`,
      },
      { eventId: `Ev0DEMOHOME${seq}` },
    );
    await settle();
  };
  const print = (user: string, title: string) => {
    const view = fake.home(user);
    if (!view) throw new Error(`no Home was published for ${user}`);
    const head = `${localTime(clock.now(), zone)} · ${title}`;
    io.out(`\n── ${head} ${'─'.repeat(Math.max(0, 76 - head.length))}`);
    io.out(`Home tab of ${who(user)}`);
    for (const line of renderBlocks(view.blocks as unknown[], '', names)) io.out(`  ║ ${line}`);
  };

  await open(ctx.assistant);
  print(ctx.assistant, `${who(ctx.assistant)} opens patchbot's Home tab: their day`);

  const view = fake.home(ctx.assistant) as Record<string, unknown>;
  const block = (view.blocks as Array<Record<string, unknown>>).find(
    (b) =>
      String(b.block_id ?? '').startsWith('home:visit:') &&
      JSON.stringify(b.elements ?? b.accessory ?? '').includes('"home_arrived"'),
  );
  if (block) {
    // The carer is at the door a few minutes before the visit is due.
    const visit = getVisitRow(ctx.bot.db, Number(String(block.block_id).split(':')[2]));
    const due = (visit?.startsAt ?? clock.now()) - 3 * 60_000;
    if (due > clock.now()) await ctx.tickAt(due);
    await slack.homeAction({
      user: ctx.assistant,
      view: structuredClone(view),
      actionId: 'home_arrived',
      blockId: String(block.block_id),
    });
    await settle();
    print(
      ctx.assistant,
      `${who(ctx.assistant)} is at the door of their next visit and presses Arrived in the Home`,
    );
  }

  await open(ctx.supervisor);
  print(ctx.supervisor, `${who(ctx.supervisor)} opens the Home tab: what is open across the patches`);
}
