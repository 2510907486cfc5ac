import { z } from 'zod';
import { normalizeText, printable, textProblem } from '../text.ts';
import { isHhMm } from '../time.ts';
import {
  isWeekday,
  MAX_THRESHOLD_MINUTES,
  sortDays,
  type Thresholds,
  WEEKDAYS,
  type Weekday,
} from './model.ts';

/**
 * Small schemas and helpers the roster file's parts share: Slack ids, `HH:mm`, day sets, thresholds.
 * Kept apart from roster.ts so roster-supervisors.ts and roster-errors.ts can use them without an
 * import cycle.
 */

/** Where a problem is in the file, e.g. `['patches', 1, 'clients', 0, 'name']`. */
export type Path = readonly (string | number)[];

export interface Problem {
  path: Path;
  message: string;
}

export const USER_ID = /^[UW][A-Z0-9]{2,}$/;
const CHANNEL_ID = /^[CG][A-Z0-9]{2,}$/;

export const DEFAULT_MAX_CLIENTS = 10;

export const userId = z.string().regex(USER_ID, 'expected a Slack user id like U0123ABCD');

/** `channel: new`: the bot makes the patch's channel itself (and `roster export` writes its id back). */
export const NEW_CHANNEL = 'new';

/** A delegated health task's code, e.g. `insulin`, `eye_drops`. */
export const TASK_CODE = /^[a-z][a-z0-9_-]{0,29}$/;
export const taskCode = z
  .string()
  .regex(TASK_CODE, 'expected a task code: lower-case letters, digits, - or _ (e.g. insulin)');

export const channelId = z.string().regex(CHANNEL_ID, {
  error: (iss) =>
    typeof iss.input === 'string' && iss.input.startsWith('#')
      ? 'expected a Slack channel id like C0123ABCD, not a channel name'
      : 'expected a Slack channel id like C0123ABCD',
});

/** A list of Slack user ids; repeats are folded. */
export const userIds = z.array(userId).transform((ids) => [...new Set(ids)]);

/**
 * Free text shown in Slack (a patch's or client's name, a visit's purpose): trimmed, 1 to `max`
 * characters, one line, nothing invisible, no control characters, no trace of bad UTF-8 (see
 * src/text.ts); stored in NFC.
 */
export const oneLineText = (max: number) =>
  z
    .string()
    .trim()
    .min(1)
    .max(max)
    .superRefine((value, ctx) => {
      const problem = textProblem(value);
      if (problem !== null) ctx.addIssue({ code: 'custom', message: problem, input: value });
    })
    .transform(normalizeText);

export const hhmm = z
  .string({ error: (iss) => (iss.input === undefined ? 'required' : 'expected HH:mm') })
  .refine(isHhMm, 'expected HH:mm');

const threshold = z.number().int().min(1).max(MAX_THRESHOLD_MINUTES);

export const thresholdsSchema = z
  .strictObject({
    late_minutes: threshold.optional(),
    late_minutes_time_critical: threshold.optional(),
    missed_minutes: threshold.optional(),
    popback_unclaimed_minutes: threshold.optional(),
    popback_lead_minutes: threshold.optional(),
  })
  .transform((t): Thresholds => {
    const out: Thresholds = {};
    if (t.late_minutes !== undefined) out.lateMinutes = t.late_minutes;
    if (t.late_minutes_time_critical !== undefined)
      out.lateMinutesTimeCritical = t.late_minutes_time_critical;
    if (t.missed_minutes !== undefined) out.missedMinutes = t.missed_minutes;
    if (t.popback_unclaimed_minutes !== undefined) out.popbackUnclaimedMinutes = t.popback_unclaimed_minutes;
    if (t.popback_lead_minutes !== undefined) out.popbackLeadMinutes = t.popback_lead_minutes;
    return out;
  });

const DAY_SETS: Record<string, readonly Weekday[]> = {
  daily: WEEKDAYS,
  weekdays: ['mon', 'tue', 'wed', 'thu', 'fri'],
  weekends: ['sat', 'sun'],
};

/**
 * `daily`, `weekdays`, `weekends`, or weekday names (mon … sun, any case) as a list or a comma-separated
 * string. Duplicates fold; the result is in week order.
 */
export const daysSchema = z.unknown().transform((value, ctx): Weekday[] => {
  let names: string[];
  if (typeof value === 'string') {
    const set = DAY_SETS[value.trim().toLowerCase()];
    if (set) return [...set];
    names = value.split(/[\s,]+/).filter((part) => part !== '');
  } else if (Array.isArray(value) && value.every((item) => typeof item === 'string')) {
    names = value;
  } else {
    ctx.issues.push({
      code: 'custom',
      message: 'expected daily, weekdays, weekends or a list of weekdays such as [mon, wed, fri]',
      input: value,
    });
    return z.NEVER;
  }
  if (names.length === 0) {
    ctx.issues.push({ code: 'custom', message: 'must name at least one weekday', input: value });
    return z.NEVER;
  }
  const days: Weekday[] = [];
  let ok = true;
  for (const name of names) {
    const day = name.trim().toLowerCase();
    if (isWeekday(day)) {
      days.push(day);
    } else {
      ok = false;
      ctx.issues.push({ code: 'custom', message: `unknown weekday "${printable(name)}"`, input: value });
    }
  }
  return ok ? sortDays(days) : z.NEVER;
});

/** The value as a plain mapping, or undefined for anything else (lists included). */
export function asRecord(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}
