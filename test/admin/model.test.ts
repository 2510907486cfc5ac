import { describe, expect, it } from 'vitest';
import {
  channelNames,
  channelSlug,
  describeDays,
  describePatchThresholds,
  fieldErrors,
  formWords,
  nextClientCode,
  parsePatchArgs,
  peopleChange,
  typedNumber,
} from '../../src/admin/model.ts';

describe('/patch arguments', () => {
  it('reads the set-up, one client, setup, new NAME and help, keywords in any case', () => {
    expect(parsePatchArgs('')).toEqual({ kind: 'show', client: null });
    expect(parsePatchArgs('   ')).toEqual({ kind: 'show', client: null });
    expect(parsePatchArgs('Setup')).toEqual({ kind: 'setup' });
    expect(parsePatchArgs('NEW  Westbury   Central ')).toEqual({ kind: 'new', name: 'Westbury Central' });
    expect(parsePatchArgs('new')).toEqual({ kind: 'new', name: '' });
    expect(parsePatchArgs('help')).toEqual({ kind: 'help' });
    expect(parsePatchArgs('Mrs P')).toEqual({ kind: 'show', client: 'Mrs P' });
    // A keyword followed by more words is a client's name.
    expect(parsePatchArgs('setup time')).toEqual({ kind: 'show', client: 'setup time' });
  });
});

describe('a new patch’s channel name', () => {
  it('is the name as a lower-case slug: accents dropped, anything else one hyphen', () => {
    expect(channelSlug('Westbury North', 'P07')).toBe('westbury-north');
    expect(channelSlug('  Zoë’s  Patch (East) ', 'P07')).toBe('zoes-patch-east');
    expect(channelSlug('Ærø', 'P07')).toBe('r');
  });

  it('falls back to the code, then to "patch", when the name leaves nothing', () => {
    expect(channelSlug('日本', 'P_09')).toBe('p-09');
    expect(channelSlug('***', '---')).toBe('patch');
  });

  it('leaves room for a suffix within Slack’s 80 characters', () => {
    const slug = channelSlug('a'.repeat(200), 'P07');
    expect(slug.length).toBe(78);
    expect(channelNames(slug).every((n) => n.length <= 80 && /^[a-z0-9_-]+$/.test(n))).toBe(true);
  });

  it('tries the name, then -2 … -9', () => {
    expect(channelNames('p')).toEqual(['p', 'p-2', 'p-3', 'p-4', 'p-5', 'p-6', 'p-7', 'p-8', 'p-9']);
  });
});

describe('a new client’s code', () => {
  it('is the next free number of the patch, any case, archived codes counted', () => {
    expect(nextClientCode('P07', [])).toBe('P07-01');
    expect(nextClientCode('P07', ['P07-01', 'p07-02', 'P08-03'])).toBe('P07-03');
  });
});

describe('the roster’s problems as a form’s errors', () => {
  const target = ['patches', 0, 'clients', 3] as const;
  it('puts each on the first field its path names, under the target, one per field', () => {
    expect(
      fieldErrors(
        [
          { path: ['patches', 0, 'clients', 3, 'name'], message: 'must be one line' },
          { path: ['patches', 0, 'clients', 3, 'name'], message: 'second problem' },
          { path: ['patches', 0, 'clients', 3, 'visits', 0, 'thresholds', 'late_minutes'], message: 'x' },
          {
            path: ['patches', 0, 'clients'],
            message: '11 clients, but a patch holds at most 10 (max_clients)',
          },
        ],
        target,
        ['name', 'late_minutes'],
        'code',
      ),
    ).toEqual({
      name: 'must be one line',
      late_minutes: 'x',
      code: '11 clients, but a patch holds at most 10 (max_clients)',
    });
  });

  it('says the file’s references in words, and the file’s terse words as a form says them', () => {
    expect(
      formWords('"Mrs P" is already the name of patches[0].clients[1]: names must tell clients apart'),
    ).toBe('"Mrs P" is already the name of another client of this patch: names must tell clients apart');
    expect(formWords('duplicate patch code "P07" (already used by patches[0])')).toBe(
      'duplicate patch code "P07" (already used by another patch)',
    );
    expect(formWords('must name at least one weekday')).toBe('Choose at least one day.');
    expect(formWords('required')).toBe('Fill this in.');
  });
});

describe('the set-up in words', () => {
  it('names day sets, or lists the days in week order', () => {
    expect(describeDays(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'])).toBe('daily');
    expect(describeDays(['fri', 'mon', 'tue', 'wed', 'thu'])).toBe('weekdays');
    expect(describeDays(['sun', 'sat'])).toBe('weekends');
    expect(describeDays(['fri', 'mon', 'wed'])).toBe('Mon, Wed, Fri');
  });

  it('shows the thresholds that apply, marking the patch’s own', () => {
    expect(describePatchThresholds({ lateMinutes: 15 }, { lateMinutes: 20, missedMinutes: 25 })).toBe(
      'late after 20 min (this patch) · time-critical late after 10 min · missed after 25 min (this patch) · ' +
        'pop-backs unclaimed 20 min · timed pop-backs 15 min ahead',
    );
    expect(describePatchThresholds({}, {})).toContain('missed after half the visit (at most 30 min)');
    // A time-critical visit is never later than an ordinary one.
    expect(describePatchThresholds({}, { lateMinutes: 5 })).toContain('time-critical late after 5 min');
  });
});

describe('small readers', () => {
  it('reads a typed number: whole numbers as numbers, nothing as undefined, the rest as typed', () => {
    expect(typedNumber(' 15 ')).toBe(15);
    expect(typedNumber('')).toBeUndefined();
    expect(typedNumber('1.5')).toBe('1.5');
    expect(typedNumber('ten')).toBe('ten');
  });

  it('tells who was added and who removed', () => {
    expect(peopleChange(['U1', 'U2'], ['U2', 'U3'])).toEqual({ added: ['U3'], removed: ['U1'] });
  });
});
