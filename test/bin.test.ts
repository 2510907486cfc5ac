import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, runBin, spawnBin, waitForHttp } from './support/bin.ts';
import type { FakeSlack } from './support/slack/fake-slack.ts';
import { startFakeSlackHttp } from './support/slack/http.ts';

/**
 * The real bin, as an operator runs it: every start-up failure is one line and a non-zero exit, a good
 * start serves /healthz, and SIGTERM (to the bot, or to a shell or npm that started it) leaves no bot
 * running.
 */

let stub: Awaited<ReturnType<typeof startFakeSlackHttp>>;
let fake: FakeSlack;
let dir: string;

beforeAll(async () => {
  stub = await startFakeSlackHttp();
  fake = stub.fake;
  dir = mkdtempSync(join(tmpdir(), 'patchbot-bin-'));
});
afterAll(async () => {
  await stub.close();
  rmSync(dir, { recursive: true, force: true });
});

const env = (more: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => ({
  SLACK_BOT_TOKEN: 'xoxb-1234-5678-good',
  SLACK_SIGNING_SECRET: 'bin-test-signing-secret',
  SLACK_API_URL: stub.apiUrl,
  DATABASE_PATH: join(dir, `p-${Math.random().toString(36).slice(2)}.db`),
  PORT: '0',
  LOG_LEVEL: 'info',
  ...more,
});

/** One line on stderr and no stack trace; stdout holds nothing but the JSON log. */
function expectOneLine(
  r: { code: number | null; stdout: string; stderr: string },
  code: number,
  line: string,
) {
  expect({ code: r.code, stderr: r.stderr }).toEqual({ code, stderr: `${line}\n` });
  for (const logLine of r.stdout.split('\n').filter(Boolean)) expect(() => JSON.parse(logLine)).not.toThrow();
}

describe('start refuses what cannot work, in one line', () => {
  it('the unedited placeholders of .env.example name each variable', async () => {
    const r = await runBin(
      ['start'],
      env({ SLACK_BOT_TOKEN: 'xoxb-your-bot-token', SLACK_SIGNING_SECRET: 'your-signing-secret' }),
    );
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toEqual([
      'patchbot start: cannot start, the environment is not right:',
      '  SLACK_BOT_TOKEN is still the placeholder from .env.example: paste the Bot User OAuth Token',
      '  SLACK_SIGNING_SECRET is still the placeholder from .env.example: paste Basic Information → Signing Secret',
    ]);
  });

  it.each([['invalid_auth'], ['token_revoked'], ['account_inactive']])(
    'a bot token Slack answers %s to (auth.test)',
    async (error) => {
      const token = `xoxb-1-2-${error}`;
      fake.refuseToken(token, error);
      expectOneLine(
        await runBin(['start'], env({ SLACK_BOT_TOKEN: token })),
        1,
        `patchbot start: SLACK_BOT_TOKEN was refused by Slack (${error}): copy the token again from the app's settings`,
      );
    },
  );

  it('an app token Slack refuses (Socket Mode)', async () => {
    fake.refuseToken('xapp-1-A0-refused', 'invalid_auth');
    expectOneLine(
      await runBin(['start'], env({ SLACK_APP_TOKEN: 'xapp-1-A0-refused' })),
      1,
      "patchbot start: SLACK_APP_TOKEN was refused by Slack (invalid_auth): copy the token again from the app's settings",
    );
  });

  it('a port another process holds', async () => {
    const first = spawnBin(['start'], env({ PORT: '0' }));
    try {
      const port = await portOf(first.output);
      expectOneLine(
        await runBin(['start'], env({ PORT: String(port) })),
        1,
        `patchbot start: PORT ${port} is already in use by another process`,
      );
    } finally {
      first.child.kill('SIGTERM');
      await first.exited;
    }
  });
});

describe('a database path that cannot be used is one line from every command', () => {
  const cases: Array<[string, () => string, () => string]> = [
    [
      'a parent that is a file',
      () => {
        writeFileSync(join(dir, 'plain-file'), 'x');
        return join(dir, 'plain-file', 'p.db');
      },
      () => `${join(dir, 'plain-file')} is a file, not a folder`,
    ],
    [
      'a file that is not SQLite',
      () => {
        writeFileSync(join(dir, 'notes.txt'), 'not a database\n'.repeat(100));
        return join(dir, 'notes.txt');
      },
      () => 'is not a SQLite database',
    ],
    [
      'a path under /proc (never hangs)',
      () => '/proc/patchbot/p.db',
      () => '/proc/patchbot is a virtual file system, not a place for a database',
    ],
  ];
  for (const [name, make, reason] of cases) {
    it(name, async () => {
      const path = make();
      const roster = join(ROOT, 'test', 'fixtures', 'team.yml');
      for (const [command, args] of [
        ['start', ['start']],
        ['import', ['import', roster]],
        ['export escalations', ['export', 'escalations', '--from=2026-11-01', '--to=2026-11-30']],
      ] as const) {
        const r = await runBin([...args], env({ DATABASE_PATH: path }));
        expectOneLine(r, 1, `patchbot ${command}: DATABASE_PATH ${path}: ${reason()}`);
      }
    });
  }
});

describe('the CLI through the bin', () => {
  it('export --out into a missing folder, or onto a folder, is one line', async () => {
    const db = env().DATABASE_PATH as string;
    const missing = join(dir, 'no', 'such', 'out.csv');
    expectOneLine(
      await runBin(
        ['export', 'escalations', '--from', '2026-11-01', '--to', '2026-11-30', '--out', missing],
        env({ DATABASE_PATH: db }),
      ),
      1,
      `patchbot export escalations: --out ${missing}: no such file or folder`,
    );
    mkdirSync(join(dir, 'a-folder'), { recursive: true });
    expectOneLine(
      await runBin(
        [
          'export',
          'escalations',
          '--from',
          '2026-11-01',
          '--to',
          '2026-11-30',
          `--out=${join(dir, 'a-folder')}`,
        ],
        env({ DATABASE_PATH: db }),
      ),
      1,
      `patchbot export escalations: --out ${join(dir, 'a-folder')}: is a folder, not a file`,
    );
  });

  it('start --help prints help and does not start', async () => {
    const r = await runBin(['start', '--help'], {});
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n')[0]).toBe('Usage: patchbot start');
  });

  it('an unknown flag is refused, not ignored', async () => {
    expectOneLine(
      await runBin(['start', '--prot', '3000'], env()),
      2,
      'patchbot start: unknown option --prot (see `patchbot start --help`)',
    );
  });
});

/** The port the bot logged it listens on. */
async function portOf(output: () => string, timeoutMs = 20_000): Promise<number> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const m = /"event":"slack.started","mode":"http","port":(\d+)/.exec(output());
    if (m) return Number(m[1]);
    if (Date.now() > until) throw new Error(`the bot did not start:\n${output()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('a running bot', () => {
  it('serves /healthz, and on SIGTERM stops taking requests and exits 0', async () => {
    const bot = spawnBin(['start'], env());
    const port = await portOf(bot.output);
    const res = await waitForHttp(`http://127.0.0.1:${port}/healthz`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ status: 'ok', database: 'ok', outbox: { waiting: 0, parked: 0 } });
    bot.child.kill('SIGTERM');
    const exit = await within(10_000, bot.exited);
    expect(exit).toEqual({ code: 0, signal: null });
    expect(bot.output()).toContain('"event":"process.stopped","reason":"SIGTERM"');
  });

  it('a shell that started it and is killed leaves no bot behind (it notices it was orphaned)', async () => {
    // `npm start` runs the bot under `sh -c`; a SIGTERM to the shell does not reach the bot.
    const e = env();
    const sh = spawn('sh', ['-c', `"${process.execPath}" --import tsx src/bin.ts start`], {
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
        env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env() },
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
