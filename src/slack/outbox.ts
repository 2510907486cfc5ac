import type { KnownBlock } from '@slack/types';
import { and, eq, isNotNull, isNull, lte, min, sql } from 'drizzle-orm';
import type { Db } from '../../db/index.ts';
import { slackMessages } from '../../db/schema.ts';

/**
 * The write side of the durable outbox: services call `markDue` inside the transaction that changed
 * state, so the intent to show it in Slack commits or rolls back with the change itself.
 */

export interface Rendered {
  text: string;
  blocks?: KnownBlock[];
}

/**
 * Renders a subject from the database as it is now. `null` means there is nothing to show (the
 * subject no longer exists), and the row is settled without a call.
 */
export type Renderer = (db: Db, subject: string) => Rendered | null;

export interface RendererEntry {
  /** Subjects starting with this prefix, e.g. `visit:`. */
  prefix: string;
  render: Renderer;
}

export interface DueMessage {
  subject: string;
  channel: string;
  /** Post as a reply under this other subject's message. */
  threadSubject?: string;
  /** Or under a message the bot does not own, by its ts. */
  threadTs?: string;
}

/** Records that `subject` must be (re)rendered in Slack. Call inside the state change's transaction. */
export function markDue(db: Db, m: DueMessage, now: number): void {
  db.insert(slackMessages)
    .values({
      subject: m.subject,
      channel: m.channel,
      threadSubject: m.threadSubject ?? null,
      threadTs: m.threadTs ?? null,
      wantRev: 1,
      doneRev: 0,
      nextAttemptAt: now,
      createdAt: now,
      pendingSince: now,
    })
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

export type OutboxRow = typeof slackMessages.$inferSelect;

/**
 * What is due now, oldest first, but at most `perChannel` rows of any one channel: a backlog in a few
 * channels (after an outage, say) must not keep the others' messages out of the pass.
 */
export function pendingRows(db: Db, now: number, limit = 500, perChannel = 10): OutboxRow[] {
  const ranked = db
    .select({
      subject: slackMessages.subject,
      n: sql<number>`row_number() over (partition by ${slackMessages.channel} order by ${slackMessages.createdAt}, ${slackMessages.subject})`.as(
        'n',
      ),
    })
    .from(slackMessages)
    .where(
      and(
        sql`${slackMessages.wantRev} > ${slackMessages.doneRev}`,
        isNull(slackMessages.parkedAt),
        lte(slackMessages.nextAttemptAt, now),
      ),
    )
    .as('ranked');
  return db
    .select({ row: slackMessages })
    .from(slackMessages)
    .innerJoin(ranked, eq(ranked.subject, slackMessages.subject))
    .where(lte(ranked.n, perChannel))
    .orderBy(slackMessages.createdAt, slackMessages.subject)
    .limit(limit)
    .all()
    .map((r) => r.row);
}

export function getOutboxRow(db: Db, subject: string): OutboxRow | undefined {
  return db.select().from(slackMessages).where(eq(slackMessages.subject, subject)).get();
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

/** How many messages are still owed to Slack (health and tests). */
export function backlog(db: Db): number {
  const row = db
    .select({ n: sql<number>`count(*)` })
    .from(slackMessages)
    .where(sql`${slackMessages.wantRev} > ${slackMessages.doneRev}`)
    .get();
  return row?.n ?? 0;
}

/** Marks a subject due again only if it was ever made due (its message exists or is on its way). */
export function markDueIfExists(db: Db, subject: string, now: number): boolean {
  const row = getOutboxRow(db, subject);
  if (!row) return false;
  markDue(
    db,
    { subject, channel: row.channel, ...(row.threadSubject ? { threadSubject: row.threadSubject } : {}) },
    now,
  );
  return true;
}
