import { readFileSync } from 'node:fs';
import { and, eq } from 'drizzle-orm';
import { type Db, inTransaction } from '../../db/index.ts';
import {
  clients,
  oncallShifts,
  patchAssistants,
  patches,
  plans,
  planTasks,
  provider,
  roles,
  tasks,
} from '../../db/schema.ts';
import { formatDays, settingsWithCover, settingsWithEscalation, settingsWithThresholds } from './model.ts';
import { type ParseRosterResult, parseRosterBytes, type Roster } from './roster.ts';
import { NEW_CHANNEL } from './roster-fields.ts';

/**
 * Applies a validated roster to the database in one transaction. The roster is the whole truth for
 * what it covers: rows it no longer lists are archived (never deleted: visits refer to them), rows it
 * lists again come back. A row is written only when a value differs, so importing the same file twice
 * changes nothing, not even a timestamp.
 */

export interface ChangeCounts {
  created: number;
  /** Changed in place, including un-archived (re-added) rows. */
  updated: number;
  archived: number;
  unchanged: number;
}

export interface ImportSummary {
  patches: ChangeCounts;
  clients: ChangeCounts;
  plans: ChangeCounts;
  /**
   * The provider-wide settings: the provider row (time zone, supervisors' channel, thresholds, the
   * escalation chain) and the on-call rota. `updated` when either changed.
   */
  settings: 'created' | 'updated' | 'unchanged';
  roles: { added: number; removed: number };
}

export type ImportFileResult = { ok: true; summary: ImportSummary } | { ok: false; errors: string[] };

const PROVIDER_ID = 1;

/**
 * Applies a roster in one transaction. `then` runs inside that same transaction once the roster is
 * applied: the visits hub makes and moves the visits the plans now call for, so the file and the
 * visits change together or not at all.
 */
export function importRoster(
  db: Db,
  roster: Roster,
  now: number,
  then?: (tx: Db, summary: ImportSummary) => void,
): ImportSummary {
  return inTransaction(db, (tx) => {
    const providerChange = applyProvider(tx, roster, now);
    const rotaChanged = applyOnCall(tx, roster);
    // Tasks before plans: a plan's `requires` refers to them.
    const tasksChanged = applyTasks(tx, roster, now);
    const settings =
      providerChange === 'unchanged' && (rotaChanged || tasksChanged) ? 'updated' : providerChange;
    const roleChanges = applyRoles(tx, roster);
    const patchCounts = emptyCounts();
    const patchIds = applyPatches(tx, roster, now, patchCounts);
    const clientCounts = emptyCounts();
    const clientIds = applyClients(tx, roster, patchIds, now, clientCounts);
    const planCounts = emptyCounts();
    applyPlans(tx, roster, clientIds, now, planCounts);
    const summary = {
      patches: patchCounts,
      clients: clientCounts,
      plans: planCounts,
      settings,
      roles: roleChanges,
    };
    then?.(tx, summary);
    return summary;
  });
}

/**
 * Reads and validates a roster file, without a database. The file is read as bytes, so a file that is
 * not UTF-8 is refused rather than read with replacement characters in it.
 */
export function readRosterFile(path: string): ParseRosterResult {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (error) {
    return { ok: false, errors: [`${path}: ${readProblem(error)}`] };
  }
  return parseRosterBytes(bytes);
}

/** Reads, validates, then applies a roster file. Nothing is applied unless the whole file is valid. */
export function importRosterFile(
  db: Db,
  path: string,
  now: number,
  then?: (tx: Db, summary: ImportSummary) => void,
): ImportFileResult {
  const parsed = readRosterFile(path);
  if (!parsed.ok) return parsed;
  return { ok: true, summary: importRoster(db, parsed.roster, now, then) };
}

/** Whether an import changed anything (then visits and their timers are brought in line). */
export function changedAnything(summary: ImportSummary): boolean {
  const groups = [summary.patches, summary.clients, summary.plans];
  return (
    groups.some((c) => c.created + c.updated + c.archived > 0) ||
    summary.settings !== 'unchanged' ||
    summary.roles.added + summary.roles.removed > 0
  );
}

/** One line for the CLI and logs, e.g. `Roster imported: patches 2 created; clients 12 created; …`. */
export function describeSummary(summary: ImportSummary): string {
  const groups: [string, ChangeCounts][] = [
    ['patches', summary.patches],
    ['clients', summary.clients],
    ['visit plans', summary.plans],
  ];
  const changed =
    groups.some(([, c]) => c.created + c.updated + c.archived > 0) ||
    summary.settings !== 'unchanged' ||
    summary.roles.added + summary.roles.removed > 0;
  if (!changed) {
    const kept = groups.map(([label, c]) => `${c.unchanged} ${label}`).join(', ');
    return `Nothing changed: the database already matches the roster (${kept}).`;
  }
  const parts = groups.map(([label, c]) => {
    const counts = (['created', 'updated', 'archived', 'unchanged'] as const)
      .filter((key) => c[key] > 0)
      .map((key) => `${c[key]} ${key}`);
    return `${label} ${counts.length > 0 ? counts.join(', ') : 'none'}`;
  });
  parts.push(`settings ${summary.settings}`);
  const { added, removed } = summary.roles;
  parts.push(added + removed > 0 ? `roles ${added} added, ${removed} removed` : 'roles unchanged');
  return `Roster imported: ${parts.join('; ')}.`;
}

function emptyCounts(): ChangeCounts {
  return { created: 0, updated: 0, archived: 0, unchanged: 0 };
}

function readProblem(error: unknown): string {
  const code = typeof error === 'object' && error !== null && 'code' in error ? error.code : undefined;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EISDIR') return 'is a directory, not a roster file';
  if (code === 'EACCES') return 'permission denied';
  return `cannot be read (${error instanceof Error ? error.message : String(error)})`;
}

function applyProvider(tx: Db, roster: Roster, now: number): ImportSummary['settings'] {
  const row = tx.select().from(provider).where(eq(provider.id, PROVIDER_ID)).get();
  const values = {
    timezone: roster.timezone,
    supervisorsChannel: roster.supervisors.channel,
    settings: settingsWithCover(
      settingsWithEscalation(settingsWithThresholds(row?.settings, roster.thresholds), roster.escalation),
      roster.cover,
    ),
  };
  if (!row) {
    tx.insert(provider)
      .values({ id: PROVIDER_ID, ...values, updatedAt: now })
      .run();
    return 'created';
  }
  if (!differs(row, values)) return 'unchanged';
  tx.update(provider)
    .set({ ...values, updatedAt: now })
    .where(eq(provider.id, PROVIDER_ID))
    .run();
  return 'updated';
}

/**
 * Makes `oncall_shifts` exactly the roster's rota: weekly shifts first, then overrides, numbered in file
 * order. The rows are replaced only when they differ, so an unchanged rota keeps its rows and ids.
 * True when anything changed.
 */
function applyOnCall(tx: Db, roster: Roster): boolean {
  type Row = Omit<typeof oncallShifts.$inferSelect, 'id'>;
  const wanted: Row[] = [
    ...roster.onCall.weekly.map(({ days, from, to, userId }) => ({
      kind: 'weekly' as const,
      days: formatDays(days),
      date: null,
      from,
      to,
      userId,
    })),
    ...roster.onCall.overrides.map(({ date, from, to, userId }) => ({
      kind: 'override' as const,
      days: null,
      date,
      from,
      to,
      userId,
    })),
  ].map((row, position) => ({ ...row, position }));
  const existing = tx.select().from(oncallShifts).orderBy(oncallShifts.position, oncallShifts.id).all();
  const same =
    existing.length === wanted.length &&
    existing.every((row, i) => {
      const want = wanted[i];
      return want !== undefined && !differs(row, want);
    });
  if (same) return false;
  tx.delete(oncallShifts).run();
  if (wanted.length > 0) tx.insert(oncallShifts).values(wanted).run();
  return true;
}

function applyRoles(tx: Db, roster: Roster): ImportSummary['roles'] {
  type Role = (typeof roles.$inferSelect)['role'];
  const wanted = new Map<string, { userId: string; role: Role }>();
  for (const userId of roster.admins) wanted.set(`admin ${userId}`, { userId, role: 'admin' });
  for (const userId of roster.supervisors.members) {
    wanted.set(`supervisor ${userId}`, { userId, role: 'supervisor' });
  }
  let added = 0;
  let removed = 0;
  const existing = new Set<string>();
  for (const row of tx.select().from(roles).all()) {
    const key = `${row.role} ${row.userId}`;
    existing.add(key);
    if (!wanted.has(key)) {
      tx.delete(roles)
        .where(and(eq(roles.userId, row.userId), eq(roles.role, row.role)))
        .run();
      removed++;
    }
  }
  for (const [key, row] of wanted) {
    if (existing.has(key)) continue;
    tx.insert(roles).values(row).run();
    added++;
  }
  return { added, removed };
}

/** Upserts patches by code; returns code → id for every patch in the roster. */
function applyPatches(tx: Db, roster: Roster, now: number, counts: ChangeCounts): Map<string, number> {
  const existing = tx.select().from(patches).all();
  const byCode = new Map(existing.map((row) => [row.code, row]));
  const inFile = new Map(roster.patches.map((patch) => [patch.code, patch]));
  // `channel: new` keeps whatever channel the patch has (the bot made it), or asks for one.
  const wanted = (patch: Roster['patches'][number]): string =>
    patch.channel !== NEW_CHANNEL
      ? patch.channel
      : (byCode.get(patch.code)?.channelId ?? pendingChannel(patch.code));
  const channelWantedBy = new Map(roster.patches.map((patch) => [wanted(patch), patch.code]));

  // channel_id is unique over every row, archived ones included. Work out each existing row's final
  // channel first, and park the rows that move under a placeholder, so swaps and re-used channels never
  // collide half-way. An archived patch whose channel the roster gives to another patch lets it go.
  const finalChannel = new Map<number, string>();
  for (const row of existing) {
    const patch = inFile.get(row.code);
    let target = patch ? wanted(patch) : row.channelId;
    const claimant = channelWantedBy.get(row.channelId);
    if (!patch && claimant !== undefined && claimant !== row.code) target = releasedChannel(row);
    finalChannel.set(row.id, target);
    if (target !== row.channelId) {
      tx.update(patches)
        .set({ channelId: `~moving~${row.id}` })
        .where(eq(patches.id, row.id))
        .run();
    }
  }

  // Patches the roster no longer lists: archived, their assistants removed (nobody keeps rights to a
  // retired patch). Their clients are archived below, as the roster no longer lists them either.
  for (const row of existing) {
    if (inFile.has(row.code)) continue;
    const channelId = finalChannel.get(row.id) ?? row.channelId;
    if (row.archivedAt === null) {
      tx.update(patches).set({ archivedAt: now, channelId }).where(eq(patches.id, row.id)).run();
      tx.delete(patchAssistants).where(eq(patchAssistants.patchId, row.id)).run();
      counts.archived++;
    } else if (channelId !== row.channelId) {
      tx.update(patches).set({ channelId }).where(eq(patches.id, row.id)).run();
    }
  }

  const ids = new Map<string, number>();
  for (const patch of roster.patches) {
    const row = byCode.get(patch.code);
    const values = {
      name: patch.name,
      channelId: wanted(patch),
      maxClients: patch.maxClients,
      digestAt: patch.digestAt,
      settings: settingsWithThresholds(row?.settings, patch.thresholds),
      archivedAt: null,
    };
    if (!row) {
      const inserted = tx
        .insert(patches)
        .values({ code: patch.code, ...values })
        .returning({ id: patches.id })
        .get();
      ids.set(patch.code, inserted.id);
      replaceAssistants(tx, inserted.id, patch.assistants);
      counts.created++;
      continue;
    }
    ids.set(patch.code, row.id);
    const changed = differs(row, values);
    // A new digest time (or a patch brought back) is worked out again by the rota.
    const reschedule = row.digestAt !== values.digestAt || row.archivedAt !== null;
    if (changed) {
      tx.update(patches)
        .set({ ...values, ...(reschedule ? { digestDueAt: null } : {}) })
        .where(eq(patches.id, row.id))
        .run();
    }
    const assistantsChanged = replaceAssistants(tx, row.id, patch.assistants);
    if (changed || assistantsChanged) counts.updated++;
    else counts.unchanged++;
  }
  return ids;
}

/** A patch whose channel the bot is still to make (`channel: new`): see `isPendingChannel`. */
export function pendingChannel(code: string): string {
  return `new:${code}`;
}

export function isPendingChannel(channelId: string): boolean {
  return channelId.startsWith('new:');
}

export function releasedChannel(row: { id: number; channelId: string }): string {
  return row.channelId.startsWith('released:') ? row.channelId : `released:${row.id}:${row.channelId}`;
}

/** Makes a patch's assistants exactly `userIds`; true when anything changed. */
export function replaceAssistants(tx: Db, patchId: number, userIds: readonly string[]): boolean {
  const wanted = new Set(userIds);
  const existing = new Set<string>();
  let changed = false;
  for (const row of tx.select().from(patchAssistants).where(eq(patchAssistants.patchId, patchId)).all()) {
    existing.add(row.userId);
    if (!wanted.has(row.userId)) {
      tx.delete(patchAssistants)
        .where(and(eq(patchAssistants.patchId, patchId), eq(patchAssistants.userId, row.userId)))
        .run();
      changed = true;
    }
  }
  for (const userId of wanted) {
    if (existing.has(userId)) continue;
    tx.insert(patchAssistants).values({ patchId, userId }).run();
    changed = true;
  }
  return changed;
}

/** Upserts clients by code; returns code → id for every client in the roster. */
function applyClients(
  tx: Db,
  roster: Roster,
  patchIds: Map<string, number>,
  now: number,
  counts: ChangeCounts,
): Map<string, number> {
  const byCode = new Map(
    tx
      .select()
      .from(clients)
      .all()
      .map((row) => [row.code, row]),
  );
  const ids = new Map<string, number>();
  for (const patch of roster.patches) {
    const patchId = patchIds.get(patch.code);
    if (patchId === undefined) throw new Error(`patch ${patch.code} was not saved`);
    for (const client of patch.clients) {
      const values = { patchId, name: client.name, keyWorker: client.keyWorker, archivedAt: null };
      const row = byCode.get(client.code);
      if (!row) {
        const inserted = tx
          .insert(clients)
          .values({ code: client.code, ...values })
          .returning({ id: clients.id })
          .get();
        ids.set(client.code, inserted.id);
        counts.created++;
      } else {
        ids.set(client.code, row.id);
        if (differs(row, values)) {
          tx.update(clients).set(values).where(eq(clients.id, row.id)).run();
          counts.updated++;
        } else {
          counts.unchanged++;
        }
      }
    }
  }
  for (const row of byCode.values()) {
    if (ids.has(row.code) || row.archivedAt !== null) continue;
    tx.update(clients).set({ archivedAt: now }).where(eq(clients.id, row.id)).run();
    counts.archived++;
  }
  return ids;
}

/**
 * Upserts plans by (client, position in the client's `visits` list). Plans past the end of a list,
 * and every plan of a client the roster no longer lists, are archived.
 */
function applyPlans(
  tx: Db,
  roster: Roster,
  clientIds: Map<string, number>,
  now: number,
  counts: ChangeCounts,
): void {
  const byClient = new Map<number, Map<number, typeof plans.$inferSelect>>();
  for (const row of tx.select().from(plans).all()) {
    let positions = byClient.get(row.clientId);
    if (!positions) {
      positions = new Map();
      byClient.set(row.clientId, positions);
    }
    positions.set(row.position, row);
  }
  const kept = new Set<number>();
  for (const patch of roster.patches) {
    for (const client of patch.clients) {
      const clientId = clientIds.get(client.code);
      if (clientId === undefined) throw new Error(`client ${client.code} was not saved`);
      const existing = byClient.get(clientId);
      client.visits.forEach((visit, position) => {
        const row = existing?.get(position);
        const values = {
          at: visit.at,
          days: formatDays(visit.days),
          minutes: visit.minutes,
          purpose: visit.purpose,
          timeCritical: visit.timeCritical,
          carers: visit.carers,
          settings: settingsWithThresholds(row?.settings, visit.thresholds),
          archivedAt: null,
        };
        if (!row) {
          const inserted = tx
            .insert(plans)
            .values({ clientId, position, ...values, knownAt: now })
            .returning({ id: plans.id })
            .get();
          replacePlanTasks(tx, inserted.id, visit.requires);
          counts.created++;
          return;
        }
        kept.add(row.id);
        const tasksChanged = replacePlanTasks(tx, row.id, visit.requires);
        if (differs(row, values) || tasksChanged) {
          // A new time or new days (or a plan brought back) is a new schedule, known from now on.
          const rescheduled = row.at !== values.at || row.days !== values.days || row.archivedAt !== null;
          tx.update(plans)
            .set({ ...values, ...(rescheduled ? { knownAt: now } : {}) })
            .where(eq(plans.id, row.id))
            .run();
          counts.updated++;
        } else {
          counts.unchanged++;
        }
      });
    }
  }
  for (const positions of byClient.values()) {
    for (const row of positions.values()) {
      if (kept.has(row.id) || row.archivedAt !== null) continue;
      tx.update(plans).set({ archivedAt: now }).where(eq(plans.id, row.id)).run();
      counts.archived++;
    }
  }
}

/**
 * Makes `tasks` the roster's list: new ones added, renamed ones renamed, ones no longer listed archived
 * (sign-offs refer to them). True when anything changed.
 */
function applyTasks(tx: Db, roster: Roster, now: number): boolean {
  let changed = false;
  const existing = new Map(
    tx
      .select()
      .from(tasks)
      .all()
      .map((t) => [t.code, t]),
  );
  for (const [code, name] of Object.entries(roster.tasks)) {
    const row = existing.get(code);
    if (!row) {
      tx.insert(tasks).values({ code, name }).run();
      changed = true;
    } else if (row.name !== name || row.archivedAt !== null) {
      tx.update(tasks).set({ name, archivedAt: null }).where(eq(tasks.code, code)).run();
      changed = true;
    }
  }
  for (const row of existing.values()) {
    if (Object.hasOwn(roster.tasks, row.code) || row.archivedAt !== null) continue;
    tx.update(tasks).set({ archivedAt: now }).where(eq(tasks.code, row.code)).run();
    changed = true;
  }
  return changed;
}

/** Makes a plan's required tasks exactly `codes`; true when anything changed. */
export function replacePlanTasks(tx: Db, planId: number, codes: readonly string[]): boolean {
  const have = tx
    .select({ code: planTasks.taskCode })
    .from(planTasks)
    .where(eq(planTasks.planId, planId))
    .all()
    .map((r) => r.code)
    .sort();
  const want = [...codes].sort();
  if (have.join(',') === want.join(',')) return false;
  tx.delete(planTasks).where(eq(planTasks.planId, planId)).run();
  for (const taskCode of want) tx.insert(planTasks).values({ planId, taskCode }).run();
  return true;
}

/** True when any of `values` differs from the same column of `row`. */
function differs<T extends object>(row: T, values: { [K in keyof T]?: T[K] }): boolean {
  return (Object.keys(values) as (keyof T)[]).some((key) => row[key] !== values[key]);
}
