import { and, asc, eq } from 'drizzle-orm';
import type { Db } from '../../db/index.ts';
import { auditLog } from '../../db/schema.ts';

/**
 * The audit log of the set-up: every change made from Slack (`/patch`) or the CLI (a roster import):
 * who, what, the fields before and after as JSON, and when. Capabilities that change the set-up (sign-offs,
 * tasks) write here too, in the transaction of their change. Ids, codes, settings and display names
 * only: never note text.
 */

export interface AuditEntry {
  at: number;
  /** Slack user id; null for the bot or the CLI. */
  actor: string | null;
  /** `patch`, `client`, `plan`, `assistants`, `channel`, `roster`… */
  entity: string;
  entityId: string;
  action: string;
  before?: unknown;
  after?: unknown;
}

export function recordAudit(tx: Db, entry: AuditEntry): void {
  tx.insert(auditLog)
    .values({
      at: entry.at,
      actor: entry.actor,
      entity: entry.entity,
      entityId: entry.entityId,
      action: entry.action,
      before: entry.before === undefined || entry.before === null ? null : JSON.stringify(entry.before),
      after: entry.after === undefined || entry.after === null ? null : JSON.stringify(entry.after),
    })
    .run();
}

export type AuditRow = typeof auditLog.$inferSelect;

/** An entity's history, oldest first (one entity, or every entity of a kind). */
export function auditOf(db: Db, entity: string, entityId?: string): AuditRow[] {
  return db
    .select()
    .from(auditLog)
    .where(
      entityId === undefined
        ? eq(auditLog.entity, entity)
        : and(eq(auditLog.entity, entity), eq(auditLog.entityId, entityId)),
    )
    .orderBy(asc(auditLog.id))
    .all();
}
