import type { Db } from '../../db/index.ts';
import { inTransaction } from '../../db/index.ts';
import type { ServiceDeps } from '../deps.ts';
import type { Job } from '../jobs/scheduler.ts';
import { escalationConfig, getPatch, oncallShifts, providerSettings, supervisors } from '../patches/store.ts';
import { markDue, markDueIfExists, PRIORITY, type SubjectKind } from '../slack/outbox.ts';
import { breathe, localTime, MINUTE } from '../time.ts';
import { isManager } from '../visits/model.ts';
import { notifyActivity, type Reaction } from '../visits/service.ts';
import { actorFor, firstClientOf, type VisitRow } from '../visits/store.ts';
import { type ChainAction, type ChainFacts, dueAction, onAcknowledge, onRaise, STEPS } from './model.ts';
import { onCallAt } from './oncall.ts';
import { renderEscalation, renderPatchNote } from './render.ts';
import {
  addEvent,
  dueEscalations,
  type EscalationRow,
  getEscalation,
  insertEscalation,
  nextEscalationDue,
  openEscalationsOfVisit,
  updateEscalation,
} from './store.ts';
import type { Outcome, What } from './views.ts';

/**
 * Escalations: raise, run the chain, acknowledge, resolve. Every change is one transaction that also
 * records the step (who was called, when) and marks the Slack messages due.
 */

export const parentSubject = (id: number): string => `esc:${id}`;
export const eventSubject = (id: number, eventId: number): string => `esc:${id}:ev:${eventId}`;
export const patchNoteSubject = (id: number): string => `escpatch:${id}`;

export interface RaiseArgs {
  kind: EscalationRow['kind'];
  patchId: number;
  patchChannel: string;
  clientId: number | null;
  visitId: number | null;
  what: What | null;
  timeCritical: boolean;
  urgency: 'now' | 'today';
  note: string | null;
  raisedBy: string | null;
  source: EscalationRow['source'];
  /** Where the patch channel hears of it: in the thread of a message we own, or of any message. */
  patchThread?: { subject: string } | { ts: string };
}

const factsOf = (e: EscalationRow): ChainFacts => ({
  kind: e.kind,
  urgency: e.urgency,
  timeCritical: e.timeCritical,
  status: e.status,
  step: e.step,
  round: e.round,
  nextAt: e.nextAt,
  ackedAt: e.ackedAt,
  remindedAt: e.remindedAt,
});

/** Who a step calls: the on-call supervisor (all of them if nobody is on call), all, or the channel. */
function callees(tx: Db, step: number, now: number): string[] {
  if (STEPS[step] === 'oncall') {
    const onCall = onCallAt(oncallShifts(tx), now, providerSettings(tx).timezone);
    return onCall ? [onCall] : supervisors(tx);
  }
  if (STEPS[step] === 'supervisors') return supervisors(tx);
  return [];
}

function supervisorsChannel(tx: Db): string {
  const channel = providerSettings(tx).supervisorsChannel;
  if (!channel) throw new Error('no supervisors channel: import a roster first');
  return channel;
}

/** Records an event; when it is one the supervisors should see, marks its thread reply due. */
function event(
  tx: Db,
  e: { id: number },
  now: number,
  actor: string | null,
  action: string,
  detail: unknown,
  reply: boolean,
): void {
  const eventId = addEvent(tx, e.id, now, actor, action, detail === null ? null : JSON.stringify(detail));
  if (reply) {
    markDue(
      tx,
      {
        subject: eventSubject(e.id, eventId),
        channel: supervisorsChannel(tx),
        priority: PRIORITY.escalation,
        threadSubject: parentSubject(e.id),
      },
      now,
    );
  }
}

function runStep(tx: Db, id: number, step: number, round: number, now: number): void {
  const who = callees(tx, step, now);
  event(tx, { id }, now, null, 'step', { step: STEPS[step], round, who }, true);
}

/** The parent shows every step; the patch channel's note only who has it, so only some changes touch it. */
function refresh(tx: Db, id: number, now: number, patchNote = true): void {
  markDueIfExists(tx, parentSubject(id), now);
  if (patchNote) markDueIfExists(tx, patchNoteSubject(id), now);
}

/** Opens an escalation inside the caller's transaction and runs its first step at once. */
export function raiseEscalation(tx: Db, a: RaiseArgs, now: number): number {
  const cfg = escalationConfig(tx);
  const start = onRaise({ kind: a.kind, urgency: a.urgency, timeCritical: a.timeCritical }, now, cfg);
  const id = insertEscalation(tx, {
    kind: a.kind,
    patchId: a.patchId,
    clientId: a.clientId,
    visitId: a.visitId,
    what: a.what,
    timeCritical: a.timeCritical,
    urgency: a.urgency,
    note: a.note,
    raisedBy: a.raisedBy,
    raisedAt: now,
    source: a.source,
    patchThreadTs: a.patchThread && 'ts' in a.patchThread ? a.patchThread.ts : null,
    status: 'open',
    step: start.step,
    round: start.round,
    nextAt: start.nextAt,
  });
  markDue(
    tx,
    { subject: parentSubject(id), channel: supervisorsChannel(tx), priority: PRIORITY.escalation },
    now,
  );
  addEvent(tx, id, now, a.raisedBy, 'raised', JSON.stringify({ source: a.source }));
  runStep(tx, id, start.step, start.round, now);
  if (a.kind === 'medication') {
    const thread = a.patchThread;
    markDue(
      tx,
      {
        subject: patchNoteSubject(id),
        channel: a.patchChannel,
        priority: PRIORITY.escalation,
        ...(thread && 'subject' in thread ? { threadSubject: thread.subject } : {}),
        ...(thread && 'ts' in thread ? { threadTs: thread.ts } : {}),
      },
      now,
    );
  }
  return id;
}

/** Medication issue from the modal: its own transaction. */
export function raiseMedicationIssue(deps: ServiceDeps, a: Omit<RaiseArgs, 'kind'>): number {
  const now = deps.clock.now();
  const id = inTransaction(deps.db, (tx) => {
    const raised = raiseEscalation(tx, { ...a, kind: 'medication' }, now);
    notifyActivity(tx, deps.hub, { patchId: a.patchId, at: now });
    return raised;
  });
  deps.log.info('escalation.raised', {
    escalation: id,
    kind: 'medication',
    patch: a.patchId,
    user: a.raisedBy,
    urgency: a.urgency,
  });
  return id;
}

function apply(tx: Db, e: EscalationRow, action: ChainAction, now: number): void {
  switch (action.type) {
    case 'step':
      updateEscalation(tx, e.id, { step: action.step, round: action.round, nextAt: action.nextAt });
      runStep(tx, e.id, action.step, action.round, now);
      refresh(tx, e.id, now, false);
      return;
    case 'remind':
      updateEscalation(tx, e.id, { remindedAt: now, nextAt: action.nextAt });
      event(tx, e, now, null, 'reminded', { owner: e.ackedBy }, true);
      refresh(tx, e.id, now, false);
      return;
    case 'unacknowledge':
      updateEscalation(tx, e.id, {
        status: 'open',
        ackedBy: null,
        ackedAt: null,
        remindedAt: null,
        step: action.step,
        round: action.round,
        nextAt: action.nextAt,
      });
      event(tx, e, now, null, 'unacknowledged', { owner: e.ackedBy }, true);
      runStep(tx, e.id, action.step, action.round, now);
      break;
  }
  refresh(tx, e.id, now);
}

/** The escalation chain's job: its next steps live in `escalations.next_at` (indexed). */
export function escalationJob(deps: Pick<ServiceDeps, 'db' | 'log' | 'hub'>): Job {
  return {
    name: 'escalations',
    nextDue: (db) => nextEscalationDue(db),
    run: (now) => advanceEscalations(deps, now),
  };
}

/**
 * Runs every chain step, reminder and time-out that is due. After downtime each escalation catches
 * up one recorded step at a time, in order, so the record shows every step that fell due.
 */
export async function advanceEscalations(
  deps: Pick<ServiceDeps, 'db' | 'log' | 'hub'>,
  now: number,
): Promise<number> {
  const { db, log, hub } = deps;
  const cfg = escalationConfig(db);
  let steps = 0;
  for (const due of dueEscalations(db, now)) {
    await breathe();
    for (let guard = 0; guard < 50; guard++) {
      const acted = inTransaction(db, (tx) => {
        const e = getEscalation(tx, due.id);
        if (!e || e.status === 'resolved' || e.nextAt === null || e.nextAt > now) return null;
        const action = dueAction(factsOf(e), now, cfg);
        if (!action) {
          // The chain has run its rounds: nothing more is scheduled.
          updateEscalation(tx, e.id, { nextAt: null });
          return null;
        }
        apply(tx, e, action, now);
        notifyActivity(tx, hub, { patchId: e.patchId, at: now });
        return action.type;
      });
      if (!acted) break;
      steps++;
      log.info(`escalation.${acted}`, { escalation: due.id });
    }
  }
  return steps;
}

export type EscResult = { ok: true } | { ok: false; text: string };

function mayOwn(tx: Db, e: EscalationRow, userId: string): boolean {
  return isManager(actorFor(tx, e.patchId, userId));
}

const ONLY_SUPERVISORS = 'Only supervisors (and admins) can acknowledge or resolve escalations.';

export function acknowledge(deps: ServiceDeps, id: number, userId: string): EscResult {
  const { db, clock, log } = deps;
  const now = clock.now();
  const cfg = escalationConfig(db);
  const result = inTransaction(db, (tx): EscResult => {
    const e = getEscalation(tx, id);
    if (!e) return { ok: false, text: 'This escalation no longer exists.' };
    if (!mayOwn(tx, e, userId)) return { ok: false, text: ONLY_SUPERVISORS };
    if (e.status === 'resolved')
      return { ok: false, text: `Already resolved${e.resolvedBy ? ` by <@${e.resolvedBy}>` : ''}.` };
    if (e.status === 'acknowledged') {
      return {
        ok: false,
        text:
          e.ackedBy === userId
            ? 'You already own this.'
            : `<@${e.ackedBy}> already acknowledged it and owns it.`,
      };
    }
    const { nextAt } = onAcknowledge(factsOf(e), now, cfg);
    updateEscalation(tx, id, {
      status: 'acknowledged',
      ackedBy: userId,
      ackedAt: now,
      remindedAt: null,
      nextAt,
    });
    event(tx, e, now, userId, 'acknowledged', null, true);
    refresh(tx, id, now);
    notifyActivity(tx, deps.hub, { patchId: e.patchId, at: now });
    return { ok: true };
  });
  log.info(result.ok ? 'escalation.acknowledged' : 'escalation.acknowledge_refused', {
    escalation: id,
    user: userId,
  });
  return result;
}

/** Checks before opening the Resolve modal, so a non-supervisor is told at once. */
export function mayResolve(deps: ServiceDeps, id: number, userId: string): EscResult {
  const e = getEscalation(deps.db, id);
  if (!e) return { ok: false, text: 'This escalation no longer exists.' };
  if (!mayOwn(deps.db, e, userId)) return { ok: false, text: ONLY_SUPERVISORS };
  if (e.status === 'resolved')
    return { ok: false, text: `Already resolved${e.resolvedBy ? ` by <@${e.resolvedBy}>` : ''}.` };
  return { ok: true };
}

export function resolve(
  deps: ServiceDeps,
  id: number,
  userId: string,
  outcome: Outcome,
  note: string | null,
): EscResult {
  const { db, clock, log } = deps;
  const now = clock.now();
  const result = inTransaction(db, (tx): EscResult => {
    const check = mayResolve({ ...deps, db: tx }, id, userId);
    if (!check.ok) return check;
    const e = getEscalation(tx, id) as EscalationRow;
    updateEscalation(tx, id, {
      status: 'resolved',
      resolvedBy: userId,
      resolvedAt: now,
      outcome,
      outcomeNote: note,
      nextAt: null,
      ...(e.ackedBy ? {} : { ackedBy: userId, ackedAt: now }),
    });
    event(tx, { id }, now, userId, 'resolved', { outcome }, true);
    refresh(tx, id, now);
    notifyActivity(tx, deps.hub, { patchId: e.patchId, at: now });
    return { ok: true };
  });
  log.info(result.ok ? 'escalation.resolved' : 'escalation.resolve_refused', {
    escalation: id,
    user: userId,
    outcome,
  });
  return result;
}

/**
 * A missed visit was reached, or an unclaimed pop-back claimed: close its escalations with a note.
 * `kinds` narrows it (a visit covered before it starts closes its uncovered-visit escalation only).
 */
export function closeEscalationsOfVisit(
  tx: Db,
  visitId: number,
  now: number,
  actor: string | null,
  why: string,
  kinds?: Parameters<typeof openEscalationsOfVisit>[2],
): void {
  for (const e of openEscalationsOfVisit(tx, visitId, kinds)) {
    updateEscalation(tx, e.id, {
      status: 'resolved',
      resolvedBy: actor,
      resolvedAt: now,
      outcome: 'auto',
      outcomeNote: why,
      nextAt: null,
    });
    event(tx, e, now, actor, 'auto_resolved', { why }, true);
    refresh(tx, e.id, now);
  }
}

/** A system escalation about a visit: a missed visit, or a pop-back nobody claimed. */
function raiseForVisit(tx: Db, kind: 'missed_visit' | 'unclaimed_popback', v: VisitRow, now: number): void {
  const channel = getPatch(tx, v.patchId)?.channelId;
  if (!channel) return;
  raiseEscalation(
    tx,
    {
      kind,
      patchId: v.patchId,
      patchChannel: channel,
      clientId: firstClientOf(tx, v.id),
      visitId: v.id,
      what: null,
      timeCritical: kind === 'missed_visit' ? v.timeCritical : false,
      urgency: 'now',
      note: null,
      raisedBy: null,
      source: 'system',
    },
    now,
  );
}

/**
 * The escalations follow the visits: a visit that goes missed, or a pop-back nobody claims, goes to
 * the supervisors; once someone claims, arrives or calls it off, its escalations close with a note.
 */
export const escalationReaction: Reaction = (tx, c) => {
  const v = c.visit;
  const zone = () => providerSettings(tx).timezone;
  const who = c.actor ? `<@${c.actor}>` : 'someone';
  switch (c.type) {
    case 'missed':
      raiseForVisit(tx, 'missed_visit', v, c.at);
      return;
    case 'unclaimed':
      raiseForVisit(tx, 'unclaimed_popback', v, c.at);
      return;
    case 'claim':
      closeEscalationsOfVisit(tx, v.id, c.at, c.actor, `claimed by ${who} at ${localTime(c.at, zone())}`);
      return;
    case 'cancel':
      closeEscalationsOfVisit(tx, v.id, c.at, c.actor, `cancelled by ${who}`);
      return;
    case 'not_needed':
      closeEscalationsOfVisit(
        tx,
        v.id,
        c.at,
        c.actor,
        `${who} marked the visit not needed (${v.closeReason ?? ''})`,
      );
      return;
    case 'arrive':
    case 'done': {
      if (v.kind !== 'fixed' || c.before?.arrivedAt !== null || v.startsAt === null) return;
      const late = Math.max(0, Math.round((c.at - v.startsAt) / MINUTE));
      closeEscalationsOfVisit(
        tx,
        v.id,
        c.at,
        c.actor,
        `${who} arrived at ${localTime(c.at, zone())}, ${late} min late`,
      );
      return;
    }
    default:
      return;
  }
};

export const escalationSubjects: SubjectKind[] = [
  { prefix: 'esc:', priority: PRIORITY.escalation, render: renderEscalation },
  { prefix: 'escpatch:', priority: PRIORITY.escalation, render: renderPatchNote },
];
