import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { App, HTTPReceiver, LogLevel } from '@slack/bolt';
import type { Db } from '../../db/index.ts';
import { openDb } from '../../db/index.ts';
import { type Harness, SIGNING_SECRET, startHarness } from '../support/harness.ts';
import type { Args, FakeCall } from '../support/slack/fake-slack.ts';
import { BOT_ID, BOT_USER_ID, SlackDriver, TEAM_ID } from '../support/slack/signed.ts';
import { BenchClock } from './clock.ts';
import { type Profiled, profiled, startProfiler, watchLoop } from './profile.ts';
import { assistantsOf, patchChannel } from './roster.ts';
import { now, type Summary, summarize } from './stats.ts';

/**
 * The measures that involve Slack, on the whole bot as the flow tests run it (test/support/harness.ts):
 * the real Bolt app and HTTP receiver on a loopback port, requests signed as Slack signs them, the
 * msw stand-in of the Web API, and here a database file holding the generated roster, a clock that
 * runs with real time from a hand-set instant (clock.ts), the live scheduler (its own timers wake it at
 * each due instant), and the deliverer with its production settings: real pacing (one post a second
 * per channel), 20 channels at once, a probe every 2 s while Slack is down, a 5 s poll.
 */

export interface SlackBenchSizes {
  patches: number;
  latencyMs: number;
  concurrency: number;
  postGapMs: number;
  /** The sender's pause between one /popback's answer and the next. */
  popbackPauseMs: number;
  /** How long a wait for Slack may take before the run is declared broken (not a target). */
  guardMs: number;
}

export interface Day {
  /** Epoch ms of local hh:mm on the bench day. */
  at(hhmm: string): number;
  date: string;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls every 10 ms (a timer, so the bot's own work is not crowded out) until `probe` is true. */
async function waitFor(probe: () => boolean, what: string, guardMs: number): Promise<void> {
  const give = now() + guardMs;
  while (!probe()) {
    if (now() > give) throw new Error(`bench: gave up waiting for ${what} after ${guardMs} ms`);
    await sleep(10);
  }
}

/**
 * How many messages are still owed to Slack. The same count as src/slack/outbox.ts \`backlog\`, asked
 * here directly so that the bench's polling is not counted as the bot's time in a profile.
 */
function backlog(db: Db): number {
  const row = db.$client
    .prepare('select count(*) as n from slack_messages where want_rev > done_rev and parked_at is null')
    .get() as { n: number };
  return row.n;
}

/** The outbox subject a call was about (the deliverer puts it in the message metadata). */
export function subjectOf(c: FakeCall): string | undefined {
  const meta = c.args.metadata as { event_payload?: { subject?: unknown } } | undefined;
  const s = meta?.event_payload?.subject;
  return typeof s === 'string' ? s : undefined;
}

const ok = (c: FakeCall) => !c.failed;
const isPost = (c: FakeCall) => c.method === 'chat.postMessage' && ok(c);
/** `digest:<patch>:<date>`: the day's digest itself, not a continuation part. */
const isDigestMain = (s: string | undefined) => s?.startsWith('digest:') && s.split(':').length === 3;
/** `alert:<visit>`: a late or missed alert, not its thread reply. */
const isAlert = (s: string | undefined) => s?.startsWith('alert:') && s.split(':').length === 2;

interface BenchHarness {
  h: Harness;
  clock: BenchClock;
  close(): Promise<void>;
}

async function openBench(
  dbPath: string,
  startAt: number,
  sizes: SlackBenchSizes,
  concurrency = sizes.concurrency,
): Promise<BenchHarness> {
  const clock = new BenchClock(startAt);
  const h = await startHarness({
    db: openDb(dbPath),
    clock,
    delivery: { postGapMs: sizes.postGapMs, probeMs: 2000 },
    deliveryConcurrency: concurrency,
    deliveryPollMs: 5000,
  });
  h.fake.latencyMs = sizes.latencyMs;
  h.fake.postPacing = { minGapMs: 1000 };
  return {
    h,
    clock,
    async close() {
      await h.close();
      h.fake.latencyMs = 0;
      h.fake.postPacing = null;
      h.fake.assertClean();
    },
  };
}

/**
 * Moves the live scheduler to `at`: stopped, the clock set `leadMs` before and running, started again
 * (it ticks at once, finds nothing due, and sleeps until `at` by its own timer). Returns the real time
 * (performance.now()) at which the clock shows `at`.
 */
async function liveFrom(b: BenchHarness, at: number, leadMs = 1000): Promise<number> {
  await b.h.bot.scheduler.stop();
  b.clock.set(at - leadMs);
  b.clock.run();
  const due = b.clock.realTimeOf(at);
  const next = b.h.bot.scheduler.nextDue();
  if (next === null || next < at)
    throw new Error(`bench: something is due before ${new Date(at).toISOString()}`);
  b.h.bot.scheduler.start();
  return due;
}

/** Real seconds from `from` to each time, sorted; first/median/last in a summary. */
function after(times: number[], from: number): Summary {
  return summarize(times.map((t) => (t - from) / 1000));
}

function minGapPerChannelMs(posts: FakeCall[]): number {
  const last = new Map<string, number>();
  let min = Number.POSITIVE_INFINITY;
  for (const c of [...posts].sort((a, b) => a.realAt - b.realAt)) {
    const ch = String(c.args.channel);
    const prev = last.get(ch);
    if (prev !== undefined) min = Math.min(min, c.realAt - prev);
    last.set(ch, c.realAt);
  }
  return min;
}

export interface DigestFigures {
  /** Seconds from 07:00 (real) to each patch's digest (its first post) at Slack. */
  firstPosts: Summary;
  /** …to the last continuation part at Slack. */
  allPartsS: number;
  parts: number;
  /** How soon after the channel's last post each refused post arrived, ms. */
  refusalGaps: number[];
  minGapMs: number;
}

export interface LateFigures {
  /** Seconds from each alert's threshold (real) to the alert at Slack. */
  alerts: Summary;
  count: number;
  /** Seconds from the threshold until the outbox was empty (the digests redrawn too). */
  drainedS: number;
  digestUpdates: number;
  refusalGaps: number[];
}

export interface AckSample {
  phase: 'idle' | 'digests' | 'late';
  ms: number;
}

export interface DayFigures {
  digests: DigestFigures;
  late: LateFigures;
  acks: AckSample[];
  /** The event loop's delay from 07:00 until the late alerts were out (perf_hooks), ms. */
  loopDelay: { p50: number; p99: number; max: number };
  /** performance.now() from the moment each phase was set going until its outbox was empty. */
  phases: { digests: [number, number]; late: [number, number] };
  /** With `profile`: the whole morning under the profiler (cut it with `perfSlice` and `phases`). */
  profile?: Profiled;
  /** With `profile`: when the event loop was held 20 ms or more, from 07:00 to the last alert (`watchLoop`). */
  held?: Array<[number, number]>;
}

/**
 * A morning at `patches` patches: the 07:00 digests, then the 08:15 late sweep (one visit a patch),
 * each woken by the live scheduler at its instant and delivered with real pacing at `latencyMs`.
 * With `sender`, a signed /popback goes to the bot over and over (one at a time, a short pause
 * between) from before 07:00 until the late alerts are all out, and each ack's time is kept.
 * With `profile`, the whole morning runs under the profiler.
 */
export async function morning(
  dbPath: string,
  day: Day,
  sizes: SlackBenchSizes,
  opts: { sender?: boolean; concurrency?: number; profile?: boolean } = {},
): Promise<DayFigures> {
  const b = await openBench(dbPath, day.at('06:00'), sizes, opts.concurrency);
  const profiler = opts.profile ? await startProfiler() : null;
  let watch: ReturnType<typeof watchLoop> | null = null;
  const { h } = b;
  const fake = h.fake;
  const db = h.bot.db;
  const acks: AckSample[] = [];
  let phase: AckSample['phase'] = 'idle';
  let sending = opts.sender === true;
  let commands = 0;
  let senderError: unknown = null;
  const sender = (async () => {
    while (sending) {
      const p = commands % sizes.patches;
      commands++;
      const t0 = now();
      const sentIn = phase;
      const res = await h.slack.command({
        command: '/popback',
        text: 'Client 1',
        channel_id: patchChannel(p),
        user_id: assistantsOf(p)[0],
      });
      const ms = now() - t0;
      if (res.status !== 200) throw new Error(`bench: /popback answered ${res.status}`);
      acks.push({ phase: sentIn, ms });
      await sleep(sizes.popbackPauseMs);
    }
  })().catch((err: unknown) => {
    senderError = err;
  });
  const senderOk = () => {
    if (senderError) throw senderError;
  };
  try {
    if (opts.sender) {
      // A baseline with nothing running but the requests themselves.
      b.clock.run();
      await waitFor(() => acks.length >= 200 || senderError !== null, '200 idle acks', sizes.guardMs);
      senderOk();
    }

    // 07:00: every patch's digest.
    const loop = monitorEventLoopDelay({ resolution: 5 });
    loop.enable();
    watch = opts.profile ? watchLoop(20) : null;
    const callsBefore = fake.calls.length;
    phase = 'digests';
    const digestsFrom = now();
    const digestDue = await liveFrom(b, day.at('07:00'));
    const mainDigests = () =>
      fake.calls.slice(callsBefore).filter((c) => isPost(c) && isDigestMain(subjectOf(c)));
    await waitFor(
      () => backlog(db) === 0 && mainDigests().length >= sizes.patches,
      `${sizes.patches} digests`,
      sizes.guardMs,
    );
    const digestsTo = now();
    const digestCalls = fake.calls.slice(callsBefore);
    const firsts = mainDigests();
    const channels = new Set(firsts.map((c) => String(c.args.channel)));
    if (firsts.length !== sizes.patches || channels.size !== sizes.patches) {
      throw new Error(
        `bench: ${firsts.length} digests in ${channels.size} channels, expected ${sizes.patches}`,
      );
    }
    const digestPosts = digestCalls.filter(isPost);
    if (digestPosts.some((c) => !subjectOf(c)?.startsWith('digest:'))) {
      throw new Error('bench: something other than digests was posted at 07:00');
    }
    const digests: DigestFigures = {
      firstPosts: after(
        firsts.map((c) => c.realAt),
        digestDue,
      ),
      allPartsS: (Math.max(...digestPosts.map((c) => c.realAt)) - digestDue) / 1000,
      parts: digestPosts.length,
      refusalGaps: fake.paceRefusals.map((x) => x.gapMs),
      minGapMs: minGapPerChannelMs(digestPosts),
    };

    // 08:15: the 08:00 visits (one a patch) turn late together.
    const lateAt = day.at('08:15');
    const callsBeforeLate = fake.calls.length;
    const refusalsBefore = fake.paceRefusals.length;
    phase = 'late';
    const lateFrom = now();
    const lateDue = await liveFrom(b, lateAt);
    const alertPosts = () =>
      fake.calls.slice(callsBeforeLate).filter((c) => isPost(c) && isAlert(subjectOf(c)));
    await waitFor(
      () => backlog(db) === 0 && alertPosts().length >= sizes.patches,
      `${sizes.patches} late alerts`,
      sizes.guardMs,
    );
    const lateTo = now();
    const alerts = alertPosts();
    const lateCalls = fake.calls.slice(callsBeforeLate);
    const alertVisits = new Set(alerts.map((c) => subjectOf(c)));
    if (alerts.length !== sizes.patches || alertVisits.size !== sizes.patches) {
      throw new Error(
        `bench: ${alerts.length} late alerts for ${alertVisits.size} visits, expected ${sizes.patches}`,
      );
    }
    // Each alert's own threshold: its visit's start plus the late threshold, from the database.
    const thresholds = db.$client
      .prepare(
        `select 'alert:' || id as subject, late_at as lateAt, starts_at as startsAt from visits where alert_level = 'late'`,
      )
      .all() as Array<{ subject: string; lateAt: number; startsAt: number }>;
    const byVisit = new Map(thresholds.map((t) => [t.subject, t]));
    const waits = alerts.map((c) => {
      const t = byVisit.get(subjectOf(c) ?? '');
      if (!t || t.startsAt + 15 * 60_000 !== lateAt)
        throw new Error('bench: an alert for a visit not due at 08:15');
      return c.realAt - b.clock.realTimeOf(t.startsAt + 15 * 60_000);
    });
    const digestUpdates = lateCalls.filter(
      (c) => c.method === 'chat.update' && ok(c) && subjectOf(c)?.startsWith('digest:'),
    ).length;
    if (digestUpdates < sizes.patches) {
      throw new Error(
        `bench: ${digestUpdates} digests redrawn after the late sweep, expected ${sizes.patches}`,
      );
    }
    const late: LateFigures = {
      alerts: summarize(waits.map((w) => w / 1000)),
      count: alerts.length,
      drainedS: (Math.max(...lateCalls.filter(ok).map((c) => c.realAt)) - lateDue) / 1000,
      digestUpdates,
      refusalGaps: fake.paceRefusals.slice(refusalsBefore).map((x) => x.gapMs),
    };
    loop.disable();
    const held = watch?.stop();
    const loopDelay = {
      p50: loop.percentile(50) / 1e6,
      p99: loop.percentile(99) / 1e6,
      max: loop.max / 1e6,
    };
    sending = false;
    await sender;
    senderOk();
    if (opts.sender) {
      // Every /popback opened its modal (views.open answers after the stand-in's latency).
      await waitFor(() => fake.views.length >= commands, 'every /popback modal', sizes.guardMs);
      if (fake.views.length !== commands) throw new Error('bench: more modals than commands');
    }
    const profile = await profiler?.stop();
    return {
      digests,
      late,
      acks,
      loopDelay,
      phases: { digests: [digestsFrom, digestsTo], late: [lateFrom, lateTo] },
      ...(profile ? { profile } : {}),
      ...(held ? { held } : {}),
    };
  } finally {
    sending = false;
    await sender;
    watch?.stop();
    await profiler?.stop().catch(() => {});
    await b.close();
  }
}

export interface OutageFigures {
  outageMinutes: number;
  /** What was owed to Slack when it came back, by kind. */
  owed: Record<string, number>;
  failedCalls: number;
  /** Seconds from Slack coming back to the first and the last owed message at Slack. */
  firstS: number;
  lastS: number;
  /** The same on the bot's clock (it runs with real time after recovery). */
  lastClockS: number;
  alerts: number;
  digestUpdates: number;
  /** Successful calls to Slack after recovery, and by method. */
  calls: number;
  byMethod: Record<string, number>;
  paceRefusals: number;
}

/**
 * Slack down from 08:10 for `minutes` driven minutes (the jobs tick each minute; the 08:00 visits turn
 * late at 08:15, so their alerts and the digests' redraws pile up), then back: the clock runs with real
 * time from then, the live scheduler and the deliverer's own timers do the rest, and the measure is
 * until the outbox is empty.
 */
export async function outage(
  dbPath: string,
  day: Day,
  sizes: SlackBenchSizes,
  minutes: number,
): Promise<OutageFigures> {
  const b = await openBench(dbPath, day.at('06:00'), sizes);
  const { h, clock } = b;
  const fake = h.fake;
  const db = h.bot.db;
  try {
    // The morning's digests first, quickly (no latency): the late sweep will redraw them.
    fake.latencyMs = 0;
    await liveFrom(b, day.at('07:00'));
    await waitFor(
      () =>
        backlog(db) === 0 && fake.posts().filter((c) => isDigestMain(subjectOf(c))).length >= sizes.patches,
      'the digests before the outage',
      sizes.guardMs,
    );
    await h.bot.scheduler.stop();
    clock.freeze();
    fake.latencyMs = sizes.latencyMs;
    const down = day.at('08:10');
    const callsAtDown = fake.calls.length;
    fake.outage(true);
    for (let m = 0; m <= minutes; m++) {
      clock.set(down + m * 60_000);
      // As the live scheduler does: tick again at once while a job still has work due now.
      for (let t = 0; ; t++) {
        if (t > 20) throw new Error('bench: the jobs were still due after 20 ticks');
        await h.bot.scheduler.tick();
        const next = h.bot.scheduler.nextDue();
        if (next === null || next > clock.now()) break;
      }
      h.bot.deliverer.kick();
      await h.settle();
    }
    const failedCalls = fake.calls.slice(callsAtDown).filter((c) => c.failed === 'outage').length;
    if (failedCalls === 0) throw new Error('bench: nothing tried to reach Slack during the outage');
    const owedRows = db.$client
      .prepare(`select subject from slack_messages where want_rev > done_rev and parked_at is null`)
      .all() as Array<{ subject: string }>;
    const owed: Record<string, number> = {};
    for (const { subject } of owedRows) {
      const kind = subject.split(':')[0] ?? '?';
      owed[kind] = (owed[kind] ?? 0) + 1;
    }
    if ((owed.alert ?? 0) < sizes.patches)
      throw new Error(`bench: only ${owed.alert ?? 0} alerts owed after the outage`);

    const callsAtUp = fake.calls.length;
    const refusalsBefore = fake.paceRefusals.length;
    const upAt = clock.now();
    fake.outage(false);
    const up = now();
    clock.run();
    h.bot.scheduler.start();
    await waitFor(() => backlog(db) === 0, 'the outbox to empty after the outage', sizes.guardMs);
    const delivered = fake.calls.slice(callsAtUp).filter(ok);
    const alerts = delivered.filter((c) => isPost(c) && isAlert(subjectOf(c))).length;
    const digestUpdates = delivered.filter(
      (c) => c.method === 'chat.update' && subjectOf(c)?.startsWith('digest:'),
    ).length;
    if (alerts !== sizes.patches)
      throw new Error(`bench: ${alerts} alerts after the outage, expected ${sizes.patches}`);
    const parked = (
      db.$client.prepare('select count(*) as n from slack_messages where parked_at is not null').get() as {
        n: number;
      }
    ).n;
    if (parked > 0) throw new Error(`bench: ${parked} messages parked after the outage`);
    const last = Math.max(...delivered.map((c) => c.realAt));
    const lastClock = Math.max(...delivered.map((c) => c.at));
    return {
      outageMinutes: minutes,
      owed,
      failedCalls,
      firstS: (Math.min(...delivered.map((c) => c.realAt)) - up) / 1000,
      lastS: (last - up) / 1000,
      lastClockS: (lastClock - upAt) / 1000,
      alerts,
      digestUpdates,
      calls: delivered.length,
      byMethod: Object.fromEntries(
        [...new Set(delivered.map((c) => c.method))].map((m) => [
          m,
          delivered.filter((c) => c.method === m).length,
        ]),
      ),
      paceRefusals: fake.paceRefusals.length - refusalsBefore,
    };
  } finally {
    await b.close();
  }
}

export interface ThroughputFigures {
  requests: number;
  concurrency: number;
  rounds: number;
  patchbot: number[];
  bare: number[];
  patchbotViewBytes: number;
  bareViewBytes: number;
  /** With `profile`: one more patchbot round, under the profiler. */
  profile?: Profiled;
}

/**
 * /popback acks per second: patchbot (on the 1,000-patch database, no jobs running) against a bare
 * Bolt app that acks and opens a modal of the same size, both served by Bolt's HTTPReceiver in this
 * process against the same stand-in, the same signed requests, `concurrency` in flight, rounds
 * interleaved. Each round's figure is requests / seconds until the last ack.
 */
export async function ackThroughput(
  dbPath: string,
  day: Day,
  sizes: SlackBenchSizes,
  n: { requests: number; concurrency: number; rounds: number; warmup: number },
  opts: { profile?: boolean } = {},
): Promise<ThroughputFigures> {
  const b = await openBench(dbPath, day.at('06:00'), sizes);
  const { h } = b;
  const fake = h.fake;
  let bareApp: App | undefined;
  try {
    const commandFor = (k: number) => {
      const p = k % sizes.patches;
      return {
        command: '/popback',
        text: 'Client 1',
        channel_id: patchChannel(p),
        user_id: assistantsOf(p)[0],
      };
    };
    // patchbot's modal for this command, as Slack received it: the bare app opens the same.
    const before = fake.calls.length;
    const first = await h.slack.command(commandFor(0));
    if (first.status !== 200) throw new Error(`bench: /popback answered ${first.status}`);
    await waitFor(
      () => fake.calls.slice(before).some((c) => c.method === 'views.open'),
      'the modal',
      sizes.guardMs,
    );
    const opened = fake.calls.slice(before).find((c) => c.method === 'views.open') as FakeCall;
    const view = opened.args.view as Args;
    const viewBytes = JSON.stringify(view).length;

    const receiver = new HTTPReceiver({
      signingSecret: SIGNING_SECRET,
      endpoints: '/slack/events',
      logLevel: LogLevel.ERROR,
    });
    bareApp = new App({
      receiver,
      logLevel: LogLevel.ERROR,
      authorize: async () => ({
        botToken: 'xoxb-bare-bench',
        botId: BOT_ID,
        botUserId: BOT_USER_ID,
        teamId: TEAM_ID,
      }),
      clientOptions: { slackApiUrl: fake.apiUrl },
    });
    bareApp.command('/popback', async ({ ack, client, command }) => {
      await ack();
      await client.views.open({ trigger_id: command.trigger_id, view: view as never });
    });
    const server = (await bareApp.start(0)) as Server;
    const bare = new SlackDriver({
      url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/slack/events`,
      signingSecret: SIGNING_SECRET,
    });

    let expectedViews = fake.views.length;
    const round = async (driver: SlackDriver, count: number): Promise<number> => {
      let next = 0;
      const t0 = now();
      const lane = async () => {
        while (next < count) {
          const res = await driver.command(commandFor(next++));
          if (res.status !== 200 || res.body !== '')
            throw new Error(`bench: /popback answered ${res.status}`);
        }
      };
      await Promise.all(Array.from({ length: n.concurrency }, lane));
      const s = (now() - t0) / 1000;
      expectedViews += count;
      // Every modal opened before the next round starts (and each round's work stays its own).
      await waitFor(() => fake.views.length >= expectedViews, 'the modals of a round', sizes.guardMs);
      return count / s;
    };
    await round(h.slack, n.warmup);
    await round(bare, n.warmup);
    const patchbot: number[] = [];
    const bareRates: number[] = [];
    for (let r = 0; r < n.rounds; r++) {
      // Alternate who goes first, so a drift in the machine's load favours neither.
      if (r % 2 === 0) {
        patchbot.push(await round(h.slack, n.requests));
        bareRates.push(await round(bare, n.requests));
      } else {
        bareRates.push(await round(bare, n.requests));
        patchbot.push(await round(h.slack, n.requests));
      }
    }
    const bareView = fake.calls
      .filter((c) => c.method === 'views.open' && c.token === 'xoxb-bare-bench')
      .at(-1);
    const prof = opts.profile ? await profiled(() => round(h.slack, n.requests)) : undefined;
    return {
      ...(prof ? { profile: prof } : {}),
      requests: n.requests,
      concurrency: n.concurrency,
      rounds: n.rounds,
      patchbot,
      bare: bareRates,
      patchbotViewBytes: viewBytes,
      bareViewBytes: bareView ? JSON.stringify(bareView.args.view).length : Number.NaN,
    };
  } finally {
    await bareApp?.stop();
    await b.close();
  }
}
