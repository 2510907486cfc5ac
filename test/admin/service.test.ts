import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { and, eq } from 'drizzle-orm';
import { beforeEach, describe, expect, it } from 'vitest';
import { type Db, openDb } from '../../db/index.ts';
import { clients, patches, plans, visits } from '../../db/schema.ts';
import type { AdminDeps, KeyWorkerChange } from '../../src/admin/change.ts';
import { addClient, archiveClient, editClient } from '../../src/admin/clients.ts';
import { addPlan, changePlan, endPlan, type PlanInput } from '../../src/admin/plans.ts';
import { changePatch, createPatch, recordChannel } from '../../src/admin/service.ts';
import { hub, importRosterWithVisits } from '../../src/hub.ts';
import { silentLog } from '../../src/log.ts';
import { auditOf } from '../../src/patches/audit.ts';
import { exportRoster, rosterOf } from '../../src/patches/export.ts';
import { describeSummary, importRoster } from '../../src/patches/import.ts';
import { parseRoster } from '../../src/patches/roster.ts';
import { localInstant, ManualClock } from '../../src/time.ts';

/**
 * The use cases behind `/patch`, on a database: each change is checked by the roster's rules, moves
 * only visits still to come, is in the audit log, and leaves a set-up that `roster export` writes
 * back out so that importing it changes nothing.
 */

const ROOT = join(import.meta.dirname, '..', '..');
const FIXTURES = {
  roster: join(ROOT, 'test', 'patches', 'fixtures', 'roster.yml'),
  team: join(ROOT, 'test', 'fixtures', 'team.yml'),
  example: join(ROOT, 'docs', 'roster.example.yml'),
  full: join(import.meta.dirname, 'fixtures', 'full.yml'),
};
const ADMIN = 'U0ADMIN1';
const ALICE = 'U0ALICE1';
const BOB = 'U0BOB0001';

let db: Db;
let clock: ManualClock;
let deps: AdminDeps;
const refusals: KeyWorkerChange[] = [];

function load(path: string, at = '2026-11-23T10:00:00Z'): void {
  db = openDb(':memory:');
  clock = new ManualClock(Date.parse(at));
  const parsed = parseRoster(readFileSync(path, 'utf8'));
  if (!parsed.ok) throw new Error(parsed.errors.join('\n'));
  importRosterWithVisits(db, parsed.roster, clock.now());
  refusals.length = 0;
  deps = {
    db,
    clock,
    log: silentLog,
    hub,
    setupGuards: {
      keyWorker: [
        (_tx, change) => {
          if (change.to !== 'U0NOTSIGNED') return null;
          refusals.push(change);
          return { text: 'Not signed off for insulin, which Mrs P’s visits need.' };
        },
      ],
    },
  };
}

/** Export, then import what was exported: the import's own words. */
function roundTrip(): string {
  const exported = exportRoster(db);
  if (!exported.ok) throw new Error(exported.problems.join('\n'));
  const parsed = parseRoster(exported.yaml);
  if (!parsed.ok) throw new Error(parsed.errors.join('\n'));
  return describeSummary(importRoster(db, parsed.roster, clock.now()));
}

const idOf = (code: string) => {
  const row = db.select().from(clients).where(eq(clients.code, code)).get();
  if (!row) throw new Error(`no client ${code}`);
  return row.id;
};
const plansOf = (code: string) =>
  db
    .select()
    .from(plans)
    .where(eq(plans.clientId, idOf(code)))
    .all()
    .sort((a, b) => a.position - b.position);
const visitsOfPlan = (planId: number) =>
  db
    .select()
    .from(visits)
    .where(eq(visits.planId, planId))
    .all()
    .sort((a, b) => (a.occursOn ?? '').localeCompare(b.occursOn ?? ''));

const plan = (over: Partial<PlanInput> = {}): PlanInput => ({
  at: '13:00',
  days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'],
  minutes: 30,
  purpose: 'Lunch',
  timeCritical: false,
  carers: 1,
  thresholds: {},
  requires: [],
  ...over,
});

describe('roster export', () => {
  it.each(Object.entries(FIXTURES))(
    'writes the %s fixture back so that importing it changes nothing',
    (_, path) => {
      load(path);
      expect(roundTrip()).toMatch(/^Nothing changed: the database already matches the roster/);
    },
  );

  it('writes the same file twice, with the roster’s defaults left out and times quoted', () => {
    load(FIXTURES.roster);
    const a = exportRoster(db);
    const b = exportRoster(db);
    expect(a).toEqual(b);
    if (!a.ok) throw new Error('not exported');
    expect(a.yaml).toContain('at: "08:00"');
    expect(a.yaml).toContain('days: [mon, wed, fri]');
    expect(a.yaml).not.toContain('carers: 1');
    expect(a.yaml).not.toContain('time_critical: false');
    expect(a.yaml).toContain('- {date: "2026-12-25", from: "00:00", to: "24:00", user: U0SUPER1}');
    expect(a).toMatchObject({ patches: 2, clients: 3, plans: 5 });
  });

  it('includes tasks, requires, cover, escalation, on-call, supervisors, admins and `channel: new`', () => {
    load(FIXTURES.full);
    const exported = exportRoster(db);
    if (!exported.ok) throw new Error(exported.problems.join('\n'));
    expect(exported.yaml).toContain('requires: [eye_drops, insulin]');
    expect(exported.yaml).toContain('channel: new');
    expect(exported.yaml).toContain('escalate_minutes: 45');
    const source = parseRoster(readFileSync(FIXTURES.full, 'utf8'));
    const again = parseRoster(exported.yaml);
    if (!source.ok || !again.ok) throw new Error('not a roster');
    // The same roster, as the import reads it.
    expect(again.roster).toEqual(source.roster);
  });

  it('refuses when no roster was ever imported', () => {
    db = openDb(':memory:');
    expect(exportRoster(db)).toEqual({
      ok: false,
      problems: ['the database has no set-up yet: import a roster first'],
    });
  });

  it('writes `channel: new` for a patch whose channel is still to be made, and its id once it is', () => {
    load(FIXTURES.team);
    const made = createPatch(deps, ADMIN, {
      code: 'P09',
      name: 'Westbury Central',
      assistants: [ALICE],
      digestAt: '07:00',
    });
    expect(made.ok).toBe(true);
    const before = rosterOf(db)?.file.patches.find((p) => p.code === 'P09');
    expect(before?.channel).toBe('new');
    expect(roundTrip()).toMatch(/^Nothing changed/);
    const patchId = made.ok ? made.patchId : 0;
    expect(
      recordChannel(
        { db },
        patchId,
        'C0NEW0001',
        { name: 'westbury-central', adopted: false, invited: [ALICE], notInvited: [] },
        clock.now(),
      ),
    ).toBe(true);
    // Recorded once: a second run finds it done.
    expect(
      recordChannel(
        { db },
        patchId,
        'C0NEW0002',
        { name: 'x', adopted: false, invited: [], notInvited: [] },
        clock.now(),
      ),
    ).toBe(false);
    expect(rosterOf(db)?.file.patches.find((p) => p.code === 'P09')?.channel).toBe('C0NEW0001');
    expect(roundTrip()).toMatch(/^Nothing changed/);
  });
});

describe('changes from Slack, then export: importing the export changes nothing', () => {
  it('after adding, editing and archiving clients, adding, changing and ending plans, and changing a patch', () => {
    load(FIXTURES.full);
    const patchId = db.select().from(patches).where(eq(patches.code, 'P07')).get()?.id ?? 0;
    const first = db.select().from(clients).where(eq(clients.patchId, patchId)).all()[0];
    if (!first) throw new Error('no client');
    const added = addClient(deps, ADMIN, patchId, { code: 'P07-90', name: 'Mrs Q', keyWorker: null });
    expect(added.ok).toBe(true);
    expect(addPlan(deps, ADMIN, idOf('P07-90'), plan()).ok).toBe(true);
    expect(
      addPlan(deps, ADMIN, idOf('P07-90'), plan({ at: '18:00', purpose: 'Tea', requires: ['eye_drops'] })).ok,
    ).toBe(true);
    expect(addPlan(deps, ADMIN, idOf('P07-90'), plan({ at: '21:00', purpose: 'Bed', carers: 2 })).ok).toBe(
      true,
    );
    // End the middle one: the others keep positions 0 and 1, so the roster lists each at its own.
    const [, middle] = plansOf('P07-90');
    expect(endPlan(deps, ADMIN, middle?.id ?? 0).ok).toBe(true);
    expect(plansOf('P07-90').map((p) => [p.purpose, p.position, p.archivedAt === null])).toEqual([
      ['Lunch', 0, true],
      ['Bed', 1, true],
      ['Tea', 2, false],
    ]);
    const [lunch] = plansOf('P07-90');
    expect(
      changePlan(
        deps,
        ADMIN,
        lunch?.id ?? 0,
        plan({ at: '12:45', thresholds: { late_minutes: 5 }, timeCritical: true }),
      ).ok,
    ).toBe(true);
    expect(editClient(deps, ADMIN, first.id, { name: 'Mrs P (Annie)', keyWorker: null }).ok).toBe(true);
    expect(
      changePatch(deps, ADMIN, patchId, {
        assistants: [ALICE, BOB, 'U0NEWONE1'],
        digestAt: '06:45',
        thresholds: { late_minutes: 12, popback_lead_minutes: 30 },
      }).ok,
    ).toBe(true);
    expect(archiveClient(deps, ADMIN, idOf('P07-90')).ok).toBe(true);
    expect(addClient(deps, ADMIN, patchId, { code: 'P07-91', name: 'Mr Z', keyWorker: 'U0NEWONE1' }).ok).toBe(
      true,
    );
    expect(addPlan(deps, ADMIN, idOf('P07-91'), plan()).ok).toBe(true);
    expect(
      createPatch(deps, ADMIN, {
        code: 'P10',
        name: 'Hilltop',
        assistants: [BOB],
        digestAt: '08:00',
        channelId: 'C0HILLTOP',
      }).ok,
    ).toBe(true);
    expect(roundTrip()).toMatch(/^Nothing changed: the database already matches the roster/);
  });
});

describe('each change is checked by the roster’s rules, on its fields', () => {
  beforeEach(() => load(FIXTURES.team));
  const p07 = () => db.select().from(patches).where(eq(patches.code, 'P07')).get()?.id ?? 0;

  it('a client’s display name: one line, no postcode, clean text, unique in the patch (as read)', () => {
    const tries: Array<[string, string]> = [
      ['Mrs P', '"Mrs P" is already the name of another client of this patch: names must tell clients apart'],
      [
        '  MRS  p ',
        '"MRS  p" is already the name of another client of this patch: names must tell clients apart',
      ],
      [
        'Mrs Q, BS1 4DJ',
        'looks like it holds a postcode: use a display name such as "Mrs P", never an address',
      ],
      ['Mrs\u200bQ', 'contains an invisible character (U+200B zero width space)'],
      ['', 'Fill this in.'],
      ['x'.repeat(41), 'must be at most 40 characters'],
    ];
    for (const [name, error] of tries) {
      expect(addClient(deps, ADMIN, p07(), { code: 'P07-09', name, keyWorker: null }), name).toEqual({
        ok: false,
        errors: { name: error },
      });
    }
    expect(db.select().from(clients).all()).toHaveLength(4);
  });

  it('a code: the roster’s form, and never one given before (archived clients too)', () => {
    expect(addClient(deps, ADMIN, p07(), { code: 'P 07', name: 'Mrs Q', keyWorker: null })).toEqual({
      ok: false,
      errors: { code: 'expected 1–20 letters, digits, - or _' },
    });
    expect(addClient(deps, ADMIN, p07(), { code: 'p07-01', name: 'Mrs Q', keyWorker: null })).toEqual({
      ok: false,
      errors: { code: 'p07-01 is already the code of Mrs P: choose another' },
    });
    archiveClient(deps, ADMIN, idOf('P07-02'));
    expect(addClient(deps, ADMIN, p07(), { code: 'P07-02', name: 'Mrs Q', keyWorker: null })).toEqual({
      ok: false,
      errors: { code: 'P07-02 is already the code of an archived client: choose another' },
    });
  });

  it('a key worker must be one of the patch’s assistants, and may be refused by a guard handed in', () => {
    expect(editClient(deps, ADMIN, idOf('P07-01'), { name: 'Mrs P', keyWorker: 'U0CAROL1' })).toEqual({
      ok: false,
      errors: { key_worker: "Choose one of this patch's assistants (or change the assistants first)." },
    });
    changePatch(deps, ADMIN, p07(), {
      assistants: [ALICE, BOB, 'U0NOTSIGNED'],
      digestAt: '07:00',
      thresholds: { late_minutes: 10, missed_minutes: 30 },
    });
    const before = db.select().from(clients).all();
    expect(editClient(deps, ADMIN, idOf('P07-01'), { name: 'Mrs P', keyWorker: 'U0NOTSIGNED' })).toEqual({
      ok: false,
      errors: { key_worker: 'Not signed off for insulin, which Mrs P’s visits need.' },
    });
    expect(refusals).toEqual([
      expect.objectContaining({
        clientId: idOf('P07-01'),
        clientCode: 'P07-01',
        from: ALICE,
        to: 'U0NOTSIGNED',
        actor: ADMIN,
      }),
    ]);
    expect(db.select().from(clients).all()).toEqual(before);
  });

  it('a patch keeps at most max_clients clients', () => {
    for (let i = 4; i <= 10; i++)
      expect(
        addClient(deps, ADMIN, p07(), { code: `P07-${i}`, name: `Client ${i}`, keyWorker: null }).ok,
      ).toBe(true);
    expect(addClient(deps, ADMIN, p07(), { code: 'P07-11', name: 'One too many', keyWorker: null })).toEqual({
      ok: false,
      errors: { name: '11 clients, but a patch holds at most 10 (max_clients)' },
    });
  });

  it('a plan: time, days, minutes, carers, thresholds and tasks each refused on its own field', () => {
    const result = addPlan(
      deps,
      ADMIN,
      idOf('P07-01'),
      plan({
        at: null,
        days: [],
        minutes: 0,
        purpose: 'Lunch\nand tea',
        carers: 3,
        thresholds: { late_minutes: 241, missed_minutes: 'ten' },
        requires: ['insulin'],
      }),
    );
    expect(result).toEqual({
      ok: false,
      errors: {
        at: 'Fill this in.',
        days: 'Choose at least one day.',
        minutes: 'must be at least 1',
        purpose: 'must be one line',
        carers: 'must be at most 2',
        late_minutes: 'must be at most 240',
        missed_minutes: 'Type a whole number.',
        requires: '"insulin" is not one of the tasks listed under tasks:',
      },
    });
    expect(plansOf('P07-01')).toHaveLength(2);
  });

  it('a patch: at least one assistant, and no key worker left without being one', () => {
    expect(changePatch(deps, ADMIN, p07(), { assistants: [], digestAt: '07:00', thresholds: {} })).toEqual({
      ok: false,
      errors: { assistants: 'Choose at least one assistant.' },
    });
    expect(
      changePatch(deps, ADMIN, p07(), { assistants: [ALICE], digestAt: '07:00', thresholds: {} }),
    ).toEqual({
      ok: false,
      errors: {
        assistants:
          "Mr K's key worker would no longer be an assistant here: give Mr K another key worker first.",
      },
    });
  });

  it('a new patch: a code of its own, a channel that is not another patch’s nor the supervisors’', () => {
    expect(
      createPatch(deps, ADMIN, { code: 'p07', name: 'Again', assistants: [ALICE], digestAt: '07:00' }),
    ).toEqual({
      ok: false,
      errors: { code: 'p07 is already the code of Westbury North: choose another' },
    });
    expect(
      createPatch(deps, ADMIN, {
        code: 'P09',
        name: 'Again',
        assistants: [ALICE],
        digestAt: '07:00',
        channelId: 'C0PATCH07',
      }),
    ).toEqual({ ok: false, errors: { code: 'This channel is already the channel of Westbury North.' } });
    expect(
      createPatch(deps, ADMIN, {
        code: 'P09',
        name: 'Again',
        assistants: [ALICE],
        digestAt: '07:00',
        channelId: 'C0SUPERV1',
      }),
    ).toEqual({
      ok: false,
      errors: { name: "C0SUPERV1 is the supervisors' channel; a patch needs a channel of its own" },
    });
    expect(
      createPatch(deps, ADMIN, { code: 'P09', name: 'Again', assistants: [], digestAt: '25:00' }),
    ).toEqual({
      ok: false,
      errors: { assistants: 'Choose at least one assistant.', digest_at: 'Choose a time.' },
    });
  });
});

describe('changes take effect for visits still to come', () => {
  // Imported at 06:00, so this morning's visits exist; the changes are made at 10:00.
  beforeEach(() => {
    load(FIXTURES.team, '2026-11-23T06:00:00Z');
    clock.set(Date.parse('2026-11-23T10:00:00Z'));
  });
  const at = (iso: string) => Date.parse(iso);

  it('a plan changed at 10:00 moves today’s later visit and tomorrow’s; this morning’s stays as it was', () => {
    const [wake] = plansOf('P07-01');
    if (!wake) throw new Error('no plan');
    const before = visitsOfPlan(wake.id);
    expect(before.map((v) => [v.occursOn, v.startsAt])).toEqual([
      ['2026-11-23', at('2026-11-23T08:00:00Z')],
      ['2026-11-24', at('2026-11-24T08:00:00Z')],
    ]);
    const changed = changePlan(
      deps,
      ADMIN,
      wake.id,
      plan({ at: '11:00', minutes: 45, purpose: 'Morning wake-up', timeCritical: true }),
    );
    expect(changed.ok).toBe(true);
    const after = visitsOfPlan(wake.id);
    // This morning's 08:00 visit is history: unchanged. Tomorrow's follows the plan.
    expect(after[0]).toEqual(before[0]);
    expect(after.map((v) => [v.occursOn, v.startsAt, v.status])).toEqual([
      ['2026-11-23', at('2026-11-23T08:00:00Z'), 'open'],
      ['2026-11-24', at('2026-11-24T11:00:00Z'), 'open'],
    ]);
    expect(db.select().from(plans).where(eq(plans.id, wake.id)).get()?.knownAt).toBe(clock.now());

    // The Breakfast plan at 08:00 moved to 12:00: today's (past) stays; a new time later today is made.
    const [tea] = plansOf('P07-01').slice(1);
    expect(
      changePlan(deps, ADMIN, tea?.id ?? 0, plan({ at: '12:00', days: ['mon'], purpose: 'Tea', carers: 2 }))
        .ok,
    ).toBe(true);
    expect(visitsOfPlan(tea?.id ?? 0).map((v) => [v.occursOn, v.startsAt])).toEqual([
      ['2026-11-23', at('2026-11-23T12:00:00Z')],
    ]);
  });

  it('a plan that only changes its purpose keeps when it was known', () => {
    const [wake] = plansOf('P07-01');
    const knownAt = wake?.knownAt;
    changePlan(
      deps,
      ADMIN,
      wake?.id ?? 0,
      plan({ at: '08:00', minutes: 45, purpose: 'Wake-up and breakfast', timeCritical: true }),
    );
    expect(
      db
        .select()
        .from(plans)
        .where(eq(plans.id, wake?.id ?? 0))
        .get()?.knownAt,
    ).toBe(knownAt);
    const tomorrow = visitsOfPlan(wake?.id ?? 0).at(-1);
    expect(tomorrow?.purpose).toBe('Wake-up and breakfast');
  });

  it('a new key worker takes the visits still to come; those taken over by hand stay with who took them', () => {
    const [wake] = plansOf('P07-01');
    expect(editClient(deps, ADMIN, idOf('P07-01'), { name: 'Mrs P', keyWorker: BOB }).ok).toBe(true);
    const [today, tomorrow] = visitsOfPlan(wake?.id ?? 0);
    expect(today?.assignee).toBe(ALICE);
    expect(tomorrow).toMatchObject({ assignee: BOB, plannedAssignee: BOB });
  });

  it('an ended plan calls off its visits still to come and leaves the past; an archived client the same', () => {
    const [wake, tea] = plansOf('P07-01');
    expect(endPlan(deps, ADMIN, wake?.id ?? 0).ok).toBe(true);
    expect(visitsOfPlan(wake?.id ?? 0).map((v) => [v.occursOn, v.status, v.closeReason])).toEqual([
      ['2026-11-23', 'open', null],
      ['2026-11-24', 'cancelled', 'plan removed'],
    ]);
    expect(archiveClient(deps, ADMIN, idOf('P07-01')).ok).toBe(true);
    expect(
      db
        .select()
        .from(plans)
        .where(and(eq(plans.clientId, idOf('P07-01'))))
        .all()
        .every((p) => p.archivedAt !== null),
    ).toBe(true);
    expect(visitsOfPlan(tea?.id ?? 0).every((v) => v.status === 'cancelled')).toBe(true);
  });

  it('a new plan makes no visit that is already past, on the day the clocks go forward too', () => {
    load(FIXTURES.team, '2026-03-28T10:00:00Z');
    expect(addPlan(deps, ADMIN, idOf('P07-02'), plan({ at: '01:30', purpose: 'Night check' })).ok).toBe(true);
    const [night] = plansOf('P07-02').slice(-1);
    // Today's 01:30 was before the plan existed; tomorrow's 01:30 is in the hour that does not exist,
    // so it is 02:30 BST (01:30Z).
    expect(visitsOfPlan(night?.id ?? 0).map((v) => [v.occursOn, v.startsAt])).toEqual([
      ['2026-03-29', localInstant('2026-03-29', '01:30', 'Europe/London')],
    ]);
    expect(visitsOfPlan(night?.id ?? 0)[0]?.startsAt).toBe(at('2026-03-29T01:30:00Z'));
  });
});

describe('the audit log', () => {
  beforeEach(() => load(FIXTURES.team));

  it('records who changed what, before and after, and when', () => {
    clock.set(Date.parse('2026-11-23T10:05:00Z'));
    editClient(deps, ADMIN, idOf('P07-01'), { name: 'Mrs P', keyWorker: BOB });
    const [wake] = plansOf('P07-01');
    changePlan(
      deps,
      ADMIN,
      wake?.id ?? 0,
      plan({ at: '08:30', minutes: 45, purpose: 'Morning wake-up', timeCritical: true }),
    );
    expect(auditOf(db, 'client', 'P07-01')).toEqual([
      expect.objectContaining({
        at: Date.parse('2026-11-23T10:05:00Z'),
        actor: ADMIN,
        action: 'edit',
        before: JSON.stringify({ name: 'Mrs P', keyWorker: ALICE }),
        after: JSON.stringify({ name: 'Mrs P', keyWorker: BOB }),
      }),
    ]);
    const [row] = auditOf(db, 'plan', String(wake?.id));
    expect(JSON.parse(row?.before ?? '')).toMatchObject({
      client: 'P07-01',
      at: '08:00',
      days: 'mon,tue,wed,thu,fri,sat,sun',
    });
    expect(JSON.parse(row?.after ?? '')).toMatchObject({ client: 'P07-01', at: '08:30' });
  });

  it('records nothing for a change that changes nothing, nor for one refused', () => {
    const count = () =>
      auditOf(db, 'client').length + auditOf(db, 'plan').length + auditOf(db, 'patch').length;
    editClient(deps, ADMIN, idOf('P07-01'), { name: 'Mrs P', keyWorker: ALICE });
    editClient(deps, ADMIN, idOf('P07-01'), { name: 'Mrs P\n', keyWorker: 'U0CAROL1' });
    expect(count()).toBe(0);
  });

  it('records a roster import that changed something, with its counts', () => {
    expect(auditOf(db, 'roster')).toEqual([
      expect.objectContaining({ actor: null, action: 'import', entityId: 'import' }),
    ]);
  });
});
