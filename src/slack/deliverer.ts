import { createHash } from 'node:crypto';
import { ErrorCode, type WebClient } from '@slack/web-api';
import { and, eq, isNull } from 'drizzle-orm';
import type { Db } from '../../db/index.ts';
import { slackMessages } from '../../db/schema.ts';
import { errorFields, type Log } from '../log.ts';
import type { Clock } from '../time.ts';
import { getOutboxRow, type OutboxRow, pendingRows, type Rendered, type RendererEntry } from './outbox.ts';

/**
 * Makes Slack match the outbox. For each due subject: render it from the database as it is now, post
 * it if it has no message yet, else update it in place; then record what was delivered.
 *
 * - Coalescing: many changes to one subject before delivery become one call (revisions, not events).
 * - Pacing: at most one post per `postGapMs` per channel (Slack allows about one a second).
 * - 429: the channel waits `Retry-After` seconds; 5xx, time-outs and network errors back off per
 *   message, doubling to `maxBackoffMs`. One failing message or channel never holds up the others.
 * - Crash between post and record: `postStartedAt` is committed before the post. A row found with it
 *   set and no `ts` is looked up in the channel (by the subject in the message metadata) before any
 *   new post, so it is adopted rather than posted twice.
 */

export const SUBJECT_EVENT = 'patchbot_subject';

export interface DelivererOptions {
  postGapMs?: number;
  minBackoffMs?: number;
  maxBackoffMs?: number;
  /** Real time for pacing between posts (the injected clock may be frozen in tests). */
  monotonic?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

interface Deps {
  db: Db;
  client: WebClient;
  clock: Clock;
  log: Log;
  renderers: RendererEntry[];
}

type Outcome = 'delivered' | 'paced' | 'waiting' | 'failed';

export class Deliverer {
  private readonly postGapMs: number;
  private readonly minBackoffMs: number;
  private readonly maxBackoffMs: number;
  private readonly monotonic: () => number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly lastPostAt = new Map<string, number>();
  /** Channel → clock time before which nothing is sent there (after a 429). */
  private readonly pausedUntil = new Map<string, number>();
  private running: Promise<void> | null = null;
  private again = false;
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;

  constructor(
    private readonly deps: Deps,
    opts: DelivererOptions = {},
  ) {
    this.postGapMs = opts.postGapMs ?? 1000;
    this.minBackoffMs = opts.minBackoffMs ?? 2000;
    this.maxBackoffMs = opts.maxBackoffMs ?? 5 * 60_000;
    this.monotonic = opts.monotonic ?? (() => performance.now());
    this.sleep = opts.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
  }

  /** Deliver what is due now, soon, without waiting. Safe to call often: runs are never concurrent. */
  kick(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.loop().finally(() => {
      this.running = null;
      // A kick that landed after the loop's last check but before this line must not be lost.
      if (this.again && !this.stopped) this.kick();
    });
  }

  get busy(): boolean {
    return this.running !== null;
  }

  /** Resolves when no delivery run is in progress (tests and shutdown). */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  /** Polls every `intervalMs` so backoffs and Retry-After waits end by themselves. */
  start(intervalMs = 5000): void {
    this.stopped = false;
    this.timer = setInterval(() => this.kick(), intervalMs);
    this.timer.unref();
    this.kick();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.idle();
  }

  private async loop(): Promise<void> {
    do {
      this.again = false;
      try {
        await this.deliverDue();
      } catch (err) {
        this.deps.log.error('outbox.run_failed', errorFields(err));
      }
    } while (this.again && !this.stopped);
  }

  /** One pass over everything due; waits out per-channel pacing within the pass. */
  async deliverDue(): Promise<number> {
    let delivered = 0;
    const attempted = new Set<string>();
    for (;;) {
      const now = this.deps.clock.now();
      const rows = pendingRows(this.deps.db, now).filter((r) => !attempted.has(r.subject));
      if (rows.length === 0) return delivered;
      let pacedFor = Number.POSITIVE_INFINITY;
      let progressed = false;
      for (const row of rows) {
        const paced = this.paceWait(row);
        if (paced > 0) {
          pacedFor = Math.min(pacedFor, paced);
          continue;
        }
        const outcome = await this.deliverOne(row);
        if (outcome === 'paced') {
          pacedFor = Math.min(pacedFor, this.paceWait(row));
          continue;
        }
        if (outcome === 'delivered') delivered++;
        // A thread reply waiting for its parent is tried again in this pass once the parent is up.
        if (outcome !== 'waiting') attempted.add(row.subject);
        // Only a delivery can unblock a waiting reply: counting 'waiting' as progress would spin for
        // ever (without yielding) on a reply whose parent is not posted in this pass.
        if (outcome === 'delivered') progressed = true;
        if (this.stopped) return delivered;
      }
      if (Number.isFinite(pacedFor)) {
        await this.sleep(pacedFor);
      } else if (!progressed) {
        return delivered;
      }
    }
  }

  /** Milliseconds before a first post may go to this row's channel (0 = now). Updates are not paced. */
  private paceWait(row: OutboxRow): number {
    if (row.ts || this.pausedUntil.has(row.channel)) return 0;
    const last = this.lastPostAt.get(row.channel);
    if (last === undefined) return 0;
    return Math.max(0, last + this.postGapMs - this.monotonic());
  }

  private render(row: OutboxRow): Rendered | null | undefined {
    const entry = this.deps.renderers.find((r) => row.subject.startsWith(r.prefix));
    if (!entry) return undefined;
    return entry.render(this.deps.db, row.subject);
  }

  private settle(row: OutboxRow, patch: Partial<OutboxRow>): void {
    const { db } = this.deps;
    const current = getOutboxRow(db, row.subject);
    const doneRev = Math.max(current?.doneRev ?? 0, row.wantRev);
    const caughtUp = doneRev >= (current?.wantRev ?? row.wantRev);
    db.update(slackMessages)
      .set({
        doneRev,
        attempts: 0,
        lastError: null,
        ...(caughtUp ? { pendingSince: null } : {}),
        ...patch,
      })
      .where(eq(slackMessages.subject, row.subject))
      .run();
  }

  private async deliverOne(row: OutboxRow): Promise<Outcome> {
    const { db, client, clock, log } = this.deps;
    const paused = this.pausedUntil.get(row.channel);
    if (paused !== undefined) {
      if (paused > clock.now()) {
        // Out of the due list until the pause ends, so a long queue here cannot crowd out (through
        // pendingRows' limit) the messages of other channels.
        db.update(slackMessages)
          .set({ nextAttemptAt: paused })
          .where(eq(slackMessages.subject, row.subject))
          .run();
        return 'failed';
      }
      this.pausedUntil.delete(row.channel);
    }
    let threadTs: string | undefined = row.threadTs ?? undefined;
    if (row.threadSubject) {
      const parent = getOutboxRow(db, row.threadSubject);
      if (parent && !parent.ts && parent.doneRev >= parent.wantRev) {
        // The parent will never be posted (it rendered to nothing): there is no thread to reply in.
        log.warn('outbox.orphan_reply', { subject: row.subject, parent: row.threadSubject });
        this.settle(row, {});
        return 'delivered';
      }
      if (!parent?.ts) return 'waiting';
      threadTs = parent.ts;
    }
    const rendered = this.render(row);
    if (rendered === undefined) {
      log.error('outbox.no_renderer', { subject: row.subject });
      this.backoff(row, 'no_renderer');
      return 'failed';
    }
    if (rendered === null) {
      this.settle(row, {});
      return 'delivered';
    }
    const hash = createHash('sha256')
      .update(JSON.stringify([rendered.text, rendered.blocks ?? null]))
      .digest('hex');
    if (row.ts && row.renderedHash === hash) {
      // Slack already shows exactly this: an edit would change nothing but the "(edited)" mark.
      this.settle(row, {});
      return 'delivered';
    }
    const metadata = { event_type: SUBJECT_EVENT, event_payload: { subject: row.subject } };
    try {
      let ts = row.ts;
      if (!ts && row.postStartedAt !== null) ts = await this.findPostedOrNull(row, threadTs);
      if (ts) {
        try {
          await client.chat.update({
            channel: row.channel,
            ts,
            text: rendered.text,
            blocks: rendered.blocks ?? [],
            metadata,
          });
        } catch (err) {
          if (slackErrorOf(err) !== 'message_not_found') throw err;
          log.warn('outbox.message_gone', { subject: row.subject });
          ts = null;
        }
      }
      if (!ts) {
        if (this.paceWait(row) > 0) return 'paced';
        db.update(slackMessages)
          .set({ postStartedAt: clock.now() })
          .where(eq(slackMessages.subject, row.subject))
          .run();
        this.lastPostAt.set(row.channel, this.monotonic());
        const res = await this.postJoiningIfNeeded(row, {
          channel: row.channel,
          text: rendered.text,
          ...(rendered.blocks ? { blocks: rendered.blocks } : {}),
          ...(threadTs ? { thread_ts: threadTs } : {}),
          metadata,
          unfurl_links: false,
          unfurl_media: false,
        });
        ts = res;
      }
      this.settle(row, { ts, postStartedAt: null, renderedHash: hash });
      log.debug('outbox.delivered', { subject: row.subject, rev: row.wantRev });
      return 'delivered';
    } catch (err) {
      this.handleFailure(row, err);
      return 'failed';
    }
  }

  private async postJoiningIfNeeded(
    row: OutboxRow,
    args: Parameters<WebClient['chat']['postMessage']>[0],
  ): Promise<string> {
    const { client, log } = this.deps;
    try {
      const res = await client.chat.postMessage(args);
      return String(res.ts);
    } catch (err) {
      if (slackErrorOf(err) !== 'not_in_channel') throw err;
      // A public channel the bot was never invited to: join it and try once more.
      log.warn('outbox.joining_channel', { channel: row.channel });
      await client.conversations.join({ channel: row.channel });
      const res = await client.chat.postMessage(args);
      return String(res.ts);
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
      if (!slackError) throw err; // Slack unreachable: try the whole delivery again later
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

  private handleFailure(row: OutboxRow, err: unknown): void {
    const { log, clock } = this.deps;
    const code = (err as { code?: unknown }).code;
    if (code === ErrorCode.RateLimitedError) {
      const retryAfter = Number((err as { retryAfter?: unknown }).retryAfter) || 1;
      const until = clock.now() + retryAfter * 1000;
      this.pausedUntil.set(row.channel, until);
      this.setRetry(row, until, 'ratelimited');
      // A 429 is a refusal: nothing was posted, so the next try needs no look-up first.
      this.deps.db
        .update(slackMessages)
        .set({ postStartedAt: null })
        .where(and(eq(slackMessages.subject, row.subject), isNull(slackMessages.ts)))
        .run();
      log.warn('outbox.rate_limited', { subject: row.subject, channel: row.channel, retryAfter });
      return;
    }
    this.backoff(row, slackErrorOf(err) ?? (typeof code === 'string' ? code : 'error'));
    // Errors a retry cannot mend on its own (an admin must invite the bot, add a scope…) are errors.
    const needsPerson = PERSON_NEEDED.has(slackErrorOf(err) ?? '');
    log[needsPerson ? 'error' : 'warn']('outbox.delivery_failed', {
      subject: row.subject,
      attempts: row.attempts + 1,
      ...errorFields(err),
    });
  }

  private backoff(row: OutboxRow, reason: string): void {
    const delay = Math.min(this.maxBackoffMs, this.minBackoffMs * 2 ** Math.min(row.attempts, 20));
    this.setRetry(row, this.deps.clock.now() + delay, reason);
  }

  private setRetry(row: OutboxRow, at: number, reason: string): void {
    this.deps.db
      .update(slackMessages)
      .set({ attempts: row.attempts + 1, nextAttemptAt: at, lastError: reason })
      .where(eq(slackMessages.subject, row.subject))
      .run();
  }
}

const PERSON_NEEDED = new Set([
  'channel_not_found',
  'is_archived',
  'missing_scope',
  'not_authed',
  'invalid_auth',
  'account_inactive',
  'token_revoked',
  'invalid_blocks',
  'restricted_action',
]);

/** Slack's `error` string from a WebClient platform error (`not_in_channel`, …). */
export function slackErrorOf(err: unknown): string | undefined {
  const data = (err as { data?: { error?: unknown } } | null)?.data;
  return typeof data?.error === 'string' ? data.error : undefined;
}
