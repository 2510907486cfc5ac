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

/** A visit check older than this is history: no late or missed alert any more (after long downtime). */
export const LOOKBACK_MS = 24 * 60 * MINUTE;

/** What the next alert check of a visit needs to know. */
export interface CheckFacts {
  kind: 'popback' | 'shopping' | 'social' | 'fixed';
  status: string;
  startsAt: number | null;
  minutes: number | null;
  timeCritical: boolean;
  alertLevel: 'late' | 'missed' | null;
  arrivedAt: number | null;
  /** Flexible visits: how many carers have claimed it. */
  carers: number;
  urgency: 'asap' | 'hour' | 'by' | 'today' | null;
  createdAt: number;
  nudgedAt: number | null;
  escalatedAt: number | null;
}

function popbackFacts(v: CheckFacts): PopbackFacts {
  return {
    urgency: v.urgency ?? 'asap',
    createdAt: v.createdAt,
    dueAt: v.startsAt ?? v.createdAt,
    nudgedAt: v.nudgedAt,
  };
}

/**
 * The next instant something can happen to a visit by the clock alone, or null for never: a fixed
 * visit's late or missed threshold while nobody has checked in; an unclaimed flexible visit's
 * re-announcement or escalation. Stored on the visit (`alert_due_at`), so the jobs ask only what is due.
 */
export function nextCheck(v: CheckFacts, levels: readonly Thresholds[], zone: string): number | null {
  if (v.status !== 'open') return null;
  if (v.kind === 'fixed') {
    if (v.arrivedAt !== null || v.startsAt === null || v.alertLevel === 'missed') return null;
    const t = visitThresholds(levels, { minutes: v.minutes ?? 0, timeCritical: v.timeCritical });
    const missed = v.startsAt + t.missedMinutes * MINUTE;
    if (v.alertLevel === 'late') return missed;
    return Math.min(missed, v.startsAt + t.lateMinutes * MINUTE);
  }
  if (v.carers > 0 || v.escalatedAt !== null) return null;
  const { nudgeAt, escalateAt } = popbackSchedule(popbackFacts(v), levels, zone);
  return v.nudgedAt === null ? nudgeAt : escalateAt;
}

/** What is due for a visit at `now`: the transition the clock makes, or null. */
export function dueTransition(
  v: CheckFacts,
  levels: readonly Thresholds[],
  zone: string,
  now: number,
): 'late' | 'missed' | 'nudge' | 'unclaimed' | null {
  if (v.status !== 'open') return null;
  if (v.kind === 'fixed') {
    if (v.arrivedAt !== null || v.startsAt === null) return null;
    if (now - v.startsAt > LOOKBACK_MS) return null;
    return fixedVisitDue(
      {
        startsAt: v.startsAt,
        minutes: v.minutes ?? 0,
        timeCritical: v.timeCritical,
        alertLevel: v.alertLevel,
      },
      levels,
      now,
    );
  }
  if (v.carers > 0 || v.escalatedAt !== null) return null;
  const step = popbackDue(popbackFacts(v), levels, zone, now);
  return step === 'escalate' ? 'unclaimed' : step;
}
