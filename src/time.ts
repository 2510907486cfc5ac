import dayjs from 'dayjs';
import customParseFormat from 'dayjs/plugin/customParseFormat.js';
import timezone from 'dayjs/plugin/timezone.js';
import utc from 'dayjs/plugin/utc.js';

/** The one place that configures dayjs. Every other file imports dayjs from here. */
dayjs.extend(utc);
dayjs.extend(timezone);
dayjs.extend(customParseFormat);

export type { Dayjs } from 'dayjs';
export { dayjs };

/** Where "now" comes from. Instants are UTC epoch milliseconds everywhere. */
export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/** A clock tests and the demo move by hand. */
export class ManualClock implements Clock {
  constructor(private ms: number) {}
  now(): number {
    return this.ms;
  }
  set(ms: number): void {
    this.ms = ms;
  }
  advance(ms: number): void {
    this.ms += ms;
  }
}

export const MINUTE = 60_000;

/**
 * One formatter per zone, kept: building an Intl.DateTimeFormat is slow, and the jobs ask for wall-clock
 * parts thousands of times a tick.
 */
const formatters = new Map<string, Intl.DateTimeFormat>();
function wallParts(
  ms: number,
  zone: string,
): Record<'year' | 'month' | 'day' | 'hour' | 'minute' | 'second', number> {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(zone, f);
  }
  const out = { year: 0, month: 0, day: 0, hour: 0, minute: 0, second: 0 };
  for (const p of f.formatToParts(ms)) {
    if (p.type in out) out[p.type as keyof typeof out] = Number(p.value);
  }
  return out;
}

const pad = (n: number) => String(n).padStart(2, '0');

/** `YYYY-MM-DD` of an instant in a zone. */
export function localDate(ms: number, zone: string): string {
  const p = wallParts(ms, zone);
  return `${p.year}-${pad(p.month)}-${pad(p.day)}`;
}

/** `HH:mm` of an instant in a zone. */
export function localTime(ms: number, zone: string): string {
  const p = wallParts(ms, zone);
  return `${pad(p.hour)}:${pad(p.minute)}`;
}

/** `{ date: 'YYYY-MM-DD', time: 'HH:mm' }` of an instant in a zone, from one look at the wall clock. */
export function localDateTime(ms: number, zone: string): { date: string; time: string } {
  const p = wallParts(ms, zone);
  return { date: `${p.year}-${pad(p.month)}-${pad(p.day)}`, time: `${pad(p.hour)}:${pad(p.minute)}` };
}

/** True when `value` is a 24-hour `HH:mm`. */
export function isHhMm(value: string): boolean {
  return /^([01]\d|2[0-3]):[0-5]\d$/.test(value);
}

/** True when `value` is a real calendar date `YYYY-MM-DD`. */
export function isIsoDate(value: string): boolean {
  return /^\d{4}-\d{2}-\d{2}$/.test(value) && dayjs(value, 'YYYY-MM-DD', true).isValid();
}

export function isValidZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-GB', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** The zone's offset from UTC at an instant, in ms (positive east of Greenwich). */
function offsetAt(ms: number, zone: string): number {
  const p = wallParts(ms, zone);
  const asUtc = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
  return asUtc - Math.floor(ms / 1000) * 1000;
}

/**
 * The instant of a local wall-clock time on a local date in `zone`. Built from the date and time
 * themselves, never by adding hours to another instant, so 08:00 is 08:00 on the days the clocks change.
 *
 * The two awkward cases follow the rule calendars use (Temporal's "compatible"):
 * - a time in the spring-forward gap (01:30 on 2026-03-29 in London) does not exist; it is read with the
 *   offset before the change, so it lands as far after the gap as it was inside it (02:30 BST);
 * - a time in the repeated hour (01:30 on 2026-10-25 in London) happens twice; the first (BST) is used.
 */
export function localInstant(date: string, hhmm: string, zone: string): number {
  const [y, mo, d] = date.split('-').map(Number) as [number, number, number];
  const [h, mi] = hhmm.split(':').map(Number) as [number, number];
  const wall = Date.UTC(y, mo - 1, d, h, mi);
  const before = offsetAt(wall - 86_400_000, zone);
  const after = offsetAt(wall + 86_400_000, zone);
  const candidates = [wall - before, wall - after].filter((t) => offsetAt(t, zone) === wall - t);
  if (candidates.length === 0) return wall - before; // in the gap
  return Math.min(...candidates); // the earlier of a repeated time
}

/** `YYYY-MM-DD` plus n calendar days (no zone involved). */
export function addDays(date: string, n: number): string {
  return dayjs.utc(date, 'YYYY-MM-DD').add(n, 'day').format('YYYY-MM-DD');
}

/** Lower-case three-letter weekday of a local date: `mon` … `sun`. */
export function weekdayOf(date: string): 'sun' | 'mon' | 'tue' | 'wed' | 'thu' | 'fri' | 'sat' {
  const names = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
  return names[dayjs.utc(date, 'YYYY-MM-DD').day()] as (typeof names)[number];
}

/**
 * Lets the event loop answer waiting requests before a long job goes on, once the job has held it for
 * BREATHE_EVERY_MS: requests get in at least that often (Slack waits 3 s; ours are answered in a few
 * ms), and a job does not pay a timer's millisecond after every item. It yields with a 1 ms timer
 * rather than setImmediate: an HTTP request needs several turns of the loop (read, Bolt, answer), and a
 * timer lets the loop wait briefly for that I/O instead of coming straight back to the job.
 */
export const BREATHE_EVERY_MS = 8;
let heldSince = performance.now();
export async function breathe(): Promise<void> {
  if (performance.now() - heldSince < BREATHE_EVERY_MS) return;
  await new Promise((resolve) => setTimeout(resolve, 1));
  heldSince = performance.now();
}
