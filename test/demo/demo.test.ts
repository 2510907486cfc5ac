import { beforeAll, describe, expect, it } from 'vitest';
import { changedLines, runDemo } from '../../src/demo/run.ts';

/**
 * `npm run demo` end to end: the real app against the Slack stand-in, printed as each channel shows it.
 * The demo itself ends with `fake.assertClean()`, so anything Slack would have refused makes it throw.
 */

let code: number;
let out: string;
let err: string[];

beforeAll(async () => {
  const lines: string[] = [];
  err = [];
  code = await runDemo({ out: (s) => lines.push(s), err: (s) => err.push(s) });
  out = lines.join('\n');
}, 60_000);

/** The printed scene whose title contains `title`: from its heading to the next one. */
const scene = (title: string) => {
  const start = out.indexOf(title);
  expect(start, `no scene "${title}"`).toBeGreaterThan(-1);
  const next = out.indexOf('\n── ', start);
  return out.slice(start, next === -1 ? undefined : next);
};

describe('npm run demo', () => {
  it('exits 0 with nothing on stderr, so the stand-in recorded no errors', () => {
    expect(err).toEqual([]);
    expect(code).toBe(0);
  });

  it('prints the day’s rota at 07:00 in the patch channel, with each visit’s menu', () => {
    const rota = scene("07:00 · the day's rota is posted");
    expect(rota).toContain('#p07');
    expect(rota).toContain('== Rota for Monday 23 November ==');
    expect(rota).toMatch(/\*07:30\* Mr K · Morning wake-up \(60 min\) · @bob/);
    expect(rota).toContain('[ ⋯ Arrived | Take over | Not needed');
  });

  it('shows the rota updated in place as a visit is marked Arrived and then Done from its menu', () => {
    expect(scene('@bob marks the 07:30 visit to Mr K Arrived')).toMatch(
      /Mr K .*🏠 arrived 07:32[\s\S]*\(edited\)/,
    );
    expect(scene('@bob marks the 07:30 visit to Mr K Done')).toMatch(/Mr K .*✅ done 08:30/);
  });

  it('shows one alert going late, then missed (with the call in its thread and the supervisors told), then arrived', () => {
    const late = scene('it is late');
    expect(late).toContain('⚠️ *Late visit* · *Mrs P* · 08:00');
    expect(late).toContain('@alice nobody has checked in yet.');
    expect(late).toContain("[ Arrived ] [ I'm on my way ]");

    expect(scene('presses "I\'m on my way"')).toContain('@alice is on the way (since 08:12)');

    const missed = scene('the same alert turns to missed');
    expect(missed).toContain('🔴 *Missed visit* · *Mrs P* · 08:00');
    expect(missed).toContain('↳ @alice @bob the 08:00 visit to *Mrs P* is missed: can one of you go now?');
    expect(missed).toMatch(/#supervisors\n[\s\S]*Missed visit\* · Westbury North #p07/);
    // Still one alert message: it was updated, not posted again.
    expect(missed.match(/\*Late visit\*|\*Missed visit\* · \*Mrs P\*/g)).toHaveLength(1);

    const arrived = scene('presses Arrived on the alert');
    expect(arrived).toContain('✅ *Arrived 08:28*, 28 min late · @alice');
    expect(arrived).toMatch(/Mrs P .*🏠 arrived 08:28/);
  });

  it('then runs the pop-back scene: one claim wins the race and the other presser is told privately', () => {
    const race = scene('press Claim in the same instant');
    expect(race).toContain('10:03');
    expect(race).toMatch(/🔵 \*Claimed\* by @(alice|bob) at 10:03/);
    expect(race).toMatch(/\(only the person who pressed sees\) @(alice|bob) already has this visit\./);
    expect(scene('is done')).toMatch(/✅ \*Done\* at 10:45 by @(alice|bob)/);
  });

  it('ends with what was posted and updated in each channel', () => {
    const last = out.trim().split('\n').at(-1) ?? '';
    expect(last).toMatch(
      /^In Slack: #p07 \d+ posts \(1 in a thread\), \d+ updates · #supervisors \d+ posts?/,
    );
  });
});

describe('changedLines (how the demo prints an updated message)', () => {
  it('keeps the first line and the changed ones, and folds three or more unchanged lines', () => {
    const before = ['title', 'a', 'b', 'c', 'd', 'e'];
    const after = ['title', 'a', 'B', 'c', 'd', 'e'];
    expect(changedLines(before, after)).toEqual(['title', 'a', 'B', '┄ 3 lines unchanged']);
  });

  it('lists a line that went without a replacement as gone', () => {
    expect(changedLines(['title', 'x', 'pop-backs'], ['title', 'x'])).toEqual([
      'title',
      'x',
      '┄ gone: pop-backs',
    ]);
  });
});
