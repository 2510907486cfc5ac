import type { App } from '@slack/bolt';
import { WebClient } from '@slack/web-api';
import { DatabaseOpenError, type Db, openDb } from '../db/index.ts';
import { registerAdmin } from './admin/listeners.ts';
import { registerAlerts } from './alerts/listeners.ts';
import { registerCompetence } from './competence/listeners.ts';
import type { Config } from './config.ts';
import { registerCover } from './cover/listeners.ts';
import type { Deps } from './deps.ts';
import { medIssueOpener, registerEscalation } from './escalation/listeners.ts';
import { Fatal, oneLine } from './fatal.ts';
import { checkHealth } from './health.ts';
import { registerHome } from './home/listeners.ts';
import { hub, jobs, setupGuards, subjectsAt, threadOfVisit } from './hub.ts';
import { Scheduler } from './jobs/scheduler.ts';
import { createLog, errorFields, type Log } from './log.ts';
import { registerPopback } from './popback/listeners.ts';
import { registerRota } from './rota/listeners.ts';
import {
  type BotIdentity,
  badTokenFatal,
  createDeliveryClient,
  createSlackApp,
  isBadTokenError,
  type SlackApp,
  whoAmI,
} from './slack/app.ts';
import { registerDedupe } from './slack/dedupe.ts';
import { Deliverer, type DelivererOptions } from './slack/deliverer.ts';
import { type Clock, systemClock } from './time.ts';

export { importRosterWithVisits } from './hub.ts';

/**
 * The composition root: config → db → Slack app → reactions → jobs → deliverer. Thin: it only wires.
 * Visits are the hub; every capability's reaction to a visit change is handed in here, so imports run
 * one way: features → visits → patches → db.
 */

/** Every slash command, action, view and shortcut the app serves (the manifest test reads these). */
export function registerListeners(app: App, deps: Deps): void {
  registerDedupe(app, deps);
  registerPopback(app, deps);
  registerRota(app, deps, medIssueOpener(deps));
  registerAlerts(app, deps);
  registerEscalation(app, deps, threadOfVisit);
  registerHome(app, deps);
  registerAdmin(app, deps, setupGuards);
  registerCompetence(app, deps);
  registerCover(app, deps);
}

export interface Patchbot {
  deps: Deps;
  db: Db;
  slack: SlackApp;
  deliverer: Deliverer;
  scheduler: Scheduler;
  start(): Promise<{ port?: number }>;
  /** Stops taking requests, finishes those in flight, the current tick and the current delivery. */
  stop(): Promise<void>;
}

export function createPatchbot(
  config: Config,
  opts: {
    db?: Db;
    clock?: Clock;
    log?: Log;
    identity?: BotIdentity;
    delivery?: DelivererOptions;
    deliveryPollMs?: number;
    /** `false` leaves ticking to the caller (tests, demo): no timers. */
    schedule?: boolean;
  } = {},
): Patchbot {
  const log = opts.log ?? createLog(config.logLevel);
  const db = opts.db ?? openDb(config.databasePath);
  const clock = opts.clock ?? systemClock;
  const deliverer = new Deliverer(
    { db, client: createDeliveryClient(config, log), clock, log, subjects: subjectsAt(clock) },
    { concurrency: config.deliveryConcurrency, ...opts.delivery },
  );
  let scheduler: Scheduler | undefined;
  const deps: Deps = {
    db,
    clock,
    log,
    hub,
    wake() {
      deliverer.kick();
      scheduler?.poke();
    },
  };
  // The channel job calls Slack from a tick: its own client, with no retries (the job retries).
  const channels = createDeliveryClient(config, log);
  scheduler = new Scheduler(
    { db, clock, log, afterTick: () => deliverer.kick() },
    jobs(deps, { client: channels }),
  );
  const slack = createSlackApp(config, log, opts.identity);
  registerListeners(slack.app, deps);
  const startedAt = clock.now();
  const sched = scheduler;
  const health = () => checkHealth({ db, clock, startedAt, lastTickAt: () => sched.lastTickAt });
  return {
    deps,
    db,
    slack,
    deliverer,
    scheduler: sched,
    async start() {
      const started = await slack.start(health);
      deliverer.start(opts.deliveryPollMs ?? 5000);
      if (opts.schedule !== false) sched.start();
      return started;
    },
    async stop() {
      await slack.stop();
      await slack.settled();
      await sched.stop();
      await deliverer.stop();
    },
  };
}

/** How long a shutdown may take before the process exits anyway (supervisors kill at 10 s). */
const SHUTDOWN_DEADLINE_MS = 8000;

/**
 * `patchbot start`: check the database and the token, start, and run until SIGTERM or SIGINT (or
 * until the parent that started us goes away), then finish in-flight work and exit 0. A problem found
 * at start is a Fatal: one line, exit 1.
 */
export async function runPatchbot(config: Config): Promise<void> {
  const log = createLog(config.logLevel);
  let db: Db;
  try {
    db = openDb(config.databasePath);
  } catch (err) {
    if (err instanceof DatabaseOpenError) throw new Fatal(`DATABASE_PATH ${err.message}`);
    throw err;
  }
  let identity: BotIdentity | undefined;
  try {
    identity = await checkToken(config, log);
  } catch (err) {
    db.$client.close();
    throw err;
  }
  const bot = createPatchbot(config, { db, log, ...(identity ? { identity } : {}) });
  let stopping = false;
  const shutdown = async (reason: string, code = 0) => {
    if (stopping) return;
    stopping = true;
    log.info('process.stopping', { reason });
    setTimeout(() => {
      log.warn('process.stop_deadline', { ms: SHUTDOWN_DEADLINE_MS });
      process.exit(code);
    }, SHUTDOWN_DEADLINE_MS).unref();
    try {
      await bot.stop();
    } catch (err) {
      log.error('process.stop_failed', errorFields(err));
    } finally {
      if (db.$client.open) db.$client.close();
      log.info('process.stopped', { reason });
      process.exit(code);
    }
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('unhandledRejection', (err) => log.error('process.unhandled_rejection', errorFields(err)));
  process.on('uncaughtException', (err) => {
    log.error('process.uncaught_exception', { ...errorFields(err), detail: oneLine(err.stack ?? '', 500) });
    void shutdown('uncaught_exception', 1);
  });
  try {
    await bot.start();
  } catch (err) {
    stopping = true;
    await bot.stop().catch(() => {});
    db.$client.close();
    throw err;
  }
  watchParent(() => void shutdown('parent_exited'));
  if (!identity)
    reverifyUntilKnown(
      config,
      log,
      (id) => bot.slack.setIdentity(id),
      () => void shutdown('token_refused', 1),
    );
}

/**
 * auth.test at start: a token Slack refuses is a Fatal naming the variable. If Slack cannot be reached
 * (an outage), the bot starts anyway, so the jobs keep making alerts due, and checks again later.
 */
async function checkToken(config: Config, log: Log): Promise<BotIdentity | undefined> {
  const client = tokenClient(config);
  try {
    const identity = await whoAmI(client);
    log.info('slack.token_verified', { team: identity.teamId, botUser: identity.botUserId });
    return identity;
  } catch (err) {
    const bad = isBadTokenError(err);
    if (bad) throw badTokenFatal('SLACK_BOT_TOKEN', bad);
    log.warn('slack.token_unverified', errorFields(err));
    return undefined;
  }
}

function tokenClient(config: Config): WebClient {
  return new WebClient(config.slackBotToken, {
    ...(config.slackApiUrl ? { slackApiUrl: config.slackApiUrl } : {}),
    retryConfig: { retries: 2, factor: 2, minTimeout: 500, maxTimeout: 2000 },
    timeout: 5000,
    rejectRateLimitedCalls: true,
  });
}

function reverifyUntilKnown(
  config: Config,
  log: Log,
  known: (identity: BotIdentity) => void,
  refused: () => void,
): void {
  const client = tokenClient(config);
  const timer = setInterval(async () => {
    try {
      const identity = await whoAmI(client);
      clearInterval(timer);
      known(identity);
      log.info('slack.token_verified', { team: identity.teamId, botUser: identity.botUserId });
    } catch (err) {
      const bad = isBadTokenError(err);
      if (!bad) return;
      clearInterval(timer);
      log.error('slack.token_refused', { variable: 'SLACK_BOT_TOKEN', slackError: bad });
      refused();
    }
  }, 60_000);
  timer.unref();
}

/**
 * When the process that started us exits (npm or a shell that got SIGTERM and did not pass it on),
 * we are re-parented: stop as if signalled, so nothing is left running. Under Docker and systemd the
 * parent never changes.
 */
function watchParent(onGone: () => void): void {
  const parent = process.ppid;
  const timer = setInterval(() => {
    if (process.ppid !== parent) {
      clearInterval(timer);
      onGone();
    }
  }, 1000);
  timer.unref();
}
