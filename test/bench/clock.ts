import { ManualClock } from '../../src/time.ts';

/**
 * The app's clock for the benchmarks: set by hand like the flow tests' ManualClock, and, while
 * `run()`, it moves with real time from the instant last set. So the live scheduler wakes at a due
 * instant by its own timer, and the deliverer's waits (a Retry-After, a probe) pass as they would.
 */
export class BenchClock extends ManualClock {
  private base: number;
  /** performance.now() when the clock last started running from `base`; null while frozen. */
  private since: number | null = null;

  constructor(ms: number) {
    super(ms);
    this.base = ms;
  }

  override now(): number {
    return this.since === null ? this.base : this.base + (performance.now() - this.since);
  }

  override set(ms: number): void {
    this.base = ms;
    if (this.since !== null) this.since = performance.now();
  }

  override advance(ms: number): void {
    this.set(this.now() + ms);
  }

  /** Moves with real time from now on. */
  run(): void {
    if (this.since === null) this.since = performance.now();
  }

  /** Stops where it is. */
  freeze(): void {
    this.base = this.now();
    this.since = null;
  }

  /** The real time (performance.now()) at which a running clock shows `ms`. */
  realTimeOf(ms: number): number {
    if (this.since === null) throw new Error('BenchClock.realTimeOf: the clock is frozen');
    return this.since + (ms - this.base);
  }
}
