import { mkdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { type BetterSQLite3Database, drizzle } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import * as schema from './schema.ts';

export type Db = BetterSQLite3Database<typeof schema> & { $client: Database.Database };

/** Beside this file, in the sources and in the build (the build copies them), whatever the cwd. */
const migrationsFolder = join(dirname(fileURLToPath(import.meta.url)), 'migrations');

/** A database path that cannot be opened, created or migrated, with the reason in plain words. */
export class DatabaseOpenError extends Error {
  override name = 'DatabaseOpenError';
  constructor(
    readonly path: string,
    readonly reason: string,
  ) {
    super(`${path}: ${reason}`);
  }
}

/**
 * Opens the database once for the process: WAL, foreign keys on, a busy timeout, and every migration
 * applied. `:memory:` gives a private database (tests). Any problem is a DatabaseOpenError whose
 * reason is one plain line; nothing hangs (a virtual file system such as /proc is refused up front).
 */
export function openDb(path: string): Db {
  if (path !== ':memory:') ensureFolder(path);
  let sqlite: Database.Database;
  try {
    sqlite = new Database(path);
  } catch (err) {
    throw new DatabaseOpenError(path, sqliteProblem(err, 'cannot be opened'));
  }
  try {
    sqlite.pragma('journal_mode = WAL');
    sqlite.pragma('foreign_keys = ON');
    sqlite.pragma('busy_timeout = 5000');
    sqlite.pragma('synchronous = NORMAL');
  } catch (err) {
    sqlite.close();
    throw new DatabaseOpenError(path, sqliteProblem(err, 'cannot be used'));
  }
  const db = drizzle(sqlite, { schema });
  try {
    migrate(db, { migrationsFolder });
  } catch (err) {
    sqlite.close();
    throw new DatabaseOpenError(path, sqliteProblem(err, 'could not be migrated'));
  }
  return db;
}

const VIRTUAL = ['/proc', '/sys', '/dev'];

/**
 * Creates the database's folder, one level at a time from the nearest folder that exists. Node's
 * recursive mkdir never returns under /proc, so virtual file systems are refused before any call.
 */
function ensureFolder(path: string): void {
  const folder = dirname(resolve(path));
  const virtual = VIRTUAL.some((v) => folder === v || folder.startsWith(`${v}/`));
  if (virtual && !folder.startsWith('/dev/shm')) {
    throw new DatabaseOpenError(path, `${folder} is a virtual file system, not a place for a database`);
  }
  const missing: string[] = [];
  let at = folder;
  for (;;) {
    const stat = statOrNull(at);
    if (stat) {
      if (!stat.isDirectory()) throw new DatabaseOpenError(path, `${at} is a file, not a folder`);
      break;
    }
    missing.unshift(at);
    const up = dirname(at);
    if (up === at) break;
    at = up;
  }
  for (const dir of missing) {
    try {
      mkdirSync(dir);
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (code === 'EEXIST') continue;
      const why = code === 'EACCES' || code === 'EPERM' ? 'permission denied' : (code ?? 'failed');
      throw new DatabaseOpenError(path, `cannot create the folder ${dir}: ${why}`);
    }
  }
}

function statOrNull(path: string) {
  try {
    return statSync(path);
  } catch {
    return null;
  }
}

/** SQLite's error codes in plain words. */
function sqliteProblem(err: unknown, what: string): string {
  const code = String((err as { code?: unknown }).code ?? '');
  if (code === 'SQLITE_NOTADB') return 'is not a SQLite database';
  if (code.startsWith('SQLITE_CANTOPEN'))
    return `${what} (the file or its folder is missing or not writable)`;
  if (code.startsWith('SQLITE_READONLY')) return `${what}: the file is read-only`;
  if (code.startsWith('SQLITE_PERM') || code === 'SQLITE_AUTH') return `${what}: permission denied`;
  if (code === 'SQLITE_FULL') return `${what}: the disk is full`;
  if (code.startsWith('SQLITE_IOERR')) return `${what}: disk I/O error (is it a regular file?)`;
  if (code === 'SQLITE_CORRUPT') return 'is damaged (SQLite reports it corrupt)';
  if (code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED') return `${what}: another process holds it locked`;
  const message = err instanceof Error ? err.message.split('\n', 1)[0] : String(err);
  return `${what}: ${message}`;
}

/**
 * Runs `fn` in one write transaction (BEGIN IMMEDIATE, so a second process waits instead of failing
 * mid-way). `fn` must be synchronous: no Slack or network I/O inside.
 */
export function inTransaction<T>(db: Db, fn: (tx: Db) => T): T {
  return db.$client.transaction(() => fn(db)).immediate();
}

export { schema };
