import { describe, expect, it } from 'vitest';
import { ALICE, PATCH, useFlowHarness } from '../support/harness.ts';

const flow = useFlowHarness();

describe('stopping the bot (SIGTERM)', () => {
  it('finishes a request in flight, answers a new one 503 rather than resetting it, then closes', async () => {
    const h = await flow.start();
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => {
      release = r;
    });
    let entered: () => void = () => {};
    const inside = new Promise<void>((r) => {
      entered = r;
    });
    // A listener that is slow to answer: the request is in flight when the stop begins.
    h.bot.slack.app.command('/slowcheck', async ({ ack }) => {
      entered();
      await gate;
      await ack();
    });
    const inFlight = h.slack.command({ command: '/slowcheck', text: '', channel_id: PATCH, user_id: ALICE });
    await inside;
    let stopped = false;
    const stopping = h.bot.stop().then(() => {
      stopped = true;
    });
    // A second request on a new connection while draining: refused at once, never reset.
    const during = await h.slack
      .command({ command: '/slowcheck', text: '', channel_id: PATCH, user_id: ALICE })
      .then((r) => r.status)
      .catch((err: Error) => (err.cause as { code?: string } | undefined)?.code ?? err.message);
    expect([503, 'ECONNREFUSED']).toContain(during);
    expect(stopped).toBe(false);
    release();
    expect((await inFlight).status).toBe(200);
    await stopping;
    expect(stopped).toBe(true);
  });

  it('/healthz answers during normal running, with counts and no client data', async () => {
    const h = await flow.start();
    await h.tickAt('2026-11-23T10:00:00Z');
    const res = await fetch(h.slack.url.replace('/slack/events', '/healthz'));
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(JSON.parse(text)).toEqual({
      status: 'ok',
      problems: [],
      database: 'ok',
      jobs: { secondsSinceLastTick: 0 },
      outbox: { waiting: 0, oldestWaitSeconds: 0, parked: 0 },
    });
  });
});
