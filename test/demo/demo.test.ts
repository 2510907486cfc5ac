import { beforeAll, describe, expect, it } from 'vitest';
import { changedLines, runDemo } from './run.ts';

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

const RULE = '═'.repeat(78);

/** The main day: everything before the first part heading. */
const day = () => out.slice(0, out.indexOf(`\n${RULE}`));

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
    expect(late).toContain('@alice: nobody has checked in yet.');
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

  it('in the afternoon raises a medication issue through /medissue and its form: the supervisors get the parent, the on-call call and the note; the patch channel a short note without it', () => {
    const form = out.slice(out.indexOf('types "/medissue Mrs P"'), out.indexOf('presses Escalate'));
    expect(form).toContain('« Medication issue »  [ Cancel ] [ Escalate ]');
    expect(form).toContain('Client: [ Mrs P ▾ ]');

    const raised = scene('14:00 · @alice chooses Refused, time-critical, Now');
    const [patchPart, supervisorsPart] = raised.split('\n#supervisors\n') as [string, string];
    expect(supervisorsPart).toContain('💊 *Medication issue* · Westbury North #p07');
    expect(supervisorsPart).toContain(
      '*Mrs P* · Refused · ⏰ time-critical medicine · needs a supervisor *now* · raised by @alice at 14:00',
    );
    expect(supervisorsPart).toContain('>Rang to prompt her 14:00 tablets: she refused them');
    expect(supervisorsPart).toContain('called the on-call supervisor (round 1 of 3) · next step at 14:05');
    expect(supervisorsPart).toContain('[ Acknowledge ] [ Resolve ]');
    expect(supervisorsPart).toContain('↳ @sam you are on call: please acknowledge this medication issue.');
    expect(patchPart).toContain(
      '💊 Medication issue for *Mrs P* (refused) escalated to the supervisors by @alice. Waiting for a supervisor to acknowledge it.',
    );
    expect(patchPart).not.toContain('tablets');
    expect(raised).toContain('(only @alice sees) Escalated to @sam (on call)');
  });

  it('escalates it once to all supervisors when nobody acknowledges within the wait', () => {
    const escalated = scene('14:06 · nobody has acknowledged it in 5 minutes');
    expect(escalated).toContain('called all supervisors (round 1 of 3) · next step at 14:10');
    expect(escalated).toContain(
      '↳ Not acknowledged yet. @sam @priya please acknowledge this medication issue.',
    );
    expect(out).not.toContain('@here');
  });

  it('is acknowledged by a supervisor: parent, thread and patch note all say who owns it', () => {
    const acked = scene('14:08 · @priya presses Acknowledge');
    expect(acked).toContain('🙋 *Acknowledged* by @priya at 14:08: they own it.');
    expect(acked).toContain('│   [ Resolve ]');
    expect(acked).not.toContain('[ Acknowledge ]');
    expect(acked).toContain('↳ 🙋 Acknowledged by @priya, who owns it now.');
    expect(acked).toContain('escalated to the supervisors by @alice. Acknowledged by @priya at 14:08.');
  });

  it('is resolved through the Resolve form with an outcome, and the final state is printed in full', () => {
    expect(out).toContain('« Resolve »  [ Back ] [ Resolve ]');
    const resolved = scene('@priya chooses "Dose given late"');
    expect(resolved).toContain('✅ *Resolved* by @priya at 14:23: Dose given late. Rang her back');
    expect(resolved).toContain('↳ ✅ Resolved by @priya: Dose given late.');
    expect(resolved).toContain('escalated to the supervisors by @alice. Resolved by @priya at 14:23.');

    const final = day().slice(day().indexOf('The medication issue at 14:23, as Slack holds it:'));
    expect(final).toMatch(
      /#supervisors\n {2}│ 💊 \*Medication issue\*[\s\S]*✅ \*Resolved\* by @priya[\s\S]*↳ @sam you are on call[\s\S]*↳ Not acknowledged yet[\s\S]*↳ 🙋 Acknowledged by @priya[\s\S]*↳ ✅ Resolved by @priya/,
    );
    expect(final).toMatch(
      /#p07\n {2}│ 💊 Medication issue for \*Mrs P\* \(refused\) .* Resolved by @priya at 14:23\./,
    );
    // Escalated once: four replies in all, one of them the call to all supervisors.
    expect(final.match(/↳ /g)).toHaveLength(4);
    expect(final.match(/Not acknowledged yet/g)).toHaveLength(1);
    expect(final).not.toContain('[ Acknowledge ]');
    expect(final).not.toContain('[ Resolve ]');
  });

  it('ends the day with what was posted and updated in each channel', () => {
    const last = day().trim().split('\n').at(-1) ?? '';
    expect(last).toMatch(
      /^In Slack: #p07 \d+ posts \(1 in a thread\), \d+ updates · #supervisors \d+ posts?/,
    );
  });
});

describe('npm run demo, after the day', () => {
  it('shows the same day from other sides, each under its own heading, cover last', () => {
    const headings = [...out.matchAll(new RegExp(`${RULE}\\n(.+)\\n${RULE}`, 'g'))].map((m) => m[1]);
    expect(headings).toEqual([
      'Everyone’s day in one place: the App Home',
      'Running the provider from Slack: /patch',
      'Delegated health tasks: a refused take-over, a sign-off',
      'A week later: the weekly quality report',
      'Cover when a carer is off',
    ]);
    expect(out).toContain('Home tab of @alice');
    expect(out).toContain(
      '── 17:27 · @alice is at the door of their next visit and presses Arrived in the Home',
    );
    expect(out).toContain('✅ *Mrs Q* (P07-04) is added to Westbury North, key worker @alice.');
    expect(out).toContain('== Weekly quality report · week 48, 2026 ==');
    expect(out.trim().split('\n').at(-1)).toMatch(
      /^The cover card is one message, updated in place \d+ times/,
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
