import { and, asc, eq, inArray, isNull } from 'drizzle-orm';
import type { Db } from '../../db/index.ts';
import {
  clients,
  oncallShifts as oncallShiftsTable,
  patchAssistants,
  patches,
  plans,
  planTasks,
  provider,
  roles,
  tasks,
} from '../../db/schema.ts';
import {
  type ChainConfig,
  DEFAULT_TIMEZONE,
  escalationFromSettings,
  mergeChain,
  parseDays,
  type Shift,
  type Thresholds,
  thresholdsFromSettings,
  type Weekday,
} from './model.ts';

/** Queries other capabilities need about patches, clients, people and plans. Synchronous, drizzle only. */

export interface ProviderSettings {
  /** IANA zone every plan is in; Europe/London until a roster is imported. */
  timezone: string;
  supervisorsChannel: string | null;
  thresholds: Thresholds;
}

export interface Patch {
  id: number;
  code: string;
  name: string;
  channelId: string;
  maxClients: number;
  digestAt: string;
  thresholds: Thresholds;
  archivedAt: number | null;
}

export type Client = typeof clients.$inferSelect;

export interface ActivePlan {
  id: number;
  position: number;
  /** Local `HH:mm` in the provider's zone. */
  at: string;
  days: Weekday[];
  minutes: number;
  purpose: string;
  timeCritical: boolean;
  carers: number;
  /** Plan-level overrides only; merge with the patch's and the provider's (see model.ts). */
  thresholds: Thresholds;
  /** Since when the plan has had its current time and days (see db/schema.ts). */
  knownAt: number;
  /** The delegated health tasks the plan needs (codes, sorted). */
  requires: string[];
  client: { id: number; code: string; name: string; keyWorker: string | null };
  patch: {
    id: number;
    code: string;
    name: string;
    channelId: string;
    digestAt: string;
    thresholds: Thresholds;
  };
}

export interface Roles {
  admin: boolean;
  supervisor: boolean;
}

export function providerSettings(db: Db): ProviderSettings {
  const row = db.select().from(provider).where(eq(provider.id, 1)).get();
  if (!row) return { timezone: DEFAULT_TIMEZONE, supervisorsChannel: null, thresholds: {} };
  return {
    timezone: row.timezone,
    supervisorsChannel: row.supervisorsChannel,
    thresholds: thresholdsFromSettings(row.settings),
  };
}

/** The on-call rota from the roster: weekly shifts, then overrides, each in file order (by position). */
export function oncallShifts(db: Db): Shift[] {
  return db
    .select()
    .from(oncallShiftsTable)
    .orderBy(asc(oncallShiftsTable.position), asc(oncallShiftsTable.id))
    .all()
    .map((row) => {
      const base = { kind: row.kind, from: row.from, to: row.to, userId: row.userId, position: row.position };
      if (row.kind === 'weekly') return { ...base, days: parseDays(row.days ?? '') };
      return row.date === null ? base : { ...base, date: row.date };
    });
}

/** The escalation chain: DEFAULT_CHAIN with whatever the roster's `escalation:` block set. */
export function escalationConfig(db: Db): ChainConfig {
  const row = db.select({ settings: provider.settings }).from(provider).where(eq(provider.id, 1)).get();
  return mergeChain(row ? escalationFromSettings(row.settings) : {});
}

/** The active (non-archived) patch bound to a channel, if any. */
export function findPatchByChannel(db: Db, channelId: string): Patch | undefined {
  const row = db
    .select()
    .from(patches)
    .where(and(eq(patches.channelId, channelId), isNull(patches.archivedAt)))
    .get();
  return row ? toPatch(row) : undefined;
}

/** A patch by id, archived or not (history refers to archived patches). */
export function getPatch(db: Db, id: number): Patch | undefined {
  const row = db.select().from(patches).where(eq(patches.id, id)).get();
  return row ? toPatch(row) : undefined;
}

/** Every active patch, by code. */
export function activePatches(db: Db): Patch[] {
  return db
    .select()
    .from(patches)
    .where(isNull(patches.archivedAt))
    .orderBy(asc(patches.code))
    .all()
    .map(toPatch);
}

/** A patch's active clients, by code. */
export function activeClients(db: Db, patchId: number): Client[] {
  return db
    .select()
    .from(clients)
    .where(and(eq(clients.patchId, patchId), isNull(clients.archivedAt)))
    .orderBy(asc(clients.code))
    .all();
}

/** Clients by id, archived or not, in the order asked; unknown ids are left out. */
export function getClients(db: Db, ids: readonly number[]): Client[] {
  if (ids.length === 0) return [];
  const rows = db
    .select()
    .from(clients)
    .where(inArray(clients.id, [...new Set(ids)]))
    .all();
  const byId = new Map(rows.map((row) => [row.id, row]));
  return [...new Set(ids)].flatMap((id) => {
    const row = byId.get(id);
    return row ? [row] : [];
  });
}

/** Slack user ids of a patch's assistants, sorted. */
export function assistantsOf(db: Db, patchId: number): string[] {
  return db
    .select({ userId: patchAssistants.userId })
    .from(patchAssistants)
    .where(eq(patchAssistants.patchId, patchId))
    .orderBy(asc(patchAssistants.userId))
    .all()
    .map((row) => row.userId);
}

export function rolesOf(db: Db, userId: string): Roles {
  const rows = db.select({ role: roles.role }).from(roles).where(eq(roles.userId, userId)).all();
  return {
    admin: rows.some((row) => row.role === 'admin'),
    supervisor: rows.some((row) => row.role === 'supervisor'),
  };
}

/** May this user act on this patch's visits: an assistant of the patch, a supervisor or an admin. */
export function isPatchTeam(db: Db, patchId: number, userId: string): boolean {
  const assistant = db
    .select({ userId: patchAssistants.userId })
    .from(patchAssistants)
    .where(and(eq(patchAssistants.patchId, patchId), eq(patchAssistants.userId, userId)))
    .get();
  if (assistant) return true;
  const { admin, supervisor } = rolesOf(db, userId);
  return admin || supervisor;
}

/** The delegated health tasks, code → name (archived ones too: old visits and sign-offs name them). */
export function taskNames(db: Db): Map<string, string> {
  return new Map(
    db
      .select({ code: tasks.code, name: tasks.name })
      .from(tasks)
      .all()
      .map((t) => [t.code, t.name]),
  );
}

/** Slack user ids of every supervisor, sorted. */
export function supervisors(db: Db): string[] {
  return db
    .select({ userId: roles.userId })
    .from(roles)
    .where(eq(roles.role, 'supervisor'))
    .orderBy(asc(roles.userId))
    .all()
    .map((row) => row.userId);
}

/** Slack user ids of every admin, sorted. */
export function admins(db: Db): string[] {
  return db
    .select({ userId: roles.userId })
    .from(roles)
    .where(eq(roles.role, 'admin'))
    .orderBy(asc(roles.userId))
    .all()
    .map((row) => row.userId);
}

/**
 * Every active plan of an active client of an active patch, with both joined, ordered by patch code,
 * time of day, client code and position. `patchId` narrows it to one patch.
 */
export function activePlans(db: Db, options: { patchId?: number } = {}): ActivePlan[] {
  const active = and(isNull(plans.archivedAt), isNull(clients.archivedAt), isNull(patches.archivedAt));
  const required = new Map<number, string[]>();
  for (const row of db.select().from(planTasks).orderBy(asc(planTasks.taskCode)).all()) {
    required.set(row.planId, [...(required.get(row.planId) ?? []), row.taskCode]);
  }
  return db
    .select({ plan: plans, client: clients, patch: patches })
    .from(plans)
    .innerJoin(clients, eq(plans.clientId, clients.id))
    .innerJoin(patches, eq(clients.patchId, patches.id))
    .where(options.patchId === undefined ? active : and(active, eq(patches.id, options.patchId)))
    .orderBy(asc(patches.code), asc(plans.at), asc(clients.code), asc(plans.position))
    .all()
    .map(({ plan, client, patch }) => ({
      id: plan.id,
      position: plan.position,
      at: plan.at,
      days: parseDays(plan.days),
      minutes: plan.minutes,
      purpose: plan.purpose,
      timeCritical: plan.timeCritical,
      carers: plan.carers,
      thresholds: thresholdsFromSettings(plan.settings),
      knownAt: plan.knownAt,
      requires: required.get(plan.id) ?? [],
      client: { id: client.id, code: client.code, name: client.name, keyWorker: client.keyWorker },
      patch: {
        id: patch.id,
        code: patch.code,
        name: patch.name,
        channelId: patch.channelId,
        digestAt: patch.digestAt,
        thresholds: thresholdsFromSettings(patch.settings),
      },
    }));
}

function toPatch(row: typeof patches.$inferSelect): Patch {
  return {
    id: row.id,
    code: row.code,
    name: row.name,
    channelId: row.channelId,
    maxClients: row.maxClients,
    digestAt: row.digestAt,
    thresholds: thresholdsFromSettings(row.settings),
    archivedAt: row.archivedAt,
  };
}
