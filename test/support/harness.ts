import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SetupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { type Db, openDb } from '../../db/index.ts';
import type { Config } from '../../src/config.ts';
import { type Log, silentLog } from '../../src/log.ts';
import { createPatchbot, importRosterWithVisits, type Patchbot } from '../../src/main.ts';
import { parseRoster } from '../../src/patches/roster.ts';
import type { DelivererOptions } from '../../src/slack/deliverer.ts';
import { ManualClock } from '../../src/time.ts';
import { testConfig } from './config.ts';
import { FakeSlack, startFakeSlackServer } from './slack/fake-slack.ts';
import { fillView, SlackDriver } from './slack/signed.ts';

/**
 * A whole patchbot for flow tests: the real Bolt app and HTTP receiver on a loopback port, an
 * in-memory SQLite with every migration, the msw fake of Slack's Web API, a hand-driven clock, and a
 * driver that sends requests signed exactly as Slack signs them.
 */

export const SIGNING_SECRET = 'test-signing-secret-0123456789';
export const ROSTER = join(import.meta.dirname, '..', 'patches', 'fixtures', 'roster.yml');

export const TEAM = join(import.meta.dirname, '..', 'fixtures', 'team.yml');

export interface Harness {
  bot: Patchbot;
  fake: FakeSlack;
  slack: SlackDriver;
  clock: ManualClock;
  /** Wait until every request in flight is handled and the outbox has delivered all it can. */
  settle(): Promise<void>;
  /** Move the clock to `iso` (or by `ms`), run the jobs once, and settle. */
  tickAt(at: string | number): Promise<void>;
  /** Stop the bot (as if the process ended) and start a new one on the same database. */
  restart(): Promise<void>;
  close(): Promise<void>;
}

let server: SetupServer | null = null;
/** The fake's ts follow the app's hand-driven clock, so `oldest`/`latest` look-ups line up. */
let appNow = () => Date.now();
const fake = new FakeSlack({ clock: () => appNow() });

/** Call once per test file (beforeAll): msw must patch fetch before any WebClient is built. */
export function listen(): FakeSlack {
  if (!server) server = startFakeSlackServer(fake);
  return fake;
}

export function stopListening(): void {
  server?.close();
  server = null;
}

export interface HarnessOptions {
  at?: string;
  roster?: string;
  log?: Log;
  /** A database already holding a roster (the benchmarks'): used as it is, `roster` is not imported. */
  db?: Db;
  /** The clock to drive (a subclass of ManualClock, say); `at` is ignored. */
  clock?: ManualClock;
  /** Over the flow tests' `{ postGapMs: 0, probeMs: 1000 }`. */
  delivery?: DelivererOptions;
  /** Channels delivered to at once (config `deliveryConcurrency`, 20 by default). */
  deliveryConcurrency?: number;
  /** The deliverer's safety-net poll (60 s here; the bot's default is 5 s). */
  deliveryPollMs?: number;
}

export async function startHarness(opts: HarnessOptions = {}): Promise<Harness> {
  listen();
  fake.reset();
  const clock = opts.clock ?? new ManualClock(Date.parse(opts.at ?? '2026-11-23T10:00:00Z'));
  appNow = () => clock.now();
  let db: Db;
  if (opts.db) db = opts.db;
  else {
    db = openDb(':memory:');
    const parsed = parseRoster(readFileSync(opts.roster ?? ROSTER, 'utf8'));
    if (!parsed.ok) throw new Error(`test roster invalid: ${parsed.errors.join('; ')}`);
    importRosterWithVisits(db, parsed.roster, clock.now());
  }
  const config: Config = testConfig({
    slackSigningSecret: SIGNING_SECRET,
    slackApiUrl: fake.apiUrl,
    deliveryConcurrency: opts.deliveryConcurrency ?? 20,
  });
  const boot = async () => {
    const bot = createPatchbot(config, {
      db,
      clock,
      log: opts.log ?? silentLog,
      delivery: { postGapMs: 0, probeMs: 1000, ...opts.delivery },
      deliveryPollMs: opts.deliveryPollMs ?? 60_000,
      schedule: false,
    });
    const { port } = await bot.start();
    const slack = new SlackDriver({
      url: `http://127.0.0.1:${port}/slack/events`,
      signingSecret: SIGNING_SECRET,
    });
    return { bot, slack };
  };
  const h = { ...(await boot()) };
  const settle = async () => {
    for (let i = 0; i < 50; i++) {
      await h.bot.slack.settled();
      await h.bot.deliverer.idle();
      await new Promise((r) => setImmediate(r));
      if (!h.bot.deliverer.busy) return;
    }
  };
  return {
    get bot() {
      return h.bot;
    },
    get slack() {
      return h.slack;
    },
    fake,
    clock,
    settle,
    async tickAt(at) {
      clock.set(typeof at === 'string' ? Date.parse(at) : at);
      await h.bot.scheduler.tick();
      // The clock jumped: a wake-up the deliverer set for this time (a backoff, a probe) is due now.
      h.bot.deliverer.kick();
      await settle();
    },
    async restart() {
      await h.bot.stop();
      Object.assign(h, await boot());
    },
    async close() {
      if (!db.$client.open) return;
      await h.bot.stop();
      db.$client.close();
    },
  };
}

export { fillView };

/** The people and channels of test/fixtures/team.yml (and the patches fixture). */
export const PATCH = 'C0PATCH07';
export const SUPERVISORS = 'C0SUPERV1';
export const ALICE = 'U0ALICE1';
export const BOB = 'U0BOB0001';
export const CAROL = 'U0CAROL1';
export const SUPER1 = 'U0SUPER1';
export const SUPER2 = 'U0SUPER2';

/**
 * Wires a flow-test file: the Slack stand-in listens for the file's duration, and after each test the
 * harness it started is closed and the stand-in must have seen nothing wrong.
 */
export function useFlowHarness(): {
  start: (opts?: HarnessOptions) => Promise<Harness>;
} {
  let current: Harness | null = null;
  beforeAll(() => {
    listen();
  });
  afterAll(() => stopListening());
  afterEach(async () => {
    const h = current;
    current = null;
    if (!h) return;
    await h.close();
    h.fake.assertClean();
  });
  return {
    async start(opts) {
      current = await startHarness(opts);
      return current;
    },
  };
}
