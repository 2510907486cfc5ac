import type { ChainConfig } from '../patches/model.ts';
import { MINUTE } from '../time.ts';

/**
 * Pure rules of the escalation chain: how long each step waits, which step runs next, when an owner is
 * reminded and when an acknowledgement times out. No Slack, no SQL, no clock: the caller passes `now`.
 *
 * The chain: step 0 mentions the on-call supervisor, step 1 all supervisors, step 2 the channel with
 * @here; then it wraps to step 0 of the next round, for `rounds` rounds. Acknowledging stops it. An
 * acknowledged issue not resolved within its reminder period reminds the owner once; after the longer
 * un-acknowledge period it goes back to open and the chain restarts from step 0.
 */

export type EscalationKind = 'medication' | 'missed_visit' | 'unclaimed_popback' | 'uncovered_visit';
export type EscalationUrgency = 'now' | 'today';

export const STEPS = ['oncall', 'supervisors', 'channel'] as const;
export type Step = (typeof STEPS)[number];

export { type ChainConfig, type ChainOverrides, DEFAULT_CHAIN, mergeChain } from '../patches/model.ts';

export interface ChainFacts {
  kind: EscalationKind;
  urgency: EscalationUrgency;
  timeCritical: boolean;
  status: 'open' | 'acknowledged' | 'resolved';
  /** Index into STEPS of the step last run. */
  step: number;
  /** 1-based round of the step last run. */
  round: number;
  /** When the next action is due; null when nothing more is scheduled. */
  nextAt: number | null;
  ackedAt: number | null;
  remindedAt: number | null;
}

type Urgent = Pick<ChainFacts, 'kind' | 'urgency' | 'timeCritical'>;

/**
 * Minutes a step waits before the next one runs.
 * - medication, now: `waits.now`; time-critical: `waits.nowTimeCritical` (never longer than `waits.now`);
 * - medication, today: `waits.today`; time-critical: the shorter of `waits.today` and `waits.now`;
 * - a missed visit: `waits.missedVisit`; an unclaimed pop-back: `waits.unclaimedPopback`; a visit nobody
 *   covered: `waits.uncoveredVisit`.
 */
export function stepWaitMinutes(f: Urgent, cfg: ChainConfig): number {
  const { waits } = cfg;
  switch (f.kind) {
    case 'missed_visit':
      return waits.missedVisit;
    case 'unclaimed_popback':
      return waits.unclaimedPopback;
    case 'uncovered_visit':
      return waits.uncoveredVisit;
    case 'medication':
      if (f.urgency === 'now') return f.timeCritical ? Math.min(waits.nowTimeCritical, waits.now) : waits.now;
      return f.timeCritical ? Math.min(waits.today, waits.now) : waits.today;
  }
}

/** Urgency for the reminder and un-acknowledge periods: a missed visit or pop-back counts as `now`. */
function periodUrgency(f: Pick<ChainFacts, 'kind' | 'urgency'>): EscalationUrgency {
  return f.kind === 'medication' ? f.urgency : 'now';
}

/** Minutes after an acknowledgement before the owner is reminded. */
export function reminderMinutes(f: Pick<ChainFacts, 'kind' | 'urgency'>, cfg: ChainConfig): number {
  return cfg.reminder[periodUrgency(f)];
}

/** Minutes after an acknowledgement before it is withdrawn and the chain restarts. */
export function unacknowledgeMinutes(f: Pick<ChainFacts, 'kind' | 'urgency'>, cfg: ChainConfig): number {
  return cfg.unacknowledge[periodUrgency(f)];
}

/** A new escalation: step 0 (on call) runs at once; the next step is due after the wait. */
export function onRaise(f: Urgent, now: number, cfg: ChainConfig): { step: 0; round: 1; nextAt: number } {
  return { step: 0, round: 1, nextAt: now + stepWaitMinutes(f, cfg) * MINUTE };
}

export type ChainAction =
  /** Run this step now. `nextAt` is null when it is the last step of the last round. */
  | { type: 'step'; step: number; round: number; nextAt: number | null }
  /** Remind the owner; the acknowledgement times out at `nextAt` (ackedAt + unacknowledge). */
  | { type: 'remind'; nextAt: number }
  /** Back to open: the chain restarts now at step 0 of round 1, as if just raised. */
  | { type: 'unacknowledge'; step: 0; round: 1; nextAt: number };

/**
 * The one thing due at `now`, or null.
 *
 * - open, `nextAt <= now`: the step after `f.step` (after 'channel', step 0 of the next round). When
 *   that would start round `cfg.rounds + 1` the chain has run out: null, now and on every later call
 *   (the caller stores `nextAt: null` once the last step has run).
 * - acknowledged: once `ackedAt + unacknowledge` has passed, unacknowledge; otherwise, once
 *   `ackedAt + reminder` has passed and no reminder was sent, remind. If both fell due while the bot
 *   was down, unacknowledge wins (a reminder to someone who has let it lapse would be noise).
 * - resolved: null.
 *
 * Catching up after downtime: one action per call, and the caller calls again (with the facts the
 * action produced) until null. The schedule is anchored on when each step was due, not when it ran:
 * step n+1 is due `wait` after step n was due. So a chain whose steps all fell due while the bot was
 * down runs them back to back, one per call, each recorded, none skipped, and then waits for the first
 * step that is still in the future. A restart after un-acknowledging is anchored on `now`, like a raise.
 */
export function dueAction(f: ChainFacts, now: number, cfg: ChainConfig): ChainAction | null {
  switch (f.status) {
    case 'resolved':
      return null;
    case 'acknowledged': {
      if (f.ackedAt === null) return null;
      const unackAt = f.ackedAt + unacknowledgeMinutes(f, cfg) * MINUTE;
      if (now >= unackAt) return { type: 'unacknowledge', ...onRaise(f, now, cfg) };
      const remindAt = f.ackedAt + reminderMinutes(f, cfg) * MINUTE;
      if (f.remindedAt === null && now >= remindAt) return { type: 'remind', nextAt: unackAt };
      return null;
    }
    case 'open': {
      if (f.nextAt === null || f.nextAt > now) return null;
      let step = f.step + 1;
      let round = f.round;
      if (step >= STEPS.length) {
        step = 0;
        round += 1;
      }
      if (round > cfg.rounds) return null;
      const last = step === STEPS.length - 1 && round >= cfg.rounds;
      return { type: 'step', step, round, nextAt: last ? null : f.nextAt + stepWaitMinutes(f, cfg) * MINUTE };
    }
  }
}

/** Acknowledged at `now`: the owner is reminded at `now + reminder` unless it is resolved first. */
export function onAcknowledge(
  f: Pick<ChainFacts, 'kind' | 'urgency'>,
  now: number,
  cfg: ChainConfig,
): { nextAt: number } {
  return { nextAt: now + reminderMinutes(f, cfg) * MINUTE };
}
