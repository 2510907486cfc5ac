import { type Db, inTransaction } from '../../db/index.ts';
import { touchAlert } from '../alerts/service.ts';
import type { ServiceDeps } from '../deps.ts';
import { closeEscalationsOfVisit } from '../escalation/service.ts';
import { activePlans, providerSettings } from '../patches/store.ts';
import { markDue, type Renderer } from '../slack/outbox.ts';
import { addDays, breathe, localDate, localTime, MINUTE } from '../time.ts';
import { describeRefusal, isClosed, isTeam } from '../visits/model.ts';
import {
  actorFor,
  insertVisit,
  loadVisit,
  recordEvent,
  updateVisit,
  type VisitRecord,
  wasTakenOver,
} from '../visits/store.ts';
import { touchDigest } from './digest.ts';
import { occurrenceOn } from './model.ts';
import { fixedVisitsOfDays, orphanedFutureVisits, type VisitRow } from './store.ts';
import type { RotaVerb } from './views.ts';

/** Fixed visits: plans → visits, the daily digest, and what an assistant does to a fixed visit. */

/**
 * Creates the concrete visits of every active plan for today and tomorrow (local), and brings
 * untouched future visits in line with a changed plan. Past visits are never created or changed.
 * One transaction per patch, and the event loop is let go between patches, so Slack's requests
 * are still answered within their 3 seconds while a big roster is synced.
 */
export async function syncFixedVisits(
  deps: ServiceDeps,
  now: number,
): Promise<{ created: number; changed: number; called_off: number }> {
  const { db, log } = deps;
  const zone = providerSettings(db).timezone;
  const today = localDate(now, zone);
  const dates = [today, addDays(today, 1)];
  const counts = { created: 0, changed: 0, called_off: 0 };
  const byPatch = new Map<number, ReturnType<typeof activePlans>>();
  for (const plan of activePlans(db)) {
    const list = byPatch.get(plan.patch.id) ?? [];
    list.push(plan);
    byPatch.set(plan.patch.id, list);
  }
  for (const [patchId, plans] of byPatch) {
    inTransaction(db, (tx) => {
      const existingOf = new Map(
        fixedVisitsOfDays(tx, patchId, dates).map((v) => [`${v.planId}|${v.occursOn}`, v]),
      );
      const touched = new Set<string>();
      for (const plan of plans) {
        for (const date of dates) {
          const change = syncOne(tx, plan, date, existingOf.get(`${plan.id}|${date}`), zone, now);
          if (change) {
            counts[change]++;
            touched.add(date);
          }
        }
      }
      for (const date of touched) touchDigest(tx, patchId, date, now);
    });
    await breathe();
  }
  inTransaction(db, (tx) => {
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

/** Brings one plan's visit on one day in line with the plan; says what it did, if anything. */
function syncOne(
  tx: Db,
  plan: ReturnType<typeof activePlans>[number],
  date: string,
  existing: VisitRow | undefined,
  zone: string,
  now: number,
): 'created' | 'changed' | 'called_off' | null {
  const startsAt = occurrenceOn(plan, date, zone);
  const untouched =
    existing && existing.status === 'open' && existing.alertLevel === null && (existing.startsAt ?? 0) > now;
  if (startsAt === null) {
    if (!existing || !untouched) return null;
    updateVisit(tx, existing.id, { status: 'cancelled', closedAt: now, closeReason: 'plan changed' });
    recordEvent(tx, existing.id, now, null, 'plan_changed');
    return 'called_off';
  }
  if (!existing) {
    if (startsAt <= now) return null;
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
    return 'created';
  }
  // A new key worker in the roster takes over future visits, unless someone took the visit over by hand.
  const assignee = wasTakenOver(tx, existing.id) ? existing.assignee : plan.client.keyWorker;
  const differs =
    existing.startsAt !== startsAt ||
    existing.minutes !== plan.minutes ||
    existing.purpose !== plan.purpose ||
    existing.timeCritical !== plan.timeCritical ||
    existing.carersNeeded !== plan.carers ||
    existing.assignee !== assignee;
  if (!untouched || !differs || startsAt <= now) return null;
  updateVisit(tx, existing.id, {
    startsAt,
    minutes: plan.minutes,
    purpose: plan.purpose,
    timeCritical: plan.timeCritical,
    carersNeeded: plan.carers,
    assignee,
  });
  recordEvent(tx, existing.id, now, null, 'plan_changed');
  return 'changed';
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
