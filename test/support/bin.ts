import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { join } from 'node:path';

/**
 * The real `patchbot` bin in a child process: src/bin.ts, the file `npm run build` compiles to
 * dist/src/bin.js, run here through tsx so the tests need no build (test/build.test.ts runs the
 * compiled one).
 */
export const ROOT = join(import.meta.dirname, '..', '..');
const BIN = ['--import', 'tsx', join(ROOT, 'src', 'bin.ts')];

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
