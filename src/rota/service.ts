import { type Db, inTransaction } from '../../db/index.ts';
import { touchAlert } from '../alerts/service.ts';
import type { ServiceDeps } from '../deps.ts';
import { closeEscalationsOfVisit } from '../escalation/service.ts';
import { activePlans, providerSettings } from '../patches/store.ts';
import { markDue, type Renderer } from '../slack/outbox.ts';
import { addDays, localDate, localTime, MINUTE } from '../time.ts';
import { describeRefusal, isClosed, isTeam } from '../visits/model.ts';
import {
  actorFor,
  insertVisit,
  loadVisit,
  recordEvent,
  updateVisit,
  type VisitRecord,
} from '../visits/store.ts';
import { touchDigest } from './digest.ts';
import { occurrenceOn } from './model.ts';
import { orphanedFutureVisits, visitOfPlan } from './store.ts';
import type { RotaVerb } from './views.ts';

/** Fixed visits: plans → visits, the daily digest, and what an assistant does to a fixed visit. */

/**
 * Creates the concrete visits of every active plan for today and tomorrow (local), and brings
 * untouched future visits in line with a changed plan. Past visits are never created or changed.
 */
export function syncFixedVisits(
  deps: ServiceDeps,
  now: number,
): { created: number; changed: number; called_off: number } {
  const { db, log } = deps;
  const zone = providerSettings(db).timezone;
  const today = localDate(now, zone);
  const counts = { created: 0, changed: 0, called_off: 0 };
  inTransaction(db, (tx) => {
    for (const plan of activePlans(tx)) {
      for (const date of [today, addDays(today, 1)]) {
        const startsAt = occurrenceOn(plan, date, zone);
        const existing = visitOfPlan(tx, plan.id, date);
        const untouched =
          existing &&
          existing.status === 'open' &&
          existing.alertLevel === null &&
          (existing.startsAt ?? 0) > now;
        if (startsAt === null) {
          if (existing && untouched) {
            updateVisit(tx, existing.id, { status: 'cancelled', closedAt: now, closeReason: 'plan changed' });
            recordEvent(tx, existing.id, now, null, 'plan_changed');
            touchDigest(tx, plan.patch.id, date, now);
            counts.called_off++;
          }
          continue;
        }
        if (!existing) {
          if (startsAt <= now) continue;
          const id = insertVisit(
            tx,
            {
              patchId: plan.patch.id,
              kind: 'fixed',
              planId: plan.id,
              occursOn: date,
              startsAt,
              minutes: plan.minutes,
              purpose: plan.purpose,
              timeCritical: plan.timeCritical,
              carersNeeded: plan.carers,
              assignee: plan.client.keyWorker,
              status: 'open',
              createdAt: now,
            },
            [plan.client.id],
          );
          recordEvent(tx, id, now, null, 'planned');
          touchDigest(tx, plan.patch.id, date, now);
          counts.created++;
          continue;
        }
        const differs =
          existing.startsAt !== startsAt ||
          existing.minutes !== plan.minutes ||
          existing.purpose !== plan.purpose ||
          existing.timeCritical !== plan.timeCritical ||
          existing.carersNeeded !== plan.carers;
        if (untouched && differs && startsAt > now) {
          updateVisit(tx, existing.id, {
            startsAt,
            minutes: plan.minutes,
            purpose: plan.purpose,
            timeCritical: plan.timeCritical,
            carersNeeded: plan.carers,
          });
          recordEvent(tx, existing.id, now, null, 'plan_changed');
          touchDigest(tx, plan.patch.id, date, now);
          counts.changed++;
        }
      }
    }
    for (const v of orphanedFutureVisits(tx, now)) {
      updateVisit(tx, v.id, { status: 'cancelled', closedAt: now, closeReason: 'plan removed' });
      recordEvent(tx, v.id, now, null, 'plan_removed');
      if (v.occursOn) touchDigest(tx, v.patchId, v.occursOn, now);
      counts.called_off++;
    }
  });
  if (counts.created + counts.changed + counts.called_off > 0) log.info('rota.synced', counts);
  return counts;
}

export type FixedResult = { ok: true; text?: string } | { ok: false; text: string };

const STATE_WORDS: Record<string, string> = {
  open: 'not started yet',
  claimed: 'not started yet',
  arrived: 'in progress',
  done: 'done',
  cancelled: 'called off',
  not_needed: 'marked not needed',
};

function describeState(rec: VisitRecord, zone: string): string {
  const v = rec.visit;
  const who = v.assignee ? `<@${v.assignee}>` : 'nobody';
  const at = v.startsAt ? localTime(v.startsAt, zone) : '';
  const extra =
    v.status === 'arrived' && v.arrivedAt
      ? ` (arrived ${localTime(v.arrivedAt, zone)})`
      : v.status === 'done' && v.doneAt
        ? ` (at ${localTime(v.doneAt, zone)})`
        : '';
  return `The ${at} visit to ${rec.clients[0]?.name ?? 'the client'} is now ${STATE_WORDS[v.status]}${extra}, assigned to ${who}.`;
}

/**
 * Arrived / Done / Take over on a fixed visit (from the digest or an alert). `rev` is the visit's
 * revision the pressed menu was built from: if the visit changed since, nothing happens and the person
 * is told its current state.
 */
export function actOnFixedVisit(
  deps: ServiceDeps,
  verb: Exclude<RotaVerb, 'notneeded' | 'medissue'> | 'onway',
  visitId: number,
  userId: string,
  rev: number | null,
): FixedResult {
  const { db, clock, log } = deps;
  const now = clock.now();
  const zone = providerSettings(db).timezone;
  const result = inTransaction(db, (tx): FixedResult => {
    const found = fixedVisitForTeam(tx, visitId, userId, zone);
    if ('refusal' in found) return found.refusal;
    const { rec } = found;
    const v = rec.visit;
    const stale = rev !== null && rev !== v.rev;
    const refuse = (why: string): FixedResult => {
      if (v.occursOn) touchDigest(tx, v.patchId, v.occursOn, now);
      return { ok: false, text: `${why} ${describeState(rec, zone)}` };
    };
    if (isClosed(v.status)) return refuse('Nothing changed.');
    switch (verb) {
      case 'arrived':
        // Arriving on an out-of-date menu is still right: whoever is at the door is there.
        if (v.status === 'arrived') return refuse('Already marked arrived.');
        updateVisit(tx, v.id, { status: 'arrived', arrivedAt: now, arrivedBy: userId });
        break;
      case 'done':
        updateVisit(tx, v.id, {
          status: 'done',
          doneAt: now,
          doneBy: userId,
          ...(v.arrivedAt === null ? { arrivedAt: now, arrivedBy: userId } : {}),
        });
        break;
      case 'takeover': {
        if (stale) return refuse('This visit changed since that menu was shown, so nothing was done.');
        if (v.assignee === userId) return { ok: false, text: 'This visit is already yours.' };
        if (v.status === 'arrived') return refuse('Someone is already there.');
        updateVisit(tx, v.id, { assignee: userId });
        if (v.assignee) {
          markDue(tx, { subject: `takeover:${v.id}:${v.rev + 1}`, channel: v.assignee }, now);
        }
        break;
      }
      case 'onway':
        if (v.arrivedAt !== null) return refuse('Already arrived.');
        updateVisit(tx, v.id, { onWayBy: userId, onWayAt: now });
        break;
    }
    recordEvent(tx, v.id, now, userId, verb);
    if (v.occursOn) touchDigest(tx, v.patchId, v.occursOn, now);
    touchAlert(tx, v.id, now);
    if ((verb === 'arrived' || verb === 'done') && v.arrivedAt === null && v.startsAt !== null) {
      const late = Math.max(0, Math.round((now - v.startsAt) / MINUTE));
      closeEscalationsOfVisit(
        tx,
        v.id,
        now,
        userId,
        `<@${userId}> arrived at ${localTime(now, zone)}, ${late} min late`,
      );
    }
    return { ok: true };
  });
  log.info(result.ok ? `visit.${verb}` : `visit.${verb}_refused`, { visit: visitId, user: userId });
  return result;
}

/** The fixed visit, if it exists and `userId` is in its patch team; otherwise the private answer. */
function fixedVisitForTeam(
  tx: Db,
  visitId: number,
  userId: string,
  zone: string,
): { rec: VisitRecord } | { refusal: FixedResult } {
  const rec = loadVisit(tx, visitId);
  if (rec?.visit.kind !== 'fixed') return { refusal: { ok: false, text: 'This visit no longer exists.' } };
  if (!isTeam(actorFor(tx, rec.patch.id, userId))) {
    return {
      refusal: { ok: false, text: describeRefusal({ reason: 'not_team' }, (ms) => localTime(ms, zone)) },
    };
  }
  return { rec };
}

export const NOT_NEEDED_REASONS = {
  hospital: 'in hospital',
  family: 'cancelled by family',
  away: 'client away',
  other: 'other reason',
} as const;
export type NotNeededReason = keyof typeof NOT_NEEDED_REASONS;

/** Not needed, with a reason: the visit leaves the day's work and is never alerted. */
export function markNotNeeded(
  deps: ServiceDeps,
  visitId: number,
  userId: string,
  reason: NotNeededReason,
): FixedResult {
  const { db, clock, log } = deps;
  const now = clock.now();
  const zone = providerSettings(db).timezone;
  const result = inTransaction(db, (tx): FixedResult => {
    const found = fixedVisitForTeam(tx, visitId, userId, zone);
    if ('refusal' in found) return found.refusal;
    const { rec } = found;
    const v = rec.visit;
    if (v.status !== 'open') return { ok: false, text: `Nothing changed. ${describeState(rec, zone)}` };
    updateVisit(tx, v.id, {
      status: 'not_needed',
      closedAt: now,
      closedBy: userId,
      closeReason: NOT_NEEDED_REASONS[reason],
    });
    recordEvent(tx, v.id, now, userId, `not_needed:${reason}`);
    closeEscalationsOfVisit(
      tx,
      v.id,
      now,
      userId,
      `<@${userId}> marked the visit not needed (${NOT_NEEDED_REASONS[reason]})`,
    );
    if (v.occursOn) touchDigest(tx, v.patchId, v.occursOn, now);
    touchAlert(tx, v.id, now);
    return { ok: true };
  });
  log.info(result.ok ? 'visit.not_needed' : 'visit.not_needed_refused', { visit: visitId, user: userId });
  return result;
}

/** Renders `takeover:<visit>:<rev>`: a note to the person whose visit was taken over. */
export const renderTakeover: Renderer = (db, subject) => {
  const rec = loadVisit(db, Number(subject.split(':')[1]));
  if (!rec?.visit.startsAt) return null;
  const zone = providerSettings(db).timezone;
  const v = rec.visit;
  return {
    text: `<@${v.assignee}> took over the ${localTime(v.startsAt ?? 0, zone)} visit to ${rec.clients[0]?.name ?? 'a client'} (${v.purpose}) on ${v.occursOn}, in <#${rec.patch.channelId}>. You don't need to go.`,
  };
};
