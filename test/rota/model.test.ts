import { describe, expect, it } from 'vitest';
import { occurrenceOn, occurrencesOn, type PlanLike } from '../../src/patches/model.ts';
import { dayInWords, parseRotaArgs, rotaDates, rotaState, rotaVerbsFor } from '../../src/rota/model.ts';
import { localTime } from '../../src/time.ts';

const LONDON = 'Europe/London';
const everyDay: PlanLike['days'] = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];
const plan = (at: string, days: PlanLike['days'] = everyDay, id = 1): PlanLike => ({ id, at, days });
const utc = (iso: string) => Date.parse(iso);

describe('occurrenceOn', () => {
  it('places a plan at its local time on an ordinary day, in winter and in summer', () => {
    expect(occurrenceOn(plan('08:00'), '2026-11-23', LONDON)).toBe(utc('2026-11-23T08:00:00Z'));
    expect(occurrenceOn(plan('08:00'), '2026-07-01', LONDON)).toBe(utc('2026-07-01T07:00:00Z'));
    expect(occurrenceOn(plan('21:30'), '2026-11-23', 'America/New_York')).toBe(utc('2026-11-24T02:30:00Z'));
  });

  it('keeps 08:00 at 08:00 local either side of the spring-forward change', () => {
    expect(occurrenceOn(plan('08:00'), '2026-03-28', LONDON)).toBe(utc('2026-03-28T08:00:00Z'));
    expect(occurrenceOn(plan('08:00'), '2026-03-29', LONDON)).toBe(utc('2026-03-29T07:00:00Z'));
    expect(occurrenceOn(plan('08:00'), '2026-03-30', LONDON)).toBe(utc('2026-03-30T07:00:00Z'));
    expect(localTime(occurrenceOn(plan('08:00'), '2026-03-29', LONDON) ?? 0, LONDON)).toBe('08:00');
  });

  it('keeps 08:00 at 08:00 local either side of the fall-back change', () => {
    expect(occurrenceOn(plan('08:00'), '2026-10-24', LONDON)).toBe(utc('2026-10-24T07:00:00Z'));
    expect(occurrenceOn(plan('08:00'), '2026-10-25', LONDON)).toBe(utc('2026-10-25T08:00:00Z'));
    expect(occurrenceOn(plan('08:00'), '2026-10-26', LONDON)).toBe(utc('2026-10-26T08:00:00Z'));
    expect(localTime(occurrenceOn(plan('08:00'), '2026-10-25', LONDON) ?? 0, LONDON)).toBe('08:00');
  });

  it('moves a time in the spring-forward gap forward by the gap (01:30 → 02:30 BST)', () => {
    const at = occurrenceOn(plan('01:30'), '2026-03-29', LONDON);
    expect(at).toBe(utc('2026-03-29T01:30:00Z'));
    expect(localTime(at ?? 0, LONDON)).toBe('02:30');
  });

  it('takes the first (BST) occurrence of a time in the repeated hour', () => {
    const at = occurrenceOn(plan('01:30'), '2026-10-25', LONDON);
    expect(at).toBe(utc('2026-10-25T00:30:00Z'));
    expect(localTime(at ?? 0, LONDON)).toBe('01:30');
  });

  it('is null on a weekday the plan does not run', () => {
    // 2026-11-23 is a Monday.
    expect(occurrenceOn(plan('08:00', ['tue', 'thu']), '2026-11-23', LONDON)).toBeNull();
    expect(occurrenceOn(plan('08:00', ['mon']), '2026-11-23', LONDON)).toBe(utc('2026-11-23T08:00:00Z'));
    expect(occurrenceOn(plan('08:00', []), '2026-11-23', LONDON)).toBeNull();
    // Sunday 29 March (the change day) only for a Sunday plan.
    expect(occurrenceOn(plan('08:00', ['sat']), '2026-03-29', LONDON)).toBeNull();
    expect(occurrenceOn(plan('08:00', ['sun']), '2026-03-29', LONDON)).toBe(utc('2026-03-29T07:00:00Z'));
  });

  it('refuses a malformed date or time instead of dropping the visit', () => {
    expect(() => occurrenceOn(plan('8am'), '2026-11-23', LONDON)).toThrow(RangeError);
    expect(() => occurrenceOn(plan('08:00'), '2026-02-30', LONDON)).toThrow(RangeError);
  });

  it('lists the plans of a day in time order', () => {
    const plans = [plan('18:00', everyDay, 3), plan('08:00', ['sat'], 2), plan('08:00', everyDay, 1)];
    expect(occurrencesOn(plans, '2026-11-23', LONDON).map((o) => [o.plan.id, o.startsAt])).toEqual([
      [1, utc('2026-11-23T08:00:00Z')],
      [3, utc('2026-11-23T18:00:00Z')],
    ]);
  });
});

describe('rota dates', () => {
  it('today and tomorrow are local dates in the provider zone', () => {
    // 23:30Z on 1 July is already 00:30 BST on 2 July; on 31 December it is still 23:30 GMT.
    expect(rotaDates(utc('2026-07-01T23:30:00Z'), LONDON)).toEqual(['2026-07-02', '2026-07-03']);
    expect(rotaDates(utc('2026-12-31T23:30:00Z'), LONDON)).toEqual(['2026-12-31', '2027-01-01']);
  });

  it('says a date in words', () => {
    expect(dayInWords('2026-11-23')).toBe('Monday 23 November');
    expect(dayInWords('2026-03-29')).toBe('Sunday 29 March');
  });
});

describe('parseRotaArgs', () => {
  const today = '2026-11-23';
  const ok = (date: string, mine = false) => ({ ok: true, date, mine });

  it('accepts today, tomorrow, yesterday and nothing', () => {
    expect(parseRotaArgs('', today)).toEqual(ok(today));
    expect(parseRotaArgs('   ', today)).toEqual(ok(today));
    expect(parseRotaArgs('today', today)).toEqual(ok(today));
    expect(parseRotaArgs('tomorrow', today)).toEqual(ok('2026-11-24'));
    expect(parseRotaArgs('yesterday', today)).toEqual(ok('2026-11-22'));
    expect(parseRotaArgs('Tomorrow', today)).toEqual(ok('2026-11-24'));
    expect(parseRotaArgs('  TODAY  ', today)).toEqual(ok(today));
  });

  it('crosses month and year ends', () => {
    expect(parseRotaArgs('tomorrow', '2026-12-31')).toEqual(ok('2027-01-01'));
    expect(parseRotaArgs('yesterday', '2026-03-01')).toEqual(ok('2026-02-28'));
  });

  it('accepts a real ISO date within 62 days either way', () => {
    expect(parseRotaArgs('2026-12-01', today)).toEqual(ok('2026-12-01'));
    expect(parseRotaArgs('2027-01-24', today)).toEqual(ok('2027-01-24')); // today + 62
    expect(parseRotaArgs('2026-09-22', today)).toEqual(ok('2026-09-22')); // today − 62
    expect(parseRotaArgs('2024-02-29', '2024-03-01')).toEqual(ok('2024-02-29'));
  });

  it('accepts mine alone or with a day, in either order, any case, extra spaces', () => {
    expect(parseRotaArgs('mine', today)).toEqual(ok(today, true));
    expect(parseRotaArgs('MINE', today)).toEqual(ok(today, true));
    expect(parseRotaArgs('mine tomorrow', today)).toEqual(ok('2026-11-24', true));
    expect(parseRotaArgs('tomorrow mine', today)).toEqual(ok('2026-11-24', true));
    expect(parseRotaArgs('  Mine    Yesterday ', today)).toEqual(ok('2026-11-22', true));
    expect(parseRotaArgs('today mine', today)).toEqual(ok(today, true));
    expect(parseRotaArgs('mine 2026-12-01', today)).toEqual(ok('2026-12-01', true));
    expect(parseRotaArgs('2026-12-01 mine', today)).toEqual(ok('2026-12-01', true));
  });

  const unknown = (typed: string) =>
    `“${typed}” is not a date I know. Try /rota, /rota tomorrow, /rota 2026-11-30 or /rota mine.`;

  it('refuses dates that do not exist, with one line quoting what was typed', () => {
    expect(parseRotaArgs('2026-13-01', today)).toEqual({ ok: false, message: unknown('2026-13-01') });
    expect(parseRotaArgs('2026-02-30', today)).toEqual({ ok: false, message: unknown('2026-02-30') });
    expect(parseRotaArgs('2026-2-3', today)).toEqual({ ok: false, message: unknown('2026-2-3') });
  });

  it('refuses anything else', () => {
    expect(parseRotaArgs('next week', today)).toEqual({ ok: false, message: unknown('next week') });
    expect(parseRotaArgs('tomorrow today', today)).toEqual({ ok: false, message: unknown('tomorrow today') });
    expect(parseRotaArgs('mine mine', today)).toEqual({ ok: false, message: unknown('mine mine') });
    expect(parseRotaArgs('  Mine   Friday ', today)).toEqual({ ok: false, message: unknown('Mine Friday') });
  });

  it('clips a long answer to 40 characters and escapes mrkdwn, once', () => {
    const long = 'please show me the rota for the whole of next week';
    const res = parseRotaArgs(long, today);
    expect(res).toEqual({ ok: false, message: unknown(`${long.slice(0, 39)}…`) });
    expect(parseRotaArgs('<!channel>', today)).toEqual({ ok: false, message: unknown('&lt;!channel&gt;') });
    expect(parseRotaArgs('&lt;b&gt; & c', today)).toEqual({
      ok: false,
      message: unknown('&lt;b&gt; &amp; c'),
    });
    if (!res.ok) expect(res.message).not.toContain('\n');
  });

  it('refuses dates more than 62 days away', () => {
    expect(parseRotaArgs('2027-01-25', today)).toEqual({
      ok: false,
      message: '2027-01-25 is more than 62 days from today. Try a date from 2026-09-22 to 2027-01-24.',
    });
    expect(parseRotaArgs('mine 2026-09-21', today)).toEqual({
      ok: false,
      message: '2026-09-21 is more than 62 days from today. Try a date from 2026-09-22 to 2027-01-24.',
    });
  });
});

describe('what a visit offers', () => {
  it('open visits: Arrived, Take over, Not needed; arrived: Done; finished: nothing', () => {
    expect(rotaVerbsFor('open', false)).toEqual(['arrived', 'takeover', 'notneeded']);
    expect(rotaVerbsFor('claimed', true)).toEqual(['arrived', 'takeover', 'notneeded', 'medissue']);
    expect(rotaVerbsFor('arrived', false)).toEqual(['done']);
    expect(rotaVerbsFor('arrived', true)).toEqual(['done', 'medissue']);
    expect(rotaVerbsFor('done', false)).toEqual([]);
    expect(rotaVerbsFor('not_needed', true)).toEqual(['medissue']);
  });

  it('the state shown: alerts before assignment, check-ins before alerts', () => {
    expect(rotaState({ status: 'open', assignee: 'U1', alert: null })).toBe('planned');
    expect(rotaState({ status: 'open', assignee: null, alert: null })).toBe('unassigned');
    expect(rotaState({ status: 'open', assignee: null, alert: 'missed' })).toBe('missed');
    expect(rotaState({ status: 'arrived', assignee: 'U1', alert: 'late' })).toBe('arrived');
  });
});
