import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseRoster, type Roster } from '../../src/patches/roster.ts';

const fixture = readFileSync(new URL('./fixtures/roster.yml', import.meta.url), 'utf8');
const example = readFileSync(new URL('../../docs/roster.example.yml', import.meta.url), 'utf8');

const BASE = `
admins: [U0ADMIN1]
supervisors:
  channel: C0SUPERV1
  members: [U0SUPER1]
`;

/** A minimal valid roster with `patches` as given (YAML, indented as a top-level value). */
function withPatches(patchesYaml: string): string {
  return `${BASE}patches:\n${patchesYaml}`;
}

function errorsOf(text: string): string[] {
  const result = parseRoster(text);
  if (result.ok) throw new Error('expected the roster to be rejected');
  return result.errors;
}

function rosterOf(text: string): Roster {
  const result = parseRoster(text);
  if (!result.ok) throw new Error(`expected a valid roster, got:\n${result.errors.join('\n')}`);
  return result.roster;
}

const ONE_PATCH = `
  - code: P07
    name: Westbury North
    channel: C0PATCH07
    assistants: [U0ALICE1]
`;

describe('parseRoster: a valid file', () => {
  it('reads the example roster into camelCase with defaults filled in', () => {
    const roster = rosterOf(fixture);
    expect(roster.timezone).toBe('Europe/London');
    expect(roster.admins).toEqual(['U0ADMIN1']);
    expect(roster.thresholds).toEqual({ lateMinutes: 15, lateMinutesTimeCritical: 10 });
    expect(roster.supervisors).toEqual({ channel: 'C0SUPERV1', members: ['U0SUPER1', 'U0SUPER2'] });
    expect(roster.patches).toHaveLength(2);

    const [p07, p08] = roster.patches;
    expect(p07).toMatchObject({
      code: 'P07',
      name: 'Westbury North',
      channel: 'C0PATCH07',
      assistants: ['U0ALICE1', 'U0BOB0001'],
      maxClients: 10,
      digestAt: '07:00',
      thresholds: { lateMinutes: 20 },
    });
    expect(p07?.clients[0]).toEqual({
      code: 'P07-01',
      name: 'Mrs P',
      keyWorker: 'U0ALICE1',
      visits: [
        {
          at: '08:00',
          days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'],
          minutes: 45,
          purpose: 'Morning wake-up',
          timeCritical: true,
          carers: 1,
          thresholds: {},
          requires: [],
        },
        {
          at: '17:30',
          days: ['mon', 'wed', 'fri'],
          minutes: 30,
          purpose: 'Tea',
          timeCritical: false,
          carers: 2,
          thresholds: { lateMinutes: 5 },
          requires: [],
        },
      ],
    });
    expect(p07?.clients[1]?.keyWorker).toBeNull();
    expect(p07?.clients[1]?.visits[0]?.days).toEqual(['mon', 'tue', 'wed', 'thu', 'fri']);
    expect(p08).toMatchObject({ maxClients: 10, digestAt: '07:00', thresholds: {} });
  });

  it('reads the on-call rota and the escalation block, camelCase, only what the file sets', () => {
    const roster = rosterOf(fixture);
    const weekdays = ['mon', 'tue', 'wed', 'thu', 'fri'];
    expect(roster.onCall).toEqual({
      weekly: [
        { days: weekdays, from: '08:00', to: '18:00', userId: 'U0SUPER1' },
        { days: weekdays, from: '18:00', to: '08:00', userId: 'U0SUPER2' },
        { days: ['sat', 'sun'], from: '00:00', to: '24:00', userId: 'U0SUPER2' },
        { days: ['mon'], from: '00:00', to: '08:00', userId: 'U0SUPER2' },
      ],
      overrides: [{ date: '2026-12-25', from: '00:00', to: '24:00', userId: 'U0SUPER1' }],
    });
    expect(roster.escalation).toEqual({
      rounds: 3,
      waits: { nowTimeCritical: 5, now: 10, today: 30 },
      reminder: { now: 30 },
    });
  });

  it('without on_call or escalation: no shifts, and nothing set', () => {
    const roster = rosterOf(withPatches(ONE_PATCH));
    expect(roster.onCall).toEqual({ weekly: [], overrides: [] });
    expect(roster.escalation).toEqual({});
    expect(roster.supervisors).toEqual({ channel: 'C0SUPERV1', members: ['U0SUPER1'] });
  });

  it('an on-call block may have weekly shifts only, and a list of days', () => {
    const roster = rosterOf(`admins: [U0ADMIN1]
supervisors:
  channel: C0SUPERV1
  members: [U0SUPER1]
  on_call:
    weekly:
      - { days: "Mon, Wed", from: "22:00", to: "00:00", user: U0SUPER1 }
escalation:
  unacknowledge_minutes: { today: 300 }
patches:
${ONE_PATCH}`);
    expect(roster.onCall).toEqual({
      weekly: [{ days: ['mon', 'wed'], from: '22:00', to: '00:00', userId: 'U0SUPER1' }],
      overrides: [],
    });
    expect(roster.escalation).toEqual({ unacknowledge: { today: 300 } });
  });

  it('keeps an unquoted 08:00 as a time, not a YAML 1.1 sexagesimal number', () => {
    const roster = rosterOf(
      withPatches(`${ONE_PATCH}    digest_at: 06:30
    clients:
      - code: C1
        name: Mrs P
        visits:
          - at: 08:00
            days: daily
            minutes: 30
            purpose: Breakfast
`),
    );
    expect(roster.patches[0]?.digestAt).toBe('06:30');
    expect(roster.patches[0]?.clients[0]?.visits[0]?.at).toBe('08:00');
  });

  it('folds weekdays in any case into week order without repeats', () => {
    const roster = rosterOf(fixture);
    expect(roster.patches[1]?.clients[0]?.visits[0]?.days).toEqual(['sat', 'sun']);
  });

  it('defaults the time zone to Europe/London and lets an empty value mean "not set"', () => {
    const roster = rosterOf(
      withPatches(`${ONE_PATCH}    clients:\n      - { code: C1, name: Mrs P, key_worker: }\n`),
    );
    expect(roster.timezone).toBe('Europe/London');
    expect(roster.patches[0]?.clients[0]?.keyWorker).toBeNull();
  });

  it('reads the documented demo roster: two patches, the second with ten clients', () => {
    const roster = rosterOf(example);
    expect(roster.onCall.weekly).toHaveLength(4);
    expect(roster.onCall.overrides).toHaveLength(1);
    expect(roster.escalation).toEqual({
      rounds: 3,
      waits: { nowTimeCritical: 5, now: 10, today: 30, missedVisit: 10, unclaimedPopback: 15 },
      reminder: { now: 30, today: 120 },
      unacknowledge: { now: 60, today: 240 },
    });
    expect(roster.patches).toHaveLength(2);
    expect(roster.patches[1]?.clients).toHaveLength(10);
    expect(roster.tasks).toEqual({
      insulin: 'Insulin injection',
      eye_drops: 'Eye drops',
      stoma_care: 'Stoma care',
    });
    expect(roster.patches[0]?.clients[0]?.visits[0]?.requires).toEqual(['insulin']);
    expect(
      roster.patches.flatMap((p) => p.clients.flatMap((c) => c.visits.flatMap((v) => v.requires))).sort(),
    ).toEqual(['eye_drops', 'insulin', 'stoma_care']);
    for (const patch of roster.patches) {
      for (const client of patch.clients) {
        expect(client.visits.length).toBeGreaterThanOrEqual(1);
        expect(client.visits.length).toBeLessThanOrEqual(5);
      }
    }
  });
});

describe('parseRoster: every problem is named by its path', () => {
  it('a missing field is "required"', () => {
    const text = withPatches(`${ONE_PATCH}    clients:
      - { code: C1, name: Mrs P }
      - { code: C2, name: Mr K }
      - { code: C3, name: Mrs A }
      - { code: C4 }
`);
    expect(errorsOf(text)).toEqual(['patches[0].clients[3].name: required']);
  });

  it('a time that is not HH:mm', () => {
    const text = withPatches(`  - code: P07
    name: North
    channel: C0PATCH07
    assistants: [U0ALICE1]
  - code: P08
    name: South
    channel: C0PATCH08
    assistants: [U0BOB0001]
    clients:
      - code: C1
        name: Mrs P
        visits:
          - { at: "08:00", days: daily, minutes: 30, purpose: Breakfast }
          - { at: "12:00", days: daily, minutes: 30, purpose: Lunch }
          - { at: "25:00", days: daily, minutes: 30, purpose: Tea }
          - { at: 8:00, days: daily, minutes: 30, purpose: Bed }
          - { at: 800, days: daily, minutes: 30, purpose: Bed }
`);
    expect(errorsOf(text)).toEqual([
      'patches[1].clients[0].visits[2].at: expected HH:mm',
      'patches[1].clients[0].visits[3].at: expected HH:mm',
      'patches[1].clients[0].visits[4].at: expected HH:mm',
    ]);
  });

  it('an unknown weekday is named', () => {
    const text = withPatches(`${ONE_PATCH}    clients:
      - { code: C1, name: Mrs P }
      - code: C2
        name: Mr K
        visits:
          - { at: "08:00", days: [mon, tues], minutes: 30, purpose: Breakfast }
          - { at: "09:00", days: fortnightly, minutes: 30, purpose: Breakfast }
          - { at: "10:00", days: [], minutes: 30, purpose: Breakfast }
`);
    expect(errorsOf(text)).toEqual([
      'patches[0].clients[1].visits[0].days: unknown weekday "tues"',
      'patches[0].clients[1].visits[1].days: unknown weekday "fortnightly"',
      'patches[0].clients[1].visits[2].days: must name at least one weekday',
    ]);
  });

  it('zero, fractional and too-long minutes', () => {
    const text = withPatches(`${ONE_PATCH}    clients:
      - code: C1
        name: Mrs P
        visits:
          - { at: "08:00", days: daily, minutes: 0, purpose: Breakfast }
          - { at: "09:00", days: daily, minutes: 7.5, purpose: Breakfast }
          - { at: "10:00", days: daily, minutes: 721, purpose: Breakfast }
`);
    expect(errorsOf(text)).toEqual([
      'patches[0].clients[0].visits[0].minutes: must be at least 1',
      'patches[0].clients[0].visits[1].minutes: expected a whole number',
      'patches[0].clients[0].visits[2].minutes: must be at most 720',
    ]);
  });

  it('more clients than the patch holds, stating the limit', () => {
    const clients = Array.from({ length: 11 }, (_, i) => `      - { code: C${i}, name: Client ${i} }`).join(
      '\n',
    );
    expect(errorsOf(withPatches(`${ONE_PATCH}    clients:\n${clients}\n`))).toEqual([
      'patches[0].clients: 11 clients, but a patch holds at most 10 (max_clients)',
    ]);
    const three = clients.split('\n').slice(0, 3).join('\n');
    expect(errorsOf(withPatches(`${ONE_PATCH}    max_clients: 2\n    clients:\n${three}\n`))).toEqual([
      'patches[0].clients: 3 clients, but a patch holds at most 2 (max_clients)',
    ]);
  });

  it('duplicate patch and client codes name the second occurrence', () => {
    const text = withPatches(`  - code: P07
    name: North
    channel: C0PATCH07
    assistants: [U0ALICE1]
    clients:
      - { code: C1, name: Mrs P }
  - code: P07
    name: South
    channel: C0PATCH08
    assistants: [U0BOB0001]
    clients:
      - { code: C2, name: Mr K }
      - { code: C1, name: Mrs A }
`);
    expect(errorsOf(text)).toEqual([
      'patches[1].code: duplicate patch code "P07" (already used by patches[0])',
      'patches[1].clients[1].code: duplicate client code "C1" (already used by patches[0].clients[0])',
    ]);
  });

  it('a channel used twice, or the supervisors’ channel used for a patch', () => {
    const text = withPatches(`  - { code: P07, name: North, channel: C0PATCH07, assistants: [U0ALICE1] }
  - { code: P08, name: South, channel: C0PATCH07, assistants: [U0ALICE1] }
  - { code: P09, name: East, channel: C0SUPERV1, assistants: [U0ALICE1] }
`);
    expect(errorsOf(text)).toEqual([
      'patches[1].channel: duplicate channel C0PATCH07 (already used by patches[0])',
      "patches[2].channel: C0SUPERV1 is the supervisors' channel; a patch needs a channel of its own",
    ]);
  });

  it('unknown keys are errors, at every level', () => {
    const text = `${BASE}colour: blue
patches:
  - code: P07
    name: North
    channel: C0PATCH07
    colour: red
    assistants: [U0ALICE1]
    thresholds: { late_minute: 20 }
    clients:
      - code: C1
        name: Mrs P
        keyworker: U0ALICE1
        visits:
          - { at: "08:00", days: daily, minutes: 30, purpose: Breakfast, time_critcal: true }
`;
    expect(errorsOf(text)).toEqual([
      'colour: unknown field',
      'patches[0].colour: unknown field',
      'patches[0].thresholds.late_minute: unknown field',
      'patches[0].clients[0].keyworker: unknown field',
      'patches[0].clients[0].visits[0].time_critcal: unknown field',
    ]);
  });

  it('a key worker who is not one of the patch’s assistants', () => {
    const text = withPatches(`${ONE_PATCH}    clients:
      - { code: C1, name: Mrs P, key_worker: U0CAROL1 }
`);
    expect(errorsOf(text)).toEqual([
      "patches[0].clients[0].key_worker: U0CAROL1 is not one of this patch's assistants",
    ]);
  });

  it('a time zone in the wrong case is stored as the zone’s own spelling', () => {
    expect(rosterOf(`timezone: europe/london\n${withPatches(ONE_PATCH)}`).timezone).toBe('Europe/London');
  });

  it('a time zone that does not exist', () => {
    expect(errorsOf(`timezone: Europe/Lundon\n${withPatches(ONE_PATCH)}`)).toEqual([
      'timezone: unknown time zone "Europe/Lundon" (expected an IANA zone such as Europe/London)',
    ]);
  });

  it('a YAML syntax error is one line with its line number', () => {
    const text = `admins: [U0ADMIN1]\nsupervisors:\n  channel: C0SUPERV1\n  members: [U0SUPER1\npatches: []\n`;
    const errors = errorsOf(text);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/^YAML syntax error at line \d+, column \d+: \S/);
    expect(errors[0]).not.toContain('\n');

    const duplicateKey = errorsOf(`admins: [U0ADMIN1]\nadmins: [U0ADMIN2]\n`);
    expect(duplicateKey).toEqual(['YAML syntax error at line 2, column 1: Map keys must be unique']);
  });

  it('Slack ids, thresholds, flags and lengths are checked too', () => {
    const text = `admins: [alice]
thresholds: { late_minutes: 0, missed_minutes: 241 }
supervisors: { channel: "#supervisors", members: [] }
patches:
  - code: "P 07"
    name: North
    channel: C0PATCH07
    assistants: []
    max_clients: 51
    digest_at: "7am"
    clients:
      - code: C1
        name: Mrs P of 12 High Street, BA1 2AB
        visits:
          - { at: "08:00", days: daily, minutes: 30, purpose: "", time_critical: yes, carers: 3 }
`;
    expect(errorsOf(text)).toEqual([
      'admins[0]: expected a Slack user id like U0123ABCD',
      'thresholds.late_minutes: must be at least 1',
      'thresholds.missed_minutes: must be at most 240',
      'supervisors.channel: expected a Slack channel id like C0123ABCD, not a channel name',
      'supervisors.members: must list at least one supervisor',
      'patches[0].code: expected 1–20 letters, digits, - or _',
      'patches[0].assistants: must list at least one assistant',
      'patches[0].max_clients: must be at most 50',
      'patches[0].digest_at: expected HH:mm',
      'patches[0].clients[0].name: looks like it holds a postcode: use a display name such as "Mrs P", never an address',
      'patches[0].clients[0].visits[0].purpose: must not be empty',
      'patches[0].clients[0].visits[0].time_critical: expected true or false',
      'patches[0].clients[0].visits[0].carers: must be at most 2',
    ]);
  });

  it('two clients of one patch may not share a display name', () => {
    const text = withPatches(`${ONE_PATCH}    clients:
      - { code: C1, name: Mrs P }
      - { code: C2, name: mrs p }
`);
    expect(errorsOf(text)).toEqual([
      'patches[0].clients[1].name: "mrs p" is already the name of patches[0].clients[0]: names must tell clients apart',
    ]);
  });

  it('an empty file, or one that is not a mapping', () => {
    expect(errorsOf('')).toEqual(['the roster file is empty']);
    expect(errorsOf('# only a comment\n')).toEqual(['the roster file is empty']);
    expect(errorsOf('- just\n- a list\n')).toEqual(['roster: expected a mapping of keys to values']);
    expect(errorsOf('timezone: Europe/London\n')).toEqual([
      'admins: required',
      'supervisors: required',
      'patches: required',
    ]);
  });
});

/** BASE with an `on_call:` block under `supervisors` (YAML indented four spaces), and one patch. */
function withOnCall(onCallYaml: string, members = '[U0SUPER1, U0SUPER2]'): string {
  return `admins: [U0ADMIN1]
supervisors:
  channel: C0SUPERV1
  members: ${members}
  on_call:
${onCallYaml}patches:
${ONE_PATCH}`;
}

/** A minimal valid roster with an `escalation:` block (YAML indented two spaces). */
function withEscalation(escalationYaml: string): string {
  return `${BASE}escalation:\n${escalationYaml}patches:\n${ONE_PATCH}`;
}

describe('parseRoster: the on-call rota', () => {
  it('times: from is HH:mm, to is HH:mm or 24:00, both required', () => {
    const text = withOnCall(`    weekly:
      - { days: daily, from: "24:00", to: "08:00", user: U0SUPER1 }
      - { days: daily, from: "08:00", to: "25:00", user: U0SUPER1 }
      - { days: daily, from: 8am, to: "24:00", user: U0SUPER1 }
      - { days: daily, from: "08:00", user: U0SUPER1 }
    overrides:
      - { date: 2026-12-25, from: "08:00", to: 1800, user: U0SUPER1 }
`);
    expect(errorsOf(text)).toEqual([
      'supervisors.on_call.weekly[0].from: expected HH:mm',
      'supervisors.on_call.weekly[1].to: expected HH:mm or 24:00',
      'supervisors.on_call.weekly[2].from: expected HH:mm',
      'supervisors.on_call.weekly[3].to: required',
      'supervisors.on_call.overrides[0].to: expected HH:mm or 24:00',
    ]);
  });

  it('a shift of zero length', () => {
    const text = withOnCall(`    weekly:
      - { days: daily, from: "08:00", to: "08:00", user: U0SUPER1 }
      - { days: daily, from: "00:00", to: "24:00", user: U0SUPER1 }
    overrides:
      - { date: 2026-12-25, from: "00:00", to: "00:00", user: U0SUPER1 }
`);
    expect(errorsOf(text)).toEqual([
      'supervisors.on_call.weekly[0].to: a shift cannot end when it starts (08:00); a whole day is from "00:00" to "24:00"',
      'supervisors.on_call.overrides[0].to: a shift cannot end when it starts (00:00); a whole day is from "00:00" to "24:00"',
    ]);
  });

  it('the person on call must be one of the supervisors', () => {
    const text = withOnCall(
      `    weekly:
      - { days: weekdays, from: "08:00", to: "18:00", user: U0SUPER1 }
      - { days: weekdays, from: "18:00", to: "08:00", user: U0ALICE1 }
    overrides:
      - { date: 2026-12-25, from: "00:00", to: "24:00", user: bob }
      - { date: 2026-12-26, from: "00:00", to: "24:00", user: U0SUPER2 }
`,
      '[U0SUPER1]',
    );
    expect(errorsOf(text)).toEqual([
      'supervisors.on_call.weekly[1].user: U0ALICE1 is not one of supervisors.members',
      'supervisors.on_call.overrides[0].user: expected a Slack user id like U0123ABCD',
      'supervisors.on_call.overrides[1].user: U0SUPER2 is not one of supervisors.members',
    ]);
  });

  it('days as for visit plans; an override’s date must be a real date', () => {
    const text = withOnCall(`    weekly:
      - { days: [mon, tues], from: "08:00", to: "18:00", user: U0SUPER1 }
      - { days: [], from: "08:00", to: "18:00", user: U0SUPER1 }
    overrides:
      - { date: 2026-02-30, from: "00:00", to: "24:00", user: U0SUPER1 }
      - { date: 25/12/2026, from: "00:00", to: "24:00", user: U0SUPER1 }
      - { date: 20261225, from: "00:00", to: "24:00", user: U0SUPER1 }
      - { from: "00:00", to: "24:00", user: U0SUPER1 }
`);
    expect(errorsOf(text)).toEqual([
      'supervisors.on_call.weekly[0].days: unknown weekday "tues"',
      'supervisors.on_call.weekly[1].days: must name at least one weekday',
      'supervisors.on_call.overrides[0].date: 2026-02-30 is not a real date',
      'supervisors.on_call.overrides[1].date: expected a date as YYYY-MM-DD',
      'supervisors.on_call.overrides[2].date: expected a date as YYYY-MM-DD',
      'supervisors.on_call.overrides[3].date: required',
    ]);
  });

  it('unknown keys are errors: a weekly shift has days, an override a date', () => {
    const text = withOnCall(`    monthly: []
    weekly:
      - { days: daily, date: 2026-12-25, from: "08:00", to: "18:00", user: U0SUPER1 }
    overrides:
      - { days: daily, date: 2026-12-25, from: "08:00", to: "18:00", user: U0SUPER1 }
      - { date: 2026-12-26, from: "08:00", to: "18:00", users: [U0SUPER1] }
`);
    expect(errorsOf(text)).toEqual([
      'supervisors.on_call.monthly: unknown field',
      'supervisors.on_call.weekly[0].date: unknown field',
      'supervisors.on_call.overrides[0].days: unknown field',
      'supervisors.on_call.overrides[1].user: required',
      'supervisors.on_call.overrides[1].users: unknown field',
    ]);
  });
});

describe('parseRoster: the escalation block', () => {
  it('bounds: rounds 1–10, waits 1–240, reminders 1–1440, un-acknowledge 1–2880, whole minutes', () => {
    const text = withEscalation(`  rounds: 11
  wait_minutes: { now_time_critical: 0, now: 241, today: 7.5, missed_visit: "10", unclaimed_popback: 240 }
  reminder_minutes: { now: 1441, today: 0 }
  unacknowledge_minutes: { now: 2881, today: 2880 }
`);
    expect(errorsOf(text)).toEqual([
      'escalation.rounds: must be at most 10',
      'escalation.wait_minutes.now_time_critical: must be at least 1',
      'escalation.wait_minutes.now: must be at most 240',
      'escalation.wait_minutes.today: expected a whole number',
      'escalation.wait_minutes.missed_visit: expected a number',
      'escalation.reminder_minutes.now: must be at most 1440',
      'escalation.reminder_minutes.today: must be at least 1',
      'escalation.unacknowledge_minutes.now: must be at most 2880',
    ]);
    expect(errorsOf(withEscalation('  rounds: 0\n'))).toEqual(['escalation.rounds: must be at least 1']);
  });

  it('un-acknowledging must come after the reminder, whether each is set or the default', () => {
    expect(
      errorsOf(
        withEscalation(`  reminder_minutes: { now: 45, today: 120 }
  unacknowledge_minutes: { now: 45, today: 100 }
`),
      ),
    ).toEqual([
      'escalation.unacknowledge_minutes.now: must be greater than reminder_minutes.now (45)',
      'escalation.unacknowledge_minutes.today: must be greater than reminder_minutes.today (120)',
    ]);
    expect(errorsOf(withEscalation('  unacknowledge_minutes: { now: 20 }\n'))).toEqual([
      'escalation.unacknowledge_minutes.now: must be greater than reminder_minutes.now (30 by default)',
    ]);
    expect(errorsOf(withEscalation('  reminder_minutes: { today: 300 }\n'))).toEqual([
      'escalation.reminder_minutes.today: must be less than unacknowledge_minutes.today (240 by default)',
    ]);
    expect(
      rosterOf(
        withEscalation('  reminder_minutes: { today: 300 }\n  unacknowledge_minutes: { today: 301 }\n'),
      ).escalation,
    ).toEqual({ reminder: { today: 300 }, unacknowledge: { today: 301 } });
  });

  it('unknown keys are errors', () => {
    const text = withEscalation(`  round: 3
  wait_minutes: { now: 10, soon: 20 }
  reminder_minutes: { now: 30, later: 60 }
`);
    expect(errorsOf(text)).toEqual([
      'escalation.round: unknown field',
      'escalation.wait_minutes.soon: unknown field',
      'escalation.reminder_minutes.later: unknown field',
    ]);
  });

  it('an empty block, or empty groups, set nothing', () => {
    expect(rosterOf(withEscalation('  wait_minutes: {}\n')).escalation).toEqual({});
    expect(rosterOf(`${BASE}escalation:\npatches:\n${ONE_PATCH}`).escalation).toEqual({});
  });
});
