import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Document, parse, stringify } from 'yaml';
import { runCli } from '../../src/cli.ts';
import { textProblem } from '../../src/text.ts';
import { runBin } from '../support/bin.ts';
import { TEAM } from '../support/harness.ts';
import { hostileString, runs, SEED } from './support.ts';

/**
 * Property 4: the roster file, mutated. Keys deleted, values of the wrong type, hostile strings,
 * duplicate codes and channels, YAML anchors and aliases (dangling, self-referential, a billion
 * laughs), bytes that are not UTF-8, the file cut short, a byte flipped. `patchbot import` through
 * runCli for the many and the real bin for a few: it exits 0, 1 or 2; every error is one printable
 * line (no stack trace, nothing invisible); a failed import leaves the database file as it was; a
 * mutation that still imports can be undone by importing the original again.
 */

type Path = Array<string | number>;
/** A value of another type than the field wants. */
type Retyped = string | number | boolean | unknown[] | Record<string, unknown>;

type Mutation =
  | { kind: 'delete'; path: number }
  | { kind: 'retype'; path: number; to: Retyped }
  | { kind: 'hostile'; path: number; text: string }
  | { kind: 'unknown-key'; path: number; key: string }
  | { kind: 'duplicate'; what: 'patch code' | 'client code' | 'channel' | 'client name' | 'supervisors' }
  | { kind: 'alias'; anchor: number; at: number }
  | { kind: 'dangling-alias'; at: number }
  | { kind: 'billion-laughs' }
  | {
      kind: 'text';
      variant: 'bom' | 'crlf' | 'tabs' | 'two-docs' | 'dup-key' | 'empty' | 'nul' | 'comment-only';
    }
  | { kind: 'bad-utf8'; at: number; bytes: readonly number[] }
  | { kind: 'truncate'; at: number }
  | { kind: 'flip'; at: number; mask: number };

const ORIGINAL = readFileSync(TEAM);
const STRUCTURAL = new Set([
  'delete',
  'retype',
  'hostile',
  'unknown-key',
  'duplicate',
  'alias',
  'dangling-alias',
]);

/** Every path in a parsed document, the root's children first. */
function pathsOf(value: unknown, at: Path = []): Path[] {
  const out: Path[] = [];
  if (Array.isArray(value)) {
    value.forEach((v, i) => {
      out.push([...at, i], ...pathsOf(v, [...at, i]));
    });
  } else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) out.push([...at, k], ...pathsOf(v, [...at, k]));
  }
  return out;
}

function setIn(root: unknown, path: Path, value: unknown): void {
  let node = root as Record<string | number, unknown>;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, unknown>;
  const last = path[path.length - 1] as string | number;
  if (value === undefined) {
    if (Array.isArray(node)) node.splice(Number(last), 1);
    else delete node[last];
  } else node[last] = value;
}

function getIn(root: unknown, path: Path): unknown {
  let node = root as Record<string | number, unknown> | undefined;
  for (const key of path) node = node?.[key] as Record<string | number, unknown> | undefined;
  return node;
}

/** The roster file's bytes after these mutations: structural ones on the YAML, then the text and bytes. */
function mutate(mutations: Mutation[]): Buffer {
  const data = parse(ORIGINAL.toString('utf8')) as Record<string, unknown>;
  let structural = false;
  const aliases: Array<{ anchor: Path; at: Path }> = [];
  const dangling: Path[] = [];
  for (const m of mutations) {
    const paths = pathsOf(data);
    const pick = (n: number) => paths[n % paths.length] as Path;
    switch (m.kind) {
      case 'delete':
        setIn(data, pick(m.path), undefined);
        break;
      case 'retype':
        setIn(data, pick(m.path), m.to);
        break;
      case 'hostile':
        setIn(data, pick(m.path), m.text);
        break;
      case 'unknown-key': {
        const at = pick(m.path);
        const target = getIn(data, at);
        if (target && typeof target === 'object' && !Array.isArray(target))
          (target as Record<string, unknown>)[m.key] = 'x';
        else setIn(data, at, { [m.key]: 'x' });
        break;
      }
      case 'duplicate': {
        const patches = data.patches as Array<Record<string, unknown>> | undefined;
        const [p0, p1] = Array.isArray(patches) ? patches : [];
        const clientsOf = (p: unknown) =>
          ((p as { clients?: unknown } | undefined)?.clients as Array<Record<string, unknown>> | undefined) ??
          [];
        if (m.what === 'patch code' && p0 && p1) p1.code = String(p0.code).toLowerCase();
        if (m.what === 'channel' && p0 && p1) p1.channel = p0.channel;
        if (m.what === 'supervisors' && p0) p0.channel = (data.supervisors as { channel?: unknown })?.channel;
        const [c0, c1] = clientsOf(p0);
        if (m.what === 'client code' && c0) {
          const other = c1 ?? clientsOf(p1)[0];
          if (other) other.code = c0.code;
        }
        if (m.what === 'client name' && c0 && c1) c1.name = ` ${String(c0.name).toUpperCase()} `;
        break;
      }
      case 'alias':
        aliases.push({ anchor: pick(m.anchor), at: pick(m.at) });
        break;
      case 'dangling-alias':
        dangling.push(pick(m.at));
        break;
      default:
        break;
    }
    if (STRUCTURAL.has(m.kind)) structural = true;
  }
  let text = ORIGINAL.toString('utf8');
  if (structural) {
    const out = new Document(data);
    for (const a of aliases) {
      const node = out.getIn(a.anchor, true);
      if (!node || typeof node !== 'object') continue;
      try {
        out.setIn(a.at, out.createAlias(node as Parameters<typeof out.createAlias>[0]));
      } catch {
        // An alias where the document cannot hold one: leave the value as it is.
      }
    }
    try {
      text = out.toString();
    } catch {
      text = stringify(data);
    }
    for (const at of dangling) {
      const key = at[at.length - 1];
      if (typeof key === 'string') text = text.replace(new RegExp(`(^\\s*${key}:).*$`, 'm'), '$1 *nowhere');
    }
  }
  let bytes = Buffer.from(text, 'utf8');
  for (const m of mutations) {
    switch (m.kind) {
      case 'billion-laughs': {
        const lol = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
        for (let i = 1; i < 9; i++) {
          const prev = String.fromCharCode(96 + i);
          const name = String.fromCharCode(97 + i);
          lol.push(
            `${name}: &${name} [*${prev},*${prev},*${prev},*${prev},*${prev},*${prev},*${prev},*${prev},*${prev}]`,
          );
        }
        bytes = Buffer.from(`${lol.join('\n')}\n${bytes.toString('utf8')}`, 'utf8');
        break;
      }
      case 'text': {
        const t = bytes.toString('utf8');
        const variants: Record<typeof m.variant, () => string> = {
          bom: () => `\ufeff${t}`,
          crlf: () => t.replace(/\n/g, '\r\n'),
          tabs: () => t.replace(/^( +)/gm, (s) => '\t'.repeat(s.length / 2)),
          'two-docs': () => `${t}\n---\n${t}`,
          'dup-key': () => t.replace(/^timezone: .*$/m, '$&\ntimezone: Europe/Paris'),
          empty: () => '',
          nul: () => t.replace('Mrs P', 'Mrs\u0000P'),
          'comment-only': () => '# nothing here\n',
        };
        bytes = Buffer.from(variants[m.variant](), 'utf8');
        break;
      }
      case 'bad-utf8': {
        const at = bytes.length === 0 ? 0 : m.at % bytes.length;
        bytes = Buffer.concat([bytes.subarray(0, at), Buffer.from(m.bytes), bytes.subarray(at)]);
        break;
      }
      case 'truncate':
        bytes = bytes.subarray(0, bytes.length === 0 ? 0 : m.at % bytes.length);
        break;
      case 'flip':
        if (bytes.length > 0) {
          bytes = Buffer.from(bytes);
          const at = m.at % bytes.length;
          bytes[at] = (bytes[at] as number) ^ m.mask;
        }
        break;
      default:
        break;
    }
  }
  return bytes;
}

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('delete' as const), path: fc.nat() }) },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('retype' as const),
      path: fc.nat(),
      to: fc.constantFrom<Retyped>(
        42,
        -1,
        0,
        1.5,
        1e21,
        true,
        false,
        [],
        {},
        ['x'],
        { a: 1 },
        '',
        '08:00',
        'daily',
        'mon',
      ),
    }),
  },
  {
    weight: 4,
    arbitrary: fc.record({ kind: fc.constant('hostile' as const), path: fc.nat(), text: hostileString }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('unknown-key' as const),
      path: fc.nat(),
      key: fc.constantFrom('__proto__', 'constructor', 'toString', 'Code', 'name ', 'extra'),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('duplicate' as const),
      what: fc.constantFrom(
        'patch code',
        'client code',
        'channel',
        'client name',
        'supervisors',
      ) as fc.Arbitrary<'patch code' | 'client code' | 'channel' | 'client name' | 'supervisors'>,
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({ kind: fc.constant('alias' as const), anchor: fc.nat(), at: fc.nat() }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('dangling-alias' as const), at: fc.nat() }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'billion-laughs' as const }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('text' as const),
      variant: fc.constantFrom(
        'bom',
        'crlf',
        'tabs',
        'two-docs',
        'dup-key',
        'empty',
        'nul',
        'comment-only',
      ) as fc.Arbitrary<'bom' | 'crlf' | 'tabs' | 'two-docs' | 'dup-key' | 'empty' | 'nul' | 'comment-only'>,
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('bad-utf8' as const),
      at: fc.nat(),
      bytes: fc.constantFrom(
        [0xff],
        [0x80],
        [0xc0, 0x80],
        [0xed, 0xa0, 0x80],
        [0xf4, 0x90, 0x80, 0x80],
        [0xe2, 0x82],
        [0xfe, 0xff],
      ),
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('flip' as const),
      at: fc.nat(),
      mask: fc.integer({ min: 1, max: 255 }),
    }),
  },
);
const mutations = fc.array(mutation, { minLength: 1, maxLength: 3 });

// ---------- the database file ----------

let dir: string;
let dbPath: string;
let rosterPath: string;
const savedDatabasePath = process.env.DATABASE_PATH;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'patchbot-fuzz-roster-'));
  dbPath = join(dir, 'patchbot.db');
  rosterPath = join(dir, 'roster.yml');
  process.env.DATABASE_PATH = dbPath;
});
afterAll(() => {
  if (savedDatabasePath === undefined) delete process.env.DATABASE_PATH;
  else process.env.DATABASE_PATH = savedDatabasePath;
  rmSync(dir, { recursive: true, force: true });
});

/** Every row of every table of the database file (opened read-only, closed again). */
function dump(): Record<string, unknown[]> {
  const sqlite = new Database(dbPath, { readonly: true });
  try {
    const tables = sqlite
      .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
      .all() as { name: string }[];
    return Object.fromEntries(
      tables.map(({ name }) => [name, sqlite.prepare(`SELECT * FROM "${name}" ORDER BY rowid`).all()]),
    );
  } finally {
    sqlite.close();
  }
}

async function cli(...argv: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(argv, { out: (s) => out.push(s), err: (s) => err.push(s) });
  return { code, out, err };
}

/** What every failure must look like: exit 1 or 2, and each line it writes one printable line of its own. */
function expectOneLineErrors(code: number | null, lines: string[]): void {
  expect([0, 1, 2]).toContain(code);
  if (code !== 0) expect(lines.length).toBeGreaterThan(0);
  for (const line of lines) {
    expect(line, 'one line per error').not.toMatch(/[\r\n]/);
    expect(line, 'no stack trace').not.toMatch(/^\s+at /);
    expect(line, 'no crash').not.toMatch(/unexpected [A-Za-z]*Error/);
    // Whatever the file held is quoted printable: nothing invisible or control reaches the terminal.
    expect(textProblem(line), JSON.stringify(line)).toBeNull();
  }
}

describe('roster import, fuzzed', () => {
  it('runCli import of a mutated roster: exit 0/1/2, one printable line per error, no change on failure', async () => {
    expect((await cli('import', TEAM)).code).toBe(0);
    let failed = 0;
    let imported = 0;
    await fc.assert(
      fc.asyncProperty(mutations, async (ms) => {
        writeFileSync(rosterPath, mutate(ms));
        const rowsBefore = dump();
        const bytesBefore = readFileSync(dbPath);
        const { code, err } = await cli('import', rosterPath);
        expectOneLineErrors(code, err);
        if (code !== 0) {
          failed++;
          expect(dump()).toEqual(rowsBefore);
          expect(readFileSync(dbPath).equals(bytesBefore), 'the database file, byte for byte').toBe(true);
        } else {
          imported++;
          // It still parsed and was loaded: the original goes back in as it always did.
          const back = await cli('import', TEAM);
          expect(back.err).toEqual([]);
          expect(back.code).toBe(0);
        }
      }),
      runs(150),
    );
    expect(failed).toBeGreaterThan(50);
    expect(imported).toBeGreaterThan(0);
  });

  it('the real bin, for a few of the same mutations: the same rules, from a child process', async () => {
    // The same database file as above; the original goes in in-process (fast), the mutations through
    // the bin. A handful only: each is a whole process with tsx, so the many go through runCli above.
    expect((await cli('import', TEAM)).code).toBe(0);
    const env = { DATABASE_PATH: dbPath };
    // The first sampled case of each family: the file's values, its YAML, its bytes.
    const families = [
      ['delete', 'retype', 'hostile', 'unknown-key', 'duplicate'],
      ['alias', 'dangling-alias', 'billion-laughs', 'text'],
      ['bad-utf8', 'truncate', 'flip'],
    ];
    const sampled = fc.sample(mutations, { seed: SEED, numRuns: 100 });
    const cases = families.map((kinds) => sampled.find((ms) => kinds.includes(ms[0]?.kind ?? '')) ?? []);
    for (const ms of cases) {
      writeFileSync(rosterPath, mutate(ms));
      const before = readFileSync(dbPath);
      const { code, stdout, stderr } = await runBin(['import', rosterPath], env);
      const lines = stderr.split('\n').filter((l) => l !== '');
      expectOneLineErrors(code, lines);
      if (code !== 0) {
        expect(stdout).toBe('');
        expect(readFileSync(dbPath).equals(before), 'the database file, byte for byte').toBe(true);
      } else expect((await cli('import', TEAM)).code).toBe(0);
    }
  });
});
