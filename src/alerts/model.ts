import { popbackThresholds, type Thresholds, visitThresholds } from '../patches/model.ts';
import { localDate, localInstant, MINUTE } from '../time.ts';

/** When a visit is late, missed or unclaimed. Pure rules over instants and thresholds. */

export interface FixedVisitFacts {
  startsAt: number;
  minutes: number;
  timeCritical: boolean;
  alertLevel: 'late' | 'missed' | null;
}

/**
 * The alert step a fixed visit with no check-in has reached at `now`, if it has not had it yet.
 * After downtime a visit past both thresholds goes straight to missed: one alert, not two.
 */
export function fixedVisitDue(
  v: FixedVisitFacts,
  levels: readonly Thresholds[],
  now: number,
): 'late' | 'missed' | null {
  const t = visitThresholds(levels, v);
  if (v.alertLevel !== 'missed' && now >= v.startsAt + t.missedMinutes * MINUTE) return 'missed';
  if (v.alertLevel === null && now >= v.startsAt + t.lateMinutes * MINUTE) return 'late';
  return null;
}

export interface PopbackFacts {
  urgency: 'asap' | 'hour' | 'by' | 'today';
  createdAt: number;
  /** When it is wanted by (asap: when asked). */
  dueAt: number;
  nudgedAt: number | null;
}

/** The assistants get at least this long between the re-announcement and the supervisors hearing of it. */
const GRACE = 5 * MINUTE;

/**
 * When an unclaimed pop-back is re-announced in the channel (`nudgeAt`) and sent to the supervisors
 * (`escalateAt`):
 * - as soon as possible: after `popbackUnclaimedMinutes` (20), and the same again;
 * - within the hour / by a time: `popbackLeadMinutes` (15) before its time, then at its time;
 * - any time today: at 16:00 local, then at 18:00 local.
 * Never sooner than five minutes after it was asked for, or after the re-announcement.
 */
export function popbackSchedule(
  p: PopbackFacts,
  levels: readonly Thresholds[],
  zone: string,
): { nudgeAt: number; escalateAt: number } {
  const t = popbackThresholds(levels);
  let nudgeAt: number;
  let escalateAt: number;
  if (p.urgency === 'asap') {
    nudgeAt = p.createdAt + t.unclaimedMinutes * MINUTE;
    escalateAt = nudgeAt + t.unclaimedMinutes * MINUTE;
  } else if (p.urgency === 'today') {
    const day = localDate(p.createdAt, zone);
    nudgeAt = localInstant(day, '16:00', zone);
    escalateAt = localInstant(day, '18:00', zone);
  } else {
    nudgeAt = p.dueAt - t.leadMinutes * MINUTE;
    escalateAt = p.dueAt;
  }
  nudgeAt = Math.max(nudgeAt, p.createdAt + GRACE);
  escalateAt = Math.max(escalateAt, (p.nudgedAt ?? nudgeAt) + GRACE);
  return { nudgeAt, escalateAt };
}

export function popbackDue(
  p: PopbackFacts,
  levels: readonly Thresholds[],
  zone: string,
  now: number,
): 'nudge' | 'escalate' | null {
  const { nudgeAt, escalateAt } = popbackSchedule(p, levels, zone);
  if (p.nudgedAt === null) return now >= nudgeAt ? 'nudge' : null;
  return now >= escalateAt ? 'escalate' : null;
}
