/**
 * The visit state machine shared by pop-backs and the rota. Pure: no Slack, no SQL, no clock.
 *
 *   open ──claim (until carersNeeded)──▶ claimed ──arrive──▶ arrived ──done──▶ done
 *    ▲            │release (last claim)     │                    │
 *    └────────────┘◀──────── release ───────┘                    │
 *   open / claimed ──cancel──▶ cancelled         fixed: open ──not needed──▶ not_needed
 */

export type VisitKind = 'popback' | 'shopping' | 'social' | 'fixed';
export type VisitStatus = 'open' | 'claimed' | 'arrived' | 'done' | 'cancelled' | 'not_needed';

export interface VisitState {
  kind: VisitKind;
  status: VisitStatus;
  carersNeeded: number;
  /** Carers who claimed it, in claim order. */
  carers: string[];
  requestedBy: string | null;
  arrivedAt: number | null;
  doneAt: number | null;
  closedBy: string | null;
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

export type Refusal =
  | { reason: 'not_team' }
  | { reason: 'closed'; status: VisitStatus; by: string | null }
  | { reason: 'taken'; carers: string[] }
  | { reason: 'already_yours' }
  | { reason: 'not_yours'; carers: string[] }
  | { reason: 'not_claimed' }
  | { reason: 'not_arrived' }
  | { reason: 'already_arrived'; at: number }
  | { reason: 'not_allowed_to_cancel'; requestedBy: string | null };

export type Decision<T> = { ok: true; next: T } | { ok: false; refusal: Refusal };

const refuse = <T>(refusal: Refusal): Decision<T> => ({ ok: false, refusal });

function closedRefusal(v: VisitState): Refusal | null {
  return isClosed(v.status) ? { reason: 'closed', status: v.status, by: v.closedBy } : null;
}

export function decideClaim(v: VisitState, actor: Actor): Decision<{ status: VisitStatus; full: boolean }> {
  if (!isTeam(actor)) return refuse({ reason: 'not_team' });
  const closed = closedRefusal(v);
  if (closed) return refuse(closed);
  if (v.carers.includes(actor.userId)) return refuse({ reason: 'already_yours' });
  if (v.carers.length >= v.carersNeeded) return refuse({ reason: 'taken', carers: v.carers });
  const full = v.carers.length + 1 >= v.carersNeeded;
  return { ok: true, next: { status: full && v.status === 'open' ? 'claimed' : v.status, full } };
}

/** Arrived / Done / Release are for a carer who claimed it, or a supervisor or admin on their behalf. */
function mayActOnClaim(v: VisitState, actor: Actor): Refusal | null {
  if (!isTeam(actor)) return { reason: 'not_team' };
  const closed = closedRefusal(v);
  if (closed) return closed;
  if (v.carers.length === 0) return { reason: 'not_claimed' };
  if (!v.carers.includes(actor.userId) && !isManager(actor)) return { reason: 'not_yours', carers: v.carers };
  return null;
}

export function decideArrive(v: VisitState, actor: Actor): Decision<{ status: 'arrived' }> {
  const refusal = mayActOnClaim(v, actor);
  if (refusal) return refuse(refusal);
  if (v.status === 'arrived' && v.arrivedAt !== null)
    return refuse({ reason: 'already_arrived', at: v.arrivedAt });
  return { ok: true, next: { status: 'arrived' } };
}

export function decideDone(v: VisitState, actor: Actor): Decision<{ status: 'done' }> {
  const refusal = mayActOnClaim(v, actor);
  if (refusal) return refuse(refusal);
  return { ok: true, next: { status: 'done' } };
}

/** Releasing drops the actor's own claim; a supervisor or admin who has no claim drops all of them. */
export function decideRelease(
  v: VisitState,
  actor: Actor,
): Decision<{ status: VisitStatus; remove: string[] }> {
  const refusal = mayActOnClaim(v, actor);
  if (refusal) return refuse(refusal);
  if (v.status === 'arrived') return refuse({ reason: 'already_arrived', at: v.arrivedAt ?? 0 });
  const remove = v.carers.includes(actor.userId) ? [actor.userId] : [...v.carers];
  return { ok: true, next: { status: 'open', remove } };
}

/** The requester, a supervisor or an admin may cancel anything not yet finished. */
export function decideCancel(v: VisitState, actor: Actor): Decision<{ status: 'cancelled' }> {
  const closed = closedRefusal(v);
  if (closed) return refuse(closed);
  if (actor.userId !== v.requestedBy && !isManager(actor)) {
    return refuse({ reason: 'not_allowed_to_cancel', requestedBy: v.requestedBy });
  }
  return { ok: true, next: { status: 'cancelled' } };
}

const mention = (u: string | null) => (u ? `<@${u}>` : 'someone');
const mentions = (us: string[]) => us.map((u) => `<@${u}>`).join(' and ');

/** The private answer for a refusal: plain words, saying who has it where that helps. */
export function describeRefusal(r: Refusal, when: (ms: number) => string): string {
  switch (r.reason) {
    case 'not_team':
      return "You are not in this patch's team, so you can't change its visits. Ask a supervisor if that's wrong.";
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
    case 'not_arrived':
      return 'Mark Arrived first.';
    case 'already_arrived':
      return `Already marked arrived at ${when(r.at)}.`;
    case 'not_allowed_to_cancel':
      return `Only ${mention(r.requestedBy)} (who asked for it), a supervisor or an admin can cancel it.`;
  }
}
