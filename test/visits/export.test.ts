import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Db, inTransaction, openDb } from '../../db/index.ts';
import { runCli } from '../../src/cli.ts';
import { postCover, takeItem } from '../../src/cover/service.ts';
import { itemsOfRequest } from '../../src/cover/store.ts';
import { hub, importRosterWithVisits } from '../../src/hub.ts';
import { silentLog } from '../../src/log.ts';
import { parseRoster } from '../../src/patches/roster.ts';
import { findPatchByChannel } from '../../src/patches/store.ts';
import { createPopback } from '../../src/popback/service.ts';
import { ManualClock } from '../../src/time.ts';
import { VISIT_EXPORT_COLUMNS } from '../../src/visits/export.ts';
import { applySystem, changeVisit } from '../../src/visits/service.ts';
import { fixedVisitsOn } from '../../src/visits/store.ts';
import { COVER_ROSTER } from '../cover/support.ts';
import { runBin } from '../support/bin.ts';

/**
 * `patchbot export visits`: one CSV row per visit of the local days asked, through runCli and the bin.
 * The day is set up through the hub's own use cases (a cover take, a take-over, a pop-back, a missed
 * visit), as the bot would have made it.
 */

const ALICE = 'U0ALICE1';
const BOB = 'U0BOB0001';
const DAVE = 'U0DAVE001';

let dir: string;
let dbPath: string;
const saved = process.env.DATABASE_PATH;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'patchbot-visits-'));
  dbPath = join(dir, 'patchbot.db');
  process.env.DATABASE_PATH = dbPath;
});
afterEach(() => {
  if (saved === undefined) delete process.env.DATABASE_PATH;
  else process.env.DATABASE_PATH = saved;
  rmSync(dir, { recursive: true, force: true });
});

/** RFC 4180, as the export writes it: CRLF between records, quotes doubled inside quoted fields. */
function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let field = '';
  let record: string[] = [];
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i] as string;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      record.push(field);
      field = '';
    } else if (ch === '\r' && text[i + 1] === '\n') {
      record.push(field);
      records.push(record);
      record = [];
      field = '';
      i++;
    } else field += ch;
  }
  if (field !== '' || record.length > 0) records.push([...record, field]);
  return records;
}

async function cli(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(argv, { out: (s) => out.push(s), err: (s) => err.push(s) });
  return { code, out: out.join('\n'), err };
}

const rowsOf = (csv: string) => {
  const [header, ...rows] = parseCsv(csv);
  return rows.map((r) => Object.fromEntries((header ?? []).map((h, i) => [h, r[i]])));
};

function roster(text = readFileSync(COVER_ROSTER, 'utf8')) {
  const parsed = parseRoster(text);
  if (!parsed.ok) throw new Error(parsed.errors.join('\n'));
  return parsed.roster;
}

/** Monday 23 November 2026, in London (GMT): a morning with one of everything. */
function busyMonday(db: Db): void {
  const clock = new ManualClock(Date.parse('2026-11-23T06:00:00Z'));
  const deps = { db, clock, log: silentLog, hub };
  importRosterWithVisits(db, roster(), clock.now());
  const p07 = findPatchByChannel(db, 'C0PATCH07')?.id as number;
  const p08 = findPatchByChannel(db, 'C0PATCH08')?.id as number;
  const visit = (patchId: number, client: string, hhmm: string) => {
    const found = fixedVisitsOn(db, patchId, '2026-11-23').find(
      (r) => r.clientName === client && new Date(r.visit.startsAt ?? 0).toISOString().slice(11, 16) === hhmm,
    );
    if (!found) throw new Error(`no ${hhmm} ${client}`);
    return found.visit.id;
  };
  const at = (iso: string) => clock.set(Date.parse(iso));
  // Alice is off: Bob takes her 09:00 from the cover card, goes 7 minutes late.
  at('2026-11-23T06:40:00Z');
  const posted = postCover(deps, {
    userId: ALICE,
    period: { fromAt: clock.now(), toAt: Date.parse('2026-11-23T23:59:00Z'), note: 'Flu' },
  });
  if (!posted.ok) throw new Error('nothing to cover');
  const mrK = visit(p07, 'Mr K', '09:00');
  const item = itemsOfRequest(db, posted.requestId).find((i) => i.visitId === mrK);
  expect(takeItem(deps, item?.id as number, BOB, null).ok).toBe(true);
  at('2026-11-23T09:07:00Z');
  changeVisit(deps, mrK, { type: 'arrive' }, BOB);
  at('2026-11-23T09:35:00Z');
  changeVisit(deps, mrK, { type: 'done' }, BOB);
  // Dave takes over Bob's 08:05 from the rota and is there early.
  const mrsD = visit(p07, 'Mrs D', '08:05');
  at('2026-11-23T07:50:00Z');
  changeVisit(deps, mrsD, { type: 'takeover' }, DAVE);
  at('2026-11-23T08:01:00Z');
  changeVisit(deps, mrsD, { type: 'arrive' }, DAVE);
  // Alice's 08:00 is not needed: Mrs P is in hospital.
  changeVisit(deps, visit(p07, 'Mrs P', '08:00'), { type: 'not_needed', reason: 'hospital' }, DAVE);
  // Nobody goes to Mrs W at 10:00 in P08.
  const mrsW = visit(p08, 'Mrs W', '10:00');
  inTransaction(db, (tx) =>
    applySystem(tx, hub, mrsW, { type: 'missed' }, Date.parse('2026-11-23T10:30:00Z')),
  );
  // A pop-back wanted within the hour, claimed and reached by Dave 70 minutes later.
  at('2026-11-23T10:00:00Z');
  const pop = createPopback(deps, {
    patchId: p07,
    requestedBy: BOB,
    request: {
      kind: 'popback',
      clientIds: [findClient(db, 'P07-01')],
      reason: 'Hearing aid, "whistling"',
      urgency: 'hour',
      dueAt: Date.parse('2026-11-23T11:00:00Z'),
      carers: 1,
    },
  });
  changeVisit(deps, pop, { type: 'claim' }, DAVE);
  at('2026-11-23T11:10:00Z');
  changeVisit(deps, pop, { type: 'arrive' }, DAVE);
}

function findClient(db: Db, code: string): number {
  const row = db.$client.prepare('SELECT id FROM clients WHERE code = ?').get(code) as { id: number };
  return row.id;
}

describe('patchbot export visits', () => {
  it('writes one row per visit of the day, with who was planned, who went, lateness, outcome, cover and take-over', async () => {
    const db = openDb(dbPath);
    busyMonday(db);
    db.$client.close();
    const { code, out, err } = await cli('export', 'visits', '--from', '2026-11-23', '--to', '2026-11-23');
    expect({ code, err }).toEqual({ code: 0, err: [] });
    const [header] = parseCsv(`${out}\r\n`);
    expect(header).toEqual([...VISIT_EXPORT_COLUMNS]);
    const rows = rowsOf(`${out}\r\n`);
    // Fixed visits of both patches on the 23rd (6) and the pop-back; none of the 24th.
    expect(rows).toHaveLength(7);
    expect(rows.every((r) => r.date === '2026-11-23')).toBe(true);
    const row = (clients: string, start: string) =>
      rows.find((r) => r.clients === clients && r.planned_start === start);
    expect(row('Mr K', '2026-11-23T09:00:00+00:00')).toMatchObject({
      kind: 'fixed',
      patch: 'P07',
      client_codes: 'P07-02',
      purpose: 'Breakfast',
      minutes: '30',
      planned_carer: ALICE,
      went: BOB,
      arrived_at: '2026-11-23T09:07:00+00:00',
      done_at: '2026-11-23T09:35:00+00:00',
      minutes_late: '7',
      outcome: 'done',
      covered: 'yes',
      covered_by: BOB,
      taken_over: 'no',
    });
    expect(row('Mrs D', '2026-11-23T08:05:00+00:00')).toMatchObject({
      planned_carer: BOB,
      went: DAVE,
      minutes_late: '0', // four minutes early: never negative
      outcome: 'arrived',
      covered: 'no',
      taken_over: 'yes',
      taken_over_by: DAVE,
    });
    expect(row('Mrs P', '2026-11-23T08:00:00+00:00')).toMatchObject({
      outcome: 'not_needed',
      reason: 'in hospital',
      went: '',
      minutes_late: '',
    });
    expect(row('Mrs W', '2026-11-23T10:00:00+00:00')).toMatchObject({ patch: 'P08', outcome: 'missed' });
    expect(row('Mr T', '2026-11-23T12:00:00+00:00')).toMatchObject({ outcome: 'open', covered: 'no' });
    expect(rows.find((r) => r.kind === 'popback')).toMatchObject({
      planned_start: '2026-11-23T11:00:00+00:00',
      minutes: '',
      planned_carer: BOB,
      went: DAVE,
      minutes_late: '10',
      outcome: 'arrived',
      purpose: 'Hearing aid, "whistling"',
    });
    // RFC 4180: the comma and the quotes are quoted, records end in CRLF.
    expect(out).toContain('"Hearing aid, ""whistling"""');
    expect(out.split('\r\n')).toHaveLength(8);
  });

  it('--patch keeps one patch; an unknown code is one line and exit 2; an empty range is the header alone', async () => {
    const db = openDb(dbPath);
    busyMonday(db);
    db.$client.close();
    const p08 = await cli('export', 'visits', '--from=2026-11-23', '--to=2026-11-24', '--patch', 'P08');
    expect(rowsOf(`${p08.out}\r\n`).map((r) => `${r.date} ${r.clients}`)).toEqual([
      '2026-11-23 Mrs W',
      '2026-11-23 Mr T',
      '2026-11-24 Mrs W',
      '2026-11-24 Mr T',
    ]);
    expect(await cli('export', 'visits', '--from=2026-11-23', '--to=2026-11-23', '--patch', 'P99')).toEqual({
      code: 2,
      out: '',
      err: ['patchbot export visits: --patch P99: no patch has that code (the codes are P07, P08)'],
    });
    const empty = await cli('export', 'visits', '--from=2026-12-01', '--to=2026-12-02');
    expect(empty.out).toBe(VISIT_EXPORT_COLUMNS.join(','));
    expect((await cli('export', 'visits', '--from=2026-11-24', '--to=2026-11-23')).err).toEqual([
      'patchbot export visits: --to 2026-11-23 is before --from 2026-11-24',
    ]);
  });

  it('a range over the day the clocks go back: each time has its own offset, each local day its visits', async () => {
    const db = openDb(dbPath);
    importRosterWithVisits(db, roster(), Date.parse('2026-10-24T05:00:00Z')); // 24th and 25th
    importRosterWithVisits(db, roster(), Date.parse('2026-10-26T05:00:00Z')); // 26th and 27th
    db.$client.close();
    const { out } = await cli('export', 'visits', '--from=2026-10-24', '--to=2026-10-26', '--patch=P08');
    expect(rowsOf(`${out}\r\n`).map((r) => `${r.date} ${r.planned_start} ${r.clients}`)).toEqual([
      '2026-10-24 2026-10-24T10:00:00+01:00 Mrs W',
      '2026-10-24 2026-10-24T12:00:00+01:00 Mr T',
      '2026-10-25 2026-10-25T10:00:00+00:00 Mrs W',
      '2026-10-25 2026-10-25T12:00:00+00:00 Mr T',
      '2026-10-26 2026-10-26T10:00:00+00:00 Mrs W',
      '2026-10-26 2026-10-26T12:00:00+00:00 Mr T',
    ]);
  });

  it('through the bin, to a file: CRLF records under the header row, and one line on stderr', async () => {
    const db = openDb(dbPath);
    busyMonday(db);
    db.$client.close();
    const file = join(dir, 'visits.csv');
    const r = await runBin(
      ['export', 'visits', '--from', '2026-11-23', '--to', '2026-11-23', '--patch', 'P07', '--out', file],
      { DATABASE_PATH: dbPath },
    );
    expect(r).toMatchObject({ code: 0, stdout: '', stderr: `Wrote 5 visits to ${file}\n` });
    const text = readFileSync(file, 'utf8');
    expect(text.startsWith(`${VISIT_EXPORT_COLUMNS.join(',')}\r\n`)).toBe(true);
    expect(text.endsWith('\r\n')).toBe(true);
    expect(parseCsv(text)).toHaveLength(6);
    const help = await runBin(['export', 'visits', '--help'], {});
    expect(help.code).toBe(0);
    expect(help.stdout).toContain(
      'Usage: patchbot export visits --from YYYY-MM-DD --to YYYY-MM-DD [--patch CODE] [--out FILE]',
    );
  });
});
