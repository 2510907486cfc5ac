import { readFileSync } from 'node:fs';
import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { openDb } from '../../db/index.ts';
import { patches, planTasks, provider, tasks, visits } from '../../db/schema.ts';
import { importRosterWithVisits } from '../../src/main.ts';
import { coverFromSettings } from '../../src/patches/model.ts';
import { parseRoster } from '../../src/patches/roster.ts';
import { TEAM } from '../support/harness.ts';

/** The roster keys the later capabilities read: `tasks`, a plan's `requires`, `channel: new`, `cover`. */

const base = readFileSync(TEAM, 'utf8');
const withTasks = base
  .replace(
    'patches:\n',
    'tasks:\n  insulin: "Insulin injection"\n  eye_drops: "Eye drops"\ncover:\n  escalate_minutes: 90\npatches:\n',
  )
  .replace(
    '{ at: "08:00", days: daily, minutes: 45, purpose: Morning wake-up, time_critical: true }',
    '{ at: "08:00", days: daily, minutes: 45, purpose: Morning wake-up, time_critical: true, requires: [insulin] }',
  );

describe('roster: tasks, requires, cover, channel: new', () => {
  it('reads tasks and a plan that requires one; the visits made carry it', () => {
    const parsed = parseRoster(withTasks);
    if (!parsed.ok) throw new Error(parsed.errors.join('\n'));
    expect(parsed.roster.tasks).toEqual({ insulin: 'Insulin injection', eye_drops: 'Eye drops' });
    expect(parsed.roster.cover).toEqual({ escalateMinutes: 90 });
    expect(parsed.roster.patches[0]?.clients[0]?.visits[0]?.requires).toEqual(['insulin']);
    const db = openDb(':memory:');
    const now = Date.parse('2026-11-23T06:00:00Z');
    importRosterWithVisits(db, parsed.roster, now);
    expect(
      db
        .select()
        .from(tasks)
        .all()
        .map((t) => t.code)
        .sort(),
    ).toEqual(['eye_drops', 'insulin']);
    expect(db.select().from(planTasks).all()).toHaveLength(1);
    const wakeUps = db
      .select()
      .from(visits)
      .all()
      .filter((v) => v.purpose === 'Morning wake-up');
    expect(wakeUps.map((v) => v.requiredTasks)).toEqual(['insulin', 'insulin']);
    expect(wakeUps.map((v) => v.plannedAssignee)).toEqual(['U0ALICE1', 'U0ALICE1']);
    expect(coverFromSettings(db.select().from(provider).get()?.settings ?? '{}')).toEqual({
      escalateMinutes: 90,
    });
    // Importing the same file again changes nothing.
    const again = importRosterWithVisits(db, parsed.roster, now + 60_000);
    expect(again.settings).toBe('unchanged');
    expect(again.plans).toMatchObject({ updated: 0, unchanged: 5 });
  });

  it('a plan that requires a task the file does not list is refused with its path', () => {
    const parsed = parseRoster(withTasks.replace('requires: [insulin]', 'requires: [insulin, stoma]'));
    expect(parsed).toEqual({
      ok: false,
      errors: [
        'patches[0].clients[0].visits[0].requires[1]: "stoma" is not one of the tasks listed under tasks:',
      ],
    });
  });

  it('a task code must be a plain code', () => {
    const parsed = parseRoster(withTasks.replace('  eye_drops: "Eye drops"', '  "Eye Drops!": "Eye drops"'));
    expect(parsed.ok).toBe(false);
  });

  it("channel: new makes a patch wait for its channel, and never takes another patch's", () => {
    const text = base.replace('    channel: C0PATCH08\n', '    channel: new\n');
    const parsed = parseRoster(text);
    if (!parsed.ok) throw new Error(parsed.errors.join('\n'));
    const db = openDb(':memory:');
    importRosterWithVisits(db, parsed.roster, Date.parse('2026-11-23T06:00:00Z'));
    expect(db.select().from(patches).where(eq(patches.code, 'P08')).get()?.channelId).toBe('new:P08');
    // Once the bot has made the channel, a re-import with `channel: new` keeps it.
    db.update(patches).set({ channelId: 'C0MADE001' }).where(eq(patches.code, 'P08')).run();
    importRosterWithVisits(db, parsed.roster, Date.parse('2026-11-23T07:00:00Z'));
    expect(db.select().from(patches).where(eq(patches.code, 'P08')).get()?.channelId).toBe('C0MADE001');
  });
});
