import { normalizeText, textProblem } from '../text.ts';
import { addDays, dayjs, localDate, localInstant, localTime, MINUTE } from '../time.ts';

/**
 * Cover when a carer is off: the pure rules. What the `/cover` form accepts, when an uncovered visit
 * goes to the supervisors, and who may take, be given or withdraw a visit of a cover request. No Slack,
 * no SQL, no clock: the caller passes the facts and `now`.
 *
 * A request is one person's period ("I can't work from … to …"); each of their fixed visits in it is an
 * item, open until `slots` people (the visit's `carers_needed`) have taken it. The first taker becomes
 * the visit's assignee (through the visits hub); a second taker of a two-carer visit goes with them and
 * is recorded on the item only.
 */

/** The note goes to the supervisors only, and no further than an escalation's note. */
export const NOTE_MAX = 500;
/** Cover is asked for at most this many days ahead: a longer absence is the office's to plan. */
export const MAX_AHEAD_DAYS = 14;
/** "From" may lie this far in the past: the form was opened a few minutes before it was sent. */
export const PAST_GRACE_MINUTES = 15;

export type ItemStatus = 'open' | 'covered' | 'withdrawn' | 'cancelled';

/** `Mon 23 Nov 06:40`, in the provider's zone. */
export function dayAndTime(ms: number, zone: string): string {
  return `${dayjs(ms).tz(zone).format('ddd D MMM')} ${localTime(ms, zone)}`;
}

/** `Mon 23 Nov 06:40 – 23:59`, or across days `Mon 23 Nov 18:00 – Tue 24 Nov 12:00`. */
export function periodText(fromAt: number, toAt: number, zone: string): string {
  const sameDay = localDate(fromAt, zone) === localDate(toAt, zone);
  return `${dayAndTime(fromAt, zone)} – ${sameDay ? localTime(toAt, zone) : dayAndTime(toAt, zone)}`;
}

/**
 * What the form shows at first: from now (to the minute) to the end of today, local. On the day the
 * clocks change, "the end of today" is still 23:59 on the wall clock.
 */
export function defaultPeriod(now: number, zone: string): { fromAt: number; toAt: number } {
  const fromAt = Math.floor(now / MINUTE) * MINUTE;
  const toAt = localInstant(localDate(now, zone), '23:59', zone);
  return { fromAt, toAt: Math.max(toAt, fromAt + MINUTE) };
}

export interface CoverForm {
  fromAt: number | null;
  toAt: number | null;
  note: string;
}

export interface CoverPeriod {
  fromAt: number;
  toAt: number;
  /** NFC, trimmed; null when empty. Never logged, never shown in a patch channel. */
  note: string | null;
}

/** Field errors keyed by the modal's block ids. */
export type CoverFieldErrors = Partial<Record<'start' | 'until' | 'note', string>>;

/**
 * The form's rules: both times given; "from" not more than 15 minutes ago; "to" after "from" and still
 * ahead; "to" at most 14 days from now; the note one of ours (no control or invisible characters), at
 * most 500 characters. Each problem is answered on its field.
 */
export function validateCover(
  form: CoverForm,
  ctx: { now: number; zone: string },
): { ok: true; period: CoverPeriod } | { ok: false; errors: CoverFieldErrors } {
  const errors: CoverFieldErrors = {};
  const when = (ms: number) => dayAndTime(ms, ctx.zone);
  const { fromAt, toAt } = form;
  if (fromAt === null) errors.start = 'Pick when you can’t work from.';
  else if (fromAt < ctx.now - PAST_GRACE_MINUTES * MINUTE)
    errors.start = `${when(fromAt)} is in the past. Start from now (${localTime(ctx.now, ctx.zone)}) or later.`;
  if (toAt === null) errors.until = 'Pick when you can work again.';
  else if (toAt <= ctx.now) errors.until = `${when(toAt)} has already passed. Pick a later time.`;
  else if (fromAt !== null && toAt <= fromAt) errors.until = 'Pick a time after the start.';
  else if (toAt > ctx.now + MAX_AHEAD_DAYS * 24 * 60 * MINUTE) {
    const last = addDays(localDate(ctx.now, ctx.zone), MAX_AHEAD_DAYS);
    errors.until = `Cover can be asked for up to ${MAX_AHEAD_DAYS} days ahead (until ${dayjs.utc(last, 'YYYY-MM-DD').format('ddd D MMM')}). For a longer absence, talk to your supervisor.`;
  }
  const note = normalizeText(form.note.trim());
  const dirty = textProblem(note, { multiline: true, emoji: true });
  if (note.length > NOTE_MAX) errors.note = `Keep the note to ${NOTE_MAX} characters (it is ${note.length}).`;
  else if (dirty) errors.note = `This note ${dirty}: please type it again.`;
  if (Object.keys(errors).length > 0 || fromAt === null || toAt === null) return { ok: false, errors };
  return { ok: true, period: { fromAt, toAt, note: note === '' ? null : note } };
}

/** Whether a visit starting at `startsAt` falls in a request's period (both ends included). */
export const inPeriod = (startsAt: number, r: { fromAt: number; toAt: number }): boolean =>
  startsAt >= r.fromAt && startsAt <= r.toAt;

/**
 * When an item still open goes to the supervisors: `escalateMinutes` real minutes before the visit
 * starts (a duration, so on the day the clocks change it is still that many minutes). A request posted
 * later than that goes to them at once.
 */
export function escalateAt(startsAt: number, escalateMinutes: number): number {
  return startsAt - escalateMinutes * MINUTE;
}

/** What a take, an assignment or a withdrawal needs to know of an item. */
export interface ItemFacts {
  status: ItemStatus;
  slots: number;
  /** Who has taken it, in order: the first is the visit's lead. */
  takers: string[];
  requester: string;
  /** Who withdrew the request, when it was withdrawn. */
  withdrawnBy: string | null;
}

export type CoverRefusal =
  | { reason: 'not_team' }
  | { reason: 'not_manager' }
  | { reason: 'requester' }
  | { reason: 'is_requester'; who: string }
  | { reason: 'not_assistant'; who: string }
  | { reason: 'already_yours' }
  | { reason: 'already_theirs'; who: string }
  | { reason: 'full'; takers: string[] }
  | { reason: 'withdrawn'; by: string | null; requester: string }
  | { reason: 'cancelled' }
  | { reason: 'off_too' }
  | { reason: 'not_requester'; requester: string }
  | { reason: 'gone' }
  | { reason: 'wrong_card' }
  /** The visits hub (or a rule added to it) refused: its own words. */
  | { reason: 'hub'; text: string };

/** `lead`: the first taker, who becomes the visit's assignee; otherwise a further carer on it. */
export type TakeDecision = { ok: true; lead: boolean } | { ok: false; refusal: CoverRefusal };

function closedRefusal(item: ItemFacts): CoverRefusal | null {
  if (item.status === 'withdrawn')
    return { reason: 'withdrawn', by: item.withdrawnBy, requester: item.requester };
  if (item.status === 'cancelled') return { reason: 'cancelled' };
  if (item.status === 'covered' || item.takers.length >= item.slots)
    return { reason: 'full', takers: item.takers };
  return null;
}

/**
 * **I'll take it**: anyone in the patch's team except the person who asked, once per item, while a slot
 * is free. `offToo`: the taker asked for cover themselves at the visit's time.
 */
export function decideTake(
  item: ItemFacts,
  actor: { userId: string; team: boolean },
  offToo: boolean,
): TakeDecision {
  if (!actor.team) return { ok: false, refusal: { reason: 'not_team' } };
  if (actor.userId === item.requester) return { ok: false, refusal: { reason: 'requester' } };
  if (item.takers.includes(actor.userId) && item.status !== 'withdrawn' && item.status !== 'cancelled')
    return { ok: false, refusal: { reason: 'already_yours' } };
  const closed = closedRefusal(item);
  if (closed) return { ok: false, refusal: closed };
  if (offToo) return { ok: false, refusal: { reason: 'off_too' } };
  return { ok: true, lead: item.takers.length === 0 };
}

/**
 * **Assign…**: a supervisor or admin gives an open item to one of the patch's assistants (not the person
 * who asked, not someone who already has it). It fills the lead if nobody has taken it, else a further slot.
 */
export function decideAssign(
  item: ItemFacts,
  actor: { manager: boolean },
  to: { userId: string; assistant: boolean },
): TakeDecision {
  if (!actor.manager) return { ok: false, refusal: { reason: 'not_manager' } };
  if (!to.assistant) return { ok: false, refusal: { reason: 'not_assistant', who: to.userId } };
  if (to.userId === item.requester) return { ok: false, refusal: { reason: 'is_requester', who: to.userId } };
  if (item.takers.includes(to.userId) && item.status === 'open')
    return { ok: false, refusal: { reason: 'already_theirs', who: to.userId } };
  const closed = closedRefusal(item);
  if (closed) return { ok: false, refusal: closed };
  return { ok: true, lead: item.takers.length === 0 };
}

/** **Withdraw**: the person who asked, or a supervisor or admin, while the request stands. */
export function decideWithdraw(
  r: { requester: string; withdrawnAt: number | null; withdrawnBy: string | null },
  actor: { userId: string; manager: boolean },
): { ok: true } | { ok: false; refusal: CoverRefusal } {
  if (actor.userId !== r.requester && !actor.manager)
    return { ok: false, refusal: { reason: 'not_requester', requester: r.requester } };
  if (r.withdrawnAt !== null)
    return { ok: false, refusal: { reason: 'withdrawn', by: r.withdrawnBy, requester: r.requester } };
  return { ok: true };
}

/** Whether an item is covered once `takes` people have it. */
export const isCovered = (slots: number, takes: number): boolean => takes >= slots;

/** "1 of 2 taken". */
export const slotsText = (takes: number, slots: number): string => `${takes} of ${slots} taken`;

const mention = (u: string) => `<@${u}>`;
const mentions = (us: readonly string[]) => us.map(mention).join(' and ');

/** The private answer for a refusal: plain words, naming who has it where that helps. */
export function describeCoverRefusal(r: CoverRefusal): string {
  switch (r.reason) {
    case 'not_team':
      return "You are not in this patch's team, so you can't take its visits. Ask a supervisor if that's wrong.";
    case 'not_manager':
      return 'Only a supervisor or an admin can give a visit to someone.';
    case 'requester':
      return 'You asked for cover for this visit. If you can go after all, press Withdraw.';
    case 'is_requester':
      return `${mention(r.who)} asked for cover for this visit, so it can't be given back to them here. If they can go after all, press Withdraw.`;
    case 'not_assistant':
      return `${mention(r.who)} is not one of this patch's assistants.`;
    case 'already_yours':
      return 'You already took this visit.';
    case 'already_theirs':
      return `${mention(r.who)} already has this visit.`;
    case 'full':
      return r.takers.length === 0
        ? 'This visit is already covered.'
        : `${mentions(r.takers)} already ${r.takers.length > 1 ? 'have' : 'has'} this visit.`;
    case 'withdrawn':
      return `This cover request was withdrawn${r.by ? ` by ${mention(r.by)}` : ''}: ${mention(r.requester)} can go after all.`;
    case 'cancelled':
      return 'This visit no longer needs cover: it was called off, marked not needed, or someone is already there.';
    case 'off_too':
      return 'You asked for cover yourself at that time, so you can’t take this visit.';
    case 'not_requester':
      return `Only ${mention(r.requester)} (who asked for cover), a supervisor or an admin can withdraw it.`;
    case 'gone':
      return 'This cover request no longer exists.';
    case 'wrong_card':
      return 'That button does not fit this card. Use the cover card in the patch channel.';
    case 'hub':
      return r.text;
  }
}
