import { describe, expect, it } from 'vitest';
import { openDb } from '../db/index.ts';
import { checkHealth } from '../src/health.ts';
import { markDue } from '../src/slack/outbox.ts';
import { ManualClock, MINUTE } from '../src/time.ts';

describe('/healthz', () => {
  const t0 = Date.parse('2026-11-23T08:00:00Z');

  it('is 200 while ticks complete and Slack keeps up', () => {
    const db = openDb(':memory:');
    const clock = new ManualClock(t0);
    markDue(db, { subject: 'alert:1', channel: 'C1', priority: 1 }, t0);
    clock.advance(4 * MINUTE);
    const r = checkHealth({ db, clock, startedAt: t0, lastTickAt: () => t0 + 3 * MINUTE });
    expect(r).toEqual({
      status: 200,
      body: {
        status: 'ok',
        problems: [],
        database: 'ok',
        jobs: { secondsSinceLastTick: 60 },
        outbox: { waiting: 1, oldestWaitSeconds: 240, parked: 0 },
      },
    });
  });

  it('is 503 when a message has waited more than 5 minutes', () => {
    const db = openDb(':memory:');
    const clock = new ManualClock(t0);
    markDue(db, { subject: 'alert:1', channel: 'C1', priority: 1 }, t0);
    // A later change to the same message does not reset how long Slack has been behind it.
    markDue(db, { subject: 'alert:1', channel: 'C1', priority: 1 }, t0 + 4 * MINUTE);
    clock.advance(5 * MINUTE + 1000);
    const r = checkHealth({ db, clock, startedAt: t0, lastTickAt: () => clock.now() });
    expect(r.status).toBe(503);
    expect(r.body.problems).toEqual(['a message has waited more than 5 minutes for Slack']);
  });

  it('is 503 when the jobs have not completed a tick in 2 minutes (or never, 2 minutes after start)', () => {
    const db = openDb(':memory:');
    const clock = new ManualClock(t0 + 2 * MINUTE + 1000);
    expect(checkHealth({ db, clock, startedAt: t0, lastTickAt: () => null }).body).toMatchObject({
      status: 'unhealthy',
      problems: ['the jobs have not completed a tick in 2 minutes'],
      jobs: { secondsSinceLastTick: null },
    });
    expect(checkHealth({ db, clock, startedAt: t0, lastTickAt: () => t0 + MINUTE }).status).toBe(200);
  });

  it('is 503 when the database cannot be read', () => {
    const db = openDb(':memory:');
    db.$client.close();
    const r = checkHealth({ db, clock: new ManualClock(t0), startedAt: t0, lastTickAt: () => t0 });
    expect(r.status).toBe(503);
    expect(r.body).toMatchObject({ database: 'unreachable', problems: ['the database cannot be read'] });
  });
});
