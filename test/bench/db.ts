import { copyFileSync } from 'node:fs';
import { type Db, openDb } from '../../db/index.ts';
import { hub, importRosterWithVisits, jobs } from '../../src/hub.ts';
import { Scheduler } from '../../src/jobs/scheduler.ts';
import { silentLog } from '../../src/log.ts';
import type { ImportSummary } from '../../src/patches/import.ts';
import { parseRoster } from '../../src/patches/roster.ts';
import { ManualClock } from '../../src/time.ts';
import { now } from './stats.ts';

/**
 * The benchmarks' databases, as files: the generated roster imported once (as `patchbot import` and
 * the bot would, visits included), then copied for each measure, so every measure starts from the same
 * state and the import (minutes at 1,000 patches) is paid once.
 */

export interface Built {
  parseMs: number;
  importMs: number;
  warmTicks: number;
  summary: ImportSummary;
  counts: Record<string, number>;
}

const TABLES = [
  'patches',
  'patch_assistants',
  'clients',
  'plans',
  'visits',
  'visit_clients',
  'visit_carers',
  'visit_events',
  'slack_messages',
  'escalations',
  'seen_requests',
] as const;

export function tableCounts(db: Db): Record<string, number> {
  const out: Record<string, number> = {};
  for (const t of TABLES) {
    out[t] = (db.$client.prepare(`select count(*) as n from ${t}`).get() as { n: number }).n;
  }
  return out;
}

/** A scheduler over the bot's own jobs, as createPatchbot builds it, with no Slack and no timers. */
export function jobsOnly(db: Db, clock: ManualClock): Scheduler {
  return new Scheduler({ db, clock, log: silentLog }, jobs({ db, log: silentLog, hub }));
}

/**
 * Parses and imports `yaml` at `at` into a new database file, then runs the jobs at `at` until nothing
 * is due (a new patch's digest time is worked out by the first ticks, 200 patches a tick, as the bot
 * does when it starts), and closes it with the WAL folded in, so the file can be copied alone.
 */
export async function buildDb(path: string, yaml: string, at: number): Promise<Built> {
  const t0 = now();
  const parsed = parseRoster(yaml);
  if (!parsed.ok) throw new Error(`bench roster invalid: ${parsed.errors.slice(0, 5).join('; ')}`);
  const t1 = now();
  const db = openDb(path);
  try {
    const summary = importRosterWithVisits(db, parsed.roster, at);
    const t2 = now();
    const clock = new ManualClock(at);
    const scheduler = jobsOnly(db, clock);
    let warmTicks = 0;
    for (;;) {
      const next = scheduler.nextDue();
      if (next === null || next > at) break;
      if (++warmTicks > 100)
        throw new Error('bench: the jobs still have work after 100 ticks at import time');
      const report = await scheduler.tick();
      const did = Object.entries(report ?? {}).filter(([job, n]) => n > 0 && job !== 'digests');
      if (did.length > 0) throw new Error(`bench: a tick at import time did ${JSON.stringify(report)}`);
    }
    const counts = tableCounts(db);
    db.$client.pragma('wal_checkpoint(TRUNCATE)');
    return { parseMs: t1 - t0, importMs: t2 - t1, warmTicks, summary, counts };
  } finally {
    db.$client.close();
  }
}

/** A fresh copy of a built database file. */
export function copyDb(from: string, to: string): string {
  copyFileSync(from, to);
  return to;
}

export interface Replicated {
  ms: number;
  counts: Record<string, number>;
}

/**
 * A database `times` the size of `from`: each patch, with its assistants, clients, plans, visits and
 * their records, copied `times - 1` more times under new ids, codes, channels and assistants, by SQL.
 * Used for 10,000 patches, whose import through `importRosterWithVisits` would take about half an hour
 * on a 2-core machine (the run reports the 1,000-patch import time). The copy has exactly the rows an
 * import of the bigger roster would make, and the same due instants.
 */
export function replicateDb(from: string, to: string, times: number): Replicated {
  copyFileSync(from, to);
  const db = openDb(to);
  const t0 = now();
  try {
    const sqlite = db.$client;
    const max = (table: string, col = 'id') =>
      (sqlite.prepare(`select max(${col}) as m from ${table}`).get() as { m: number }).m;
    const P = max('patches');
    const C = max('clients');
    const PL = max('plans');
    const V = max('visits');
    const E = max('visit_events');
    const counts0 = tableCounts(db);
    if (counts0.patches !== P) throw new Error('bench: patch ids are not 1…n');
    for (const t of ['slack_messages', 'escalations', 'seen_requests', 'visit_carers'] as const) {
      if (counts0[t] !== 0) throw new Error(`bench: cannot replicate a database with ${t} rows`);
    }
    const cols = (table: string) =>
      (sqlite.prepare(`pragma table_info(${table})`).all() as Array<{ name: string }>).map((c) => c.name);
    /** INSERT … SELECT of every column, some replaced by expressions of the original row and :k. */
    const copy = (table: string, over: Record<string, string>, where = '1') => {
      const names = cols(table);
      const select = names.map((n) => over[n] ?? n).join(', ');
      return sqlite.prepare(
        `insert into ${table} (${names.join(', ')}) select ${select} from ${table} where ${where}`,
      );
    };
    // The patch a copied row belongs to, and its assistants: `U0P00001A` of copy k of patch 1.
    const newPatch = (patchCol: string) => `(${patchCol} + :k * ${P})`;
    const patchCode = (patchCol: string) => `printf('P%05d', ${newPatch(patchCol)})`;
    const user = (col: string, patchCol: string) =>
      `case when ${col} is null then null else 'U0' || ${patchCode(patchCol)} || substr(${col}, -1) end`;
    const statements = [
      copy(
        'patches',
        {
          id: newPatch('id'),
          code: patchCode('id'),
          name: `'Bench patch ' || ${newPatch('id')}`,
          channel_id: `printf('C0BENCH%05d', ${newPatch('id')})`,
        },
        `id <= ${P}`,
      ),
      copy(
        'patch_assistants',
        { patch_id: newPatch('patch_id'), user_id: user('user_id', 'patch_id') },
        `patch_id <= ${P}`,
      ),
      copy(
        'clients',
        {
          id: `id + :k * ${C}`,
          code: `${patchCode('patch_id')} || substr(code, 7)`,
          patch_id: newPatch('patch_id'),
          key_worker: user('key_worker', 'patch_id'),
        },
        `id <= ${C}`,
      ),
      copy('plans', { id: `id + :k * ${PL}`, client_id: `client_id + :k * ${C}` }, `id <= ${PL}`),
      copy(
        'visits',
        {
          id: `id + :k * ${V}`,
          patch_id: newPatch('patch_id'),
          plan_id: `plan_id + :k * ${PL}`,
          assignee: user('assignee', 'patch_id'),
        },
        `id <= ${V}`,
      ),
      copy(
        'visit_clients',
        { visit_id: `visit_id + :k * ${V}`, client_id: `client_id + :k * ${C}` },
        `visit_id <= ${V}`,
      ),
      copy('visit_events', { id: `id + :k * ${E}`, visit_id: `visit_id + :k * ${V}` }, `id <= ${E}`),
    ];
    sqlite.transaction(() => {
      for (let k = 1; k < times; k++) for (const s of statements) s.run({ k });
    })();
    const counts = tableCounts(db);
    for (const [t, n] of Object.entries(counts0)) {
      if (counts[t] !== n * times)
        throw new Error(`bench: ${t} has ${counts[t]} rows, expected ${n * times}`);
    }
    sqlite.pragma('wal_checkpoint(TRUNCATE)');
    return { ms: now() - t0, counts };
  } finally {
    db.$client.close();
  }
}

export interface TracedStatement {
  sql: string;
  calls: number;
  /** Prepare and run, summed. */
  ms: number;
  /** The parameters of its last call (for EXPLAIN QUERY PLAN). */
  params: unknown[];
}

type Exec = (...args: unknown[]) => unknown;

/**
 * Runs `fn` with every statement the database prepares timed (prepare and run, per SQL text): which
 * queries a tick makes, and which of them grows with the roster. The database is left as it was.
 */
export async function traceSql<T>(
  db: Db,
  fn: () => Promise<T>,
): Promise<{ result: T; statements: TracedStatement[] }> {
  const sqlite = db.$client;
  const prepare = sqlite.prepare;
  const seen = new Map<string, TracedStatement>();
  sqlite.prepare = function traced(this: unknown, source: string) {
    const t0 = now();
    const stmt = prepare.call(sqlite, source) as unknown as Record<string, Exec>;
    let rec = seen.get(source);
    if (!rec) {
      rec = { sql: source, calls: 0, ms: 0, params: [] };
      seen.set(source, rec);
    }
    const r = rec;
    r.ms += now() - t0;
    for (const method of ['run', 'get', 'all', 'iterate']) {
      const original = stmt[method];
      if (typeof original !== 'function') continue;
      stmt[method] = (...args: unknown[]) => {
        const t1 = now();
        try {
          return original.apply(stmt, args);
        } finally {
          r.ms += now() - t1;
          r.calls++;
          r.params = args;
        }
      };
    }
    return stmt as unknown as ReturnType<typeof prepare>;
  } as typeof prepare;
  try {
    const result = await fn();
    return { result, statements: [...seen.values()].sort((a, b) => b.ms - a.ms) };
  } finally {
    sqlite.prepare = prepare;
  }
}

/** SQLite's plan for a traced statement, one line (`SCAN patches`, `SEARCH visits USING INDEX …`). */
export function queryPlan(db: Db, s: TracedStatement): string {
  try {
    const rows = db.$client.prepare(`explain query plan ${s.sql}`).all(...s.params) as Array<{
      detail: string;
    }>;
    return rows.map((r) => r.detail).join('; ');
  } catch (err) {
    return `(no plan: ${(err as Error).message})`;
  }
}
