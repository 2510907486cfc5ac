import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openDb } from '../../db/index.ts';

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
      expect(again.$client.prepare('select count(*) as n from __drizzle_migrations').get()).toEqual({ n: 4 });
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
});
