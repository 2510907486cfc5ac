import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isNull } from 'drizzle-orm';
import { type Db, openDb } from '../../db/index.ts';
import { signoffs, tasks as tasksTable } from '../../db/schema.ts';
import { createLog } from '../../src/log.ts';
import { createPatchbot, importRosterWithVisits } from '../../src/main.ts';
import { parseRoster } from '../../src/patches/roster.ts';
import { assistantsOf, findPatchByChannel, providerSettings } from '../../src/patches/store.ts';
import { backlog } from '../../src/slack/outbox.ts';
import { addDays, dayjs, localInstant, localTime, ManualClock, MINUTE } from '../../src/time.ts';
import { fixedVisitsOn, type RotaRow } from '../../src/visits/store.ts';
import { testConfig } from '../support/config.ts';
import { type FakeMessage, FakeSlack, startFakeSlackServer } from '../support/slack/fake-slack.ts';
import { fillView, SlackDriver } from '../support/slack/signed.ts';
import { type Names, plain, renderBlocks, renderModal } from './transcript.ts';

/**
 * The cover scene: an assistant calls in sick at 06:40 with `/cover` for the rest of the day; a
 * colleague takes two of the visits from the card; one stays uncovered and reaches the supervisors at
 * its lead time (08:00 for a 09:00 visit, with the default 60 minutes); a supervisor gives it to the
 * colleague from the escalation. Printed as the patch channel, the supervisors' channel and the sick
 * assistant's messages show it. Everything printed is what the Slack stand-in recorded.
 *
 * `coverScene(ctx)` plays it on any running bot (the integrator's `npm run demo`); `runCoverDemo(io)`
 * builds one of its own, with the example roster's patch that has a 09:00 visit.
 */

export interface CoverSceneContext {
  db: Db;
  clock: ManualClock;
  fake: FakeSlack;
  slack: SlackDriver;
  names: Names;
  io: { out: (s: string) => void };
  /** Waits until every request is handled and everything due is delivered. */
  settle(): Promise<void>;
  /** Moves the clock, runs the jobs once, settles. */
  tickAt(ms: number): Promise<void>;
  /** The patch channel the scene plays in, and the supervisors' channel. */
  patchChannel: string;
  supervisorsChannel: string;
  /** The supervisor who assigns the uncovered visit (the one on call at 08:00, say). */
  supervisor: string;
  /** The local date it plays on: the clock is set to 06:40 that day. */
  date: string;
}

const NOTE = 'Temperature of 39 and sick since 4am. Sorry, everyone.';

/** The sick carer: whoever has a 09:00 visit that day, with at least two more visits after 07:00. */
function cast(rows: RotaRow[], zone: string) {
  const after7 = rows.filter((r) => r.visit.assignee && localTime(r.visit.startsAt ?? 0, zone) >= '07:00');
  const nine = after7.find((r) => localTime(r.visit.startsAt ?? 0, zone) === '09:00');
  const sick = nine?.visit.assignee;
  if (!nine || !sick) throw new Error('the cover scene needs a 09:00 visit with a key worker');
  const taken = after7.filter((r) => r.visit.assignee === sick && r.visit.id !== nine.visit.id).slice(0, 2);
  if (taken.length < 2) throw new Error('the cover scene needs the 09:00 carer to have two more visits');
  return { sick, uncovered: nine, taken };
}

export async function coverScene(ctx: CoverSceneContext): Promise<void> {
  const { db, clock, fake, slack, names, io, settle, tickAt } = ctx;
  const zone = providerSettings(db).timezone;
  const patch = findPatchByChannel(db, ctx.patchChannel);
  if (!patch) throw new Error('the cover scene’s patch is not imported');
  const hhmm = (ms = clock.now()) => localTime(ms, zone);
  const who = (u: string) => `@${names.users[u] ?? u}`;
  const { sick, uncovered, taken } = cast(fixedVisitsOn(db, patch.id, ctx.date), zone);
  const colleague = assistantsOf(db, patch.id).find((u) => u !== sick);
  if (!colleague) throw new Error('the cover scene needs a second assistant');
  const label = (r: RotaRow) => `${hhmm(r.visit.startsAt ?? 0)} ${r.clientName}`;
  const say = (title: string) => {
    const head = `${hhmm()} · ${title}`;
    io.out(`\n── ${head} ${'─'.repeat(Math.max(0, 76 - head.length))}`);
  };
  const print = (channel: string, label: string, pick: (m: FakeMessage) => boolean = () => true) => {
    const shown = fake.messages(channel).filter(pick);
    if (shown.length === 0) return;
    io.out(label);
    for (const m of shown) {
      for (const l of renderBlocks(m.blocks, m.text, names)) io.out(`  │ ${l}`);
      for (const r of fake.replies(channel, m.ts))
        for (const l of renderBlocks(r.blocks, r.text, names)) io.out(`  │    ↳ ${l}`);
      if (m.edits > 0) io.out('  │   (edited)');
      io.out('  │');
    }
  };
  const subject = (m: FakeMessage) => String(m.metadata?.event_payload.subject ?? '');
  const isCard = (m: FakeMessage) => subject(m).startsWith('cover:');
  const isUncovered = (m: FakeMessage) =>
    /^esc:\d+$/.test(subject(m)) && m.text.startsWith('Uncovered visit');
  const card = () => {
    const found = fake.messages(ctx.patchChannel).find(isCard);
    if (!found) throw new Error('no cover card was posted');
    return structuredClone(found);
  };
  let privately = fake.responses.length;
  const privateAnswers = () => {
    for (const r of fake.responses.slice(privately))
      io.out(`  (only the person who pressed sees) ${plain(String(r.body.text ?? ''), names)}`);
    privately = fake.responses.length;
  };
  const channelName = `#${names.channels[ctx.patchChannel] ?? ctx.patchChannel}`;
  const supervisorsName = `#${names.channels[ctx.supervisorsChannel] ?? ctx.supervisorsChannel}`;

  // Set-up: the colleague is signed off for every delegated task (docs/competence.md), so the visits
  // that need one can be theirs too.
  const tasks = db
    .select({ code: tasksTable.code })
    .from(tasksTable)
    .where(isNull(tasksTable.archivedAt))
    .all();
  for (const t of tasks) {
    db.insert(signoffs)
      .values({
        userId: colleague,
        taskCode: t.code,
        signedBy: ctx.supervisor,
        signedAt: clock.now(),
        expiresOn: addDays(ctx.date, 365),
      })
      .run();
  }
  if (tasks.length > 0)
    io.out(`
(set-up: ${who(colleague)} is signed off for every delegated task until ${addDays(ctx.date, 365)})`);

  // ---- 06:40: the call in sick ----
  clock.set(localInstant(ctx.date, '06:40', zone));
  await slack.command({ command: '/cover', channel_id: ctx.patchChannel, user_id: sick });
  await settle();
  const form = fake.views.at(-1);
  if (form?.view.callback_id !== 'cover_submit') throw new Error('the /cover form did not open');
  io.out(
    `\n${hhmm()} · ${who(sick)} wakes up ill and types "/cover": the form opens, from now to the end of today.`,
  );
  for (const l of renderModal(form.view, names)) io.out(`  ┆ ${l}`);
  const res = await slack.submitView({
    user: sick,
    view: fillView({ ...form.view, id: form.id }, { note: NOTE }),
  });
  await settle();
  const posted = (res.json() as { view?: Record<string, unknown> } | undefined)?.view;
  if (!posted) throw new Error(`the cover request was refused: ${res.body}`);
  say(`${who(sick)} writes a note for the supervisors and presses Post`);
  for (const l of renderModal(posted, names)) io.out(`  ┆ ${l}`);
  print(ctx.patchChannel, channelName, isCard);

  // ---- a colleague takes two visits from the card ----
  for (const [i, r] of taken.entries()) {
    clock.set(localInstant(ctx.date, '06:52', zone) + i * MINUTE);
    const m = card();
    const line = m.blocks.find(
      (b) =>
        String(b.block_id ?? '').startsWith('cover-item:') &&
        JSON.stringify(b).includes(r.clientName) &&
        JSON.stringify(b).includes(`*${hhmm(r.visit.startsAt ?? 0)}*`),
    );
    await slack.action({
      user: colleague,
      channel: ctx.patchChannel,
      actionId: 'cover_take',
      blockId: String(line?.block_id),
      message: m,
    });
    await settle();
  }
  say(`${who(colleague)} presses I'll take it on ${taken.map(label).join(' and ')}`);
  print(ctx.patchChannel, channelName, isCard);
  print(sick, `direct message to ${who(sick)}`);
  privateAnswers();

  // ---- nobody takes the 09:00: at 08:00 it goes to the supervisors ----
  await tickAt(localInstant(ctx.date, '07:59', zone));
  say(`${label(uncovered)} is still open; nothing has gone to the supervisors yet`);
  io.out(
    `  ${supervisorsName}: ${fake.messages(ctx.supervisorsChannel).filter(isUncovered).length} uncovered-visit messages`,
  );
  await tickAt(localInstant(ctx.date, '08:00', zone));
  say(`${label(uncovered)} is still not covered an hour before it starts: it goes to the supervisors`);
  print(ctx.supervisorsChannel, supervisorsName, isUncovered);
  print(ctx.patchChannel, channelName, isCard);

  // ---- a supervisor gives it to the colleague from the escalation ----
  clock.set(localInstant(ctx.date, '08:04', zone));
  const parent = fake.messages(ctx.supervisorsChannel).find(isUncovered);
  if (!parent) throw new Error('the uncovered visit did not reach the supervisors');
  await slack.action({
    user: ctx.supervisor,
    channel: ctx.supervisorsChannel,
    actionId: 'esc_assign',
    message: structuredClone(parent),
  });
  await settle();
  const assign = fake.views.at(-1);
  if (assign?.view.callback_id !== 'cover_assign_submit') throw new Error('the Assign… form did not open');
  io.out(`\n${hhmm()} · ${who(ctx.supervisor)} presses Assign… on it: the form opens with the visit chosen.`);
  for (const l of renderModal(assign.view, names)) io.out(`  ┆ ${l}`);
  await slack.submitView({
    user: ctx.supervisor,
    view: fillView({ ...assign.view, id: assign.id }, { person: colleague }),
  });
  await settle();
  say(`${who(ctx.supervisor)} chooses ${who(colleague)} and presses Assign`);
  print(ctx.supervisorsChannel, supervisorsName, isUncovered);
  print(ctx.patchChannel, channelName, isCard);
  print(sick, `direct message to ${who(sick)}`);
  privateAnswers();
  const m = fake.messages(ctx.patchChannel).find(isCard);
  io.out(
    `\nThe cover card is one message, updated in place ${m?.edits ?? 0} times; ${who(sick)}'s note went only to ${supervisorsName}.`,
  );
}

const SECRET = 'demo-signing-secret';
const ROSTER = join(import.meta.dirname, '..', '..', 'docs', 'roster.example.yml');
const SUPERVISOR_NAMES = ['sam', 'priya', 'tom', 'uma'];
const FIRST_NAMES = ['carol', 'dave', 'erin', 'frank'];

/**
 * The scene on a bot of its own: the example roster's patch that has a 09:00 visit (and only that
 * patch, so no other patch's visits crowd the supervisors' channel), on Monday 23 November 2026.
 */
export async function runCoverDemo(io: {
  out: (s: string) => void;
  err: (s: string) => void;
}): Promise<number> {
  const date = '2026-11-23';
  const clock = new ManualClock(Date.parse(`${date}T06:30:00Z`));
  const fake = new FakeSlack({ clock: () => clock.now() });
  const server = startFakeSlackServer(fake);
  const db = openDb(':memory:');
  try {
    const parsed = parseRoster(readFileSync(ROSTER, 'utf8'));
    if (!parsed.ok) throw new Error(parsed.errors.join('\n'));
    const roster = parsed.roster;
    const patch = roster.patches.find((p) =>
      p.clients.some((c) => c.keyWorker !== null && c.visits.some((v) => v.at === '09:00')),
    );
    if (!patch) throw new Error('the example roster has no 09:00 visit with a key worker');
    importRosterWithVisits(db, { ...roster, patches: [patch] }, clock.now());
    const bot = createPatchbot(
      testConfig({ slackBotToken: 'xoxb-demo', slackSigningSecret: SECRET, slackApiUrl: fake.apiUrl }),
      { db, clock, log: createLog('error', (l) => io.err(l)), delivery: { postGapMs: 0 }, schedule: false },
    );
    const { port } = await bot.start();
    try {
      const settle = async () => {
        for (let i = 0; i < 50; i++) {
          await bot.slack.settled();
          await bot.deliverer.idle();
          if (backlog(db) === 0) return;
          bot.deliverer.kick();
          await new Promise((r) => setImmediate(r));
        }
      };
      const zone = providerSettings(db).timezone;
      const names: Names = {
        users: {
          ...Object.fromEntries(
            roster.supervisors.members.map((u, i) => [u, SUPERVISOR_NAMES[i] ?? `supervisor${i + 1}`]),
          ),
          ...Object.fromEntries(patch.assistants.map((u, i) => [u, FIRST_NAMES[i] ?? `assistant${i + 1}`])),
        },
        channels: { [patch.channel]: patch.code.toLowerCase(), [roster.supervisors.channel]: 'supervisors' },
        zone,
      };
      const onCallAtEight = roster.supervisors.members[0] as string;
      io.out(
        `patchbot cover scene: patch ${patch.code} "${patch.name}", ${dayjs(clock.now()).tz(zone).format('dddd D MMMM YYYY')}, ${zone} time.`,
      );
      await coverScene({
        db,
        clock,
        fake,
        slack: new SlackDriver({ url: `http://127.0.0.1:${port}/slack/events`, signingSecret: SECRET }),
        names,
        io,
        settle,
        async tickAt(ms) {
          clock.set(ms);
          await bot.scheduler.tick();
          await settle();
        },
        patchChannel: patch.channel,
        supervisorsChannel: roster.supervisors.channel,
        supervisor: onCallAtEight,
        date,
      });
      fake.assertClean();
      return 0;
    } finally {
      await bot.stop();
    }
  } finally {
    server.close();
    db.$client.close();
  }
}
