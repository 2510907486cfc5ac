import fc from 'fast-check';
import { expect } from 'vitest';
import type { Fields, Log } from '../../src/log.ts';
import { textProblem } from '../../src/text.ts';
import type { Harness } from '../support/harness.ts';

/**
 * Shared pieces of the fault and fuzz suite (test/fuzz): hostile values, a dump of every table, the
 * health check, and a log that remembers what went wrong. Every property runs with a fixed seed and a
 * bounded number of runs, so CI is deterministic; a failure prints the seed and the shrunk input.
 */

export const SEED = 20261201;

/** fast-check's settings for one property: fixed seed, bounded runs, no time limit of its own. */
export const runs = (numRuns: number) => ({ seed: SEED, numRuns });

// ---------- the database ----------

export type Dump = Record<string, unknown[]>;
type Obj = Record<string, unknown>;

/** Every row of every table (in a fixed order), straight from SQLite. */
export function dumpDb(h: Harness, except: readonly string[] = []): Dump {
  const sqlite = h.bot.db.$client;
  const tables = sqlite
    .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
    .all() as { name: string }[];
  return Object.fromEntries(
    tables
      .filter(({ name }) => !except.includes(name))
      .map(({ name }) => [name, sqlite.prepare(`SELECT * FROM "${name}" ORDER BY rowid`).all()]),
  );
}

/**
 * The dump with the outbox's delivery bookkeeping left out (revisions, attempts, when due, since when
 * pending). A press the visits hub refuses still marks the visit's messages due again, so a message
 * that may be out of date is redrawn from the unchanged record (visits/service.ts changeVisit): that
 * is a redraw, not a change. Every other column of every row still has to be equal.
 */
export function withoutRedraws(dump: Dump): Dump {
  const bookkeeping = ['want_rev', 'done_rev', 'attempts', 'next_attempt_at', 'pending_since'];
  return {
    ...dump,
    slack_messages: (dump.slack_messages ?? []).map((row) =>
      Object.fromEntries(Object.entries(row as object).filter(([k]) => !bookkeeping.includes(k))),
    ),
  };
}

/** The rows of one table, as SQLite holds them. */
export function rows<T = Record<string, unknown>>(h: Harness, sql: string, ...params: unknown[]): T[] {
  return h.bot.db.$client.prepare(sql).all(...params) as T[];
}

/** The rows of a dump that were not in `before` (new rows, and rows that changed), by table. */
export function added(before: Dump, after: Dump, table: string): Obj[] {
  const was = new Set((before[table] ?? []).map((r) => JSON.stringify(r)));
  return ((after[table] ?? []) as Obj[]).filter((r) => !was.has(JSON.stringify(r)));
}

/**
 * What no request may leave behind in the rows it wrote: a message to a channel that is not in the
 * roster, a medication issue told outside its own patch or about another patch's client or visit, or
 * stored text that is not clean.
 */
export function expectWrittenClean(h: Harness, before: Dump, after: Dump): void {
  const patches = after.patches as Array<{ id: number; channel_id: string }>;
  const channels = new Set([
    ...patches.map((p) => p.channel_id),
    ...(after.provider as Array<{ supervisors_channel: string | null }>).map((p) => p.supervisors_channel),
  ]);
  const messages = added(before, after, 'slack_messages') as Array<{
    subject: string;
    channel: string;
    thread_ts: string | null;
    last_error: string | null;
    parked_at: number | null;
  }>;
  for (const m of messages) {
    expect(channels, `message ${m.subject} goes to ${m.channel}`).toContain(m.channel);
    // Slack took it: nothing the bot accepted makes a message it cannot deliver (a reply whose
    // thread is gone, or was forged, is said in the channel instead).
    expect({ subject: m.subject, error: m.last_error, parked: m.parked_at }).toEqual({
      subject: m.subject,
      error: null,
      parked: null,
    });
  }
  const escs = added(before, after, 'escalations') as Array<{
    id: number;
    patch_id: number;
    client_id: number | null;
    visit_id: number | null;
    note: string | null;
    outcome_note: string | null;
  }>;
  for (const e of escs) {
    const own = patches.find((p) => p.id === e.patch_id)?.channel_id;
    const note = rows<{ channel: string }>(
      h,
      'SELECT channel FROM slack_messages WHERE subject = ?',
      `escpatch:${e.id}`,
    );
    for (const n of note) expect(n.channel, `escalation ${e.id}'s patch note`).toBe(own);
    if (e.client_id !== null) {
      const c = rows<{ patch_id: number }>(h, 'SELECT patch_id FROM clients WHERE id = ?', e.client_id)[0];
      expect(c?.patch_id, `escalation ${e.id}'s client`).toBe(e.patch_id);
    }
    if (e.visit_id !== null) {
      const v = rows<{ patch_id: number }>(h, 'SELECT patch_id FROM visits WHERE id = ?', e.visit_id)[0];
      expect(v?.patch_id, `escalation ${e.id}'s visit`).toBe(e.patch_id);
    }
  }
  const visits = added(before, after, 'visits') as Array<{ purpose: string; close_reason: string | null }>;
  const texts = [
    ...escs.flatMap((e) => [e.note, e.outcome_note]),
    ...visits.flatMap((v) => [v.purpose, v.close_reason]),
  ];
  for (const t of texts) {
    if (t !== null) expect(textProblem(t, { multiline: true, emoji: true }), JSON.stringify(t)).toBeNull();
  }
}

// ---------- the process ----------

/** GET /healthz on the port the Slack endpoint listens on: the process still answers, and is well. */
export async function expectHealthy(h: Harness): Promise<void> {
  const res = await fetch(h.slack.url.replace('/slack/events', '/healthz'));
  expect(res.status).toBe(200);
  expect(((await res.json()) as { status: string }).status).toBe('ok');
}

/** A log that keeps its warnings and errors (ids and codes only: the log never holds text). */
export class RecordingLog implements Log {
  readonly bad: Array<{ level: 'warn' | 'error'; event: string; fields?: Fields }> = [];
  debug(): void {}
  info(): void {}
  warn(event: string, fields?: Fields): void {
    this.bad.push({ level: 'warn', event, ...(fields ? { fields } : {}) });
  }
  error(event: string, fields?: Fields): void {
    this.bad.push({ level: 'error', event, ...(fields ? { fields } : {}) });
  }
  /** The errors since the last call (a listener that threw, Bolt's own complaints); warnings dropped. */
  takeErrors(): Array<{ event: string; fields?: Fields }> {
    const errors = this.bad.filter((b) => b.level === 'error');
    this.bad.length = 0;
    return errors;
  }
}

/**
 * What must hold after any request, whatever it held: Slack's stand-in saw nothing it would refuse,
 * no listener threw (app.error logs `slack.listener_failed`; Bolt logs its own errors as `bolt`),
 * and the process still answers its health check.
 */
export async function expectNoHarm(h: Harness, log: RecordingLog): Promise<void> {
  expect(h.fake.takeErrors()).toEqual([]);
  expect(log.takeErrors()).toEqual([]);
  await expectHealthy(h);
}

// ---------- hostile values ----------

/** Any UTF-16 code unit, lone surrogates included (fast-check's own units never split a pair). */
const codeUnit = fc.integer({ min: 0, max: 0xffff }).map((n) => String.fromCharCode(n));

/** Characters that have broken text handling somewhere: controls, bidi, zero-width, U+FFFD, surrogates. */
export const NASTY_CHARS = [
  '\u0000',
  '\u0007',
  '\u0008',
  '\u001b',
  '\u007f',
  '\u0085',
  '\u009b',
  '\r',
  '\n',
  '\t',
  '\u00ad',
  '\u200b',
  '\u200c',
  '\u200d',
  '\u200e',
  '\u200f',
  '\u202a',
  '\u202e',
  '\u2066',
  '\u2069',
  '\u2028',
  '\u2029',
  '\u2060',
  '\ufeff',
  '\ufffd',
  '\ufffe',
  '\ud800',
  '\udfff',
  '\ue000',
  '\u3164',
  '\u{e0041}',
  '\u{1f469}\u200d\u2695\ufe0f',
  'e\u0301',
];

/** Strings a person, a client or an attacker might send in a field that expects a word. */
export const NASTY_STRINGS = [
  '',
  ' ',
  '   \n  ',
  'toString',
  'constructor',
  '__proto__',
  'hasOwnProperty',
  'valueOf',
  'prototype',
  'null',
  'undefined',
  'NaN',
  'Infinity',
  '-Infinity',
  'true',
  '[]',
  '{}',
  '{"__proto__":{"polluted":1}}',
  '0',
  '-1',
  '-0',
  '1.5',
  '1e3',
  '1e309',
  '0x1',
  '01',
  ' 1',
  '1 ',
  '+1',
  '１',
  '٣',
  '9007199254740993',
  '99999999999999999999',
  '2147483648',
  '<!channel>',
  '<!here>',
  '<!everyone>',
  '<@U0SUPER1>',
  '<#C0SUPERV1>',
  '<https://evil.test|click>',
  '&lt;!channel&gt;',
  '&amp;lt;',
  '*bold* _it_ ~gone~ `code` ```block```',
  '> quoted\n>> more',
  ':pill: :rotating_light:',
  '\u202egnp.exe',
  'Zoë',
  'Zoe\u0308',
  'Mrs P',
  'Mrs\u00a0P',
  '   Mrs P   ',
  'Mrs P\u200b',
  '\ud83d',
  '\ude00x',
  'x\ufffdy',
  'a\u0000b',
  '\u001b[31mred\u001b[0m',
  "'; DROP TABLE visits; --",
  '%00',
  '%s%s%n',
  '$\u{7b}process.exit()}',
  '../../etc/passwd',
  '🙂'.repeat(200),
  'x'.repeat(301),
  'y'.repeat(501),
  'z'.repeat(3001),
  'w'.repeat(10_240),
  'line\n'.repeat(2000),
  '12:00',
  '24:00',
  '23:59',
  '7:5',
  '99:99',
  '2026-11-23',
];

/** A hostile string: a known bad one, random code units, nasty characters spliced into words, or huge. */
export const hostileString: fc.Arbitrary<string> = fc.oneof(
  { weight: 5, arbitrary: fc.constantFrom(...NASTY_STRINGS) },
  { weight: 2, arbitrary: fc.string({ unit: codeUnit, maxLength: 40 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  {
    weight: 3,
    arbitrary: fc
      .array(fc.oneof(fc.constantFrom(...NASTY_CHARS), fc.string({ maxLength: 8 })), { maxLength: 12 })
      .map((parts) => parts.join('')),
  },
  {
    weight: 1,
    arbitrary: fc
      .tuple(
        fc.constantFrom('a', 'é', '🙂', '\u200b', '<!channel> ', '\n'),
        fc.integer({ min: 290, max: 12_000 }),
      )
      .map(([s, n]) => s.repeat(Math.ceil(n / s.length)).slice(0, n)),
  },
);

/** Numbers written as strings, the way a tampered select would send an id. */
export const numberString: fc.Arbitrary<string> = fc.oneof(
  fc.integer().map(String),
  fc.integer({ min: -3, max: 60 }).map(String),
  fc.double().map(String),
  fc.bigInt({ min: -(2n ** 80n), max: 2n ** 80n }).map(String),
  fc.constantFrom('1.0', '1.', '.5', '-0', '1e2', '0b1', '0o7', '0x1f', '1_000'),
);

/** A value in a JSON payload where something else was expected: any JSON, or a known bad one. */
export const hostileJson: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(null, true, false, 0, -1, 1.5, 2 ** 53 + 2, '', '1', [], {}, [1], { value: '1' }),
  hostileString,
  fc.jsonValue({ maxDepth: 2 }),
);

/** Picks from `known` (ids that exist, here or in another patch), else a hostile number or string. */
export function idLike(known: readonly (number | string)[]): fc.Arbitrary<string> {
  const base: fc.Arbitrary<string>[] = [numberString, hostileString];
  if (known.length > 0) base.unshift(fc.constantFrom(...known.map(String)));
  return fc.oneof(...base);
}

/** People in no team at all: a stranger, an enterprise user, Slackbot, and ids no one has. */
export const STRANGERS = ['U0STRANGR', 'W0ENTERP1', 'USLACKBOT', 'toString', '__proto__', 'U'];
export const ADMIN = 'U0ADMIN1';

/** Users by what they are to the patch under test. */
export function userArb(people: {
  own: readonly string[];
  other: readonly string[];
  supervisors: readonly string[];
}): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...people.own) },
    { weight: 1, arbitrary: fc.constantFrom(...people.other) },
    { weight: 2, arbitrary: fc.constantFrom(...people.supervisors) },
    { weight: 1, arbitrary: fc.constantFrom(ADMIN, ...STRANGERS) },
  );
}
