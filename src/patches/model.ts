import { isHhMm, isIsoDate, localInstant, weekdayOf } from '../time.ts';

/**
 * Pure rules for patches, clients and fixed-visit plans: weekdays, thresholds and how the `settings`
 * JSON columns are shaped. No drizzle, no Slack, no clock.
 */

/** The provider's zone until a roster says otherwise. */
export const DEFAULT_TIMEZONE = 'Europe/London';

export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

export function isWeekday(value: string): value is Weekday {
  return (WEEKDAYS as readonly string[]).includes(value);
}

/** Weekdays in week order (mon … sun), duplicates folded. */
export function sortDays(days: Iterable<Weekday>): Weekday[] {
  const set = new Set(days);
  return WEEKDAYS.filter((day) => set.has(day));
}

/** `mon,wed,fri`: how plans store their days. */
export function formatDays(days: readonly Weekday[]): string {
  return sortDays(days).join(',');
}

/** Reads the stored `mon,wed,fri` form; anything unknown is ignored. */
export function parseDays(stored: string): Weekday[] {
  return sortDays(
    stored
      .split(',')
      .map((part) => part.trim())
      .filter(isWeekday),
  );
}

/**
 * Alert thresholds in minutes. Each level (provider, patch, plan) sets only what it overrides; the most
 * specific level that sets a key wins, and the defaults below fill the rest.
 */
export interface Thresholds {
  /** Minutes after a fixed visit's start with no check-in before it is late. */
  lateMinutes?: number;
  /** The same for time-critical visits (medication). */
  lateMinutesTimeCritical?: number;
  /** Minutes after the start before a visit is missed. Default: the shorter of half the visit and 30. */
  missedMinutes?: number;
  /** An ASAP pop-back unclaimed this long is re-announced / escalated. */
  popbackUnclaimedMinutes?: number;
  /** A timed pop-back still unclaimed this long before its time is re-announced / escalated. */
  popbackLeadMinutes?: number;
}

export const THRESHOLD_KEYS = [
  'lateMinutes',
  'lateMinutesTimeCritical',
  'missedMinutes',
  'popbackUnclaimedMinutes',
  'popbackLeadMinutes',
] as const satisfies readonly (keyof Thresholds)[];

export const DEFAULT_THRESHOLDS = {
  lateMinutes: 15,
  lateMinutesTimeCritical: 10,
  /** Upper bound of the default missed threshold (the other bound is half the visit). */
  missedMinutesCap: 30,
  popbackUnclaimedMinutes: 20,
  popbackLeadMinutes: 15,
} as const;

/** The largest threshold the roster accepts, in minutes. */
export const MAX_THRESHOLD_MINUTES = 240;

/** Only the keys that are set, in a fixed order, so equal thresholds serialise to equal JSON. */
export function canonicalThresholds(t: Thresholds): Thresholds {
  const out: Thresholds = {};
  for (const key of THRESHOLD_KEYS) {
    const value = t[key];
    if (value !== undefined) out[key] = value;
  }
  return out;
}

/** Merges levels from least to most specific (provider, patch, plan). */
export function mergeThresholds(...levels: readonly Thresholds[]): Thresholds {
  const out: Thresholds = {};
  for (const level of levels) {
    for (const key of THRESHOLD_KEYS) {
      const value = level[key];
      if (value !== undefined) out[key] = value;
    }
  }
  return out;
}

export interface VisitThresholds {
  lateMinutes: number;
  missedMinutes: number;
}

/**
 * The late and missed thresholds of one fixed visit, given the levels from least to most specific.
 * A time-critical visit is late at the stricter of `lateMinutesTimeCritical` and `lateMinutes`, so a
 * patch that tightens `lateMinutes` tightens its medication visits too, and never loosens them.
 */
export function visitThresholds(
  levels: readonly Thresholds[],
  visit: { minutes: number; timeCritical: boolean },
): VisitThresholds {
  const t = mergeThresholds(...levels);
  const late = t.lateMinutes ?? DEFAULT_THRESHOLDS.lateMinutes;
  const lateMinutes = visit.timeCritical
    ? Math.min(late, t.lateMinutesTimeCritical ?? DEFAULT_THRESHOLDS.lateMinutesTimeCritical)
    : late;
  const missedMinutes =
    t.missedMinutes ??
    Math.max(1, Math.min(Math.floor(visit.minutes / 2), DEFAULT_THRESHOLDS.missedMinutesCap));
  return { lateMinutes, missedMinutes };
}

export interface PopbackThresholds {
  unclaimedMinutes: number;
  leadMinutes: number;
}

export function popbackThresholds(levels: readonly Thresholds[]): PopbackThresholds {
  const t = mergeThresholds(...levels);
  return {
    unclaimedMinutes: t.popbackUnclaimedMinutes ?? DEFAULT_THRESHOLDS.popbackUnclaimedMinutes,
    leadMinutes: t.popbackLeadMinutes ?? DEFAULT_THRESHOLDS.popbackLeadMinutes,
  };
}

/**
 * The `settings` JSON columns (provider, patches, plans) hold `{ "thresholds": { … } }`, camelCase, only
 * the keys the roster sets; `{}` when it sets none. Other top-level keys are left to other capabilities
 * and survive an import.
 */
export function settingsWithThresholds(existingJson: string | undefined, thresholds: Thresholds): string {
  return settingsWith(existingJson, 'thresholds', canonicalThresholds(thresholds));
}

/**
 * The provider's `settings` also holds `"escalation": { … }`: the chain settings the roster sets,
 * camelCase (`rounds`, `waits`, `reminder`, `unacknowledge`), only the keys it sets; absent when it sets
 * none. The other keys (`thresholds`) are left where they are.
 */
export function settingsWithEscalation(existingJson: string | undefined, escalation: ChainOverrides): string {
  return settingsWith(existingJson, 'escalation', canonicalChain({ ...escalation }));
}

/** The provider's `settings` also holds `"cover": { "escalateMinutes": 60 }` when the roster sets it. */
export function settingsWithCover(
  existingJson: string | undefined,
  cover: { escalateMinutes?: number },
): string {
  return settingsWith(
    existingJson,
    'cover',
    cover.escalateMinutes === undefined ? {} : { escalateMinutes: cover.escalateMinutes },
  );
}

/** How long before an uncovered visit starts it goes to the supervisors (default 60 minutes). */
export const DEFAULT_COVER_ESCALATE_MINUTES = 60;

export function coverFromSettings(json: string): { escalateMinutes: number } {
  const raw = parseSettingsObject(json).cover;
  const value =
    typeof raw === 'object' && raw !== null ? (raw as Record<string, unknown>).escalateMinutes : undefined;
  return {
    escalateMinutes:
      typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= 720
        ? value
        : DEFAULT_COVER_ESCALATE_MINUTES,
  };
}

/**
 * `existingJson` with `key` set to `value`, or removed when `value` has no keys. The key keeps its place,
 * so an unchanged roster gives byte-identical JSON; a new key goes last.
 */
function settingsWith(existingJson: string | undefined, key: string, value: object): string {
  const base = existingJson === undefined ? {} : parseSettingsObject(existingJson);
  const hasValue = Object.keys(value).length > 0;
  const out: Record<string, unknown> = {};
  let placed = false;
  for (const [name, item] of Object.entries(base)) {
    if (name !== key) {
      out[name] = item;
    } else if (hasValue) {
      out[name] = value;
      placed = true;
    }
  }
  if (hasValue && !placed) out[key] = value;
  return JSON.stringify(out);
}

const CHAIN_GROUPS = {
  waits: ['nowTimeCritical', 'now', 'today', 'missedVisit', 'unclaimedPopback', 'uncoveredVisit'],
  reminder: ['now', 'today'],
  unacknowledge: ['now', 'today'],
} as const;

/** Only the keys that are set (positive whole numbers), in a fixed order; empty groups left out. */
function canonicalChain(source: Record<string, unknown>): ChainOverrides {
  const out: ChainOverrides = {};
  if (isPositiveInt(source.rounds)) out.rounds = source.rounds;
  for (const group of ['waits', 'reminder', 'unacknowledge'] as const) {
    const raw = source[group];
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) continue;
    const record = raw as Record<string, unknown>;
    const picked: Record<string, number> = {};
    for (const key of CHAIN_GROUPS[group]) {
      const value = record[key];
      if (isPositiveInt(value)) picked[key] = value;
    }
    if (Object.keys(picked).length > 0) out[group] = picked;
  }
  return out;
}

function isPositiveInt(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value > 0;
}

/** The chain settings in the provider's `settings` column; tolerant of missing or malformed values. */
export function escalationFromSettings(json: string): ChainOverrides {
  const raw = parseSettingsObject(json).escalation;
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return {};
  return canonicalChain(raw as Record<string, unknown>);
}

/** Thresholds from a `settings` column; tolerant of missing, malformed or out-of-range values. */
export function thresholdsFromSettings(json: string): Thresholds {
  const raw = parseSettingsObject(json).thresholds;
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return {};
  const record = raw as Record<string, unknown>;
  const out: Thresholds = {};
  for (const key of THRESHOLD_KEYS) {
    const value = record[key];
    if (typeof value === 'number' && Number.isInteger(value) && value > 0) out[key] = value;
  }
  return out;
}

function parseSettingsObject(json: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(json);
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : {};
  } catch {
    return {};
  }
}

/*
 * When a plan occurs. Clock changes follow `localInstant` (src/time.ts): a plan time in the spring-forward
 * gap moves forward by the gap (01:30 on 2026-03-29 in London is 02:30 BST), a time in the repeated hour
 * takes the first (BST) occurrence (01:30 on 2026-10-25 is 00:30Z). Every other time is the same
 * wall-clock time every day.
 */

/** What the rota needs of a fixed-visit plan. */
export interface PlanLike {
  id: number;
  /** Local wall-clock start, `HH:mm`, in the provider's zone. */
  at: string;
  days: readonly Weekday[];
}

/**
 * The planned start (UTC ms) of `plan` on the local date `date` (YYYY-MM-DD) in `zone`, or null when the
 * plan does not run on that weekday. Throws on a malformed date or time: a plan that cannot be placed
 * must be noticed, not silently dropped from a care rota.
 */
export function occurrenceOn(plan: PlanLike, date: string, zone: string): number | null {
  if (!isIsoDate(date)) throw new RangeError(`occurrenceOn: "${date}" is not a YYYY-MM-DD date`);
  if (!isHhMm(plan.at))
    throw new RangeError(`occurrenceOn: plan ${plan.id} has time "${plan.at}", not HH:mm`);
  if (!plan.days.includes(weekdayOf(date))) return null;
  return localInstant(date, plan.at, zone);
}

/** Every plan that runs on `date`, with its start, in time order (then plan id). */
export function occurrencesOn<P extends PlanLike>(
  plans: readonly P[],
  date: string,
  zone: string,
): Array<{ plan: P; date: string; startsAt: number }> {
  const out: Array<{ plan: P; date: string; startsAt: number }> = [];
  for (const plan of plans) {
    const startsAt = occurrenceOn(plan, date, zone);
    if (startsAt !== null) out.push({ plan, date, startsAt });
  }
  return out.sort((a, b) => a.startsAt - b.startsAt || a.plan.id - b.plan.id);
}

/** `/popback Mrs P` (or `/medissue Mrs P`) pre-selects the client whose name or code matches the text (case-insensitive). */
export function matchClient<T extends { id: number; name: string; code: string }>(
  clients: T[],
  text: string,
): T | undefined {
  const q = text.trim().toLowerCase();
  if (!q) return undefined;
  return (
    clients.find((c) => c.name.toLowerCase() === q || c.code.toLowerCase() === q) ??
    clients.find((c) => c.name.toLowerCase().startsWith(q))
  );
}

/*
 * The escalation chain's settings, as the roster sets them (the chain's rules are escalation/model.ts).
 */

/** Every duration in minutes. */
export interface ChainConfig {
  /** How long a step waits for an acknowledgement before the next step runs. */
  waits: {
    nowTimeCritical: number;
    now: number;
    today: number;
    missedVisit: number;
    unclaimedPopback: number;
    uncoveredVisit: number;
  };
  /** How many times the three steps run before the chain stops. */
  rounds: number;
  /** After an acknowledgement, remind the owner if the issue is not resolved. */
  reminder: { now: number; today: number };
  /** After an acknowledgement, un-acknowledge and re-escalate from the first step. */
  unacknowledge: { now: number; today: number };
}

export const DEFAULT_CHAIN: ChainConfig = {
  waits: {
    nowTimeCritical: 5,
    now: 10,
    today: 30,
    missedVisit: 10,
    unclaimedPopback: 15,
    uncoveredVisit: 10,
  },
  rounds: 3,
  reminder: { now: 30, today: 120 },
  unacknowledge: { now: 60, today: 240 },
};

/** What a roster (or `provider.settings.escalation`) sets: any subset of a ChainConfig. */
export interface ChainOverrides {
  rounds?: number;
  waits?: Partial<ChainConfig['waits']>;
  reminder?: Partial<ChainConfig['reminder']>;
  unacknowledge?: Partial<ChainConfig['unacknowledge']>;
}

/** `base` (DEFAULT_CHAIN unless given) with every key `overrides` sets replaced. A fresh object. */
export function mergeChain(overrides: ChainOverrides, base: ChainConfig = DEFAULT_CHAIN): ChainConfig {
  return {
    waits: { ...base.waits, ...overrides.waits },
    rounds: overrides.rounds ?? base.rounds,
    reminder: { ...base.reminder, ...overrides.reminder },
    unacknowledge: { ...base.unacknowledge, ...overrides.unacknowledge },
  };
}

/** A shift of the on-call rota, as the roster sets it (who is on call when: escalation/oncall.ts). */
export interface Shift {
  kind: 'weekly' | 'override';
  /** Weekly: the weekdays the shift starts on. */
  days?: readonly Weekday[];
  /** Override: the local date the shift starts on. */
  date?: string;
  /** Local `HH:mm`. */
  from: string;
  /** Local `HH:mm`, or `24:00`. */
  to: string;
  userId: string;
  position: number;
}
