import { createHash } from 'node:crypto';
import type { HomeView } from '@slack/types';
import { ErrorCode, type WebClient } from '@slack/web-api';
import type { Db } from '../../db/index.ts';
import { errorFields, type Log } from '../log.ts';
import type { Clock } from '../time.ts';
import {
  clearPostStarted,
  deferUntil,
  dueRows,
  forgetMessage,
  getOutboxRow,
  markDueIfMissing,
  markPostStarted,
  nextAttemptAt,
  type OutboxRow,
  park,
  type Rendered,
  releaseDeferred,
  releaseReplies,
  retryLater,
  type SubjectKind,
  settle,
} from './outbox.ts';

/**
 * Makes Slack match the outbox. For each due subject: render it from the database as it is now, post
 * it if it has no message yet, else update it in place; then record what was delivered.
 *
 * - Many channels at once, one call in flight per channel: up to `concurrency` channels are served
 *   together, so a round trip to Slack (about 100 ms) is paid once per channel, not once per message.
 * - Most urgent first: escalations, then alerts, then cards, then digests (each subject kind's priority).
 * - Pacing: at most one post per `postGapMs` per channel (Slack allows about one a second). A 429 pauses
 *   that channel for its Retry-After; the others go on.
 * - One message never holds up the others: a renderer that throws, or an error no retry can mend
 *   (channel_not_found, is_archived, invalid_blocks, a missing scope, not_in_channel after a join), parks
 *   that subject (logged at error, counted on /healthz, listed by `patchbot outbox`). Everything else flows.
 * - Backoff is about Slack's health, not each message: while Slack fails (5xx, resets, time-outs) one
 *   probe goes out every `probeMs`, most urgent message first; the first success makes everything due
 *   eligible at once. So recovery after an outage takes seconds, however long the outage was.
 * - Coalescing: many changes to one subject before delivery become one call (revisions, not events).
 * - Crash between post and record: `postStartedAt` is committed before the post. A row found with it
 *   set and no `ts` is looked up in the channel (by the subject in the message metadata) before any new
 *   post, so it is adopted rather than posted twice.
 */

export const SUBJECT_EVENT = 'patchbot_subject';

export interface DelivererOptions {
  /** Channels served at once. */
  concurrency?: number;
  postGapMs?: number;
  /** While Slack fails, how often one message is tried. */
  probeMs?: number;
  /** A message Slack refuses for a reason this code does not know: first wait, doubling to `maxRetryMs`. */
  retryMs?: number;
  maxRetryMs?: number;
  /** …and parked after this many such refusals. */
  parkAfter?: number;
  /** Real time for pacing between posts (the injected clock may be frozen in tests). */
  monotonic?: () => number;
}

interface Deps {
  db: Db;
  client: WebClient;
  clock: Clock;
  log: Log;
  subjects: readonly SubjectKind[];
}

interface Lane {
  busy: boolean;
  lastPostAt: number | null;
  /** Clock ms before which nothing goes to this channel (a 429). */
  pausedUntil: number;
}

/** Errors no retry can mend: the subject is parked until an operator retries it. */
const PARK = new Set([
  'channel_not_found',
  'is_archived',
  'not_in_channel',
  'missing_scope',
  'invalid_blocks',
  'invalid_blocks_format',
  'msg_too_long',
  'msg_blocks_too_long',
  'no_text',
  'restricted_action',
  'restricted_action_read_only_channel',
  'restricted_action_thread_only_channel',
  'cannot_reply_to_message',
  'invalid_metadata_format',
  'invalid_metadata_schema',
  'metadata_too_large',
  'too_many_attachments',
  'user_not_found',
  'cannot_dm_bot',
  'messages_tab_disabled',
  'method_not_supported_for_channel_type',
  'not_enabled',
  'invalid_arguments',
]);

/** Errors about the token: nothing can be delivered until a person fixes it; treated like an outage. */
const TOKEN = new Set(['invalid_auth', 'not_authed', 'token_revoked', 'token_expired', 'account_inactive']);

/** A probe that fails this many times running with the same message: that message is the trouble. */
const STUCK_PROBES = 3;

/** Slack's own trouble, reported in a 200: treated like an outage. */
const SLACK_TROUBLE = new Set([
  'internal_error',
  'fatal_error',
  'service_unavailable',
  'request_timeout',
  'ratelimited',
]);

export class Deliverer {
  private readonly concurrency: number;
  private readonly postGapMs: number;
  private readonly probeMs: number;
  private readonly retryMs: number;
  private readonly maxRetryMs: number;
  private readonly parkAfter: number;
  private readonly monotonic: () => number;
  private readonly lanes = new Map<string, Lane>();
  private readonly inflight = new Set<Promise<void>>();
  private pumping: Promise<void> | null = null;
  private entering = false;
  private wanted = false;
  private signal: (() => void) | null = null;
  private pollTimer: NodeJS.Timeout | null = null;
  private wakeTimer: NodeJS.Timeout | null = null;
  private stopped = true;
  /** Set while Slack fails: when it started, and when the next probe may go. */
  private down: { since: number; probeAt: number; reason: string } | null = null;
  /** Subjects that failed with Slack's trouble in a row (reset when they go through). */
  private readonly troubled = new Map<string, { fails: number; lastAt: number }>();
  /** When Slack last answered any call (clock ms). */
  private lastSuccessAt: number | null = null;
  /** The due rows last read, in order; served from memory until used up or a kick brings news. */
  private batch: OutboxRow[] = [];
  /** The end of the queue of deliveries waiting for their turn to render (see `renderTurn`). */
  private turns: Promise<void> = Promise.resolve();

  constructor(
    private readonly deps: Deps,
    opts: DelivererOptions = {},
  ) {
    this.concurrency = Math.max(1, opts.concurrency ?? 20);
    this.postGapMs = opts.postGapMs ?? 1000;
    this.probeMs = opts.probeMs ?? 2000;
    this.retryMs = opts.retryMs ?? 2000;
    this.maxRetryMs = opts.maxRetryMs ?? 60_000;
    this.parkAfter = opts.parkAfter ?? 10;
    this.monotonic = opts.monotonic ?? (() => performance.now());
  }

  /** Deliver what is due now, soon, without waiting. Safe to call often. */
  kick(): void {
    if (this.stopped) return;
    this.wanted = true;
    this.batch = [];
    if (this.signal) this.signal();
    if (this.pumping || this.entering) return;
    // pump() runs synchronously up to its first await (renders included): a kick from in there must
    // not start a second pump.
    this.entering = true;
    this.pumping = this.pump().finally(() => {
      this.pumping = null;
      if (this.wanted && !this.stopped) this.kick();
    });
    this.entering = false;
  }

  get busy(): boolean {
    return this.pumping !== null;
  }

  /** True while Slack is failing and only probes go out. */
  get slackDown(): boolean {
    return this.down !== null;
  }

  /** Resolves when no delivery is in progress (tests and shutdown). */
  async idle(): Promise<void> {
    while (this.pumping) await this.pumping;
  }

  /** Starts delivering; polls every `intervalMs` as a safety net (kicks and timers do the real work). */
  start(intervalMs = 5000): void {
    this.stopped = false;
    this.pollTimer = setInterval(() => this.kick(), intervalMs);
    this.pollTimer.unref();
    this.kick();
  }

  /** Stops starting new deliveries and waits for the ones in flight. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.pollTimer) clearInterval(this.pollTimer);
    if (this.wakeTimer) clearTimeout(this.wakeTimer);
    this.pollTimer = null;
    this.wakeTimer = null;
    if (this.signal) this.signal();
    await this.idle();
    await Promise.allSettled([...this.inflight]);
  }

  private async pump(): Promise<void> {
    for (;;) {
      if (this.stopped) break;
      this.wanted = false;
      const wake = this.fill();
      if (this.inflight.size === 0) {
        if (this.wanted) continue;
        this.armWake(wake);
        break;
      }
      await new Promise<void>((resolve) => {
        this.signal = resolve;
      });
      this.signal = null;
    }
  }

  /** Starts every delivery that may start now; returns the clock ms at which more may (or null). */
  private fill(): number | null {
    const now = this.deps.clock.now();
    if (this.down && now < this.down.probeAt) return this.down.probeAt;
    if (this.inflight.size >= this.concurrency) return null;
    if (this.batch.length === 0) this.batch = dueRows(this.deps.db, now, 500);
    let wakeMono: number | null = null;
    let pauseWake: number | null = null;
    const keep: OutboxRow[] = [];
    for (const row of this.batch) {
      if (this.inflight.size >= this.concurrency || (this.down && this.inflight.size > 0)) {
        keep.push(row);
        continue;
      }
      const lane = this.lane(row.channel);
      if (lane.busy) {
        keep.push(row);
        continue;
      }
      if (lane.pausedUntil > now) {
        // Its rows wait in the table until the pause ends; wake then.
        pauseWake = pauseWake === null ? lane.pausedUntil : Math.min(pauseWake, lane.pausedUntil);
        continue;
      }
      if (!row.ts && lane.lastPostAt !== null) {
        const ready = lane.lastPostAt + this.postGapMs;
        if (ready > this.monotonic()) {
          wakeMono = wakeMono === null ? ready : Math.min(wakeMono, ready);
          keep.push(row);
          continue;
        }
      }
      this.launch(row, lane);
    }
    this.batch = keep;
    const paceWake = wakeMono === null ? null : now + Math.max(1, wakeMono - this.monotonic());
    // Rows due now but held (a paused channel) must not hide a later backoff's end.
    const retryWake = nextAttemptAt(this.deps.db, now);
    const wakes = [paceWake, pauseWake, retryWake].filter((at): at is number => at !== null);
    return wakes.length === 0 ? null : Math.min(...wakes);
  }

  private lane(channel: string): Lane {
    let lane = this.lanes.get(channel);
    if (!lane) {
      lane = { busy: false, lastPostAt: null, pausedUntil: 0 };
      this.lanes.set(channel, lane);
    }
    return lane;
  }

  private launch(row: OutboxRow, lane: Lane): void {
    lane.busy = true;
    const p = this.deliverOne(row.subject, lane).finally(() => {
      lane.busy = false;
      this.inflight.delete(p);
      if (this.signal) this.signal();
    });
    this.inflight.add(p);
  }

  /** Sleeps until more may be done (a pace gap, a backoff, a probe), then kicks. */
  private armWake(at: number | null): void {
    if (this.wakeTimer) clearTimeout(this.wakeTimer);
    this.wakeTimer = null;
    if (at === null || this.stopped) return;
    const ms = Math.max(1, Math.min(60_000, at - this.deps.clock.now()));
    this.wakeTimer = setTimeout(() => {
      this.wakeTimer = null;
      this.kick();
    }, ms);
    this.wakeTimer.unref();
  }

  /**
   * Deliveries render one at a time, one turn of the event loop each: twenty starting together must not
   * hold the loop for twenty renders while a person waits for their button's answer. Each turn waits
   * for the one before and then for a `setImmediate` set after it, which runs in the loop's next turn,
   * after waiting I/O (twenty `setImmediate`s set at once would all run in the same turn).
   */
  private renderTurn(): Promise<void> {
    const turn = this.turns.then(() => new Promise<void>((resolve) => setImmediate(resolve)));
    this.turns = turn;
    return turn;
  }

  private render(row: OutboxRow): Rendered | null | undefined {
    const kind = this.deps.subjects.find((s) => row.subject.startsWith(s.prefix));
    if (!kind) return undefined;
    return kind.render(this.deps.db, row.subject);
  }

  /** One subject, start to end. Never throws: every failure is about this subject alone. */
  private async deliverOne(subject: string, lane: Lane): Promise<void> {
    const { db, clock, log } = this.deps;
    await this.renderTurn();
    const row = getOutboxRow(db, subject);
    if (!row || row.parkedAt !== null || row.doneRev >= row.wantRev) return;
    let threadTs: string | undefined = row.threadTs ?? undefined;
    if (row.threadSubject) {
      const parent = getOutboxRow(db, row.threadSubject);
      if (parent && !parent.ts && parent.doneRev >= parent.wantRev) {
        // The parent will never be posted (it rendered to nothing): there is no thread to reply in.
        log.warn('outbox.orphan_reply', { subject, parent: row.threadSubject });
        settle(db, subject, row.wantRev);
        return;
      }
      if (!parent?.ts) {
        // Waits for its parent; looked at again when the parent is delivered.
        deferUntil(db, subject, clock.now() + this.probeMs, 'waiting_for_parent');
        return;
      }
      threadTs = parent.ts;
    }
    let rendered: Rendered | null | undefined;
    try {
      rendered = this.render(row);
    } catch (err) {
      this.parkWith(row, `render_failed: ${errorFields(err).error}`);
      return;
    }
    if (rendered === undefined) {
      this.parkWith(row, 'no_renderer');
      return;
    }
    if (rendered === null) {
      settle(db, subject, row.wantRev);
      return;
    }
    for (const implied of rendered.also ?? []) markDueIfMissing(db, implied, clock.now());
    const hash = createHash('sha256')
      .update(JSON.stringify([rendered.text, rendered.blocks ?? null, rendered.home ?? null]))
      .digest('hex');
    if (rendered.home) {
      await this.publishHome(row, rendered.home, hash);
      return;
    }
    if (row.ts && row.renderedHash === hash) {
      // Slack already shows exactly this: an edit would change nothing but the "(edited)" mark.
      settle(db, subject, row.wantRev);
      return;
    }
    const metadata = { event_type: SUBJECT_EVENT, event_payload: { subject } };
    try {
      let ts = row.ts;
      if (!ts && row.postStartedAt !== null) ts = await this.findPostedOrNull(row, threadTs);
      if (ts) {
        try {
          await this.deps.client.chat.update({
            channel: row.channel,
            ts,
            text: rendered.text,
            blocks: rendered.blocks ?? [],
            metadata,
          });
        } catch (err) {
          if (slackErrorOf(err) !== 'message_not_found') throw err;
          log.warn('outbox.message_gone', { subject });
          // Recorded, so a paced wait for the fresh post does not send the doomed update again.
          forgetMessage(db, subject);
          ts = null;
        }
      }
      if (!ts) {
        if (lane.lastPostAt !== null && lane.lastPostAt + this.postGapMs > this.monotonic()) {
          this.batch.push({ ...row, ts: null }); // paced: back in line, as the first post it now is
          return;
        }
        markPostStarted(db, subject, clock.now());
        lane.lastPostAt = this.monotonic();
        try {
          ts = await this.post(row, {
            channel: row.channel,
            text: rendered.text,
            ...(rendered.blocks ? { blocks: rendered.blocks } : {}),
            ...(threadTs ? { thread_ts: threadTs } : {}),
            metadata,
            unfurl_links: false,
            unfurl_media: false,
          });
          // Paced from when Slack answered: a request slow on its way must not bring the next one
          // within a second of it at Slack's end.
          lane.lastPostAt = this.monotonic();
        } catch (err) {
          // Slack answered and refused (a 429, an error of its own): nothing was posted, so the next try
          // needs no look-up. Not after a look-up's or an update's 429: a message may exist then.
          if (refusedOutright(err)) clearPostStarted(db, subject);
          throw err;
        }
      }
      settle(db, subject, row.wantRev, { ts, postStartedAt: null, renderedHash: hash });
      if (!row.ts) releaseReplies(db, subject, clock.now());
      this.troubled.delete(subject);
      this.slackAnswered();
      log.debug('outbox.delivered', { subject, rev: row.wantRev });
    } catch (err) {
      this.failed(row, lane, err);
      if (this.down && (this.troubled.get(subject)?.fails ?? 0) >= STUCK_PROBES) await this.secondOpinion();
    }
  }

  /**
   * The same message has failed as the probe again and again: is it Slack, or this message? auth.test
   * asks Slack without touching anything. If Slack answers, it is up: everything flows again, and if
   * this message fails once more while Slack answers others, it backs off alone (and is parked in the
   * end), so it can never hold the others behind it.
   */
  private async secondOpinion(): Promise<void> {
    try {
      await this.deps.client.auth.test();
    } catch {
      return; // Slack is failing: go on probing with the most urgent message
    }
    this.slackAnswered();
  }

  /** A user's Home tab: published whole (views.publish), unless Slack already shows exactly this. */
  private async publishHome(row: OutboxRow, view: HomeView, hash: string): Promise<void> {
    const { db, client, log } = this.deps;
    if (row.renderedHash === hash) {
      settle(db, row.subject, row.wantRev);
      return;
    }
    try {
      await client.views.publish({ user_id: row.channel, view });
      settle(db, row.subject, row.wantRev, { renderedHash: hash });
      this.troubled.delete(row.subject);
      this.slackAnswered();
      log.debug('outbox.home_published', { subject: row.subject, rev: row.wantRev });
    } catch (err) {
      this.failed(row, this.lane(row.channel), err);
    }
  }

  /** Posts; on `not_in_channel` in a public channel, joins it and tries once more. */
  private async post(row: OutboxRow, args: Parameters<WebClient['chat']['postMessage']>[0]): Promise<string> {
    const { client, log } = this.deps;
    try {
      return String((await client.chat.postMessage(args)).ts);
    } catch (err) {
      if (slackErrorOf(err) === 'thread_not_found' && args.thread_ts) {
        // The message it belonged under was deleted: say it in the channel rather than never.
        log.warn('outbox.thread_gone', { subject: row.subject });
        const unthreaded = { ...args } as Record<string, unknown>;
        delete unthreaded.thread_ts;
        delete unthreaded.reply_broadcast;
        return String((await client.chat.postMessage(unthreaded as unknown as typeof args)).ts);
      }
      if (slackErrorOf(err) !== 'not_in_channel') throw err;
      log.warn('outbox.joining_channel', { channel: row.channel });
      try {
        await client.conversations.join({ channel: row.channel });
      } catch (joinErr) {
        // A private channel cannot be joined: somebody must invite the bot. But Slack failing (or the
        // token) during the join says nothing about the channel: that is an outage, not a reason to park.
        const joinError = slackErrorOf(joinErr);
        if (joinError && !SLACK_TROUBLE.has(joinError) && !TOKEN.has(joinError)) throw err;
        throw joinErr;
      }
      return String((await client.chat.postMessage(args)).ts);
    }
  }

  /**
   * The look-up must not become a new way to fail: if Slack will not let us read the channel (a scope
   * the workspace did not grant, say), post; a rare duplicate beats a message that never arrives.
   */
  private async findPostedOrNull(row: OutboxRow, threadTs: string | undefined): Promise<string | null> {
    try {
      return await this.findPosted(row, threadTs);
    } catch (err) {
      const slackError = slackErrorOf(err);
      // Slack unreachable, or no token works: an outage, try again later (not a reason to post blind).
      if (!slackError || SLACK_TROUBLE.has(slackError) || TOKEN.has(slackError)) throw err;
      this.deps.log.warn('outbox.reconcile_failed', { subject: row.subject, slackError });
      return null;
    }
  }

  /** After a crash mid-post: find the message we may already have posted, by its subject metadata. */
  private async findPosted(row: OutboxRow, threadTs: string | undefined): Promise<string | null> {
    const { client, log } = this.deps;
    const oldest = ((row.postStartedAt ?? 0) - 60_000) / 1000;
    const res = threadTs
      ? await client.conversations.replies({
          channel: row.channel,
          ts: threadTs,
          oldest: String(oldest),
          include_all_metadata: true,
          limit: 200,
        })
      : await client.conversations.history({
          channel: row.channel,
          oldest: String(oldest),
          include_all_metadata: true,
          limit: 200,
        });
    const found = (res.messages ?? []).find(
      (m) =>
        m.metadata?.event_type === SUBJECT_EVENT &&
        (m.metadata.event_payload as { subject?: unknown } | undefined)?.subject === row.subject,
    );
    log.info('outbox.reconciled', { subject: row.subject, found: Boolean(found?.ts) });
    return found?.ts ?? null;
  }

  private parkWith(row: OutboxRow, reason: string): void {
    park(this.deps.db, row.subject, this.deps.clock.now(), reason);
    this.deps.log.error('outbox.parked', { subject: row.subject, channel: row.channel, reason });
  }

  /** Slack answered (even with a refusal): it is up. */
  private slackAnswered(): void {
    this.lastSuccessAt = this.deps.clock.now();
    if (!this.down) return;
    const outageMs = this.deps.clock.now() - this.down.since;
    this.deps.log.info('slack.back', { outageMs, reason: this.down.reason });
    this.down = null;
    // Everything held back while Slack failed is due at once, most urgent first.
    releaseDeferred(this.deps.db, this.deps.clock.now());
    this.batch = [];
    this.wanted = true;
  }

  private slackFailing(reason: string, level: 'warn' | 'error'): void {
    const now = this.deps.clock.now();
    if (!this.down) {
      this.deps.log[level]('slack.unreachable', { reason, probeMs: this.probeMs });
      this.down = { since: now, probeAt: now + this.probeMs, reason };
    } else {
      this.down.probeAt = now + this.probeMs;
    }
    this.batch = [];
  }

  private failed(row: OutboxRow, lane: Lane, err: unknown): void {
    const { db, clock, log } = this.deps;
    const now = clock.now();
    const code = (err as { code?: unknown } | null)?.code;
    const slackError = slackErrorOf(err);
    if (code === ErrorCode.RateLimitedError) {
      const retryAfter = Number((err as { retryAfter?: unknown }).retryAfter) || 1;
      lane.pausedUntil = now + retryAfter * 1000;
      // Not this message's fault: no attempt counted against it (nor towards parking it).
      deferUntil(db, row.subject, lane.pausedUntil, 'ratelimited');
      this.slackAnswered();
      log.warn('outbox.rate_limited', { subject: row.subject, channel: row.channel, retryAfter });
      return;
    }
    if (slackError && PARK.has(slackError)) {
      this.slackAnswered();
      this.parkWith(row, slackError);
      return;
    }
    if (!slackError || SLACK_TROUBLE.has(slackError) || TOKEN.has(slackError)) {
      const reason = troubleOf(err);
      const seen = this.troubled.get(row.subject);
      const fails = (seen?.fails ?? 0) + 1;
      this.troubled.set(row.subject, { fails, lastAt: now });
      // Slack went through for another message since this one last failed: Slack works, this does not.
      const othersFine =
        seen !== undefined && this.lastSuccessAt !== null && this.lastSuccessAt >= seen.lastAt;
      if (othersFine && !TOKEN.has(slackError ?? '')) {
        // Slack answered others a moment ago: the trouble is this message's, not Slack's. It backs
        // off on its own and is parked in the end, so it can never hold the others behind it.
        if (fails >= this.parkAfter) {
          this.troubled.delete(row.subject);
          this.parkWith(row, `${reason} (every try)`);
          return;
        }
        const delay = Math.min(this.maxRetryMs, this.retryMs * 2 ** Math.min(fails - 1, 20));
        deferUntil(db, row.subject, now + delay, reason);
        log.warn('outbox.delivery_failed', { subject: row.subject, attempts: fails, reason });
        return;
      }
      // Slack (or the way to it) is failing, not this message: probe until it answers again.
      deferUntil(db, row.subject, now, reason);
      this.slackFailing(
        slackError ?? String(code ?? 'network'),
        TOKEN.has(slackError ?? '') ? 'error' : 'warn',
      );
      return;
    }
    // Slack answered with something this code does not know: back off this one message, then park it.
    this.slackAnswered();
    if (row.attempts + 1 >= this.parkAfter) {
      this.parkWith(row, slackError);
      return;
    }
    const delay = Math.min(this.maxRetryMs, this.retryMs * 2 ** Math.min(row.attempts, 20));
    retryLater(db, row.subject, now + delay, slackError);
    log.warn('outbox.delivery_failed', { subject: row.subject, attempts: row.attempts + 1, slackError });
  }
}

/**
 * Slack answered and refused the call: a 429, or an error of its own that is not Slack's trouble or the
 * token's (those may come from a half-done call, or say nothing of this one).
 */
function refusedOutright(err: unknown): boolean {
  if ((err as { code?: unknown } | null)?.code === ErrorCode.RateLimitedError) return true;
  const slackError = slackErrorOf(err);
  return slackError !== undefined && !SLACK_TROUBLE.has(slackError) && !TOKEN.has(slackError);
}

/** Why a call failed in a word an operator can read: Slack's error, `http_503`, or the network's code. */
function troubleOf(err: unknown): string {
  const slackError = slackErrorOf(err);
  if (slackError) return slackError;
  const e = err as {
    code?: unknown;
    statusCode?: unknown;
    original?: { code?: unknown; name?: unknown };
  } | null;
  if (e?.code === ErrorCode.HTTPError && typeof e.statusCode === 'number') return `http_${e.statusCode}`;
  if (e?.code === ErrorCode.RequestError) {
    const inner = e.original?.code ?? e.original?.name;
    return typeof inner === 'string' ? `network: ${inner}` : 'network';
  }
  return String(errorFields(err).error ?? 'error');
}

/** Slack's `error` string from a WebClient platform error (`not_in_channel`, …). */
export function slackErrorOf(err: unknown): string | undefined {
  const data = (err as { data?: { error?: unknown } } | null)?.data;
  return typeof data?.error === 'string' ? data.error : undefined;
}
