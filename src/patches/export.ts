import { and, asc, eq, isNull, sql } from 'drizzle-orm';
import { Document, isMap, isScalar, isSeq, visit } from 'yaml';
import type { Db } from '../../db/index.ts';
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
import { isPendingChannel } from './import.ts';
import {
  type ChainOverrides,
  escalationFromSettings,
  parseDays,
  type Thresholds,
  thresholdsFromSettings,
  WEEKDAYS,
  type Weekday,
} from './model.ts';
import { checkRoster, DEFAULT_MAX_CLIENTS, formatPath } from './roster.ts';
import { NEW_CHANNEL } from './roster-fields.ts';

/**
 * The set-up as it is in the database, written back out as a roster file (`patchbot roster export`),
 * and the same document as plain values for the checks `/patch` makes before a change. Importing the
 * file changes nothing: every value is written as the import would store it again, defaults are left
 * out, a patch whose channel the bot is still to make says `channel: new`, and archived rows are not
 * written (the import leaves archived rows archived).
 */

/** A roster file as plain values, snake_case, exactly the shape `checkRoster` reads. */
export interface RosterFile {
  timezone: string;
  admins: string[];
  thresholds?: ThresholdsFile;
  supervisors: { channel: string; members: string[]; on_call?: OnCallFile };
  escalation?: EscalationFile;
  tasks?: Record<string, string>;
  cover?: { escalate_minutes: number };
  patches: PatchFile[];
}

export interface PatchFile {
  code: string;
  name: string;
  channel: string;
  assistants: string[];
  max_clients?: number;
  digest_at: string;
  thresholds?: ThresholdsFile;
  clients?: ClientFile[];
}

export interface ClientFile {
  code: string;
  name: string;
  key_worker?: string;
  visits?: VisitFile[];
}

export interface VisitFile {
  at: string;
  days: string | string[];
  minutes: number;
  purpose: string;
  time_critical?: boolean;
  carers?: number;
  thresholds?: ThresholdsFile;
  requires?: string[];
}

export type ThresholdsFile = Partial<
  Record<(typeof THRESHOLD_FIELDS)[keyof typeof THRESHOLD_FIELDS], number>
>;

interface OnCallFile {
  weekly?: Array<{ days: string | string[]; from: string; to: string; user: string }>;
  overrides?: Array<{ date: string; from: string; to: string; user: string }>;
}

interface EscalationFile {
  rounds?: number;
  wait_minutes?: Record<string, number>;
  reminder_minutes?: Record<string, number>;
  unacknowledge_minutes?: Record<string, number>;
}

/** Thresholds' names in the file (snake_case) by their names in the code. */
export const THRESHOLD_FIELDS = {
  lateMinutes: 'late_minutes',
  lateMinutesTimeCritical: 'late_minutes_time_critical',
  missedMinutes: 'missed_minutes',
  popbackUnclaimedMinutes: 'popback_unclaimed_minutes',
  popbackLeadMinutes: 'popback_lead_minutes',
} as const satisfies Record<keyof Thresholds, string>;

const WAIT_FIELDS = {
  nowTimeCritical: 'now_time_critical',
  now: 'now',
  today: 'today',
  missedVisit: 'missed_visit',
  unclaimedPopback: 'unclaimed_popback',
  uncoveredVisit: 'uncovered_visit',
} as const;

/** Where each database row is in the document: `patches[p]`, `…clients[c]`, `…visits[v]`. */
export interface RosterIndex {
  /** Patch id by its index in `patches`. */
  patchIds: number[];
  patches: Map<number, number>;
  clients: Map<number, { p: number; c: number }>;
  plans: Map<number, { p: number; c: number; v: number }>;
}

/**
 * The set-up as a roster document, with where each row is in it; null when no roster was ever imported
 * (there is no provider set-up to write).
 */
export function rosterOf(db: Db): { file: RosterFile; index: RosterIndex } | null {
  const row = db.select().from(provider).where(eq(provider.id, 1)).get();
  if (!row) return null;
  const thresholds = thresholdsFile(thresholdsFromSettings(row.settings));
  const onCall = onCallFile(db);
  const escalation = escalationFile(escalationFromSettings(row.settings));
  const taskRows = db
    .select({ code: tasks.code, name: tasks.name })
    .from(tasks)
    .where(isNull(tasks.archivedAt))
    .orderBy(sql`rowid`)
    .all();
  const cover = coverMinutes(row.settings);
  // In the order docs/roster.md describes the file.
  const file: RosterFile = {
    timezone: row.timezone,
    admins: usersWithRole(db, 'admin'),
    ...(thresholds ? { thresholds } : {}),
    supervisors: {
      channel: row.supervisorsChannel ?? '',
      members: usersWithRole(db, 'supervisor'),
      ...(onCall ? { on_call: onCall } : {}),
    },
    ...(escalation ? { escalation } : {}),
    ...(taskRows.length > 0 ? { tasks: Object.fromEntries(taskRows.map((t) => [t.code, t.name])) } : {}),
    ...(cover !== undefined ? { cover: { escalate_minutes: cover } } : {}),
    patches: [],
  };

  const index: RosterIndex = { patchIds: [], patches: new Map(), clients: new Map(), plans: new Map() };
  const required = new Map<number, string[]>();
  for (const t of db.select().from(planTasks).orderBy(asc(planTasks.taskCode)).all()) {
    required.set(t.planId, [...(required.get(t.planId) ?? []), t.taskCode]);
  }
  const patchRows = db
    .select()
    .from(patches)
    .where(isNull(patches.archivedAt))
    .orderBy(asc(patches.id))
    .all();
  for (const [p, patch] of patchRows.entries()) {
    index.patchIds.push(patch.id);
    index.patches.set(patch.id, p);
    const out: PatchFile = {
      code: patch.code,
      name: patch.name,
      channel: isPendingChannel(patch.channelId) ? NEW_CHANNEL : patch.channelId,
      assistants: db
        .select({ userId: patchAssistants.userId })
        .from(patchAssistants)
        .where(eq(patchAssistants.patchId, patch.id))
        .orderBy(asc(patchAssistants.userId))
        .all()
        .map((a) => a.userId),
      digest_at: patch.digestAt,
    };
    if (patch.maxClients !== DEFAULT_MAX_CLIENTS) out.max_clients = patch.maxClients;
    const patchThresholds = thresholdsFile(thresholdsFromSettings(patch.settings));
    if (patchThresholds) out.thresholds = patchThresholds;
    const clientRows = db
      .select()
      .from(clients)
      .where(and(eq(clients.patchId, patch.id), isNull(clients.archivedAt)))
      .orderBy(asc(clients.id))
      .all();
    const clientsOut: ClientFile[] = [];
    for (const [c, client] of clientRows.entries()) {
      index.clients.set(client.id, { p, c });
      const entry: ClientFile = { code: client.code, name: client.name };
      if (client.keyWorker) entry.key_worker = client.keyWorker;
      const planRows = db
        .select()
        .from(plans)
        .where(and(eq(plans.clientId, client.id), isNull(plans.archivedAt)))
        .orderBy(asc(plans.position), asc(plans.id))
        .all();
      const visits: VisitFile[] = planRows.map((plan, v) => {
        index.plans.set(plan.id, { p, c, v });
        const visit: VisitFile = {
          at: plan.at,
          days: daysFile(parseDays(plan.days)),
          minutes: plan.minutes,
          purpose: plan.purpose,
        };
        if (plan.timeCritical) visit.time_critical = true;
        if (plan.carers !== 1) visit.carers = plan.carers;
        const planThresholds = thresholdsFile(thresholdsFromSettings(plan.settings));
        if (planThresholds) visit.thresholds = planThresholds;
        const requires = required.get(plan.id);
        if (requires && requires.length > 0) visit.requires = requires;
        return visit;
      });
      if (visits.length > 0) entry.visits = visits;
      clientsOut.push(entry);
    }
    if (clientsOut.length > 0) out.clients = clientsOut;
    file.patches.push(out);
  }
  return { file, index };
}

export type ExportResult =
  | { ok: true; yaml: string; patches: number; clients: number; plans: number }
  | { ok: false; problems: string[] };

/**
 * `patchbot roster export`: the set-up as a roster file. Refused, with the problems, when the set-up
 * is not one a roster can say (no roster imported yet, or rows the import would refuse): a file that
 * cannot be imported back is no backup.
 */
export function exportRoster(db: Db, opts: { header?: string } = {}): ExportResult {
  const found = rosterOf(db);
  if (!found) return { ok: false, problems: ['the database has no set-up yet: import a roster first'] };
  const checked = checkRoster(structuredClone(found.file));
  if (!checked.ok) {
    return {
      ok: false,
      problems: [...new Set(checked.problems.map((p) => `${formatPath(p.path)}: ${p.message}`))],
    };
  }
  return {
    ok: true,
    yaml: rosterYaml(found.file, opts.header),
    patches: found.file.patches.length,
    clients: found.index.clients.size,
    plans: found.index.plans.size,
  };
}

/** Keys whose lists read best on one line (`days: [mon, wed, fri]`, `assistants: [U…, U…]`). */
const FLOW_LISTS = new Set(['days', 'assistants', 'admins', 'members', 'requires']);
/** Mappings that read best on one line: thresholds, an on-call shift. */
const FLOW_MAPS = new Set(['thresholds', 'wait_minutes', 'reminder_minutes', 'unacknowledge_minutes']);

/**
 * The document as YAML. Times and dates are quoted, so a YAML 1.1 reader never takes `08:00` for a
 * number; short lists and on-call shifts are written on one line, as in docs/roster.example.yml.
 */
export function rosterYaml(file: RosterFile, header?: string): string {
  const doc = new Document(file);
  if (header) doc.commentBefore = header;
  visit(doc, {
    Pair(_, pair) {
      const key = isScalar(pair.key) ? String(pair.key.value) : '';
      if (FLOW_LISTS.has(key) && isSeq(pair.value)) pair.value.flow = true;
      if (FLOW_MAPS.has(key) && isMap(pair.value)) pair.value.flow = true;
      if ((key === 'weekly' || key === 'overrides') && isSeq(pair.value)) {
        for (const item of pair.value.items) if (isMap(item)) item.flow = true;
      }
    },
    Scalar(key, node) {
      if (key === 'key') return;
      if (typeof node.value === 'string' && /^(\d{2}:\d{2}|\d{4}-\d{2}-\d{2})$/.test(node.value)) {
        node.type = 'QUOTE_DOUBLE';
      }
    },
  });
  return doc.toString({ lineWidth: 0, flowCollectionPadding: false });
}

function usersWithRole(db: Db, role: 'admin' | 'supervisor'): string[] {
  return db
    .select({ userId: roles.userId })
    .from(roles)
    .where(eq(roles.role, role))
    .orderBy(asc(roles.userId))
    .all()
    .map((r) => r.userId);
}

/** `daily`, `weekdays`, `weekends`, or the days as a list. */
export function daysFile(days: readonly Weekday[]): string | string[] {
  const key = days.join(',');
  if (key === WEEKDAYS.join(',')) return 'daily';
  if (key === 'mon,tue,wed,thu,fri') return 'weekdays';
  if (key === 'sat,sun') return 'weekends';
  return [...days];
}

/** Thresholds as the file writes them, or undefined when none is set. */
export function thresholdsFile(t: Thresholds): ThresholdsFile | undefined {
  const out: ThresholdsFile = {};
  for (const [key, field] of Object.entries(THRESHOLD_FIELDS) as [keyof Thresholds, string][]) {
    const value = t[key];
    if (value !== undefined) out[field as keyof ThresholdsFile] = value;
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

function onCallFile(db: Db): OnCallFile | undefined {
  const rows = db.select().from(oncallShifts).orderBy(asc(oncallShifts.position), asc(oncallShifts.id)).all();
  const weekly = rows
    .filter((r) => r.kind === 'weekly')
    .map((r) => ({ days: daysFile(parseDays(r.days ?? '')), from: r.from, to: r.to, user: r.userId }));
  const overrides = rows
    .filter((r) => r.kind === 'override')
    .map((r) => ({ date: r.date ?? '', from: r.from, to: r.to, user: r.userId }));
  if (weekly.length + overrides.length === 0) return undefined;
  return {
    ...(weekly.length > 0 ? { weekly } : {}),
    ...(overrides.length > 0 ? { overrides } : {}),
  };
}

function escalationFile(chain: ChainOverrides): EscalationFile | undefined {
  const out: EscalationFile = {};
  if (chain.rounds !== undefined) out.rounds = chain.rounds;
  if (chain.waits) {
    const waits: Record<string, number> = {};
    for (const [key, field] of Object.entries(WAIT_FIELDS) as [keyof typeof WAIT_FIELDS, string][]) {
      const value = chain.waits[key];
      if (value !== undefined) waits[field] = value;
    }
    if (Object.keys(waits).length > 0) out.wait_minutes = waits;
  }
  if (chain.reminder && Object.keys(chain.reminder).length > 0) out.reminder_minutes = { ...chain.reminder };
  if (chain.unacknowledge && Object.keys(chain.unacknowledge).length > 0)
    out.unacknowledge_minutes = { ...chain.unacknowledge };
  return Object.keys(out).length > 0 ? out : undefined;
}

/** `cover.escalateMinutes` as the roster set it (absent: the default applies, and nothing is written). */
function coverMinutes(json: string): number | undefined {
  try {
    const value = (JSON.parse(json) as { cover?: { escalateMinutes?: unknown } } | null)?.cover
      ?.escalateMinutes;
    return typeof value === 'number' && Number.isInteger(value) ? value : undefined;
  } catch {
    return undefined;
  }
}
