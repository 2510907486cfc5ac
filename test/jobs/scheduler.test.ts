import { afterEach, describe, expect, it } from 'vitest';
import { openDb } from '../../db/index.ts';
import { type Job, MAX_SLEEP_MS, Scheduler } from '../../src/jobs/scheduler.ts';
import { type Log, silentLog } from '../../src/log.ts';
import { ManualClock, systemClock } from '../../src/time.ts';

/**
 * The jobs engine alone, with jobs that say when they are due. It sleeps until the earliest due
 * instant (never longer than a minute), is woken early by a poke, runs every job in a tick even when
 * one fails, and never runs two ticks at once.
 */

const db = openDb(':memory:');
let scheduler: Scheduler | null = null;
afterEach(async () => {
  await scheduler?.stop();
  scheduler = null;
});

function job(
  name: string,
  due: () => number | null,
  run: (now: number) => number = () => 0,
): Job & { runs: number[] } {
  const runs: number[] = [];
  return {
    name,
    runs,
    nextDue: () => due(),
    async run(now) {
      runs.push(now);
      return run(now);
    },
  };
}

const waitUntil = async (probe: () => boolean, ms = 5000) => {
  const until = Date.now() + ms;
  while (!probe()) {
    if (Date.now() > until) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 5));
  }
};

describe('the scheduler', () => {
  it('a tick runs every job once at now and reports what each did', async () => {
    const clock = new ManualClock(1000);
    const a = job(
      'a',
      () => null,
      () => 2,
    );
    const b = job(
      'b',
      () => null,
      () => 0,
    );
    scheduler = new Scheduler({ db, clock, log: silentLog }, [a, b]);
    expect(await scheduler.tick()).toEqual({ a: 2, b: 0 });
    expect(a.runs).toEqual([1000]);
    expect(scheduler.lastTickAt).toBe(1000);
  });

  it('one failing job does not stop the others, and the failure is logged by name only', async () => {
    const lines: string[] = [];
    const log: Log = { ...silentLog, error: (e, f) => lines.push(`${e} ${JSON.stringify(f)}`) };
    const clock = new ManualClock(1000);
    const broken: Job = {
      name: 'broken',
      nextDue: () => null,
      run: async () => {
        throw new Error('Mrs P is not a number');
      },
    };
    const after = job(
      'after',
      () => null,
      () => 1,
    );
    scheduler = new Scheduler({ db, clock, log }, [broken, after]);
    expect(await scheduler.tick()).toEqual({ after: 1 });
    expect(after.runs).toHaveLength(1);
    expect(lines).toEqual(['jobs.failed {"job":"broken","error":"Error"}']);
    expect(scheduler.lastTickAt).toBeNull(); // an incomplete tick is not a completed one (health)
  });

  it('never runs two ticks at once: one asked for meanwhile is skipped', async () => {
    let release: () => void = () => {};
    const slow: Job = {
      name: 'slow',
      nextDue: () => null,
      run: () =>
        new Promise((r) => {
          release = () => r(1);
        }),
    };
    scheduler = new Scheduler({ db, clock: new ManualClock(0), log: silentLog }, [slow]);
    const first = scheduler.tick();
    expect(await scheduler.tick()).toBeNull();
    release();
    expect(await first).toEqual({ slow: 1 });
  });

  it('sleeps until the earliest due instant, not on a fixed grid', async () => {
    let dueAt: number | null = Date.now() + 150;
    const j = job(
      'j',
      () => dueAt,
      (now) => {
        if (dueAt !== null && now >= dueAt) {
          dueAt = null;
          return 1;
        }
        return 0;
      },
    );
    scheduler = new Scheduler({ db, clock: systemClock, log: silentLog }, [j]);
    const started = Date.now();
    scheduler.start();
    await waitUntil(() => j.runs.length >= 2);
    // The first run is at start; the second as soon as the job is due (not 60 s later).
    expect((j.runs[1] as number) - started).toBeGreaterThanOrEqual(140);
    expect((j.runs[1] as number) - started).toBeLessThan(MAX_SLEEP_MS);
  });

  it('a poke wakes it early when something became due sooner than it was sleeping for', async () => {
    let dueAt: number | null = null; // nothing due: it sleeps for the full minute
    const j = job(
      'j',
      () => dueAt,
      () => 0,
    );
    scheduler = new Scheduler({ db, clock: systemClock, log: silentLog }, [j]);
    scheduler.start();
    await waitUntil(() => j.runs.length === 1);
    dueAt = Date.now();
    scheduler.poke();
    await waitUntil(() => j.runs.length === 2, 2000);
    expect(j.runs).toHaveLength(2);
  });

  it('never sleeps longer than a minute, so /healthz sees ticks even when nothing is ever due', () => {
    expect(MAX_SLEEP_MS).toBe(60_000);
  });
});
