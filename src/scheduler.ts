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
export function runJobs(deps: Deps, now: number): TickReport {
  const sync = syncFixedVisits(deps, now);
  const digests = makeDigestsDue(deps, now);
  const visits = sweepFixedVisits(deps, now);
  const popbacks = sweepPopbacks(deps, now);
  const steps = advanceEscalations(deps, now);
  return { created: sync.created, digests, ...visits, ...popbacks, steps };
}

export class Scheduler {
  private task: ScheduledTask | null = null;
  private running = false;

  constructor(
    private readonly deps: Deps,
    private readonly expression = '*/15 * * * * *',
  ) {}

  /** Runs the jobs once now (unless a tick is already running), then lets the deliverer send. */
  tick(): TickReport | null {
    if (this.running) return null;
    this.running = true;
    try {
      const report = runJobs(this.deps, this.deps.clock.now());
      this.deps.deliverer.kick();
      return report;
    } catch (err) {
      this.deps.log.error('jobs.failed', errorFields(err));
      return null;
    } finally {
      this.running = false;
    }
  }

  start(): void {
    this.tick();
    this.task = cron.schedule(this.expression, () => void this.tick(), {
      noOverlap: true,
      name: 'patchbot-jobs',
    });
  }

  async stop(): Promise<void> {
    await this.task?.destroy();
    this.task = null;
  }
}
