import { sql } from 'drizzle-orm';
import type { Db } from '../db/index.ts';
import { outboxHealth } from './slack/outbox.ts';
import type { Clock } from './time.ts';

/**
 * GET /healthz: is the bot doing its job? 200 when it is, 503 when the database cannot be read, the
 * jobs have not completed a tick for 2 minutes, or a message has waited more than 5 minutes for Slack.
 * Counts and ages only: never a client, a name or a note.
 */

export const JOBS_STALE_MS = 2 * 60_000;
export const OUTBOX_STALE_MS = 5 * 60_000;

export interface HealthSources {
  db: Db;
  clock: Clock;
  /** When the jobs last completed a tick (clock ms), or null before the first. */
  lastTickAt(): number | null;
  /** When the process started (clock ms): the jobs' age before their first tick. */
  startedAt: number;
}

export interface HealthReport {
  status: 'ok' | 'unhealthy';
  problems: string[];
  database: 'ok' | 'unreachable';
  jobs: { secondsSinceLastTick: number | null };
  outbox: { waiting: number; oldestWaitSeconds: number; parked: number };
}

const seconds = (ms: number) => Math.round(ms / 1000);

export function checkHealth(src: HealthSources): { status: 200 | 503; body: HealthReport } {
  const now = src.clock.now();
  const problems: string[] = [];
  let database: HealthReport['database'] = 'ok';
  let outbox: HealthReport['outbox'] = { waiting: 0, oldestWaitSeconds: 0, parked: 0 };
  try {
    src.db.get(sql`select 1`);
    const o = outboxHealth(src.db, now);
    outbox = { waiting: o.waiting, oldestWaitSeconds: seconds(o.oldestWaitMs), parked: o.parked };
    if (o.oldestWaitMs > OUTBOX_STALE_MS) problems.push('a message has waited more than 5 minutes for Slack');
  } catch {
    database = 'unreachable';
    problems.push('the database cannot be read');
  }
  const last = src.lastTickAt();
  const jobsAge = now - (last ?? src.startedAt);
  if (jobsAge > JOBS_STALE_MS) problems.push('the jobs have not completed a tick in 2 minutes');
  const body: HealthReport = {
    status: problems.length === 0 ? 'ok' : 'unhealthy',
    problems,
    database,
    jobs: { secondsSinceLastTick: last === null ? null : seconds(now - last) },
    outbox,
  };
  return { status: problems.length === 0 ? 200 : 503, body };
}
