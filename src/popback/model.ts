import { normalizeText, textProblem } from '../text.ts';
import { addDays, isHhMm, localDate, localInstant, MINUTE } from '../time.ts';
import type { FlexKind, Urgency } from '../visits/model.ts';

/** Pop-back requests: what the modal asks, and the rules for a valid request. Pure. */

export {
  FLEX_KINDS,
  type FlexKind,
  KIND_LABEL,
  URGENCY_LABEL,
  URGENCY_VALUES,
  type Urgency,
} from '../visits/model.ts';

export const REASON_MAX = 300;

/** What the modal hands over, already read from Slack's view state. */
export interface PopbackForm {
  clientId: number | null;
  kind: FlexKind | null;
  otherClientIds: number[];
  reason: string;
  urgency: Urgency | null;
  byTime: string | null;
  carers: number | null;
}

export interface PopbackRequest {
  kind: FlexKind;
  clientIds: number[];
  reason: string;
  urgency: Urgency;
  /** The instant it is wanted by: asap → now, hour → now + 1 h, by → that time, today → end of the day. */
  dueAt: number;
  carers: number;
}

/** Field errors keyed by the modal's block ids. */
export type FieldErrors = Partial<
  Record<'client' | 'kind' | 'others' | 'reason' | 'soon' | 'by_time' | 'carers', string>
>;

export function validatePopback(
  form: PopbackForm,
  ctx: { now: number; zone: string; clientIds: ReadonlySet<number> },
): { ok: true; request: PopbackRequest } | { ok: false; errors: FieldErrors } {
  const errors: FieldErrors = {};
  if (form.clientId === null) errors.client = 'Choose the client.';
  else if (!ctx.clientIds.has(form.clientId))
    errors.client = 'That client is no longer in this patch. Choose another.';
  if (form.kind === null) errors.kind = 'Choose what kind of visit.';
  const others = [...new Set(form.otherClientIds)].filter((id) => id !== form.clientId);
  if (others.some((id) => !ctx.clientIds.has(id)))
    errors.others = 'One of these clients is no longer in this patch.';
  if (form.kind === 'social' && others.length === 0) {
    errors.others = 'A social visit brings two or more clients together: add at least one more.';
  }
  const reason = normalizeText(form.reason.trim());
  const dirty = textProblem(reason, { emoji: true });
  if (reason === '') errors.reason = 'Say briefly what it is for.';
  else if (reason.length > REASON_MAX)
    errors.reason = `Keep it under ${REASON_MAX} characters (it is ${reason.length}).`;
  else if (dirty) errors.reason = `The reason ${dirty}: please type it again.`;
  if (form.urgency === null) errors.soon = 'Choose how soon.';
  let dueAt = ctx.now;
  if (form.urgency === 'hour') dueAt = ctx.now + 60 * MINUTE;
  if (form.urgency === 'today') dueAt = endOfLocalDay(ctx.now, ctx.zone);
  if (form.urgency === 'by') {
    if (!form.byTime || !isHhMm(form.byTime)) errors.by_time = 'Pick the time it is needed by.';
    else {
      dueAt = localInstant(localDate(ctx.now, ctx.zone), form.byTime, ctx.zone);
      if (dueAt <= ctx.now) errors.by_time = `${form.byTime} has already passed today. Pick a later time.`;
    }
  }
  if (form.carers !== 1 && form.carers !== 2) errors.carers = 'Choose 1 or 2 carers.';
  if (Object.keys(errors).length > 0) return { ok: false, errors };
  return {
    ok: true,
    request: {
      kind: form.kind as FlexKind,
      clientIds: form.kind === 'social' ? [form.clientId as number, ...others] : [form.clientId as number],
      reason,
      urgency: form.urgency as Urgency,
      dueAt,
      carers: form.carers as number,
    },
  };
}

export function endOfLocalDay(now: number, zone: string): number {
  return localInstant(addDays(localDate(now, zone), 1), '00:00', zone) - 1;
}

export { matchClient } from '../patches/model.ts';
