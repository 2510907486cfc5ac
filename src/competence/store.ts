import { and, asc, eq, gte, isNull, lte } from 'drizzle-orm';
import type { Db } from '../../db/index.ts';
import {
  auditLog,
  patchAssistants,
  patches,
  plans,
  planTasks,
  provider,
  signoffs,
  tasks,
} from '../../db/schema.ts';
import { rolesOf, taskNames } from '../patches/store.ts';
import { type MissingSignoff, missingOn } from './model.ts';

/** Queries on sign-offs, tasks and the audit log. Synchronous; call inside a transaction to change anything. */

export type SignoffRow = typeof signoffs.$inferSelect;

/**
 * What `userId` lacks to do `taskCodes` on the local date `onDate` (YYYY-MM-DD): one entry per task
 * they are not signed off for that day (never signed off, expired before it, or withdrawn), empty when
 * they may. Supervisors (the nurses who sign others off) lack nothing. For any capability that gives a
 * visit or a client to someone: call it inside the transaction that makes the change, and refuse when
 * the list is not empty (`describeMissing` in views.ts words it).
 */
export function missingSignoffs(
  db: Db,
  userId: string,
  taskCodes: readonly string[],
  onDate: string,
): MissingSignoff[] {
  if (taskCodes.length === 0 || rolesOf(db, userId).supervisor) return [];
  return missingOn(signoffsOf(db, userId), taskCodes, onDate, taskNames(db));
}

/** The tasks a client's active visit plans need (codes, sorted, each once): what their key worker must be signed off for. */
export function tasksOfClient(db: Db, clientId: number): string[] {
  const rows = db
    .selectDistinct({ code: planTasks.taskCode })
    .from(planTasks)
    .innerJoin(plans, eq(plans.id, planTasks.planId))
    .where(and(eq(plans.clientId, clientId), isNull(plans.archivedAt)))
    .orderBy(asc(planTasks.taskCode))
    .all();
  return rows.map((r) => r.code);
}

/** Every sign-off of a person, oldest first (withdrawn and expired ones too: the record). */
export function signoffsOf(db: Db, userId: string): SignoffRow[] {
  return db
    .select()
    .from(signoffs)
    .where(eq(signoffs.userId, userId))
    .orderBy(asc(signoffs.signedAt), asc(signoffs.id))
    .all();
}

export function getSignoff(db: Db, id: number): SignoffRow | undefined {
  return db.select().from(signoffs).where(eq(signoffs.id, id)).get();
}

export function insertSignoff(db: Db, values: typeof signoffs.$inferInsert): number {
  return db.insert(signoffs).values(values).returning({ id: signoffs.id }).get().id;
}

/** The sign-offs of a person for a task that are not withdrawn (renewing one replaces them). */
export function liveSignoffs(db: Db, userId: string, taskCode: string): SignoffRow[] {
  return db
    .select()
    .from(signoffs)
    .where(and(eq(signoffs.userId, userId), eq(signoffs.taskCode, taskCode), isNull(signoffs.withdrawnAt)))
    .all();
}

export function markWithdrawn(db: Db, id: number, by: string, at: number): void {
  db.update(signoffs).set({ withdrawnBy: by, withdrawnAt: at }).where(eq(signoffs.id, id)).run();
}

export function markReminded(db: Db, id: number, at: number): void {
  db.update(signoffs).set({ remindedAt: at }).where(eq(signoffs.id, id)).run();
}

/** Sign-offs not yet reminded whose last day falls between `from` and `to` (local dates), soonest first. */
export function signoffsToRemind(db: Db, from: string, to: string, limit = 500): SignoffRow[] {
  return db
    .select()
    .from(signoffs)
    .where(
      and(
        isNull(signoffs.withdrawnAt),
        isNull(signoffs.remindedAt),
        gte(signoffs.expiresOn, from),
        lte(signoffs.expiresOn, to),
      ),
    )
    .orderBy(asc(signoffs.expiresOn), asc(signoffs.id))
    .limit(limit)
    .all();
}

/** The tasks a supervisor may sign someone off for now (not archived), code → name, by name. */
export function activeTasks(db: Db): Map<string, string> {
  return new Map(
    db
      .select({ code: tasks.code, name: tasks.name })
      .from(tasks)
      .where(isNull(tasks.archivedAt))
      .orderBy(asc(tasks.name), asc(tasks.code))
      .all()
      .map((t) => [t.code, t.name]),
  );
}

/** The active patches a person is an assistant of (empty: not a care assistant anywhere). */
export function patchesOfAssistant(
  db: Db,
  userId: string,
): Array<{ id: number; name: string; channelId: string }> {
  return db
    .select({ id: patches.id, name: patches.name, channelId: patches.channelId })
    .from(patchAssistants)
    .innerJoin(patches, eq(patches.id, patchAssistants.patchId))
    .where(and(eq(patchAssistants.userId, userId), isNull(patches.archivedAt)))
    .orderBy(asc(patches.code))
    .all();
}

/** One line of the set-up's record: ids and dates only, never names or notes. */
export function addAudit(
  db: Db,
  entry: {
    at: number;
    actor: string | null;
    entityId: string;
    action: string;
    before: unknown;
    after: unknown;
  },
): void {
  db.insert(auditLog)
    .values({
      at: entry.at,
      actor: entry.actor,
      entity: 'signoff',
      entityId: entry.entityId,
      action: entry.action,
      before: entry.before === null ? null : JSON.stringify(entry.before),
      after: entry.after === null ? null : JSON.stringify(entry.after),
    })
    .run();
}

/**
 * When the daily checks are next due (`provider.competence_due_at`, one row by its key): undefined
 * when there is no set-up yet, null when it is still to be worked out.
 */
export function competenceDueAt(db: Db): number | null | undefined {
  const row = db.select({ at: provider.competenceDueAt }).from(provider).where(eq(provider.id, 1)).get();
  return row === undefined ? undefined : row.at;
}

export function setCompetenceDueAt(db: Db, at: number): void {
  db.update(provider).set({ competenceDueAt: at }).where(eq(provider.id, 1)).run();
}
