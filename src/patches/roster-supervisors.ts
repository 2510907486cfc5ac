import { z } from 'zod';
import { isHhMm, isIsoDate } from '../time.ts';
import { type ChainOverrides, DEFAULT_CHAIN, MAX_THRESHOLD_MINUTES, type Weekday } from './model.ts';
import type { Path, Problem } from './roster-fields.ts';
import { asRecord, daysSchema, hhmm, USER_ID, userId } from './roster-fields.ts';

/**
 * The roster file's `supervisors.on_call` shifts and its `escalation:` block: their schemas, and the
 * checks on them that span the file (shifts held by supervisors, reminders before un-acknowledging).
 */

/** Bounds of the `escalation:` block, in rounds and minutes. */
export const ESCALATION_LIMITS = {
  rounds: 10,
  waitMinutes: MAX_THRESHOLD_MINUTES,
  reminderMinutes: 1440,
  unacknowledgeMinutes: 2880,
} as const;

/** The end of a shift: `HH:mm`, or `24:00` for the midnight that ends the day. */
const shiftEnd = z
  .string({ error: (iss) => (iss.input === undefined ? 'required' : 'expected HH:mm or 24:00') })
  .refine((value) => value === '24:00' || isHhMm(value), 'expected HH:mm or 24:00');

const isoDate = z
  .string({ error: (iss) => (iss.input === undefined ? 'required' : 'expected a date as YYYY-MM-DD') })
  .refine(isIsoDate, {
    error: (iss) =>
      typeof iss.input === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(iss.input)
        ? `${iss.input} is not a real date`
        : 'expected a date as YYYY-MM-DD',
  });

/** A weekly on-call shift: starts on each of `days` at `from`, ends at `to` (past midnight if `to <= from`). */
export interface RosterWeeklyShift {
  days: Weekday[];
  from: string;
  to: string;
  userId: string;
}

/** An on-call shift on one date; it wins over the weekly pattern for the time it covers. */
export interface RosterOverrideShift {
  date: string;
  from: string;
  to: string;
  userId: string;
}

export interface RosterOnCall {
  /** In file order; earlier entries win where shifts overlap. */
  weekly: RosterWeeklyShift[];
  overrides: RosterOverrideShift[];
}

const weeklyShiftSchema = z
  .strictObject({ days: daysSchema, from: hhmm, to: shiftEnd, user: userId })
  .transform((s): RosterWeeklyShift => ({ days: s.days, from: s.from, to: s.to, userId: s.user }));

const overrideShiftSchema = z
  .strictObject({ date: isoDate, from: hhmm, to: shiftEnd, user: userId })
  .transform((s): RosterOverrideShift => ({ date: s.date, from: s.from, to: s.to, userId: s.user }));

export const onCallSchema = z.strictObject({
  weekly: z.array(weeklyShiftSchema).default([]),
  overrides: z.array(overrideShiftSchema).default([]),
});

const minutesUpTo = (max: number) => z.number().int().min(1).max(max);
const wait = minutesUpTo(ESCALATION_LIMITS.waitMinutes).optional();
const reminder = minutesUpTo(ESCALATION_LIMITS.reminderMinutes).optional();
const unacknowledge = minutesUpTo(ESCALATION_LIMITS.unacknowledgeMinutes).optional();

/** The `escalation:` block: every key optional; what it leaves out comes from DEFAULT_CHAIN. */
export const escalationSchema = z
  .strictObject({
    rounds: z.number().int().min(1).max(ESCALATION_LIMITS.rounds).optional(),
    wait_minutes: z
      .strictObject({
        now_time_critical: wait,
        now: wait,
        today: wait,
        missed_visit: wait,
        unclaimed_popback: wait,
        uncovered_visit: wait,
      })
      .optional(),
    reminder_minutes: z.strictObject({ now: reminder, today: reminder }).optional(),
    unacknowledge_minutes: z.strictObject({ now: unacknowledge, today: unacknowledge }).optional(),
  })
  .transform((e): ChainOverrides => {
    const out: ChainOverrides = {};
    if (e.rounds !== undefined) out.rounds = e.rounds;
    const w = e.wait_minutes;
    if (w) {
      const waits: NonNullable<ChainOverrides['waits']> = {};
      if (w.now_time_critical !== undefined) waits.nowTimeCritical = w.now_time_critical;
      if (w.now !== undefined) waits.now = w.now;
      if (w.today !== undefined) waits.today = w.today;
      if (w.missed_visit !== undefined) waits.missedVisit = w.missed_visit;
      if (w.unclaimed_popback !== undefined) waits.unclaimedPopback = w.unclaimed_popback;
      if (w.uncovered_visit !== undefined) waits.uncoveredVisit = w.uncovered_visit;
      if (Object.keys(waits).length > 0) out.waits = waits;
    }
    for (const [from, to] of [
      ['reminder_minutes', 'reminder'],
      ['unacknowledge_minutes', 'unacknowledge'],
    ] as const) {
      const group = e[from];
      if (!group) continue;
      const picked: { now?: number; today?: number } = {};
      if (group.now !== undefined) picked.now = group.now;
      if (group.today !== undefined) picked.today = group.today;
      if (Object.keys(picked).length > 0) out[to] = picked;
    }
    return out;
  });

/** Every on-call shift has a length, and is held by one of the supervisors. */
export function checkOnCall(supervisors: Record<string, unknown> | undefined): Problem[] {
  const problems: Problem[] = [];
  const onCall = asRecord(supervisors?.on_call);
  if (!onCall) return problems;
  const members = Array.isArray(supervisors?.members) ? supervisors.members : undefined;
  for (const list of ['weekly', 'overrides'] as const) {
    const shifts = onCall[list];
    if (!Array.isArray(shifts)) continue;
    shifts.forEach((shiftValue, i) => {
      const shift = asRecord(shiftValue);
      if (!shift) return;
      const here: Path = ['supervisors', 'on_call', list, i];
      const { from, to, user } = shift;
      if (typeof from === 'string' && isHhMm(from) && from === to) {
        problems.push({
          path: [...here, 'to'],
          message: `a shift cannot end when it starts (${from}); a whole day is from "00:00" to "24:00"`,
        });
      }
      if (
        typeof user === 'string' &&
        USER_ID.test(user) &&
        members !== undefined &&
        !members.includes(user)
      ) {
        problems.push({ path: [...here, 'user'], message: `${user} is not one of supervisors.members` });
      }
    });
  }
  return problems;
}

/** An acknowledgement is withdrawn only after its reminder: unacknowledge_minutes > reminder_minutes. */
export function checkEscalation(escalation: Record<string, unknown> | undefined): Problem[] {
  const problems: Problem[] = [];
  if (!escalation) return problems;
  const reminders = asRecord(escalation.reminder_minutes);
  const unacks = asRecord(escalation.unacknowledge_minutes);
  const valid = (value: unknown, max: number): value is number =>
    typeof value === 'number' && Number.isInteger(value) && value >= 1 && value <= max;
  for (const urgency of ['now', 'today'] as const) {
    const setReminder = reminders?.[urgency];
    const setUnack = unacks?.[urgency];
    if (setReminder === undefined && setUnack === undefined) continue;
    const reminder = setReminder ?? DEFAULT_CHAIN.reminder[urgency];
    const unack = setUnack ?? DEFAULT_CHAIN.unacknowledge[urgency];
    if (!valid(reminder, ESCALATION_LIMITS.reminderMinutes)) continue;
    if (!valid(unack, ESCALATION_LIMITS.unacknowledgeMinutes)) continue;
    if (unack > reminder) continue;
    if (setUnack !== undefined) {
      const of = setReminder === undefined ? `${reminder} by default` : `${reminder}`;
      problems.push({
        path: ['escalation', 'unacknowledge_minutes', urgency],
        message: `must be greater than reminder_minutes.${urgency} (${of})`,
      });
    } else {
      problems.push({
        path: ['escalation', 'reminder_minutes', urgency],
        message: `must be less than unacknowledge_minutes.${urgency} (${unack} by default)`,
      });
    }
  }
  return problems;
}
