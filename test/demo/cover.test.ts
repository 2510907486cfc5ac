import { beforeAll, describe, expect, it } from 'vitest';
import { runCoverDemo } from './cover.ts';

/**
 * The cover scene end to end (test/demo/cover.ts): the real app against the Slack stand-in, printed as
 * each channel shows it. The scene ends with `fake.assertClean()`, so anything Slack would have refused
 * makes it throw.
 */

let code: number;
let out: string;
let err: string[];

beforeAll(async () => {
  const lines: string[] = [];
  err = [];
  code = await runCoverDemo({ out: (s) => lines.push(s), err: (s) => err.push(s) });
  out = lines.join('\n');
}, 60_000);

const scene = (title: string) => {
  const start = out.indexOf(title);
  expect(start, `no scene "${title}"`).toBeGreaterThan(-1);
  const next = out.indexOf('\n── ', start + 1);
  return out.slice(start, next === -1 ? undefined : next);
};

describe('the cover scene', () => {
  it('exits 0 with nothing on stderr', () => {
    expect(err).toEqual([]);
    expect(code).toBe(0);
  });

  it('06:40: the form from now to the end of today, then the card in the patch channel without the note', () => {
    expect(out).toContain('06:40 · @carol wakes up ill and types "/cover"');
    expect(out).toContain('From: [ 📅 Mon 23 Nov 🕓 06:40 ▾ ]');
    expect(out).toContain('Until: [ 📅 Mon 23 Nov 🕓 23:59 ▾ ]');
    const posted = scene('presses Post');
    expect(posted).toContain("👥 *Cover needed* · @carol can't work Mon 23 Nov 06:40 – 23:59");
    expect(posted).toMatch(
      /\*09:00\* Mrs W · Breakfast \(30 min\)\n\s+│ 🟠 \*Needs a carer\* · to the supervisors at 08:00 if still open/,
    );
    expect(posted).toContain('[ Take all ] [ Assign… ] [ Withdraw ]');
    expect(posted.split('#p08')[1]).not.toContain('Temperature');
  });

  it('a colleague takes two visits: the card says so, and the sick carer is told privately', () => {
    const took = scene("@dave presses I'll take it on 08:00 Mrs D and 08:15 Mr R");
    expect(took).toContain('✅ *Taken* by @dave at 06:52');
    expect(took).toContain('✅ *Taken* by @dave at 06:53');
    expect(took).toContain(
      "direct message to @carol\n  │ ✅ @dave took 2 of your visits from your cover request. You don't need to go:",
    );
  });

  it('the 09:00 reaches the supervisors at 08:00 with the note, not before; a supervisor gives it to the colleague', () => {
    expect(scene('07:59 · 09:00 Mrs W is still open')).toContain('#supervisors: 0 uncovered-visit messages');
    const up = scene('it goes to the supervisors');
    expect(up).toContain('👥 *Uncovered visit* · Westbury South #p08');
    expect(up).toContain('@carol cannot come and the visit is not covered · starts at 09:00');
    expect(up).toContain('Temperature of 39');
    expect(up).toContain('[ Acknowledge ] [ Assign… ] [ Resolve ]');
    expect(up).toContain('🚨 sent to the supervisors at 08:00');
    expect(out).toContain('Visit: [ 09:00 Mrs W · Breakfast ▾ ]');
    expect(out).toContain('Give it to: ○ @dave');
    const given = scene('chooses @dave and presses Assign');
    expect(given).toContain('✅ *Resolved* by @sam at 08:04: covered: @dave has it (08:04)');
    expect(given).toContain('✅ *Given to* @dave by @sam at 08:04');
    expect(given).toContain('• 09:00 *Mrs W*, Breakfast in #p08 (given by @sam)');
  });
});
