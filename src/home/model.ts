/**
 * The App Home's rules, as pure functions: whose Home follows a change, what is most urgent, and how
 * the sections share Slack's 100 blocks. No Slack, no SQL, no clock.
 */

import { MINUTE } from '../time.ts';

/** A Home is kept up to date for this long after its person last opened it. */
export const RECENT_MS = 12 * 60 * MINUTE;
/** What the person's last press from the Home did stays on it this long (or until they open it again). */
export const NOTICE_MS = 15 * MINUTE;
/** Slack's limit for a Home tab. */
export const HOME_BLOCKS = 100;
/** Lines without buttons are packed this many to a section block (each line is clipped, so 3000 chars hold). */
export const LINES_PER_BLOCK = 10;
/** The longest one packed line may be. */
export const LINE_MAX = 280;

export interface HomeRoles {
  /** The patches this person is an assistant of. */
  patchIds: number[];
  supervisor: boolean;
  admin: boolean;
}

export const isAssistant = (r: HomeRoles): boolean => r.patchIds.length > 0;
export const isManager = (r: Pick<HomeRoles, 'supervisor' | 'admin'>): boolean => r.supervisor || r.admin;
/** Someone the Home has nothing to show but who to ask. */
export const isStranger = (r: HomeRoles): boolean => !isAssistant(r) && !isManager(r);

/**
 * Whose Homes a visit change touches, besides the patch's own assistants (who always follow their
 * patch's changes): supervisors and admins see today's late and missed visits and the day's figures,
 * the uncovered visits and the escalations, so they follow a fixed visit of today, a visit with cover,
 * and a visit with an escalation. A retime changes nothing anyone sees.
 */
export function managersFollow(c: {
  type: string;
  kind: string;
  today: boolean;
  hasCover: boolean;
  hasEscalation: boolean;
}): boolean {
  if (c.type === 'retime' || c.type === 'refresh') return false;
  if (c.hasCover || c.hasEscalation) return true;
  return c.kind === 'fixed' && c.today;
}

/**
 * Whether a change to a visit of the patch touches its assistants' Homes: a flexible visit, a fixed
 * visit of today, a visit with cover. A retime changes nothing anyone sees; a refresh (a refused press)
 * changed nothing (the presser's own Home is published by the press).
 */
export function teamFollows(c: { type: string; kind: string; today: boolean; hasCover: boolean }): boolean {
  if (c.type === 'retime' || c.type === 'refresh') return false;
  return c.kind !== 'fixed' || c.today || c.hasCover;
}

/** Late or missed fixed visits, most urgent first: missed before late, then the earliest start. */
export function byUrgency<
  T extends { visit: { alertLevel: 'late' | 'missed' | null; startsAt: number | null; id: number } },
>(list: readonly T[]): T[] {
  const rank = (v: T['visit']) => (v.alertLevel === 'missed' ? 0 : v.alertLevel === 'late' ? 1 : 2);
  return [...list].sort(
    (a, b) =>
      rank(a.visit) - rank(b.visit) ||
      (a.visit.startsAt ?? 0) - (b.visit.startsAt ?? 0) ||
      a.visit.id - b.visit.id,
  );
}

export interface PatchFigures {
  patchId: number;
  code: string;
  planned: number;
  done: number;
  late: number;
  missed: number;
}

/** Patches with missed, then late visits first (most first), then by code. */
export function patchesByUrgency<T extends PatchFigures>(rows: readonly T[]): T[] {
  return [...rows].sort(
    (a, b) => b.missed - a.missed || b.late - a.late || (a.code < b.code ? -1 : a.code > b.code ? 1 : 0),
  );
}

/** "1 hour 5 min", "12 min", "just now": how long ago, in words a carer reads at a glance. */
export function ageWords(ms: number): string {
  const minutes = Math.max(0, Math.floor(ms / MINUTE));
  if (minutes < 1) return 'just now';
  if (minutes < 60) return `${minutes} min ago`;
  const hours = Math.floor(minutes / 60);
  const rest = minutes % 60;
  if (hours >= 24) {
    const days = Math.floor(hours / 24);
    return `${days} day${days === 1 ? '' : 's'} ${hours % 24} h ago`;
  }
  return `${hours} h${rest > 0 ? ` ${rest} min` : ''} ago`;
}

/** One part of the Home for the block budget: its fixed blocks (heading, …) and each item's cost in order. */
export interface Part {
  overhead: number;
  /** Blocks each further item adds: 2 for a line with its buttons, 1 or 0 for packed lines. */
  costs: readonly number[];
}

/** What packed lines cost one by one: a new section block every LINES_PER_BLOCK lines. */
export const packedCosts = (n: number): number[] =>
  Array.from({ length: n }, (_, i) => (i % LINES_PER_BLOCK === 0 ? 1 : 0));

/**
 * How many items of each part fit in `budget` blocks. All of them when they fit; otherwise every part
 * keeps its overhead and one line to say how many more there are, and the items are dealt out one at
 * a time, part by part, most urgent first within each part (the caller's order), so no part is
 * crowded out by another.
 */
export function fitParts(parts: readonly Part[], budget: number): number[] {
  const full = parts.reduce((sum, p) => sum + p.overhead + p.costs.reduce((a, b) => a + b, 0), 0);
  if (full <= budget) return parts.map((p) => p.costs.length);
  const shown = parts.map(() => 0);
  // Each part that still hides items keeps one block for its "…and N more".
  let used = parts.reduce((sum, p) => sum + p.overhead + (p.costs.length > 0 ? 1 : 0), 0);
  for (let progress = true; progress; ) {
    progress = false;
    parts.forEach((p, i) => {
      const n = shown[i] as number;
      if (n >= p.costs.length) return;
      const cost = (p.costs[n] as number) - (n + 1 === p.costs.length ? 1 : 0);
      if (used + cost > budget) return;
      used += cost;
      shown[i] = n + 1;
      progress = true;
    });
  }
  return shown;
}

/** "…and 12 more late or missed visits". */
export function moreWords(n: number, one: string, many: string): string {
  return `…and ${n} more ${n === 1 ? one : many}`;
}
