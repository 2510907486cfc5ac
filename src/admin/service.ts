import { type Db, inTransaction } from '../../db/index.ts';
import type { ServiceDeps } from '../deps.ts';
import { recordAudit } from '../patches/audit.ts';
import {
  type RosterFile,
  type RosterIndex,
  rosterOf,
  THRESHOLD_FIELDS,
  type ThresholdsFile,
  thresholdsFile,
  type VisitFile,
} from '../patches/export.ts';
import {
  isPendingChannel,
  pendingChannel,
  releasedChannel,
  replaceAssistants,
  replacePlanTasks,
} from '../patches/import.ts';
import { formatDays, parseDays, settingsWithThresholds, thresholdsFromSettings } from '../patches/model.ts';
import {
  checkRoster,
  clientSchema,
  DEFAULT_MAX_CLIENTS,
  formatPath,
  patchSchema,
  visitSchema,
} from '../patches/roster.ts';
import { NEW_CHANNEL, type Problem } from '../patches/roster-fields.ts';
import { assistantsOf } from '../patches/store.ts';
import { esc, mentionAll } from '../slack/blocks.ts';
import { markDue, moveChannel, PRIORITY, type Renderer, type SubjectKind } from '../slack/outbox.ts';
import { materializeAll } from '../visits/plans.ts';
import { describeDays, fieldErrors, formWords, peopleChange } from './model.ts';
import {
  archiveClient as archiveClientRows,
  archivePlan,
  channelHolder,
  clientByCode,
  getClientRow,
  getPatchRow,
  getPlanRow,
  insertClient,
  insertPatch,
  insertPlan,
  type PatchRow,
  patchByCode,
  recordPatchChannel,
  releaseArchivedChannel,
  updateClient,
  updatePatch,
  updatePlan,
} from './store.ts';
import { welcomeMessage } from './views.ts';

/**
 * Running the provider from Slack: each admin change is one transaction that checks the set-up as it
 * would be after the change with the roster's own rules (`checkRoster`: the very check the import
 * makes), writes only what changed, makes and moves the patch's visits from now on
 * (`materializeAll`: past visits never change), and records who changed what, before and after, in
 * the audit log. Nothing here talks to Slack.
 */

/** A change to a client's key worker, as a guard sees it. `clientId` is null for a client being added. */
export interface KeyWorkerChange {
  patchId: number;
  clientId: number | null;
  clientCode: string;
  clientName: string;
  from: string | null;
  to: string | null;
  actor: string;
  at: number;
}

/**
 * A rule another capability adds to key-worker changes (competencies: the new key worker must be signed
 * off for the tasks the client's visits need): a refusal in plain words, shown on the form's key worker
 * field, or null to let the change through. Runs inside the change's transaction.
 */
export type KeyWorkerGuard = (tx: Db, change: KeyWorkerChange) => { text: string } | null;

/** The rules the composition root hands in for set-up changes (src/hub.ts `setupGuards`). */
export interface SetupGuards {
  keyWorker: readonly KeyWorkerGuard[];
}

export const noSetupGuards: SetupGuards = { keyWorker: [] };

export type AdminDeps = ServiceDeps & { setupGuards: SetupGuards };

/** What a change did, in words for the admin (mrkdwn, escaped), or why not, field by field. */
export type ChangeResult =
  | {
      ok: true;
      text: string;
      patchId: number;
      /** Assistants added and removed (a change of assistants, a new patch). */
      added?: string[];
      removed?: string[];
    }
  | { ok: false; errors: Record<string, string> };

const NO_SETUP = 'There is no set-up yet: import a roster first (`patchbot import roster.yml`).';

const key = (p: Problem) => `${formatPath(p.path)}: ${p.message}`;

interface Draft {
  file: RosterFile;
  index: RosterIndex;
  /** Problems the set-up had before the change: a change is refused only for problems it brings. */
  before: Set<string>;
}

function draftOf(tx: Db): Draft | null {
  const found = rosterOf(tx);
  if (!found) return null;
  const checked = checkRoster(structuredClone(found.file));
  return { ...found, before: new Set(checked.ok ? [] : checked.problems.map(key)) };
}

/** The set-up after a change, checked by the roster's rules; the problems it brings as field errors. */
function check(
  draft: Draft,
  file: RosterFile,
  target: readonly (string | number)[],
  fields: readonly string[],
  fallback: string,
  reword?: (p: Problem) => string,
): Record<string, string> | null {
  const checked = checkRoster(structuredClone(file));
  if (checked.ok) return null;
  const fresh = checked.problems.filter((p) => !draft.before.has(key(p)));
  if (fresh.length === 0) return null;
  return fieldErrors(fresh, target, fields, fallback, reword);
}

const fail = (errors: Record<string, string>): ChangeResult => ({ ok: false, errors });

function keyWorkerRefusal(tx: Db, guards: SetupGuards, change: KeyWorkerChange): string | null {
  for (const guard of guards.keyWorker) {
    const refusal = guard(tx, change);
    if (refusal) return refusal.text;
  }
  return null;
}

/** Makes and moves the patch's visits for today and tomorrow from now on, in the change's transaction. */
function followPlans(tx: Db, deps: AdminDeps, patchId: number, now: number, refresh = false): void {
  materializeAll(tx, deps.hub, now, { patchIds: [patchId], refresh });
}

// ---------------------------------------------------------------------------------------------------
// Clients

export interface ClientInput {
  /** Only when adding: the client's code (their identity in the roster). */
  code?: string;
  name: string;
  keyWorker: string | null;
}

const CLIENT_FIELDS = ['code', 'name', 'key_worker'] as const;

/** The roster's words for a key worker who is not an assistant name them by id; a form says what to do. */
function clientWords(problem: Problem): string {
  if (
    problem.path.at(-1) === 'key_worker' &&
    problem.message.includes("is not one of this patch's assistants")
  ) {
    return "Choose one of this patch's assistants (or change the assistants first).";
  }
  return formWords(problem.message);
}

export function addClient(deps: AdminDeps, actor: string, patchId: number, input: ClientInput): ChangeResult {
  const now = deps.clock.now();
  return inTransaction(deps.db, (tx) => {
    const draft = draftOf(tx);
    if (!draft) return fail({ name: NO_SETUP });
    const p = draft.index.patches.get(patchId);
    const patch = getPatchRow(tx, patchId);
    if (p === undefined || !patch) return fail({ name: 'This patch no longer exists.' });
    const code = (input.code ?? '').trim();
    const holder = code ? clientByCode(tx, code) : undefined;
    if (holder) {
      return fail({
        code: `${code} is already the code of ${holder.archivedAt === null ? esc(holder.name) : 'an archived client'}: choose another`,
      });
    }
    const file = structuredClone(draft.file);
    const patchFile = file.patches[p] as RosterFile['patches'][number];
    patchFile.clients ??= [];
    const c = patchFile.clients.length;
    patchFile.clients.push({
      code,
      name: input.name,
      ...(input.keyWorker ? { key_worker: input.keyWorker } : {}),
    });
    const errors = check(draft, file, ['patches', p, 'clients', c], CLIENT_FIELDS, 'name', clientWords);
    if (errors) return fail(errors);
    const value = clientSchema.safeParse(patchFile.clients[c]);
    if (!value.success) return fail({ name: 'This client cannot be added as it is.' });
    const client = value.data;
    const refusal = client.keyWorker
      ? keyWorkerRefusal(tx, deps.setupGuards, {
          patchId,
          clientId: null,
          clientCode: client.code,
          clientName: client.name,
          from: null,
          to: client.keyWorker,
          actor,
          at: now,
        })
      : null;
    if (refusal) return fail({ key_worker: refusal });
    insertClient(tx, { code: client.code, patchId, name: client.name, keyWorker: client.keyWorker });
    recordAudit(tx, {
      at: now,
      actor,
      entity: 'client',
      entityId: client.code,
      action: 'add',
      after: { patch: patch.code, code: client.code, name: client.name, keyWorker: client.keyWorker },
    });
    followPlans(tx, deps, patchId, now);
    return {
      ok: true,
      patchId,
      text: `*${esc(client.name)}* (${esc(client.code)}) is added to ${esc(patch.name)}${keyWorkerWords(client.keyWorker)}.`,
    };
  });
}

export function editClient(
  deps: AdminDeps,
  actor: string,
  clientId: number,
  input: ClientInput,
): ChangeResult {
  const now = deps.clock.now();
  return inTransaction(deps.db, (tx) => {
    const draft = draftOf(tx);
    if (!draft) return fail({ name: NO_SETUP });
    const row = getClientRow(tx, clientId);
    const at = draft.index.clients.get(clientId);
    if (!row || row.archivedAt !== null || !at)
      return fail({ name: 'This client is no longer in the set-up.' });
    const { p, c } = at;
    const file = structuredClone(draft.file);
    const entry = file.patches[p]?.clients?.[c];
    if (!entry) return fail({ name: 'This client is no longer in the set-up.' });
    entry.name = input.name;
    if (input.keyWorker) entry.key_worker = input.keyWorker;
    else delete entry.key_worker;
    const errors = check(draft, file, ['patches', p, 'clients', c], CLIENT_FIELDS, 'name', clientWords);
    if (errors) return fail(errors);
    const value = clientSchema.safeParse(entry);
    if (!value.success) return fail({ name: 'This client cannot be changed as it is.' });
    const client = value.data;
    if (client.name === row.name && client.keyWorker === row.keyWorker) {
      return { ok: true, patchId: row.patchId, text: `Nothing changed for *${esc(row.name)}*.` };
    }
    if (client.keyWorker !== row.keyWorker) {
      const refusal = keyWorkerRefusal(tx, deps.setupGuards, {
        patchId: row.patchId,
        clientId,
        clientCode: row.code,
        clientName: client.name,
        from: row.keyWorker,
        to: client.keyWorker,
        actor,
        at: now,
      });
      if (refusal) return fail({ key_worker: refusal });
    }
    updateClient(tx, clientId, { name: client.name, keyWorker: client.keyWorker });
    recordAudit(tx, {
      at: now,
      actor,
      entity: 'client',
      entityId: row.code,
      action: 'edit',
      before: { name: row.name, keyWorker: row.keyWorker },
      after: { name: client.name, keyWorker: client.keyWorker },
    });
    followPlans(tx, deps, row.patchId, now);
    const parts: string[] = [];
    if (client.name !== row.name) parts.push(`is now called *${esc(client.name)}*`);
    if (client.keyWorker !== row.keyWorker) {
      parts.push(
        client.keyWorker
          ? `has <@${client.keyWorker}> as key worker, for visits from now on`
          : 'has no key worker now',
      );
    }
    return { ok: true, patchId: row.patchId, text: `*${esc(row.name)}* ${parts.join(' and ')}.` };
  });
}

export function archiveClient(deps: AdminDeps, actor: string, clientId: number): ChangeResult {
  const now = deps.clock.now();
  return inTransaction(deps.db, (tx) => {
    const row = getClientRow(tx, clientId);
    if (!row || row.archivedAt !== null) return fail({ name: 'This client is no longer in the set-up.' });
    const ended = archiveClientRows(tx, clientId, now);
    recordAudit(tx, {
      at: now,
      actor,
      entity: 'client',
      entityId: row.code,
      action: 'archive',
      before: { name: row.name, keyWorker: row.keyWorker, plans: ended },
    });
    followPlans(tx, deps, row.patchId, now);
    const plans = ended.length === 1 ? '1 visit plan' : `${ended.length} visit plans`;
    return {
      ok: true,
      patchId: row.patchId,
      text: `*${esc(row.name)}* is archived: ${plans} ended, and the visits still to come are called off. Past visits stay as they were.`,
    };
  });
}

function keyWorkerWords(userId: string | null): string {
  return userId ? `, key worker <@${userId}>` : ', no key worker';
}

// ---------------------------------------------------------------------------------------------------
// Fixed-visit plans

export interface PlanInput {
  at: string | null;
  days: string[];
  minutes: number | string | undefined;
  purpose: string;
  timeCritical: boolean;
  carers: number | string | undefined;
  /** The visit thresholds the form sets (snake_case, as in the file); undefined: not set. */
  thresholds: Partial<Record<PlanThreshold, number | string | undefined>>;
  requires: string[];
}

/** The thresholds a plan's form offers; a plan's other thresholds (from a roster) are kept. */
export const PLAN_THRESHOLDS = ['late_minutes', 'late_minutes_time_critical', 'missed_minutes'] as const;
export type PlanThreshold = (typeof PLAN_THRESHOLDS)[number];

const PLAN_FIELDS = [
  'at',
  'days',
  'minutes',
  'purpose',
  'time_critical',
  'carers',
  ...PLAN_THRESHOLDS,
  'requires',
] as const;

function visitFileOf(input: PlanInput, kept: ThresholdsFile | undefined): VisitFile {
  const thresholds: Record<string, unknown> = { ...kept };
  for (const name of PLAN_THRESHOLDS) {
    const value = input.thresholds[name];
    if (value === undefined) delete thresholds[name];
    else thresholds[name] = value;
  }
  const visit: Record<string, unknown> = {
    at: input.at ?? undefined,
    days: input.days,
    minutes: input.minutes,
    purpose: input.purpose,
    time_critical: input.timeCritical,
    carers: input.carers,
    requires: input.requires,
  };
  if (Object.keys(thresholds).length > 0) visit.thresholds = thresholds;
  for (const [k, v] of Object.entries(visit)) if (v === undefined) delete visit[k];
  return visit as unknown as VisitFile;
}

/** "the 08:00 Morning wake-up (daily)" */
function planWords(plan: { at: string; purpose: string; days: string }): string {
  return `the ${plan.at} ${esc(plan.purpose)} (${describeDays(parseDays(plan.days))})`;
}

/**
 * The plan at `patches[p].clients[c].visits[v]` of the edited roster `file`, checked as the import
 * checks it, and the values to store (its threshold overrides merged into `settings`, if any).
 */
function checkedPlan(
  draft: Draft,
  file: RosterFile,
  [p, c, v]: [number, number, number],
  settings: string | undefined,
  refusal: string,
) {
  const errors = check(draft, file, ['patches', p, 'clients', c, 'visits', v], PLAN_FIELDS, 'purpose');
  if (errors) return { errors };
  const value = visitSchema.safeParse(file.patches[p]?.clients?.[c]?.visits?.[v]);
  if (!value.success) return { errors: { purpose: refusal } };
  const plan = value.data;
  const stored = {
    at: plan.at,
    days: formatDays(plan.days),
    minutes: plan.minutes,
    purpose: plan.purpose,
    timeCritical: plan.timeCritical,
    carers: plan.carers,
    settings: settingsWithThresholds(settings, plan.thresholds),
  };
  return { plan, stored };
}

export function addPlan(deps: AdminDeps, actor: string, clientId: number, input: PlanInput): ChangeResult {
  const now = deps.clock.now();
  return inTransaction(deps.db, (tx) => {
    const draft = draftOf(tx);
    if (!draft) return fail({ purpose: NO_SETUP });
    const row = getClientRow(tx, clientId);
    const at = draft.index.clients.get(clientId);
    if (!row || row.archivedAt !== null || !at)
      return fail({ purpose: 'This client is no longer in the set-up.' });
    const file = structuredClone(draft.file);
    const entry = file.patches[at.p]?.clients?.[at.c];
    if (!entry) return fail({ purpose: 'This client is no longer in the set-up.' });
    entry.visits ??= [];
    const v = entry.visits.length;
    entry.visits.push(visitFileOf(input, undefined));
    const checked = checkedPlan(
      draft,
      file,
      [at.p, at.c, v],
      undefined,
      'This plan cannot be added as it is.',
    );
    if ('errors' in checked) return fail(checked.errors);
    const { plan, stored } = checked;
    const id = insertPlan(tx, clientId, stored, now);
    replacePlanTasks(tx, id, plan.requires);
    recordAudit(tx, {
      at: now,
      actor,
      entity: 'plan',
      entityId: String(id),
      action: 'add',
      after: { client: row.code, ...stored, thresholds: plan.thresholds, requires: plan.requires },
    });
    followPlans(tx, deps, row.patchId, now);
    return {
      ok: true,
      patchId: row.patchId,
      text: `*${esc(row.name)}* has a new visit plan: ${planWords(stored)}, ${plan.minutes} min. Its visits start from the next one still to come.`,
    };
  });
}

/** A plan's stored values, for the audit log and to tell whether anything changed. */
function planSnapshot(
  plan: {
    at: string;
    days: string;
    minutes: number;
    purpose: string;
    timeCritical: boolean;
    carers: number;
    settings: string;
  },
  requires: readonly string[],
) {
  return {
    at: plan.at,
    days: plan.days,
    minutes: plan.minutes,
    purpose: plan.purpose,
    timeCritical: plan.timeCritical,
    carers: plan.carers,
    thresholds: thresholdsFromSettings(plan.settings),
    requires: [...requires].sort(),
  };
}

export function changePlan(deps: AdminDeps, actor: string, planId: number, input: PlanInput): ChangeResult {
  const now = deps.clock.now();
  return inTransaction(deps.db, (tx) => {
    const draft = draftOf(tx);
    if (!draft) return fail({ purpose: NO_SETUP });
    const row = getPlanRow(tx, planId);
    const at = draft.index.plans.get(planId);
    const client = row ? getClientRow(tx, row.clientId) : undefined;
    if (!row || !client || row.archivedAt !== null || !at) {
      return fail({ purpose: 'This visit plan is no longer in the set-up.' });
    }
    const file = structuredClone(draft.file);
    const visits = file.patches[at.p]?.clients?.[at.c]?.visits;
    if (!visits) return fail({ purpose: 'This visit plan is no longer in the set-up.' });
    visits[at.v] = visitFileOf(input, thresholdsFile(thresholdsFromSettings(row.settings)));
    const checked = checkedPlan(
      draft,
      file,
      [at.p, at.c, at.v],
      row.settings,
      'This plan cannot be changed as it is.',
    );
    if ('errors' in checked) return fail(checked.errors);
    const { plan, stored } = checked;
    const requiresBefore = draft.file.patches[at.p]?.clients?.[at.c]?.visits?.[at.v]?.requires ?? [];
    const before = planSnapshot(row, requiresBefore);
    const after = planSnapshot(stored, plan.requires);
    if (JSON.stringify(before) === JSON.stringify(after)) {
      return {
        ok: true,
        patchId: row.patchId,
        text: `Nothing changed in ${planWords(row)} for *${esc(client.name)}*.`,
      };
    }
    // A new time or new days is a new schedule, known from now on (as the import does).
    const rescheduled = row.at !== stored.at || row.days !== stored.days;
    updatePlan(tx, planId, { ...stored, ...(rescheduled ? { knownAt: now } : {}) });
    replacePlanTasks(tx, planId, plan.requires);
    recordAudit(tx, {
      at: now,
      actor,
      entity: 'plan',
      entityId: String(planId),
      action: 'change',
      before: { client: client.code, ...before },
      after: { client: client.code, ...after },
    });
    followPlans(tx, deps, row.patchId, now, true);
    return {
      ok: true,
      patchId: row.patchId,
      text: `*${esc(client.name)}*: ${planWords(row)} is now ${planWords(stored)}, ${plan.minutes} min. Visits still to come follow it; past visits stay as they were.`,
    };
  });
}

export function endPlan(deps: AdminDeps, actor: string, planId: number): ChangeResult {
  const now = deps.clock.now();
  return inTransaction(deps.db, (tx) => {
    const row = getPlanRow(tx, planId);
    const client = row ? getClientRow(tx, row.clientId) : undefined;
    if (!row || !client || row.archivedAt !== null) {
      return fail({ what: 'This visit plan is no longer in the set-up.' });
    }
    archivePlan(tx, planId, row.clientId, now);
    recordAudit(tx, {
      at: now,
      actor,
      entity: 'plan',
      entityId: String(planId),
      action: 'end',
      before: { client: client.code, ...planSnapshot(row, []) },
    });
    followPlans(tx, deps, row.patchId, now);
    return {
      ok: true,
      patchId: row.patchId,
      text: `*${esc(client.name)}*: ${planWords(row)} has ended. Its visits still to come are called off; past visits stay as they were.`,
    };
  });
}

// ---------------------------------------------------------------------------------------------------
// Patches

export interface PatchInput {
  assistants: string[];
  digestAt: string | null;
  /** Every threshold of the patch (snake_case); undefined: not set here (the provider's applies). */
  thresholds: Partial<Record<keyof ThresholdsFile, number | string | undefined>>;
}

export const PATCH_THRESHOLDS = Object.values(THRESHOLD_FIELDS);

/** A change of a patch's assistants, morning rota time or thresholds. */
export function changePatch(
  deps: AdminDeps,
  actor: string,
  patchId: number,
  input: PatchInput,
): ChangeResult {
  const now = deps.clock.now();
  return inTransaction(deps.db, (tx) => {
    const draft = draftOf(tx);
    if (!draft) return fail({ assistants: NO_SETUP });
    const p = draft.index.patches.get(patchId);
    const row = getPatchRow(tx, patchId);
    if (p === undefined || !row) return fail({ assistants: 'This patch no longer exists.' });
    const file = structuredClone(draft.file);
    const patchFile = file.patches[p] as RosterFile['patches'][number];
    patchFile.assistants = input.assistants;
    if (input.digestAt === null) delete (patchFile as { digest_at?: string }).digest_at;
    else patchFile.digest_at = input.digestAt;
    const thresholds: Record<string, unknown> = {};
    for (const name of PATCH_THRESHOLDS) {
      const value = input.thresholds[name];
      if (value !== undefined) thresholds[name] = value;
    }
    if (Object.keys(thresholds).length > 0) patchFile.thresholds = thresholds as ThresholdsFile;
    else delete patchFile.thresholds;
    const clientNames = (patchFile.clients ?? []).map((c) => c.name);
    const errors = check(
      draft,
      file,
      ['patches', p],
      ['assistants', 'digest_at', ...PATCH_THRESHOLDS],
      'assistants',
      (problem) => {
        // A key worker who would no longer be an assistant: say whose, and what to do first.
        const [, , clients, c, field] = problem.path;
        if (clients === 'clients' && field === 'key_worker' && typeof c === 'number') {
          const name = clientNames[c] ?? 'A client';
          return `${name}'s key worker would no longer be an assistant here: give ${name} another key worker first.`;
        }
        return formWords(problem.message);
      },
    );
    if (errors) return fail(errors);
    const value = patchSchema.safeParse(patchFile);
    if (!value.success) return fail({ assistants: 'This set-up cannot be saved as it is.' });
    const patch = value.data;
    const beforeAssistants = assistantsOf(tx, patchId);
    const { added, removed } = peopleChange(beforeAssistants, patch.assistants);
    const settings = settingsWithThresholds(row.settings, patch.thresholds);
    const beforeThresholds = thresholdsFromSettings(row.settings);
    const parts: string[] = [];
    if (row.digestAt !== patch.digestAt || settings !== row.settings) {
      updatePatch(tx, patchId, {
        digestAt: patch.digestAt,
        settings,
        // A new digest time is worked out again by the rota.
        ...(row.digestAt !== patch.digestAt ? { digestDueAt: null } : {}),
      });
      recordAudit(tx, {
        at: now,
        actor,
        entity: 'patch',
        entityId: row.code,
        action: 'settings',
        before: { digestAt: row.digestAt, thresholds: beforeThresholds },
        after: { digestAt: patch.digestAt, thresholds: patch.thresholds },
      });
      if (row.digestAt !== patch.digestAt) parts.push(`the morning rota is posted at ${patch.digestAt}`);
      if (settings !== row.settings) parts.push('the alert thresholds are changed');
    }
    if (added.length + removed.length > 0) {
      replaceAssistants(tx, patchId, patch.assistants);
      recordAudit(tx, {
        at: now,
        actor,
        entity: 'assistants',
        entityId: row.code,
        action: 'change',
        before: beforeAssistants,
        after: [...patch.assistants].sort(),
      });
      if (added.length > 0)
        parts.push(`${mentionAll(added)} ${added.length === 1 ? 'is' : 'are'} now an assistant`);
      if (removed.length > 0)
        parts.push(`${mentionAll(removed)} ${removed.length === 1 ? 'is' : 'are'} no longer an assistant`);
    }
    if (parts.length === 0) return { ok: true, patchId, text: `Nothing changed in ${esc(row.name)}.` };
    followPlans(tx, deps, patchId, now, settings !== row.settings);
    return { ok: true, patchId, text: `${esc(row.name)}: ${parts.join('; ')}.`, added, removed };
  });
}

export interface NewPatchInput {
  code: string;
  name: string;
  assistants: string[];
  digestAt: string | null;
}

const NEW_PATCH_FIELDS = ['code', 'name', 'assistants', 'digest_at'] as const;

/**
 * `/patch setup` (with `channelId`: the channel it was typed in) or `/patch new` (without: the bot
 * makes the channel, see channels.ts): a new patch with its assistants and morning rota time.
 */
export function createPatch(
  deps: AdminDeps,
  actor: string,
  input: NewPatchInput & { channelId?: string },
): ChangeResult {
  const now = deps.clock.now();
  return inTransaction(deps.db, (tx) => {
    const draft = draftOf(tx);
    if (!draft) return fail({ code: NO_SETUP });
    const code = input.code.trim();
    const same = code ? patchByCode(tx, code) : undefined;
    if (same) {
      return fail({
        code: `${code} is already the code of ${same.archivedAt === null ? esc(same.name) : 'an archived patch'}: choose another`,
      });
    }
    if (input.channelId) {
      const holder = channelHolder(tx, input.channelId);
      if (holder && holder.archivedAt === null)
        return fail({ code: `This channel is already the channel of ${esc(holder.name)}.` });
    }
    const file = structuredClone(draft.file);
    const p = file.patches.length;
    file.patches.push({
      code,
      name: input.name,
      channel: input.channelId ?? NEW_CHANNEL,
      assistants: input.assistants,
      ...(input.digestAt === null ? {} : { digest_at: input.digestAt }),
    } as RosterFile['patches'][number]);
    const errors = check(draft, file, ['patches', p], NEW_PATCH_FIELDS, 'name');
    if (errors) return fail(errors);
    const value = patchSchema.safeParse(file.patches[p]);
    if (!value.success) return fail({ name: 'This patch cannot be set up as it is.' });
    const patch = value.data;
    const channelId = input.channelId ?? pendingChannel(patch.code);
    if (input.channelId) releaseArchivedChannel(tx, input.channelId, releasedChannel);
    const id = insertPatch(tx, {
      code: patch.code,
      name: patch.name,
      channelId,
      digestAt: patch.digestAt,
      maxClients: DEFAULT_MAX_CLIENTS,
    });
    replaceAssistants(tx, id, patch.assistants);
    recordAudit(tx, {
      at: now,
      actor,
      entity: 'patch',
      entityId: patch.code,
      action: input.channelId ? 'setup' : 'new',
      after: {
        code: patch.code,
        name: patch.name,
        channel: input.channelId ?? NEW_CHANNEL,
        assistants: patch.assistants,
        digestAt: patch.digestAt,
      },
    });
    if (input.channelId) dueWelcome(tx, id, input.channelId, now);
    followPlans(tx, deps, id, now);
    const who = mentionAll(patch.assistants);
    return {
      ok: true,
      patchId: id,
      added: [...patch.assistants].sort(),
      removed: [],
      text: input.channelId
        ? `This channel is now the patch *${esc(patch.name)}* (${esc(patch.code)}), with ${who} as assistants. Add its clients with \`/patch\`.`
        : `The patch *${esc(patch.name)}* (${esc(patch.code)}) is set up, with ${who} as assistants. patchbot is making its channel now and will invite them; a welcome is posted there when it is ready.`,
    };
  });
}

/**
 * The bot made (or found) a patch's channel: record it, move any message already owed to the
 * placeholder, and post the welcome. False when another run recorded it already.
 */
export function recordChannel(
  deps: Pick<ServiceDeps, 'db'>,
  patchId: number,
  channelId: string,
  how: { name: string; adopted: boolean; invited: string[]; notInvited: string[] },
  now: number,
): boolean {
  return inTransaction(deps.db, (tx) => {
    const row = getPatchRow(tx, patchId);
    if (!row || !isPendingChannel(row.channelId)) return false;
    if (!recordPatchChannel(tx, patchId, row.channelId, channelId)) return false;
    moveChannel(tx, row.channelId, channelId, now);
    recordAudit(tx, {
      at: now,
      actor: null,
      entity: 'patch',
      entityId: row.code,
      action: how.adopted ? 'channel_found' : 'channel_made',
      before: { channel: row.channelId },
      after: { channel: channelId, name: how.name, invited: how.invited, notInvited: how.notInvited },
    });
    dueWelcome(tx, patchId, channelId, now);
    return true;
  });
}

/** The removal of a former assistant from the channel, after an admin confirmed it. */
export function recordKick(
  deps: Pick<ServiceDeps, 'db' | 'clock'>,
  actor: string,
  patch: PatchRow,
  userId: string,
): void {
  inTransaction(deps.db, (tx) =>
    recordAudit(tx, {
      at: deps.clock.now(),
      actor,
      entity: 'channel',
      entityId: patch.channelId,
      action: 'remove',
      after: { patch: patch.code, user: userId },
    }),
  );
}

// ---------------------------------------------------------------------------------------------------
// The welcome in a patch's channel: a message the bot keeps, drawn from the set-up as it is.

export const welcomeSubject = (patchId: number): string => `setup:${patchId}`;

function dueWelcome(tx: Db, patchId: number, channel: string, now: number): void {
  markDue(tx, { subject: welcomeSubject(patchId), channel, priority: PRIORITY.digest }, now);
}

export const renderWelcome: Renderer = (db, subject) => {
  const id = Number(subject.slice('setup:'.length));
  const patch = Number.isInteger(id) ? getPatchRow(db, id) : undefined;
  if (!patch || patch.archivedAt !== null || isPendingChannel(patch.channelId)) return null;
  return welcomeMessage({
    name: patch.name,
    code: patch.code,
    assistants: assistantsOf(db, patch.id),
    digestAt: patch.digestAt,
  });
};

export const adminSubjects: SubjectKind[] = [
  { prefix: 'setup:', priority: PRIORITY.digest, render: renderWelcome },
];
