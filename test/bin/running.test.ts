import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN, portOf, ROOT, spawnBin, useBin, waitForHttp } from '../support/bin.ts';

/**
 * A running bot, as an operator runs it: a good start serves /healthz, and SIGTERM (to the bot, or to a
 * shell or npm that started it) leaves no bot running.
 */

const bin = useBin();

describe('a running bot', () => {
  it('serves /healthz, and on SIGTERM stops taking requests and exits 0', async () => {
    // HEALTH_PORT is for Socket Mode: in HTTP mode the log says where /healthz is instead.
    const bot = spawnBin(['start'], bin.env({ HEALTH_PORT: '9' }));
    const port = await portOf(bot.output);
    const res = await waitForHttp(`http://127.0.0.1:${port}/healthz`);
    expect(res.status).toBe(200);
    const unused = `"event":"health.port_unused","healthPort":9,"servedOn":${port}`;
    for (let i = 0; i < 100 && !bot.output().includes(unused); i++)
      await new Promise((r) => setTimeout(r, 50));
    expect(bot.output()).toContain(unused);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ status: 'ok', database: 'ok', outbox: { waiting: 0, parked: 0 } });
    bot.child.kill('SIGTERM');
    const exit = await within(10_000, bot.exited);
    expect(exit).toEqual({ code: 0, signal: null });
    expect(bot.output()).toContain('"event":"process.stopped","reason":"SIGTERM"');
  });

  it('a shell that started it and is killed leaves no bot behind (it notices it was orphaned)', async () => {
    // `npm start` runs the bot under `sh -c`; a SIGTERM to the shell does not reach the bot.
    const e = bin.env();
    const command = [process.execPath, ...BIN, 'start'].map((a) => `"${a}"`).join(' ');
    const sh = spawn('sh', ['-c', command], {
      cwd: ROOT,
      env: { PATH: process.env.PATH, ...e },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    sh.stdout.on('data', (d) => {
      out += String(d);
    });
    const port = await portOf(() => out);
    await waitForHttp(`http://127.0.0.1:${port}/healthz`);
    sh.kill('SIGKILL');
    await waitUntilRefused(`http://127.0.0.1:${port}/healthz`, 10_000);
  });

  it.runIf(existsSync(join(ROOT, 'dist', 'src', 'bin.js')))(
    'SIGTERM to `npm start` leaves no bot running',
    async () => {
      const npm = spawn('npm', ['start', '--silent'], {
        cwd: ROOT,
        env: { PATH: process.env.PATH, HOME: process.env.HOME, ...bin.env() },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      npm.stdout.on('data', (d) => {
        out += String(d);
      });
      const port = await portOf(() => out, 30_000);
      await waitForHttp(`http://127.0.0.1:${port}/healthz`);
      npm.kill('SIGTERM');
      await waitUntilRefused(`http://127.0.0.1:${port}/healthz`, 10_000);
    },
  );
});

async function within<T>(ms: number, p: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`not within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([p, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** Polls until nothing answers at `url` (the bot is gone), or throws. */
async function waitUntilRefused(url: string, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    try {
      await fetch(url);
    } catch {
      return;
    }
    if (Date.now() > until) throw new Error(`${url} still answers after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
