import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { type Db, openDb } from '../../db/index.ts';
import { clients, oncallShifts, patches, plans, provider } from '../../db/schema.ts';
import {
  describeSummary,
  type ImportSummary,
  importRoster,
  importRosterFile,
} from '../../src/patches/import.ts';
import { parseRoster, type Roster, type RosterPatch } from '../../src/patches/roster.ts';

const fixturePath = new URL('./fixtures/roster.yml', import.meta.url);
const fixture = readFileSync(fixturePath, 'utf8');
const T0 = Date.UTC(2026, 10, 23, 9, 0);
const T1 = T0 + 86_400_000;
const T2 = T1 + 86_400_000;

function rosterOf(text: string): Roster {
  const result = parseRoster(text);
  if (!result.ok) throw new Error(result.errors.join('\n'));
  return result.roster;
}

/** The fixture roster, changed by `change`. */
function edited(change: (roster: Roster) => void): Roster {
  const roster = rosterOf(fixture);
  change(roster);
  return roster;
}

/** `text` with `from` replaced; fails loudly if `from` is not there (e.g. after a reformat). */
function swap(text: string, from: string, to: string): string {
  if (!text.includes(from)) throw new Error(`fixture no longer contains ${from}`);
  return text.replace(from, to);
}

function patchOf(roster: Roster, code: string): RosterPatch {
  const patch = roster.patches.find((p) => p.code === code);
  if (!patch) throw new Error(`no patch ${code}`);
  return patch;
}

/** Every row of every table, in a stable order: what "changes nothing" is measured against. */
function dump(db: Db): Record<string, unknown[]> {
  const tables = db.$client
    .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
    .all() as { name: string }[];
  const out: Record<string, unknown[]> = {};
  for (const { name } of tables) {
    out[name] = db.$client.prepare(`SELECT * FROM "${name}" ORDER BY 1, 2`).all();
  }
  return out;
}

function tempFile(text: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'patchbot-roster-')), 'roster.yml');
  writeFileSync(path, text);
  return path;
}

const counts = (created: number, updated: number, archived: number, unchanged: number) => ({
  created,
  updated,
  archived,
  unchanged,
});

let db: Db;
beforeEach(() => {
  db = openDb(':memory:');
});

describe('importRoster', () => {
  it('loads the example roster', () => {
    const summary = importRoster(db, rosterOf(fixture), T0);
    expect(summary).toEqual<ImportSummary>({
      patches: counts(2, 0, 0, 0),
      clients: counts(3, 0, 0, 0),
      plans: counts(5, 0, 0, 0),
      settings: 'created',
      roles: { added: 3, removed: 0 },
    });
    expect(describeSummary(summary)).toBe(
      'Roster imported: patches 2 created; clients 3 created; visit plans 5 created; settings created; roles 3 added, 0 removed.',
    );

    expect(db.select().from(provider).all()).toEqual([
      {
        id: 1,
        timezone: 'Europe/London',
        supervisorsChannel: 'C0SUPERV1',
        settings:
          '{"thresholds":{"lateMinutes":15,"lateMinutesTimeCritical":10},' +
          '"escalation":{"rounds":3,"waits":{"nowTimeCritical":5,"now":10,"today":30},"reminder":{"now":30}}}',
        updatedAt: T0,
        reportDueAt: null,
        competenceDueAt: null,
      },
    ]);
    const shift =
      (kind: 'weekly' | 'override', days: string | null, date: string | null) =>
      (from: string, to: string, userId: string, position: number) => ({
        kind,
        days,
        date,
        from,
        to,
        userId,
        position,
      });
    const weekly = (days: string) => shift('weekly', days, null);
    expect(
      db
        .select()
        .from(oncallShifts)
        .all()
        .map(({ id: _, ...row }) => row),
    ).toEqual([
      weekly('mon,tue,wed,thu,fri')('08:00', '18:00', 'U0SUPER1', 0),
      weekly('mon,tue,wed,thu,fri')('18:00', '08:00', 'U0SUPER2', 1),
      weekly('sat,sun')('00:00', '24:00', 'U0SUPER2', 2),
      weekly('mon')('00:00', '08:00', 'U0SUPER2', 3),
      shift('override', null, '2026-12-25')('00:00', '24:00', 'U0SUPER1', 4),
    ]);
    const rows = dump(db);
    expect(rows.roles).toEqual([
      { user_id: 'U0ADMIN1', role: 'admin' },
      { user_id: 'U0SUPER1', role: 'supervisor' },
      { user_id: 'U0SUPER2', role: 'supervisor' },
    ]);
    expect(rows.patch_assistants).toHaveLength(3);
    const p07 = db.select().from(patches).all()[0];
    expect(p07).toMatchObject({
      code: 'P07',
      channelId: 'C0PATCH07',
      maxClients: 10,
      digestAt: '07:00',
      settings: '{"thresholds":{"lateMinutes":20}}',
      archivedAt: null,
    });
    const tea = db.select().from(plans).all()[1];
    expect(tea).toMatchObject({
      position: 1,
      at: '17:30',
      days: 'mon,wed,fri',
      minutes: 30,
      purpose: 'Tea',
      timeCritical: false,
      carers: 2,
      settings: '{"thresholds":{"lateMinutes":5}}',
      archivedAt: null,
    });
    expect(db.select().from(plans).all()[3]?.days).toBe('sat,sun');
  });

  it('importing the same file twice changes nothing', () => {
    importRoster(db, rosterOf(fixture), T0);
    const before = dump(db);
    // Every table, the on-call rota and the escalation settings included (same rows, same ids).
    expect(before.oncall_shifts).toHaveLength(5);
    expect(before.provider?.[0]).toMatchObject({ settings: expect.stringContaining('"escalation"') });
    const summary = importRoster(db, rosterOf(fixture), T1);
    expect(dump(db)).toEqual(before);
    expect(summary).toEqual<ImportSummary>({
      patches: counts(0, 0, 0, 2),
      clients: counts(0, 0, 0, 3),
      plans: counts(0, 0, 0, 5),
      settings: 'unchanged',
      roles: { added: 0, removed: 0 },
    });
    expect(describeSummary(summary)).toBe(
      'Nothing changed: the database already matches the roster (2 patches, 3 clients, 5 visit plans).',
    );
  });

  it('a client removed from the file is archived, keeps its row, and comes back when re-added', () => {
    importRoster(db, rosterOf(fixture), T0);
    const without = () =>
      edited((r) => {
        const p07 = patchOf(r, 'P07');
        p07.clients = p07.clients.filter((c) => c.code !== 'P07-02');
      });

    const summary = importRoster(db, without(), T1);
    expect(summary.clients).toEqual(counts(0, 0, 1, 2));
    expect(summary.plans).toEqual(counts(0, 0, 1, 4));
    const mrK = db
      .select()
      .from(clients)
      .all()
      .find((row) => row.code === 'P07-02');
    expect(mrK).toMatchObject({ name: 'Mr K', archivedAt: T1 });
    const lunch = db
      .select()
      .from(plans)
      .all()
      .find((row) => row.clientId === mrK?.id);
    expect(lunch).toMatchObject({ purpose: 'Lunch', archivedAt: T1 });

    // Importing the smaller file again leaves the archive time where it was.
    expect(importRoster(db, without(), T2).clients).toEqual(counts(0, 0, 0, 2));
    expect(
      db
        .select()
        .from(clients)
        .all()
        .find((row) => row.code === 'P07-02')?.archivedAt,
    ).toBe(T1);

    const back = importRoster(db, rosterOf(fixture), T2);
    expect(back.clients).toEqual(counts(0, 1, 0, 2));
    expect(back.plans).toEqual(counts(0, 1, 0, 4));
    const again = db
      .select()
      .from(clients)
      .all()
      .find((row) => row.code === 'P07-02');
    expect(again).toMatchObject({ id: mrK?.id, archivedAt: null });
    expect(db.select().from(clients).all()).toHaveLength(3);
  });

  it('a changed plan is updated in place, and plans past the end of the list are archived', () => {
    importRoster(db, rosterOf(fixture), T0);
    const idsBefore = db
      .select()
      .from(plans)
      .all()
      .map((row) => row.id);
    const changed = edited((r) => {
      const tea = patchOf(r, 'P07').clients[0]?.visits[1];
      if (!tea) throw new Error('no tea visit');
      Object.assign(tea, { at: '18:00', days: ['tue'], minutes: 40 });
      patchOf(r, 'P08').clients[0]?.visits.pop();
    });

    const summary = importRoster(db, changed, T1);
    expect(summary.plans).toEqual(counts(0, 1, 1, 3));
    expect(summary.clients).toEqual(counts(0, 0, 0, 3));
    const rows = db.select().from(plans).all();
    expect(rows.map((row) => row.id)).toEqual(idsBefore);
    expect(rows[1]).toMatchObject({ at: '18:00', days: 'tue', minutes: 40, archivedAt: null });
    expect(rows[4]).toMatchObject({ purpose: 'Bed', archivedAt: T1 });
  });

  it('a patch removed from the file is archived with its clients and plans, and its channel can be reused', () => {
    importRoster(db, rosterOf(fixture), T0);
    const onlyP07 = (): Roster =>
      edited((r) => {
        r.patches = r.patches.filter((p) => p.code === 'P07');
      });
    const summary = importRoster(db, onlyP07(), T1);
    expect(summary.patches).toEqual(counts(0, 0, 1, 1));
    expect(summary.clients).toEqual(counts(0, 0, 1, 2));
    expect(summary.plans).toEqual(counts(0, 0, 2, 3));
    const p08 = db.select().from(patches).all()[1];
    expect(p08).toMatchObject({ code: 'P08', archivedAt: T1, channelId: 'C0PATCH08' });
    expect(dump(db).patch_assistants).toHaveLength(2);

    // A new patch takes the retired patch's channel.
    const p09 = onlyP07();
    p09.patches.push({
      ...patchOf(rosterOf(fixture), 'P08'),
      code: 'P09',
      name: 'Westbury East',
      clients: [],
    });
    expect(importRoster(db, p09, T2).patches).toEqual(counts(1, 0, 0, 1));
    const rows = db.select().from(patches).all();
    expect(rows.find((row) => row.code === 'P09')?.channelId).toBe('C0PATCH08');
    expect(rows.find((row) => row.code === 'P08')?.channelId).not.toBe('C0PATCH08');
    const before = dump(db);
    importRoster(db, p09, T2 + 1);
    expect(dump(db)).toEqual(before);
  });

  it('two patches can swap channels in one import', () => {
    importRoster(db, rosterOf(fixture), T0);
    const swapped = edited((r) => {
      patchOf(r, 'P07').channel = 'C0PATCH08';
      patchOf(r, 'P08').channel = 'C0PATCH07';
    });
    expect(importRoster(db, swapped, T1).patches).toEqual(counts(0, 2, 0, 0));
    expect(
      db
        .select()
        .from(patches)
        .all()
        .map((row) => [row.code, row.channelId]),
    ).toEqual([
      ['P07', 'C0PATCH08'],
      ['P08', 'C0PATCH07'],
    ]);
  });

  it('roles and assistants follow the file', () => {
    importRoster(db, rosterOf(fixture), T0);
    const changed = edited((r) => {
      r.supervisors.members = ['U0SUPER2', 'U0SUPER3'];
      patchOf(r, 'P08').assistants = ['U0CAROL1', 'U0DAVE001'];
    });
    const summary = importRoster(db, changed, T1);
    expect(summary.roles).toEqual({ added: 1, removed: 1 });
    expect(summary.patches).toEqual(counts(0, 1, 0, 1));
    expect(summary.settings).toBe('unchanged');
    expect(dump(db).roles).toEqual([
      { user_id: 'U0ADMIN1', role: 'admin' },
      { user_id: 'U0SUPER2', role: 'supervisor' },
      { user_id: 'U0SUPER3', role: 'supervisor' },
    ]);
  });

  it('changing provider thresholds updates the provider row once', () => {
    importRoster(db, rosterOf(fixture), T0);
    const changed = edited((r) => {
      r.thresholds.lateMinutes = 12;
    });
    expect(importRoster(db, changed, T1).settings).toBe('updated');
    expect(db.select().from(provider).get()).toMatchObject({
      settings: expect.stringMatching(
        /^\{"thresholds":\{"lateMinutes":12,"lateMinutesTimeCritical":10\},"escalation":/,
      ),
      updatedAt: T1,
    });
    expect(importRoster(db, changed, T2).settings).toBe('unchanged');
    expect(db.select().from(provider).get()?.updatedAt).toBe(T1);
  });
});

describe('importRoster: the on-call rota and the escalation chain', () => {
  const rota = () => dump(db).oncall_shifts as { id: number; user_id: string; position: number }[];
  const settingsJson = () => JSON.parse(db.select().from(provider).get()?.settings ?? '{}') as object;

  it('a changed rota replaces the rows once, and counts as a settings change', () => {
    importRoster(db, rosterOf(fixture), T0);
    const ids = rota().map((row) => row.id);
    const changed = edited((r) => {
      const christmas = r.onCall.overrides[0];
      if (christmas) christmas.userId = 'U0SUPER2';
    });
    const summary = importRoster(db, changed, T1);
    expect(summary.settings).toBe('updated');
    expect(describeSummary(summary)).toContain('settings updated');
    expect(rota().map((row) => [row.position, row.user_id])).toEqual([
      [0, 'U0SUPER1'],
      [1, 'U0SUPER2'],
      [2, 'U0SUPER2'],
      [3, 'U0SUPER2'],
      [4, 'U0SUPER2'],
    ]);
    expect(rota().map((row) => row.id)).not.toEqual(ids);
    // The provider row itself did not change.
    expect(db.select().from(provider).get()?.updatedAt).toBe(T0);

    const before = dump(db);
    expect(importRoster(db, changed, T2).settings).toBe('unchanged');
    expect(dump(db)).toEqual(before);
  });

  it('a file without on_call empties the rota', () => {
    importRoster(db, rosterOf(fixture), T0);
    const without = edited((r) => {
      r.onCall = { weekly: [], overrides: [] };
    });
    expect(importRoster(db, without, T1).settings).toBe('updated');
    expect(rota()).toEqual([]);
    expect(importRoster(db, without, T2).settings).toBe('unchanged');
  });

  it('the escalation block is stored beside the thresholds, and only what it sets', () => {
    importRoster(db, rosterOf(fixture), T0);
    const changed = edited((r) => {
      r.escalation = { waits: { missedVisit: 20 }, unacknowledge: { today: 300 } };
    });
    expect(importRoster(db, changed, T1).settings).toBe('updated');
    expect(settingsJson()).toEqual({
      thresholds: { lateMinutes: 15, lateMinutesTimeCritical: 10 },
      escalation: { waits: { missedVisit: 20 }, unacknowledge: { today: 300 } },
    });
    const none = edited((r) => {
      r.escalation = {};
    });
    expect(importRoster(db, none, T2).settings).toBe('updated');
    expect(settingsJson()).toEqual({ thresholds: { lateMinutes: 15, lateMinutesTimeCritical: 10 } });
  });

  it('settings keys the roster does not own survive, in place', () => {
    importRoster(db, rosterOf(fixture), T0);
    const stored = db.select().from(provider).get()?.settings ?? '{}';
    const withOther = stored.replace('{"thresholds"', '{"other":{"x":1},"thresholds"');
    db.update(provider).set({ settings: withOther }).run();
    expect(importRoster(db, rosterOf(fixture), T1).settings).toBe('unchanged');
    expect(db.select().from(provider).get()?.settings).toBe(withOther);
    const changed = edited((r) => {
      r.escalation = { rounds: 2 };
    });
    importRoster(db, changed, T2);
    expect(db.select().from(provider).get()?.settings).toBe(
      '{"other":{"x":1},"thresholds":{"lateMinutes":15,"lateMinutesTimeCritical":10},"escalation":{"rounds":2}}',
    );
  });
});

describe('importRosterFile', () => {
  it('imports a valid file', () => {
    const result = importRosterFile(db, tempFile(fixture), T0);
    expect(result.ok).toBe(true);
    if (result.ok) expect(result.summary.plans.created).toBe(5);
  });

  it('an invalid file applies nothing', () => {
    importRoster(db, rosterOf(fixture), T0);
    const before = dump(db);
    const broken = swap(swap(fixture, 'name: Mr K', 'name: Mr L'), 'at: "21:00"', 'at: "9pm"');
    const result = importRosterFile(db, tempFile(broken), T1);
    expect(result).toEqual({ ok: false, errors: ['patches[1].clients[0].visits[1].at: expected HH:mm'] });
    expect(dump(db)).toEqual(before);

    const fresh = openDb(':memory:');
    const empty = dump(fresh);
    expect(importRosterFile(fresh, tempFile(broken), T1).ok).toBe(false);
    expect(dump(fresh)).toEqual(empty);
  });

  it('a failure half-way through rolls the whole import back', () => {
    importRoster(db, rosterOf(fixture), T0);
    const before = dump(db);
    db.$client.exec(
      "CREATE TRIGGER refuse_bed BEFORE UPDATE ON plans WHEN NEW.purpose = 'Night' BEGIN SELECT RAISE(ABORT, 'refused'); END",
    );
    const changed = edited((r) => {
      patchOf(r, 'P07').name = 'Westbury Central';
      const bed = patchOf(r, 'P08').clients[0]?.visits[1];
      if (bed) bed.purpose = 'Night';
    });
    expect(() => importRoster(db, changed, T1)).toThrow('refused');
    expect(dump(db)).toEqual(before);
  });

  it('a missing file is one clear error line', () => {
    const path = join(tmpdir(), 'patchbot-no-such-roster.yml');
    expect(importRosterFile(db, path, T0)).toEqual({ ok: false, errors: [`${path}: no such file`] });
  });
});
