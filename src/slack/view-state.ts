import { z } from 'zod';

/**
 * Reads a submitted modal's `view.state.values` (Slack's shape: block_id → action_id → element state).
 * Each reader returns null for an empty or malformed field, so validation can answer on that field.
 */

const ElementState = z.looseObject({
  type: z.string(),
  value: z.string().nullish(),
  selected_option: z.looseObject({ value: z.string() }).nullish(),
  selected_options: z.array(z.looseObject({ value: z.string() })).nullish(),
  selected_time: z.string().nullish(),
  selected_user: z.string().nullish(),
  selected_users: z.array(z.string()).nullish(),
  selected_date: z.string().nullish(),
  selected_date_time: z.number().nullish(),
});
export const StateValues = z.record(z.string(), z.record(z.string(), ElementState));
export type StateValues = z.infer<typeof StateValues>;

export class ViewState {
  constructor(
    private readonly values: StateValues,
    private readonly actionId: string,
  ) {}

  static parse(raw: unknown, actionId: string): ViewState {
    const parsed = StateValues.safeParse(raw);
    return new ViewState(parsed.success ? parsed.data : {}, actionId);
  }

  /**
   * The state of a submitted view. Bolt's types promise `view.state.values`, but a forged request
   * may carry no state at all (or `null`): that reads as an empty form, answered on its fields,
   * instead of a TypeError before ack() that leaves the request unanswered.
   */
  static of(view: unknown, actionId: string): ViewState {
    const state = (view as { state?: { values?: unknown } | null } | null | undefined)?.state;
    return ViewState.parse(state?.values, actionId);
  }

  private el(block: string) {
    return this.values[block]?.[this.actionId];
  }

  text(block: string): string {
    return this.el(block)?.value ?? '';
  }

  option(block: string): string | null {
    return this.el(block)?.selected_option?.value ?? null;
  }

  options(block: string): string[] {
    return (this.el(block)?.selected_options ?? []).map((o) => o.value);
  }

  time(block: string): string | null {
    return this.el(block)?.selected_time ?? null;
  }

  user(block: string): string | null {
    return this.el(block)?.selected_user ?? null;
  }

  /** A multi users select's people (empty when none, or malformed). */
  users(block: string): string[] {
    return this.el(block)?.selected_users ?? [];
  }

  date(block: string): string | null {
    return this.el(block)?.selected_date ?? null;
  }

  /** A datetimepicker's choice as epoch ms (Slack sends whole seconds), or null. */
  dateTime(block: string): number | null {
    const seconds = this.el(block)?.selected_date_time;
    return typeof seconds === 'number' && Number.isSafeInteger(seconds) && seconds > 0
      ? seconds * 1000
      : null;
  }
}

/** A whole positive number from a select's value, or null. */
export function idOf(value: string | null | undefined): number | null {
  if (!value || !/^\d{1,12}$/.test(value)) return null;
  const n = Number(value);
  return n > 0 ? n : null;
}

/** A modal's `private_metadata`, checked against what we put there; null when it is not that. */
export function parseMetadata<T>(schema: z.ZodType<T>, text: string): T | null {
  try {
    const parsed = schema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}
