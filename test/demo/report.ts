import { and, eq } from 'drizzle-orm';
import type { Db } from '../../db/index.ts';
import { escalations, visitCarers, visitClients, visitEvents, visits } from '../../db/schema.ts';
import type { Patchbot } from '../../src/main.ts';
import { occurrencesOn } from '../../src/patches/model.ts';
import {
  activeClients,
  activePatches,
  activePlans,
  assistantsOf,
  findPatchByChannel,
  providerSettings,
} from '../../src/patches/store.ts';
import { addWeeks, isoWeekOf, mondayOf, reportTimeOf, weekLabel } from '../../src/report/model.ts';
import { reportJob, reportSubject } from '../../src/report/service.ts';
import { weekInWords } from '../../src/report/views.ts';
import { addDays, dayjs, localDate, localInstant, type ManualClock, MINUTE } from '../../src/time.ts';
import type { FakeMessage, FakeSlack } from '../support/slack/fake-slack.ts';
import { type Names, renderBlocks } from './transcript.ts';

/**
 * The demo's last scene: the weekly quality report for the demo's week, as the supervisors' channel
 * shows it the Monday after. The demo runs one day, so the rest of that week and the week before are
 * written into the demo's database as history first, and said to be so: visits from the patch's plans
 * with made-up outcomes (mostly on time by the key worker, some late, a few covered by a colleague, cut
 * short or missed), a few pop-backs and two medication issues. Then the clock moves to Monday 09:00 and
 * the report job runs: what is printed is what the stand-in for Slack received.
 *
 * Only the report job runs at Monday 09:00, not the whole scheduler: the bot would otherwise make that
 * Monday's visits, and their alerts, which belong to another day's demo.
 */

export interface ReportSceneContext {
  /** The demo's bot, running against `fake` (its deps, deliverer and database). */
  bot: Patchbot;
  clock: ManualClock;
  fake: FakeSlack;
  names: Names;
  io: { out: (s: string) => void };
  /** Waits until every request is handled and everything due is delivered. */
  settle: () => Promise<void>;
  /** The patch the demo ran (default: the first active patch). */
  patchChannel?: string;
}

/** A number in [0, 1) from a string: the same history every run. */
function chance(key: string): number {
  let h = 2166136261;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 16777619);
  return ((h >>> 0) % 10_000) / 10_000;
}

interface Seeded {
  visits: number;
  popbacks: number;
  medication: number;
}

/** One fixed visit's outcome as history, on a visit that exists (left untouched if someone pressed anything). */
function historyFor(
  db: Db,
  v: { id: number; startsAt: number; minutes: number; plannedAssignee: string | null },
  team: readonly string[],
  key: string,
): void {
  const r = chance(key);
  const other = team.find((u) => u !== v.plannedAssignee) ?? team[0] ?? null;
  const who = v.plannedAssignee && chance(`${key}:who`) >= 0.15 ? v.plannedAssignee : other;
  if (r < 0.05 || who === null) {
    db.update(visits)
      .set({ alertLevel: 'missed', lateAt: v.startsAt + 15 * MINUTE, missedAt: v.startsAt + 30 * MINUTE })
      .where(eq(visits.id, v.id))
      .run();
    return;
  }
  const lateBy =
    r < 0.15 ? 16 + Math.floor(chance(`${key}:late`) * 15) : Math.floor(chance(`${key}:on`) * 10);
  const arrivedAt = v.startsAt + lateBy * MINUTE;
  const stay = chance(`${key}:stay`) < 0.06 ? Math.floor(v.minutes * 0.3) : v.minutes;
  db.update(visits)
    .set({
      status: 'done',
      arrivedAt,
      arrivedBy: who,
      doneAt: arrivedAt + stay * MINUTE,
      doneBy: who,
      ...(lateBy >= 15 ? { alertLevel: 'late' as const, lateAt: v.startsAt + 15 * MINUTE } : {}),
    })
    .where(eq(visits.id, v.id))
    .run();
}

/** The patch's fixed visits of `date` as history: made from its plans where the bot had not made them yet. */
function seedDay(db: Db, patchId: number, date: string, team: readonly string[], after: number): number {
  const zone = providerSettings(db).timezone;
  let n = 0;
  for (const { plan, startsAt } of occurrencesOn(activePlans(db, { patchId }), date, zone)) {
    if (startsAt <= after) continue;
    let row = db
      .select()
      .from(visits)
      .where(and(eq(visits.planId, plan.id), eq(visits.occursOn, date)))
      .get();
    if (!row) {
      row = db
        .insert(visits)
        .values({
          patchId,
          kind: 'fixed',
          planId: plan.id,
          occursOn: date,
          startsAt,
          minutes: plan.minutes,
          purpose: plan.purpose,
          timeCritical: plan.timeCritical,
          carersNeeded: plan.carers,
          assignee: plan.client.keyWorker,
          plannedAssignee: plan.client.keyWorker,
          status: 'open',
          createdAt: startsAt - 24 * 60 * MINUTE,
        })
        .returning()
        .get();
      db.insert(visitClients).values({ visitId: row.id, clientId: plan.client.id, position: 0 }).run();
    }
    if (row.status !== 'open' || row.arrivedAt !== null) continue;
    // Nothing pressed yet: its alert timer is history too.
    db.update(visits).set({ alertDueAt: null }).where(eq(visits.id, row.id)).run();
    historyFor(
      db,
      { id: row.id, startsAt, minutes: plan.minutes, plannedAssignee: plan.client.keyWorker },
      team,
      `${date}|${plan.id}`,
    );
    n++;
  }
  return n;
}

/** A pop-back on some days, claimed after a few minutes and done. */
function seedPopback(db: Db, patchId: number, date: string, team: readonly string[]): number {
  const clients = activeClients(db, patchId);
  if (chance(`${date}:popback`) >= 0.5 || clients.length === 0 || team.length === 0) return 0;
  const zone = providerSettings(db).timezone;
  const client = clients[Math.floor(chance(`${date}:client`) * clients.length)] ?? clients[0];
  const carer = team[Math.floor(chance(`${date}:carer`) * team.length)] ?? (team[0] as string);
  const createdAt = localInstant(date, '10:40', zone);
  const claimedAt = createdAt + (3 + Math.floor(chance(`${date}:claim`) * 20)) * MINUTE;
  const row = db
    .insert(visits)
    .values({
      patchId,
      kind: 'popback',
      purpose: 'Seeded pop-back',
      urgency: 'asap',
      startsAt: createdAt,
      requestedBy: team[0] ?? null,
      status: 'done',
      createdAt,
      arrivedAt: claimedAt + 15 * MINUTE,
      arrivedBy: carer,
      doneAt: claimedAt + 35 * MINUTE,
      doneBy: carer,
    })
    .returning({ id: visits.id })
    .get();
  db.insert(visitClients)
    .values({ visitId: row.id, clientId: (client as { id: number }).id, position: 0 })
    .run();
  db.insert(visitCarers).values({ visitId: row.id, userId: carer, claimedAt }).run();
  db.insert(visitEvents)
    .values({ visitId: row.id, at: createdAt, actor: team[0] ?? null, action: 'requested' })
    .run();
  db.insert(visitEvents).values({ visitId: row.id, at: claimedAt, actor: carer, action: 'claim' }).run();
  return 1;
}

function seedMedicationIssue(
  db: Db,
  patchId: number,
  date: string,
  ackAfter: number,
  raisedBy: string | null,
): void {
  const raisedAt = localInstant(date, '14:10', providerSettings(db).timezone);
  db.insert(escalations)
    .values({
      kind: 'medication',
      patchId,
      what: 'missed_dose',
      urgency: 'today',
      raisedBy,
      raisedAt,
      source: 'command',
      status: 'resolved',
      ackedAt: raisedAt + ackAfter * MINUTE,
      resolvedAt: raisedAt + (ackAfter + 20) * MINUTE,
      outcome: 'late_dose',
    })
    .run();
}

/** The rest of the demo's week and the week before, as history in the demo's database. */
function seedHistory(db: Db, patchId: number, today: string, now: number): Seeded {
  const team = assistantsOf(db, patchId);
  const week = isoWeekOf(today);
  const seeded: Seeded = { visits: 0, popbacks: 0, medication: 0 };
  const days = (monday: string) => Array.from({ length: 7 }, (_, i) => addDays(monday, i));
  for (const date of [...days(mondayOf(addWeeks(week, -1))), ...days(mondayOf(week))]) {
    if (date < today) {
      // The week before (and any day of this week before the demo's): history entirely.
      seeded.visits += seedDay(db, patchId, date, team, Number.NEGATIVE_INFINITY);
    } else {
      // The demo's day after its last scene, and the days after it.
      seeded.visits += seedDay(db, patchId, date, team, date === today ? now : Number.NEGATIVE_INFINITY);
    }
    if (date !== today) seeded.popbacks += seedPopback(db, patchId, date, team);
  }
  seedMedicationIssue(db, patchId, addDays(mondayOf(week), -4), 11, team[0] ?? null);
  seedMedicationIssue(db, patchId, addDays(mondayOf(week), 4), 4, team[1] ?? team[0] ?? null);
  seeded.medication = 2;
  return seeded;
}

export async function reportScene(ctx: ReportSceneContext): Promise<void> {
  const { bot, clock, fake, names, io } = ctx;
  const db = bot.db;
  const zone = providerSettings(db).timezone;
  const patch = ctx.patchChannel ? findPatchByChannel(db, ctx.patchChannel) : activePatches(db)[0];
  const channel = providerSettings(db).supervisorsChannel;
  if (!patch || !channel) throw new Error('the report scene needs a patch and a supervisors channel');
  const today = localDate(clock.now(), zone);
  const week = isoWeekOf(today);

  const seeded = seedHistory(db, patch.id, today, clock.now());
  const previous = addWeeks(week, -1);
  io.out(
    `\n── seeded history, not from the scenes above ${'─'.repeat(32)}\n` +
      `The demo runs one day. For the weekly report, the rest of week ${week.week} (after ${dayjs(clock.now()).tz(zone).format('HH:mm')} on ` +
      `${dayjs.utc(today).format('ddd D MMM')}) and week ${previous.week} (${weekInWords(previous)}) are written straight into ` +
      `the demo's database: ${seeded.visits} fixed visits from ${patch.name}'s plans with made-up outcomes, ` +
      `${seeded.popbacks} pop-backs and ${seeded.medication} medication issues. Today's visits are as the scenes left them.`,
  );

  // Monday 09:00 after the week: the report job (alone, see above) makes the report due; the deliverer
  // posts it. Run once first at the demo's time, as the scheduler's ticks did all day, so it knows when.
  const job = reportJob(bot.deps);
  await job.run(clock.now());
  clock.set(reportTimeOf(week, zone));
  await job.run(clock.now());
  bot.deliverer.kick();
  await ctx.settle();

  const subject = reportSubject(week);
  const parent = fake.messages(channel).find((m) => m.metadata?.event_payload.subject === subject);
  if (!parent) throw new Error(`the ${weekLabel(week)} report was not posted`);
  const head = `${dayjs(clock.now()).tz(zone).format('ddd D MMM HH:mm')} · the weekly quality report for week ${week.week} is posted in #${names.channels[channel] ?? channel}`;
  io.out(`\n── ${head} ${'─'.repeat(Math.max(0, 76 - head.length))}`);
  io.out(`#${names.channels[channel] ?? channel}`);
  // Slack shows a code block without its fences.
  const print = (m: FakeMessage, indent: string) => {
    for (const line of renderBlocks(m.blocks, m.text, names)) if (line !== '```') io.out(`${indent}${line}`);
  };
  print(parent, '  │ ');
  for (const reply of fake.replies(channel, parent.ts)) {
    io.out('  │');
    print(reply, '  │    ↳ ');
  }
  io.out(
    `\nThe same figures as text or CSV: npx patchbot report --week ${weekLabel(week)} [--format csv]. ` +
      'Each figure is defined in docs/report.md.',
  );
}
