import { describe, expect, it } from 'vitest';
import { openDb } from '../../db/index.ts';
import {
  getOutboxRow,
  markDue,
  markDueIfMissing,
  PRIORITY,
  settle,
  subjectsStartingWith,
} from '../../src/slack/outbox.ts';

const at = Date.parse('2026-11-23T07:00:00Z');
const due = (subject: string) => ({ subject, channel: 'C0PATCH01', priority: PRIORITY.digest });

describe('the outbox queries a digest relies on', () => {
  it('subjectsStartingWith finds one day’s continuations and nothing beside them', () => {
    const db = openDb(':memory:');
    for (const s of [
      'digest:3:2026-11-23',
      'digest:3:2026-11-23:1',
      'digest:3:2026-11-23:2',
      'digest:3:2026-11-24:1',
      'digest:31:2026-11-23:1',
      'digest:3:2026-11-2',
    ])
      markDue(db, due(s), at);
    expect(subjectsStartingWith(db, 'digest:3:2026-11-23:')).toEqual([
      'digest:3:2026-11-23:1',
      'digest:3:2026-11-23:2',
    ]);
    expect(subjectsStartingWith(db, 'digest:4:2026-11-23:')).toEqual([]);
  });

  it('markDueIfMissing makes a new message due once, and leaves one that exists as it is', () => {
    const db = openDb(':memory:');
    markDueIfMissing(db, due('digest:3:2026-11-23:1'), at);
    expect(getOutboxRow(db, 'digest:3:2026-11-23:1')).toMatchObject({ wantRev: 1, doneRev: 0 });
    settle(db, 'digest:3:2026-11-23:1', 1);
    markDueIfMissing(db, due('digest:3:2026-11-23:1'), at + 1000);
    expect(getOutboxRow(db, 'digest:3:2026-11-23:1')).toMatchObject({ wantRev: 1, doneRev: 1 });
  });
});
