import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { openDb } from '../../db/index.ts';
import { getEscalation } from '../../src/escalation/store.ts';
import { createLog } from '../../src/log.ts';
import { createPatchbot, importRosterWithVisits } from '../../src/main.ts';
import { visitThresholds } from '../../src/patches/model.ts';
import { parseRoster } from '../../src/patches/roster.ts';
import { activePlans, findPatchByChannel, providerSettings } from '../../src/patches/store.ts';
import { backlog } from '../../src/slack/outbox.ts';
import { dayjs, localDate, localInstant, localTime, ManualClock, MINUTE } from '../../src/time.ts';
import { fixedVisitsOn, type RotaRow } from '../../src/visits/store.ts';
import { testConfig } from '../support/config.ts';
import { type FakeMessage, FakeSlack, startFakeSlackServer } from '../support/slack/fake-slack.ts';
import { type Answers, fillView, SlackDriver } from '../support/slack/signed.ts';
import { adminScene } from './admin.ts';
import { competenceScene } from './competence.ts';
import { runCoverDemo } from './cover.ts';
import { homeScene } from './home.ts';
import { reportScene } from './report.ts';
import { type Names, plain, renderBlocks, renderModal } from './transcript.ts';

/**
 * `npm run demo`: the real app, its real HTTP receiver and signed requests, against the same local
 * stand-in for Slack's Web API the tests use. A scripted patch day, printed as each channel would show it:
 * the morning rota, a visit checked in from it, a visit nobody checks in for (late, then missed), a
 * pop-back claimed by two people at once, and in the afternoon a medication issue that nobody
 * acknowledges at first, so it escalates, until a supervisor takes it and resolves it. Everything
 * printed is what the stand-in recorded.
 */

const SECRET = 'demo-signing-secret';
const ROSTER = join(import.meta.dirname, '..', '..', 'docs', 'roster.example.yml');
/** A Monday in November: London is on GMT, so local time and UTC agree. */
const START = '2026-11-23T06:55:00Z';
/** The pop-back scene, unless the morning runs later. */
const POPBACK_AT = '2026-11-23T10:00:00Z';
/** The medication issue, unless the midday visits run later. */
const AFTERNOON_AT = '2026-11-23T14:00:00Z';
/** How long the afternoon's scene runs from the issue being raised: visits in it are done beforehand. */
const AFTERNOON_SPAN = 60 * MINUTE;
const FIRST_NAMES = ['alice', 'bob', 'carol', 'dave', 'erin', 'frank', 'grace', 'harry'];
const SUPERVISOR_NAMES = ['sam', 'priya', 'tom', 'uma', 'vic', 'wendy'];

export type DemoIo = { out: (s: string) => void; err: (s: string) => void };

/** One step of the morning, at a local instant. */
interface Step {
  at: number;
  title: string;
  act?: () => Promise<void>;
}

export async function runDemo(io: DemoIo): Promise<number> {
  const clock = new ManualClock(Date.parse(START));
  // The stand-in's message ts follow the demo's clock, as Slack's follow the real one.
  const fake = new FakeSlack({ clock: () => clock.now() });
  const server = startFakeSlackServer(fake);
  const db = openDb(':memory:');
  const parsed = parseRoster(readFileSync(ROSTER, 'utf8'));
  if (!parsed.ok) {
    io.err(`demo roster is invalid:\n${parsed.errors.join('\n')}`);
    server.close();
    db.$client.close();
    return 1;
  }
  const roster = parsed.roster;
  const patch = roster.patches[0];
  if (!patch || patch.assistants.length < 2 || !patch.clients[0]) {
    io.err('demo roster needs a first patch with two assistants and a client');
    server.close();
    db.$client.close();
    return 1;
  }
  // One patch's day: the other patches' visits would go unattended and crowd the supervisors' channel.
  importRosterWithVisits(db, { ...roster, patches: [patch] }, clock.now());
  const [alice, bob] = patch.assistants as [string, string];
  const client = patch.clients[0];
  const supervisors = roster.supervisors.channel;
  const names: Names = {
    users: {
      ...Object.fromEntries(roster.admins.map((u, i) => [u, `admin${i + 1}`])),
      ...Object.fromEntries(
        roster.supervisors.members.map((u, i) => [u, SUPERVISOR_NAMES[i] ?? `supervisor${i + 1}`]),
      ),
      ...Object.fromEntries(patch.assistants.map((u, i) => [u, FIRST_NAMES[i] ?? `assistant${i + 1}`])),
    },
    channels: { [patch.channel]: patch.code.toLowerCase(), [supervisors]: 'supervisors' },
  };
  const who = (user: string) => `@${names.users[user] ?? user}`;
  const part = (title: string) => io.out(partHeading(title));
  const bot = createPatchbot(
    testConfig({ slackBotToken: 'xoxb-demo', slackSigningSecret: SECRET, slackApiUrl: fake.apiUrl }),
    {
      db,
      clock,
      log: createLog('error', (l) => io.err(l)),
      delivery: { postGapMs: 0 },
      // The demo moves the clock and runs the jobs itself.
      schedule: false,
    },
  );
  const { port } = await bot.start();
  const slack = new SlackDriver({ url: `http://127.0.0.1:${port}/slack/events`, signingSecret: SECRET });
  /**
   * Waits until every request is handled and everything due is delivered. A kick that lands just as a
   * delivery run ends can wait for the next poll (seconds of real time), so kick again while rows are due.
   */
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
  const hhmm = (ms = clock.now()) => localTime(ms, zone);
  const tickAt = async (ms: number) => {
    clock.set(ms);
    await bot.scheduler.tick();
    await settle();
  };

  // ---- printing: only what the stand-in recorded ----
  const shown = new Map<string, string[]>();
  let shownEphemerals = 0;
  let shownResponses = 0;
  const dmChannels = () => Object.keys(names.users).filter((u) => fake.messages(u).length > 0);
  /**
   * A message as printed: new in full; updated with its changed lines (long runs of unchanged lines
   * folded) and Slack's "(edited)"; unchanged as one line.
   */
  const printMessage = (m: FakeMessage, indent: string, out: string[]): boolean => {
    const body = renderBlocks(m.blocks, m.text, names);
    const key = `${m.channel}/${m.ts}`;
    const before = shown.get(key);
    shown.set(key, body);
    if (before && before.join('\n') === body.join('\n')) {
      out.push(`${indent}┄ unchanged: ${plain(m.text, names).split('\n')[0]}`);
      return false;
    }
    for (const line of before ? changedLines(before, body) : body) out.push(`${indent}${line}`);
    if (m.edits > 0) out.push(`${indent}  (edited)`);
    return true;
  };
  const printChannel = (channel: string, label: string) => {
    const out: string[] = [];
    let changed = false;
    for (const m of fake.messages(channel)) {
      changed = printMessage(m, '  │ ', out) || changed;
      for (const reply of fake.replies(channel, m.ts)) {
        changed = printMessage(reply, '  │    ↳ ', out) || changed;
      }
      out.push('  │');
    }
    if (!changed) return;
    io.out(label);
    for (const line of out) io.out(line);
  };
  /** A message and its thread in full, as they stand: no changed-lines folding. */
  const printInFull = (m: FakeMessage) => {
    for (const l of renderBlocks(m.blocks, m.text, names)) io.out(`  │ ${l}`);
    for (const reply of fake.replies(m.channel, m.ts))
      for (const l of renderBlocks(reply.blocks, reply.text, names)) io.out(`  │    ↳ ${l}`);
  };
  /** The modal the app opened last, checked to be the one expected, printed as the person sees it. */
  const openedModal = (callbackId: string, intro: string) => {
    const opened = fake.views.at(-1);
    if (opened?.view.callback_id !== callbackId) throw new Error(`the ${callbackId} modal did not open`);
    io.out(`\n${hhmm()} · ${intro}`);
    for (const l of renderModal(opened.view, names)) io.out(`  ┆ ${l}`);
    return { ...opened.view, id: opened.id };
  };
  const submit = async (user: string, view: Record<string, unknown>, answers: Answers) => {
    const res = await slack.submitView({ user, view: fillView(view, answers) });
    if (res.body) throw new Error(`the form was refused: ${res.body}`);
    await settle();
  };
  const show = (title: string) => {
    const head = `${hhmm()} · ${title}`;
    io.out(`\n── ${head} ${'─'.repeat(Math.max(0, 76 - head.length))}`);
    printChannel(patch.channel, `#${names.channels[patch.channel]}`);
    printChannel(supervisors, `#${names.channels[supervisors]}`);
    for (const user of dmChannels()) printChannel(user, `direct message to ${who(user)}`);
    const privately = [
      ...fake.ephemerals.slice(shownEphemerals).map((e) => ({ to: e.user, text: e.text })),
      ...fake.responses.slice(shownResponses).map((r) => ({ to: '', text: String(r.body.text ?? '') })),
    ];
    for (const p of privately)
      io.out(`  (only ${p.to ? who(p.to) : 'the person who pressed'} sees) ${plain(p.text, names)}`);
    shownEphemerals = fake.ephemerals.length;
    shownResponses = fake.responses.length;
  };

  // ---- finding what to press, in the messages as Slack holds them ----
  const bySubject = (channel: string, subject: string) =>
    fake.messages(channel).find((m) => m.metadata?.event_payload.subject === subject);
  const withVisit = (visitId: number) =>
    fake
      .messages(patch.channel)
      .find((m) => m.blocks.some((b) => b.block_id === `visit:${visitId}` && b.accessory));
  const fromDigest = async (user: string, visitId: number, label: string) => {
    const digest = withVisit(visitId);
    const line = digest?.blocks.find((b) => b.block_id === `visit:${visitId}`);
    const options = (line?.accessory as { options?: Array<{ text: { text: string }; value: string }> })
      ?.options;
    const option = options?.find((o) => o.text.text === label);
    if (!digest || !option) throw new Error(`the rota has no "${label}" for visit ${visitId}`);
    await slack.action({
      user,
      channel: patch.channel,
      actionId: 'rota_visit',
      blockId: `visit:${visitId}`,
      value: option.value,
      message: structuredClone(digest),
    });
    await settle();
  };
  const onAlert = async (user: string, visitId: number, actionId: string) => {
    const alert = bySubject(patch.channel, `alert:${visitId}`);
    if (!alert) throw new Error(`no alert for visit ${visitId}`);
    await slack.action({ user, channel: patch.channel, actionId, message: structuredClone(alert) });
    await settle();
  };

  try {
    io.out(
      `patchbot demo: patch ${patch.code} "${patch.name}" (the roster's first patch), assistants ` +
        `${patch.assistants.map(who).join(' and ')}, supervisors ${roster.supervisors.members.map(who).join(' and ')}, ` +
        `${dayjs(clock.now()).tz(zone).format('dddd D MMMM YYYY')}, ` +
        `${zone} time. The clock starts at ${hhmm()} and is moved by hand.`,
    );

    // ---- the morning: the rota, a visit checked in from it, a visit nobody checks in for ----
    const patchRow = findPatchByChannel(db, patch.channel);
    if (!patchRow) throw new Error('the first patch was not imported');
    const today = localDate(clock.now(), zone);
    await tickAt(Math.max(clock.now(), localInstant(today, patchRow.digestAt, zone)));
    show(`the day's rota is posted in #${names.channels[patch.channel]}`);

    const plans = new Map(activePlans(db, { patchId: patchRow.id }).map((p) => [p.id, p]));
    const thresholdsOf = (r: RotaRow) =>
      visitThresholds(
        [
          providerSettings(db).thresholds,
          patchRow.thresholds,
          plans.get(r.visit.planId ?? 0)?.thresholds ?? {},
        ],
        { minutes: r.visit.minutes ?? 0, timeCritical: r.visit.timeCritical },
      );
    const visits = fixedVisitsOn(db, patchRow.id, today).filter(
      (r) => r.visit.status === 'open' && (r.visit.startsAt ?? 0) > clock.now(),
    );
    const [first, ...rest] = visits;
    // The visit nobody checks in for: the next one that is late before it is missed, if any.
    const second = rest.find((r) => thresholdsOf(r).lateMinutes < thresholdsOf(r).missedMinutes) ?? rest[0];
    if (!first || !second) throw new Error(`the first patch needs two visits on ${today}`);
    const startOf = (r: RotaRow) => r.visit.startsAt ?? 0;
    const line = (r: RotaRow) => `the ${hhmm(startOf(r))} visit to ${r.clientName}`;
    const firstCarer = first.visit.assignee ?? alice;
    const secondCarer = second.visit.assignee ?? bob;
    const t2 = thresholdsOf(second);
    const lateFirst = t2.lateMinutes < t2.missedMinutes;
    const firstArrives =
      startOf(first) + Math.max(0, Math.min(2, thresholdsOf(first).lateMinutes - 1)) * MINUTE;
    const steps: Step[] = [
      {
        at: firstArrives,
        title: `${who(firstCarer)} marks ${line(first)} Arrived from the rota's menu`,
        act: () => fromDigest(firstCarer, first.visit.id, 'Arrived'),
      },
      {
        at: startOf(first) + (first.visit.minutes ?? 0) * MINUTE,
        title: `${who(firstCarer)} marks ${line(first)} Done`,
        act: () => fromDigest(firstCarer, first.visit.id, 'Done'),
      },
      ...(lateFirst
        ? [
            {
              at: startOf(second) + t2.lateMinutes * MINUTE,
              title: `nobody has checked in for ${line(second)}: it is late`,
            },
            {
              at: startOf(second) + (t2.lateMinutes + 2) * MINUTE,
              title: `${who(secondCarer)} presses "I'm on my way" on the alert`,
              act: () => onAlert(secondCarer, second.visit.id, 'alert_onway'),
            },
          ]
        : []),
      {
        at: startOf(second) + t2.missedMinutes * MINUTE,
        title: lateFirst
          ? 'still nobody there: the same alert turns to missed; the supervisors are told'
          : `nobody has checked in for ${line(second)}: it is missed; the supervisors are told`,
      },
      {
        at: startOf(second) + (t2.missedMinutes + 6) * MINUTE,
        title: `${who(secondCarer)} gets there and presses Arrived on the alert`,
        act: () => onAlert(secondCarer, second.visit.id, 'alert_arrived'),
      },
    ];
    steps.sort((a, b) => a.at - b.at);
    for (const step of steps) {
      await tickAt(step.at);
      await step.act?.();
      show(step.title);
    }

    // ---- late morning: a pop-back, claimed by two people in the same instant ----
    const popbackAt = Math.max(Date.parse(POPBACK_AT), clock.now() + 30 * MINUTE);
    clock.set(popbackAt);
    await slack.command({
      command: '/popback',
      text: client.name,
      channel_id: patch.channel,
      user_id: alice,
    });
    await settle();
    const opened = fake.views.at(-1);
    if (!opened) throw new Error('the /popback modal did not open');
    io.out(
      `\n${hhmm()} · ${who(alice)} types "/popback ${client.name}": the request form opens with ${client.name} chosen.`,
    );
    const view = fillView(
      { ...opened.view, id: opened.id },
      { reason: 'Phoned: her hearing aid is whistling', soon: 'hour' },
    );
    await slack.submitView({ user: alice, view });
    await settle();
    show(`${who(alice)} posts the request`);

    const posted = fake
      .messages(patch.channel)
      .find((m) => String(m.metadata?.event_payload.subject ?? '').startsWith('popback:'));
    if (!posted) throw new Error('no request card was posted');
    const snapshot = structuredClone(posted);
    clock.advance(3 * MINUTE);
    await Promise.all([
      slack.action({ user: bob, channel: patch.channel, actionId: 'popback_claim', message: snapshot }),
      slack.action({ user: alice, channel: patch.channel, actionId: 'popback_claim', message: snapshot }),
    ]);
    await settle();
    show(`${who(bob)} and ${who(alice)} press Claim in the same instant`);

    const claimer = /Claimed\* by <@(\w+)>/.exec(JSON.stringify(posted.blocks))?.[1] ?? bob;
    clock.advance(17 * MINUTE);
    await slack.action({
      user: claimer,
      channel: patch.channel,
      actionId: 'popback_arrived',
      message: structuredClone(posted),
    });
    await settle();
    show(`${who(claimer)} arrives`);

    clock.advance(25 * MINUTE);
    await slack.action({
      user: claimer,
      channel: patch.channel,
      actionId: 'popback_done',
      message: structuredClone(posted),
    });
    await settle();
    show(`${who(claimer)} is done`);

    io.out(`\nThe request card is one message, updated in place ${posted.edits} times.`);

    // ---- midday: the visits before and during the afternoon's scene are done, so none of them alerts ----
    let afternoonAt = Math.max(Date.parse(AFTERNOON_AT), clock.now() + 30 * MINUTE);
    const visited = new Set<number>();
    for (let guard = 0; guard < 20; guard++) {
      const next = fixedVisitsOn(db, patchRow.id, today).find(
        (r) =>
          !visited.has(r.visit.id) &&
          r.visit.status === 'open' &&
          r.visit.arrivedAt === null &&
          startOf(r) > clock.now() &&
          startOf(r) < afternoonAt + AFTERNOON_SPAN,
      );
      if (!next) break;
      visited.add(next.visit.id);
      const carer = next.visit.assignee ?? alice;
      const arrives = startOf(next) + Math.max(0, Math.min(1, thresholdsOf(next).lateMinutes - 1)) * MINUTE;
      await tickAt(arrives);
      await fromDigest(carer, next.visit.id, 'Arrived');
      await tickAt(startOf(next) + (next.visit.minutes ?? 0) * MINUTE);
      await fromDigest(carer, next.visit.id, 'Done');
      show(`${who(carer)} marks ${line(next)} Arrived at ${hhmm(arrives)}, then Done, from the rota`);
      afternoonAt = Math.max(Date.parse(AFTERNOON_AT), clock.now() + 30 * MINUTE);
    }

    // ---- the afternoon: a refused time-critical dose, raised with /medissue, escalated, taken, resolved ----
    await tickAt(afternoonAt);
    const raiser = alice;
    await slack.command({
      command: '/medissue',
      text: client.name,
      channel_id: patch.channel,
      user_id: raiser,
    });
    await settle();
    const issueForm = openedModal(
      'medissue_submit',
      `${who(raiser)} types "/medissue ${client.name}": the Medication issue form opens with ${client.name} chosen.`,
    );
    await submit(raiser, issueForm, {
      what: 'refused',
      time_critical: 'yes',
      urgency: 'now',
      note: `Rang to prompt her ${hhmm()} tablets: she refused them, says she feels sick.`,
    });
    const issue = fake
      .messages(supervisors)
      .filter((m) => /^esc:\d+$/.test(String(m.metadata?.event_payload.subject ?? '')))
      .at(-1);
    if (!issue?.text.includes('Medication issue')) throw new Error('no medication issue was posted');
    const escId = Number(String(issue.metadata?.event_payload.subject).split(':')[1]);
    const patchNote = bySubject(patch.channel, `escpatch:${escId}`);
    if (!patchNote) throw new Error('the patch channel was not told of the medication issue');
    show(`${who(raiser)} chooses Refused, time-critical, Now, writes a short note and presses Escalate`);

    // Nobody acknowledges: the first step's wait runs out and the next scheduler tick calls everyone.
    const raised = getEscalation(db, escId);
    if (!raised?.nextAt) throw new Error('the medication issue has no next step');
    const waited = Math.round((raised.nextAt - raised.raisedAt) / MINUTE);
    await tickAt(raised.nextAt + MINUTE);
    show(`nobody has acknowledged it in ${waited} minutes: the chain calls all the supervisors`);

    // One who was not on call takes it (the on-call supervisor if there is nobody else).
    const onCall = /On call now: <@(\w+)>/.exec(JSON.stringify(issue.blocks))?.[1];
    const owner =
      roster.supervisors.members.find((u) => u !== onCall) ?? onCall ?? roster.supervisors.members[0];
    if (!owner) throw new Error('the demo roster has no supervisors');
    clock.advance(2 * MINUTE);
    await slack.action({
      user: owner,
      channel: supervisors,
      actionId: 'esc_acknowledge',
      message: structuredClone(issue),
    });
    await settle();
    show(`${who(owner)} presses Acknowledge and owns it`);

    // Resolved before the owner's reminder is due; the scheduler ticks on meanwhile.
    const acked = getEscalation(db, escId);
    const ackedAt = acked?.ackedAt ?? clock.now();
    const remindAt = acked?.nextAt ?? ackedAt + 30 * MINUTE;
    await tickAt(ackedAt + Math.min(20, Math.floor((remindAt - ackedAt) / MINUTE / 2)) * MINUTE);
    await slack.action({
      user: owner,
      channel: supervisors,
      actionId: 'esc_resolve',
      message: structuredClone(issue),
    });
    await settle();
    const resolveForm = openedModal(
      'medissue_resolve',
      `${who(owner)} presses Resolve: a form asks for the outcome.`,
    );
    await submit(owner, resolveForm, {
      outcome: 'late_dose',
      outcome_note: 'Rang her back: she took them with a biscuit. Tea visit to check on her.',
    });
    show(`${who(owner)} chooses "Dose given late", adds a note and presses Resolve`);

    io.out(`\nThe medication issue at ${hhmm()}, as Slack holds it:`);
    io.out(`#${names.channels[supervisors]}`);
    printInFull(issue);
    io.out(`#${names.channels[patch.channel]}`);
    printInFull(patchNote);
    io.out(
      `The issue is one message in each channel: the supervisors' one updated in place ${issue.edits} ` +
        `times, with ${fake.replies(supervisors, issue.ts).length} replies in its thread; the patch ` +
        `channel's note updated ${patchNote.edits} times.`,
    );
    io.out(summary(fake, names, [patch.channel, supervisors, ...dmChannels()]));

    // ---- the same day from other sides: each person's Home, the set-up from Slack, a sign-off ----
    part('Everyone’s day in one place: the App Home');
    await homeScene({
      bot,
      clock,
      fake,
      slack,
      names,
      io,
      settle,
      tickAt,
      assistant: alice,
      supervisor: owner,
    });
    part('Running the provider from Slack: /patch');
    const admin = roster.admins[0];
    if (admin) {
      names.users[admin] ??= 'admin1';
      await adminScene({
        slack,
        fake,
        settle,
        names,
        io,
        admin,
        channel: patch.channel,
        keyWorker: alice,
        time: () => hhmm(),
      });
    }
    part('Delegated health tasks: a refused take-over, a sign-off');
    await competenceScene({
      db,
      clock,
      fake,
      slack,
      names,
      patchChannel: patch.channel,
      supervisorsChannel: supervisors,
      settle,
      tickAt,
      io,
    });
    part('A week later: the weekly quality report');
    await reportScene({ bot, clock, fake, names, io, settle, patchChannel: patch.channel });
    fake.assertClean();
  } finally {
    await bot.stop();
    server.close();
    db.$client.close();
  }
  // ---- another patch, another morning: a carer calls in sick (its own bot and stand-in) ----
  part('Cover when a carer is off');
  return runCoverDemo(io);
}

/** A heading between the demo's parts. */
function partHeading(title: string): string {
  return `\n${'═'.repeat(78)}\n${title}\n${'═'.repeat(78)}`;
}

/**
 * The lines to print for an updated message: the first line, every line added or changed, lines that
 * went away without a replacement (marked), and unchanged lines only where fewer than three stand together.
 */
export function changedLines(before: readonly string[], after: readonly string[]): string[] {
  const n = before.length;
  const m = after.length;
  const common = new Array<number>((n + 1) * (m + 1)).fill(0);
  const at = (i: number, j: number) => common[i * (m + 1) + j] ?? 0;
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      common[i * (m + 1) + j] =
        before[i] === after[j] ? at(i + 1, j + 1) + 1 : Math.max(at(i + 1, j), at(i, j + 1));
    }
  }
  const out: string[] = [];
  let same: string[] = [];
  let added: string[] = [];
  let gone: string[] = [];
  const flush = () => {
    if (same.length >= 3) out.push(`┄ ${same.length} lines unchanged`);
    else out.push(...same);
    // A changed line shows as itself; only lines gone without a replacement are listed as gone.
    out.push(...(added.length > 0 ? added : gone.map((line) => `┄ gone: ${line.trim()}`)));
    same = [];
    added = [];
    gone = [];
  };
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && before[i] === after[j]) {
      if (added.length > 0 || gone.length > 0) flush();
      if (j === 0) out.push(after[j] ?? '');
      else same.push(after[j] ?? '');
      i++;
      j++;
      continue;
    }
    if (same.length > 0) {
      const kept = same;
      same = [];
      if (kept.length >= 3) out.push(`┄ ${kept.length} lines unchanged`);
      else out.push(...kept);
    }
    if (j < m && (i >= n || at(i, j + 1) >= at(i + 1, j))) added.push(after[j++] ?? '');
    else gone.push(before[i++] ?? '');
  }
  flush();
  return out;
}

/** "In Slack: #p07 4 posts (1 a thread reply), 12 updates · #supervisors 1 post, 1 update". */
function summary(fake: FakeSlack, names: Names, channels: string[]): string {
  const ok = (method: string, channel: string) =>
    fake.calls.filter((c) => c.method === method && !c.failed && c.args.channel === channel);
  const n = (count: number, one: string) => `${count} ${one}${count === 1 ? '' : 's'}`;
  const parts = channels.map((channel) => {
    const posts = ok('chat.postMessage', channel);
    const replies = posts.filter((c) => c.args.thread_ts !== undefined).length;
    const label = names.channels[channel]
      ? `#${names.channels[channel]}`
      : `DM to @${names.users[channel] ?? channel}`;
    return `${label} ${n(posts.length, 'post')}${replies > 0 ? ` (${replies} in a thread)` : ''}, ${n(ok('chat.update', channel).length, 'update')}`;
  });
  return `In Slack: ${parts.join(' · ')}.`;
}
