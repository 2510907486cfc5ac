import { readFileSync } from 'node:fs';
import { beforeEach, describe, expect, it } from 'vitest';
import { type Db, openDb } from '../../db/index.ts';
import { DEFAULT_CHAIN } from '../../src/escalation/model.ts';
import { importRoster } from '../../src/patches/import.ts';
import { parseRoster, type Roster } from '../../src/patches/roster.ts';
import {
  activeClients,
  activePatches,
  activePlans,
  admins,
  assistantsOf,
  escalationConfig,
  findPatchByChannel,
  getClients,
  getPatch,
  isPatchTeam,
  oncallShifts,
  providerSettings,
  rolesOf,
  supervisors,
} from '../../src/patches/store.ts';

const fixture = readFileSync(new URL('./fixtures/roster.yml', import.meta.url), 'utf8');
const T0 = Date.UTC(2026, 10, 23, 9, 0);

function rosterOf(text: string): Roster {
  const result = parseRoster(text);
  if (!result.ok) throw new Error(result.errors.join('\n'));
  return result.roster;
}

let db: Db;
beforeEach(() => {
  db = openDb(':memory:');
});

describe('before any roster is imported', () => {
  it('the provider is in Europe/London with no supervisors’ channel and nobody has a role', () => {
    expect(providerSettings(db)).toEqual({
      timezone: 'Europe/London',
      supervisorsChannel: null,
      thresholds: {},
    });
    expect(rolesOf(db, 'U0ADMIN1')).toEqual({ admin: false, supervisor: false });
    expect(findPatchByChannel(db, 'C0PATCH07')).toBeUndefined();
    expect(activePlans(db)).toEqual([]);
    expect(getClients(db, [])).toEqual([]);
    expect(oncallShifts(db)).toEqual([]);
    expect(escalationConfig(db)).toEqual(DEFAULT_CHAIN);
  });
});

describe('after the example roster', () => {
  beforeEach(() => {
    importRoster(db, rosterOf(fixture), T0);
  });

  it('provider settings carry the zone, channel and thresholds', () => {
    expect(providerSettings(db)).toEqual({
      timezone: 'Europe/London',
      supervisorsChannel: 'C0SUPERV1',
      thresholds: { lateMinutes: 15, lateMinutesTimeCritical: 10 },
    });
  });

  it('finds a patch by its channel, and not once it is archived', () => {
    const patch = findPatchByChannel(db, 'C0PATCH07');
    expect(patch).toMatchObject({ code: 'P07', name: 'Westbury North', thresholds: { lateMinutes: 20 } });
    expect(getPatch(db, patch?.id ?? -1)).toEqual(patch);
    expect(findPatchByChannel(db, 'C0SUPERV1')).toBeUndefined();

    const withoutP07 = rosterOf(fixture);
    withoutP07.patches = withoutP07.patches.filter((p) => p.code !== 'P07');
    importRoster(db, withoutP07, T0 + 1);
    expect(findPatchByChannel(db, 'C0PATCH07')).toBeUndefined();
    expect(getPatch(db, patch?.id ?? -1)).toMatchObject({ code: 'P07', archivedAt: T0 + 1 });
    expect(activePatches(db).map((p) => p.code)).toEqual(['P08']);
  });

  it('lists a patch’s active clients by code, and clients by id in the order asked', () => {
    const p07 = findPatchByChannel(db, 'C0PATCH07');
    const list = activeClients(db, p07?.id ?? -1);
    expect(list.map((c) => c.code)).toEqual(['P07-01', 'P07-02']);
    const [first, second] = list;
    expect(getClients(db, [second?.id ?? -1, 999, first?.id ?? -1]).map((c) => c.name)).toEqual([
      'Mr K',
      'Mrs P',
    ]);
  });

  it('knows who is on which team', () => {
    const p07 = findPatchByChannel(db, 'C0PATCH07')?.id ?? -1;
    const p08 = findPatchByChannel(db, 'C0PATCH08')?.id ?? -1;
    expect(assistantsOf(db, p07)).toEqual(['U0ALICE1', 'U0BOB0001']);
    expect(rolesOf(db, 'U0ADMIN1')).toEqual({ admin: true, supervisor: false });
    expect(rolesOf(db, 'U0SUPER2')).toEqual({ admin: false, supervisor: true });
    expect(supervisors(db)).toEqual(['U0SUPER1', 'U0SUPER2']);
    expect(admins(db)).toEqual(['U0ADMIN1']);
    expect(isPatchTeam(db, p07, 'U0ALICE1')).toBe(true);
    expect(isPatchTeam(db, p08, 'U0ALICE1')).toBe(false);
    expect(isPatchTeam(db, p08, 'U0SUPER1')).toBe(true);
    expect(isPatchTeam(db, p08, 'U0ADMIN1')).toBe(true);
    expect(isPatchTeam(db, p07, 'U0STRANGER')).toBe(false);
  });

  it('lists active plans with their client and patch, by patch, time and client', () => {
    const all = activePlans(db);
    expect(all.map((p) => `${p.patch.code} ${p.at} ${p.client.code}`)).toEqual([
      'P07 08:00 P07-01',
      'P07 12:30 P07-02',
      'P07 17:30 P07-01',
      'P08 09:00 P08-01',
      'P08 21:00 P08-01',
    ]);
    expect(all[2]).toMatchObject({
      position: 1,
      days: ['mon', 'wed', 'fri'],
      minutes: 30,
      purpose: 'Tea',
      timeCritical: false,
      carers: 2,
      thresholds: { lateMinutes: 5 },
      client: { code: 'P07-01', name: 'Mrs P', keyWorker: 'U0ALICE1' },
      patch: { code: 'P07', channelId: 'C0PATCH07', digestAt: '07:00', thresholds: { lateMinutes: 20 } },
    });
    const p08 = findPatchByChannel(db, 'C0PATCH08')?.id ?? -1;
    expect(activePlans(db, { patchId: p08 }).map((p) => p.at)).toEqual(['09:00', '21:00']);
  });
});

describe('the on-call rota and the escalation chain', () => {
  it('shifts come back by position, weekly with days and overrides with a date', () => {
    importRoster(db, rosterOf(fixture), T0);
    const weekdays = ['mon', 'tue', 'wed', 'thu', 'fri'];
    expect(oncallShifts(db)).toEqual([
      { kind: 'weekly', days: weekdays, from: '08:00', to: '18:00', userId: 'U0SUPER1', position: 0 },
      { kind: 'weekly', days: weekdays, from: '18:00', to: '08:00', userId: 'U0SUPER2', position: 1 },
      { kind: 'weekly', days: ['sat', 'sun'], from: '00:00', to: '24:00', userId: 'U0SUPER2', position: 2 },
      { kind: 'weekly', days: ['mon'], from: '00:00', to: '08:00', userId: 'U0SUPER2', position: 3 },
      { kind: 'override', date: '2026-12-25', from: '00:00', to: '24:00', userId: 'U0SUPER1', position: 4 },
    ]);
  });

  it('the chain is DEFAULT_CHAIN with what the roster sets', () => {
    importRoster(db, rosterOf(fixture), T0);
    expect(escalationConfig(db)).toEqual(DEFAULT_CHAIN);
    const roster = rosterOf(fixture);
    roster.escalation = { rounds: 2, waits: { today: 20 }, unacknowledge: { now: 90 } };
    importRoster(db, roster, T0 + 1);
    expect(escalationConfig(db)).toEqual({
      ...DEFAULT_CHAIN,
      rounds: 2,
      waits: { ...DEFAULT_CHAIN.waits, today: 20 },
      unacknowledge: { now: 90, today: 240 },
    });
    // Thresholds are read as before.
    expect(providerSettings(db).thresholds).toEqual({ lateMinutes: 15, lateMinutesTimeCritical: 10 });
  });

  it('a malformed escalation setting falls back to the default', () => {
    importRoster(db, rosterOf(fixture), T0);
    db.$client
      .prepare('UPDATE provider SET settings = ?')
      .run('{"escalation":{"rounds":-1,"waits":{"now":"ten","today":12.5,"missedVisit":7},"reminder":[1]}}');
    expect(escalationConfig(db)).toEqual({
      ...DEFAULT_CHAIN,
      waits: { ...DEFAULT_CHAIN.waits, missedVisit: 7 },
    });
    db.$client.prepare('UPDATE provider SET settings = ?').run('not json');
    expect(escalationConfig(db)).toEqual(DEFAULT_CHAIN);
  });
});
