import { inTransaction } from '../../db/index.ts';
import { recordAudit } from '../patches/audit.ts';
import { type RosterFile, type ThresholdsFile, thresholdsFile, type VisitFile } from '../patches/export.ts';
import { replacePlanTasks } from '../patches/import.ts';
import { formatDays, parseDays, settingsWithThresholds, thresholdsFromSettings } from '../patches/model.ts';
import { visitSchema } from '../patches/roster.ts';
import { esc } from '../slack/blocks.ts';
import {
  type AdminDeps,
  type ChangeResult,
  check,
  type Draft,
  draftOf,
  fail,
  followPlans,
  NO_SETUP,
} from './change.ts';
import { describeDays } from './model.ts';
import { archivePlan, getClientRow, getPlanRow, insertPlan, updatePlan } from './store.ts';

/** Admin changes to a client's fixed-visit plans: add, change, end (see change.ts for how every change runs). */

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
