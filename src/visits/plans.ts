import { and, asc, eq, isNotNull, isNull, lte } from 'drizzle-orm';
import { type Db, inTransaction } from '../../db/index.ts';
import { patches } from '../../db/schema.ts';
import type { Job } from '../jobs/scheduler.ts';
import type { Log } from '../log.ts';
import { occurrenceOn } from '../patches/model.ts';
import { type ActivePlan, activePlans, providerSettings } from '../patches/store.ts';
import { addDays, breathe, localDate, localInstant } from '../time.ts';
import { followsPlan } from './model.ts';
import { applySystem, createVisit, type Hub, retimeVisit } from './service.ts';
import { fixedVisitsOfDays, openFlexibleVisits, type VisitRow, wasTakenOver } from './store.ts';

/**
 * Plans become visits. Visits are made when plans change (the roster import, an admin's edit), in
 * that change's transaction, and once per local day by the roll-forward, which keeps a watermark per
 * patch (`visits_through`) so a restart catches up exactly once. Never on every tick.
 *
 * A visit is made when its plan was known before its time (`plans.known_at`): one that falls due while
 * the bot is down is still made, and alerted, when it comes back. An occurrence that is already past
 * when its plan first appears is never made. Past visits are never moved; an untouched future visit
 * follows a changed plan (a new time, a new key worker) or is called off when its plan is removed.
 */

export interface MaterializeCounts {
  created: number;
  changed: number;
  calledOff: number;
}

const zero = (): MaterializeCounts => ({ created: 0, changed: 0, calledOff: 0 });

function add(into: MaterializeCounts, from: MaterializeCounts): void {
  into.created += from.created;
  into.changed += from.changed;
  into.calledOff += from.calledOff;
}

/**
 * Makes, moves and calls off one patch's fixed visits on `dates` to match its active plans; with
 * `refresh`, also re-runs the reactions of its other open visits (their thresholds may have changed).
 * The caller's transaction.
 */
export function materializePatch(
  tx: Db,
  hub: Hub,
  patchId: number,
  dates: readonly string[],
  now: number,
  opts: { zone: string; refresh?: boolean; plans?: ActivePlan[] },
): MaterializeCounts {
  const counts = zero();
  const plans = opts.plans ?? activePlans(tx, { patchId });
  const existing = new Map<string, VisitRow>();
  for (const v of fixedVisitsOfDays(tx, patchId, dates)) existing.set(`${v.planId}|${v.occursOn}`, v);
  const seen = new Set<number>();
  for (const plan of plans) {
    for (const date of dates) {
      const found = existing.get(`${plan.id}|${date}`);
      if (found) seen.add(found.id);
      const did = follow(tx, hub, plan, date, found, now, opts.zone);
      if (did) counts[did]++;
      else if (found && opts.refresh && found.status === 'open') retimeVisit(tx, hub, found.id, now);
    }
  }
  if (opts.refresh) for (const v of openFlexibleVisits(tx, patchId)) retimeVisit(tx, hub, v.id, now);
  // Visits whose plan (or client) is gone: called off while nobody has touched them.
  for (const v of existing.values()) {
    if (seen.has(v.id) || !followsPlan(v, now)) continue;
    if (applySystem(tx, hub, v.id, { type: 'call_off', reason: 'plan removed' }, now)) counts.calledOff++;
  }
  return counts;
}

/** Brings one plan's visit on one day in line with the plan; says what it did, if anything. */
function follow(
  tx: Db,
  hub: Hub,
  plan: ActivePlan,
  date: string,
  existing: VisitRow | undefined,
  now: number,
  zone: string,
): keyof MaterializeCounts | null {
  const startsAt = occurrenceOn(plan, date, zone);
  if (!existing) {
    if (startsAt === null || startsAt < plan.knownAt) return null;
    createVisit(
      tx,
      hub,
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
        plannedAssignee: plan.client.keyWorker,
        requiredTasks: plan.requires.join(','),
        status: 'open',
        createdAt: now,
      },
      [plan.client.id],
      null,
      now,
      'planned',
    );
    return 'created';
  }
  if (!followsPlan(existing, now)) return null;
  if (startsAt === null) {
    return applySystem(tx, hub, existing.id, { type: 'call_off', reason: 'plan changed' }, now)
      ? 'calledOff'
      : null;
  }
  // A new key worker takes over future visits, unless someone took the visit over by hand.
  const assignee = wasTakenOver(tx, existing.id) ? existing.assignee : plan.client.keyWorker;
  const differs =
    existing.startsAt !== startsAt ||
    existing.minutes !== plan.minutes ||
    existing.purpose !== plan.purpose ||
    existing.timeCritical !== plan.timeCritical ||
    existing.carersNeeded !== plan.carers ||
    existing.requiredTasks !== plan.requires.join(',') ||
    existing.plannedAssignee !== plan.client.keyWorker ||
    existing.assignee !== assignee;
  if (!differs || startsAt <= now) return null;
  const set = {
    startsAt,
    minutes: plan.minutes,
    purpose: plan.purpose,
    timeCritical: plan.timeCritical,
    carersNeeded: plan.carers,
    assignee,
    plannedAssignee: plan.client.keyWorker,
    requiredTasks: plan.requires.join(','),
  };
  return applySystem(tx, hub, existing.id, { type: 'replan', set }, now) ? 'changed' : null;
}

/** Today and tomorrow, local. */
export function visitDays(now: number, zone: string): [string, string] {
  const today = localDate(now, zone);
  return [today, addDays(today, 1)];
}

/** Records that a patch's visits exist through `through`; the roll-forward is due when that day begins. */
function setWatermark(tx: Db, patchId: number, through: string, zone: string): void {
  tx.update(patches)
    .set({ visitsThrough: through, rollDueAt: localInstant(through, '00:00', zone) })
    .where(eq(patches.id, patchId))
    .run();
}

/**
 * Every active patch's visits for today and tomorrow, after its plans changed (the import, an admin's
 * edit), in the caller's transaction; with `refresh`, open visits re-run their reactions too (the
 * thresholds behind their alert timers may have changed).
 */
export function materializeAll(
  tx: Db,
  hub: Hub,
  now: number,
  opts: { refresh?: boolean; patchIds?: readonly number[] } = {},
): MaterializeCounts {
  const zone = providerSettings(tx).timezone;
  const days = visitDays(now, zone);
  const byPatch = new Map<number, ActivePlan[]>();
  for (const plan of activePlans(tx)) {
    const list = byPatch.get(plan.patch.id) ?? [];
    list.push(plan);
    byPatch.set(plan.patch.id, list);
  }
  const ids =
    opts.patchIds ??
    tx
      .select({ id: patches.id })
      .from(patches)
      .all()
      .map((p) => p.id);
  const counts = zero();
  for (const patchId of ids) {
    add(
      counts,
      materializePatch(tx, hub, patchId, days, now, {
        zone,
        refresh: opts.refresh ?? false,
        plans: byPatch.get(patchId) ?? [],
      }),
    );
    setWatermark(tx, patchId, days[1], zone);
  }
  return counts;
}

/**
 * Patches whose next day of visits is due, then those that have none yet: two index probes on
 * `roll_due_at` (an `or` of the two would read every patch).
 */
function patchesToRoll(
  db: Db,
  now: number,
  limit: number,
): Array<{ id: number; visitsThrough: string | null }> {
  const pick = { id: patches.id, visitsThrough: patches.visitsThrough };
  const due = db
    .select(pick)
    .from(patches)
    .where(and(lte(patches.rollDueAt, now), isNull(patches.archivedAt)))
    .orderBy(asc(patches.rollDueAt), asc(patches.id))
    .limit(limit)
    .all();
  if (due.length >= limit) return due;
  const fresh = db
    .select(pick)
    .from(patches)
    .where(and(isNull(patches.rollDueAt), isNull(patches.archivedAt)))
    .limit(limit - due.length)
    .all();
  return [...due, ...fresh];
}

/** The earliest roll-forward instant of any active patch; 0 when one has none yet (index probes). */
export function nextRollDue(db: Db): number | null {
  const fresh = db
    .select({ id: patches.id })
    .from(patches)
    .where(and(isNull(patches.rollDueAt), isNull(patches.archivedAt)))
    .limit(1)
    .get();
  if (fresh) return 0;
  return (
    db
      .select({ at: patches.rollDueAt })
      .from(patches)
      .where(and(isNotNull(patches.rollDueAt), isNull(patches.archivedAt)))
      .orderBy(asc(patches.rollDueAt))
      .limit(1)
      .get()?.at ?? null
  );
}

/**
 * The daily roll-forward: for each patch whose watermark's day has begun, make the visits of every day
 * from the watermark to tomorrow (at most from yesterday: a visit more than a day old is history, not
 * an alert). One transaction per patch; the event loop is let go between patches.
 */
export function rollForwardJob(deps: { db: Db; log: Log; hub: Hub }): Job {
  const { db, log, hub } = deps;
  return {
    name: 'visits',
    nextDue: (d) => nextRollDue(d),
    async run(now) {
      const zone = providerSettings(db).timezone;
      const [today, tomorrow] = visitDays(now, zone);
      let rolled = 0;
      for (const patch of patchesToRoll(db, now, 200)) {
        const first = patch.visitsThrough
          ? maxDate(addDays(patch.visitsThrough, 1), addDays(today, -1))
          : today;
        const dates: string[] = [];
        for (let d = first; d <= tomorrow; d = addDays(d, 1)) dates.push(d);
        const counts = inTransaction(db, (tx) => {
          const c = materializePatch(tx, hub, patch.id, dates, now, { zone });
          setWatermark(tx, patch.id, tomorrow, zone);
          return c;
        });
        rolled++;
        if (counts.created + counts.changed + counts.calledOff > 0)
          log.info('visits.rolled', { patch: patch.id, through: tomorrow, ...counts });
        await breathe();
      }
      return rolled;
    },
  };
}

const maxDate = (a: string, b: string) => (a > b ? a : b);
