import type { Db } from '../../db/index.ts';
import { inTransaction } from '../../db/index.ts';
import type { ServiceDeps } from '../deps.ts';
import { type RaiseArgs, raiseEscalation } from '../escalation/service.ts';
import { thresholdsFromSettings } from '../patches/model.ts';
import { getPatch, providerSettings } from '../patches/store.ts';
import { touchDigest } from '../rota/digest.ts';
import { unattendedFixedVisits, unclaimedPopbacks } from '../rota/store.ts';
import { markDue, markDueIfExists } from '../slack/outbox.ts';
import { breathe, MINUTE } from '../time.ts';
import { firstClientOf, getVisitRow, recordEvent, updateVisit } from '../visits/store.ts';
import { fixedVisitDue, popbackDue } from './model.ts';

/**
 * The late / missed sweep and the unclaimed pop-back sweep. Each step is one transaction that records
 * the new state and marks the messages due, so a crash mid-sweep loses nothing and doubles nothing:
 * the next sweep sees what was committed.
 */

export const alertSubject = (visitId: number): string => `alert:${visitId}`;
export const nudgeSubject = (visitId: number): string => `nudge:${visitId}`;

/** How far back a sweep looks: a visit unattended for longer than this was dealt with already. */
const LOOKBACK = 24 * 60 * MINUTE;

export async function sweepFixedVisits(
  deps: ServiceDeps,
  now: number,
): Promise<{ late: number; missed: number }> {
  const { db, log } = deps;
  const provider = providerSettings(db);
  const counts = { late: 0, missed: 0 };
  let n = 0;
  for (const v of unattendedFixedVisits(db, now - LOOKBACK, now)) {
    if (++n % 25 === 0) await breathe();
    const patch = getPatch(db, v.patchId);
    if (!patch) continue;
    const levels = [provider.thresholds, patch.thresholds, thresholdsFromSettings(v.planSettings ?? '{}')];
    const due = fixedVisitDue(
      {
        startsAt: v.startsAt ?? 0,
        minutes: v.minutes ?? 0,
        timeCritical: v.timeCritical,
        alertLevel: v.alertLevel,
      },
      levels,
      now,
    );
    if (due === null) continue;
    const applied = inTransaction(db, (tx) => {
      // Re-read inside the transaction: an Arrived (or another sweeper) may have landed since the query.
      const fresh = getVisitRow(tx, v.id);
      if (fresh?.status !== 'open' || fresh.arrivedAt !== null || fresh.alertLevel !== v.alertLevel)
        return false;
      if (due === 'late') {
        updateVisit(tx, v.id, { alertLevel: 'late', lateAt: now });
      } else {
        updateVisit(tx, v.id, { alertLevel: 'missed', missedAt: now });
        markDue(
          tx,
          {
            subject: `${alertSubject(v.id)}:call`,
            channel: patch.channelId,
            threadSubject: alertSubject(v.id),
          },
          now,
        );
        raiseEscalation(
          tx,
          systemEscalation('missed_visit', patch, v.id, v.timeCritical, firstClientOf(tx, v.id)),
          now,
        );
      }
      recordEvent(tx, v.id, now, null, due);
      // Posted before the thread reply above is delivered: the outbox waits for the parent's ts.
      markDue(tx, { subject: alertSubject(v.id), channel: patch.channelId }, now);
      if (fresh.occursOn) touchDigest(tx, fresh.patchId, fresh.occursOn, now);
      return true;
    });
    if (!applied) continue;
    if (due === 'late') counts.late++;
    else counts.missed++;
    log.info(`alert.${due}`, { visit: v.id, patch: v.patchId });
  }
  return counts;
}

/** Unclaimed pop-backs: re-announced once in the channel, then sent to the supervisors. */
export async function sweepPopbacks(
  deps: ServiceDeps,
  now: number,
): Promise<{ nudged: number; escalated: number }> {
  const { db, log } = deps;
  const provider = providerSettings(db);
  const counts = { nudged: 0, escalated: 0 };
  let n = 0;
  for (const v of unclaimedPopbacks(db)) {
    if (++n % 25 === 0) await breathe();
    const patch = getPatch(db, v.patchId);
    if (!patch) continue;
    const step = popbackDue(
      {
        urgency: v.urgency ?? 'asap',
        createdAt: v.createdAt,
        dueAt: v.startsAt ?? v.createdAt,
        nudgedAt: v.nudgedAt,
      },
      [provider.thresholds, patch.thresholds],
      provider.timezone,
      now,
    );
    if (step === null) continue;
    const applied = inTransaction(db, (tx) => {
      const fresh = getVisitRow(tx, v.id);
      if (fresh?.status !== 'open' || fresh.nudgedAt !== v.nudgedAt || fresh.escalatedAt !== null)
        return false;
      if (step === 'nudge') {
        updateVisit(tx, v.id, { nudgedAt: now });
        markDue(tx, { subject: nudgeSubject(v.id), channel: patch.channelId }, now);
      } else {
        updateVisit(tx, v.id, { escalatedAt: now, ...(v.nudgedAt === null ? { nudgedAt: now } : {}) });
        raiseEscalation(
          tx,
          systemEscalation('unclaimed_popback', patch, v.id, false, firstClientOf(tx, v.id)),
          now,
        );
      }
      recordEvent(tx, v.id, now, null, step === 'nudge' ? 'unclaimed_nudge' : 'unclaimed_escalated');
      return true;
    });
    if (!applied) continue;
    if (step === 'nudge') counts.nudged++;
    else counts.escalated++;
    log.info(`popback.${step === 'nudge' ? 'nudged' : 'escalated'}`, { visit: v.id, patch: v.patchId });
  }
  return counts;
}

/** A visit changed: bring its alert and reminder up to date, where they exist. */
export function touchAlert(tx: Db, visitId: number, now: number): void {
  for (const subject of [alertSubject(visitId), nudgeSubject(visitId)]) {
    markDueIfExists(tx, subject, now);
  }
}

/** A missed visit or an unclaimed pop-back goes to the supervisors as an escalation with its own chain. */
function systemEscalation(
  kind: 'missed_visit' | 'unclaimed_popback',
  patch: { id: number; channelId: string },
  visitId: number,
  timeCritical: boolean,
  clientId: number | null,
): RaiseArgs {
  return {
    kind,
    patchId: patch.id,
    patchChannel: patch.channelId,
    clientId,
    visitId,
    what: null,
    timeCritical,
    urgency: 'now',
    note: null,
    raisedBy: null,
    source: 'system',
  };
}
