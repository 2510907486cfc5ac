import type { Db } from '../../db/index.ts';
import { errorFields, type Log } from '../log.ts';
import type { Clock } from '../time.ts';

/**
 * The jobs engine. Each capability hands in its jobs; each job keeps the next instant it has work in an
 * indexed column and answers `nextDue` with an index probe. A tick runs every job at `now` and costs
 * what is due, not the size of the roster. Between ticks the scheduler sleeps until the earliest due
 * instant, never longer than a minute, and `poke()` wakes it early when a write may have made
 * something due sooner. A tick after downtime catches up by itself: every job asks what is due at now.
 */

export interface Job {
  name: string;
  /** The earliest instant this job has work, or null for none. Cheap: an index probe or two. */
  nextDue(db: Db): number | null;
  /** Does everything due at `now`; returns how many things it did. */
  run(now: number): Promise<number>;
}

export type TickReport = Record<string, number>;

export const MAX_SLEEP_MS = 60_000;
/** After a tick that did nothing, wait at least this long even if a job still says it is due. */
const IDLE_RETRY_MS = 1000;

export interface SchedulerDeps {
  db: Db;
  clock: Clock;
  log: Log;
  /** Called after a tick that did something (the deliverer, to send at once). */
  afterTick?: () => void;
}

export class Scheduler {
  private running: Promise<TickReport | null> | null = null;
  private timer: NodeJS.Timeout | null = null;
  private started = false;
  /** When the timer will fire (clock ms), to tell whether a poke brings it forward. */
  private wakeAt = Number.POSITIVE_INFINITY;
  /** When the last tick completed (clock ms), for /healthz. */
  lastTickAt: number | null = null;
  /** Whether the last tick did anything: if not, something "due" that nobody can do must not spin. */
  private progressed = true;
  private poked = false;

  constructor(
    private readonly deps: SchedulerDeps,
    private readonly jobs: readonly Job[],
    private readonly maxSleepMs = MAX_SLEEP_MS,
  ) {}

  /**
   * Runs every job once at now. A tick asked for while one is still running is skipped, not queued:
   * the running one re-arms the timer when it ends, and the next tick sees whatever is due by then.
   */
  async tick(): Promise<TickReport | null> {
    if (this.running) return null;
    const run = (async () => {
      const now = this.deps.clock.now();
      const report: TickReport = {};
      let failed = false;
      for (const job of this.jobs) {
        try {
          report[job.name] = await job.run(now);
        } catch (err) {
          // One job's failure must not stop the others (a digest must not hold up an escalation).
          failed = true;
          this.deps.log.error('jobs.failed', { job: job.name, ...errorFields(err) });
        }
      }
      if (!failed) this.lastTickAt = this.deps.clock.now();
      this.progressed = Object.values(report).some((n) => n > 0);
      if (this.progressed) this.deps.afterTick?.();
      return report;
    })();
    this.running = run;
    try {
      return await run;
    } finally {
      this.running = null;
      const poked = this.poked;
      this.poked = false;
      if (this.started) this.arm(this.nextDue(), !poked);
    }
  }

  /** The earliest instant any job has work (null: none). */
  nextDue(): number | null {
    let next: number | null = null;
    for (const job of this.jobs) {
      try {
        const at = job.nextDue(this.deps.db);
        if (at !== null && (next === null || at < next)) next = at;
      } catch (err) {
        this.deps.log.error('jobs.next_due_failed', { job: job.name, ...errorFields(err) });
      }
    }
    return next;
  }

  /** Something was written that may be due sooner than the timer: look again. */
  poke(): void {
    if (!this.started) return;
    if (this.running) {
      this.poked = true; // looked at again as soon as the running tick ends
      return;
    }
    const next = this.nextDue();
    if (next !== null && next < this.wakeAt) this.arm(next);
  }

  start(): void {
    this.started = true;
    void this.tick();
  }

  async stop(): Promise<void> {
    this.started = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.running;
  }

  /**
   * Sets the timer for `next`. Right after a tick that did nothing, something still "due" is work no
   * job could do (a failing one): then wait a second rather than spin.
   */
  private arm(next: number | null, afterTick = false): void {
    if (this.timer) clearTimeout(this.timer);
    const now = this.deps.clock.now();
    const overdue = next !== null && next <= now;
    const floor = afterTick && overdue && !this.progressed ? IDLE_RETRY_MS : 0;
    const wait = Math.max(floor, Math.min(this.maxSleepMs, next === null ? this.maxSleepMs : next - now));
    this.wakeAt = now + wait;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.wakeAt = Number.POSITIVE_INFINITY;
      void this.tick();
    }, wait);
  }
}
