import { addDays, dayjs, isIsoDate, localInstant } from '../time.ts';

/**
 * Competencies for delegated health tasks: the pure rules. A supervisor signs a care assistant off for
 * a task (insulin, eye drops…) until a local date, inclusive; a visit that needs tasks may only be
 * given to someone signed off for each of them on the visit's own local date. No SQL, no Slack.
 */

/** A sign-off as the rules need it. */
export interface SignoffFacts {
  id: number;
  taskCode: string;
  /** Local date of the last day it is valid (inclusive). */
  expiresOn: string;
  signedAt: number;
  withdrawnAt: number | null;
  withdrawnBy: string | null;
}

/** Why someone may not do a task on a date. */
export type MissingWhy =
  | { why: 'never' }
  | { why: 'expired'; expiredOn: string }
  | { why: 'withdrawn'; by: string | null };

export type MissingSignoff = { code: string; name: string } & MissingWhy;

/** How far ahead a sign-off may run: reassessment at least every three years. */
export const MAX_YEARS = 3;
/** The expiry a new sign-off is offered: a year from today (the usual yearly reassessment). */
export const DEFAULT_YEARS = 1;
/** The assistant and the supervisors are reminded this many days before the last valid day. */
export const REMIND_DAYS = 14;
/**
 * When the daily checks run (local): reminders, and the visits whose carer is not signed off. A visit
 * is watched from this time on the day before it until it starts.
 */
export const CHECK_AT = '09:00';

/** The task codes a visit stores (`insulin,eye_drops`), as a list. */
export function taskCodes(stored: string): string[] {
  return stored
    .split(',')
    .map((c) => c.trim())
    .filter((c) => c !== '');
}

/** Whether a sign-off lets its holder do its task on `date` (a local date): not withdrawn, not past its last day. */
export function validOn(s: Pick<SignoffFacts, 'expiresOn' | 'withdrawnAt'>, date: string): boolean {
  return s.withdrawnAt === null && s.expiresOn >= date;
}

/**
 * Which of `codes` the holder of `signoffs` may not do on `date`, and why: never signed off, the last
 * sign-off expired, or it was withdrawn. In the order of `codes`, each once.
 */
export function missingOn(
  signoffs: readonly SignoffFacts[],
  codes: readonly string[],
  date: string,
  names: ReadonlyMap<string, string>,
): MissingSignoff[] {
  const out: MissingSignoff[] = [];
  for (const code of new Set(codes)) {
    const mine = signoffs.filter((s) => s.taskCode === code);
    if (mine.some((s) => validOn(s, date))) continue;
    const name = names.get(code) ?? code;
    const latest = [...mine].sort((a, b) => b.signedAt - a.signedAt || b.id - a.id)[0];
    if (!latest) out.push({ code, name, why: 'never' });
    else if (latest.withdrawnAt !== null) out.push({ code, name, why: 'withdrawn', by: latest.withdrawnBy });
    else out.push({ code, name, why: 'expired', expiredOn: latest.expiresOn });
  }
  return out;
}

/** The sign-offs to show for a person: per task, the newest that is not withdrawn (valid or expired). */
export function currentSignoffs<T extends SignoffFacts>(signoffs: readonly T[]): T[] {
  const byTask = new Map<string, T>();
  for (const s of signoffs) {
    if (s.withdrawnAt !== null) continue;
    const seen = byTask.get(s.taskCode);
    if (!seen || s.signedAt > seen.signedAt || (s.signedAt === seen.signedAt && s.id > seen.id))
      byTask.set(s.taskCode, s);
  }
  return [...byTask.values()];
}

/** The last date a new sign-off may run to, from `today`. */
export function latestExpiry(today: string): string {
  return dayjs.utc(today, 'YYYY-MM-DD').add(MAX_YEARS, 'year').format('YYYY-MM-DD');
}

/** The expiry the form offers, from `today`. */
export function defaultExpiry(today: string): string {
  return dayjs.utc(today, 'YYYY-MM-DD').add(DEFAULT_YEARS, 'year').format('YYYY-MM-DD');
}

export type SignoffForm = { taskCode: string | null; expiresOn: string | null };
export type SignoffErrors = Partial<Record<'task' | 'expires', string>>;

/** Checks a sign-off form: a task from the list, and a last day after today and within three years. */
export function validateSignoff(
  form: SignoffForm,
  ctx: { today: string; tasks: ReadonlyMap<string, string> },
): { ok: true; taskCode: string; expiresOn: string } | { ok: false; errors: SignoffErrors } {
  const errors: SignoffErrors = {};
  if (form.taskCode === null) errors.task = 'Choose the task.';
  else if (!ctx.tasks.has(form.taskCode))
    errors.task = 'That task is no longer in the set-up. Choose another.';
  const latest = latestExpiry(ctx.today);
  if (form.expiresOn === null || !isIsoDate(form.expiresOn))
    errors.expires = 'Pick the last day it is valid.';
  else if (form.expiresOn <= ctx.today) errors.expires = 'Pick a day after today.';
  else if (form.expiresOn > latest)
    errors.expires = `At most ${MAX_YEARS} years ahead: pick ${dayWords(latest)} or earlier.`;
  if (Object.keys(errors).length > 0) return { ok: false, errors };
  return { ok: true, taskCode: form.taskCode as string, expiresOn: form.expiresOn as string };
}

/** Whether the reminder of a sign-off whose last day is `expiresOn` is due on `today`. */
export function reminderDue(expiresOn: string, today: string): boolean {
  return expiresOn >= today && addDays(expiresOn, -REMIND_DAYS) <= today;
}

/** The first daily check strictly after `now` (today's, or else tomorrow's), local time. */
export function nextCheckAfter(now: number, today: string, zone: string): number {
  const todays = localInstant(today, CHECK_AT, zone);
  return now < todays ? todays : localInstant(addDays(today, 1), CHECK_AT, zone);
}

/**
 * Whether a visit on local `date` starting at `startsAt` is watched at `now`: from the daily check on
 * the day before until it starts.
 */
export function watched(date: string, startsAt: number, now: number, zone: string): boolean {
  return startsAt > now && now >= localInstant(addDays(date, -1), CHECK_AT, zone);
}

const MENTION = /^<@([UW][A-Z0-9]{2,20})(?:\|[^<>]{0,80})?>$/;

/**
 * `/competence` text: nothing, one @-mention (Slack sends `<@U123|name>` when the command escapes
 * names, `<@U123>` otherwise), or something else.
 */
export function parseCompetenceArgs(
  text: string,
): { kind: 'none' } | { kind: 'user'; userId: string } | { kind: 'bad' } {
  const t = text.trim();
  if (t === '') return { kind: 'none' };
  const m = MENTION.exec(t);
  return m?.[1] ? { kind: 'user', userId: m[1] } : { kind: 'bad' };
}

/** "Mon 22 Nov 2027". */
export function dayWords(date: string): string {
  return dayjs.utc(date, 'YYYY-MM-DD').format('ddd D MMM YYYY');
}
