import type { HomeView, KnownBlock } from '@slack/types';
import { and, asc, eq, gt, gte, isNotNull, isNull, lt, lte, min, sql } from 'drizzle-orm';
import type { Db } from '../../db/index.ts';
import { slackMessages } from '../../db/schema.ts';

/**
 * The durable outbox, and every query on it. Services call `markDue` inside the transaction that
 * changed state, so the intent to show it in Slack commits or rolls back with the change itself; the
 * deliverer reads and settles rows only through the functions below.
 */

export interface Rendered {
  text: string;
  blocks?: KnownBlock[];
  /**
   * A Home tab instead of a message: published with views.publish for the user whose id is the row's
   * `channel` (each user's Home is one subject, coalesced like any message).
   */
  home?: HomeView;
  /**
   * Messages this one implies, such as a digest's continuations in its thread: each is made due when this
   * one is delivered, if the outbox does not have it yet (so its count is worked out when it is drawn).
   */
  also?: DueMessage[];
}

/**
 * Renders a subject from the database as it is now. `null` means there is nothing to show (the
 * subject no longer exists), and the row is settled without a call.
 */
export type Renderer = (db: Db, subject: string) => Rendered | null;

/** How urgent a kind of message is: lower goes first when Slack is busy or comes back after an outage. */
export const PRIORITY = { escalation: 0, alert: 1, card: 2, digest: 3, home: 4 } as const;

/** A kind of message a capability owns: its subject prefix, how urgent it is, how it is drawn. */
export interface SubjectKind {
  /** Subjects starting with this prefix, e.g. `popback:`. */
  prefix: string;
  priority: number;
  render: Renderer;
}

export interface DueMessage {
  subject: string;
  channel: string;
  priority: number;
  /** Post as a reply under this other subject's message. */
  threadSubject?: string;
  /** Or under a message the bot does not own, by its ts. */
  threadTs?: string;
}

export type OutboxRow = typeof slackMessages.$inferSelect;

/** A message's row as it is first made due. */
function newRow(m: DueMessage, now: number): typeof slackMessages.$inferInsert {
  return {
    subject: m.subject,
    channel: m.channel,
    threadSubject: m.threadSubject ?? null,
    threadTs: m.threadTs ?? null,
    priority: m.priority,
    wantRev: 1,
    doneRev: 0,
    nextAttemptAt: now,
    createdAt: now,
    pendingSince: now,
  };
}

/** Records that `subject` must be (re)rendered in Slack. Call inside the state change's transaction. */
export function markDue(db: Db, m: DueMessage, now: number): void {
  db.insert(slackMessages)
    .values(newRow(m, now))
    .onConflictDoUpdate({
      target: slackMessages.subject,
      set: {
        wantRev: sql`${slackMessages.wantRev} + 1`,
        nextAttemptAt: now,
        attempts: 0,
        pendingSince: sql`coalesce(${slackMessages.pendingSince}, ${now})`,
      },
    })
    .run();
}

/** Marks a subject due again only if it was ever made due (its message exists or is on its way). */
export function markDueIfExists(db: Db, subject: string, now: number): boolean {
  const row = getOutboxRow(db, subject);
  if (!row) return false;
  markDue(
    db,
    {
      subject,
      channel: row.channel,
      priority: row.priority,
      ...(row.threadSubject ? { threadSubject: row.threadSubject } : {}),
    },
    now,
  );
  return true;
}

/** Makes `m` due unless the outbox has it already (due or delivered): a message that must exist. */
export function markDueIfMissing(db: Db, m: DueMessage, now: number): void {
  db.insert(slackMessages)
    .values(newRow(m, now))
    .onConflictDoNothing({ target: slackMessages.subject })
    .run();
}

/** The subjects that start with `prefix`, in order: an index range, never a scan. */
export function subjectsStartingWith(db: Db, prefix: string): string[] {
  const end = prefix.slice(0, -1) + String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1);
  return db
    .select({ subject: slackMessages.subject })
    .from(slackMessages)
    .where(and(gte(slackMessages.subject, prefix), lt(slackMessages.subject, end)))
    .orderBy(asc(slackMessages.subject))
    .all()
    .map((r) => r.subject);
}

export function getOutboxRow(db: Db, subject: string): OutboxRow | undefined {
  return db.select().from(slackMessages).where(eq(slackMessages.subject, subject)).get();
}

const pending = and(sql`${slackMessages.wantRev} > ${slackMessages.doneRev}`, isNull(slackMessages.parkedAt));

/**
 * What is due now, most urgent first (then oldest), at most `perChannel` rows of any one channel: a
 * backlog in a few channels (after an outage, say) must not keep the other channels' messages out.
 */
export function dueRows(db: Db, now: number, limit = 500, perChannel = 10): OutboxRow[] {
  const ranked = db
    .select({
      subject: slackMessages.subject,
      n: sql<number>`row_number() over (partition by ${slackMessages.channel} order by ${slackMessages.priority}, ${slackMessages.createdAt}, ${slackMessages.subject})`.as(
        'n',
      ),
    })
    .from(slackMessages)
    .where(and(pending, lte(slackMessages.nextAttemptAt, now)))
    .as('ranked');
  return db
    .select({ row: slackMessages })
    .from(slackMessages)
    .innerJoin(ranked, eq(ranked.subject, slackMessages.subject))
    .where(lte(ranked.n, perChannel))
    .orderBy(asc(slackMessages.priority), asc(slackMessages.createdAt), asc(slackMessages.subject))
    .limit(limit)
    .all()
    .map((r) => r.row);
}

/** When the next row waiting beyond `after` becomes due (a backoff or a Retry-After ending), or null. */
export function nextAttemptAt(db: Db, after: number): number | null {
  return (
    db
      .select({ at: min(slackMessages.nextAttemptAt) })
      .from(slackMessages)
      .where(and(pending, gt(slackMessages.nextAttemptAt, after)))
      .get()?.at ?? null
  );
}

/** Slack shows revision `rev` of the row now: settle it (and clear its wait once nothing newer is owed). */
export function settle(db: Db, subject: string, rev: number, patch: Partial<OutboxRow> = {}): void {
  const current = getOutboxRow(db, subject);
  if (!current) return;
  const doneRev = Math.max(current.doneRev, rev);
  db.update(slackMessages)
    .set({
      doneRev,
      attempts: 0,
      lastError: null,
      ...(doneRev >= current.wantRev ? { pendingSince: null } : {}),
      ...patch,
    })
    .where(eq(slackMessages.subject, subject))
    .run();
}

/** A try that failed: count it, say why, and when to try again. */
export function retryLater(db: Db, subject: string, at: number, reason: string): void {
  db.update(slackMessages)
    .set({ attempts: sql`${slackMessages.attempts} + 1`, nextAttemptAt: at, lastError: reason })
    .where(eq(slackMessages.subject, subject))
    .run();
}

/** Not now, through no fault of this message (Slack is down, its thread parent is not posted yet). */
export function deferUntil(db: Db, subject: string, at: number, reason: string): void {
  db.update(slackMessages)
    .set({ nextAttemptAt: at, lastError: reason })
    .where(eq(slackMessages.subject, subject))
    .run();
}

/** Slack is back after an outage: every row held back meanwhile may go now (pauses are the lanes'). */
export function releaseDeferred(db: Db, now: number): void {
  db.update(slackMessages)
    .set({ nextAttemptAt: now })
    .where(and(pending, gt(slackMessages.nextAttemptAt, now)))
    .run();
}

/** A parent message is posted: the replies waiting for it may go now. */
export function releaseReplies(db: Db, parentSubject: string, now: number): void {
  db.update(slackMessages)
    .set({ nextAttemptAt: now })
    .where(and(eq(slackMessages.threadSubject, parentSubject), pending, gt(slackMessages.nextAttemptAt, now)))
    .run();
}

/**
 * A try that failed for a reason no retry mends: out of the queue until an operator retries it. A post
 * whose fate is unknown (`postStartedAt`) stays unknown: after `unpark` it is looked up before any post.
 */
export function park(db: Db, subject: string, now: number, reason: string): void {
  db.update(slackMessages)
    .set({ parkedAt: now, lastError: reason, attempts: sql`${slackMessages.attempts} + 1` })
    .where(eq(slackMessages.subject, subject))
    .run();
}

/** `patchbot outbox retry`: parked rows (all, or one) back in the queue. Returns how many. */
export function unpark(db: Db, now: number, subject?: string): number {
  const where = subject
    ? and(isNotNull(slackMessages.parkedAt), eq(slackMessages.subject, subject))
    : isNotNull(slackMessages.parkedAt);
  return db
    .update(slackMessages)
    .set({
      parkedAt: null,
      attempts: 0,
      nextAttemptAt: now,
      pendingSince: sql`coalesce(${slackMessages.pendingSince}, ${now})`,
    })
    .where(where)
    .run().changes;
}

/**
 * A channel got its real id (a patch's channel the bot made): every message owed to the old id goes to
 * the new one, and any parked because the old id was not a channel goes back in the queue. Returns how
 * many rows moved.
 */
export function moveChannel(db: Db, from: string, to: string, now: number): number {
  return db
    .update(slackMessages)
    .set({ channel: to, parkedAt: null, attempts: 0, nextAttemptAt: now, lastError: null })
    .where(eq(slackMessages.channel, from))
    .run().changes;
}

/** A first post is about to go out: if it is still set after a crash, the post's fate is unknown. */
export function markPostStarted(db: Db, subject: string, at: number): void {
  db.update(slackMessages).set({ postStartedAt: at }).where(eq(slackMessages.subject, subject)).run();
}

/** Slack refused the post (a 429, an error it answered): nothing was posted, so the next try needs no look-up first. */
export function clearPostStarted(db: Db, subject: string): void {
  db.update(slackMessages)
    .set({ postStartedAt: null })
    .where(and(eq(slackMessages.subject, subject), isNull(slackMessages.ts)))
    .run();
}

/** The message is gone from Slack (deleted): the subject has none now, and its next delivery is a post. */
export function forgetMessage(db: Db, subject: string): void {
  db.update(slackMessages)
    .set({ ts: null, renderedHash: null })
    .where(eq(slackMessages.subject, subject))
    .run();
}

/** What /healthz says of delivery: how long the oldest owed message has waited, and how many are parked. */
export function outboxHealth(db: Db, now: number): { waiting: number; oldestWaitMs: number; parked: number } {
  const waiting = db
    .select({ n: sql<number>`count(*)`, oldest: min(slackMessages.pendingSince) })
    .from(slackMessages)
    .where(and(isNotNull(slackMessages.pendingSince), isNull(slackMessages.parkedAt)))
    .get();
  const parked = db
    .select({ n: sql<number>`count(*)` })
    .from(slackMessages)
    .where(isNotNull(slackMessages.parkedAt))
    .get();
  const oldest = waiting?.oldest ?? null;
  return {
    waiting: waiting?.n ?? 0,
    oldestWaitMs: oldest === null ? 0 : Math.max(0, now - oldest),
    parked: parked?.n ?? 0,
  };
}

/** How many messages are still owed to Slack (tests and the demo). */
export function backlog(db: Db): number {
  return db.select({ n: sql<number>`count(*)` }).from(slackMessages).where(pending).get()?.n ?? 0;
}

/** `patchbot outbox`: every parked row, then every row still owed to Slack, oldest first. */
export function outboxListing(db: Db): { parked: OutboxRow[]; waiting: OutboxRow[] } {
  return {
    parked: db
      .select()
      .from(slackMessages)
      .where(isNotNull(slackMessages.parkedAt))
      .orderBy(asc(slackMessages.parkedAt), asc(slackMessages.subject))
      .all(),
    waiting: db
      .select()
      .from(slackMessages)
      .where(and(pending, gt(slackMessages.wantRev, slackMessages.doneRev)))
      .orderBy(asc(slackMessages.priority), asc(slackMessages.createdAt), asc(slackMessages.subject))
      .all(),
  };
}
