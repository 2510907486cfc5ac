import { type Db, inTransaction } from '../../db/index.ts';
import type { ServiceDeps } from '../deps.ts';
import type { Job } from '../jobs/scheduler.ts';
import type { Log } from '../log.ts';
import {
  activePatches,
  activePlans,
  providerSettings,
  rolesOf,
  supervisors,
  taskNames,
} from '../patches/store.ts';
import { markDue, markDueIfExists, PRIORITY } from '../slack/outbox.ts';
import { addDays, breathe, localDate, localInstant } from '../time.ts';
import type { PersonTransition } from '../visits/model.ts';
import { type Guard, notifyActivity, type Reaction } from '../visits/service.ts';
import { fixedVisitsOfDays, type VisitRow } from '../visits/store.ts';
import {
  CHECK_AT,
  currentSignoffs,
  defaultExpiry,
  type MissingSignoff,
  nextCheckAfter,
  REMIND_DAYS,
  reminderDue,
  taskCodes,
  watched,
} from './model.ts';
import {
  activeTasks,
  addAudit,
  competenceDueAt,
  getSignoff,
  insertSignoff,
  liveSignoffs,
  markReminded,
  markWithdrawn,
  missingSignoffs,
  patchesOfAssistant,
  type SignoffRow,
  setCompetenceDueAt,
  signoffsOf,
  signoffsToRemind,
} from './store.ts';
import { describeMissing, ownSignoffsText, type SignoffModalData } from './views.ts';

/**
 * Competencies: signing off and withdrawing (one transaction each, recorded in `signoffs` and the
 * audit log, with a note to the assistant), the hub guard that keeps a visit from anyone not signed
 * off for what it needs, the flag to the supervisors when a visit's carer is not, and the daily
 * checks (reminders 14 days ahead, visits of today and tomorrow).
 */

export type SignoffMessageKind = 'signed' | 'withdrawn' | 'remind' | 'remind-sup';
export const signoffSubject = (kind: SignoffMessageKind, signoffId: number): string =>
  `competence:${kind}:${signoffId}`;
/** The supervisors' flag for a visit whose carer is not signed off: one per visit, kept current. */
export const lapseSubject = (visitId: number): string => `competence:lapse:${visitId}`;

/** The transitions that give a visit to someone: the guard checks that person. */
const GIVES_VISIT = new Set<PersonTransition['type']>(['claim', 'takeover', 'cover_take', 'assign']);

/** A visit's local date: a fixed visit's own day, otherwise the day it is wanted. */
export function visitDate(v: VisitRow, zone: string): string {
  return v.occursOn ?? localDate(v.startsAt ?? v.createdAt, zone);
}

/**
 * The hub guard: claim, take over, cover take and assign refuse a person not signed off for every task
 * the visit needs on its local date. It runs inside the transaction that makes the change, so a
 * sign-off withdrawn a moment before is seen.
 */
export const competenceGuard: Guard = (tx, visit, t, actor) => {
  if (!GIVES_VISIT.has(t.type)) return null;
  const codes = taskCodes(visit.requiredTasks);
  if (codes.length === 0) return null;
  const who = t.type === 'assign' ? t.to : actor.userId;
  const missing = missingSignoffs(tx, who, codes, visitDate(visit, providerSettings(tx).timezone));
  if (missing.length === 0) return null;
  return {
    reason: 'rule',
    text: describeMissing(missing, { who, self: who === actor.userId, supervisors: supervisors(tx) }),
  };
};

/** What a watched visit's carer lacks now (empty: nothing, or the visit is not watched). */
function lacking(tx: Db, v: VisitRow, now: number, zone: string): MissingSignoff[] {
  if (v.kind !== 'fixed' || v.status !== 'open' || v.assignee === null || v.startsAt === null) return [];
  const codes = taskCodes(v.requiredTasks);
  if (codes.length === 0) return [];
  const date = visitDate(v, zone);
  if (!watched(date, v.startsAt, now, zone)) return [];
  return missingSignoffs(tx, v.assignee, codes, date);
}

/**
 * Tells the supervisors of a watched visit whose carer is not signed off for what it needs, once per
 * visit (the subject is the guard); a visit already flagged has its message brought up to date.
 * True when a new flag was made.
 */
function flagVisit(tx: Db, v: VisitRow, now: number, zone: string): boolean {
  const subject = lapseSubject(v.id);
  if (markDueIfExists(tx, subject, now)) return false;
  if (lacking(tx, v, now, zone).length === 0) return false;
  const channel = providerSettings(tx).supervisorsChannel;
  if (!channel) return false;
  markDue(tx, { subject, channel, priority: PRIORITY.alert }, now);
  return true;
}

/**
 * Visits follow: a flagged visit's message is redrawn whenever it changes (taken over by someone
 * signed off, called off…), and a watched visit given to someone not signed off (a new key worker
 * from the roster, a visit made today) is flagged at once.
 */
export const competenceReaction: Reaction = (tx, c) => {
  if (c.type === 'refresh' || c.type === 'retime') return;
  if (c.visit.kind !== 'fixed') return;
  flagVisit(tx, c.visit, c.at, providerSettings(tx).timezone);
};

/** A person's fixed visits of today and tomorrow: flagged when they lack a sign-off, redrawn when flagged. */
function reviewVisitsOf(tx: Db, userId: string, now: number): number {
  const zone = providerSettings(tx).timezone;
  const today = localDate(now, zone);
  let flagged = 0;
  for (const patch of patchesOfAssistant(tx, userId)) {
    for (const v of fixedVisitsOfDays(tx, patch.id, [today, addDays(today, 1)])) {
      if (v.assignee === userId && flagVisit(tx, v, now, zone)) flagged++;
    }
  }
  return flagged;
}

export type Outcome<T = object> = ({ ok: true } & T) | { ok: false; text: string };

/** Who may sign people off: supervisors and admins. */
export function mayManage(db: Db, userId: string): boolean {
  const r = rolesOf(db, userId);
  return r.supervisor || r.admin;
}

/** Why `userId`'s sign-offs cannot be managed by `actor`, or null. */
export function targetProblem(db: Db, actor: string, userId: string): string | null {
  if (userId === actor) return "You can't sign yourself off: ask another supervisor.";
  if (patchesOfAssistant(db, userId).length === 0)
    return `<@${userId}> is not a care assistant in any patch, so they have no sign-offs to manage.`;
  return null;
}

const NOT_MANAGER = 'Only supervisors and admins sign people off for delegated health tasks';

/** The private answer to someone who may not sign people off: who can, and their own sign-offs. */
export function notManagerText(db: Db, userId: string, now: number): string {
  const who = supervisors(db).map((u) => `<@${u}>`);
  const head = `${NOT_MANAGER}${who.length > 0 ? ` (${who.join(' ')})` : ''}.`;
  if (patchesOfAssistant(db, userId).length === 0) return head;
  const { signoffs, today } = signoffFormData(db, userId, now);
  return `${head}\n\n${ownSignoffsText(signoffs, today)}`;
}

/** Everything the sign-off form shows for a person, from the database as it is now. */
export function signoffFormData(db: Db, userId: string, now: number, note?: string): SignoffModalData {
  const zone = providerSettings(db).timezone;
  const today = localDate(now, zone);
  const names = taskNames(db);
  return {
    userId,
    patchNames: patchesOfAssistant(db, userId).map((p) => p.name),
    signoffs: currentSignoffs(signoffsOf(db, userId)).map((s) => ({
      id: s.id,
      taskName: names.get(s.taskCode) ?? s.taskCode,
      expiresOn: s.expiresOn,
      signedBy: s.signedBy,
      signedAt: s.signedAt,
    })),
    tasks: activeTasks(db),
    today,
    zone,
    suggestedExpiry: defaultExpiry(today),
    ...(note ? { note } : {}),
  };
}

const facts = (s: Pick<SignoffRow, 'userId' | 'taskCode' | 'expiresOn'>) => ({
  user: s.userId,
  task: s.taskCode,
  expiresOn: s.expiresOn,
});

/**
 * Signs `userId` off for a task through `expiresOn` (inclusive), in one transaction: the row, the
 * record, the note to them, their flagged visits redrawn. Signing off again for the same task renews
 * it: the earlier sign-off is closed (withdrawn by the signer) and the new one stands. A sign-off that
 * runs out within the reminder window counts as reminded: the form and the note both give the date.
 */
export function signOff(
  deps: ServiceDeps,
  args: { by: string; userId: string; taskCode: string; expiresOn: string },
): Outcome<{ signoffId: number; renewed: boolean }> {
  const { db, clock, log, hub } = deps;
  const now = clock.now();
  const result = inTransaction(db, (tx): Outcome<{ signoffId: number; renewed: boolean }> => {
    if (!mayManage(tx, args.by)) return { ok: false, text: `${NOT_MANAGER}.` };
    const problem = targetProblem(tx, args.by, args.userId);
    if (problem) return { ok: false, text: problem };
    if (!activeTasks(tx).has(args.taskCode))
      return { ok: false, text: 'That task is no longer in the set-up. Choose another.' };
    const today = localDate(now, providerSettings(tx).timezone);
    const earlier = liveSignoffs(tx, args.userId, args.taskCode);
    const signoffId = insertSignoff(tx, {
      userId: args.userId,
      taskCode: args.taskCode,
      signedBy: args.by,
      signedAt: now,
      expiresOn: args.expiresOn,
      remindedAt: reminderDue(args.expiresOn, today) ? now : null,
    });
    for (const old of earlier) {
      markWithdrawn(tx, old.id, args.by, now);
      addAudit(tx, {
        at: now,
        actor: args.by,
        entityId: String(old.id),
        action: 'replaced',
        before: facts(old),
        after: { replacedBy: signoffId },
      });
    }
    addAudit(tx, {
      at: now,
      actor: args.by,
      entityId: String(signoffId),
      action: earlier.length > 0 ? 'renew' : 'sign_off',
      before: earlier[0] ? facts(earlier[0]) : null,
      after: facts(args),
    });
    markDue(
      tx,
      { subject: signoffSubject('signed', signoffId), channel: args.userId, priority: PRIORITY.card },
      now,
    );
    reviewVisitsOf(tx, args.userId, now);
    notifyActivity(tx, hub, { patchId: null, at: now });
    return { ok: true, signoffId, renewed: earlier.length > 0 };
  });
  if (result.ok)
    log.info(result.renewed ? 'competence.renewed' : 'competence.signed_off', {
      signoff: result.signoffId,
      user: args.userId,
      by: args.by,
      task: args.taskCode,
    });
  else log.info('competence.sign_off_refused', { user: args.userId, by: args.by });
  return result;
}

/**
 * Withdraws one of `userId`'s sign-offs, in one transaction: the row, the record, the note to them,
 * and a flag to the supervisors for each of their visits of today and tomorrow that now lack it. A
 * claim or take-over after this (or racing it) is refused by the guard.
 */
export function withdrawSignoff(
  deps: ServiceDeps,
  args: { by: string; userId: string; signoffId: number },
): Outcome<{ taskCode: string; flagged: number }> {
  const { db, clock, log, hub } = deps;
  const now = clock.now();
  const result = inTransaction(db, (tx): Outcome<{ taskCode: string; flagged: number }> => {
    if (!mayManage(tx, args.by)) return { ok: false, text: `${NOT_MANAGER}.` };
    const s = getSignoff(tx, args.signoffId);
    if (!s || s.userId !== args.userId) return { ok: false, text: 'That sign-off is no longer there.' };
    if (s.withdrawnAt !== null)
      return {
        ok: false,
        text: `That sign-off was already withdrawn${s.withdrawnBy ? ` by <@${s.withdrawnBy}>` : ''}.`,
      };
    markWithdrawn(tx, s.id, args.by, now);
    addAudit(tx, {
      at: now,
      actor: args.by,
      entityId: String(s.id),
      action: 'withdraw',
      before: facts(s),
      after: null,
    });
    markDue(
      tx,
      { subject: signoffSubject('withdrawn', s.id), channel: s.userId, priority: PRIORITY.card },
      now,
    );
    const flagged = reviewVisitsOf(tx, s.userId, now);
    notifyActivity(tx, hub, { patchId: null, at: now });
    return { ok: true, taskCode: s.taskCode, flagged };
  });
  if (result.ok)
    log.info('competence.withdrawn', {
      signoff: args.signoffId,
      user: args.userId,
      by: args.by,
      flagged: result.flagged,
    });
  else log.info('competence.withdraw_refused', { signoff: args.signoffId, by: args.by });
  return result;
}

/**
 * The daily checks, at 09:00 local (`provider.competence_due_at`, read by its key). After downtime the
 * missed check runs once, at once, then the next is at the following 09:00. Each reminder and each
 * patch is its own short transaction.
 */
export function competenceJob(deps: { db: Db; log: Log }): Job {
  return {
    name: 'competence',
    nextDue(d) {
      const at = competenceDueAt(d);
      return at === undefined ? null : (at ?? 0);
    },
    run: (now) => runDailyChecks(deps, now),
  };
}

export async function runDailyChecks(deps: { db: Db; log: Log }, now: number): Promise<number> {
  const { db, log } = deps;
  const stored = competenceDueAt(db);
  if (stored === undefined) return 0;
  const zone = providerSettings(db).timezone;
  const today = localDate(now, zone);
  // First run: today's check, which is at once if 09:00 has passed.
  const due = stored ?? localInstant(today, CHECK_AT, zone);
  if (now < due) {
    if (stored === null) setCompetenceDueAt(db, due);
    return 0;
  }
  let done = 0;
  for (const s of signoffsToRemind(db, today, addDays(today, REMIND_DAYS))) {
    if (remind(db, s.id, today, now)) {
      done++;
      log.info('competence.reminded', { signoff: s.id, user: s.userId });
    }
    await breathe();
  }
  const days = [today, addDays(today, 1)];
  for (const patch of activePatches(db)) {
    const flagged = inTransaction(db, (tx) => {
      let n = 0;
      for (const v of fixedVisitsOfDays(tx, patch.id, days)) {
        if (lacking(tx, v, now, zone).length > 0 && flagVisit(tx, v, now, zone)) n++;
      }
      return n;
    });
    if (flagged > 0) log.info('competence.flagged', { patch: patch.id, visits: flagged });
    done += flagged;
    await breathe();
  }
  setCompetenceDueAt(db, nextCheckAfter(now, today, zone));
  return done;
}

/** One sign-off's reminder, to the assistant and the supervisors, once (`reminded_at`). */
function remind(db: Db, signoffId: number, today: string, now: number): boolean {
  return inTransaction(db, (tx) => {
    const s = getSignoff(tx, signoffId);
    if (!s || s.remindedAt !== null || s.withdrawnAt !== null || !reminderDue(s.expiresOn, today))
      return false;
    markReminded(tx, s.id, now);
    markDue(tx, { subject: signoffSubject('remind', s.id), channel: s.userId, priority: PRIORITY.card }, now);
    const channel = providerSettings(tx).supervisorsChannel;
    if (channel)
      markDue(tx, { subject: signoffSubject('remind-sup', s.id), channel, priority: PRIORITY.card }, now);
    return true;
  });
}

/**
 * For the roster import (run inside its transaction, once the visits are made): one line per client
 * whose key worker is not signed off today for a task the client's visits need. The import goes ahead
 * (a roster is the whole set-up, and sign-offs are only ever given in Slack, after it); the lines are
 * shown with its summary, and the visits concerned are flagged to the supervisors the day before.
 */
export function keyWorkerWarnings(tx: Db, now: number): string[] {
  const today = localDate(now, providerSettings(tx).timezone);
  const byClient = new Map<number, { code: string; keyWorker: string; codes: Set<string> }>();
  for (const plan of activePlans(tx)) {
    const keyWorker = plan.client.keyWorker;
    if (keyWorker === null || plan.requires.length === 0) continue;
    const entry = byClient.get(plan.client.id) ?? { code: plan.client.code, keyWorker, codes: new Set() };
    for (const code of plan.requires) entry.codes.add(code);
    byClient.set(plan.client.id, entry);
  }
  const lines: string[] = [];
  for (const c of byClient.values()) {
    const missing = missingSignoffs(tx, c.keyWorker, [...c.codes], today);
    if (missing.length === 0) continue;
    const what = missing.map((m) => `${m.name} (${m.why === 'never' ? 'never signed off' : m.why})`);
    lines.push(
      `client ${c.code}: key worker ${c.keyWorker} is not signed off for ${what.join(', ')}, which its visits need`,
    );
  }
  return lines;
}
