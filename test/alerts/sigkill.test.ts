import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDb } from '../../db/index.ts';
import { importRosterWithVisits } from '../../src/main.ts';
import { parseRoster } from '../../src/patches/roster.ts';
import { PATCH, TEAM } from '../support/harness.ts';
import type { FakeSlack } from '../support/slack/fake-slack.ts';
import { startFakeSlackHttp } from '../support/slack/http.ts';

let stub: Awaited<ReturnType<typeof startFakeSlackHttp>>;
let fake: FakeSlack;
let dir: string;

beforeAll(async () => {
  stub = await startFakeSlackHttp({ clock: () => Date.parse('2026-11-23T08:10:00Z') });
  fake = stub.fake;
  dir = mkdtempSync(join(tmpdir(), 'patchbot-kill-'));
});

afterAll(async () => {
  await stub.close();
  rmSync(dir, { recursive: true, force: true });
});

function runChild(
  dbPath: string,
  at: string,
  mode?: 'crash' | 'crash-on-recovery',
): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      join(import.meta.dirname, '..', 'support', 'crash-child.ts'),
      dbPath,
      fake.apiUrl,
      at,
      ...(mode ? [mode] : []),
    ],
    { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, TZ: process.env.TZ ?? 'UTC' } },
  );
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  return new Promise((resolve) =>
    child.on('exit', (code, signal) => {
      if (code !== 0 && signal === null) console.error(stderr);
      resolve({ code, signal });
    }),
  );
}

describe('a process killed with SIGKILL in the middle of a sweep', () => {
  it('loses nothing and doubles nothing after it is started again', async () => {
    const dbPath = join(dir, 'patchbot.db');
    const db = openDb(dbPath);
    const roster = parseRoster(readFileSync(TEAM, 'utf8'));
    if (!roster.ok) throw new Error(roster.errors.join('; '));
    const early = Date.parse('2026-11-23T06:00:00Z');
    importRosterWithVisits(db, roster.roster, early);
    db.$client.close();

    // 08:10: Mrs P's and Mr K's 08:00 visits are both due to go late in this sweep.
    const killed = await runChild(dbPath, '2026-11-23T08:10:00Z', 'crash');
    expect(killed.signal).toBe('SIGKILL');
    const after = openDb(dbPath);
    const late = after.$client
      .prepare("select count(*) as n from visits where alert_level = 'late'")
      .get() as { n: number };
    expect(late.n).toBe(1); // the first visit's transaction committed; the second never began
    after.$client.close();
    expect(fake.posts(PATCH)).toHaveLength(0); // killed before anything was delivered

    const restarted = await runChild(dbPath, '2026-11-23T08:10:30Z');
    expect(restarted).toEqual({ code: 0, signal: null });
    const alerts = fake.messages(PATCH).filter((m) => m.text.startsWith('Late visit'));
    expect(alerts.map((m) => m.text.split(' (')[0]).sort()).toEqual([
      'Late visit: Mr K 08:00',
      'Late visit: Mrs P 08:00',
    ]);
    expect(fake.messages(PATCH).filter((m) => m.text.startsWith('Rota for'))).toHaveLength(1);
    const texts = fake.posts(PATCH).map((c) => String(c.args.text));
    expect(new Set(texts).size).toBe(texts.length);
    fake.assertClean();
  });
});

describe('a process killed with SIGKILL in the middle of recovering from a Slack outage', () => {
  it('loses nothing and doubles nothing: the post Slack took but the bot never recorded is found, not repeated', async () => {
    fake.reset();
    const dbPath = join(dir, 'recovery.db');
    const db = openDb(dbPath);
    const roster = parseRoster(readFileSync(TEAM, 'utf8'));
    if (!roster.ok) throw new Error(roster.errors.join('; '));
    importRosterWithVisits(db, roster.roster, Date.parse('2026-11-23T06:00:00Z'));
    db.$client.close();

    // Slack refuses the first posts (an outage); the bot dies the moment one goes through.
    fake.failNext('chat.postMessage', { status: 503 }, 3);
    const killed = await runChild(dbPath, '2026-11-23T08:10:00Z', 'crash-on-recovery');
    expect(killed.signal).toBe('SIGKILL');
    expect(fake.posts(PATCH)).toHaveLength(1); // the probe Slack took, and nothing after it
    const mid = openDb(dbPath);
    const owed = mid.$client
      .prepare('select count(*) as n from slack_messages where want_rev > done_rev')
      .get() as { n: number };
    expect(owed.n).toBeGreaterThan(1); // that post is not recorded, and the rest is still owed
    const unknown = mid.$client
      .prepare('select count(*) as n from slack_messages where ts is null and post_started_at is not null')
      .get() as { n: number };
    expect(unknown.n).toBeGreaterThanOrEqual(1); // a post whose fate the bot never learnt
    mid.$client.close();

    const lookups = () => fake.calls.filter((c) => c.method === 'conversations.history' && !c.failed).length;
    const before = lookups();
    const restarted = await runChild(dbPath, '2026-11-23T08:10:30Z');
    expect(restarted).toEqual({ code: 0, signal: null });
    expect(lookups()).toBeGreaterThan(before); // the unrecorded post was looked up, and adopted
    const alerts = fake.messages(PATCH).filter((m) => m.text.startsWith('Late visit'));
    expect(alerts.map((m) => m.text.split(' (')[0]).sort()).toEqual([
      'Late visit: Mr K 08:00',
      'Late visit: Mrs P 08:00',
    ]);
    expect(fake.messages(PATCH).filter((m) => m.text.startsWith('Rota for'))).toHaveLength(1);
    const texts = fake.posts(PATCH).map((c) => String(c.args.text));
    expect(new Set(texts).size).toBe(texts.length);
    fake.assertClean();
  });
});
