import { and, asc, eq, gte, isNotNull, isNull, lt, max, sql } from 'drizzle-orm';
import type { Db } from '../../db/index.ts';
import { clients, patches, plans, planTasks, provider, tasks } from '../../db/schema.ts';
import { parseDays, type Thresholds, thresholdsFromSettings } from '../patches/model.ts';
import { type ActivePlan, assistantsOf } from '../patches/store.ts';

/** The queries and writes of the set-up as admins change it from Slack. Synchronous, drizzle only. */

/** A plan as the set-up shows it: an active plan's own fields, with its raw settings JSON. */
export interface SetupPlan extends Omit<ActivePlan, 'knownAt' | 'client' | 'patch'> {
  settings: string;
}

export interface SetupClient {
  id: number;
  code: string;
  name: string;
  keyWorker: string | null;
  plans: SetupPlan[];
}

export interface Setup {
  patch: {
    id: number;
    code: string;
    name: string;
    channelId: string;
    digestAt: string;
    maxClients: number;
    thresholds: Thresholds;
    settings: string;
  };
  assistants: string[];
  providerThresholds: Thresholds;
  clients: SetupClient[];
  /** Every task's name by code (archived ones too: a plan may still name one). */
  taskNames: Map<string, string>;
}

/** A patch's whole set-up as `/patch` shows it: active clients by when they were added, plans by position. */
export function setupOf(db: Db, patchId: number): Setup | null {
  const patch = db
    .select()
    .from(patches)
    .where(and(eq(patches.id, patchId), isNull(patches.archivedAt)))
    .get();
  if (!patch) return null;
  const prov = db.select({ settings: provider.settings }).from(provider).where(eq(provider.id, 1)).get();
  const clientRows = db
    .select()
    .from(clients)
    .where(and(eq(clients.patchId, patchId), isNull(clients.archivedAt)))
    .orderBy(asc(clients.id))
    .all();
  const planRows = db
    .select({ plan: plans })
    .from(plans)
    .innerJoin(clients, eq(plans.clientId, clients.id))
    .where(and(eq(clients.patchId, patchId), isNull(plans.archivedAt)))
    .orderBy(asc(plans.position), asc(plans.id))
    .all()
    .map((r) => r.plan);
  const required = new Map<number, string[]>();
  for (const row of db
    .select({ planId: planTasks.planId, code: planTasks.taskCode })
    .from(planTasks)
    .innerJoin(plans, eq(planTasks.planId, plans.id))
    .innerJoin(clients, eq(plans.clientId, clients.id))
    .where(eq(clients.patchId, patchId))
    .orderBy(asc(planTasks.taskCode))
    .all()) {
    required.set(row.planId, [...(required.get(row.planId) ?? []), row.code]);
  }
  return {
    patch: {
      id: patch.id,
      code: patch.code,
      name: patch.name,
      channelId: patch.channelId,
      digestAt: patch.digestAt,
      maxClients: patch.maxClients,
      thresholds: thresholdsFromSettings(patch.settings),
      settings: patch.settings,
    },
    assistants: assistantsOf(db, patchId),
    providerThresholds: prov ? thresholdsFromSettings(prov.settings) : {},
    clients: clientRows.map((c) => ({
      id: c.id,
      code: c.code,
      name: c.name,
      keyWorker: c.keyWorker,
      plans: planRows
        .filter((p) => p.clientId === c.id)
        .map((p) => ({
          id: p.id,
          position: p.position,
          at: p.at,
          days: parseDays(p.days),
          minutes: p.minutes,
          purpose: p.purpose,
          timeCritical: p.timeCritical,
          carers: p.carers,
          thresholds: thresholdsFromSettings(p.settings),
          settings: p.settings,
          requires: required.get(p.id) ?? [],
        })),
    })),
    taskNames: new Map(
      db
        .select({ code: tasks.code, name: tasks.name })
        .from(tasks)
        .all()
        .map((t) => [t.code, t.name]),
    ),
  };
}

/** The tasks a plan may require now (not archived), in the roster's order. */
export function activeTasks(db: Db): Array<{ code: string; name: string }> {
  return db
    .select({ code: tasks.code, name: tasks.name })
    .from(tasks)
    .where(isNull(tasks.archivedAt))
    .orderBy(sql`rowid`)
    .all();
}

export type ClientRow = typeof clients.$inferSelect;
export type PlanRow = typeof plans.$inferSelect;
export type PatchRow = typeof patches.$inferSelect;

export function getClientRow(db: Db, id: number): ClientRow | undefined {
  return db.select().from(clients).where(eq(clients.id, id)).get();
}

export function getPlanRow(db: Db, id: number): (PlanRow & { patchId: number }) | undefined {
  const row = db
    .select({ plan: plans, patchId: clients.patchId })
    .from(plans)
    .innerJoin(clients, eq(plans.clientId, clients.id))
    .where(eq(plans.id, id))
    .get();
  return row ? { ...row.plan, patchId: row.patchId } : undefined;
}

export function getPatchRow(db: Db, id: number): PatchRow | undefined {
  return db.select().from(patches).where(eq(patches.id, id)).get();
}

/** A patch by code (any case), archived or not. */
export function patchByCode(db: Db, code: string): PatchRow | undefined {
  return db.select().from(patches).where(sql`lower(${patches.code}) = lower(${code})`).get();
}

/** A client by code (any case), archived or not. */
export function clientByCode(db: Db, code: string): ClientRow | undefined {
  return db.select().from(clients).where(sql`lower(${clients.code}) = lower(${code})`).get();
}

/** Every client code, archived ones too (a code is never given twice). */
export function clientCodes(db: Db): string[] {
  return db
    .select({ code: clients.code })
    .from(clients)
    .all()
    .map((c) => c.code);
}

/** The patch, archived or not, that holds a channel id. */
export function channelHolder(db: Db, channelId: string): PatchRow | undefined {
  return db.select().from(patches).where(eq(patches.channelId, channelId)).get();
}

/** Patches whose channel the bot is still to make (`new:<code>`), oldest first: a range of the unique index. */
export function pendingChannelPatches(db: Db, limit = 50): PatchRow[] {
  return db
    .select()
    .from(patches)
    .where(and(gte(patches.channelId, 'new:'), lt(patches.channelId, 'new;'), isNull(patches.archivedAt)))
    .orderBy(asc(patches.id))
    .limit(limit)
    .all();
}

export function insertPatch(
  tx: Db,
  values: { code: string; name: string; channelId: string; digestAt: string; maxClients: number },
): number {
  return tx.insert(patches).values(values).returning({ id: patches.id }).get().id;
}

export function updatePatch(
  tx: Db,
  id: number,
  values: Partial<Pick<PatchRow, 'digestAt' | 'settings' | 'digestDueAt' | 'channelId' | 'name'>>,
): void {
  tx.update(patches).set(values).where(eq(patches.id, id)).run();
}

/** Records a patch's real channel, only if it still waits for one: false when it was recorded already. */
export function recordPatchChannel(tx: Db, id: number, pending: string, channelId: string): boolean {
  return (
    tx
      .update(patches)
      .set({ channelId })
      .where(and(eq(patches.id, id), eq(patches.channelId, pending)))
      .run().changes === 1
  );
}

export function insertClient(
  tx: Db,
  values: { code: string; patchId: number; name: string; keyWorker: string | null },
): number {
  return tx.insert(clients).values(values).returning({ id: clients.id }).get().id;
}

export function updateClient(tx: Db, id: number, values: { name: string; keyWorker: string | null }): void {
  tx.update(clients).set(values).where(eq(clients.id, id)).run();
}

/** Archives a client and every plan of theirs still running (as the import does for a client it no longer lists). */
export function archiveClient(tx: Db, id: number, now: number): number[] {
  tx.update(clients).set({ archivedAt: now }).where(eq(clients.id, id)).run();
  const ended = tx
    .select({ id: plans.id })
    .from(plans)
    .where(and(eq(plans.clientId, id), isNull(plans.archivedAt)))
    .all()
    .map((p) => p.id);
  tx.update(plans)
    .set({ archivedAt: now })
    .where(and(eq(plans.clientId, id), isNull(plans.archivedAt)))
    .run();
  return ended;
}

export interface PlanValues {
  at: string;
  days: string;
  minutes: number;
  purpose: string;
  timeCritical: boolean;
  carers: number;
  settings: string;
}

/** A new plan, last of its client's running plans. */
export function insertPlan(tx: Db, clientId: number, values: PlanValues, knownAt: number): number {
  const top =
    tx
      .select({ top: max(plans.position) })
      .from(plans)
      .where(eq(plans.clientId, clientId))
      .get()?.top ?? -1;
  const id = tx
    .insert(plans)
    .values({ clientId, position: top + 1, ...values, knownAt })
    .returning({ id: plans.id })
    .get().id;
  compactPlans(tx, clientId);
  return id;
}

export function updatePlan(tx: Db, id: number, values: PlanValues & { knownAt?: number }): void {
  tx.update(plans).set(values).where(eq(plans.id, id)).run();
}

export function archivePlan(tx: Db, id: number, clientId: number, now: number): void {
  tx.update(plans).set({ archivedAt: now }).where(eq(plans.id, id)).run();
  compactPlans(tx, clientId);
}

/**
 * A plan's identity in the roster is its position in its client's list, so a client's running plans
 * are kept at positions 0…n-1 (in their order) and ended ones after them: the exported roster then
 * lists each running plan at its own position, and importing it changes nothing.
 */
export function compactPlans(tx: Db, clientId: number): void {
  const rows = tx
    .select({ id: plans.id, position: plans.position, archivedAt: plans.archivedAt })
    .from(plans)
    .where(eq(plans.clientId, clientId))
    .orderBy(asc(plans.position), asc(plans.id))
    .all();
  const ordered = [
    ...rows.filter((r) => r.archivedAt === null),
    ...rows.filter((r) => r.archivedAt !== null),
  ];
  if (ordered.every((r, i) => r.position === i)) return;
  // Two steps, so no two rows ever share a position on the way (plans_client_position is unique).
  for (const [i, r] of ordered.entries()) {
    tx.update(plans)
      .set({ position: -1 - i })
      .where(eq(plans.id, r.id))
      .run();
  }
  for (const [i, r] of ordered.entries()) {
    tx.update(plans).set({ position: i }).where(eq(plans.id, r.id)).run();
  }
}

/** Archived patches' channels are unique too: one whose channel a new patch takes lets it go (as the import does). */
export function releaseArchivedChannel(tx: Db, channelId: string, released: (row: PatchRow) => string): void {
  const row = tx
    .select()
    .from(patches)
    .where(and(eq(patches.channelId, channelId), isNotNull(patches.archivedAt)))
    .get();
  if (row)
    tx.update(patches)
      .set({ channelId: released(row) })
      .where(eq(patches.id, row.id))
      .run();
}
