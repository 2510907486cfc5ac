import { readFileSync } from 'node:fs';
import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { patches, visits } from '../../db/schema.ts';
import { importRosterWithVisits } from '../../src/main.ts';
import { parseRoster } from '../../src/patches/roster.ts';
import { localTime } from '../../src/time.ts';
import { type Harness, PATCH, TEAM, useFlowHarness } from '../support/harness.ts';

/**
 * Visits exist from the moment their plan is known: the import makes today's and tomorrow's in its own
 * transaction, and a roll-forward makes each new day once, by a watermark, whenever the bot next runs.
 * A visit planned before its time is a real visit, even if the bot was down when it fell due.
 */

const flow = useFlowHarness();
let h: Harness;

const fixed = () =>
  h.bot.db
    .select()
    .from(visits)
    .all()
    .filter((v) => v.kind === 'fixed');
const late = () => h.fake.messages(PATCH).filter((m) => m.text.startsWith('Late visit'));

describe('visits from the moment a plan is known', () => {
  it('the import makes today and tomorrow at once, before any tick, in its own transaction', async () => {
    h = await flow.start({ at: '2026-11-23T06:00:00Z', roster: TEAM });
    const days = new Set(fixed().map((v) => v.occursOn));
    expect([...days].sort()).toEqual(['2026-11-23', '2026-11-24']);
    // P07: 4 visits on a Monday (Tea is mon/wed/fri), 3 on Tuesday; P08: 1 a day.
    expect(fixed().filter((v) => v.occursOn === '2026-11-23')).toHaveLength(5);
    expect(fixed().filter((v) => v.occursOn === '2026-11-24')).toHaveLength(4);
  });

  it('a roster imported at 06:00 while the bot is down: started at 08:20, the 08:00 and 08:05 visits are alerted', async () => {
    // The harness imports at 06:00; nothing ticks until 08:20, as if the bot had been stopped.
    h = await flow.start({ at: '2026-11-23T06:00:00Z', roster: TEAM });
    await h.restart();
    await h.tickAt('2026-11-23T08:20:00Z');
    expect(
      late()
        .map((m) => m.text.split(' (')[0])
        .sort(),
    ).toEqual(['Late visit: Mr K 08:00', 'Late visit: Mrs D 08:05', 'Late visit: Mrs P 08:00']);
  });

  it('a plan that first appears after its time today is never made, so never alerted; its later visits are', async () => {
    h = await flow.start({ at: '2026-11-23T09:30:00Z', roster: TEAM });
    const today = fixed().filter((v) => v.occursOn === '2026-11-23');
    expect(today.map((v) => localTime(v.startsAt ?? 0, 'Europe/London'))).toEqual(['17:30']);
    await h.tickAt('2026-11-23T09:31:00Z');
    expect(late()).toEqual([]);
    expect(fixed().filter((v) => v.occursOn === '2026-11-24')).toHaveLength(4);
  });

  it('a plan added at 07:30 for 08:30 is made at once, and alerted if nobody comes', async () => {
    h = await flow.start({ at: '2026-11-23T06:00:00Z', roster: TEAM });
    const text = readFileSync(TEAM, 'utf8').replace(
      '          - { at: "08:05", days: daily, minutes: 30, purpose: Breakfast and medication }',
      '          - { at: "08:05", days: daily, minutes: 30, purpose: Breakfast and medication }\n          - { at: "08:30", days: daily, minutes: 30, purpose: Eye drops }',
    );
    const parsed = parseRoster(text);
    if (!parsed.ok) throw new Error(parsed.errors.join('; '));
    h.clock.set(Date.parse('2026-11-23T07:30:00Z'));
    importRosterWithVisits(h.bot.db, parsed.roster, h.clock.now());
    const drops = fixed().filter((v) => v.purpose === 'Eye drops');
    expect(drops.map((v) => v.occursOn).sort()).toEqual(['2026-11-23', '2026-11-24']);
    await h.tickAt('2026-11-23T08:45:00Z');
    expect(late().some((m) => m.text.startsWith('Late visit: Mrs D 08:30'))).toBe(true);
  });

  it('after two days down, a restart makes each missing day once (watermark), and a second tick makes none', async () => {
    h = await flow.start({ at: '2026-11-23T06:00:00Z', roster: TEAM });
    await h.restart();
    await h.tickAt('2026-11-26T06:00:00Z');
    const days = [...new Set(fixed().map((v) => v.occursOn))].sort();
    // From yesterday (a day more is history, not an alert) through tomorrow.
    expect(days).toEqual(['2026-11-23', '2026-11-24', '2026-11-25', '2026-11-26', '2026-11-27']);
    const count = fixed().length;
    await h.tickAt('2026-11-26T06:01:00Z');
    expect(fixed()).toHaveLength(count);
    const p07 = h.bot.db.select().from(patches).where(eq(patches.code, 'P07')).get();
    expect(p07?.visitsThrough).toBe('2026-11-27');
    expect(p07?.rollDueAt).toBe(Date.parse('2026-11-27T00:00:00Z'));
  });

  it.each([
    ['spring', '2026-03-28', '2026-03-29', '2026-03-29T07:00:00Z'],
    ['autumn', '2026-10-24', '2026-10-25', '2026-10-25T08:00:00Z'],
  ])(
    'on the %s clock change the roll-forward makes the day at local midnight, and 08:00 stays 08:00',
    async (_, before, day, utc) => {
      h = await flow.start({ at: `${before}T06:00:00Z`, roster: TEAM });
      // Local midnight of `day` is 23:00 UTC the evening before in BST, 00:00 UTC in GMT: an hour after either is safe.
      await h.tickAt(Date.parse(`${day}T01:00:00Z`));
      const wakeUps = fixed().filter((v) => v.purpose === 'Morning wake-up');
      expect(wakeUps.map((v) => v.occursOn).sort()).toEqual([before, day, nextDay(day)]);
      for (const v of wakeUps) expect(localTime(v.startsAt ?? 0, 'Europe/London')).toBe('08:00');
      expect(wakeUps.find((v) => v.occursOn === day)?.startsAt).toBe(Date.parse(utc));
    },
  );
});

function nextDay(date: string): string {
  const d = new Date(`${date}T12:00:00Z`);
  d.setUTCDate(d.getUTCDate() + 1);
  return d.toISOString().slice(0, 10);
}
