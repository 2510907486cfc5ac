import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect } from 'vitest';
import type { FakeSlack } from './slack/fake-slack.ts';
import { startFakeSlackHttp } from './slack/http.ts';

/**
 * The real `patchbot` bin in a child process: the compiled dist/src/bin.js when dist/ is newer than
 * everything it is built from (as `npm ci` leaves a fresh clone), which starts in half the time;
 * otherwise src/bin.ts through tsx, so a change to src/ is tested without a build.
 */
export const ROOT = join(import.meta.dirname, '..', '..');

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? filesUnder(join(dir, e.name)) : [join(dir, e.name)],
  );
}

/** dist/, when it was built after the last change to anything it is built from; otherwise null. */
export function freshBuild(): string | null {
  const dist = join(ROOT, 'dist');
  const bin = join(dist, 'src', 'bin.js');
  if (!existsSync(bin)) return null;
  const built = statSync(bin).mtimeMs;
  const sources = [
    ...filesUnder(join(ROOT, 'src')),
    ...filesUnder(join(ROOT, 'db')),
    ...['tsconfig.json', 'tsconfig.build.json', 'package.json', join('scripts', 'build.mjs')].map((f) =>
      join(ROOT, f),
    ),
  ];
  return sources.every((f) => statSync(f).mtimeMs <= built) ? dist : null;
}

const built = freshBuild();
/** How `node` is told to run the bin: `[...BIN, 'start']`. */
export const BIN = built ? [join(built, 'src', 'bin.js')] : ['--import', 'tsx', join(ROOT, 'src', 'bin.ts')];

export interface BinResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `patchbot …` to the end (killed after `timeoutMs`). */
export function runBin(args: string[], env: NodeJS.ProcessEnv = {}, timeoutMs = 30_000): Promise<BinResult> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [...BIN, ...args],
      { cwd: ROOT, timeout: timeoutMs, env: { PATH: process.env.PATH, ...env } },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : null) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** Starts `patchbot …` and leaves it running; `exited` resolves with its exit code or signal. */
export function spawnBin(
  args: string[],
  env: NodeJS.ProcessEnv,
  entry: string[] = BIN,
): {
  child: ChildProcess;
  output: () => string;
  exited: Promise<{ code: number | null; signal: string | null }>;
} {
  const child = spawn(process.execPath, [...entry, ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (d) => {
    out += String(d);
  });
  child.stderr?.on('data', (d) => {
    out += String(d);
  });
  const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) => {
    child.on('exit', (code, signal) => resolve({ code, signal }));
  });
  return { child, output: () => out, exited };
}

/** Polls `url` until it answers, or throws after `timeoutMs`. */
export async function waitForHttp(url: string, timeoutMs = 20_000): Promise<Response> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await fetch(url);
    } catch {
      if (Date.now() > until) throw new Error(`nothing answered at ${url}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

/**
 * For a test file that runs the real bin: a Slack stand-in over real HTTP and a scratch folder, for the
 * file's lifetime. `env()` is a good configuration (each call a fresh database), `more` overriding it.
 */
export function useBin(): {
  env(more?: NodeJS.ProcessEnv): NodeJS.ProcessEnv;
  fake(): FakeSlack;
  dir(): string;
} {
  let stub: Awaited<ReturnType<typeof startFakeSlackHttp>> | undefined;
  let dir = '';
  beforeAll(async () => {
    stub = await startFakeSlackHttp();
    dir = mkdtempSync(join(tmpdir(), 'patchbot-bin-'));
  });
  afterAll(async () => {
    await stub?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });
  const started = () => {
    if (!stub) throw new Error('useBin: the stand-in is not started yet');
    return stub;
  };
  return {
    env: (more = {}) => ({
      SLACK_BOT_TOKEN: 'xoxb-1234-5678-good',
      SLACK_SIGNING_SECRET: 'bin-test-signing-secret',
      SLACK_API_URL: started().apiUrl,
      DATABASE_PATH: join(dir, `p-${Math.random().toString(36).slice(2)}.db`),
      PORT: '0',
      LOG_LEVEL: 'info',
      ...more,
    }),
    fake: () => started().fake,
    dir: () => dir,
  };
}

/** One line on stderr and no stack trace; stdout holds nothing but the JSON log. */
export function expectOneLine(r: BinResult, code: number, line: string): void {
  expect({ code: r.code, stderr: r.stderr }).toEqual({ code, stderr: `${line}\n` });
  for (const logLine of r.stdout.split('\n').filter(Boolean)) expect(() => JSON.parse(logLine)).not.toThrow();
}

/** The port the bot logged it listens on. */
export async function portOf(output: () => string, timeoutMs = 20_000): Promise<number> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const m = /"event":"slack.started","mode":"http","port":(\d+)/.exec(output());
    if (m) return Number(m[1]);
    if (Date.now() > until) throw new Error(`the bot did not start:\n${output()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
