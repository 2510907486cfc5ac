import {
  DEFAULT_THRESHOLDS,
  mergeThresholds,
  sortDays,
  type Thresholds,
  WEEKDAYS,
  type Weekday,
} from '../patches/model.ts';

/**
 * Pure rules for running the provider from Slack: what `/patch` accepts, how a new patch's channel is
 * named, how a client's code is chosen, how the roster's problems become a form's field errors, and
 * how a set-up reads in words. No Slack, no SQL, no clock.
 */

export type PatchArgs =
  | { kind: 'show'; client: string | null }
  | { kind: 'setup' }
  | { kind: 'new'; name: string }
  | { kind: 'help' };

/**
 * `/patch` shows the set-up, `/patch CLIENT` one client's, `/patch setup` binds this channel to a new
 * patch, `/patch new NAME` makes a new patch with a channel of its own, `/patch help` says so. The
 * keywords are read in any case; a client whose name is a keyword is shown by its code.
 */
export function parsePatchArgs(text: string): PatchArgs {
  const typed = text.trim().replace(/\s+/g, ' ');
  if (typed === '') return { kind: 'show', client: null };
  const [first = '', ...rest] = typed.split(' ');
  const keyword = first.toLowerCase();
  if (keyword === 'setup' && rest.length === 0) return { kind: 'setup' };
  if (keyword === 'new') return { kind: 'new', name: rest.join(' ') };
  if (keyword === 'help' && rest.length === 0) return { kind: 'help' };
  return { kind: 'show', client: typed };
}

export const PATCH_USAGE =
  '`/patch` shows this patch’s set-up (admins also change it there). `/patch CLIENT` shows one client. ' +
  'Admins: `/patch setup` makes this channel a new patch; `/patch new NAME` makes a new patch with a channel of its own.';

/** Slack's longest channel name. */
export const CHANNEL_NAME_MAX = 80;
/** How many names a new patch's channel tries (`name`, `name-2` … `name-9`) before giving up. */
export const CHANNEL_NAME_TRIES = 9;

/**
 * The channel name the bot makes for a patch: its name in lower case, letters and digits kept (accents
 * and apostrophes dropped), everything else one hyphen; the code when the name leaves nothing (`Ærø` → `r`, `日本` → ``).
 * Room is left for a `-9` suffix.
 */
export function channelSlug(name: string, code: string): string {
  const slug = (s: string) =>
    s
      .normalize('NFKD')
      .replace(/\p{M}/gu, '')
      .replace(/['’]/g, '')
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, CHANNEL_NAME_MAX - 2)
      .replace(/-+$/, '');
  return slug(name) || slug(code) || 'patch';
}

/** The names tried in turn for a patch's channel: `westbury-north`, then `westbury-north-2` … */
export function channelNames(base: string): string[] {
  return Array.from({ length: CHANNEL_NAME_TRIES }, (_, i) => (i === 0 ? base : `${base}-${i + 1}`));
}

/** The next free client code of a patch: `P07-04` after `P07-01`…`P07-03` (any case, archived included). */
export function nextClientCode(patchCode: string, taken: readonly string[]): string {
  const used = new Set(taken.map((c) => c.toLowerCase()));
  for (let n = 1; ; n++) {
    const code = `${patchCode.slice(0, 16)}-${String(n).padStart(2, '0')}`;
    if (!used.has(code.toLowerCase())) return code;
  }
}

/** A roster problem: where in the document (`['patches', 0, 'clients', 2, 'name']`) and what. */
export interface FieldProblem {
  path: readonly (string | number)[];
  message: string;
}

/** The roster's words for a file, said as a form says them. */
const FORM_WORDS: Record<string, string> = {
  required: 'Fill this in.',
  'must not be empty': 'Fill this in.',
  'must name at least one weekday': 'Choose at least one day.',
  'expected HH:mm': 'Choose a time.',
  'expected a number': 'Type a whole number.',
  'expected a whole number': 'Type a whole number.',
  'must list at least one assistant': 'Choose at least one assistant.',
};

/**
 * The roster's words for a form: a reference to another place in the file (`patches[0].clients[2]`)
 * becomes words, since the person sees a form, not a file.
 */
export function formWords(message: string): string {
  const plain = FORM_WORDS[message];
  if (plain) return plain;
  return message
    .replace(/patches\[\d+\]\.clients\[\d+\]/g, 'another client of this patch')
    .replace(/patches\[\d+\]/g, 'another patch');
}

/**
 * The roster's problems as a form's errors, one per field (the first found). A problem under `target`
 * goes on the first field its path names (`thresholds.late_minutes` → `late_minutes`); anything else
 * on `fallback`.
 */
export function fieldErrors(
  problems: readonly FieldProblem[],
  target: readonly (string | number)[],
  fields: readonly string[],
  fallback: string,
  reword: (problem: FieldProblem) => string = (p) => formWords(p.message),
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const problem of problems) {
    const under = target.every((key, i) => problem.path[i] === key);
    const field = under
      ? problem.path
          .slice(target.length)
          .find((key): key is string => typeof key === 'string' && fields.includes(key))
      : undefined;
    const at = field ?? fallback;
    out[at] ??= reword(problem);
  }
  return out;
}

const DAY_LABEL: Record<Weekday, string> = {
  mon: 'Mon',
  tue: 'Tue',
  wed: 'Wed',
  thu: 'Thu',
  fri: 'Fri',
  sat: 'Sat',
  sun: 'Sun',
};

export function dayLabel(day: Weekday): string {
  return DAY_LABEL[day];
}

/** `daily`, `weekdays`, `weekends`, or `Mon, Wed, Fri`. */
export function describeDays(days: readonly Weekday[]): string {
  const sorted = sortDays(days);
  const key = sorted.join(',');
  if (key === WEEKDAYS.join(',')) return 'daily';
  if (key === 'mon,tue,wed,thu,fri') return 'weekdays';
  if (key === 'sat,sun') return 'weekends';
  return sorted.map((d) => DAY_LABEL[d]).join(', ');
}

/** A plan's own threshold overrides in words: `late after 5 min · missed after 20 min`. */
export function describePlanThresholds(t: Thresholds): string[] {
  const out: string[] = [];
  if (t.lateMinutes !== undefined) out.push(`late after ${t.lateMinutes} min`);
  if (t.lateMinutesTimeCritical !== undefined)
    out.push(`time-critical late after ${t.lateMinutesTimeCritical} min`);
  if (t.missedMinutes !== undefined) out.push(`missed after ${t.missedMinutes} min`);
  if (t.popbackUnclaimedMinutes !== undefined)
    out.push(`pop-back unclaimed ${t.popbackUnclaimedMinutes} min`);
  if (t.popbackLeadMinutes !== undefined) out.push(`pop-back lead ${t.popbackLeadMinutes} min`);
  return out;
}

/**
 * A patch's alert thresholds as they apply (provider's, then the patch's own, then the defaults), each
 * marked `(this patch)` where the patch sets it.
 */
export function describePatchThresholds(provider: Thresholds, patch: Thresholds): string {
  const t = mergeThresholds(provider, patch);
  const own = (key: keyof Thresholds) => (patch[key] !== undefined ? ' (this patch)' : '');
  const late = t.lateMinutes ?? DEFAULT_THRESHOLDS.lateMinutes;
  const lateTc = Math.min(late, t.lateMinutesTimeCritical ?? DEFAULT_THRESHOLDS.lateMinutesTimeCritical);
  const missed =
    t.missedMinutes !== undefined
      ? `missed after ${t.missedMinutes} min${own('missedMinutes')}`
      : `missed after half the visit (at most ${DEFAULT_THRESHOLDS.missedMinutesCap} min)`;
  return [
    `late after ${late} min${own('lateMinutes')}`,
    `time-critical late after ${lateTc} min${own('lateMinutesTimeCritical')}`,
    missed,
    `pop-backs unclaimed ${t.popbackUnclaimedMinutes ?? DEFAULT_THRESHOLDS.popbackUnclaimedMinutes} min${own('popbackUnclaimedMinutes')}`,
    `timed pop-backs ${t.popbackLeadMinutes ?? DEFAULT_THRESHOLDS.popbackLeadMinutes} min ahead${own('popbackLeadMinutes')}`,
  ].join(' · ');
}

/**
 * A number typed into a form: a whole number as a number, nothing as undefined, anything else as typed
 * (so the roster's check answers "expected a number" on its field).
 */
export function typedNumber(value: string): number | string | undefined {
  const v = value.trim();
  if (v === '') return undefined;
  return /^-?\d{1,9}$/.test(v) ? Number(v) : v;
}

/** Who was added and who removed between two lists of people. */
export function peopleChange(
  before: readonly string[],
  after: readonly string[],
): { added: string[]; removed: string[] } {
  const was = new Set(before);
  const now = new Set(after);
  return {
    added: [...now].filter((u) => !was.has(u)).sort(),
    removed: [...was].filter((u) => !now.has(u)).sort(),
  };
}
