import { isAlias, isMap, isPair, isScalar, isSeq, LineCounter, parseDocument } from 'yaml';
import { z } from 'zod';
import { decodeUtf8, printable } from '../text.ts';
import { isValidZone } from '../time.ts';
import type { ChainOverrides } from './model.ts';
import { DEFAULT_TIMEZONE, type Thresholds, type Weekday } from './model.ts';
import {
  crossCheck,
  formatPath,
  messageFor,
  type Path,
  type Problem,
  sourceOffset,
} from './roster-errors.ts';
import {
  asRecord,
  channelId,
  DEFAULT_MAX_CLIENTS,
  daysSchema,
  hhmm,
  NEW_CHANNEL,
  oneLineText,
  taskCode,
  thresholdsSchema,
  userId,
  userIds,
} from './roster-fields.ts';
import {
  ESCALATION_LIMITS,
  escalationSchema,
  onCallSchema,
  type RosterOnCall,
  type RosterOverrideShift,
  type RosterWeeklyShift,
} from './roster-supervisors.ts';

/**
 * The roster file (`patchbot import roster.yml`): the provider's whole set-up in one YAML document.
 * Keys in the file are snake_case; the parsed `Roster` is camelCase. Every problem is reported as
 * `path: problem`, e.g. `patches[1].clients[0].visits[2].at: expected HH:mm`, in file order.
 * The format is documented in docs/roster.md and in docs/roster.example.yml.
 */

const CODE = /^[A-Za-z0-9_-]{1,20}$/;
/** A UK postcode anywhere in a name: a sign that an address is being used as a display name. */
const POSTCODE = /\b[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2}\b/i;

export const DEFAULT_DIGEST_AT = '07:00';

/**
 * How far YAML aliases (`*name`) may expand, as the yaml library counts it (uses of an anchor times
 * the aliases inside it). A roster needs few if any; a "billion laughs" file needs far more.
 */
export const MAX_ALIAS_COUNT = 100;

// Moved out by concern; re-exported so every import of roster.ts keeps working.
export type { RosterOnCall, RosterOverrideShift, RosterWeeklyShift };
export { DEFAULT_MAX_CLIENTS, ESCALATION_LIMITS, formatPath };

/** A patch's or client's code: its identity across imports. */
export const code = z.string().regex(CODE, 'expected 1–20 letters, digits, - or _');

/** A client's display name: one line, clean text, no postcode (unique within a patch: roster-errors.ts). */
export const displayName = oneLineText(40).refine(
  (name) => !POSTCODE.test(name),
  'looks like it holds a postcode: use a display name such as "Mrs P", never an address',
);

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
  /** The delegated health tasks the visit needs (codes from `tasks:`); a carer must be signed off for each. */
  requires: string[];
}

export const visitSchema = z
  .strictObject({
    at: hhmm,
    days: daysSchema,
    minutes: z.number().int().min(1).max(720),
    purpose: oneLineText(80),
    time_critical: z.boolean().default(false),
    carers: z.number().int().min(1).max(2).default(1),
    thresholds: thresholdsSchema.optional(),
    requires: z.array(taskCode).default([]),
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
      requires: [...new Set(v.requires)].sort(),
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

export const clientSchema = z
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

export const patchSchema = z
  .strictObject({
    code,
    name: oneLineText(80),
    channel: z.union([z.literal(NEW_CHANNEL), channelId]),
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

export interface RosterShape {
  timezone: string;
  admins: string[];
  thresholds: Thresholds;
  supervisors: { channel: string; members: string[] };
  /** From `supervisors.on_call`; both lists empty when the file has none. */
  onCall: RosterOnCall;
  /** From `escalation:`, camelCase, only what the file sets. */
  escalation: ChainOverrides;
  /** From `tasks:`: the delegated health tasks, code → name, in file order. */
  tasks: Record<string, string>;
  /** From `cover:`: minutes before an uncovered visit starts that it goes to the supervisors. */
  cover: { escalateMinutes?: number };
  patches: RosterPatch[];
}

export const rosterSchema = z
  .strictObject({
    timezone: z
      .string()
      .refine(isValidZone, {
        error: (iss) =>
          `unknown time zone "${printable(String(iss.input))}" (expected an IANA zone such as Europe/London)`,
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
    tasks: z.record(taskCode, oneLineText(60)).optional(),
    cover: z.strictObject({ escalate_minutes: z.number().int().min(0).max(720) }).optional(),
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
      tasks: r.tasks ?? {},
      cover: r.cover?.escalate_minutes === undefined ? {} : { escalateMinutes: r.cover.escalate_minutes },
      patches: r.patches,
    }),
  );

export { DEFAULT_TIMEZONE };

export type Roster = z.output<typeof rosterSchema>;

export type ParseRosterResult = { ok: true; roster: Roster } | { ok: false; errors: string[] };

/**
 * Validates a roster file as read from disk: it must be UTF-8 (a leading byte order mark is fine).
 * Bytes that are not UTF-8 are one problem, with where the first one is; nothing else is checked.
 */
export function parseRosterBytes(bytes: Uint8Array): ParseRosterResult {
  const decoded = decodeUtf8(bytes);
  if (!decoded.ok) {
    const byte = decoded.byte.toString(16).toUpperCase().padStart(2, '0');
    return {
      ok: false,
      errors: [
        `roster: not valid UTF-8 at line ${decoded.line}, column ${decoded.column} (byte 0x${byte}): save the file as UTF-8`,
      ],
    };
  }
  return parseRoster(decoded.text);
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
  const aliasError = badAlias(doc);
  if (aliasError !== null) return { ok: false, errors: [aliasError] };
  let js: unknown;
  try {
    js = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (error) {
    // yaml throws a ReferenceError when aliases expand past the limit: a "billion laughs" file.
    if (error instanceof ReferenceError && /excessive alias count/i.test(error.message)) {
      return {
        ok: false,
        errors: [
          `roster: YAML aliases expand too far (over ${MAX_ALIAS_COUNT}): write the values out instead`,
        ],
      };
    }
    throw error;
  }
  const raw = withoutNulls(js);
  if (raw === undefined) return { ok: false, errors: ['the roster file is empty'] };

  const checked = checkRoster(raw);
  if (!checked.ok) {
    const ordered = checked.problems
      .map((problem, index) => ({ problem, index, offset: sourceOffset(doc, problem.path) }))
      .sort((a, b) => a.offset - b.offset || a.index - b.index)
      .map(({ problem }) => `${formatPath(problem.path)}: ${problem.message}`);
    return { ok: false, errors: [...new Set(ordered)] };
  }
  return { ok: true, roster: checked.roster };
}

export type CheckRosterResult = { ok: true; roster: Roster } | { ok: false; problems: Problem[] };

/**
 * Every rule of the roster file, on a document already read into plain values (snake_case keys, as in
 * the file): the schema, then the rules that span the file. The roster import and every change made
 * from Slack (`/patch`, which checks the set-up as it would be after the change) use this one check.
 */
export function checkRoster(raw: unknown): CheckRosterResult {
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
  if (problems.length > 0 || !parsed.success) return { ok: false, problems };
  return { ok: true, roster: parsed.data };
}

/**
 * An alias the document cannot use: one with no anchor before it (toJS would throw), or one inside
 * the very value it names (toJS would build a loop). As `path: problem`, or null.
 */
function badAlias(doc: ReturnType<typeof parseDocument>): string | null {
  const latest = new Map<string, unknown>();
  const open = new Set<unknown>();
  const walk = (node: unknown, path: Path): string | null => {
    if (isAlias(node)) {
      const target = latest.get(node.source);
      if (target === undefined) {
        return `${formatPath(path)}: the YAML alias *${printable(node.source)} has no anchor &${printable(node.source)} before it`;
      }
      if (open.has(target)) {
        return `${formatPath(path)}: the YAML alias *${printable(node.source)} is inside the value it names`;
      }
      return null;
    }
    if (!isScalar(node) && !isMap(node) && !isSeq(node)) return null;
    if (node.anchor) latest.set(node.anchor, node);
    open.add(node);
    try {
      if (isMap(node)) {
        for (const pair of node.items) {
          if (!isPair(pair)) continue;
          const key = isScalar(pair.key) ? String(pair.key.value) : '?';
          const hit = walk(pair.key, path) ?? walk(pair.value, [...path, key]);
          if (hit !== null) return hit;
        }
      } else if (isSeq(node)) {
        for (const [index, item] of node.items.entries()) {
          const hit = walk(item, [...path, index]);
          if (hit !== null) return hit;
        }
      }
      return null;
    } finally {
      open.delete(node);
    }
  };
  return walk(doc.contents, []);
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
