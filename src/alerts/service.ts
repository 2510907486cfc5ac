import { type Db, inTransaction } from '../../db/index.ts';
import type { Job } from '../jobs/scheduler.ts';
import type { Log } from '../log.ts';
import { getPatch, providerSettings } from '../patches/store.ts';
import { breathe } from '../time.ts';
import { applySystem, type Hub, type Reaction } from '../visits/service.ts';
import {
  carersOf,
  getVisitRow,
  nextAlertDue,
  setAlertDue,
  type VisitRow,
  visitsAlertDue,
} from '../visits/store.ts';
import { type CheckFacts, dueTransition, nextCheck } from './model.ts';
import { thresholdLevels } from './store.ts';
import { dueAlert, dueMissedCall, dueNudge, touchAlerts } from './subjects.ts';

/**
 * Late, missed and unclaimed: the clock's side of a visit. Every visit carries the next instant the
 * alerts must look at it (`alert_due_at`); the reaction below keeps it right whenever the visit
 * changes, and the job asks only for the visits whose instant has come, so a quiet tick is one index
 * probe. Each step is one transaction through the visits hub, so a crash loses nothing and doubles
 * nothing: the next tick sees what was committed.
 */

function checkFacts(v: VisitRow, carers: number): CheckFacts {
  return {
    kind: v.kind,
    status: v.status,
    startsAt: v.startsAt,
    minutes: v.minutes,
    timeCritical: v.timeCritical,
    alertLevel: v.alertLevel,
    arrivedAt: v.arrivedAt,
    carers,
    urgency: v.urgency,
    createdAt: v.createdAt,
    nudgedAt: v.nudgedAt,
    escalatedAt: v.escalatedAt,
  };
}

/** Sets a visit's next check from its state now; a check already past (history) is dropped. */
function retime(tx: Db, v: VisitRow, carers: number, now: number): void {
  const facts = checkFacts(v, carers);
  const levels = thresholdLevels(tx, v);
  const zone = providerSettings(tx).timezone;
  const next = nextCheck(facts, levels, zone);
  const stale = next !== null && next <= now && dueTransition(facts, levels, zone, now) === null;
  const at = stale ? null : next;
  if (at !== v.alertDueAt) setAlertDue(tx, v.id, at);
}

/** What the alerts do when a visit changes: post or refresh its messages, and set its next check. */
export const alertsReaction: Reaction = (tx, c) => {
  const v = c.visit;
  const channel = getPatch(tx, v.patchId)?.channelId;
  if (channel) {
    if (c.type === 'late' || c.type === 'missed') {
      dueAlert(tx, v.id, channel, c.at);
      // Posted before the thread reply is delivered: the outbox waits for the parent's ts.
      if (c.type === 'missed') dueMissedCall(tx, v.id, channel, c.at);
    } else if (c.type === 'nudge') {
      dueNudge(tx, v.id, channel, c.at);
    } else if (c.type !== 'created' && c.type !== 'retime') {
      touchAlerts(tx, v.id, c.at);
    }
  }
  retime(tx, v, c.carers.length, c.at);
};

/** The job: every visit whose check is due, each in its own transaction, the event loop let go between. */
export function alertsJob(deps: { db: Db; log: Log; hub: Hub }): Job {
  const { db, log, hub } = deps;
  return {
    name: 'alerts',
    nextDue: (d) => nextAlertDue(d),
    async run(now) {
      let done = 0;
      const zone = providerSettings(db).timezone;
      const due = visitsAlertDue(db, now, 500);
      for (const [i, v] of due.entries()) {
        if (i > 0) await breathe();
        const step = inTransaction(db, (tx) => {
          // Re-read inside the transaction: an Arrived (or another process) may have landed since.
          const fresh = getVisitRow(tx, v.id);
          if (!fresh || fresh.alertDueAt === null || fresh.alertDueAt > now) return null;
          const carers = carersOf(tx, v.id).length;
          const what = dueTransition(checkFacts(fresh, carers), thresholdLevels(tx, fresh), zone, now);
          if (what && applySystem(tx, hub, v.id, { type: what }, now)) return what;
          retime(tx, fresh, carers, now);
          return null;
        });
        if (!step) continue;
        done++;
        log.info(
          step === 'nudge' || step === 'unclaimed'
            ? `popback.${step === 'nudge' ? 'nudged' : 'escalated'}`
            : `alert.${step}`,
          {
            visit: v.id,
            patch: v.patchId,
          },
        );
      }
      return done;
    },
  };
}
