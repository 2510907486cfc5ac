import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { provider, reportFigures } from '../../db/schema.ts';
import { silentLog } from '../../src/log.ts';
import { reportJob } from '../../src/report/service.ts';
import { type Harness, SUPERVISORS, TEAM, useFlowHarness } from '../support/harness.ts';
import type { FakeMessage } from '../support/slack/fake-slack.ts';
import { fixed } from './seed.ts';

/**
 * The Monday report through the real app: the job makes it due at 09:00 local, the deliverer posts the
 * provider's message in the supervisors' channel and one reply per patch in its thread, once, whatever
 * restarts and downtime come between.
 */

const flow = useFlowHarness();
let h: Harness;

const subjectOf = (m: FakeMessage) => String(m.metadata?.event_payload.subject ?? '');
/** The report messages in the supervisors' channel (escalations of the ticking days are left out). */
const reports = () => h.fake.messages(SUPERVISORS).filter((m) => subjectOf(m).startsWith('report:'));
const replies = (m: FakeMessage) => h.fake.replies(SUPERVISORS, m.ts);
const dueAt = () =>
  h.bot.db.select({ at: provider.reportDueAt }).from(provider).where(eq(provider.id, 1)).get()?.at;
const lines = (m: FakeMessage) =>
  m.blocks
    .map((b) => (b.text as { text?: string } | undefined)?.text ?? JSON.stringify(b.elements ?? ''))
    .join('\n');

describe('the Monday report', () => {
  it('a new installation waits for its first week; then at 09:00 Monday one message and a reply per patch', async () => {
    h = await flow.start({ at: '2026-11-29T10:00:00Z', roster: TEAM });
    // Week 48 as history: Mrs P seen on Monday by Alice, Mr K missed on Tuesday; week 47, one visit done.
    fixed(h.bot.db, {
      patch: 'P07',
      client: 'P07-01',
      date: '2026-11-23',
      at: '08:00',
      minutes: 45,
      plannedAssignee: 'U0ALICE1',
      arrive: { after: 4, by: 'U0ALICE1' },
      done: { after: 45, by: 'U0ALICE1' },
    });
    fixed(h.bot.db, {
      patch: 'P07',
      client: 'P07-02',
      date: '2026-11-24',
      at: '08:00',
      minutes: 30,
      plannedAssignee: 'U0BOB0001',
      missedAfter: 15,
    });
    fixed(h.bot.db, {
      patch: 'P07',
      client: 'P07-02',
      date: '2026-11-17',
      at: '08:00',
      minutes: 30,
      plannedAssignee: 'U0BOB0001',
      arrive: { after: 0, by: 'U0BOB0001' },
      done: { after: 30, by: 'U0BOB0001' },
    });

    await h.tickAt('2026-11-29T10:00:00Z');
    expect(dueAt()).toBe(Date.parse('2026-11-30T09:00:00Z'));
    await h.tickAt('2026-11-30T08:59:00Z');
    expect(reports()).toEqual([]);

    await h.tickAt('2026-11-30T09:00:00Z');
    const [parent, ...others] = reports();
    expect(others).toEqual([]);
    expect(subjectOf(parent as FakeMessage)).toBe('report:2026-W48');
    const p = parent as FakeMessage;
    expect(p.text).toBe(
      'Weekly quality report, week 48 (Mon 23 – Sun 29 Nov 2026): 1 of 2 planned visits missed (50.0%); the week before 0.0%.',
    );
    expect(p.blocks[0]).toMatchObject({
      type: 'header',
      text: { text: 'Weekly quality report · week 48, 2026' },
    });
    const body = lines(p);
    expect(body).toContain('*All patches*');
    expect(body).toMatch(/Fixed visits planned +2 +1/);
    expect(body).toMatch(/Westbury North +2 +1 +50\.0% +0\.0% +0 +4 +1\.0 +100%/);
    expect(body).toMatch(/Westbury South +0 +0 +– +– +0 +– +– +–/);
    // The worst patch first.
    expect(body.indexOf('Westbury North')).toBeLessThan(body.indexOf('Westbury South'));

    const thread = replies(p);
    expect(thread.map(subjectOf)).toEqual(['report:2026-W48:000001', 'report:2026-W48:000002']);
    expect(thread[0]?.text).toBe(
      'Westbury North, week 48: 1 of 2 planned visits missed (50.0%); the week before 0.0%.',
    );
    expect(lines(thread[0] as FakeMessage)).toContain('*Westbury North* (P07) · week 48, beside week 47');
    expect(lines(thread[0] as FakeMessage)).toMatch(/\n {2}missed % +50\.0% +0\.0%\n/);
    expect(thread[1]?.text).toBe('Westbury South, week 48: no fixed visits were planned.');
    expect(dueAt()).toBe(Date.parse('2026-12-07T09:00:00Z'));
    // The figures were worked out once, patch by patch, and kept.
    expect(
      h.bot.db.select({ week: reportFigures.week, patch: reportFigures.patchId }).from(reportFigures).all(),
    ).toEqual([
      { week: '2026-W48', patch: 1 },
      { week: '2026-W48', patch: 2 },
    ]);

    // Restarts and later ticks post nothing again.
    await h.restart();
    await h.tickAt('2026-11-30T09:01:00Z');
    await h.tickAt('2026-12-02T15:00:00Z');
    expect(reports()).toHaveLength(1);
    expect(replies(reports()[0] as FakeMessage)).toHaveLength(2);
    expect(
      h.fake.calls
        .filter((c) => c.method === 'chat.update' && c.args.channel === SUPERVISORS)
        .map((c) => c.args.ts),
    ).not.toContain(p.ts);
  });

  it('made due, then the process dies before Slack hears of it: posted once after the restart', async () => {
    h = await flow.start({ at: '2026-11-29T10:00:00Z', roster: TEAM });
    await h.tickAt('2026-11-29T10:00:00Z');
    // The job alone, as a tick that was cut short by a crash before any delivery.
    const job = reportJob({ db: h.bot.db, log: silentLog });
    h.clock.set(Date.parse('2026-11-30T09:00:00Z'));
    expect(await job.run(h.clock.now())).toBe(1);
    expect(await job.run(h.clock.now())).toBe(0);
    await h.restart();
    await h.tickAt('2026-11-30T09:02:00Z');
    expect(reports().map(subjectOf)).toEqual(['report:2026-W48']);
    expect(replies(reports()[0] as FakeMessage)).toHaveLength(2);
  });

  it('after downtime: the one week missed is posted, once; older weeks never', async () => {
    h = await flow.start({ at: '2026-11-29T10:00:00Z', roster: TEAM });
    await h.tickAt('2026-11-29T10:00:00Z');
    // Down from Sunday 29 November until Wednesday 16 December: weeks 48, 49 and 50 fell due meanwhile.
    await h.tickAt('2026-12-16T12:00:00Z');
    expect(reports().map(subjectOf)).toEqual(['report:2026-W50']);
    await h.tickAt('2026-12-16T12:05:00Z');
    expect(reports()).toHaveLength(1);
    expect(dueAt()).toBe(Date.parse('2026-12-21T09:00:00Z'));
    await h.tickAt('2026-12-21T09:00:00Z');
    expect(reports().map(subjectOf)).toEqual(['report:2026-W50', 'report:2026-W51']);
  });

  it('back on a Monday before 09:00 after a week away: the week that fell due is posted, and the last one at 09:00', async () => {
    h = await flow.start({ at: '2026-11-29T10:00:00Z', roster: TEAM });
    await h.tickAt('2026-11-29T10:00:00Z');
    await h.tickAt('2026-12-07T08:00:00Z');
    expect(reports().map(subjectOf)).toEqual(['report:2026-W48']);
    await h.tickAt('2026-12-07T09:00:00Z');
    expect(reports().map(subjectOf)).toEqual(['report:2026-W48', 'report:2026-W49']);
  });

  it('the Monday after the clocks go forward: 09:00 BST is 08:00 UTC', async () => {
    h = await flow.start({ at: '2026-03-29T10:00:00Z', roster: TEAM });
    await h.tickAt('2026-03-29T10:00:00Z');
    await h.tickAt('2026-03-30T07:59:00Z');
    expect(reports()).toEqual([]);
    await h.tickAt('2026-03-30T08:00:00Z');
    expect(reports().map(subjectOf)).toEqual(['report:2026-W13']);
    expect(reports()[0]?.text).toContain('week 13 (Mon 23 – Sun 29 Mar 2026)');
  });

  it('the Monday after the clocks go back: 09:00 GMT is 09:00 UTC', async () => {
    h = await flow.start({ at: '2026-10-25T10:00:00Z', roster: TEAM });
    await h.tickAt('2026-10-25T10:00:00Z');
    await h.tickAt('2026-10-26T08:59:00Z');
    expect(reports()).toEqual([]);
    await h.tickAt('2026-10-26T09:00:00Z');
    expect(reports().map(subjectOf)).toEqual(['report:2026-W43']);
  });
});
