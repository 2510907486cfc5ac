import type { KnownBlock } from '@slack/types';
import { type FetchFunction, type Logger, LogLevel, WebClient } from '@slack/web-api';
import { eq } from 'drizzle-orm';
import { HttpResponse, http } from 'msw';
import type { SetupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { type Db, openDb } from '../../db/index.ts';
import { slackMessages } from '../../db/schema.ts';
import type { Fields, Log } from '../../src/log.ts';
import { Deliverer, type DelivererOptions, SUBJECT_EVENT } from '../../src/slack/deliverer.ts';
import {
  backlog,
  getOutboxRow,
  markDue,
  type OutboxRow,
  outboxHealth,
  PRIORITY,
  type Renderer,
  type SubjectKind,
  unpark,
} from '../../src/slack/outbox.ts';
import { type Clock, ManualClock, MINUTE } from '../../src/time.ts';
import {
  type FakeCall,
  type FakeMessage,
  FakeSlack,
  startFakeSlackServer,
} from '../support/slack/fake-slack.ts';

/**
 * The Deliverer against a real in-memory database, a real WebClient (no retries of its own, 429s
 * rejected, as in production) and the msw stand-in for Slack's Web API.
 *
 * Time is driven by hand: one ManualClock is both the deliverer's clock (next attempts, probes, pauses)
 * and its monotonic time (pacing), and the stand-in stamps calls and message ts with it too. A test moves
 * the clock, then `drain()`s (kick, then wait until the deliverer is idle). The deliverer also arms a real
 * timer to wake itself; such a wake-up only ever does what a kick at the current driven time would do, and
 * every deliverer is stopped after each test. One test fakes that timer to check the deliverer wakes itself.
 *
 * Every call goes through a counting fetch, so each test also checks that no channel ever had two calls in
 * flight at once, and a run-away loop (thousands of calls) fails fast instead of hanging.
 */

const T0 = Date.parse('2026-11-23T10:00:00Z');
const SECOND = 1000;
const C1 = 'C0PATCH07';
const C2 = 'C0PATCH08';
const C3 = 'C0PATCH09';
const GAP = 1000;
const PROBE = 2000;
const RETRY = 2000;
const PARK_AFTER = 3;
const TOKEN = 'xoxb-test';
/** More calls than any test needs: a deliverer that loops on Slack is stopped here and the test fails. */
const RUNAWAY = 5000;

const quiet: Logger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
  setLevel() {},
  getLevel: () => LogLevel.ERROR,
  setName() {},
};

const clock = new ManualClock(T0);
const fake = new FakeSlack({ clock: () => clock.now() });
let server: SetupServer;

/** What went over the wire: calls in flight (all, and per channel), and the most ever seen at once. */
const traffic = {
  total: 0,
  inFlight: 0,
  maxInFlight: 0,
  perChannel: new Map<string, number>(),
  maxPerChannel: 0,
  /** Called (once) as a request leaves, before Slack has answered it. */
  onRequest: null as ((method: string, channel: string) => void) | null,
};

const countingFetch: FetchFunction = async (url, init) => {
  if (++traffic.total > RUNAWAY) throw new Error(`runaway: more than ${RUNAWAY} calls in one test`);
  const method = String(url).slice(fake.apiUrl.length);
  const channel = typeof init?.body === 'string' ? (new URLSearchParams(init.body).get('channel') ?? '') : '';
  const inChannel = (traffic.perChannel.get(channel) ?? 0) + 1;
  traffic.perChannel.set(channel, inChannel);
  traffic.maxPerChannel = Math.max(traffic.maxPerChannel, inChannel);
  traffic.maxInFlight = Math.max(traffic.maxInFlight, ++traffic.inFlight);
  // One shot, and run once the deliverer's synchronous part is over, as a change from elsewhere would be.
  const hook = traffic.onRequest;
  traffic.onRequest = null;
  if (hook) queueMicrotask(() => hook(method, channel));
  try {
    // msw has patched globalThis.fetch by the time any call is made.
    return await globalThis.fetch(url, init as RequestInit);
  } finally {
    traffic.inFlight--;
    traffic.perChannel.set(channel, (traffic.perChannel.get(channel) ?? 1) - 1);
  }
};

const client = new WebClient(TOKEN, {
  slackApiUrl: fake.apiUrl,
  retryConfig: { retries: 0 },
  rejectRateLimitedCalls: true,
  logger: quiet,
  fetch: countingFetch,
});

beforeAll(() => {
  server = startFakeSlackServer(fake);
});
afterAll(() => server.close());

/** What each test subject shows; a subject missing here renders as `null` (nothing to show). */
let state: Map<string, string>;
/** Subjects whose renderer throws. */
let poisoned: Set<string>;
/** How often each subject was rendered. */
let renders: Map<string, number>;
/** Called at each render (a test's probe of when renders happen). */
let onRender: (() => void) | null;
let db: Db;
let events: Array<{ level: keyof Log; event: string; fields: Fields | undefined }>;
const running: Deliverer[] = [];

const render: Renderer = (_db, subject) => {
  renders.set(subject, (renders.get(subject) ?? 0) + 1);
  onRender?.();
  if (poisoned.has(subject)) throw new TypeError(`cannot read properties of undefined (drawing ${subject})`);
  const text = state.get(subject);
  if (text === undefined) return null;
  const blocks: KnownBlock[] = [{ type: 'section', text: { type: 'mrkdwn', text } }];
  return { text, blocks };
};

/** Subjects with no kind (`mystery:`) have no renderer at all. */
const subjects: SubjectKind[] = [
  { prefix: 'esc:', priority: PRIORITY.escalation, render },
  { prefix: 'alert:', priority: PRIORITY.alert, render },
  { prefix: 'card:', priority: PRIORITY.card, render },
  { prefix: 'digest:', priority: PRIORITY.digest, render },
];

const log: Log = {
  debug: (event, fields) => events.push({ level: 'debug', event, fields }),
  info: (event, fields) => events.push({ level: 'info', event, fields }),
  warn: (event, fields) => events.push({ level: 'warn', event, fields }),
  error: (event, fields) => events.push({ level: 'error', event, fields }),
};

/**
 * The clock the deliverer sees. A deliverer that loops without ever awaiting I/O starves the event loop,
 * so vitest's time-out could never fire: this turns such a spin into a failure instead of a hang.
 */
let clockReads = 0;
const guardedClock: Clock = {
  now() {
    if (++clockReads > 200_000) throw new Error('the deliverer is spinning: 200000 clock reads in one test');
    return clock.now();
  },
};

beforeEach(() => {
  fake.reset();
  fake.latencyMs = 0;
  clock.set(T0);
  db = openDb(':memory:');
  state = new Map();
  poisoned = new Set();
  renders = new Map();
  onRender = null;
  events = [];
  clockReads = 0;
  traffic.total = 0;
  traffic.inFlight = 0;
  traffic.maxInFlight = 0;
  traffic.perChannel.clear();
  traffic.maxPerChannel = 0;
  traffic.onRequest = null;
});
afterEach(async () => {
  try {
    await stopAll();
    server.resetHandlers();
    fake.assertClean();
    expect(traffic.total, 'calls made in this test').toBeLessThanOrEqual(RUNAWAY);
    expect(traffic.maxPerChannel, 'calls in flight in one channel at once').toBeLessThanOrEqual(1);
  } finally {
    db.$client.close();
  }
});

/** A started deliverer (its safety-net poll set far beyond any test). Stopped after the test. */
function deliverer(opts: DelivererOptions = {}): Deliverer {
  const d = new Deliverer(
    { db, client, clock: guardedClock, log, subjects },
    {
      postGapMs: GAP,
      probeMs: PROBE,
      retryMs: RETRY,
      maxRetryMs: 5 * MINUTE,
      parkAfter: PARK_AFTER,
      monotonic: () => clock.now(),
      ...opts,
    },
  );
  running.push(d);
  d.start(60 * MINUTE);
  return d;
}

async function stopAll(): Promise<void> {
  await Promise.all(running.splice(0).map((d) => d.stop()));
}

/** Does what is due at the clock's time now, and waits until it is done. */
async function drain(d: Deliverer): Promise<void> {
  d.kick();
  await d.idle();
}

/** Drains once a second (of driven time) until nothing is owed; returns how many seconds that took. */
async function secondsToEmpty(d: Deliverer, limit = 60): Promise<number> {
  for (let s = 0; ; s++) {
    await drain(d);
    if (backlog(db) === 0 || s >= limit) return s;
    clock.advance(SECOND);
  }
}

const priorityOf = (subject: string) =>
  subjects.find((k) => subject.startsWith(k.prefix))?.priority ?? PRIORITY.card;

/** Changes what a subject shows and marks it due, as a service does in its transaction. */
function change(subject: string, text: string, channel = C1, threadSubject?: string): void {
  state.set(subject, text);
  markDue(
    db,
    { subject, channel, priority: priorityOf(subject), ...(threadSubject ? { threadSubject } : {}) },
    clock.now(),
  );
}

function row(subject: string): OutboxRow {
  const r = getOutboxRow(db, subject);
  if (!r) throw new Error(`no outbox row for ${subject}`);
  return r;
}

const allRows = () => db.select().from(slackMessages).all();

/**
 * Makes every `method` call to `channel` answer `error` until the test resets the handlers: Slack's
 * refusals are per channel, and `failNext` would hit whichever channel's call comes first.
 */
function refuse(method: string, channel: string, error: string): void {
  server.use(
    http.post(`${fake.apiUrl}${method}`, async ({ request }) => {
      const args = Object.fromEntries(new URLSearchParams(await request.clone().text()));
      if (args.channel !== channel) return undefined; // the stand-in answers
      delete args.token;
      fake.calls.push({ method, args, at: clock.now(), realAt: Date.now(), failed: error });
      return HttpResponse.json({ ok: false, error });
    }),
  );
}

const describeCall = (c: FakeCall) => (c.failed ? `${c.method} (${c.failed})` : c.method);
/** Calls that try a message: the auth.test second opinions a stuck probe asks for are left out. */
const workCalls = () => fake.calls.filter((c) => c.method !== 'auth.test');
const methods = (calls: FakeCall[] = fake.calls) => calls.map(describeCall);
const subjectOf = (m: { metadata?: { event_payload: Record<string, unknown> } }) =>
  m.metadata?.event_payload.subject;
const postedSubject = (c: FakeCall) =>
  (c.args.metadata as { event_payload?: { subject?: unknown } } | undefined)?.event_payload?.subject;
const callsTo = (channel: string) => fake.calls.filter((c) => c.args.channel === channel);
const texts = (calls: FakeCall[]) => calls.map((c) => c.args.text);

describe('posting and updating', () => {
  it('posts a subject once with its subject in the metadata, then updates that same message in place', async () => {
    const d = deliverer();
    change('card:1', 'first');
    await drain(d);

    expect(methods()).toEqual(['chat.postMessage']);
    expect(fake.posts(C1)[0]?.args).toMatchObject({
      channel: C1,
      text: 'first',
      metadata: { event_type: SUBJECT_EVENT, event_payload: { subject: 'card:1' } },
    });
    const [posted] = fake.messages(C1);
    expect(posted).toMatchObject({ text: 'first', metadata: { event_payload: { subject: 'card:1' } } });
    expect(row('card:1')).toMatchObject({
      ts: posted?.ts,
      wantRev: 1,
      doneRev: 1,
      postStartedAt: null,
      pendingSince: null,
    });

    change('card:1', 'second');
    await drain(d);
    change('card:1', 'third');
    await drain(d);

    expect(methods()).toEqual(['chat.postMessage', 'chat.update', 'chat.update']);
    expect(fake.calls[2]?.args).toMatchObject({ channel: C1, ts: posted?.ts, text: 'third' });
    const messages = fake.messages(C1);
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatchObject({ ts: posted?.ts, text: 'third', edits: 2 });
    expect(subjectOf(messages[0] ?? {})).toBe('card:1');
    expect(backlog(db)).toBe(0);
  });

  it('with nothing due makes no call, however often it is kicked', async () => {
    const d = deliverer();
    await drain(d);
    expect(fake.calls).toHaveLength(0);
    change('card:1', 'x');
    await drain(d);
    await drain(d);
    clock.advance(10 * MINUTE);
    await drain(d);
    expect(fake.calls).toHaveLength(1);
  });

  it('coalesces ten changes made before delivery into one call showing the latest state', async () => {
    const d = deliverer();
    for (let i = 1; i <= 10; i++) change('card:1', `v${i}`);
    await drain(d);
    expect(methods()).toEqual(['chat.postMessage']);
    expect(fake.messages(C1).map((m) => m.text)).toEqual(['v10']);
    expect(row('card:1')).toMatchObject({ wantRev: 10, doneRev: 10 });

    for (let i = 11; i <= 20; i++) change('card:1', `v${i}`);
    await drain(d);
    expect(methods()).toEqual(['chat.postMessage', 'chat.update']);
    expect(fake.messages(C1).map((m) => m.text)).toEqual(['v20']);
    expect(backlog(db)).toBe(0);
  });

  it('does not lose a change made while its call is in flight: it is delivered right after', async () => {
    const d = deliverer();
    change('card:1', 'before');
    // The state changes after the deliverer has rendered and sent the post, before Slack answers.
    traffic.onRequest = () => {
      change('card:1', 'during');
    };
    await drain(d);
    expect(methods()).toEqual(['chat.postMessage', 'chat.update']);
    expect(fake.posts(C1).map((p) => p.args.text)).toEqual(['before']);
    expect(fake.messages(C1).map((m) => m.text)).toEqual(['during']);
    expect(row('card:1')).toMatchObject({ wantRev: 2, doneRev: 2 });
    expect(backlog(db)).toBe(0);
  });

  it('kick() delivers in the background; idle() resolves once it is done; kicks during a run are not lost', async () => {
    const d = deliverer();
    change('card:1', 'one', C1);
    d.kick();
    expect(d.busy).toBe(true);
    d.kick(); // while running: folded into the run, never a second concurrent one
    change('card:2', 'two', C2);
    d.kick();
    await d.idle();
    expect(d.busy).toBe(false);
    expect(texts(fake.posts()).sort()).toEqual(['one', 'two']);

    // A change and a kick as Slack answers the last call of a run: picked up before the run ends.
    change('card:3', 'three', C3);
    traffic.onRequest = () => {
      change('card:4', 'four', 'C0PATCH10'); // a channel with no post yet: not paced
      d.kick();
    };
    d.kick();
    await d.idle();
    expect(texts(fake.posts()).sort()).toEqual(['four', 'one', 'three', 'two']);

    await d.stop();
    change('card:5', 'five', C3);
    d.kick();
    expect(d.busy).toBe(false);
    await d.idle();
    expect(fake.posts()).toHaveLength(4);
    expect(backlog(db)).toBe(1);
  });
});

describe('pacing', () => {
  it('holds a second new post to one channel postGapMs behind the first, without holding up another channel', async () => {
    const d = deliverer();
    change('card:a', 'a', C1);
    change('card:b', 'b', C1);
    change('card:x', 'x', C2);
    await drain(d);
    expect(texts(fake.posts()).sort()).toEqual(['a', 'x']); // x is not behind b

    clock.advance(GAP - 1);
    await drain(d);
    expect(fake.posts()).toHaveLength(2);

    clock.advance(1);
    await drain(d);
    const at = (calls: FakeCall[]) => calls.map((p) => [p.args.text, p.at - T0]);
    expect(at(fake.posts(C1))).toEqual([
      ['a', 0],
      ['b', GAP],
    ]);
    expect(at(fake.posts(C2))).toEqual([['x', 0]]);
    expect(backlog(db)).toBe(0);
  });

  it('does not pace updates: right after a post to a channel, its updates go at once', async () => {
    const d = deliverer();
    change('card:a', 'a1');
    change('card:b', 'b1');
    expect(await secondsToEmpty(d)).toBe(1);
    const postedAt = clock.now();

    change('card:a', 'a2');
    change('card:b', 'b2');
    await drain(d);
    expect(methods()).toEqual(['chat.postMessage', 'chat.postMessage', 'chat.update', 'chat.update']);
    expect(fake.calls.slice(2).every((c) => c.at === postedAt)).toBe(true);

    // A new post at that same moment still waits for the gap.
    change('card:c', 'c1');
    await drain(d);
    expect(fake.posts(C1)).toHaveLength(2);
    clock.advance(GAP);
    await drain(d);
    expect(fake.posts(C1).map((p) => [p.args.text, p.at - postedAt])).toEqual([
      ['a1', -GAP],
      ['b1', 0],
      ['c1', GAP],
    ]);
  });
});

describe('rate limits', () => {
  it('after a 429 with Retry-After 30 sends nothing to that channel until 30 s have passed; other channels keep flowing', async () => {
    const d = deliverer();
    fake.failNext('chat.postMessage', { status: 429, retryAfter: 30 });
    change('card:a', 'a', C1);
    await drain(d);
    expect(methods()).toEqual(['chat.postMessage (http_429)']);
    expect(d.slackDown).toBe(false);
    // Not this message's fault: no attempt counted against it, and no look-up needed (nothing was posted).
    expect(row('card:a')).toMatchObject({
      ts: null,
      lastError: 'ratelimited',
      nextAttemptAt: T0 + 30_000,
      attempts: 0,
      postStartedAt: null,
    });

    // Meanwhile: more for the limited channel (held) and a new message for another one (sent).
    clock.advance(SECOND);
    change('card:b', 'b', C1);
    change('card:x', 'x', C2);
    await drain(d);
    expect(fake.posts(C1)).toHaveLength(0);
    expect(texts(fake.posts(C2))).toEqual(['x']);

    while (clock.now() < T0 + 30_000 - SECOND) {
      clock.advance(SECOND);
      await drain(d);
    }
    clock.set(T0 + 29_999);
    await drain(d);
    expect(callsTo(C1)).toHaveLength(1); // only the refused one

    clock.set(T0 + 30_000);
    await drain(d);
    expect(texts(fake.posts(C1))).toEqual(['a']);
    clock.advance(GAP);
    await drain(d);
    expect(texts(fake.posts(C1))).toEqual(['a', 'b']);
    expect(fake.messages(C1).map(subjectOf)).toEqual(['card:a', 'card:b']);
    await drain(d);
    expect(fake.posts(C1)).toHaveLength(2);
    expect(backlog(db)).toBe(0);
  });

  it('keeps other channels flowing even when the rate-limited channel has more than a page of messages due', async () => {
    const d = deliverer({ postGapMs: 0 });
    fake.failNext('chat.postMessage', { status: 429, retryAfter: 30 });
    for (let i = 0; i < 510; i++) change(`card:${String(i).padStart(3, '0')}`, `n${i}`, C1);
    await drain(d);
    expect(fake.calls).toHaveLength(1);

    clock.advance(SECOND);
    change('card:other', 'other channel', C2);
    await drain(d);
    expect(texts(fake.posts(C2))).toEqual(['other channel']);
    expect(fake.posts(C1)).toHaveLength(0);

    clock.set(T0 + 30_000);
    await drain(d);
    expect(fake.posts(C1)).toHaveLength(510);
    expect(new Set(fake.messages(C1).map(subjectOf)).size).toBe(510);
    expect(backlog(db)).toBe(0);
  });

  it('does not keep a quiet channel waiting behind another channel’s backlog of paced posts', async () => {
    const d = deliverer();
    for (let i = 0; i < 520; i++) change(`card:busy:${String(i).padStart(3, '0')}`, `busy ${i}`, C1);
    change('card:quiet', 'quiet', C2);
    await drain(d);
    // The first round: one post to the busy channel (the rest are paced), and the quiet one.
    expect(texts(fake.posts()).sort()).toEqual(['busy 0', 'quiet']);
    clock.advance(GAP);
    await drain(d);
    expect(texts(fake.posts(C1))).toEqual(['busy 0', 'busy 1']);
  });
});

describe('Slack is down', () => {
  it('on 5xx and network errors sends one probe every probeMs (no growing waits), then delivers once when Slack answers (auth.test tells a stuck probe from an outage)', async () => {
    const d = deliverer();
    fake.failNext('*', { status: 502 });
    fake.failNext('*', { network: true });
    fake.failNext('*', { status: 500 });
    change('card:1', 'hello');
    await drain(d);
    expect(d.slackDown).toBe(true);
    expect(events).toContainEqual(expect.objectContaining({ level: 'warn', event: 'slack.unreachable' }));

    for (let i = 0; i < 2; i++) {
      const calls = workCalls().length;
      clock.advance(PROBE - 1);
      await drain(d);
      expect(workCalls().length).toBe(calls);
      clock.advance(1);
      await drain(d);
      expect(workCalls().length).toBe(calls + (i === 0 ? 1 : 3));
    }
    // The post's fate was unknown after the 502, so each probe first looks for it. After three failed
    // probes with one message, auth.test asks whether it is Slack or that message: Slack answers, so
    // it is up, and the message goes at once (its look-up finds nothing, so it is posted).
    expect(methods()).toEqual([
      'chat.postMessage (http_502)',
      'conversations.history (network)',
      'conversations.history (http_500)',
      'auth.test',
      'conversations.history',
      'chat.postMessage',
    ]);
    expect(fake.calls.map((c) => c.at - T0)).toEqual([0, PROBE, 2 * PROBE, 2 * PROBE, 2 * PROBE, 2 * PROBE]);
    expect(d.slackDown).toBe(false);
    expect(fake.messages(C1)).toHaveLength(1);
    expect(row('card:1')).toMatchObject({
      ts: fake.messages(C1)[0]?.ts,
      attempts: 0,
      lastError: null,
      parkedAt: null,
    });
    expect(events).toContainEqual(expect.objectContaining({ event: 'slack.back' }));
    expect(backlog(db)).toBe(0);
  });

  it.each([1, 10])(
    'rides out a %i-minute outage: one probe per probeMs, the most urgent; nothing doubled; all delivered within 15 s of its end',
    async (minutes) => {
      const duration = minutes * MINUTE;
      const d = deliverer();
      const [D0, D1, D2, D3, D4, D5] = [
        'C0DOWN00',
        'C0DOWN01',
        'C0DOWN02',
        'C0DOWN03',
        'C0DOWN04',
        'C0DOWN05',
      ];
      const channels = [D0, D1, D2, D3, D4, D5] as const;
      // A card already shown in each channel before the outage.
      channels.forEach((ch, i) => {
        change(`card:p${i}`, `card ${i} v1`, ch);
      });
      await drain(d);
      expect(fake.posts()).toHaveLength(6);

      clock.advance(10 * SECOND);
      const start = clock.now();
      const at = (f: number) => start + Math.floor((f * duration) / SECOND) * SECOND;
      const plan: Array<{ at: number; subject: string; text: string; channel: string }> = [
        { at: at(0), subject: 'card:p0', text: 'card 0 v2', channel: D0 },
        { at: at(0), subject: 'card:p1', text: 'card 1 v2', channel: D1 },
        { at: at(0), subject: 'digest:d0', text: 'digest 0', channel: D0 },
        { at: at(0.1), subject: 'alert:a1', text: 'alert 1', channel: D1 },
        { at: at(0.1), subject: 'alert:a2', text: 'alert 2', channel: D2 },
        { at: at(0.35), subject: 'card:n3', text: 'new card 3', channel: D3 },
        { at: at(0.35), subject: 'card:p3', text: 'card 3 v2', channel: D3 },
        { at: at(0.5), subject: 'card:p1', text: 'card 1 v3', channel: D1 },
        { at: at(0.7), subject: 'esc:e4', text: 'escalation', channel: D4 },
        { at: at(0.9), subject: 'digest:d5', text: 'digest 5', channel: D5 },
        { at: at(0.9), subject: 'card:n5', text: 'new card 5', channel: D5 },
        { at: at(0.9), subject: 'alert:a5', text: 'alert 5', channel: D5 },
      ];

      fake.outage(true);
      const before = workCalls().length;
      while (clock.now() < start + duration) {
        for (const p of plan) if (p.at === clock.now()) change(p.subject, p.text, p.channel);
        await drain(d);
        clock.advance(SECOND);
      }
      const during = workCalls().slice(before);
      expect(during.every((c) => c.failed === 'outage')).toBe(true);
      expect(d.slackDown).toBe(true);
      // The first failures may come together (every free channel's first try); after that, probes alone.
      const probes = during.filter((c) => c.at > start);
      expect(probes.length).toBeLessThanOrEqual(duration / PROBE);
      expect(probes.length).toBeGreaterThanOrEqual(duration / PROBE - 2);
      for (let i = 1; i < probes.length; i++) {
        expect((probes[i]?.at ?? 0) - (probes[i - 1]?.at ?? 0)).toBeGreaterThanOrEqual(PROBE);
      }
      // Each probe is the most urgent message due: the alert, and once it is due, the escalation.
      expect(probes.filter((c) => c.at < at(0.1)).every((c) => c.args.channel === D0)).toBe(true);
      expect(
        probes.filter((c) => c.at >= at(0.1) && c.at < at(0.7)).every((c) => c.args.channel === D1),
      ).toBe(true);
      expect(probes.filter((c) => c.at >= at(0.7)).every((c) => c.args.channel === D4)).toBe(true);
      expect(allRows().every((r) => r.parkedAt === null)).toBe(true);
      expect(backlog(db)).toBe(11);

      fake.outage(false);
      const back = workCalls().length;
      const seconds = await secondsToEmpty(d);
      expect(seconds).toBeLessThanOrEqual(15);
      expect(backlog(db)).toBe(0);
      expect(d.slackDown).toBe(false);

      const after = workCalls().slice(back);
      expect(after.every((c) => !c.failed)).toBe(true);
      // The escalation goes first (its post's fate was unknown, so it is looked for, then posted).
      expect(methods(after.slice(0, 2))).toEqual(['conversations.history', 'chat.postMessage']);
      expect(after.slice(0, 2).every((c) => c.args.channel === D4)).toBe(true);
      expect(
        after.filter((c) => c.method === 'chat.postMessage' && c.args.channel === D5).map(postedSubject),
      ).toEqual(['alert:a5', 'card:n5', 'digest:d5']);

      // Nothing doubled: one message per subject, showing its latest state.
      const shown = channels.flatMap((ch) => fake.messages(ch));
      const bySubject = new Map<unknown, FakeMessage[]>();
      for (const m of shown) bySubject.set(subjectOf(m), [...(bySubject.get(subjectOf(m)) ?? []), m]);
      const expected = new Set([...channels.map((_, i) => `card:p${i}`), ...plan.map((p) => p.subject)]);
      expect([...bySubject.keys()].sort()).toEqual([...expected].sort());
      for (const [subject, messages] of bySubject) {
        expect(messages, String(subject)).toHaveLength(1);
        expect(messages[0]?.text).toBe(state.get(String(subject)));
        expect(row(String(subject)).ts).toBe(messages[0]?.ts);
      }
      // The cards shown before the outage were updated in place: one post each, ever.
      for (let i = 0; i < 6; i++) {
        expect(fake.posts().filter((c) => postedSubject(c) === `card:p${i}`)).toHaveLength(1);
      }
    },
  );

  it('after an outage delivers the escalation first, then alerts, then cards, then digests', async () => {
    const d = deliverer({ concurrency: 1 });
    fake.outage(true);
    // Made due least urgent first, one a second, each in its own channel.
    const order = ['digest:1', 'digest:2', 'card:1', 'card:2', 'alert:1', 'alert:2', 'esc:1'];
    const channelOf = (subject: string) => `C0PRIO0${order.indexOf(subject)}`;
    const mostUrgentDue = (at: number) =>
      order
        .slice(0, Math.floor((at - T0) / SECOND) + 1)
        .reduce((best, s) => (priorityOf(s) < priorityOf(best) ? s : best));
    for (let i = 0; i < 30; i++) {
      const subject = order[i];
      if (subject) change(subject, subject, channelOf(subject));
      await drain(d);
      clock.advance(SECOND);
    }
    // While down, every probe tried the most urgent message due at the time.
    const probes = workCalls().filter((c) => c.at > T0);
    expect(probes.length).toBeGreaterThanOrEqual(14);
    for (const c of probes) expect(c.args.channel).toBe(channelOf(mostUrgentDue(c.at)));
    expect(probes.at(-1)?.args.channel).toBe(channelOf('esc:1'));

    fake.outage(false);
    expect(await secondsToEmpty(d)).toBeLessThanOrEqual(15);
    expect(fake.posts().map(postedSubject)).toEqual([
      'esc:1',
      'alert:1',
      'alert:2',
      'card:1',
      'card:2',
      'digest:1',
      'digest:2',
    ]);
    // Look-ups included: every successful call in order of urgency.
    const priorities = workCalls()
      .filter((c) => !c.failed)
      .map((c) => priorityOf(order[Number(String(c.args.channel).slice(-1))] ?? ''));
    expect(priorities).toEqual([...priorities].sort((a, b) => a - b));
  });

  it('treats a refused token (invalid_auth on every call) as Slack being down: it probes and parks nothing', async () => {
    fake.refuseToken(TOKEN);
    const d = deliverer();
    for (let i = 0; i < 4; i++) change(`alert:t${i}`, `alert ${i}`, `C0TOKEN0${i}`);
    for (let i = 0; i < 60; i++) {
      await drain(d);
      clock.advance(SECOND);
    }
    expect(workCalls().every((c) => c.failed === 'invalid_auth')).toBe(true);
    expect(d.slackDown).toBe(true);
    expect(events).toContainEqual(
      expect.objectContaining({ level: 'error', event: 'slack.unreachable', fields: expect.anything() }),
    );
    expect(events.filter((e) => e.event === 'outbox.parked')).toEqual([]);
    for (const r of allRows())
      expect(r).toMatchObject({ parkedAt: null, ts: null, lastError: 'invalid_auth' });
    // After the first tries, one call every probeMs: one probe, not a look-up and a post.
    const probes = workCalls().filter((c) => c.at > T0);
    expect(probes.length).toBeGreaterThanOrEqual(25);
    expect(probes.length).toBeLessThanOrEqual(30);
    for (let i = 1; i < probes.length; i++) {
      expect((probes[i]?.at ?? 0) - (probes[i - 1]?.at ?? 0)).toBeGreaterThanOrEqual(PROBE);
    }

    // Someone fixes the token (the stand-in forgets the refusal): all four go out, once each.
    fake.reset();
    expect(await secondsToEmpty(d)).toBeLessThanOrEqual(PROBE / SECOND);
    for (let i = 0; i < 4; i++) {
      expect(fake.messages(`C0TOKEN0${i}`).map(subjectOf)).toEqual([`alert:t${i}`]);
    }
    expect(d.slackDown).toBe(false);
  });
});

describe('one message never holds up the others', () => {
  it('parks a subject whose renderer throws, delivers the healthy ones, never retries it until unpark()', async () => {
    const d = deliverer();
    poisoned.add('alert:bad');
    change('alert:bad', 'never drawn', C3);
    change('card:ok1', 'fine', C1);
    change('card:ok2', 'fine too', C2);
    change('card:ok3', 'also fine', C3);
    await drain(d);

    expect(texts(fake.posts()).sort()).toEqual(['also fine', 'fine', 'fine too']);
    expect(row('alert:bad')).toMatchObject({ parkedAt: T0, ts: null, doneRev: 0 });
    expect(row('alert:bad').lastError).toMatch(/^render_failed/);
    expect(events).toContainEqual(
      expect.objectContaining({
        level: 'error',
        event: 'outbox.parked',
        fields: expect.objectContaining({ subject: 'alert:bad', channel: C3 }),
      }),
    );
    expect(outboxHealth(db, clock.now())).toMatchObject({ parked: 1, waiting: 0 });
    expect(renders.get('alert:bad')).toBe(1);
    expect(backlog(db)).toBe(0);
    expect(d.slackDown).toBe(false);

    // Later kicks, later changes: still parked, never rendered again.
    for (let i = 0; i < 5; i++) {
      clock.advance(MINUTE);
      await drain(d);
    }
    change('alert:bad', 'changed', C3);
    await drain(d);
    expect(renders.get('alert:bad')).toBe(1);
    expect(row('alert:bad').parkedAt).toBe(T0);

    // The bug is fixed, an operator retries it: it goes out.
    poisoned.delete('alert:bad');
    expect(unpark(db, clock.now(), 'alert:bad')).toBe(1);
    await drain(d);
    expect(fake.posts(C3).map((p) => p.args.text)).toEqual(['also fine', 'changed']);
    expect(row('alert:bad')).toMatchObject({ parkedAt: null, lastError: null, ts: fake.messages(C3)[1]?.ts });
    expect(outboxHealth(db, clock.now()).parked).toBe(0);
  });

  it('delivers all 100 healthy subjects in ten channels beside one poisoned subject, which is parked', async () => {
    const d = deliverer();
    poisoned.add('esc:poison');
    change('esc:poison', 'poison', 'C0WARD00'); // the most urgent, first in line in its channel
    for (let c = 0; c < 10; c++) {
      for (let i = 0; i < 10; i++) change(`card:w${c}-${i}`, `ward ${c} card ${i}`, `C0WARD0${c}`);
    }
    // Ten new posts per channel, paced one a second: about ten seconds.
    expect(await secondsToEmpty(d)).toBeLessThanOrEqual(10);
    expect(fake.posts()).toHaveLength(100);
    for (let c = 0; c < 10; c++) {
      expect(fake.messages(`C0WARD0${c}`).map(subjectOf)).toEqual(
        Array.from({ length: 10 }, (_, i) => `card:w${c}-${i}`),
      );
    }
    expect(row('esc:poison')).toMatchObject({ ts: null });
    expect(row('esc:poison').parkedAt).not.toBeNull();
    expect(row('esc:poison').lastError).toMatch(/^render_failed/);
    expect(renders.get('esc:poison')).toBe(1);
    expect(outboxHealth(db, clock.now())).toMatchObject({ parked: 1, waiting: 0 });
  });

  it('a message Slack keeps answering 503 (while it answers others) never holds the rest: it backs off alone, then is parked', async () => {
    const d = deliverer();
    // Every call for this one channel fails as if Slack were down; every other call goes through.
    fake.failNext('*', { status: 503 }, 1000, 'C0STUCK0');
    change('esc:stuck', 'stuck', 'C0STUCK0'); // the most urgent message, so it is the probe
    for (let i = 0; i < 5; i++) change(`alert:ok${i}`, `ok ${i}`, `C0OKAY0${i}`);
    await drain(d);
    const secondsToDeliverOthers = await (async () => {
      for (let s = 0; s <= 30; s++) {
        if (fake.posts().filter((c) => !c.failed).length === 5) return s;
        clock.advance(SECOND);
        await drain(d);
      }
      return Number.POSITIVE_INFINITY;
    })();
    // Three failed probes (one per probeMs), then auth.test says Slack is up: the rest go at once.
    expect(secondsToDeliverOthers).toBeLessThanOrEqual((3 * PROBE) / SECOND);
    expect(d.slackDown).toBe(false);
    for (let s = 0; s < 30 * 60 && row('esc:stuck').parkedAt === null; s++) {
      clock.advance(SECOND);
      await drain(d);
    }
    expect(row('esc:stuck').parkedAt).not.toBeNull();
    expect(row('esc:stuck').lastError).toMatch(/every try/);
    expect(events).toContainEqual(
      expect.objectContaining({
        level: 'error',
        event: 'outbox.parked',
        fields: expect.objectContaining({ subject: 'esc:stuck' }),
      }),
    );
    // A new message after all that goes straight through.
    change('alert:later', 'later', 'C0OKAY09');
    await drain(d);
    expect(texts(fake.posts('C0OKAY09'))).toEqual(['later']);
  });

  it('parks a subject with no renderer without holding up the others', async () => {
    const d = deliverer();
    markDue(db, { subject: 'mystery:1', channel: C1, priority: PRIORITY.escalation }, clock.now());
    change('card:1', 'fine', C1);
    change('card:2', 'fine too', C2);
    await drain(d);
    expect(texts(fake.posts()).sort()).toEqual(['fine', 'fine too']);
    expect(row('mystery:1')).toMatchObject({ doneRev: 0, lastError: 'no_renderer', parkedAt: T0 });
  });

  it('parks the messages of a channel Slack says does not exist while the other channels post', async () => {
    const d = deliverer();
    refuse('chat.postMessage', C3, 'channel_not_found');
    change('alert:gone1', 'to nowhere', C3);
    change('card:gone2', 'to nowhere either', C3);
    change('card:1', 'one', C1);
    change('card:2', 'two', C2);
    // The second waits its turn behind the first (a gap, as for any post), then is parked too.
    expect(await secondsToEmpty(d)).toBe(1);
    expect(texts(fake.posts()).sort()).toEqual(['one', 'two']);
    expect(methods(callsTo(C3))).toEqual([
      'chat.postMessage (channel_not_found)',
      'chat.postMessage (channel_not_found)',
    ]);
    expect(row('alert:gone1')).toMatchObject({ parkedAt: T0, lastError: 'channel_not_found', ts: null });
    expect(row('card:gone2')).toMatchObject({ parkedAt: T0 + GAP, lastError: 'channel_not_found', ts: null });
    expect(d.slackDown).toBe(false);

    // Not retried while parked, while everything else still flows.
    for (let i = 0; i < 10; i++) {
      clock.advance(MINUTE);
      change('card:1', `one v${i}`, C1);
      await drain(d);
    }
    expect(callsTo(C3)).toHaveLength(2);
    expect(fake.messages(C1).map((m) => m.text)).toEqual(['one v9']);

    // The channel is back (the bot is invited): retrying posts both, once each.
    server.resetHandlers();
    expect(unpark(db, clock.now())).toBe(2);
    expect(await secondsToEmpty(d)).toBe(1);
    expect(fake.messages(C3).map(subjectOf)).toEqual(['alert:gone1', 'card:gone2']);
  });

  it('parks a message Slack refuses as invalid_blocks', async () => {
    const d = deliverer();
    change('card:long', 'x'.repeat(3001), C1);
    change('card:ok', 'fine', C2);
    await drain(d);
    expect(fake.takeErrors()).toEqual([
      { method: 'chat.postMessage', message: expect.stringMatching(/^invalid_blocks: .*3001 chars/) },
    ]);
    expect(methods()).toContain('chat.postMessage (invalid_blocks)');
    expect(texts(fake.posts())).toEqual(['fine']);
    expect(row('card:long')).toMatchObject({ parkedAt: T0, lastError: 'invalid_blocks' });
    clock.advance(10 * MINUTE);
    await drain(d);
    expect(fake.calls).toHaveLength(2);
  });

  it('parks a message for a private channel the bot is not in (the join is refused), once, and posts the others', async () => {
    const d = deliverer();
    refuse('chat.postMessage', C3, 'not_in_channel');
    refuse('conversations.join', C3, 'method_not_supported_for_channel_type');
    change('alert:private', 'private', C3);
    change('card:1', 'public', C1);
    await drain(d);
    expect(methods(callsTo(C3))).toEqual([
      'chat.postMessage (not_in_channel)',
      'conversations.join (method_not_supported_for_channel_type)',
    ]);
    expect(texts(fake.posts())).toEqual(['public']);
    expect(row('alert:private')).toMatchObject({ parkedAt: T0, lastError: 'not_in_channel', ts: null });
    clock.advance(10 * MINUTE);
    await drain(d);
    expect(callsTo(C3)).toHaveLength(2);
  });

  it('backs off a message Slack refuses for a reason it does not know (that message only), and parks it after parkAfter tries', async () => {
    const d = deliverer();
    refuse('chat.postMessage', C1, 'some_future_error');
    change('card:odd', 'odd', C1);
    change('card:ok', 'ok v1', C2);
    await drain(d);
    expect(d.slackDown).toBe(false);
    expect(texts(fake.posts(C2))).toEqual(['ok v1']);
    expect(row('card:odd')).toMatchObject({
      attempts: 1,
      lastError: 'some_future_error',
      nextAttemptAt: T0 + RETRY,
      parkedAt: null,
    });

    // Second by second for a minute, with the other channel changing all along.
    for (let s = 1; s <= 60; s++) {
      clock.advance(SECOND);
      change('card:ok', `ok v${s + 1}`, C2);
      await drain(d);
    }
    // Tries at 0, then after retryMs, then after twice that: parked after the third refusal.
    expect(callsTo(C1).map((c) => [describeCall(c), c.at - T0])).toEqual([
      ['chat.postMessage (some_future_error)', 0],
      ['chat.postMessage (some_future_error)', RETRY],
      ['chat.postMessage (some_future_error)', 3 * RETRY],
    ]);
    expect(row('card:odd')).toMatchObject({ parkedAt: T0 + 3 * RETRY, lastError: 'some_future_error' });
    expect(fake.messages(C2).map((m) => m.text)).toEqual(['ok v61']);
    expect(callsTo(C2)).toHaveLength(61);
    expect(d.slackDown).toBe(false);
  });
});

describe('after a crash between posting and recording', () => {
  /** The state a crash leaves: the post was sent (or not), but its ts was never recorded. */
  function crashedMidPost(subject: string, startedAt: number): void {
    db.update(slackMessages)
      .set({ ts: null, postStartedAt: startedAt })
      .where(eq(slackMessages.subject, subject))
      .run();
  }

  /** A deliverer from before the crash is gone; a new one starts (with nothing in memory). */
  async function restarted(opts: DelivererOptions = {}): Promise<Deliverer> {
    await stopAll();
    return deliverer(opts);
  }

  /** Posts as the deliverer would have, just before the crash. */
  async function postedBeforeCrash(subject: string, text: string, threadTs?: string): Promise<string> {
    const res = await client.chat.postMessage({
      channel: C1,
      text,
      ...(threadTs ? { thread_ts: threadTs } : {}),
      metadata: { event_type: SUBJECT_EVENT, event_payload: { subject } },
    });
    return String(res.ts);
  }

  it('adopts the message it already posted (found by its subject metadata) and updates it; no second post', async () => {
    change('card:other', 'someone else');
    await drain(deliverer());
    await stopAll();
    clock.advance(5000);
    change('card:1', 'before the crash');
    const startedAt = clock.now();
    const ts = await postedBeforeCrash('card:1', 'before the crash');
    crashedMidPost('card:1', startedAt);
    fake.calls.length = 0;

    clock.advance(30_000);
    state.set('card:1', 'after the restart');
    await drain(await restarted());

    expect(methods()).toEqual(['conversations.history', 'chat.update']);
    expect(fake.calls[0]?.args).toMatchObject({ channel: C1, include_all_metadata: 'true' });
    const messages = fake.messages(C1);
    expect(messages.map((m) => m.text)).toEqual(['someone else', 'after the restart']);
    expect(messages[1]?.ts).toBe(ts);
    expect(row('card:1')).toMatchObject({ ts, postStartedAt: null, doneRev: 1 });
  });

  it('posts once when the post never reached Slack (and ignores other subjects’ messages)', async () => {
    change('card:other', 'someone else');
    await drain(deliverer());
    await stopAll();
    change('card:1', 'lost');
    crashedMidPost('card:1', clock.now());
    fake.calls.length = 0;

    clock.advance(30_000);
    await drain(await restarted());

    expect(methods()).toEqual(['conversations.history', 'chat.postMessage']);
    expect(fake.messages(C1).map(subjectOf)).toEqual(['card:other', 'card:1']);
    expect(row('card:1')).toMatchObject({ ts: fake.messages(C1)[1]?.ts, postStartedAt: null });
  });

  it('still posts when Slack will not let it read the channel (a missing scope), rather than never', async () => {
    change('card:1', 'lost');
    crashedMidPost('card:1', clock.now());
    fake.failNext('conversations.history', { error: 'missing_scope' });
    await drain(await restarted());
    expect(methods()).toEqual(['conversations.history (missing_scope)', 'chat.postMessage']);
    expect(fake.messages(C1).map(subjectOf)).toEqual(['card:1']);
    expect(row('card:1').parkedAt).toBeNull();
  });

  it('after a 429 on a first post, tries again without a look-up: Slack refused it, nothing was posted', async () => {
    change('card:1', 'hello');
    fake.failNext('chat.postMessage', { status: 429, retryAfter: 5 });
    const d = deliverer();
    await drain(d);
    clock.advance(5000);
    fake.calls.length = 0;
    await drain(d);
    expect(methods()).toEqual(['chat.postMessage']);
  });

  it.each(['conversations.history', 'chat.update'])(
    'never posts twice when %s is rate limited while adopting the message',
    async (limited) => {
      change('card:1', 'before the crash');
      const startedAt = clock.now();
      const ts = await postedBeforeCrash('card:1', 'before the crash');
      crashedMidPost('card:1', startedAt);
      state.set('card:1', 'after the restart');
      fake.calls.length = 0;
      fake.failNext(limited, { status: 429, retryAfter: 5 });
      const d = await restarted();
      await drain(d);
      clock.advance(5 * SECOND);
      await drain(d);

      expect(fake.posts()).toHaveLength(0);
      expect(fake.messages(C1).map((m) => [m.ts, m.text])).toEqual([[ts, 'after the restart']]);
      expect(row('card:1')).toMatchObject({ ts, postStartedAt: null, doneRev: 1 });
      expect(methods().at(-1)).toBe('chat.update');
    },
  );

  it('parks a crashed post whose renderer now throws; after unpark() looks it up before posting: no second post', async () => {
    change('card:1', 'before the crash');
    const startedAt = clock.now();
    const ts = await postedBeforeCrash('card:1', 'before the crash');
    crashedMidPost('card:1', startedAt);
    poisoned.add('card:1');
    fake.calls.length = 0;
    const d = await restarted();
    await drain(d);
    expect(fake.calls).toHaveLength(0);
    expect(row('card:1').lastError).toMatch(/^render_failed/);

    poisoned.delete('card:1');
    state.set('card:1', 'drawn at last');
    expect(unpark(db, clock.now())).toBe(1);
    await drain(d);
    expect(methods()).toEqual(['conversations.history', 'chat.update']);
    expect(fake.messages(C1).map((m) => [m.ts, m.text])).toEqual([[ts, 'drawn at last']]);
  });

  it('looks a lost thread reply up in its thread, not in the channel', async () => {
    change('card:parent', 'parent');
    await drain(deliverer());
    await stopAll();
    const parentTs = row('card:parent').ts ?? '';
    change('card:reply', 'reply', C1, 'card:parent');
    const startedAt = clock.now();
    const ts = await postedBeforeCrash('card:reply', 'reply', parentTs);
    crashedMidPost('card:reply', startedAt);
    fake.calls.length = 0;

    await drain(await restarted());
    expect(methods()).toEqual(['conversations.replies', 'chat.update']);
    expect(fake.calls[0]?.args).toMatchObject({ channel: C1, ts: parentTs, include_all_metadata: 'true' });
    expect(fake.replies(C1, parentTs).map((m) => m.ts)).toEqual([ts]);
    expect(row('card:reply').ts).toBe(ts);
  });
});

describe('Slack errors with a known remedy', () => {
  it('posts a fresh message when chat.update answers message_not_found, and records the new ts', async () => {
    const d = deliverer();
    change('card:1', 'v1');
    await drain(d);
    const oldTs = row('card:1').ts ?? '';
    await client.chat.delete({ channel: C1, ts: oldTs }); // someone deleted the card
    fake.calls.length = 0;

    clock.advance(GAP);
    change('card:1', 'v2');
    await drain(d);
    expect(methods()).toEqual(['chat.update (message_not_found)', 'chat.postMessage']);
    const [m] = fake.messages(C1);
    expect(fake.messages(C1)).toHaveLength(1);
    expect(m).toMatchObject({ text: 'v2' });
    expect(m?.ts).not.toBe(oldTs);
    expect(row('card:1')).toMatchObject({ ts: m?.ts, doneRev: 2 });

    change('card:1', 'v3');
    await drain(d);
    expect(fake.messages(C1).map((x) => x.text)).toEqual(['v3']);
    expect(fake.posts(C1)).toHaveLength(1);
  });

  it('when the deleted message’s channel was just posted to, tries the update once and posts after the gap', async () => {
    const d = deliverer();
    change('card:1', 'v1');
    await drain(d);
    const oldTs = row('card:1').ts ?? '';
    await client.chat.delete({ channel: C1, ts: oldTs });
    clock.advance(GAP);
    change('card:2', 'another card'); // posted now: the next post to C1 must wait a gap
    await drain(d);
    fake.calls.length = 0;

    change('card:1', 'v2');
    await drain(d);
    expect(methods()).toEqual(['chat.update (message_not_found)']);
    expect(row('card:1').ts).toBeNull();
    clock.advance(GAP);
    await drain(d);
    expect(methods()).toEqual(['chat.update (message_not_found)', 'chat.postMessage']);
    expect(fake.messages(C1).map((m) => m.text)).toEqual(['another card', 'v2']);
    expect(row('card:1')).toMatchObject({ ts: fake.messages(C1)[1]?.ts, doneRev: 2 });
  });

  it('joins the channel on not_in_channel, then posts once', async () => {
    const d = deliverer();
    fake.failNext('chat.postMessage', { error: 'not_in_channel' });
    change('card:1', 'hello');
    await drain(d);
    expect(methods()).toEqual([
      'chat.postMessage (not_in_channel)',
      'conversations.join',
      'chat.postMessage',
    ]);
    expect(fake.calls[1]?.args).toMatchObject({ channel: C1 });
    expect(fake.messages(C1)).toHaveLength(1);
    expect(row('card:1')).toMatchObject({ ts: fake.messages(C1)[0]?.ts, doneRev: 1, parkedAt: null });
  });

  it('does not park on not_in_channel when Slack fails during the join (an outage): posts once Slack is back', async () => {
    const d = deliverer();
    fake.failNext('chat.postMessage', { error: 'not_in_channel' });
    fake.failNext('conversations.join', { error: 'internal_error' });
    change('card:1', 'hello');
    await drain(d);
    expect(methods()).toEqual(['chat.postMessage (not_in_channel)', 'conversations.join (internal_error)']);
    expect(d.slackDown).toBe(true);
    expect(row('card:1').parkedAt).toBeNull();

    clock.advance(PROBE);
    await drain(d);
    expect(methods().slice(2)).toEqual(['conversations.history', 'chat.postMessage']);
    expect(fake.messages(C1).map(subjectOf)).toEqual(['card:1']);
    expect(d.slackDown).toBe(false);
  });
});

describe('threads, and nothing to show', () => {
  it('holds a thread reply until its parent has a ts, then posts it under the parent', async () => {
    const d = deliverer();
    change('card:reply', 'reply', C1, 'card:parent');
    await drain(d);
    expect(fake.calls).toHaveLength(0);
    expect(row('card:reply')).toMatchObject({ ts: null, doneRev: 0, attempts: 0, parkedAt: null });

    // The parent fails to post (Slack is down): the reply keeps waiting.
    fake.failNext('chat.postMessage', { status: 503 });
    change('card:parent', 'parent');
    await drain(d);
    expect(methods()).toEqual(['chat.postMessage (http_503)']);

    clock.advance(PROBE);
    await drain(d);
    const parentTs = row('card:parent').ts;
    expect(parentTs).toBe(fake.messages(C1)[0]?.ts);
    expect(fake.messages(C1)).toHaveLength(1);
    expect(row('card:reply').ts).toBeNull(); // a new post in the same channel: paced

    clock.advance(GAP);
    await drain(d);
    expect(fake.posts(C1).at(-1)?.args).toMatchObject({ thread_ts: parentTs, text: 'reply' });
    const replies = fake.replies(C1, parentTs ?? '');
    expect(replies.map(subjectOf)).toEqual(['card:reply']);
    expect(row('card:reply').ts).toBe(replies[0]?.ts);
    expect(fake.messages(C1)).toHaveLength(1);
    expect(backlog(db)).toBe(0);
  });

  it('releases a waiting reply as soon as its parent is posted, not at the end of its wait', async () => {
    const d = deliverer();
    change('card:reply', 'reply', C1, 'card:parent');
    await drain(d);
    expect(row('card:reply').nextAttemptAt).toBeGreaterThan(T0);

    clock.advance(PROBE / 4);
    change('card:parent', 'parent');
    await drain(d);
    clock.advance(GAP);
    await drain(d);
    expect(fake.posts(C1).map((p) => [p.args.text, p.at - T0])).toEqual([
      ['parent', PROBE / 4],
      ['reply', PROBE / 4 + GAP],
    ]);
    expect(backlog(db)).toBe(0);
  });

  it('makes no call when a change renders exactly what Slack already shows', async () => {
    const d = deliverer();
    change('card:same', 'hello');
    await drain(d);
    change('card:same', 'hello');
    await drain(d);
    expect(methods()).toEqual(['chat.postMessage']);
    expect(backlog(db)).toBe(0);
    change('card:same', 'hello again');
    await drain(d);
    expect(methods()).toEqual(['chat.postMessage', 'chat.update']);
  });

  it('settles a subject that renders as nothing without any call', async () => {
    const d = deliverer();
    markDue(db, { subject: 'card:gone', channel: C1, priority: PRIORITY.card }, clock.now());
    await drain(d);
    expect(fake.calls).toHaveLength(0);
    expect(row('card:gone')).toMatchObject({ ts: null, doneRev: 1, lastError: null, parkedAt: null });
    expect(backlog(db)).toBe(0);
  });

  it('settles a thread reply whose parent rendered as nothing, instead of waiting for ever', async () => {
    const d = deliverer();
    markDue(db, { subject: 'card:gone', channel: C1, priority: PRIORITY.card }, clock.now());
    markDue(
      db,
      { subject: 'card:orphan', channel: C1, priority: PRIORITY.card, threadSubject: 'card:gone' },
      clock.now(),
    );
    state.set('card:orphan', 'a reply to nothing');
    expect(await secondsToEmpty(d)).toBeLessThanOrEqual(PROBE / SECOND);
    expect(fake.calls).toHaveLength(0);
    expect(row('card:orphan')).toMatchObject({ ts: null, doneRev: 1, parkedAt: null });
  });
});

describe('waking itself', () => {
  it('without any kick, goes on when a pacing gap, a probe wait or a 429 pause ends', async () => {
    // Its own timer is the one thing here that runs on timers: faked, and moved with the driven clock.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval'] });
    try {
      const d = deliverer();
      const pass = async (ms: number) => {
        clock.advance(ms);
        await vi.advanceTimersByTimeAsync(ms);
        await d.idle();
      };

      // Pacing: the second post to a channel goes when the gap ends.
      change('card:a', 'a', C1);
      change('card:b', 'b', C1);
      await drain(d);
      expect(texts(fake.posts(C1))).toEqual(['a']);
      await pass(GAP - 1);
      expect(texts(fake.posts(C1))).toEqual(['a']);
      await pass(1);
      expect(texts(fake.posts(C1))).toEqual(['a', 'b']);

      // Slack fails: the probe goes when probeMs ends, and finds Slack back.
      fake.failNext('chat.postMessage', { status: 503 });
      change('card:c', 'c', C2);
      await drain(d);
      expect(d.slackDown).toBe(true);
      await pass(PROBE);
      expect(d.slackDown).toBe(false);
      expect(texts(fake.posts(C2))).toEqual(['c']);

      // A 429 pauses a channel; another message for it is due meanwhile (held by the pause).
      fake.failNext('chat.postMessage', { status: 429, retryAfter: 30 });
      change('card:d', 'd', C3);
      await drain(d);
      await pass(SECOND);
      change('card:e', 'e', C3);
      await drain(d);
      await pass(28 * SECOND);
      expect(fake.posts(C3)).toHaveLength(0);
      await pass(SECOND);
      expect(texts(fake.posts(C3))).toEqual(['d']);
      await pass(GAP);
      expect(texts(fake.posts(C3))).toEqual(['d', 'e']);
      expect(backlog(db)).toBe(0);
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('concurrency', () => {
  it('renders one message per turn of the event loop, so a request waiting to be answered gets in between', async () => {
    const d = deliverer({ concurrency: 20 });
    for (let i = 0; i < 20; i++)
      change(`alert:turn${i}`, `alert ${i}`, `C0TURN${String(i).padStart(3, '0')}`);
    const rendered = () => [...renders.values()].reduce((a, b) => a + b, 0);
    // Something that asks for the loop's next turn during the first render (as a request arriving then
    // would) runs before the second render, not after all twenty.
    let seen: number | null = null;
    onRender = () => {
      if (rendered() === 1) setImmediate(() => (seen = rendered()));
    };
    await drain(d);
    expect(fake.posts()).toHaveLength(20);
    expect(seen).toBe(1);
  });

  it.each([20, 4])(
    'serves up to %i channels at once, and never two calls in one channel',
    async (concurrency) => {
      const d = deliverer({ concurrency });
      // Five cards already shown in one busy channel: their updates are unpaced, yet go one at a time.
      for (let i = 0; i < 5; i++) change(`card:busy${i}`, 'v1', 'C0BUSY00');
      expect(await secondsToEmpty(d)).toBe(4);

      fake.latencyMs = 100;
      traffic.maxInFlight = 0;
      for (let i = 0; i < 5; i++) change(`card:busy${i}`, 'v2', 'C0BUSY00');
      for (let i = 0; i < 40; i++) change(`alert:m${i}`, `alert ${i}`, `C0MANY${String(i).padStart(3, '0')}`);
      await drain(d);

      expect(backlog(db)).toBe(0);
      expect(fake.posts()).toHaveLength(45);
      expect(fake.messages('C0BUSY00').map((m) => m.text)).toEqual(['v2', 'v2', 'v2', 'v2', 'v2']);
      expect(traffic.maxInFlight).toBeGreaterThan(1);
      expect(traffic.maxInFlight).toBeLessThanOrEqual(concurrency);
      expect(traffic.maxPerChannel).toBe(1);
    },
  );
});
