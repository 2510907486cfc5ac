import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DatabaseOpenError, openDb } from '../../db/index.ts';

describe('openDb', () => {
  it('opens SQLite with WAL, foreign keys and a busy timeout, with every migration applied, twice over', () => {
    const dir = mkdtempSync(join(tmpdir(), 'patchbot-db-'));
    try {
      const path = join(dir, 'nested', 'patchbot.db');
      const first = openDb(path);
      expect(first.$client.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(first.$client.pragma('foreign_keys', { simple: true })).toBe(1);
      expect(first.$client.pragma('busy_timeout', { simple: true })).toBe(5000);
      const tables = first.$client
        .prepare("select name from sqlite_master where type = 'table' order by name")
        .all()
        .map((r) => (r as { name: string }).name);
      expect(tables).toEqual(
        expect.arrayContaining(['visits', 'slack_messages', 'escalations', 'oncall_shifts']),
      );
      first.$client.close();
      // Opening again (a restart) applies nothing twice.
      const again = openDb(path);
      const journal = JSON.parse(
        readFileSync(
          join(import.meta.dirname, '..', '..', 'db', 'migrations', 'meta', '_journal.json'),
          'utf8',
        ),
      ) as { entries: unknown[] };
      expect(again.$client.prepare('select count(*) as n from __drizzle_migrations').get()).toEqual({
        n: journal.entries.length,
      });
      again.$client.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a row that points at nothing (foreign keys are enforced)', () => {
    const db = openDb(':memory:');
    expect(() =>
      db.$client
        .prepare('insert into visit_clients (visit_id, client_id, position) values (999, 999, 0)')
        .run(),
    ).toThrow(/FOREIGN KEY/);
    db.$client.close();
  });

  describe('a path that cannot be used is one plain reason, never a hang or a stack', () => {
    const problemOf = (path: string): string => {
      try {
        openDb(path).$client.close();
      } catch (err) {
        expect(err).toBeInstanceOf(DatabaseOpenError);
        return (err as DatabaseOpenError).reason;
      }
      throw new Error(`${path} opened`);
    };
    const withDir = (fn: (dir: string) => void) => {
      const dir = mkdtempSync(join(tmpdir(), 'patchbot-db-'));
      try {
        fn(dir);
      } finally {
        chmodSync(dir, 0o700);
        rmSync(dir, { recursive: true, force: true });
      }
    };

    it('a parent that is a file', () =>
      withDir((dir) => {
        writeFileSync(join(dir, 'file'), 'x');
        expect(problemOf(join(dir, 'file', 'sub', 'p.db'))).toBe(
          `${join(dir, 'file')} is a file, not a folder`,
        );
      }));

    it('a file that is not SQLite', () =>
      withDir((dir) => {
        writeFileSync(join(dir, 'notes.db'), 'Mrs P likes tea\n'.repeat(200));
        expect(problemOf(join(dir, 'notes.db'))).toBe('is not a SQLite database');
      }));

    it('a folder given as the file', () =>
      withDir((dir) => {
        mkdirSync(join(dir, 'db'));
        expect(problemOf(join(dir, 'db'))).toMatch(/^cannot be opened/);
      }));

    it('a virtual file system such as /proc (where a recursive mkdir never returns)', () => {
      expect(problemOf('/proc/patchbot/p.db')).toBe(
        '/proc/patchbot is a virtual file system, not a place for a database',
      );
    });

    it.runIf(process.getuid?.() !== 0)('a folder it may not write to', () =>
      withDir((dir) => {
        chmodSync(dir, 0o500);
        expect(problemOf(join(dir, 'sub', 'p.db'))).toBe(
          `cannot create the folder ${join(dir, 'sub')}: permission denied`,
        );
      }),
    );
  });
});
