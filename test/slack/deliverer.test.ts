import { type Logger, LogLevel, WebClient } from '@slack/web-api';
import { eq } from 'drizzle-orm';
import type { SetupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Db, openDb } from '../../db/index.ts';
import { slackMessages } from '../../db/schema.ts';
import { silentLog } from '../../src/log.ts';
import { Deliverer, type DelivererOptions, SUBJECT_EVENT } from '../../src/slack/deliverer.ts';
import {
  backlog,
  getOutboxRow,
  markDue,
  type OutboxRow,
  type RendererEntry,
} from '../../src/slack/outbox.ts';
import { type Clock, ManualClock, MINUTE } from '../../src/time.ts';
import { FakeSlack, startFakeSlackServer } from '../support/slack/fake-slack.ts';

/**
 * The Deliverer against a real in-memory database, a real WebClient (no retries of its own, 429s
 * rejected, as in production) and the msw fake of Slack's Web API. Time is a hand-driven clock; the
 * deliverer's pacing sleeps are faked too, and a faked sleep moves both the monotonic time and the
 * clock, as a real one would.
 */

const T0 = Date.parse('2026-11-23T10:00:00Z');
const C1 = 'C0PATCH07';
const C2 = 'C0PATCH08';
const GAP = 1000;
const MIN_BACKOFF = 2000;

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
let client: WebClient;

beforeAll(() => {
  // msw must patch fetch before the WebClient is built: the client keeps the fetch it saw.
  server = startFakeSlackServer(fake);
  client = new WebClient('xoxb-test', {
    slackApiUrl: fake.apiUrl,
    retryConfig: { retries: 0 },
    rejectRateLimitedCalls: true,
    logger: quiet,
  });
});
afterAll(() => server.close());

/** What each test subject shows; a subject missing here renders as `null` (nothing to show). */
let state: Map<string, string>;
let db: Db;
let mono: number;
let sleeps: number[];
/** Runs after a render has been taken (the state it read is already rendered). */
let onRender: ((subject: string) => void) | null;

const renderers: RendererEntry[] = [
  {
    prefix: 'test:',
    render: (_db, subject) => {
      const text = state.get(subject);
      onRender?.(subject);
      if (text === undefined) return null;
      return { text, blocks: [{ type: 'section', text: { type: 'mrkdwn', text } }] };
    },
  },
];

/**
 * The clock the deliverer sees. A run that loops without ever awaiting I/O starves the event loop, so
 * vitest's time-out could never fire: this turns such a spin into a failure instead of a hang.
 */
let clockReads = 0;
const guardedClock: Clock = {
  now() {
    if (++clockReads > 10_000) throw new Error('the deliverer is spinning: 10000 clock reads in one test');
    return clock.now();
  },
};

beforeEach(() => {
  fake.reset();
  clock.set(T0);
  db = openDb(':memory:');
  state = new Map();
  mono = 0;
  sleeps = [];
  onRender = null;
  clockReads = 0;
});
afterEach(() => {
  try {
    fake.assertClean();
  } finally {
    db.$client.close();
  }
});

function deliverer(opts: DelivererOptions = {}): Deliverer {
  return new Deliverer(
    { db, client, clock: guardedClock, log: silentLog, renderers },
    {
      postGapMs: GAP,
      minBackoffMs: MIN_BACKOFF,
      maxBackoffMs: 5 * MINUTE,
      monotonic: () => mono,
      sleep: async (ms) => {
        sleeps.push(ms);
        mono += ms;
        clock.advance(ms);
      },
      ...opts,
    },
  );
}

/** Changes what a subject shows and marks it due, as a service does in its transaction. */
function change(subject: string, text: string, channel = C1, threadSubject?: string): void {
  state.set(subject, text);
  markDue(db, { subject, channel, ...(threadSubject ? { threadSubject } : {}) }, clock.now());
}

function row(subject: string): OutboxRow {
  const r = getOutboxRow(db, subject);
  if (!r) throw new Error(`no outbox row for ${subject}`);
  return r;
}

const methods = () => fake.calls.map((c) => (c.failed ? `${c.method} (${c.failed})` : c.method));
const subjectOf = (m: { metadata?: { event_payload: Record<string, unknown> } }) =>
  m.metadata?.event_payload.subject;

describe('posting and updating', () => {
  it('posts a subject once with its subject in the metadata, then updates that same message in place', async () => {
    const d = deliverer();
    change('test:1', 'first');
    expect(await d.deliverDue()).toBe(1);

    expect(methods()).toEqual(['chat.postMessage']);
    expect(fake.posts(C1)[0]?.args).toMatchObject({
      channel: C1,
      text: 'first',
      metadata: { event_type: SUBJECT_EVENT, event_payload: { subject: 'test:1' } },
    });
    const [posted] = fake.messages(C1);
    expect(posted).toMatchObject({ text: 'first', metadata: { event_payload: { subject: 'test:1' } } });
    expect(row('test:1')).toMatchObject({ ts: posted?.ts, wantRev: 1, doneRev: 1, postStartedAt: null });

    change('test:1', 'second');
    expect(await d.deliverDue()).toBe(1);
    change('test:1', 'third');
    expect(await d.deliverDue()).toBe(1);

    expect(methods()).toEqual(['chat.postMessage', 'chat.update', 'chat.update']);
    expect(fake.calls[2]?.args).toMatchObject({ channel: C1, ts: posted?.ts, text: 'third' });
    const messages = fake.messages(C1);
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatchObject({ ts: posted?.ts, text: 'third', edits: 2 });
    expect(subjectOf(messages[0] ?? {})).toBe('test:1');
    expect(backlog(db)).toBe(0);
  });

  it('with nothing due makes no call', async () => {
    const d = deliverer();
    expect(await d.deliverDue()).toBe(0);
    change('test:1', 'x');
    await d.deliverDue();
    expect(await d.deliverDue()).toBe(0);
    expect(fake.calls).toHaveLength(1);
  });

  it('coalesces ten changes made before a run into one call showing the latest state', async () => {
    const d = deliverer();
    for (let i = 1; i <= 10; i++) change('test:1', `v${i}`);
    await d.deliverDue();
    expect(methods()).toEqual(['chat.postMessage']);
    expect(fake.messages(C1).map((m) => m.text)).toEqual(['v10']);
    expect(row('test:1')).toMatchObject({ wantRev: 10, doneRev: 10 });

    for (let i = 11; i <= 20; i++) change('test:1', `v${i}`);
    await d.deliverDue();
    expect(methods()).toEqual(['chat.postMessage', 'chat.update']);
    expect(fake.messages(C1).map((m) => m.text)).toEqual(['v20']);
    expect(backlog(db)).toBe(0);
  });

  it('does not lose a change made while its call is in flight: the next run delivers it', async () => {
    const d = deliverer();
    change('test:1', 'before');
    // The state changes after the deliverer has read the row and rendered, before Slack answers.
    onRender = () => {
      onRender = null;
      change('test:1', 'during');
    };
    await d.deliverDue();
    expect(fake.messages(C1).map((m) => m.text)).toEqual(['before']);
    expect(row('test:1')).toMatchObject({ wantRev: 2, doneRev: 1 });
    expect(backlog(db)).toBe(1);

    await d.deliverDue();
    expect(fake.messages(C1).map((m) => m.text)).toEqual(['during']);
    expect(fake.posts()).toHaveLength(1);
    expect(backlog(db)).toBe(0);
  });

  it('kick() delivers in the background; idle() resolves once it is done; kicks during a run are not lost', async () => {
    const d = deliverer();
    change('test:1', 'one');
    d.kick();
    expect(d.busy).toBe(true);
    d.kick(); // while running: one more run afterwards, never a concurrent one
    change('test:2', 'two');
    await d.idle();
    expect(d.busy).toBe(false);
    expect(fake.posts(C1).map((c) => c.args.text)).toEqual(['one', 'two']);
    await d.stop();
    change('test:3', 'three');
    d.kick();
    expect(d.busy).toBe(false);
  });
});

describe('pacing', () => {
  it('holds a second new post to one channel postGapMs behind the first, without holding up another channel', async () => {
    const d = deliverer();
    change('test:a', 'a', C1);
    change('test:b', 'b', C1);
    change('test:x', 'x', C2);
    expect(await d.deliverDue()).toBe(3);

    expect(sleeps).toEqual([GAP]);
    const posts = fake.posts();
    expect(posts.map((p) => `${p.args.channel} ${p.args.text}`)).toEqual([
      `${C1} a`,
      `${C2} x`, // not behind b
      `${C1} b`,
    ]);
    const at = (text: string) => posts.find((p) => p.args.text === text)?.at ?? Number.NaN;
    expect(at('x') - at('a')).toBe(0);
    expect(at('b') - at('a')).toBeGreaterThanOrEqual(GAP);
  });

  it('does not pace updates, and does not sleep once the gap has passed', async () => {
    const d = deliverer();
    change('test:a', 'a1');
    change('test:b', 'b1');
    await d.deliverDue();
    expect(sleeps).toEqual([GAP]);
    // Right after a post to the channel: updates go at once.
    change('test:a', 'a2');
    change('test:b', 'b2');
    await d.deliverDue();
    expect(sleeps).toEqual([GAP]);
    mono += 5 * GAP;
    change('test:c', 'c1');
    await d.deliverDue();
    expect(sleeps).toEqual([GAP]);
    expect(methods()).toEqual([
      'chat.postMessage',
      'chat.postMessage',
      'chat.update',
      'chat.update',
      'chat.postMessage',
    ]);
  });
});

describe('rate limits and failures', () => {
  it('after a 429 with Retry-After 30 posts nothing to that channel until 30 s have passed, then exactly once; other channels keep flowing', async () => {
    const d = deliverer();
    fake.failNext('chat.postMessage', { status: 429, retryAfter: 30 });
    change('test:a', 'a', C1);
    await d.deliverDue();
    expect(methods()).toEqual(['chat.postMessage (http_429)']);
    expect(row('test:a')).toMatchObject({ ts: null, lastError: 'ratelimited', nextAttemptAt: T0 + 30_000 });

    // Meanwhile: more for the limited channel (held) and a new message for another one (sent).
    clock.advance(1000);
    change('test:b', 'b', C1);
    change('test:x', 'x', C2);
    await d.deliverDue();
    expect(fake.posts(C1)).toHaveLength(0);
    expect(fake.posts(C2).map((p) => p.args.text)).toEqual(['x']);

    for (let t = 2; t < 30; t += 3) {
      clock.set(T0 + t * 1000);
      await d.deliverDue();
    }
    clock.set(T0 + 29_999);
    await d.deliverDue();
    expect(fake.calls.filter((c) => c.args.channel === C1)).toHaveLength(1); // only the refused one

    clock.set(T0 + 30_000);
    await d.deliverDue();
    expect(fake.posts(C1).map((p) => p.args.text)).toEqual(['a', 'b']);
    expect(fake.messages(C1).map(subjectOf)).toEqual(['test:a', 'test:b']);
    await d.deliverDue();
    expect(fake.posts(C1)).toHaveLength(2);
    expect(backlog(db)).toBe(0);
  });

  it('keeps other channels flowing even when the rate-limited channel has more than a page of messages due', async () => {
    const d = deliverer();
    fake.failNext('chat.postMessage', { status: 429, retryAfter: 30 });
    for (let i = 0; i < 250; i++) change(`test:${String(i).padStart(3, '0')}`, `n${i}`, C1);
    await d.deliverDue();
    expect(fake.calls).toHaveLength(1);

    clock.advance(1000);
    change('test:other', 'other channel', C2);
    await d.deliverDue();
    expect(fake.posts(C2).map((p) => p.args.text)).toEqual(['other channel']);
    expect(fake.posts(C1)).toHaveLength(0);

    clock.set(T0 + 30_000);
    await d.deliverDue();
    expect(fake.posts(C1)).toHaveLength(250);
    expect(backlog(db)).toBe(0);
  });

  it('backs off on 5xx and network errors (each wait longer than the last), then delivers once when Slack answers', async () => {
    const d = deliverer();
    fake.failNext('*', { status: 502 });
    fake.failNext('*', { network: true });
    fake.failNext('*', { status: 500 });
    change('test:1', 'hello');

    const waits: number[] = [];
    for (let i = 0; i < 3; i++) {
      await d.deliverDue();
      const r = row('test:1');
      waits.push(r.nextAttemptAt - clock.now());
      expect(r.attempts).toBe(i + 1);
      // Not due again before its backoff ends.
      const calls = fake.calls.length;
      clock.set(r.nextAttemptAt - 1);
      await d.deliverDue();
      expect(fake.calls.length).toBe(calls);
      clock.set(r.nextAttemptAt);
    }
    expect(waits).toEqual([MIN_BACKOFF, 2 * MIN_BACKOFF, 4 * MIN_BACKOFF]);
    expect(row('test:1').lastError).toBe('slack_webapi_http_error');

    await d.deliverDue();
    expect(fake.posts(C1)).toHaveLength(1);
    expect(fake.messages(C1)).toHaveLength(1);
    expect(row('test:1')).toMatchObject({ ts: fake.messages(C1)[0]?.ts, attempts: 0, lastError: null });
    expect(backlog(db)).toBe(0);
  });

  it('rides out a 10-minute outage: three subjects that became due during it are posted exactly once each afterwards', async () => {
    const d = deliverer();
    fake.outage(true);
    const STEP = 15_000;
    const becomeDue = [
      { at: T0, subject: 'test:a' },
      { at: T0 + 3 * MINUTE, subject: 'test:b' },
      { at: T0 + 6 * MINUTE, subject: 'test:c' },
    ];
    while (clock.now() < T0 + 10 * MINUTE) {
      while (becomeDue[0] && becomeDue[0].at <= clock.now()) {
        const { subject } = becomeDue.shift() ?? { subject: '' };
        change(subject, subject.slice(5));
      }
      await d.deliverDue();
      clock.advance(STEP);
    }
    expect(becomeDue).toEqual([]);
    const duringOutage = fake.calls.length;
    expect(fake.calls.every((c) => c.failed === 'outage')).toBe(true);
    // Backing off, not hammering: every 15 s would be 40 + 28 + 16 calls.
    expect(duringOutage).toBeGreaterThanOrEqual(6);
    expect(duringOutage).toBeLessThan(30);
    expect(row('test:a').attempts).toBeGreaterThanOrEqual(5);
    expect(backlog(db)).toBe(3);

    fake.outage(false);
    for (let i = 0; i < 40 && backlog(db) > 0; i++) {
      clock.advance(STEP);
      await d.deliverDue();
    }
    expect(backlog(db)).toBe(0);
    expect(fake.posts(C1)).toHaveLength(3);
    const messages = fake.messages(C1);
    expect(messages.map(subjectOf).sort()).toEqual(['test:a', 'test:b', 'test:c']);
    for (const m of messages) expect(row(String(subjectOf(m))).ts).toBe(m.ts);

    await d.deliverDue();
    expect(fake.posts(C1)).toHaveLength(3);
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

  it('adopts the message it already posted (found by its subject metadata) and updates it; no second post', async () => {
    change('test:other', 'someone else');
    await deliverer().deliverDue();
    clock.advance(5000);
    change('test:1', 'before the crash');
    const startedAt = clock.now();
    const res = await client.chat.postMessage({
      channel: C1,
      text: 'before the crash',
      metadata: { event_type: SUBJECT_EVENT, event_payload: { subject: 'test:1' } },
    });
    crashedMidPost('test:1', startedAt);
    fake.calls.length = 0;

    clock.advance(30_000);
    state.set('test:1', 'after the restart');
    await deliverer().deliverDue();

    expect(methods()).toEqual(['conversations.history', 'chat.update']);
    expect(fake.calls[0]?.args).toMatchObject({ channel: C1, include_all_metadata: 'true' });
    const messages = fake.messages(C1);
    expect(messages.map((m) => m.text)).toEqual(['someone else', 'after the restart']);
    expect(messages[1]?.ts).toBe(res.ts);
    expect(row('test:1')).toMatchObject({ ts: res.ts, postStartedAt: null, doneRev: 1 });
  });

  it('posts once when the post never reached Slack (and ignores other subjects’ messages)', async () => {
    change('test:other', 'someone else');
    await deliverer().deliverDue();
    change('test:1', 'lost');
    crashedMidPost('test:1', clock.now());
    fake.calls.length = 0;

    clock.advance(30_000);
    await deliverer().deliverDue();

    expect(methods()).toEqual(['conversations.history', 'chat.postMessage']);
    expect(fake.messages(C1).map(subjectOf)).toEqual(['test:other', 'test:1']);
    expect(row('test:1')).toMatchObject({ ts: fake.messages(C1)[1]?.ts, postStartedAt: null });
  });

  it('still posts when Slack will not let it read the channel (a missing scope), rather than never', async () => {
    change('test:1', 'lost');
    crashedMidPost('test:1', clock.now());
    fake.failNext('conversations.history', { error: 'missing_scope' });
    fake.calls.length = 0;
    await deliverer().deliverDue();
    expect(methods()).toEqual(['conversations.history (missing_scope)', 'chat.postMessage']);
    expect(fake.messages(C1).map(subjectOf)).toEqual(['test:1']);
  });

  it('after a 429 on a first post, tries again without a look-up: Slack refused it, nothing was posted', async () => {
    change('test:1', 'hello');
    fake.failNext('chat.postMessage', { status: 429, retryAfter: 5 });
    const d = deliverer();
    await d.deliverDue();
    clock.advance(5000);
    fake.calls.length = 0;
    await d.deliverDue();
    expect(methods()).toEqual(['chat.postMessage']);
  });

  it('looks a lost thread reply up in its thread, not in the channel', async () => {
    const d = deliverer();
    change('test:parent', 'parent');
    await d.deliverDue();
    const parentTs = row('test:parent').ts ?? '';
    change('test:reply', 'reply', C1, 'test:parent');
    const startedAt = clock.now();
    const res = await client.chat.postMessage({
      channel: C1,
      thread_ts: parentTs,
      text: 'reply',
      metadata: { event_type: SUBJECT_EVENT, event_payload: { subject: 'test:reply' } },
    });
    crashedMidPost('test:reply', startedAt);
    fake.calls.length = 0;

    await deliverer().deliverDue();
    expect(methods()).toEqual(['conversations.replies', 'chat.update']);
    expect(fake.replies(C1, parentTs).map((m) => m.ts)).toEqual([res.ts]);
    expect(row('test:reply').ts).toBe(res.ts);
  });
});

describe('Slack errors with a known remedy', () => {
  it('posts a fresh message when chat.update answers message_not_found, and records the new ts', async () => {
    const d = deliverer();
    change('test:1', 'v1');
    await d.deliverDue();
    const oldTs = row('test:1').ts ?? '';
    await client.chat.delete({ channel: C1, ts: oldTs }); // someone deleted the card
    fake.calls.length = 0;

    change('test:1', 'v2');
    await d.deliverDue();
    expect(methods()).toEqual(['chat.update (message_not_found)', 'chat.postMessage']);
    const [m] = fake.messages(C1);
    expect(fake.messages(C1)).toHaveLength(1);
    expect(m).toMatchObject({ text: 'v2' });
    expect(m?.ts).not.toBe(oldTs);
    expect(row('test:1')).toMatchObject({ ts: m?.ts, doneRev: 2 });

    change('test:1', 'v3');
    await d.deliverDue();
    expect(fake.messages(C1).map((x) => x.text)).toEqual(['v3']);
    expect(fake.posts(C1)).toHaveLength(1);
  });

  it('joins the channel on not_in_channel, then posts once', async () => {
    const d = deliverer();
    fake.failNext('chat.postMessage', { error: 'not_in_channel' });
    change('test:1', 'hello');
    await d.deliverDue();
    expect(methods()).toEqual([
      'chat.postMessage (not_in_channel)',
      'conversations.join',
      'chat.postMessage',
    ]);
    expect(fake.calls[1]?.args).toMatchObject({ channel: C1 });
    expect(fake.messages(C1)).toHaveLength(1);
    expect(row('test:1')).toMatchObject({ ts: fake.messages(C1)[0]?.ts, doneRev: 1 });
  });
});

describe('threads, nothing to show, no renderer', () => {
  it('holds a thread reply until its parent has a ts, then posts it under the parent', async () => {
    const d = deliverer();
    change('test:reply', 'reply', C1, 'test:parent');
    expect(await d.deliverDue()).toBe(0);
    expect(fake.calls).toHaveLength(0);
    expect(row('test:reply')).toMatchObject({ ts: null, doneRev: 0, attempts: 0 });

    // The parent fails to post: the reply keeps waiting, and the run ends.
    fake.failNext('chat.postMessage', { status: 503 });
    change('test:parent', 'parent');
    expect(await d.deliverDue()).toBe(0);
    expect(methods()).toEqual(['chat.postMessage (http_503)']);

    const backoff = row('test:parent').nextAttemptAt - clock.now();
    clock.advance(backoff);
    mono += backoff;
    sleeps.length = 0;
    expect(await d.deliverDue()).toBe(2);
    const parentTs = row('test:parent').ts;
    expect(parentTs).toBe(fake.messages(C1)[0]?.ts);
    expect(fake.messages(C1)).toHaveLength(1);
    const posts = fake.posts(C1);
    expect(posts.at(-1)?.args).toMatchObject({ thread_ts: parentTs, text: 'reply' });
    const replies = fake.replies(C1, parentTs ?? '');
    expect(replies.map(subjectOf)).toEqual(['test:reply']);
    expect(row('test:reply').ts).toBe(replies[0]?.ts);
    expect(sleeps).toEqual([GAP]); // the reply is a new post in the same channel
  });

  it('a backlog in one channel does not keep another channel waiting for its turn', async () => {
    const d = deliverer();
    for (let i = 0; i < 520; i++) change(`test:busy:${String(i).padStart(3, '0')}`, `busy ${i}`, C1);
    change('test:quiet', 'quiet', C2);
    await d.deliverDue();
    const order = fake.posts().map((p) => p.args.text);
    expect(order).toHaveLength(521);
    // C2's only message goes out in the first round, not after C1's backlog of paced posts.
    expect(order.indexOf('quiet')).toBeLessThan(3);
  });

  it('makes no call when a change renders exactly what Slack already shows', async () => {
    const d = deliverer();
    change('test:same', 'hello');
    await d.deliverDue();
    change('test:same', 'hello');
    await d.deliverDue();
    expect(fake.calls.map((c) => c.method)).toEqual(['chat.postMessage']);
    expect(backlog(db)).toBe(0);
    change('test:same', 'hello again');
    await d.deliverDue();
    expect(fake.calls.map((c) => c.method)).toEqual(['chat.postMessage', 'chat.update']);
  });

  it('settles a subject that renders as nothing without any call', async () => {
    const d = deliverer();
    markDue(db, { subject: 'test:gone', channel: C1 }, clock.now());
    expect(await d.deliverDue()).toBe(1);
    expect(fake.calls).toHaveLength(0);
    expect(row('test:gone')).toMatchObject({ ts: null, doneRev: 1, lastError: null });
    expect(backlog(db)).toBe(0);
  });

  it('settles a thread reply whose parent rendered as nothing, instead of waiting for ever', async () => {
    const d = deliverer();
    markDue(db, { subject: 'test:gone', channel: C1 }, clock.now());
    markDue(db, { subject: 'test:orphan', channel: C1, threadSubject: 'test:gone' }, clock.now());
    await d.deliverDue();
    expect(fake.calls).toHaveLength(0);
    expect(backlog(db)).toBe(0);
  });

  it('a kick that arrives as a run is finishing is not lost', async () => {
    const d = deliverer();
    change('test:1', 'first', C1);
    d.kick();
    // Marked due and kicked while the first run is still on its way out.
    change('test:2', 'second', C2);
    d.kick();
    await d.idle();
    await new Promise((r) => setImmediate(r));
    await d.idle();
    expect(fake.posts().map((p) => p.args.text)).toEqual(['first', 'second']);
  });

  it('backs off a subject with no renderer without blocking the others', async () => {
    const d = deliverer();
    markDue(db, { subject: 'mystery:1', channel: C1 }, clock.now());
    change('test:1', 'fine', C1);
    change('test:2', 'fine too', C2);
    expect(await d.deliverDue()).toBe(2);
    expect(fake.posts().map((p) => p.args.text)).toEqual(['fine', 'fine too']);
    expect(row('mystery:1')).toMatchObject({
      doneRev: 0,
      attempts: 1,
      lastError: 'no_renderer',
      nextAttemptAt: T0 + MIN_BACKOFF,
    });
  });
});
