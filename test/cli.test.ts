import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../src/cli.ts';

const ROSTER = join(import.meta.dirname, 'patches', 'fixtures', 'roster.yml');

/** runCli with its output captured, one entry per line written. */
async function cli(...argv: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(argv, {
    out: (s) => out.push(...s.split('\n')),
    err: (s) => err.push(...s.split('\n')),
  });
  return { code, out, err };
}

const usageLine = 'Usage: patchbot <command> [options]';

let dir: string;
let dbPath: string;
const savedDatabasePath = process.env.DATABASE_PATH;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'patchbot-cli-'));
  dbPath = join(dir, 'data', 'patchbot.db');
  process.env.DATABASE_PATH = dbPath;
});
afterEach(() => {
  if (savedDatabasePath === undefined) delete process.env.DATABASE_PATH;
  else process.env.DATABASE_PATH = savedDatabasePath;
  rmSync(dir, { recursive: true, force: true });
});

/** Every row of every table of the database file (opened read-only, closed again). */
function dump(path: string): Record<string, unknown[]> {
  const sqlite = new Database(path, { readonly: true });
  try {
    const tables = sqlite
      .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
      .all() as { name: string }[];
    return Object.fromEntries(
      tables.map(({ name }) => [name, sqlite.prepare(`SELECT * FROM "${name}"`).all()]),
    );
  } finally {
    sqlite.close();
  }
}

function tempRoster(text: string): string {
  const path = join(dir, 'roster.yml');
  writeFileSync(path, text);
  return path;
}

describe('patchbot help and mistakes', () => {
  it('help prints the usage with every command', async () => {
    for (const argv of [['help'], ['--help'], ['-h'], []]) {
      const { code, out, err } = await cli(...argv);
      expect(code).toBe(0);
      expect(err).toEqual([]);
      expect(out[0]).toBe(usageLine);
      for (const command of ['start', 'import <roster.yml>', 'export escalations', 'export visits', 'help']) {
        expect(out.some((line) => line.trimStart().startsWith(command))).toBe(true);
      }
    }
  });

  it('an unknown command exits 2 in one line that names it', async () => {
    const { code, out, err } = await cli('statr');
    expect(code).toBe(2);
    expect(out).toEqual([]);
    expect(err).toEqual(['patchbot: unknown command "statr" (see `patchbot help`)']);
  });

  it('import without a file exits 2 and shows the usage', async () => {
    const { code, err } = await cli('import');
    expect(code).toBe(2);
    expect(err).toEqual(['patchbot import: missing an argument: usage is `patchbot import <roster.yml>`']);
  });

  it('every command has --help, which does nothing else', async () => {
    for (const argv of [
      ['start', '--help'],
      ['import', '-h'],
      ['export', 'escalations', '--help'],
      ['export', 'visits', '--help'],
    ]) {
      const { code, out, err } = await cli(...argv);
      expect(code).toBe(0);
      expect(err).toEqual([]);
      expect(out[0]).toMatch(/^Usage: patchbot /);
    }
  });

  it('an unknown flag, or a flag without its value, is one line and exit 2', async () => {
    expect(await cli('export', 'escalations', '--form', '2026-11-01')).toMatchObject({
      code: 2,
      err: ['patchbot export escalations: unknown option --form (see `patchbot export escalations --help`)'],
    });
    expect(
      await cli('export', 'escalations', '--from', '2026-11-01', '--to', '2026-11-02', '--out'),
    ).toMatchObject({
      code: 2,
      err: [
        'patchbot export escalations: --out needs a value (e.g. --out=VALUE) (see `patchbot export escalations --help`)',
      ],
    });
    expect(await cli('export')).toMatchObject({
      code: 2,
      err: ['patchbot export: say which: escalations, visits (see `patchbot help`)'],
    });
  });

  it('takes --flag=value and --flag value alike', async () => {
    expect((await cli('import', ROSTER)).code).toBe(0);
    const a = await cli('export', 'escalations', '--from=2026-11-01', '--to=2026-11-30');
    const b = await cli('export', 'escalations', '--from', '2026-11-01', '--to', '2026-11-30');
    expect(a.code).toBe(0);
    expect(a).toEqual(b);
  });
});

describe('patchbot import', () => {
  it('loads a roster, then says nothing changed when it is imported again', async () => {
    const first = await cli('import', ROSTER);
    expect(first).toEqual({
      code: 0,
      out: [
        `Imported ${ROSTER}: Roster imported: patches 2 created; clients 3 created; visit plans 5 created; settings created; roles 3 added, 0 removed.`,
      ],
      err: [],
    });
    const rows = dump(dbPath);
    expect(rows.patches).toHaveLength(2);
    expect(rows.plans).toHaveLength(5);

    const second = await cli('import', ROSTER);
    expect(second).toEqual({
      code: 0,
      out: [
        `Imported ${ROSTER}: Nothing changed: the database already matches the roster (2 patches, 3 clients, 5 visit plans).`,
      ],
      err: [],
    });
    expect(dump(dbPath)).toEqual(rows);
  });

  it('goes ahead when key workers are not signed off for tasks their clients need, and says so', async () => {
    const team = join(import.meta.dirname, 'competence', 'fixtures', 'team.yml');
    const { code, out, err } = await cli('import', team);
    expect(code).toBe(0);
    expect(err).toEqual([]);
    expect(out.slice(1)).toEqual([
      '  warning: client P07-01: key worker U0ALICE1 is not signed off for Insulin injection (never signed off), which its visits need',
      '  warning: client P07-02: key worker U0BOB0001 is not signed off for Eye drops (never signed off), which its visits need',
      '  (sign them off with /competence in Slack; until then the supervisors are told the day before each such visit)',
    ]);
    expect(dump(dbPath).plan_tasks).toHaveLength(2);
  });

  it('refuses an invalid roster with exit 1, one line per problem with its path, and changes nothing', async () => {
    expect((await cli('import', ROSTER)).code).toBe(0);
    const before = dump(dbPath);

    const text = readFileSync(ROSTER, 'utf8');
    for (const part of ['name: Mr K', 'at: "21:00"']) expect(text).toContain(part);
    const broken = tempRoster(
      text
        .replace('name: Westbury North', 'name: Westbury Central') // valid on its own: must not be applied
        .replace('name: Mr K', 'name: ""')
        .replace('at: "21:00"', 'at: "9pm"'),
    );
    const { code, out, err } = await cli('import', broken);
    expect(code).toBe(1);
    expect(out).toEqual([]);
    expect(err).toEqual([
      `patchbot import: ${broken} was not loaded (nothing changed):`,
      '  patches[0].clients[1].name: must not be empty',
      '  patches[1].clients[0].visits[1].at: expected HH:mm',
    ]);
    expect(dump(dbPath)).toEqual(before);
  });

  it('an invalid roster puts no roster data in a new database', async () => {
    const { code } = await cli('import', tempRoster('timezone: Europe/Lundon\n'));
    expect(code).toBe(1);
    if (!existsSync(dbPath)) return; // not even created: untouched
    const rows = dump(dbPath);
    for (const table of ['provider', 'patches', 'clients', 'plans', 'roles']) expect(rows[table]).toEqual([]);
  });

  it('a missing file is one line naming it, exit 1, and creates no database', async () => {
    const missing = join(dir, 'nope.yml');
    const { code, out, err } = await cli('import', missing);
    expect(code).toBe(1);
    expect(out).toEqual([]);
    expect(err).toHaveLength(1);
    expect(err[0]).toContain(`${missing}: no such file`);
    expect(existsSync(dbPath)).toBe(false);
  });
});

describe('patchbot start', () => {
  const savedEnv = process.env;
  afterEach(() => {
    process.env = savedEnv;
  });

  it('with an empty environment exits 1 with one line per problem and no stack trace', async () => {
    process.env = {};
    const { code, out, err } = await cli('start');
    process.env = savedEnv;
    expect(code).toBe(1);
    expect(out).toEqual([]);
    expect(err).toEqual([
      'patchbot start: cannot start, the environment is not right:',
      '  SLACK_BOT_TOKEN is required (the bot token, xoxb-…)',
      '  SLACK_SIGNING_SECRET is required (Basic Information → Signing Secret)',
    ]);
    expect(err.join('\n')).not.toMatch(/\n\s+at /);
  });
});

describe('patchbot outbox', () => {
  it('lists parked and waiting messages with their last errors, and retry puts parked ones back', async () => {
    expect((await cli('import', ROSTER)).code).toBe(0);
    const sqlite = new Database(dbPath);
    const now = Date.now();
    const insert = sqlite.prepare(
      `insert into slack_messages (subject, channel, want_rev, done_rev, next_attempt_at, created_at, pending_since, parked_at, last_error, priority)
       values (?, ?, 1, 0, ?, ?, ?, ?, ?, ?)`,
    );
    insert.run(
      'esc:7',
      'C0SUPERV1',
      now,
      now - 600_000,
      now - 600_000,
      now - 300_000,
      'render_failed: TypeError',
      0,
    );
    insert.run('alert:3', 'C0PATCH07', now, now - 120_000, now - 120_000, null, 'service_unavailable', 1);
    sqlite.close();

    const listed = await cli('outbox');
    expect(listed.code).toBe(0);
    expect(listed.out[0]).toBe('Parked (1): not sent until retried (`patchbot outbox retry SUBJECT|--all`)');
    expect(listed.out[1]).toMatch(/^ {2}esc:7 +C0SUPERV1 +5 min ago last error: render_failed: TypeError$/);
    expect(listed.out).toContain('Waiting (1): due to Slack, most urgent first');
    expect(listed.out.at(-1)).toMatch(/^ {2}alert:3 +C0PATCH07 +2 min ago last error: service_unavailable$/);

    expect(await cli('outbox', 'retry')).toMatchObject({
      code: 2,
      err: ['patchbot outbox retry: name one SUBJECT (see `patchbot outbox`) or give --all'],
    });
    expect(await cli('outbox', 'retry', 'alert:3')).toMatchObject({
      code: 1,
      err: ['patchbot outbox retry: alert:3 is not parked (see `patchbot outbox`)'],
    });
    expect(await cli('outbox', 'retry', 'esc:7')).toMatchObject({
      code: 0,
      out: ['Put 1 parked message back in the queue.'],
    });
    const after = await cli('outbox');
    expect(after.out[0]).toBe('Parked: none.');
    expect(after.out).toContain('Waiting (2): due to Slack, most urgent first');
  });
});
