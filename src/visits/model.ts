/**
 * The visit: every transition it can make, as pure decisions. No Slack, no SQL, no clock: the caller
 * passes the facts, the actor and the instant; a decision says what changes, or why nothing may.
 *
 * Flexible visits (pop-back, shopping, social) are claimed by carers one by one:
 *
 *   open ──claim (until carersNeeded)──▶ claimed ──arrive──▶ arrived ──done──▶ done
 *    ▲            │release (last claim)     │                    │
 *    └────────────┘◀──────── release ───────┘                    │
 *   open / claimed ──cancel──▶ cancelled
 *
 * Fixed visits (from plans) have an assignee instead of claims:
 *
 *   open ──arrive──▶ arrived ──done──▶ done        open ──not needed──▶ not_needed
 *   open ──take over──▶ open (new assignee)        open ──called off (plan changed)──▶ cancelled
 *
 * Time moves visits too (the alerts decide when): a fixed visit nobody checked in for goes late, then
 * missed; an unclaimed flexible visit is re-announced (nudge), then sent to the supervisors (unclaimed).
 */

export const FLEX_KINDS = ['popback', 'shopping', 'social'] as const;
export type FlexKind = (typeof FLEX_KINDS)[number];
export type VisitKind = FlexKind | 'fixed';
export type VisitStatus = 'open' | 'claimed' | 'arrived' | 'done' | 'cancelled' | 'not_needed';
export const URGENCY_VALUES = ['asap', 'hour', 'by', 'today'] as const;
export type Urgency = (typeof URGENCY_VALUES)[number];

export const KIND_LABEL: Record<FlexKind, string> = {
  popback: 'Pop-back',
  shopping: 'Shopping trip',
  social: 'Social visit',
};

export const URGENCY_LABEL: Record<Urgency, string> = {
  asap: 'As soon as possible',
  hour: 'Within the hour',
  by: 'By a time today',
  today: 'Any time today',
};

export const isFlexible = (kind: VisitKind): kind is FlexKind => kind !== 'fixed';

/** The facts of a visit a decision needs. */
export interface VisitFacts {
  kind: VisitKind;
  status: VisitStatus;
  rev: number;
  carersNeeded: number;
  /** Carers who claimed it (flexible visits), in claim order. */
  carers: string[];
  assignee: string | null;
  requestedBy: string | null;
  startsAt: number | null;
  arrivedAt: number | null;
  doneAt: number | null;
  closedBy: string | null;
  alertLevel: 'late' | 'missed' | null;
  nudgedAt: number | null;
  escalatedAt: number | null;
}

/** What the acting person is, for this visit's patch. */
export interface Actor {
  userId: string;
  assistant: boolean;
  supervisor: boolean;
  admin: boolean;
}

export const isTeam = (a: Actor): boolean => a.assistant || a.supervisor || a.admin;
export const isManager = (a: Actor): boolean => a.supervisor || a.admin;
export const isClosed = (s: VisitStatus): boolean => s === 'done' || s === 'cancelled' || s === 'not_needed';

export const NOT_NEEDED_REASONS = {
  hospital: 'in hospital',
  family: 'cancelled by family',
  away: 'client away',
  other: 'other reason',
} as const;
export type NotNeededReason = keyof typeof NOT_NEEDED_REASONS;

/** What a person may do to a visit (from a card, the rota, an alert). */
export type PersonTransition =
  | { type: 'claim' }
  | { type: 'release' }
  | { type: 'arrive' }
  | { type: 'done' }
  | { type: 'cancel' }
  | { type: 'takeover' }
  | { type: 'not_needed'; reason: NotNeededReason }
  | { type: 'onway' }
  /** A colleague takes a fixed visit from a cover request: it becomes theirs. */
  | { type: 'cover_take' }
  /** A supervisor or admin gives a fixed visit to `to`, who must be in the patch's team. */
  | { type: 'assign'; to: string; toInTeam: boolean };

/** What the system does to a visit: the clock, or a changed plan. */
export type SystemTransition =
  | { type: 'late' }
  | { type: 'missed' }
  | { type: 'nudge' }
  | { type: 'unclaimed' }
  | { type: 'replan'; set: PlanFields }
  | { type: 'call_off'; reason: 'plan changed' | 'plan removed' };

export type Transition = PersonTransition | SystemTransition;
/**
 * `created`: a new visit. `refresh`: nothing changed, but a message about it may be out of date (a
 * press was refused). `retime`: nothing changed, but settings behind its timers did.
 */
export type TransitionType = Transition['type'] | 'created' | 'refresh' | 'retime';

/** The fields of a fixed visit that follow its plan. */
export interface PlanFields {
  startsAt: number;
  minutes: number;
  purpose: string;
  timeCritical: boolean;
  carersNeeded: number;
  assignee: string | null;
  plannedAssignee: string | null;
  requiredTasks: string;
}

/** The columns a transition changes (a subset of the visit row). */
export interface VisitSet {
  status?: VisitStatus;
  assignee?: string | null;
  arrivedAt?: number;
  arrivedBy?: string;
  doneAt?: number;
  doneBy?: string;
  closedAt?: number;
  closedBy?: string | null;
  closeReason?: string;
  alertLevel?: 'late' | 'missed';
  lateAt?: number;
  missedAt?: number;
  onWayBy?: string;
  onWayAt?: number;
  nudgedAt?: number;
  escalatedAt?: number;
  startsAt?: number;
  minutes?: number;
  purpose?: string;
  timeCritical?: boolean;
  carersNeeded?: number;
  plannedAssignee?: string | null;
  requiredTasks?: string;
}

export interface Change {
  set: VisitSet;
  addCarers?: string[];
  removeCarers?: string[];
  /** The record's word for it (`claim`, `not_needed:hospital`, `late`…). */
  event: string;
}

export type Refusal =
  | { reason: 'not_team' }
  | { reason: 'wrong_kind' }
  | { reason: 'closed'; status: VisitStatus; by: string | null }
  | { reason: 'taken'; carers: string[] }
  | { reason: 'already_yours' }
  | { reason: 'not_yours'; carers: string[] }
  | { reason: 'not_claimed' }
  | { reason: 'already_arrived'; at: number }
  | { reason: 'not_allowed_to_cancel'; requestedBy: string | null }
  | { reason: 'stale' }
  | { reason: 'someone_there' }
  | { reason: 'already_assigned' }
  | { reason: 'not_open' }
  | { reason: 'not_manager' }
  | { reason: 'not_in_team'; who: string }
  /** Time moved on before the system got to it: nothing is due any more. */
  | { reason: 'not_due' }
  /** Refused by a rule another capability adds (competencies): its own words. */
  | { reason: 'rule'; text: string };

export type Decision = { ok: true; change: Change } | { ok: false; refusal: Refusal };

const refuse = (refusal: Refusal): Decision => ({ ok: false, refusal });
const ok = (change: Change): Decision => ({ ok: true, change });

function closedRefusal(v: VisitFacts): Refusal | null {
  return isClosed(v.status) ? { reason: 'closed', status: v.status, by: v.closedBy } : null;
}

/** Arrived / Done / Release on a flexible visit: a carer who claimed it, or a supervisor or admin. */
function mayActOnClaim(v: VisitFacts, actor: Actor): Refusal | null {
  if (!isTeam(actor)) return { reason: 'not_team' };
  const closed = closedRefusal(v);
  if (closed) return closed;
  if (v.carers.length === 0) return { reason: 'not_claimed' };
  if (!v.carers.includes(actor.userId) && !isManager(actor)) return { reason: 'not_yours', carers: v.carers };
  return null;
}

/** What a person's press does to the visit, or why it does nothing. `rev` is the pressed menu's revision. */
export function decide(
  v: VisitFacts,
  t: PersonTransition,
  actor: Actor,
  now: number,
  rev?: number,
): Decision {
  if (!isTeam(actor)) return refuse({ reason: 'not_team' });
  const me = actor.userId;
  const flex = isFlexible(v.kind);
  switch (t.type) {
    case 'claim': {
      if (!flex) return refuse({ reason: 'wrong_kind' });
      const closed = closedRefusal(v);
      if (closed) return refuse(closed);
      if (v.carers.includes(me)) return refuse({ reason: 'already_yours' });
      if (v.carers.length >= v.carersNeeded) return refuse({ reason: 'taken', carers: v.carers });
      const full = v.carers.length + 1 >= v.carersNeeded;
      return ok({
        set: full && v.status === 'open' ? { status: 'claimed' } : {},
        addCarers: [me],
        event: 'claim',
      });
    }
    case 'release': {
      if (!flex) return refuse({ reason: 'wrong_kind' });
      const refusal = mayActOnClaim(v, actor);
      if (refusal) return refuse(refusal);
      if (v.status === 'arrived') return refuse({ reason: 'already_arrived', at: v.arrivedAt ?? 0 });
      const remove = v.carers.includes(me) ? [me] : [...v.carers];
      return ok({ set: { status: 'open' }, removeCarers: remove, event: 'release' });
    }
    case 'arrive': {
      const refusal = flex ? mayActOnClaim(v, actor) : closedRefusal(v);
      if (refusal) return refuse(refusal);
      if (v.status === 'arrived' && v.arrivedAt !== null)
        return refuse({ reason: 'already_arrived', at: v.arrivedAt });
      // Arriving from an out-of-date rota is still right: whoever is at the door is there.
      return ok({ set: { status: 'arrived', arrivedAt: now, arrivedBy: me }, event: 'arrived' });
    }
    case 'done': {
      const refusal = flex ? mayActOnClaim(v, actor) : closedRefusal(v);
      if (refusal) return refuse(refusal);
      return ok({
        set: {
          status: 'done',
          doneAt: now,
          doneBy: me,
          ...(v.arrivedAt === null ? { arrivedAt: now, arrivedBy: me } : {}),
        },
        event: 'done',
      });
    }
    case 'cancel': {
      if (!flex) return refuse({ reason: 'wrong_kind' });
      const closed = closedRefusal(v);
      if (closed) return refuse(closed);
      if (me !== v.requestedBy && !isManager(actor)) {
        return refuse({ reason: 'not_allowed_to_cancel', requestedBy: v.requestedBy });
      }
      return ok({ set: { status: 'cancelled', closedAt: now, closedBy: me }, event: 'cancel' });
    }
    case 'takeover': {
      if (flex) return refuse({ reason: 'wrong_kind' });
      const closed = closedRefusal(v);
      if (closed) return refuse(closed);
      if (rev !== undefined && rev !== v.rev) return refuse({ reason: 'stale' });
      if (v.assignee === me) return refuse({ reason: 'already_assigned' });
      if (v.status === 'arrived') return refuse({ reason: 'someone_there' });
      return ok({ set: { assignee: me }, event: 'takeover' });
    }
    case 'not_needed': {
      if (flex) return refuse({ reason: 'wrong_kind' });
      if (v.status !== 'open') {
        const closed = closedRefusal(v);
        return refuse(closed ?? { reason: 'not_open' });
      }
      return ok({
        set: { status: 'not_needed', closedAt: now, closedBy: me, closeReason: NOT_NEEDED_REASONS[t.reason] },
        event: `not_needed:${t.reason}`,
      });
    }
    case 'cover_take': {
      if (flex) return refuse({ reason: 'wrong_kind' });
      const closed = closedRefusal(v);
      if (closed) return refuse(closed);
      if (v.status === 'arrived') return refuse({ reason: 'someone_there' });
      if (v.assignee === me) return refuse({ reason: 'already_assigned' });
      return ok({ set: { assignee: me }, event: 'cover_take' });
    }
    case 'assign': {
      if (flex) return refuse({ reason: 'wrong_kind' });
      if (!isManager(actor)) return refuse({ reason: 'not_manager' });
      if (!t.toInTeam) return refuse({ reason: 'not_in_team', who: t.to });
      const closed = closedRefusal(v);
      if (closed) return refuse(closed);
      if (v.status === 'arrived') return refuse({ reason: 'someone_there' });
      return ok({ set: { assignee: t.to }, event: `assign:${t.to}` });
    }
    case 'onway': {
      if (flex) return refuse({ reason: 'wrong_kind' });
      const closed = closedRefusal(v);
      if (closed) return refuse(closed);
      if (v.arrivedAt !== null) return refuse({ reason: 'already_arrived', at: v.arrivedAt });
      return ok({ set: { onWayBy: me, onWayAt: now }, event: 'onway' });
    }
  }
}

/** Whether an untouched fixed visit may still follow its plan: open, never alerted, not started. */
export function followsPlan(v: Pick<VisitFacts, 'status' | 'alertLevel' | 'startsAt'>, now: number): boolean {
  return v.status === 'open' && v.alertLevel === null && (v.startsAt ?? 0) > now;
}

/** What the system does to a visit, re-checked against the visit as it is inside the transaction. */
export function decideSystem(v: VisitFacts, t: SystemTransition, now: number): Decision {
  const notDue = refuse({ reason: 'not_due' });
  switch (t.type) {
    case 'late':
      if (v.kind !== 'fixed' || v.status !== 'open' || v.arrivedAt !== null || v.alertLevel !== null)
        return notDue;
      return ok({ set: { alertLevel: 'late', lateAt: now }, event: 'late' });
    case 'missed':
      if (v.kind !== 'fixed' || v.status !== 'open' || v.arrivedAt !== null || v.alertLevel === 'missed')
        return notDue;
      return ok({ set: { alertLevel: 'missed', missedAt: now }, event: 'missed' });
    case 'nudge':
      if (!isFlexible(v.kind) || v.status !== 'open' || v.carers.length > 0 || v.nudgedAt !== null)
        return notDue;
      return ok({ set: { nudgedAt: now }, event: 'unclaimed_nudge' });
    case 'unclaimed':
      if (!isFlexible(v.kind) || v.status !== 'open' || v.carers.length > 0 || v.escalatedAt !== null)
        return notDue;
      return ok({
        set: { escalatedAt: now, ...(v.nudgedAt === null ? { nudgedAt: now } : {}) },
        event: 'unclaimed_escalated',
      });
    case 'replan':
      if (v.kind !== 'fixed' || !followsPlan(v, now)) return notDue;
      return ok({ set: { ...t.set }, event: 'plan_changed' });
    case 'call_off':
      if (v.kind !== 'fixed' || !followsPlan(v, now)) return notDue;
      return ok({
        set: { status: 'cancelled', closedAt: now, closedBy: null, closeReason: t.reason },
        event: t.reason === 'plan removed' ? 'plan_removed' : 'plan_changed',
      });
  }
}

const mention = (u: string | null) => (u ? `<@${u}>` : 'someone');
const mentions = (us: string[]) => us.map((u) => `<@${u}>`).join(' and ');

/** The private answer for a refusal: plain words, saying who has it where that helps. */
export function describeRefusal(r: Refusal, when: (ms: number) => string): string {
  switch (r.reason) {
    case 'not_team':
      return "You are not in this patch's team, so you can't change its visits. Ask a supervisor if that's wrong.";
    case 'wrong_kind':
      return 'That button does not fit this visit: use the rota posted today.';
    case 'closed':
      return r.status === 'done'
        ? 'This visit is already done.'
        : r.status === 'cancelled'
          ? `This visit was cancelled${r.by ? ` by ${mention(r.by)}` : ''}.`
          : 'This visit was marked not needed.';
    case 'taken':
      return `${mentions(r.carers)} already ${r.carers.length > 1 ? 'have' : 'has'} this visit.`;
    case 'already_yours':
      return 'You already have this visit.';
    case 'not_yours':
      return `Only ${mentions(r.carers)} (who claimed it) or a supervisor can do that.`;
    case 'not_claimed':
      return 'Nobody has claimed this visit yet: press Claim first.';
    case 'already_arrived':
      return `Already marked arrived at ${when(r.at)}.`;
    case 'not_allowed_to_cancel':
      return `Only ${mention(r.requestedBy)} (who asked for it), a supervisor or an admin can cancel it.`;
    case 'stale':
      return 'This visit changed since that menu was shown, so nothing was done.';
    case 'someone_there':
      return 'Someone is already there.';
    case 'already_assigned':
      return 'This visit is already yours.';
    case 'not_open':
      return 'Nothing changed.';
    case 'not_manager':
      return 'Only a supervisor or an admin can give a visit to someone.';
    case 'not_in_team':
      return `${mention(r.who)} is not in this patch's team, so the visit can't be theirs.`;
    case 'not_due':
      return 'Nothing changed.';
    case 'rule':
      return r.text;
  }
}
