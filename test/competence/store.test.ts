import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { openDb } from '../../db/index.ts';
import { clients, plans, signoffs } from '../../db/schema.ts';
import { insertSignoff, markWithdrawn, missingSignoffs, tasksOfClient } from '../../src/competence/store.ts';
import { describeKeyWorkerMissing } from '../../src/competence/views.ts';
import { importRosterWithVisits } from '../../src/main.ts';
import { parseRoster } from '../../src/patches/roster.ts';

/** The check other capabilities call before giving a client or a visit to someone (the key-worker change). */

const ROSTER = join(import.meta.dirname, 'fixtures', 'team.yml');
const ALICE = 'U0ALICE1';
const BOB = 'U0BOB0001';

function setUp() {
  const db = openDb(':memory:');
  const parsed = parseRoster(readFileSync(ROSTER, 'utf8'));
  if (!parsed.ok) throw new Error(parsed.errors.join('\n'));
  importRosterWithVisits(db, parsed.roster, Date.parse('2026-11-23T06:00:00Z'));
  const clientId = (code: string) => db.select().from(clients).where(eq(clients.code, code)).get()?.id ?? 0;
  return { db, clientId };
}

describe('missingSignoffs, for a new key worker', () => {
  it('names what a person lacks for a client’s visits on a date, and nothing once signed off', () => {
    const { db, clientId } = setUp();
    const codes = tasksOfClient(db, clientId('P07-01'));
    expect(codes).toEqual(['insulin']);
    expect(tasksOfClient(db, clientId('P07-03'))).toEqual([]);
    const missing = missingSignoffs(db, BOB, codes, '2026-11-23');
    expect(missing).toEqual([{ code: 'insulin', name: 'Insulin injection', why: 'never' }]);
    expect(
      describeKeyWorkerMissing(missing, { who: BOB, clientName: 'Mrs P', supervisors: ['U0SUPER1'] }),
    ).toBe(
      "<@U0BOB0001> can't be Mrs P's key worker: they are not signed off for *Insulin injection* (never signed off), which the visits need. A supervisor can sign them off with /competence: <@U0SUPER1>.",
    );
    const id = insertSignoff(db, {
      userId: BOB,
      taskCode: 'insulin',
      signedBy: 'U0SUPER1',
      signedAt: 1,
      expiresOn: '2026-11-30',
    });
    expect(missingSignoffs(db, BOB, codes, '2026-11-30')).toEqual([]);
    expect(missingSignoffs(db, BOB, codes, '2026-12-01')).toEqual([
      { code: 'insulin', name: 'Insulin injection', why: 'expired', expiredOn: '2026-11-30' },
    ]);
    markWithdrawn(db, id, 'U0SUPER2', 2);
    expect(missingSignoffs(db, BOB, codes, '2026-11-23')).toEqual([
      { code: 'insulin', name: 'Insulin injection', why: 'withdrawn', by: 'U0SUPER2' },
    ]);
    expect(db.select().from(signoffs).all()).toHaveLength(1);
  });

  it('a supervisor lacks nothing; no tasks, nothing to lack; an archived plan’s tasks no longer count', () => {
    const { db, clientId } = setUp();
    expect(missingSignoffs(db, 'U0SUPER1', ['insulin', 'eye_drops'], '2026-11-23')).toEqual([]);
    expect(missingSignoffs(db, ALICE, [], '2026-11-23')).toEqual([]);
    db.update(plans)
      .set({ archivedAt: 1 })
      .where(eq(plans.clientId, clientId('P07-02')))
      .run();
    expect(tasksOfClient(db, clientId('P07-02'))).toEqual([]);
  });
});
