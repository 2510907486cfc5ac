import cron, { type ScheduledTask } from 'node-cron';
import { sweepFixedVisits, sweepPopbacks } from './alerts/service.ts';
import type { Deps } from './deps.ts';
import { advanceEscalations } from './escalation/service.ts';
import { errorFields } from './log.ts';
import { makeDigestsDue } from './rota/digest.ts';
import { syncFixedVisits } from './rota/service.ts';

/**
 * The background jobs. Each asks "what is due at `now`?" of the database, so a tick after downtime
 * catches up by itself: the digest that was not posted is posted once, a visit missed while the bot was
 * down is alerted once. Ticks never overlap.
 */

export interface TickReport {
  created: number;
  digests: number;
  late: number;
  missed: number;
  nudged: number;
  escalated: number;
  /** Escalation chain steps, reminders and time-outs run. */
  steps: number;
}

/** One pass of every job at `now`. Plain and synchronous against SQLite; Slack I/O is the deliverer's. */
export async function runJobs(deps: Deps, now: number): Promise<TickReport> {
  const sync = await syncFixedVisits(deps, now);
  const digests = await makeDigestsDue(deps, now);
  const visits = await sweepFixedVisits(deps, now);
  const popbacks = await sweepPopbacks(deps, now);
  const steps = await advanceEscalations(deps, now);
  return { created: sync.created, digests, ...visits, ...popbacks, steps };
}

export class Scheduler {
  private task: ScheduledTask | null = null;
  private running: Promise<TickReport | null> | null = null;
  /** When the last tick completed (clock ms), for /healthz. */
  lastTickAt: number | null = null;

  constructor(
    private readonly deps: Deps,
    private readonly expression = '*/15 * * * * *',
  ) {}

  /**
   * Runs the jobs once now, then lets the deliverer send. A tick asked for while one is still running
   * (a slow sweep) is skipped, not queued: the next tick sees whatever is due by then.
   */
  async tick(): Promise<TickReport | null> {
    if (this.running) return null;
    const run = (async () => {
      try {
        const report = await runJobs(this.deps, this.deps.clock.now());
        this.lastTickAt = this.deps.clock.now();
        this.deps.deliverer.kick();
        return report;
      } catch (err) {
        this.deps.log.error('jobs.failed', errorFields(err));
        return null;
      }
    })();
    this.running = run;
    try {
      return await run;
    } finally {
      this.running = null;
    }
  }

  start(): void {
    void this.tick();
    this.task = cron.schedule(this.expression, () => void this.tick(), {
      noOverlap: true,
      name: 'patchbot-jobs',
    });
  }

  async stop(): Promise<void> {
    await this.task?.destroy();
    this.task = null;
    await this.running;
  }
}
