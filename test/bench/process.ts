import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { startFakeSlackHttp } from '../support/slack/http.ts';
import { now } from './stats.ts';

/**
 * The bot as a real process, as it is deployed: `node dist/src/bin.js start` against the Slack
 * stand-in served over HTTP on loopback, on a database file. Its CPU time and memory are read from
 * /proc/<pid>, so nothing inside the process is changed or counted by the bot itself.
 */

export const ROOT = join(import.meta.dirname, '..', '..');
const BIN = join(ROOT, 'dist', 'src', 'bin.js');

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    newest = Math.max(newest, statSync(join(entry.parentPath, entry.name)).mtimeMs);
  }
  return newest;
}

/** Builds dist/ (`npm run build`) when it is missing or older than src/ or db/. */
export function ensureBuild(): { built: boolean; ms: number; reason: string } {
  const t0 = now();
  let reason = '';
  if (!existsSync(BIN)) reason = 'dist/ was missing';
  else {
    const built = statSync(BIN).mtimeMs;
    if (Math.max(newestMtime(join(ROOT, 'src')), newestMtime(join(ROOT, 'db'))) > built) {
      reason = 'dist/ was older than the sources';
    }
  }
  if (!reason) return { built: false, ms: 0, reason: 'dist/ was up to date' };
  execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
  if (!existsSync(BIN)) throw new Error('bench: npm run build did not make dist/src/bin.js');
  return { built: true, ms: now() - t0, reason };
}

export interface StartupFigures {
  mode: 'compiled' | 'tsx';
  readyMs: number;
  rssMb: number;
  peakRssMb: number;
  exit: number | string;
}

/** test/bench/startup.mjs, once: `node …` to a 200 from /healthz on a fresh database. */
export function startupProbe(tsx: boolean): StartupFigures {
  const out = execFileSync(
    process.execPath,
    [join(ROOT, 'test', 'bench', 'startup.mjs'), ...(tsx ? ['--tsx'] : [])],
    { cwd: ROOT, encoding: 'utf8' },
  );
  const figures = JSON.parse(out.trim().split('\n').at(-1) ?? '{}') as StartupFigures;
  if (figures.readyMs === null || figures.exit !== 0) {
    throw new Error(`bench: the start-up probe failed: ${out.trim()}`);
  }
  return figures;
}

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

const CLK_TCK = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** CPU seconds (user + system) the process has used so far. */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // After "pid (comm) ": state is field 3; utime and stime are fields 14 and 15.
  return (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
}

/** VmRSS and VmHWM (the peak), in MB. */
function memoryMb(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (key: string) => Number(new RegExp(`${key}:\\s+(\\d+)`).exec(status)?.[1] ?? Number.NaN);
  return { rss: kb('VmRSS') / 1024, peak: kb('VmHWM') / 1024 };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Health {
  status: string;
  jobs: { secondsSinceLastTick: number | null };
  outbox: { waiting: number; parked: number };
}

export interface IdleFigures {
  clkTck: number;
  windowS: number;
  cpuS: number;
  /** CPU seconds / wall seconds over the window. */
  share: number;
  /** The busiest `sliceS`-second slice of the window, as a share. */
  maxSliceShare: number;
  sliceS: number;
  rssMb: number;
  peakRssMb: number;
  /** RSS at the end of the window, the highest seen during it, and the peak (VmHWM) since start. */
  rssMaxInWindowMb: number;
  readyMs: number;
  callsDuringWindow: number;
  health: Health;
  exit: number | string | null;
  /** When the window started and ended, in ms before the process exited (to cut a `--cpu-prof` file). */
  windowBeforeExitMs: { from: number; to: number };
}

/**
 * Starts the compiled bot on `dbPath` at the real clock, lets it settle for `warmS`, then samples its
 * CPU time over `windowS` and its memory. Throws unless the bot was quiet (no call to Slack during the
 * window), ticking (a tick within the last minute) and healthy, and exited 0 on SIGTERM.
 */
export async function idleProcess(
  dbPath: string,
  opts: { warmS: number; windowS: number; sliceS: number; cpuProfDir?: string },
): Promise<IdleFigures> {
  const stand = await startFakeSlackHttp();
  const port = await freePort();
  const logs: string[] = [];
  const keep = (chunk: Buffer) => {
    logs.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    if (logs.length > 50) logs.splice(0, logs.length - 50);
  };
  const args = [
    ...(opts.cpuProfDir ? ['--cpu-prof', `--cpu-prof-dir=${opts.cpuProfDir}`] : []),
    BIN,
    'start',
  ];
  const started = now();
  const bot: ChildProcess = spawn(process.execPath, args, {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      PATH: process.env.PATH,
      SLACK_BOT_TOKEN: 'xoxb-1-2-bench',
      SLACK_SIGNING_SECRET: 'bench-signing-secret',
      SLACK_API_URL: stand.apiUrl,
      DATABASE_PATH: dbPath,
      PORT: String(port),
      LOG_LEVEL: 'warn',
    },
  });
  bot.stdout?.on('data', keep);
  bot.stderr?.on('data', keep);
  const exited = new Promise<number | string | null>((r) =>
    bot.on('exit', (code, signal) => r(code ?? signal)),
  );
  const pid = bot.pid as number;
  const fail = (why: string) => new Error(`bench: idle bot ${why}\n  ${logs.slice(-10).join('\n  ')}`);
  const health = async (): Promise<Health> => {
    const res = await fetch(`http://127.0.0.1:${port}/healthz`);
    return (await res.json()) as Health;
  };
  try {
    let readyMs = Number.NaN;
    for (;;) {
      try {
        const res = await fetch(`http://127.0.0.1:${port}/healthz`);
        if (res.ok) {
          readyMs = now() - started;
          break;
        }
      } catch {}
      if (now() - started > 30_000) throw fail('did not answer /healthz within 30 s');
      await sleep(20);
    }
    await sleep(opts.warmS * 1000);
    const callsBefore = stand.fake.calls.length;
    const cpu0 = cpuSeconds(pid);
    const t0 = now();
    let last = cpu0;
    let maxSlice = 0;
    let rssMax = 0;
    for (let s = 0; s < opts.windowS; s += opts.sliceS) {
      const sliceStart = now();
      await sleep(opts.sliceS * 1000);
      const c = cpuSeconds(pid);
      maxSlice = Math.max(maxSlice, (c - last) / ((now() - sliceStart) / 1000));
      last = c;
      rssMax = Math.max(rssMax, memoryMb(pid).rss);
    }
    const wall = (now() - t0) / 1000;
    const cpuS = cpuSeconds(pid) - cpu0;
    const mem = memoryMb(pid);
    const callsDuringWindow = stand.fake.calls.length - callsBefore;
    const h = await health();
    if (callsDuringWindow > 0) {
      const methods = stand.fake.calls.slice(callsBefore).map((c) => c.method);
      throw fail(`called Slack during the quiet window: ${methods.slice(0, 5).join(', ')}`);
    }
    if (h.status !== 'ok') throw fail(`was unhealthy: ${JSON.stringify(h)}`);
    const since = h.jobs.secondsSinceLastTick;
    if (since === null || since > 61) throw fail(`was not ticking: ${JSON.stringify(h.jobs)}`);
    if (stand.fake.posts().length > 0) throw fail('posted a message; the roster was not quiet');
    const t1 = now();
    bot.kill('SIGTERM');
    const exit = await exited;
    const exitAt = now();
    if (exit !== 0) throw fail(`exited ${exit} on SIGTERM`);
    return {
      windowBeforeExitMs: { from: exitAt - t0, to: exitAt - t1 },
      clkTck: CLK_TCK,
      windowS: wall,
      cpuS,
      share: cpuS / wall,
      maxSliceShare: maxSlice,
      sliceS: opts.sliceS,
      rssMb: mem.rss,
      peakRssMb: mem.peak,
      rssMaxInWindowMb: rssMax,
      readyMs,
      callsDuringWindow,
      health: h,
      exit,
    };
  } finally {
    if (bot.exitCode === null && bot.signalCode === null) {
      bot.kill('SIGTERM');
      await exited;
    }
    await stand.close();
  }
}
