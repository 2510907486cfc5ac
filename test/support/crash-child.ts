/**
 * A patchbot process for the SIGKILL test: opens the database file it is given, runs one jobs tick at a
 * given instant against a Slack stand-in reached over real HTTP, lets the deliverer finish, and exits.
 * With `crash`, it kills itself with SIGKILL the moment the sweep has committed its first late alert:
 * in the middle of a sweep, before the next visit's transaction and before anything is delivered.
 * With `crash-on-recovery`, Slack is failing when it starts (the test arranges that), and it kills itself
 * the moment Slack first answers again: in the middle of the recovery, with a post made but not yet
 * recorded and the rest of the backlog still owed. Its clock moves a probe interval at a time.
 */
import { openDb } from '../../db/index.ts';
import { type Log, silentLog } from '../../src/log.ts';
import { createPatchbot } from '../../src/main.ts';
import { backlog } from '../../src/slack/outbox.ts';
import { ManualClock } from '../../src/time.ts';
import { testConfig } from './config.ts';

const [dbPath, apiUrl, at, mode] = process.argv.slice(2) as [string, string, string, string | undefined];
const db = openDb(dbPath);
const log: Log = {
  ...silentLog,
  info(event) {
    if (mode === 'crash' && event === 'alert.late') process.kill(process.pid, 'SIGKILL');
    if (mode === 'crash-on-recovery' && event === 'slack.back') process.kill(process.pid, 'SIGKILL');
  },
};
const clock = new ManualClock(Date.parse(at));
const bot = createPatchbot(
  testConfig({
    slackBotToken: 'xoxb-crash-test',
    slackSigningSecret: 'crash-test-secret',
    slackApiUrl: apiUrl,
    databasePath: dbPath,
  }),
  { db, clock, log, schedule: false, delivery: { postGapMs: 0 } },
);
await bot.start();
await bot.scheduler.tick();
for (let i = 0; i < 100 && backlog(db) > 0; i++) {
  if (mode === 'crash-on-recovery') clock.advance(2000);
  bot.deliverer.kick();
  await bot.deliverer.idle();
}
await bot.stop();
db.$client.close();
process.exit(0);
