import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDb } from '../../db/index.ts';
import { runCli } from '../../src/cli.ts';
import { runBin } from '../support/bin.ts';
import { TEAM } from '../support/harness.ts';
import { escalation, fixed, flexible } from './seed.ts';

/**
 * `patchbot report --week YYYY-Www [--format text|csv] [--out FILE]`, through runCli and the real bin,
 * against a database file with a roster and a week of history (week 48 of 2026, beside week 47).
 */

async function cli(...argv: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(argv, {
    out: (s) => out.push(...s.split('\n')),
    err: (s) => err.push(...s.split('\n')),
  });
  return { code, out, err };
}

let dir: string;
let dbPath: string;
const saved = process.env.DATABASE_PATH;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'patchbot-report-'));
  dbPath = join(dir, 'patchbot.db');
  process.env.DATABASE_PATH = dbPath;
  expect((await cli('import', TEAM)).code).toBe(0);
  const db = openDb(dbPath);
  try {
    // Week 48, P07: 3 visits planned, Mr K's missed; Alice 6 minutes late (not late: 6 < 10).
    fixed(db, {
      patch: 'P07',
      client: 'P07-01',
      date: '2026-11-23',
      at: '08:00',
      minutes: 45,
      plannedAssignee: 'U0ALICE1',
      arrive: { after: 6, by: 'U0ALICE1' },
      done: { after: 45, by: 'U0ALICE1' },
    });
    fixed(db, {
      patch: 'P07',
      client: 'P07-02',
      date: '2026-11-23',
      at: '08:00',
      minutes: 30,
      plannedAssignee: 'U0BOB0001',
      missedAfter: 15,
    });
    // Bob 14 minutes late (late), done after 10 minutes of 30 (cut short).
    fixed(db, {
      patch: 'P07',
      client: 'P07-03',
      date: '2026-11-24',
      at: '08:05',
      minutes: 30,
      plannedAssignee: 'U0BOB0001',
      arrive: { after: 14, by: 'U0BOB0001' },
      done: { after: 24, by: 'U0BOB0001' },
    });
    flexible(db, {
      patch: 'P07',
      clients: ['P07-01'],
      created: '2026-11-25T10:00:00Z',
      events: [{ at: '2026-11-25T10:09:00Z', by: 'U0BOB0001', action: 'claim' }],
      carers: ['U0BOB0001'],
    });
    escalation(db, {
      patch: 'P07',
      kind: 'medication',
      raised: '2026-11-26T12:00:00Z',
      acked: '2026-11-26T12:07:00Z',
    });
    // Week 47, P07: one visit, on time.
    fixed(db, {
      patch: 'P07',
      client: 'P07-01',
      date: '2026-11-16',
      at: '08:00',
      minutes: 45,
      plannedAssignee: 'U0ALICE1',
      arrive: { after: 0, by: 'U0ALICE1' },
      done: { after: 45, by: 'U0ALICE1' },
    });
  } finally {
    db.$client.close();
  }
});
afterAll(() => {
  if (saved === undefined) delete process.env.DATABASE_PATH;
  else process.env.DATABASE_PATH = saved;
  rmSync(dir, { recursive: true, force: true });
});

describe('patchbot report', () => {
  it('prints the week as text by default: all patches, then each patch, beside the week before', async () => {
    const { code, out, err } = await cli('report', '--week', '2026-W48');
    expect(err).toEqual([]);
    expect(code).toBe(0);
    expect(out[0]).toBe(
      'Weekly quality report, 2026-W48: Mon 23 – Sun 29 Nov 2026 (Europe/London), beside 2026-W47.',
    );
    const text = out.join('\n');
    expect(text).toContain('\nAll patches\n');
    expect(text).toContain('\nWestbury North (P07)\n');
    expect(text).toContain('\nWestbury South (P08)\n');
    // 3 planned, 2 reached, 1 late, 1 missed (33.3%); lateness 6 and 14: p50 rank 1 → 6, p90 rank 2 → 14.
    expect(text).toMatch(
      /\n {2}Fixed visits planned +3 +1\n {4}done +2 +1\n {4}late +1 +0\n {4}missed +1 +0\n {4}missed % +33\.3% +0\.0%\n/,
    );
    expect(text).toMatch(
      /\n {2}Lateness p50 \(min\) +6 +0\n {2}Lateness p90 \(min\) +14 +0\n {2}Cut short +1 +0\n/,
    );
    expect(text).toMatch(/\n {4}median min to claim +9 +–\n/);
    expect(text).toMatch(/\n {4}median min to acknowledge +7 +–\n/);
  });

  it('as CSV: one row per patch with the week before in prev_ columns, then all patches', async () => {
    const { code, out } = await cli('report', '--week=2026-W48', '--format=csv');
    expect(code).toBe(0);
    const rows = out.filter(Boolean).map((l) => l.replace(/\r$/, '').split(','));
    const header = rows[0] as string[];
    expect(header.slice(0, 8)).toEqual([
      'week',
      'patch_code',
      'patch',
      'planned',
      'done',
      'late',
      'missed',
      'missed_pct',
    ]);
    expect(header).toContain('prev_week');
    expect(header).toContain('prev_missed_pct');
    expect(header).toContain('carers_per_client_28d');
    expect(rows).toHaveLength(4);
    const col = (row: string[], name: string) => row[header.indexOf(name)];
    const p07 = rows[1] as string[];
    expect([col(p07, 'week'), col(p07, 'patch_code'), col(p07, 'patch')]).toEqual([
      '2026-W48',
      'P07',
      'Westbury North',
    ]);
    expect(['planned', 'done', 'late', 'missed', 'missed_pct', 'cut_short'].map((c) => col(p07, c))).toEqual([
      '3',
      '2',
      '1',
      '1',
      '33.3',
      '1',
    ]);
    expect(
      ['lateness_p50_min', 'lateness_p90_min', 'claim_median_min', 'ack_median_min'].map((c) => col(p07, c)),
    ).toEqual(['6', '14', '9', '7']);
    expect(
      ['prev_week', 'prev_planned', 'prev_missed_pct', 'prev_claim_median_min'].map((c) => col(p07, c)),
    ).toEqual(['2026-W47', '1', '0', '']);
    const p08 = rows[2] as string[];
    expect([col(p08, 'patch_code'), col(p08, 'planned'), col(p08, 'missed_pct')]).toEqual(['P08', '0', '']);
    const all = rows[3] as string[];
    expect([col(all, 'patch_code'), col(all, 'patch'), col(all, 'planned')]).toEqual([
      '',
      'All patches',
      '3',
    ]);
  });

  it('--out writes the file and says so on stderr', async () => {
    const file = join(dir, 'w48.csv');
    const { code, out, err } = await cli('report', '--week', '2026-W48', '--format', 'csv', '--out', file);
    expect(code).toBe(0);
    expect(out).toEqual([]);
    expect(err).toEqual([`Wrote the 2026-W48 report (2 patches) to ${file}`]);
    expect(readFileSync(file, 'utf8')).toMatch(/^week,patch_code,patch,planned,/);
  });

  it('refuses in one line, exit 2: no week, a week that does not exist, a malformed one, an unknown format, a week not over', async () => {
    const cases: Array<[string[], string]> = [
      [[], 'patchbot report: give the week: --week 2026-W48'],
      [['--week', '2027-W53'], 'patchbot report: --week 2027-W53: 2027 has weeks 01 to 52'],
      [['--week', '2026-48'], 'patchbot report: --week 2026-48: expected an ISO week such as 2026-W48'],
      [['--week', '2026-W48', '--format', 'xml'], 'patchbot report: --format xml: expected text or csv'],
      [
        ['--week', '2099-W10'],
        'patchbot report: --week 2099-W10 has not ended yet: it ends Monday 9 March 2099 00:00 (Europe/London)',
      ],
      [
        ['--week'],
        'patchbot report: --week needs a value (e.g. --week=VALUE) (see `patchbot report --help`)',
      ],
      [['--weak', '2026-W48'], 'patchbot report: unknown option --weak (see `patchbot report --help`)'],
    ];
    for (const [args, line] of cases) {
      const r = await cli('report', ...args);
      expect({ args, ...r }).toEqual({ args, code: 2, out: [], err: [line] });
    }
  });

  it('2026 has a week 53 (Mon 28 Dec – Sun 3 Jan); 2020-W53 is reported', async () => {
    const r = await cli('report', '--week', '2020-W53');
    expect(r.code).toBe(0);
    expect(r.out[0]).toBe(
      'Weekly quality report, 2020-W53: Mon 28 Dec 2020 – Sun 3 Jan 2021 (Europe/London), beside 2020-W52.',
    );
  });

  it('--help says what it does and the week it takes', async () => {
    const r = await cli('report', '--help');
    expect(r.code).toBe(0);
    expect(r.out[0]).toBe('Usage: patchbot report --week YYYY-Www [--format text|csv] [--out FILE]');
    expect((await cli('help')).out.some((l) => l.trimStart().startsWith('report --week'))).toBe(true);
  });

  it('a mistyped week opens no database', async () => {
    const fresh = join(dir, 'fresh', 'none.db');
    process.env.DATABASE_PATH = fresh;
    try {
      expect((await cli('report', '--week', '2026-W99')).code).toBe(2);
      expect(existsSync(fresh)).toBe(false);
    } finally {
      process.env.DATABASE_PATH = dbPath;
    }
  });
});

describe('the real bin', () => {
  it('prints the CSV and exits 0; a week that does not exist is one line and exit 2', async () => {
    const ok = await runBin(['report', '--week', '2026-W48', '--format', 'csv'], { DATABASE_PATH: dbPath });
    expect(ok.stderr).toBe('');
    expect(ok.code).toBe(0);
    expect(ok.stdout.split('\r\n')[1]).toMatch(/^2026-W48,P07,Westbury North,3,2,1,1,33\.3,/);
    const bad = await runBin(['report', '--week', '2021-W53'], { DATABASE_PATH: dbPath });
    expect({ code: bad.code, stderr: bad.stderr, stdout: bad.stdout }).toEqual({
      code: 2,
      stderr: 'patchbot report: --week 2021-W53: 2021 has weeks 01 to 52\n',
      stdout: '',
    });
  });
});
