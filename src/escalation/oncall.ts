import type { Shift } from '../patches/model.ts';
import { addDays, localDate, localInstant, localTime, weekdayOf } from '../time.ts';

/**
 * Who is on call: the roster's weekly pattern plus dated overrides, in the provider's wall-clock time.
 * Pure: every instant is built with localInstant from a local date and time, never by adding hours, so
 * a shift from 00:00 to 24:00 is 23 hours long on the spring-forward day and 25 on the autumn one.
 *
 * A shift starts on its day (each listed weekday, or the override's date) at `from` and ends at `to`:
 * `24:00` is the midnight that ends the day, and a `to` at or before `from` is on the next day.
 * An override wins over every weekly shift for the instants it covers; among overlapping shifts of the
 * same kind the lower `position` (earlier in the roster) wins.
 */

export type { Shift } from '../patches/model.ts';

export interface ShiftWindow {
  userId: string;
  /** Inclusive. */
  start: number;
  /** Exclusive. */
  end: number;
  kind: Shift['kind'];
  position: number;
}

/** A stretch of time one person is on call (adjacent windows of the same person merged). */
export interface OnCallSegment {
  userId: string;
  start: number;
  end: number;
}

/** How far ahead onCallNext looks, in days. */
export const ON_CALL_LOOKAHEAD_DAYS = 14;

/** The instants a shift covers when it starts on `date`. */
function windowOn(shift: Shift, date: string, zone: string): ShiftWindow {
  const start = localInstant(date, shift.from, zone);
  const end =
    shift.to === '24:00'
      ? localInstant(addDays(date, 1), '00:00', zone)
      : shift.to <= shift.from
        ? localInstant(addDays(date, 1), shift.to, zone)
        : localInstant(date, shift.to, zone);
  return { userId: shift.userId, start, end, kind: shift.kind, position: shift.position };
}

/**
 * Every window of every shift that starts on a local date from `fromDate` to `toDate` (inclusive),
 * overlaps and all, by start (then overrides first, then position). Empty windows (a shift that falls
 * wholly in a spring-forward gap) are left out.
 */
export function shiftWindows(
  shifts: readonly Shift[],
  fromDate: string,
  toDate: string,
  zone: string,
): ShiftWindow[] {
  const out: ShiftWindow[] = [];
  for (let date = fromDate; date <= toDate; date = addDays(date, 1)) {
    const weekday = weekdayOf(date);
    for (const shift of shifts) {
      const starts = shift.kind === 'weekly' ? shift.days?.includes(weekday) === true : shift.date === date;
      if (!starts) continue;
      const window = windowOn(shift, date, zone);
      if (window.end > window.start) out.push(window);
    }
  }
  return out.sort((a, b) => a.start - b.start || rank(a) - rank(b));
}

/** Lower wins: overrides before weekly shifts, then by position. */
function rank(w: Pick<ShiftWindow, 'kind' | 'position'>): number {
  return (w.kind === 'override' ? 0 : 1e9) + w.position;
}

/** Who the windows put on call at `at`. */
function whoAt(windows: readonly ShiftWindow[], at: number): string | null {
  let best: ShiftWindow | undefined;
  for (const w of windows) {
    if (w.start <= at && at < w.end && (best === undefined || rank(w) < rank(best))) best = w;
  }
  return best?.userId ?? null;
}

/** Windows that can touch instants in [from, to]: shifts start at most a day before they cover. */
function windowsAround(shifts: readonly Shift[], from: number, to: number, zone: string): ShiftWindow[] {
  return shiftWindows(shifts, addDays(localDate(from, zone), -1), localDate(to, zone), zone);
}

/** The user on call at `at`, or null when the rota leaves that instant uncovered. */
export function onCallAt(shifts: readonly Shift[], at: number, zone: string): string | null {
  return whoAt(windowsAround(shifts, at, at, zone), at);
}

/**
 * Who is on call from `from` (inclusive) to `to` (exclusive), as consecutive segments; gaps nobody
 * covers are simply absent. Overrides and positions are applied.
 */
export function onCallBetween(
  shifts: readonly Shift[],
  from: number,
  to: number,
  zone: string,
): OnCallSegment[] {
  if (to <= from) return [];
  const windows = windowsAround(shifts, from, to, zone);
  const cuts = new Set<number>([from]);
  for (const w of windows) {
    if (w.start > from && w.start < to) cuts.add(w.start);
    if (w.end > from && w.end < to) cuts.add(w.end);
  }
  const points = [...cuts].sort((a, b) => a - b);
  const out: OnCallSegment[] = [];
  points.forEach((start, i) => {
    const end = points[i + 1] ?? to;
    const userId = whoAt(windows, start);
    if (userId === null) return;
    const last = out[out.length - 1];
    if (last && last.userId === userId && last.end === start) last.end = end;
    else out.push({ userId, start, end });
  });
  return out;
}

/**
 * The next time someone other than whoever is on call at `at` comes on (or, when nobody is on call at
 * `at`, the next time anyone does), looking up to 14 days ahead; null when the rota has nobody new.
 */
export function onCallNext(
  shifts: readonly Shift[],
  at: number,
  zone: string,
): { userId: string; from: number } | null {
  const horizon = localInstant(
    addDays(localDate(at, zone), ON_CALL_LOOKAHEAD_DAYS),
    localTime(at, zone),
    zone,
  );
  const current = onCallAt(shifts, at, zone);
  for (const segment of onCallBetween(shifts, at, horizon + 1, zone)) {
    if (segment.userId !== current && segment.start > at) {
      return { userId: segment.userId, from: segment.start };
    }
  }
  return null;
}
