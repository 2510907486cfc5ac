import type { Db } from '../../db/index.ts';
import { inTransaction } from '../../db/index.ts';
import { touchAlert } from '../alerts/service.ts';
import type { ServiceDeps } from '../deps.ts';
import { closeEscalationsOfVisit } from '../escalation/service.ts';
import { providerSettings } from '../patches/store.ts';
import { touchDigest } from '../rota/digest.ts';
import { markDue, type Renderer } from '../slack/outbox.ts';
import { localDate, localTime } from '../time.ts';
import {
  type Actor,
  type Decision,
  decideArrive,
  decideCancel,
  decideClaim,
  decideDone,
  decideRelease,
  describeRefusal,
  type Refusal,
} from '../visits/model.ts';
import {
  actorFor,
  addCarer,
  insertVisit,
  loadVisit,
  recordEvent,
  removeCarers,
  stateOf,
  updateVisit,
  type VisitRecord,
} from '../visits/store.ts';
import type { FlexKind, PopbackRequest, Urgency } from './model.ts';
import { requestCard } from './views.ts';

/** Pop-back use-cases: each is one transaction that changes state and marks the card due. */

export const cardSubject = (visitId: number): string => `popback:${visitId}`;

export function createPopback(
  deps: ServiceDeps,
  args: { patchId: number; channelId: string; requestedBy: string; request: PopbackRequest },
): number {
  const { db, clock, log } = deps;
  const now = clock.now();
  const r = args.request;
  const visitId = inTransaction(db, (tx) => {
    const id = insertVisit(
      tx,
      {
        patchId: args.patchId,
        kind: r.kind,
        purpose: r.reason,
        urgency: r.urgency,
        startsAt: r.dueAt,
        carersNeeded: r.carers,
        requestedBy: args.requestedBy,
        status: 'open',
        createdAt: now,
      },
      r.clientIds,
    );
    recordEvent(tx, id, now, args.requestedBy, 'requested');
    markDue(tx, { subject: cardSubject(id), channel: args.channelId }, now);
    touchDigest(tx, args.patchId, localDate(now, providerSettings(tx).timezone), now);
    return id;
  });
  log.info('popback.requested', {
    visit: visitId,
    patch: args.patchId,
    user: args.requestedBy,
    kind: r.kind,
    urgency: r.urgency,
  });
  return visitId;
}

export type CardAction = 'claim' | 'arrived' | 'done' | 'release' | 'cancel';

export type ActionResult = { ok: true; visitId: number } | { ok: false; text: string; refusal?: Refusal };

const decide: Record<CardAction, (r: VisitRecord, a: Actor) => Decision<unknown>> = {
  claim: (r, a) => decideClaim(stateOf(r), a),
  arrived: (r, a) => decideArrive(stateOf(r), a),
  done: (r, a) => decideDone(stateOf(r), a),
  release: (r, a) => decideRelease(stateOf(r), a),
  cancel: (r, a) => decideCancel(stateOf(r), a),
};

/** Applies a card button press. Refusals change nothing and come back as the private answer's text. */
export function actOnPopback(
  deps: ServiceDeps,
  action: CardAction,
  visitId: number,
  userId: string,
): ActionResult {
  const { db, clock, log } = deps;
  const now = clock.now();
  const zone = providerSettings(db).timezone;
  const result = inTransaction(db, (tx): ActionResult => {
    const rec = loadVisit(tx, visitId);
    if (!rec || rec.visit.kind === 'fixed') return { ok: false, text: 'This request no longer exists.' };
    const actor = actorFor(tx, rec.patch.id, userId);
    const decision = decide[action](rec, actor);
    if (!decision.ok) {
      // The card may be out of date (that is how the button was pressed): bring it up to date.
      if (decision.refusal.reason !== 'not_team')
        markDue(tx, { subject: cardSubject(visitId), channel: rec.patch.channelId }, now);
      return {
        ok: false,
        text: describeRefusal(decision.refusal, (ms) => localTime(ms, zone)),
        refusal: decision.refusal,
      };
    }
    apply(tx, action, rec, actor, now);
    recordEvent(tx, visitId, now, userId, action);
    markDue(tx, { subject: cardSubject(visitId), channel: rec.patch.channelId }, now);
    touchAlert(tx, visitId, now);
    if (action === 'claim')
      closeEscalationsOfVisit(tx, visitId, now, userId, `claimed by <@${userId}> at ${localTime(now, zone)}`);
    if (action === 'cancel') closeEscalationsOfVisit(tx, visitId, now, userId, `cancelled by <@${userId}>`);
    touchDigest(tx, rec.patch.id, localDate(now, zone), now);
    return { ok: true, visitId };
  });
  if (result.ok) log.info(`popback.${action}`, { visit: visitId, user: userId });
  else
    log.info(`popback.${action}_refused`, {
      visit: visitId,
      user: userId,
      reason: result.refusal?.reason ?? 'missing',
    });
  return result;
}

function apply(tx: Db, action: CardAction, rec: VisitRecord, actor: Actor, now: number): void {
  const v = rec.visit;
  switch (action) {
    case 'claim': {
      addCarer(tx, v.id, actor.userId, now);
      const full = rec.carers.length + 1 >= v.carersNeeded;
      if (full && v.status === 'open') updateVisit(tx, v.id, { status: 'claimed' });
      return;
    }
    case 'arrived':
      updateVisit(tx, v.id, { status: 'arrived', arrivedAt: now, arrivedBy: actor.userId });
      return;
    case 'done':
      updateVisit(tx, v.id, {
        status: 'done',
        doneAt: now,
        doneBy: actor.userId,
        ...(v.arrivedAt === null ? { arrivedAt: now, arrivedBy: actor.userId } : {}),
      });
      return;
    case 'release': {
      const decision = decideRelease(stateOf(rec), actor);
      if (decision.ok) removeCarers(tx, v.id, decision.next.remove);
      updateVisit(tx, v.id, { status: 'open' });
      return;
    }
    case 'cancel':
      updateVisit(tx, v.id, { status: 'cancelled', closedAt: now, closedBy: actor.userId });
      return;
  }
}

/** Renders `popback:<id>` from the database as it is now. */
export const renderCard: Renderer = (db, subject) => {
  const id = Number(subject.slice('popback:'.length));
  const rec = loadVisit(db, id);
  if (!rec || rec.visit.kind === 'fixed') return null;
  const v = rec.visit;
  return requestCard({
    visitId: v.id,
    kind: v.kind as FlexKind,
    clientNames: rec.clients.map((c) => c.name),
    reason: v.purpose,
    urgency: (v.urgency ?? 'asap') as Urgency,
    dueAt: v.startsAt ?? v.createdAt,
    carersNeeded: v.carersNeeded,
    requestedBy: v.requestedBy,
    createdAt: v.createdAt,
    status: v.status,
    carers: rec.carers,
    arrivedAt: v.arrivedAt,
    arrivedBy: v.arrivedBy,
    doneAt: v.doneAt,
    doneBy: v.doneBy,
    closedAt: v.closedAt,
    closedBy: v.closedBy,
    zone: providerSettings(db).timezone,
  });
};
