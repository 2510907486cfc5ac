import { type Db, openDb } from '../db/index.ts';
import { renderAlert, renderNudge } from './alerts/render.ts';
import type { Config } from './config.ts';
import type { Deps } from './deps.ts';
import { registerEscalation } from './escalation/listeners.ts';
import { renderEscalation, renderPatchNote } from './escalation/render.ts';
import { createLog, errorFields, type Log } from './log.ts';
import { registerPopback } from './popback/listeners.ts';
import { renderCard } from './popback/service.ts';
import { renderDigest } from './rota/digest.ts';
import { registerRota } from './rota/listeners.ts';
import { renderTakeover } from './rota/service.ts';
import { Scheduler } from './scheduler.ts';
import { createDeliveryClient, createSlackApp, type SlackApp } from './slack/app.ts';
import { Deliverer, type DelivererOptions } from './slack/deliverer.ts';
import type { RendererEntry } from './slack/outbox.ts';
import { type Clock, systemClock } from './time.ts';

/** The composition root: config → db → Slack app → deliverer (→ jobs). Thin: it only wires. */

/** Which renderer draws which subject. Subjects are named `<prefix><ids>` by the services. */
export const renderers: RendererEntry[] = [
  { prefix: 'popback:', render: renderCard },
  { prefix: 'digest:', render: renderDigest },
  { prefix: 'takeover:', render: renderTakeover },
  { prefix: 'alert:', render: renderAlert },
  { prefix: 'nudge:', render: renderNudge },
  { prefix: 'esc:', render: renderEscalation },
  { prefix: 'escpatch:', render: renderPatchNote },
];

export interface Patchbot {
  deps: Deps;
  db: Db;
  slack: SlackApp;
  deliverer: Deliverer;
  scheduler: Scheduler;
  start(): Promise<{ port?: number }>;
  stop(): Promise<void>;
}

export function createPatchbot(
  config: Config,
  opts: {
    db?: Db;
    clock?: Clock;
    log?: Log;
    delivery?: DelivererOptions;
    deliveryPollMs?: number;
    /** Cron expression of the jobs tick; `false` leaves ticking to the caller (tests, demo). */
    schedule?: string | false;
  } = {},
): Patchbot {
  const log = opts.log ?? createLog(config.logLevel);
  const db = opts.db ?? openDb(config.databasePath);
  const clock = opts.clock ?? systemClock;
  const deliverer = new Deliverer(
    { db, client: createDeliveryClient(config, log), clock, log, renderers },
    opts.delivery ?? {},
  );
  const deps: Deps = { db, clock, log, deliverer };
  const slack = createSlackApp(config, log);
  registerPopback(slack.app, deps);
  registerRota(slack.app, deps);
  registerEscalation(slack.app, deps);
  const scheduler = new Scheduler(deps, opts.schedule || undefined);
  return {
    deps,
    db,
    slack,
    deliverer,
    scheduler,
    async start() {
      const started = await slack.start();
      deliverer.start(opts.deliveryPollMs ?? 5000);
      if (opts.schedule !== false) scheduler.start();
      return started;
    },
    async stop() {
      await scheduler.stop();
      await slack.stop();
      await slack.settled();
      await deliverer.stop();
    },
  };
}

/** `npm start`: run until SIGINT/SIGTERM, then finish in-flight work and close the database. */
export async function runPatchbot(config: Config): Promise<void> {
  const bot = createPatchbot(config);
  const { log } = bot.deps;
  process.on('unhandledRejection', (err) => log.error('process.unhandled_rejection', errorFields(err)));
  await bot.start();
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info('process.stopping', { signal });
    try {
      await bot.stop();
    } finally {
      bot.db.$client.close();
      process.exit(0);
    }
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
}
