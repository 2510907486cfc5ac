import { describe, expect, it } from 'vitest';
import {
  escalationFromSettings,
  formatDays,
  parseDays,
  popbackThresholds,
  settingsWithEscalation,
  settingsWithThresholds,
  thresholdsFromSettings,
  visitThresholds,
} from '../../src/patches/model.ts';

describe('weekdays', () => {
  it('are stored comma-joined in week order and read back', () => {
    expect(formatDays(['sun', 'mon', 'wed', 'mon'])).toBe('mon,wed,sun');
    expect(parseDays('mon,wed,sun')).toEqual(['mon', 'wed', 'sun']);
    expect(parseDays('')).toEqual([]);
  });
});

describe('visit thresholds', () => {
  it('default to 15 minutes late and the shorter of half the visit and 30 minutes missed', () => {
    expect(visitThresholds([], { minutes: 45, timeCritical: false })).toEqual({
      lateMinutes: 15,
      missedMinutes: 22,
    });
    expect(visitThresholds([], { minutes: 90, timeCritical: false })).toEqual({
      lateMinutes: 15,
      missedMinutes: 30,
    });
    expect(visitThresholds([], { minutes: 1, timeCritical: false }).missedMinutes).toBe(1);
  });

  it('time-critical visits are late at 10 minutes, and never later than an ordinary visit', () => {
    expect(visitThresholds([], { minutes: 30, timeCritical: true }).lateMinutes).toBe(10);
    expect(visitThresholds([{ lateMinutes: 5 }], { minutes: 30, timeCritical: true }).lateMinutes).toBe(5);
    expect(
      visitThresholds([{ lateMinutesTimeCritical: 20 }], { minutes: 30, timeCritical: true }).lateMinutes,
    ).toBe(15);
  });

  it('the most specific level wins', () => {
    const provider = { lateMinutes: 15, missedMinutes: 40 };
    const patch = { lateMinutes: 20 };
    const plan = { lateMinutes: 5 };
    expect(visitThresholds([provider, patch], { minutes: 30, timeCritical: false })).toEqual({
      lateMinutes: 20,
      missedMinutes: 40,
    });
    expect(visitThresholds([provider, patch, plan], { minutes: 30, timeCritical: false }).lateMinutes).toBe(
      5,
    );
    expect(popbackThresholds([{ popbackLeadMinutes: 30 }])).toEqual({
      unclaimedMinutes: 20,
      leadMinutes: 30,
    });
  });
});

describe('settings JSON', () => {
  it('holds only the thresholds set, in a fixed key order, and {} when none', () => {
    expect(settingsWithThresholds(undefined, {})).toBe('{}');
    expect(settingsWithThresholds(undefined, { missedMinutes: 30, lateMinutes: 10 })).toBe(
      '{"thresholds":{"lateMinutes":10,"missedMinutes":30}}',
    );
    expect(thresholdsFromSettings('{"thresholds":{"lateMinutes":10,"bogus":1,"missedMinutes":-3}}')).toEqual({
      lateMinutes: 10,
    });
    expect(thresholdsFromSettings('not json')).toEqual({});
  });

  it('keeps keys other capabilities stored, where they were', () => {
    const existing = '{"thresholds":{"lateMinutes":10},"escalation":{"ackMinutes":5}}';
    expect(settingsWithThresholds(existing, { lateMinutes: 10 })).toBe(existing);
    expect(settingsWithThresholds(existing, {})).toBe('{"escalation":{"ackMinutes":5}}');
  });
});

describe('escalation settings', () => {
  it('are stored camelCase beside the thresholds, only the keys set, in a fixed order', () => {
    const json = settingsWithEscalation('{"thresholds":{"lateMinutes":12}}', {
      unacknowledge: { today: 300 },
      waits: { today: 20, now: 8 },
      rounds: 2,
    });
    expect(json).toBe(
      '{"thresholds":{"lateMinutes":12},"escalation":{"rounds":2,"waits":{"now":8,"today":20},"unacknowledge":{"today":300}}}',
    );
    expect(escalationFromSettings(json)).toEqual({
      rounds: 2,
      waits: { now: 8, today: 20 },
      unacknowledge: { today: 300 },
    });
  });

  it('keep their place when changed, and leave when nothing is set', () => {
    const json = '{"escalation":{"rounds":2},"thresholds":{"lateMinutes":12}}';
    expect(settingsWithEscalation(json, { rounds: 4 })).toBe(
      '{"escalation":{"rounds":4},"thresholds":{"lateMinutes":12}}',
    );
    expect(settingsWithEscalation(json, { waits: {} })).toBe('{"thresholds":{"lateMinutes":12}}');
    expect(settingsWithThresholds(json, {})).toBe('{"escalation":{"rounds":2}}');
    expect(settingsWithEscalation(undefined, {})).toBe('{}');
  });

  it('are read tolerantly', () => {
    expect(escalationFromSettings('{}')).toEqual({});
    expect(escalationFromSettings('[')).toEqual({});
    expect(escalationFromSettings('{"escalation":3}')).toEqual({});
    expect(
      escalationFromSettings('{"escalation":{"rounds":0,"waits":{"now":-1,"soon":4},"reminder":{"now":45}}}'),
    ).toEqual({
      reminder: { now: 45 },
    });
  });
});
