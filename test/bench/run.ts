/**
 * `npm run bench`: measures patchbot against the msw fake of Slack's Web API and writes
 * test/bench/REPORT.md (and prints it). Speed is only ever reported here, never asserted in tests.
 *
 * Each benchmark checks that it did what it says (the card really changed, 250 visits really went late,
 * 500 messages really reached the fake) and throws otherwise, so a number always means what its label
 * says. Timings come from performance.now(); the app's own clock is hand-driven, as in the flow tests.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import type { KnownBlock } from '@slack/types';
import { openDb } from '../../db/index.ts';
import type { Config } from '../../src/config.ts';
import { silentLog } from '../../src/log.ts';
import { importRoster } from '../../src/patches/import.ts';
import { parseRoster, type Roster } from '../../src/patches/roster.ts';
import { digestInput, digestSubject, renderDigest } from '../../src/rota/digest.ts';
import { digestMessages } from '../../src/rota/views.ts';
import { runJobs, type TickReport } from '../../src/scheduler.ts';
import { createDeliveryClient } from '../../src/slack/app.ts';
import { Deliverer } from '../../src/slack/deliverer.ts';
import { markDue, type RendererEntry } from '../../src/slack/outbox.ts';
import { ManualClock } from '../../src/time.ts';
import { fillView, type Harness, listen, startHarness, stopListening } from '../support/harness.ts';
import type { FakeMessage, FakeSlack } from '../support/slack/fake-slack.ts';
import { BENCH_ZONE, benchRosterYaml, LATE_AT_0800_PER_PATCH, patchChannel } from './roster.ts';
import { fmtMs, now, row, type Summary, summarize, TABLE_HEAD, timeSync, until } from './stats.ts';

const REPORT = join(import.meta.dirname, 'REPORT.md');

/** Sizes. Chosen to keep the whole run near 1½ minutes on a 2-core machine. */
const N = {
  claims: 200,
  claimWarmup: 10,
  races: 20,
  raceWarmup: 2,
  pressers: 20,
  slash: 200,
  slashWarmup: 10,
  jobScenarios: 2,
  quietTicksPerScenario: 2,
  digest: 1000,
  digestWarmup: 100,
  renderDigest: 200,
  imports: 4,
  deliveries: 2,
  patches: 50,
  clients: 10,
};

const PATCH = 'C0PATCH07';
const ALICE = 'U0ALICE1';
const BOB = 'U0BOB0001';
const DAY = '2026-11-23';
const at = (hhmm: string) => Date.parse(`${DAY}T${hhmm}:00Z`); // London is on UTC in November

const runStart = performance.now();
const log = (line: string) =>
  process.stderr.write(`[${((performance.now() - runStart) / 1000).toFixed(1)} s] ${line}\n`);

// ---------- shared helpers ----------

function first(list: FakeMessage[], what: string): FakeMessage {
  const m = list[0];
  if (!m) throw new Error(`bench: no ${what}`);
  return m;
}

const buttonsOf = (m: FakeMessage) =>
  m.blocks
    .filter((b) => b.type === 'actions')
    .flatMap((b) => (b.elements as Array<{ action_id: string }>).map((e) => e.action_id));

/** As the flow tests do: /popback → the modal → Post request → one card in the patch channel. */
async function requestPopback(h: Harness): Promise<FakeMessage> {
  const res = await h.slack.command({
    command: '/popback',
    text: 'Mrs P',
    channel_id: PATCH,
    user_id: ALICE,
  });
  if (res.status !== 200) throw new Error(`bench: /popback answered ${res.status}`);
  await h.settle();
  const opened = h.fake.views.at(-1);
  if (!opened) throw new Error('bench: no modal opened');
  const view = fillView({ ...opened.view, id: opened.id }, { reason: 'Phoned: cannot find her glasses' });
  const submitted = await h.slack.submitView({ user: ALICE, view });
  if (submitted.status !== 200 || submitted.body !== '') throw new Error('bench: the request was refused');
  await h.settle();
  const cards = h.fake.messages(PATCH);
  if (cards.length !== 1) throw new Error(`bench: expected one card, found ${cards.length}`);
  return first(cards, 'card');
}

function parseBenchRoster(yaml: string): Roster {
  const parsed = parseRoster(yaml);
  if (!parsed.ok) throw new Error(`bench roster invalid: ${parsed.errors.slice(0, 5).join('; ')}`);
  return parsed.roster;
}

/** Every count in the tick's report is as wanted (counts not named in `want` must be 0). */
function expectReport(label: string, got: TickReport, want: Partial<TickReport>): void {
  const counts = got as unknown as Record<string, unknown>;
  const wanted = want as Record<string, number | undefined>;
  for (const [key, value] of Object.entries(counts)) {
    if (typeof value === 'number' && value !== (wanted[key] ?? 0)) {
      throw new Error(`bench: ${label} did ${JSON.stringify(got)}, expected ${JSON.stringify(want)}`);
    }
  }
}

interface Section {
  title: string;
  body: string[];
}
const sections: Section[] = [];
const headlines: string[] = [];
const table = (rows: Array<[string, Summary]>) => [...TABLE_HEAD, ...rows.map(([l, s]) => row(l, s))];

// ---------- 1. claim round trip ----------

async function benchClaimRoundTrip(): Promise<void> {
  log('1. claim round trip …');
  const h = await startHarness();
  try {
    await requestPopback(h);
    const card = () => first(h.fake.messages(PATCH), 'card');
    const press = async (actionId: 'popback_claim' | 'popback_release', user: string) => {
      const before = card().edits;
      const message = structuredClone(card());
      const t0 = now();
      let acked = Number.NaN;
      const sent = h.slack.action({ user, channel: PATCH, actionId, message }).then((r) => {
        acked = now();
        return r;
      });
      const updated = await until(() => card().edits > before, `the card update after ${actionId}`);
      const res = await sent;
      if (res.status !== 200) throw new Error(`bench: ${actionId} answered ${res.status}`);
      await h.settle();
      return { ack: acked - t0, updated: updated - t0 };
    };
    const claim: number[] = [];
    const claimAck: number[] = [];
    const release: number[] = [];
    for (let i = 0; i < N.claimWarmup + N.claims; i++) {
      const user = i % 2 === 0 ? ALICE : BOB;
      const c = await press('popback_claim', user);
      if (!buttonsOf(card()).includes('popback_release')) throw new Error('bench: the claim did not show');
      const r = await press('popback_release', user);
      if (!buttonsOf(card()).includes('popback_claim')) throw new Error('bench: the release did not show');
      if (i < N.claimWarmup) continue;
      claim.push(c.updated);
      claimAck.push(c.ack);
      release.push(r.updated);
    }
    if (h.fake.posts(PATCH).length !== 1) throw new Error('bench: the card was posted more than once');
    h.fake.assertClean();
    const s = summarize(claim);
    headlines.push(
      `Claim → card updated at Slack: median **${fmtMs(s.median)} ms**, p95 **${fmtMs(s.p95)} ms**, ` +
        `max ${fmtMs(s.max)} ms (N=${s.n}).`,
    );
    sections.push({
      title: '1. Claim round trip (press → card updated at Slack)',
      body: [
        'A pop-back card is posted as in the flow tests (`/popback` → modal → Post request). Then, over and',
        'over, a signed `block_actions` Claim goes into the real HTTP receiver and the clock stops when the',
        "fake Slack has applied the card's `chat.update` (its `edits` count moves; polled once per event-loop",
        'turn). Each claim is followed by a Release, measured the same way, and the bot is settled between',
        `presses. ${N.claimWarmup} warm-up rounds are not counted. Alice and Bob alternate.`,
        '',
        ...table([
          ['Claim → card updated at Slack', s],
          ['Claim → HTTP 200 (ack)', summarize(claimAck)],
          ['Release → card updated at Slack', summarize(release)],
        ]),
        '',
        'The fake answers in-process, so real Slack adds its own network round trips on top (one for the',
        'request reaching the app, one for `chat.update`): typically tens of milliseconds each.',
      ],
    });
  } finally {
    await h.close();
  }
}

// ---------- 2. 20 simultaneous claims ----------

async function benchRace(): Promise<void> {
  log('2. 20 simultaneous claims …');
  const acks: number[] = [];
  const visible: number[] = [];
  for (let i = 0; i < N.raceWarmup + N.races; i++) {
    const h = await startHarness();
    try {
      const card = structuredClone(await requestPopback(h));
      const pressers = Array.from({ length: N.pressers }, (_, k) => (k % 2 === 0 ? ALICE : BOB));
      const t0 = now();
      let acked = Number.NaN;
      const all = Promise.all(
        pressers.map((user) =>
          h.slack.action({ user, channel: PATCH, actionId: 'popback_claim', message: card }),
        ),
      ).then((rs) => {
        acked = now();
        return rs;
      });
      const done = await until(
        () =>
          h.fake.responses.length >= N.pressers - 1 &&
          first(h.fake.messages(PATCH), 'card').edits > card.edits,
        'the 19 private answers and the card update',
      );
      const results = await all;
      await h.settle();
      if (!results.every((r) => r.status === 200)) throw new Error('bench: a press was not acked with 200');
      if (h.fake.responses.length !== N.pressers - 1) {
        throw new Error(`bench: ${h.fake.responses.length} private answers, expected ${N.pressers - 1}`);
      }
      if (h.fake.posts(PATCH).length !== 1) throw new Error('bench: more than one card');
      h.fake.assertClean();
      if (i < N.raceWarmup) continue;
      acks.push(acked - t0);
      visible.push(done - t0);
    } finally {
      await h.close();
    }
  }
  const s = summarize(visible);
  headlines.push(
    `${N.pressers} simultaneous claims on one card, until every presser has their answer: median ` +
      `**${fmtMs(s.median)} ms**, p95 ${fmtMs(s.p95)} ms, max ${fmtMs(s.max)} ms (N=${s.n}).`,
  );
  sections.push({
    title: `2. ${N.pressers} simultaneous claims on one card (the race)`,
    body: [
      `A fresh bot and a fresh card each repetition; ${N.pressers} signed Claim presses (Alice and Bob`,
      'alternating) are sent at once. One wins and the card is updated; the other 19 get a private answer',
      "through their `response_url` (the winner's answer is the card itself). Wall time from sending the",
      'first press until (a) all 20 HTTP 200s are back, (b) all 19 private answers have reached the fake and',
      `the card update has too. Checked every time: 19 answers, one card. ${N.raceWarmup} warm-up races not counted.`,
      '',
      ...table([
        ['all 20 acks back', summarize(acks)],
        ['all 19 private answers + card update at Slack', s],
      ]),
    ],
  });
}

// ---------- 3. slash command ack ----------

async function benchSlashAck(): Promise<void> {
  log('3. /popback ack …');
  const acks: number[] = [];
  const modals: number[] = [];
  const h = await startHarness();
  try {
    for (let i = 0; i < N.slashWarmup + N.slash; i++) {
      const before = h.fake.views.length;
      const t0 = now();
      const res = await h.slack.command({
        command: '/popback',
        text: 'Mrs P',
        channel_id: PATCH,
        user_id: ALICE,
      });
      const t1 = now();
      if (res.status !== 200) throw new Error(`bench: /popback answered ${res.status}`);
      const t2 = await until(() => h.fake.views.length > before, 'the modal');
      await h.settle();
      if (i < N.slashWarmup) continue;
      acks.push(t1 - t0);
      modals.push(t2 - t0);
    }
    h.fake.assertClean();
  } finally {
    await h.close();
  }
  const s = summarize(acks);
  headlines.push(
    `\`/popback\` → HTTP 200: median **${fmtMs(s.median)} ms**, p95 ${fmtMs(s.p95)} ms, max ` +
      `${fmtMs(s.max)} ms (N=${s.n}; Slack allows 3000 ms) when no jobs tick is running.`,
  );
  sections.push({
    title: '3. Slash command ack (`/popback` → HTTP 200)',
    body: [
      'A signed `/popback Mrs P` in the patch channel, one at a time, on an idle bot with the small test',
      `roster. Slack gives up on a command not acked within 3 s. Also shown: until the modal is open at the`,
      `fake (\`views.open\` applied). ${N.slashWarmup} warm-ups not counted.`,
      '',
      ...table([
        ['/popback → HTTP 200', s],
        ['/popback → modal open at Slack', summarize(modals)],
      ]),
    ],
  });
}

// ---------- 4 (and 3b). jobs ticks at scale ----------

interface TickSample {
  /** `runJobs` alone. */
  tick: number;
  /** A /popback sent in the same turn as the tick started → its HTTP 200. */
  ack: number;
  /** Tick start → everything it made due is at the fake (the deliverer idle again). */
  delivered: number;
}

/**
 * Benchmark 4, driven through the harness so the real deliverer (postGapMs 0) sends what each tick
 * makes due, and so each tick also shows (3b) what it does to a request that lands while it runs.
 * The returned harness is still open (benchmark 5 reads its database); the caller closes it.
 */
async function benchJobs(rosterPath: string): Promise<Harness> {
  log('4. jobs ticks at scale (and 3b) …');
  const visitsPerDay = N.patches * N.clients * 5;
  const late = N.patches * LATE_AT_0800_PER_PATCH;
  const samples = {
    first: [] as TickSample[],
    quiet: [] as TickSample[],
    digest: [] as TickSample[],
    sweep: [] as TickSample[],
  };
  let last: Harness | null = null;
  for (let r = 0; r < N.jobScenarios; r++) {
    if (last) await last.close();
    const h = await startHarness({ at: `${DAY}T05:00:00Z`, roster: rosterPath });
    last = h;
    let views = 0;
    /** Starts `runJobs` in the same event-loop turn as a signed /popback is sent, as a cron tick would. */
    const tick = async (hhmm: string, want: Partial<TickReport>, into: TickSample[]) => {
      h.clock.set(at(hhmm));
      const t0 = now();
      let answeredAt = 0;
      const sent = h.slack
        .command({
          command: '/popback',
          text: 'Client 1',
          channel_id: patchChannel(0),
          user_id: 'U0P001A',
        })
        .then((r) => {
          answeredAt = now();
          return r;
        });
      const k0 = now();
      const report = await runJobs(h.bot.deps, h.clock.now());
      const tick = now() - k0;
      h.bot.deliverer.kick(); // what Scheduler.tick does next
      expectReport(`the ${hhmm} tick`, report, want);
      const res = await sent;
      // When the answer arrived, not when we got round to looking: the tick may have ended since.
      const ack = answeredAt - t0;
      if (res.status !== 200) throw new Error(`bench: /popback answered ${res.status}`);
      await h.settle();
      const delivered = now() - k0;
      if (h.fake.views.length !== ++views) throw new Error('bench: the /popback modal did not open');
      into.push({ tick, ack, delivered });
    };
    await tick('05:00', { created: 2 * visitsPerDay }, samples.first);
    for (let q = 1; q <= N.quietTicksPerScenario; q++) await tick(`05:0${q}`, {}, samples.quiet);
    await tick('07:00', { digests: N.patches }, samples.digest);
    const rotas = Array.from({ length: N.patches }, (_, p) =>
      h.fake.messages(patchChannel(p)).filter((m) => m.text.startsWith('Rota for')),
    );
    if (!rotas.every((list) => list.length === 1)) throw new Error('bench: not one digest in every patch');
    await tick('08:20', { late }, samples.sweep);
    const alerts = h.fake.posts().filter((c) => String(c.args.text).startsWith('Late visit'));
    if (alerts.length !== late)
      throw new Error(`bench: ${alerts.length} late alerts at the fake, not ${late}`);
    h.fake.assertClean();
    log(`   scenario ${r + 1}/${N.jobScenarios} done`);
  }
  if (!last) throw new Error('bench: no jobs scenario ran');

  const of = (list: TickSample[], key: keyof TickSample) => summarize(list.map((x) => x[key]));
  const q = of(samples.quiet, 'tick');
  headlines.push(
    `Jobs tick at ${N.patches} patches × ${N.clients} clients × 5 visits: a quiet tick (nothing due) takes ` +
      `median **${fmtMs(q.median)} ms**; the first tick (creates ${2 * visitsPerDay} visits) ` +
      `${fmtMs(of(samples.first, 'tick').median)} ms; the 07:00 digest tick ` +
      `${fmtMs(of(samples.digest, 'tick').median)} ms; the sweep with ${late} late ` +
      `${fmtMs(of(samples.sweep, 'tick').median)} ms. The tick lets the event loop go between patches, so requests are answered while it runs (3b).`,
  );
  const qa = of(samples.quiet, 'ack');
  headlines.push(
    `A \`/popback\` that lands while a tick runs is acked after median **${fmtMs(qa.median)} ms** ` +
      `during a quiet tick, ${fmtMs(of(samples.first, 'ack').median)} ms during the first tick of the day ` +
      '(Slack allows 3000 ms). See 3b.',
  );
  const blocked = (q.median / 15_000) * 100;
  const observations = [
    '- At the default cron of one tick every 15 s, quiet ticks alone keep the event loop busy about ' +
      `${blocked.toFixed(0)}% of the time${q.median > 15_000 ? ' (a tick takes longer than the interval)' : ''}.`,
    q.median > 3000
      ? `- A quiet tick (${fmtMs(q.median)} ms) is longer than Slack's 3-second ack window: a slash command or ` +
        'button press that lands during one is not acked in time (3b).'
      : `- A quiet tick (${fmtMs(q.median)} ms) fits inside Slack's 3-second ack window, but delays every ` +
        'request that lands during it by up to that much (3b).',
  ];
  const labels: Array<[string, TickSample[]]> = [
    [`(a) 05:00 first tick: creates ${2 * visitsPerDay} visits (today + tomorrow)`, samples.first],
    [`(b) 05:01${N.quietTicksPerScenario > 1 ? '…' : ''} quiet ticks: nothing due`, samples.quiet],
    [`(c) 07:00 digest tick: ${N.patches} digests made due`, samples.digest],
    [`(d) 08:20 sweep tick: ${late} visits go late`, samples.sweep],
  ];
  sections.push({
    title: `4. Jobs tick at scale (${N.patches} patches × ${N.clients} clients × 5 visits)`,
    body: [
      `A generated roster (test/bench/roster.ts, the schema of docs/roster.example.yml): ${N.patches} patches,`,
      `each with ${N.clients} clients of 5 daily visits (${visitsPerDay} plans), digest at 07:00, late after 15 min,`,
      `missed after 45, zone ${BENCH_ZONE}. It is imported into the harness's in-memory database and`,
      '`runJobs(bot.deps, now)` is timed at hand-set instants on Monday 23 November 2026. The deps are the',
      "bot's own: the silent log and the **real deliverer against the fake with `postGapMs: 0`**, kicked after",
      "each tick as `Scheduler.tick` does; only `runJobs` itself is inside the timing. Every tick's report",
      `is checked (5000 created, 0 for a quiet tick, ${N.patches} digests, ${late} late), and so is what reached the`,
      `fake (one rota in each of the ${N.patches} channels, ${late} late alerts).`,
      '',
      ...table(labels.map(([label, list]) => [label, of(list, 'tick')])),
      '',
      'Tick start → everything it made due delivered to the fake (the tick, then the deliverer until idle):',
      '',
      ...table(labels.map(([label, list]) => [label, of(list, 'delivered')])),
      '',
      ...observations,
      '',
      `N is small (${N.jobScenarios} fresh bots; ${N.quietTicksPerScenario} quiet ticks in each) because each tick`,
      'takes seconds; compare median and max for the spread, and see the load average above.',
    ],
  });
  sections.push({
    title: `3b. Slash command ack while a jobs tick runs (${N.patches}-patch provider)`,
    body: [
      'During every tick of benchmark 4 a signed `/popback` was sent in the same event-loop turn as',
      '`runJobs` started, as when a press lands while the 15-second cron tick runs. The jobs share the one',
      'event loop that runs the HTTP receiver; they let it go (a 1 ms timer) between patches and every 25',
      'visits, so the command is read and acked while the tick goes on. The time is taken when the answer',
      'arrives, whether or not the tick has ended.',
      '',
      ...table(
        labels.map(([label, list]) => [`/popback → HTTP 200 during ${label.slice(4)}`, of(list, 'ack')]),
      ),
      '',
      'A Claim, Arrived or Done pressed during a tick is answered the same way.',
    ],
  });
  return last;
}

// ---------- 5. digest build ----------

function benchDigest(db: ReturnType<typeof openDb>): void {
  log('5. digest build …');
  const input = digestInput(db, 1, DAY);
  if (input.visits.length !== N.clients * 5) {
    throw new Error(`bench: patch 1 has ${input.visits.length} visits, expected ${N.clients * 5}`);
  }
  let parts = 0;
  const pure = timeSync(
    N.digest,
    () => {
      parts = digestMessages(input).length;
    },
    N.digestWarmup,
  );
  const subject = digestSubject(1, DAY);
  const full = timeSync(
    N.renderDigest,
    () => {
      if (!renderDigest(db, subject)) throw new Error('bench: no digest');
    },
    20,
  );
  const s = summarize(pure);
  headlines.push(
    `\`digestMessages\` for a full patch (${input.visits.length} visits): median **${fmtMs(s.median)} ms** ` +
      `(${Math.round(1000 / s.mean)} /s).`,
  );
  sections.push({
    title: `5. Digest build (one full patch: ${N.clients} clients × 5 visits)`,
    body: [
      `\`digestMessages(input)\` for patch 1 of benchmark 4's database after its 08:20 sweep (${input.visits.length}`,
      `visits today, 5 of them late; ${parts} message${parts === 1 ? '' : 's'}). \`input\` is read once; only the`,
      'pure Block Kit build is timed. The second row is what the deliverer does for a digest subject: the',
      `database read (\`digestInput\`) plus the build (\`renderDigest\`). Warm-ups not counted.`,
      '',
      ...table([
        ['digestMessages (pure)', s],
        ['renderDigest (read + build)', summarize(full)],
      ]),
      '',
      `Throughput: ${Math.round(1000 / s.mean)} builds/s (pure), ` +
        `${Math.round(1000 / summarize(full).mean)} renders/s (with the read).`,
    ],
  });
}

// ---------- 6. roster import ----------

function benchImport(yaml: string): void {
  log('6. roster import …');
  const parse: number[] = [];
  const first: number[] = [];
  const firstImport: number[] = [];
  const second: number[] = [];
  const secondImport: number[] = [];
  for (let i = 0; i < N.imports; i++) {
    const db = openDb(':memory:');
    try {
      const t0 = now();
      const roster = parseBenchRoster(yaml);
      const t1 = now();
      const a = importRoster(db, roster, at('05:00'));
      const t2 = now();
      if (a.plans.created !== N.patches * N.clients * 5)
        throw new Error('bench: the first import fell short');
      const again = parseBenchRoster(yaml);
      const t3 = now();
      const b = importRoster(db, again, at('06:00'));
      const t4 = now();
      const changed = [b.patches, b.clients, b.plans].some((c) => c.created + c.updated + c.archived > 0);
      if (changed || b.settings !== 'unchanged' || b.roles.added + b.roles.removed > 0) {
        throw new Error('bench: the second import changed something');
      }
      parse.push(t1 - t0);
      first.push(t2 - t0);
      firstImport.push(t2 - t1);
      second.push(t4 - t2);
      secondImport.push(t4 - t3);
    } finally {
      db.$client.close();
    }
  }
  const f = summarize(first);
  const s = summarize(second);
  sections.push({
    title: `6. Roster import (${N.patches} patches, ${N.patches * N.clients} clients, ${N.patches * N.clients * 5} plans)`,
    body: [
      'The generated roster of benchmark 4 (YAML text already in memory). Parse = YAML + schema validation +',
      'cross-checks (`parseRoster`). Import = `importRoster` in one transaction into a fresh in-memory',
      'database with every migration applied (opening it is not timed). The second import is the same',
      'text parsed and imported again into that database, checked to change nothing (idempotent).',
      '',
      ...table([
        ['first import: parse + import', f],
        ['first import: parse only', summarize(parse)],
        ['first import: import only', summarize(firstImport)],
        ['second import (idempotent): parse + import', s],
        ['second import: import only', summarize(secondImport)],
      ]),
    ],
  });
  headlines.push(
    `Roster of ${N.patches} patches (${N.patches * N.clients * 5} plans): parse + first import median ` +
      `${fmtMs(f.median)} ms; parse + idempotent re-import ${fmtMs(s.median)} ms.`,
  );
}

// ---------- 7. deliverer throughput ----------

/** Most event-loop turns seen during one unpaced 500-message delivery run (benchmark 7). */
let loopTurns: number | null = null;

const benchRenderers: RendererEntry[] = [
  {
    prefix: 'bench:',
    render: (_db, subject) => {
      const blocks: KnownBlock[] = [
        { type: 'section', text: { type: 'mrkdwn', text: `:warning: *Late visit* · *${subject}* · 08:00` } },
        { type: 'context', elements: [{ type: 'mrkdwn', text: 'nobody has checked in yet' }] },
      ];
      return { text: `Late visit: ${subject}`, blocks };
    },
  },
];

async function benchDeliverer(fake: FakeSlack): Promise<void> {
  log('7. deliverer throughput …');
  const config: Config = {
    slackBotToken: 'xoxb-bench-token',
    slackSigningSecret: 'bench-signing-secret',
    slackAppToken: undefined,
    slackApiUrl: fake.apiUrl,
    port: 0,
    healthPort: undefined,
    databasePath: ':memory:',
    logLevel: 'error',
  };
  const client = createDeliveryClient(config, silentLog);
  const SUBJECTS = 500;
  const CHANNELS = 50;
  type Order = 'interleaved' | 'grouped';
  const channelOf = (i: number, order: Order) =>
    patchChannel(order === 'interleaved' ? i % CHANNELS : Math.floor(i / (SUBJECTS / CHANNELS)));

  const run = async (order: Order, paced: boolean) => {
    fake.reset();
    const db = openDb(':memory:');
    const clock = new ManualClock(at('08:20'));
    db.$client.transaction(() => {
      for (let i = 0; i < SUBJECTS; i++) {
        const subject = `bench:${String(i).padStart(3, '0')}`;
        markDue(db, { subject, channel: channelOf(i, order) }, clock.now());
      }
    })();
    let mono = 0;
    let sleeps = 0;
    const d = new Deliverer(
      { db, client, clock, log: silentLog, renderers: benchRenderers },
      paced
        ? {
            // The default 1000 ms pacing, on a fake monotonic clock: a "sleep" only moves it on.
            monotonic: () => mono,
            sleep: async (ms) => {
              mono += ms;
              sleeps++;
              clock.advance(ms);
              await Promise.resolve();
            },
          }
        : { postGapMs: 0 },
    );
    // Counts event-loop turns during the run: does a delivery run let anything else (a request) in?
    let turns = 0;
    let spinning = true;
    const spin = () => {
      if (!spinning) return;
      turns++;
      setImmediate(spin);
    };
    setImmediate(spin);
    const t0 = now();
    const delivered = await d.deliverDue();
    const wall = now() - t0;
    const turnsDuring = turns;
    spinning = false;
    await d.stop();
    db.$client.close();
    if (delivered !== SUBJECTS || fake.posts().length !== SUBJECTS) {
      throw new Error(`bench: delivered ${delivered}, ${fake.posts().length} posts at the fake`);
    }
    fake.assertClean();
    return { wall, virtual: mono, sleeps, turns: turnsDuring };
  };

  const rows: string[] = [];
  const lines: string[] = [];
  const paced = new Map<string, { low: number; high: number }>();
  for (const order of ['interleaved', 'grouped'] as const) {
    const walls: number[] = [];
    for (let i = 0; i < N.deliveries + 1; i++) {
      const r = await run(order, false);
      loopTurns = Math.max(loopTurns ?? 0, r.turns);
      if (i > 0) walls.push(r.wall); // the first is a warm-up
    }
    const s = summarize(walls);
    rows.push(
      `| ${order}, postGapMs 0 | ${s.n} | ${fmtMs(s.median)} | ${Math.round((SUBJECTS / s.median) * 1000)} | – |`,
    );
    if (order === 'interleaved') {
      headlines.push(
        `Deliverer, ${SUBJECTS} messages to ${CHANNELS} channels with no pacing: ` +
          `**${Math.round((SUBJECTS / s.median) * 1000)} messages/s** (${fmtMs(s.median)} ms for all).`,
      );
    }
    const p = await run(order, true);
    const low = p.virtual / 1000;
    const high = (p.virtual + p.wall) / 1000;
    const rate = (secs: number) => Math.round(SUBJECTS / secs);
    rows.push(
      `| ${order}, default 1000 ms pacing (sleep faked) | 1 | ${fmtMs(p.wall)} | ` +
        `${rate(high)}–${rate(low)} (computed) | ${low.toFixed(1)} s in ${p.sleeps} sleeps |`,
    );
    lines.push(
      `- ${order}: with real pacing the ${SUBJECTS} messages would take **${low.toFixed(1)}–${high.toFixed(1)} s**: ` +
        `the faked sleeps add up to ${low.toFixed(1)} s, and adding all ${(p.wall / 1000).toFixed(2)} s of work is an ` +
        'upper bound (real pacing counts work time towards each gap).',
    );
    paced.set(order, { low, high });
  }
  const inter = paced.get('interleaved');
  const grouped = paced.get('grouped');
  if (inter && grouped && grouped.low > inter.low * 1.2) {
    lines.push(
      '',
      `Grouped needs ${(grouped.low / inter.low).toFixed(1)}× the pacing time of interleaved for the same messages: ` +
        '`pendingRows` reads at most 200 due rows, in creation then subject order, so with ten consecutive ' +
        'subjects per channel only about 20 channels are in view at a time while the rest wait their turn, ' +
        'though their own channels are free. A big backlog in a few channels delays every other channel.',
    );
  }
  if (inter && grouped) {
    headlines.push(
      `With the default pacing (1 post/s per channel) the same ${SUBJECTS} messages take ` +
        `${inter.low.toFixed(1)}–${inter.high.toFixed(1)} s (computed with a faked sleep), or ` +
        `${grouped.low.toFixed(1)}–${grouped.high.toFixed(1)} s when each channel's ten are consecutive subjects (7).`,
    );
  }
  sections.push({
    title: `7. Deliverer throughput (${SUBJECTS} subjects due across ${CHANNELS} channels)`,
    body: [
      `${SUBJECTS} outbox subjects are made due at once in a fresh in-memory database, ${SUBJECTS / CHANNELS} per channel,`,
      'and one `deliverDue()` pass of the real `Deliverer` posts them through the real delivery WebClient',
      '(`createDeliveryClient`) to the msw fake. The subjects use a small bench renderer (a late-alert-like',
      'section + context), so this is the cost of the outbox, pacing and Web API path, not of any real',
      'renderer (see 5 for the digest). Two orders of the same subjects: *interleaved* (subject i to',
      'channel i mod 50) and *grouped* (ten consecutive subjects per channel; the outbox reads due rows in',
      'subject order, 200 at a time). Each check: every subject delivered, 500 posts at the fake.',
      '',
      '| | N | median ms | messages/s | pacing (virtual) |',
      '|---|---:|---:|---:|---:|',
      ...rows,
      '',
      'The paced runs use the default `postGapMs` (1000) with `sleep` and `monotonic` faked: a sleep adds its',
      'milliseconds to the fake monotonic clock and returns at once, so the time real pacing would take is',
      '*computed* (sum of the sleeps), not waited for:',
      '',
      ...lines,
      '',
      `Event-loop turns during an unpaced ${SUBJECTS}-message run (a \`setImmediate\` loop counting): at most ` +
        `${loopTurns}. ${
          loopTurns === 0
            ? 'Against the in-process fake every Web API answer resolves as a promise callback, so a whole ' +
              'delivery run is one unbroken chain: nothing else (timers, incoming requests) runs until it ends. ' +
              'Against real Slack each call waits on the network and requests are handled in between.'
            : 'The run yields to the event loop, so requests are handled while it runs.'
        }`,
    ],
  });
}

// ---------- the run ----------

const loads = () =>
  os
    .loadavg()
    .map((x) => x.toFixed(2))
    .join(' / ');

function machine(loadBefore: string, loadAfter: string, busy: boolean): string[] {
  const cpus = os.cpus();
  const models = [...new Set(cpus.map((c) => c.model.trim()))].join(', ');
  return [
    `- Node ${process.version} (${process.platform} ${process.arch}, V8 ${process.versions.v8})`,
    `- CPU: ${models} × ${cpus.length} (os.cpus())`,
    `- Memory: ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB; OS: ${os.type()} ${os.release()}`,
    `- TZ: ${process.env.TZ ?? '(unset)'}; Intl zone: ${Intl.DateTimeFormat().resolvedOptions().timeZone}`,
    `- Load average (1 / 5 / 15 min) before the run: ${loadBefore}; after: ${loadAfter}.`,
    busy
      ? `  Above ${cpus.length} (the CPU count): other processes were competing for the CPUs, so these figures are ` +
        'slower than an idle machine would give.'
      : `  Not above ${cpus.length} (the CPU count): the machine was not otherwise busy.`,
  ];
}

async function main(): Promise<void> {
  const started = now();
  const loadBefore = loads();
  const oneMinute = () => os.loadavg()[0] ?? 0;
  let busy = oneMinute() > os.cpus().length;
  const date = new Date().toISOString();
  const fake = listen();
  const dir = mkdtempSync(join(os.tmpdir(), 'patchbot-bench-'));
  try {
    const yaml = benchRosterYaml(N.patches, N.clients);
    const rosterPath = join(dir, 'roster.yml');
    writeFileSync(rosterPath, yaml);

    await benchClaimRoundTrip();
    await benchRace();
    await benchSlashAck();
    const jobs = await benchJobs(rosterPath);
    try {
      benchDigest(jobs.bot.db);
    } finally {
      await jobs.close();
    }
    benchImport(yaml);
    await benchDeliverer(fake);
  } finally {
    stopListening();
    rmSync(dir, { recursive: true, force: true });
  }
  const tickNote = sections.find((sec) => sec.title.startsWith('3b.'));
  if (tickNote && loopTurns === 0) {
    tickNote.body.push(
      '',
      "For the digest and sweep ticks the ack also waits for the deliverer's run that follows the tick",
      '(compare the delivered times in 4): against the in-process fake a delivery run never yields to the',
      'event loop (see 7). Against real Slack requests are handled between Web API calls, so there the',
      'wait is the tick alone.',
    );
  }
  const total = (now() - started) / 1000;
  const loadAfter = loads();
  busy ||= oneMinute() > os.cpus().length;

  const order = ['1.', '2.', '3.', '3b.', '4.', '5.', '6.', '7.'];
  sections.sort(
    (a, b) => order.indexOf(a.title.split(' ')[0] ?? '') - order.indexOf(b.title.split(' ')[0] ?? ''),
  );
  const report = [
    '# patchbot benchmarks',
    '',
    `Written by \`npm run bench\` (test/bench/run.ts) on ${date}; the whole run took ${total.toFixed(0)} s.`,
    'Numbers are from that one run on the machine below. Nothing here is a test: no timing is asserted',
    'anywhere; each benchmark only checks that it did what its label says.',
    '',
    '## Machine',
    '',
    ...machine(loadBefore, loadAfter, busy),
    '',
    '## Headlines',
    '',
    ...headlines.map((h) => `- ${h}`),
    '',
    '## Method',
    '',
    '- Benchmarks 1–4 drive the whole bot exactly as the flow tests do (test/support/harness.ts): the',
    '  real Bolt app and HTTP receiver on a loopback port, requests signed as Slack signs them, an',
    '  in-memory SQLite with every migration, the msw fake of the Web API, a hand-driven app clock, the',
    '  real deliverer with `postGapMs: 0`. Driver, app and fake share one Node process (and its one event',
    '  loop), so client-side work is included in every latency and real network time is not.',
    '- Times are `performance.now()` in milliseconds; p95 is nearest-rank; warm-ups are not counted.',
    '- Waiting for "at Slack" polls the fake once per event-loop turn (`setImmediate`).',
    '',
    ...sections.flatMap((s) => [`## ${s.title}`, '', ...s.body, '']),
  ].join('\n');
  writeFileSync(REPORT, report);
  process.stdout.write(`${report}\n`);
}

await main();
