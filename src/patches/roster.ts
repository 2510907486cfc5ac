import { LineCounter, parseDocument } from 'yaml';
import { z } from 'zod';
import { type ChainOverrides, DEFAULT_CHAIN } from '../escalation/model.ts';
import { isHhMm, isIsoDate, isValidZone } from '../time.ts';
import {
  DEFAULT_TIMEZONE,
  isWeekday,
  MAX_THRESHOLD_MINUTES,
  sortDays,
  type Thresholds,
  WEEKDAYS,
  type Weekday,
} from './model.ts';

/**
 * The roster file (`patchbot import roster.yml`): the provider's whole set-up in one YAML document.
 * Keys in the file are snake_case; the parsed `Roster` is camelCase. Every problem is reported as
 * `path: problem`, e.g. `patches[1].clients[0].visits[2].at: expected HH:mm`, in file order.
 * The format is documented in the README and in src/demo/roster.example.yml.
 */

const USER_ID = /^[UW][A-Z0-9]{2,}$/;
const CHANNEL_ID = /^[CG][A-Z0-9]{2,}$/;
const CODE = /^[A-Za-z0-9_-]{1,20}$/;
/** A UK postcode anywhere in a name: a sign that an address is being used as a display name. */
const POSTCODE = /\b[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2}\b/i;

export const DEFAULT_MAX_CLIENTS = 10;
export const DEFAULT_DIGEST_AT = '07:00';

/** Bounds of the `escalation:` block, in rounds and minutes. */
export const ESCALATION_LIMITS = {
  rounds: 10,
  waitMinutes: MAX_THRESHOLD_MINUTES,
  reminderMinutes: 1440,
  unacknowledgeMinutes: 2880,
} as const;

const userId = z.string().regex(USER_ID, 'expected a Slack user id like U0123ABCD');

const channelId = z.string().regex(CHANNEL_ID, {
  error: (iss) =>
    typeof iss.input === 'string' && iss.input.startsWith('#')
      ? 'expected a Slack channel id like C0123ABCD, not a channel name'
      : 'expected a Slack channel id like C0123ABCD',
});

/** A list of Slack user ids; repeats are folded. */
const userIds = z.array(userId).transform((ids) => [...new Set(ids)]);

const code = z.string().regex(CODE, 'expected 1–20 letters, digits, - or _');

const hhmm = z
  .string({ error: (iss) => (iss.input === undefined ? 'required' : 'expected HH:mm') })
  .refine(isHhMm, 'expected HH:mm');

const displayName = z
  .string()
  .trim()
  .min(1)
  .max(40)
  .refine((name) => !/[\r\n\t]/.test(name), 'must be one line')
  .refine(
    (name) => !POSTCODE.test(name),
    'looks like it holds a postcode: use a display name such as "Mrs P", never an address',
  );

const threshold = z.number().int().min(1).max(MAX_THRESHOLD_MINUTES);

const thresholdsSchema = z
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
const daysSchema = z.unknown().transform((value, ctx): Weekday[] => {
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
      ctx.issues.push({ code: 'custom', message: `unknown weekday "${name}"`, input: value });
    }
  }
  return ok ? sortDays(days) : z.NEVER;
});

export interface RosterVisit {
  /** Local wall-clock start, `HH:mm`, in the provider's zone. */
  at: string;
  /** In week order, no repeats, never empty. */
  days: Weekday[];
  minutes: number;
  purpose: string;
  timeCritical: boolean;
  carers: 1 | 2;
  thresholds: Thresholds;
}

const visitSchema = z
  .strictObject({
    at: hhmm,
    days: daysSchema,
    minutes: z.number().int().min(1).max(720),
    purpose: z.string().trim().min(1).max(80),
    time_critical: z.boolean().default(false),
    carers: z.number().int().min(1).max(2).default(1),
    thresholds: thresholdsSchema.optional(),
  })
  .transform(
    (v): RosterVisit => ({
      at: v.at,
      days: v.days,
      minutes: v.minutes,
      purpose: v.purpose,
      timeCritical: v.time_critical,
      carers: v.carers === 2 ? 2 : 1,
      thresholds: v.thresholds ?? {},
    }),
  );

export interface RosterClient {
  /** Unique across the whole file; the client's identity across imports. */
  code: string;
  /** The display name shown in Slack. */
  name: string;
  keyWorker: string | null;
  /** Fixed-visit plans; a plan's identity is its position in this list. */
  visits: RosterVisit[];
}

const clientSchema = z
  .strictObject({
    code,
    name: displayName,
    key_worker: userId.optional(),
    visits: z.array(visitSchema).default([]),
  })
  .transform(
    (c): RosterClient => ({ code: c.code, name: c.name, keyWorker: c.key_worker ?? null, visits: c.visits }),
  );

export interface RosterPatch {
  code: string;
  name: string;
  channel: string;
  assistants: string[];
  maxClients: number;
  digestAt: string;
  thresholds: Thresholds;
  clients: RosterClient[];
}

const patchSchema = z
  .strictObject({
    code,
    name: z.string().trim().min(1).max(80),
    channel: channelId,
    assistants: userIds.refine((ids) => ids.length > 0, 'must list at least one assistant'),
    max_clients: z.number().int().min(1).max(50).default(DEFAULT_MAX_CLIENTS),
    digest_at: hhmm.default(DEFAULT_DIGEST_AT),
    thresholds: thresholdsSchema.optional(),
    clients: z.array(clientSchema).default([]),
  })
  .transform(
    (p): RosterPatch => ({
      code: p.code,
      name: p.name,
      channel: p.channel,
      assistants: p.assistants,
      maxClients: p.max_clients,
      digestAt: p.digest_at,
      thresholds: p.thresholds ?? {},
      clients: p.clients,
    }),
  );

/** The end of a shift: `HH:mm`, or `24:00` for the midnight that ends the day. */
const shiftEnd = z
  .string({ error: (iss) => (iss.input === undefined ? 'required' : 'expected HH:mm or 24:00') })
  .refine((value) => value === '24:00' || isHhMm(value), 'expected HH:mm or 24:00');

const isoDate = z
  .string({ error: (iss) => (iss.input === undefined ? 'required' : 'expected a date as YYYY-MM-DD') })
  .refine(isIsoDate, {
    error: (iss) =>
      typeof iss.input === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(iss.input)
        ? `${iss.input} is not a real date`
        : 'expected a date as YYYY-MM-DD',
  });

/** A weekly on-call shift: starts on each of `days` at `from`, ends at `to` (past midnight if `to <= from`). */
export interface RosterWeeklyShift {
  days: Weekday[];
  from: string;
  to: string;
  userId: string;
}

/** An on-call shift on one date; it wins over the weekly pattern for the time it covers. */
export interface RosterOverrideShift {
  date: string;
  from: string;
  to: string;
  userId: string;
}

export interface RosterOnCall {
  /** In file order; earlier entries win where shifts overlap. */
  weekly: RosterWeeklyShift[];
  overrides: RosterOverrideShift[];
}

const weeklyShiftSchema = z
  .strictObject({ days: daysSchema, from: hhmm, to: shiftEnd, user: userId })
  .transform((s): RosterWeeklyShift => ({ days: s.days, from: s.from, to: s.to, userId: s.user }));

const overrideShiftSchema = z
  .strictObject({ date: isoDate, from: hhmm, to: shiftEnd, user: userId })
  .transform((s): RosterOverrideShift => ({ date: s.date, from: s.from, to: s.to, userId: s.user }));

const onCallSchema = z.strictObject({
  weekly: z.array(weeklyShiftSchema).default([]),
  overrides: z.array(overrideShiftSchema).default([]),
});

const minutesUpTo = (max: number) => z.number().int().min(1).max(max);
const wait = minutesUpTo(ESCALATION_LIMITS.waitMinutes).optional();
const reminder = minutesUpTo(ESCALATION_LIMITS.reminderMinutes).optional();
const unacknowledge = minutesUpTo(ESCALATION_LIMITS.unacknowledgeMinutes).optional();

/** The `escalation:` block: every key optional; what it leaves out comes from DEFAULT_CHAIN. */
const escalationSchema = z
  .strictObject({
    rounds: z.number().int().min(1).max(ESCALATION_LIMITS.rounds).optional(),
    wait_minutes: z
      .strictObject({
        now_time_critical: wait,
        now: wait,
        today: wait,
        missed_visit: wait,
        unclaimed_popback: wait,
      })
      .optional(),
    reminder_minutes: z.strictObject({ now: reminder, today: reminder }).optional(),
    unacknowledge_minutes: z.strictObject({ now: unacknowledge, today: unacknowledge }).optional(),
  })
  .transform((e): ChainOverrides => {
    const out: ChainOverrides = {};
    if (e.rounds !== undefined) out.rounds = e.rounds;
    const w = e.wait_minutes;
    if (w) {
      const waits: NonNullable<ChainOverrides['waits']> = {};
      if (w.now_time_critical !== undefined) waits.nowTimeCritical = w.now_time_critical;
      if (w.now !== undefined) waits.now = w.now;
      if (w.today !== undefined) waits.today = w.today;
      if (w.missed_visit !== undefined) waits.missedVisit = w.missed_visit;
      if (w.unclaimed_popback !== undefined) waits.unclaimedPopback = w.unclaimed_popback;
      if (Object.keys(waits).length > 0) out.waits = waits;
    }
    for (const [from, to] of [
      ['reminder_minutes', 'reminder'],
      ['unacknowledge_minutes', 'unacknowledge'],
    ] as const) {
      const group = e[from];
      if (!group) continue;
      const picked: { now?: number; today?: number } = {};
      if (group.now !== undefined) picked.now = group.now;
      if (group.today !== undefined) picked.today = group.today;
      if (Object.keys(picked).length > 0) out[to] = picked;
    }
    return out;
  });

export interface RosterShape {
  timezone: string;
  admins: string[];
  thresholds: Thresholds;
  supervisors: { channel: string; members: string[] };
  /** From `supervisors.on_call`; both lists empty when the file has none. */
  onCall: RosterOnCall;
  /** From `escalation:`, camelCase, only what the file sets. */
  escalation: ChainOverrides;
  patches: RosterPatch[];
}

export const rosterSchema = z
  .strictObject({
    timezone: z
      .string()
      .refine(isValidZone, {
        error: (iss) =>
          `unknown time zone "${String(iss.input)}" (expected an IANA zone such as Europe/London)`,
      })
      // Spelled as the runtime spells it (`europe/london` → `Europe/London`).
      .transform((zone) => new Intl.DateTimeFormat('en-GB', { timeZone: zone }).resolvedOptions().timeZone)
      .default(DEFAULT_TIMEZONE),
    admins: userIds.refine((ids) => ids.length > 0, 'must list at least one admin'),
    thresholds: thresholdsSchema.optional(),
    supervisors: z.strictObject({
      channel: channelId,
      members: userIds.refine((ids) => ids.length > 0, 'must list at least one supervisor'),
      on_call: onCallSchema.optional(),
    }),
    escalation: escalationSchema.optional(),
    patches: z.array(patchSchema).min(1, 'must list at least one patch'),
  })
  .transform(
    (r): RosterShape => ({
      timezone: r.timezone,
      admins: r.admins,
      thresholds: r.thresholds ?? {},
      supervisors: { channel: r.supervisors.channel, members: r.supervisors.members },
      onCall: r.supervisors.on_call ?? { weekly: [], overrides: [] },
      escalation: r.escalation ?? {},
      patches: r.patches,
    }),
  );

export { DEFAULT_TIMEZONE };

export type Roster = z.output<typeof rosterSchema>;

export type ParseRosterResult = { ok: true; roster: Roster } | { ok: false; errors: string[] };

type Path = readonly (string | number)[];

interface Problem {
  path: Path;
  message: string;
}

/** Validates a whole roster file. Nothing is partial: either the roster, or every problem found. */
export function parseRoster(yamlText: string): ParseRosterResult {
  const lineCounter = new LineCounter();
  // The default YAML 1.2 core schema: `08:00` stays a string (YAML 1.1 would read it as 480).
  const doc = parseDocument(yamlText, { lineCounter, prettyErrors: false });
  const syntaxError = doc.errors[0];
  if (syntaxError) {
    const { line, col } = lineCounter.linePos(syntaxError.pos[0]);
    const message =
      syntaxError.code === 'MULTIPLE_DOCS'
        ? 'a roster file holds one YAML document; remove the extra "---"'
        : syntaxError.message.replace(/\s+/g, ' ').trim();
    return { ok: false, errors: [`YAML syntax error at line ${line}, column ${col}: ${message}`] };
  }
  const raw = withoutNulls(doc.toJS({ maxAliasCount: 1000 }));
  if (raw === undefined) return { ok: false, errors: ['the roster file is empty'] };

  const problems: Problem[] = [];
  const parsed = rosterSchema.safeParse(raw, { error: messageFor });
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const path = issue.path.filter((key) => typeof key !== 'symbol');
      if (issue.code === 'unrecognized_keys') {
        for (const key of issue.keys) problems.push({ path: [...path, key], message: 'unknown field' });
      } else {
        problems.push({ path, message: issue.message });
      }
    }
  }
  problems.push(...crossCheck(raw));

  if (problems.length > 0 || !parsed.success) {
    const ordered = problems
      .map((problem, index) => ({ problem, index, offset: sourceOffset(doc, problem.path) }))
      .sort((a, b) => a.offset - b.offset || a.index - b.index)
      .map(({ problem }) => `${formatPath(problem.path)}: ${problem.message}`);
    return { ok: false, errors: [...new Set(ordered)] };
  }
  return { ok: true, roster: parsed.data };
}

/** `patches[0].clients[3].name`; the root is `roster`. */
export function formatPath(path: Path): string {
  let out = '';
  for (const key of path) {
    out += typeof key === 'number' ? `[${key}]` : out === '' ? key : `.${key}`;
  }
  return out === '' ? 'roster' : out;
}

/** Plain-English messages for zod's generic issues; specific schemas carry their own. */
function messageFor(issue: z.core.$ZodRawIssue): string | undefined {
  switch (issue.code) {
    case 'invalid_type': {
      if (issue.input === undefined) return 'required';
      const expected: Record<string, string> = {
        string: 'expected text',
        number: 'expected a number',
        int: 'expected a whole number',
        boolean: 'expected true or false',
        array: 'expected a list',
        object: 'expected a mapping of keys to values',
      };
      return expected[issue.expected] ?? `expected ${issue.expected}`;
    }
    case 'too_small': {
      const min = Number(issue.minimum);
      if (issue.origin === 'string')
        return min <= 1 ? 'must not be empty' : `must be at least ${min} characters`;
      if (issue.origin === 'array') return min <= 1 ? 'must not be empty' : `must have at least ${min} items`;
      return `must be at least ${min}`;
    }
    case 'too_big': {
      const max = Number(issue.maximum);
      if (issue.origin === 'string') return `must be at most ${max} characters`;
      if (issue.origin === 'array') return `must have at most ${max} items`;
      return `must be at most ${max}`;
    }
    default:
      return undefined;
  }
}

/**
 * Rules that span several places in the file: unique codes and channels, the per-patch client limit,
 * key workers among the patch's assistants, distinct client names within a patch, on-call shifts of
 * some length held by supervisors, reminders before un-acknowledging. Run on the raw document even
 * when other fields are invalid, so one pass reports everything.
 */
function crossCheck(raw: unknown): Problem[] {
  const problems: Problem[] = [];
  const root = asRecord(raw);
  problems.push(...checkOnCall(asRecord(root?.supervisors)), ...checkEscalation(asRecord(root?.escalation)));
  const patches = root?.patches;
  if (!Array.isArray(patches)) return problems;
  const supervisorsChannel = asRecord(root?.supervisors)?.channel;
  const patchCodes = new Map<string, number>();
  const channels = new Map<string, number>();
  const clientCodes = new Map<string, Path>();

  patches.forEach((patchValue, p) => {
    const patch = asRecord(patchValue);
    if (!patch) return;
    if (typeof patch.code === 'string') {
      const key = patch.code.toLowerCase();
      const first = patchCodes.get(key);
      if (first !== undefined) {
        problems.push({
          path: ['patches', p, 'code'],
          message: `duplicate patch code "${patch.code}" (already used by patches[${first}])`,
        });
      } else {
        patchCodes.set(key, p);
      }
    }
    if (typeof patch.channel === 'string') {
      const first = channels.get(patch.channel);
      if (patch.channel === supervisorsChannel) {
        problems.push({
          path: ['patches', p, 'channel'],
          message: `${patch.channel} is the supervisors' channel; a patch needs a channel of its own`,
        });
      } else if (first !== undefined) {
        problems.push({
          path: ['patches', p, 'channel'],
          message: `duplicate channel ${patch.channel} (already used by patches[${first}])`,
        });
      } else {
        channels.set(patch.channel, p);
      }
    }

    const clients = patch.clients;
    if (!Array.isArray(clients)) return;
    const maxClients = patch.max_clients === undefined ? DEFAULT_MAX_CLIENTS : patch.max_clients;
    if (
      typeof maxClients === 'number' &&
      Number.isInteger(maxClients) &&
      maxClients >= 1 &&
      maxClients <= 50 &&
      clients.length > maxClients
    ) {
      problems.push({
        path: ['patches', p, 'clients'],
        message: `${clients.length} clients, but a patch holds at most ${maxClients} (max_clients)`,
      });
    }
    const assistants = Array.isArray(patch.assistants) ? patch.assistants : undefined;
    const names = new Map<string, number>();

    clients.forEach((clientValue, c) => {
      const client = asRecord(clientValue);
      if (!client) return;
      const here: Path = ['patches', p, 'clients', c];
      if (typeof client.code === 'string') {
        const key = client.code.toLowerCase();
        const first = clientCodes.get(key);
        if (first !== undefined) {
          problems.push({
            path: [...here, 'code'],
            message: `duplicate client code "${client.code}" (already used by ${formatPath(first)})`,
          });
        } else {
          clientCodes.set(key, here);
        }
      }
      if (typeof client.name === 'string' && client.name.trim() !== '') {
        const key = client.name.trim().toLowerCase();
        const first = names.get(key);
        if (first !== undefined) {
          problems.push({
            path: [...here, 'name'],
            message: `"${client.name.trim()}" is already the name of patches[${p}].clients[${first}]: names must tell clients apart`,
          });
        } else {
          names.set(key, c);
        }
      }
      const keyWorker = client.key_worker;
      if (
        typeof keyWorker === 'string' &&
        USER_ID.test(keyWorker) &&
        assistants !== undefined &&
        !assistants.includes(keyWorker)
      ) {
        problems.push({
          path: [...here, 'key_worker'],
          message: `${keyWorker} is not one of this patch's assistants`,
        });
      }
    });
  });
  return problems;
}

/** Every on-call shift has a length, and is held by one of the supervisors. */
function checkOnCall(supervisors: Record<string, unknown> | undefined): Problem[] {
  const problems: Problem[] = [];
  const onCall = asRecord(supervisors?.on_call);
  if (!onCall) return problems;
  const members = Array.isArray(supervisors?.members) ? supervisors.members : undefined;
  for (const list of ['weekly', 'overrides'] as const) {
    const shifts = onCall[list];
    if (!Array.isArray(shifts)) continue;
    shifts.forEach((shiftValue, i) => {
      const shift = asRecord(shiftValue);
      if (!shift) return;
      const here: Path = ['supervisors', 'on_call', list, i];
      const { from, to, user } = shift;
      if (typeof from === 'string' && isHhMm(from) && from === to) {
        problems.push({
          path: [...here, 'to'],
          message: `a shift cannot end when it starts (${from}); a whole day is from "00:00" to "24:00"`,
        });
      }
      if (
        typeof user === 'string' &&
        USER_ID.test(user) &&
        members !== undefined &&
        !members.includes(user)
      ) {
        problems.push({ path: [...here, 'user'], message: `${user} is not one of supervisors.members` });
      }
    });
  }
  return problems;
}

/** An acknowledgement is withdrawn only after its reminder: unacknowledge_minutes > reminder_minutes. */
function checkEscalation(escalation: Record<string, unknown> | undefined): Problem[] {
  const problems: Problem[] = [];
  if (!escalation) return problems;
  const reminders = asRecord(escalation.reminder_minutes);
  const unacks = asRecord(escalation.unacknowledge_minutes);
  const valid = (value: unknown, max: number): value is number =>
    typeof value === 'number' && Number.isInteger(value) && value >= 1 && value <= max;
  for (const urgency of ['now', 'today'] as const) {
    const setReminder = reminders?.[urgency];
    const setUnack = unacks?.[urgency];
    if (setReminder === undefined && setUnack === undefined) continue;
    const reminder = setReminder ?? DEFAULT_CHAIN.reminder[urgency];
    const unack = setUnack ?? DEFAULT_CHAIN.unacknowledge[urgency];
    if (!valid(reminder, ESCALATION_LIMITS.reminderMinutes)) continue;
    if (!valid(unack, ESCALATION_LIMITS.unacknowledgeMinutes)) continue;
    if (unack > reminder) continue;
    if (setUnack !== undefined) {
      const of = setReminder === undefined ? `${reminder} by default` : `${reminder}`;
      problems.push({
        path: ['escalation', 'unacknowledge_minutes', urgency],
        message: `must be greater than reminder_minutes.${urgency} (${of})`,
      });
    } else {
      problems.push({
        path: ['escalation', 'reminder_minutes', urgency],
        message: `must be less than unacknowledge_minutes.${urgency} (${unack} by default)`,
      });
    }
  }
  return problems;
}

function asRecord(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

/** An empty YAML value (`key_worker:`) means "not set", so optional fields take their default. */
function withoutNulls(value: unknown): unknown {
  if (value === null) return undefined;
  if (Array.isArray(value)) return value.map((item) => (item === null ? null : withoutNulls(item)));
  const record = asRecord(value);
  if (!record) return value;
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(record)) {
    if (item !== null) out[key] = withoutNulls(item);
  }
  return out;
}

/** Where a path starts in the source (or its nearest existing parent), to report problems in file order. */
function sourceOffset(doc: ReturnType<typeof parseDocument>, path: Path): number {
  for (let length = path.length; length >= 0; length--) {
    const node: unknown = length === 0 ? doc.contents : doc.getIn(path.slice(0, length), true);
    if (typeof node === 'object' && node !== null && 'range' in node) {
      const range = (node as { range?: [number, number, number] | null }).range;
      if (range) return range[0];
    }
  }
  return 0;
}
