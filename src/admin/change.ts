import type { Db } from '../../db/index.ts';
import type { ServiceDeps } from '../deps.ts';
import { type RosterFile, type RosterIndex, rosterOf } from '../patches/export.ts';
import { checkRoster, formatPath } from '../patches/roster.ts';
import type { Problem } from '../patches/roster-fields.ts';
import { materializeAll } from '../visits/plans.ts';
import { fieldErrors } from './model.ts';

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

export const NO_SETUP = 'There is no set-up yet: import a roster first (`patchbot import roster.yml`).';

const key = (p: Problem) => `${formatPath(p.path)}: ${p.message}`;

export interface Draft {
  file: RosterFile;
  index: RosterIndex;
  /** Problems the set-up had before the change: a change is refused only for problems it brings. */
  before: Set<string>;
}

export function draftOf(tx: Db): Draft | null {
  const found = rosterOf(tx);
  if (!found) return null;
  const checked = checkRoster(structuredClone(found.file));
  return { ...found, before: new Set(checked.ok ? [] : checked.problems.map(key)) };
}

/** The set-up after a change, checked by the roster's rules; the problems it brings as field errors. */
export function check(
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

export const fail = (errors: Record<string, string>): ChangeResult => ({ ok: false, errors });

export function keyWorkerRefusal(tx: Db, guards: SetupGuards, change: KeyWorkerChange): string | null {
  for (const guard of guards.keyWorker) {
    const refusal = guard(tx, change);
    if (refusal) return refusal.text;
  }
  return null;
}

/** Makes and moves the patch's visits for today and tomorrow from now on, in the change's transaction. */
export function followPlans(tx: Db, deps: AdminDeps, patchId: number, now: number, refresh = false): void {
  materializeAll(tx, deps.hub, now, { patchIds: [patchId], refresh });
}
