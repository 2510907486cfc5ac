import { describe, expect, it } from 'vitest';
import {
  currentSignoffs,
  defaultExpiry,
  latestExpiry,
  missingOn,
  nextCheckAfter,
  parseCompetenceArgs,
  reminderDue,
  type SignoffFacts,
  taskCodes,
  validateSignoff,
  validOn,
  watched,
} from '../../src/competence/model.ts';

const LONDON = 'Europe/London';
const names = new Map([
  ['insulin', 'Insulin injection'],
  ['eye_drops', 'Eye drops'],
]);
let seq = 0;
const signoff = (over: Partial<SignoffFacts>): SignoffFacts => ({
  id: ++seq,
  taskCode: 'insulin',
  expiresOn: '2026-11-30',
  signedAt: seq,
  withdrawnAt: null,
  withdrawnBy: null,
  ...over,
});

describe('a sign-off is valid through its last day, local dates', () => {
  it('valid on the day it expires, not the day after; never once withdrawn', () => {
    const s = signoff({ expiresOn: '2026-11-30' });
    expect(validOn(s, '2026-11-29')).toBe(true);
    expect(validOn(s, '2026-11-30')).toBe(true);
    expect(validOn(s, '2026-12-01')).toBe(false);
    expect(validOn({ ...s, withdrawnAt: 1 }, '2026-11-29')).toBe(false);
  });

  it('missingOn names each task lacking, with why: never, expired (its last day) or withdrawn (by whom)', () => {
    const rows = [
      signoff({ taskCode: 'insulin', expiresOn: '2026-11-22' }),
      signoff({ taskCode: 'eye_drops', withdrawnAt: 5, withdrawnBy: 'U0SUPER1' }),
    ];
    expect(missingOn(rows, ['insulin', 'eye_drops', 'stoma', 'insulin'], '2026-11-23', names)).toEqual([
      { code: 'insulin', name: 'Insulin injection', why: 'expired', expiredOn: '2026-11-22' },
      { code: 'eye_drops', name: 'Eye drops', why: 'withdrawn', by: 'U0SUPER1' },
      { code: 'stoma', name: 'stoma', why: 'never' },
    ]);
    expect(missingOn(rows, ['insulin'], '2026-11-22', names)).toEqual([]);
  });

  it('a renewal counts: any sign-off valid on the day is enough', () => {
    const rows = [
      signoff({ expiresOn: '2026-11-01', withdrawnAt: 9, withdrawnBy: 'U0SUPER1' }),
      signoff({ expiresOn: '2027-11-01' }),
    ];
    expect(missingOn(rows, ['insulin'], '2027-11-01', names)).toEqual([]);
    expect(currentSignoffs(rows).map((s) => s.expiresOn)).toEqual(['2027-11-01']);
  });

  it('taskCodes reads the stored list', () => {
    expect(taskCodes('')).toEqual([]);
    expect(taskCodes('insulin,eye_drops')).toEqual(['insulin', 'eye_drops']);
  });
});

describe('the sign-off form', () => {
  const ctx = { today: '2026-11-23', tasks: names };

  it('takes a listed task and a last day after today, up to three years ahead', () => {
    expect(validateSignoff({ taskCode: 'insulin', expiresOn: '2026-11-24' }, ctx)).toEqual({
      ok: true,
      taskCode: 'insulin',
      expiresOn: '2026-11-24',
    });
    expect(validateSignoff({ taskCode: 'insulin', expiresOn: '2029-11-23' }, ctx).ok).toBe(true);
    expect(defaultExpiry('2026-11-23')).toBe('2027-11-23');
    expect(latestExpiry('2028-02-29')).toBe('2031-02-28');
  });

  it('answers each field: no task, an unknown task, today, past, too far, not a date', () => {
    expect(validateSignoff({ taskCode: null, expiresOn: null }, ctx)).toEqual({
      ok: false,
      errors: { task: 'Choose the task.', expires: 'Pick the last day it is valid.' },
    });
    expect(validateSignoff({ taskCode: 'constructor', expiresOn: '2026-11-23' }, ctx)).toEqual({
      ok: false,
      errors: {
        task: 'That task is no longer in the set-up. Choose another.',
        expires: 'Pick a day after today.',
      },
    });
    expect(validateSignoff({ taskCode: 'insulin', expiresOn: '2029-11-24' }, ctx)).toEqual({
      ok: false,
      errors: { expires: 'At most 3 years ahead: pick Fri 23 Nov 2029 or earlier.' },
    });
    expect(validateSignoff({ taskCode: 'insulin', expiresOn: '2026-02-30' }, ctx).ok).toBe(false);
  });

  it('/competence text: nothing, one mention (escaped or not), or something else', () => {
    expect(parseCompetenceArgs('  ')).toEqual({ kind: 'none' });
    expect(parseCompetenceArgs('<@U0BOB0001|bob>')).toEqual({ kind: 'user', userId: 'U0BOB0001' });
    expect(parseCompetenceArgs('bob')).toEqual({ kind: 'bad' });
    expect(parseCompetenceArgs('<#C0PATCH07|p07>')).toEqual({ kind: 'bad' });
  });
});

describe('when things are due', () => {
  it('a reminder from 14 days before the last day, through the last day', () => {
    expect(reminderDue('2026-12-07', '2026-11-22')).toBe(false);
    expect(reminderDue('2026-12-07', '2026-11-23')).toBe(true);
    expect(reminderDue('2026-12-07', '2026-12-07')).toBe(true);
    expect(reminderDue('2026-12-07', '2026-12-08')).toBe(false);
  });

  it('the daily check is at 09:00 local, on the days the clocks change too', () => {
    // Spring forward: 09:00 BST is 08:00 UTC.
    expect(
      new Date(nextCheckAfter(Date.parse('2026-03-29T07:00:00Z'), '2026-03-29', LONDON)).toISOString(),
    ).toBe('2026-03-29T08:00:00.000Z');
    // Fall back: 09:00 GMT is 09:00 UTC.
    expect(
      new Date(nextCheckAfter(Date.parse('2026-10-25T08:30:00Z'), '2026-10-25', LONDON)).toISOString(),
    ).toBe('2026-10-25T09:00:00.000Z');
    // At or after today's, tomorrow's.
    expect(
      new Date(nextCheckAfter(Date.parse('2026-10-25T09:00:00Z'), '2026-10-25', LONDON)).toISOString(),
    ).toBe('2026-10-26T09:00:00.000Z');
  });

  it('a visit is watched from 09:00 the day before until it starts', () => {
    const at = Date.parse('2026-03-29T07:00:00Z'); // 08:00 BST
    expect(watched('2026-03-29', at, Date.parse('2026-03-28T08:59:00Z'), LONDON)).toBe(false);
    expect(watched('2026-03-29', at, Date.parse('2026-03-28T09:00:00Z'), LONDON)).toBe(true);
    expect(watched('2026-03-29', at, at, LONDON)).toBe(false);
  });
});
