import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type BinResult, expectOneLine, portOf, ROOT, runBin, spawnBin, useBin } from '../support/bin.ts';

/** The real bin, as an operator runs it: every start-up failure is one line and a non-zero exit. */

const bin = useBin();

// Each case is its own process with its own database: they run side by side.
describe.concurrent('start refuses what cannot work, in one line', () => {
  it('the unedited placeholders of .env.example name each variable', async () => {
    const r = await runBin(
      ['start'],
      bin.env({ SLACK_BOT_TOKEN: 'xoxb-your-bot-token', SLACK_SIGNING_SECRET: 'your-signing-secret' }),
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
      bin.fake().refuseToken(token, error);
      expectOneLine(
        await runBin(['start'], bin.env({ SLACK_BOT_TOKEN: token })),
        1,
        `patchbot start: SLACK_BOT_TOKEN was refused by Slack (${error}): copy the token again from the app's settings`,
      );
    },
  );

  it('an app token Slack refuses (Socket Mode)', async () => {
    bin.fake().refuseToken('xapp-1-A0-refused', 'invalid_auth');
    expectOneLine(
      await runBin(['start'], bin.env({ SLACK_APP_TOKEN: 'xapp-1-A0-refused' })),
      1,
      "patchbot start: SLACK_APP_TOKEN was refused by Slack (invalid_auth): copy the token again from the app's settings",
    );
  });

  it('a port another process holds', async () => {
    const first = spawnBin(['start'], bin.env({ PORT: '0' }));
    try {
      const port = await portOf(first.output);
      expectOneLine(
        await runBin(['start'], bin.env({ PORT: String(port) })),
        1,
        `patchbot start: PORT ${port} is already in use by another process`,
      );
    } finally {
      first.child.kill('SIGTERM');
      await first.exited;
    }
  });
});

describe.concurrent('a database path that cannot be used is one line from every command', () => {
  const cases: Array<[string, () => string, () => string]> = [
    [
      'a parent that is a file',
      () => {
        writeFileSync(join(bin.dir(), 'plain-file'), 'x');
        return join(bin.dir(), 'plain-file', 'p.db');
      },
      () => `${join(bin.dir(), 'plain-file')} is a file, not a folder`,
    ],
    [
      'a file that is not SQLite',
      () => {
        writeFileSync(join(bin.dir(), 'notes.txt'), 'not a database\n'.repeat(100));
        return join(bin.dir(), 'notes.txt');
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
      const commands = [
        ['start', ['start']],
        ['import', ['import', roster]],
        ['export escalations', ['export', 'escalations', '--from=2026-11-01', '--to=2026-11-30']],
      ] as const;
      const results = await Promise.all(
        commands.map(([, args]) => runBin([...args], bin.env({ DATABASE_PATH: path }))),
      );
      commands.forEach(([command], i) => {
        expectOneLine(results[i] as BinResult, 1, `patchbot ${command}: DATABASE_PATH ${path}: ${reason()}`);
      });
    });
  }
});
