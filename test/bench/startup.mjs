// Start-up probe: how long the bot takes from `node …` to a 200 from /healthz, and its memory then.
//   node test/bench/startup.mjs            the compiled build (npm run build first)
//   node test/bench/startup.mjs --tsx      the TypeScript sources through tsx, for comparison
// Slack is a tiny local server that answers every Web API call `ok`; the database is a fresh file.
// Prints one JSON line: { mode, readyMs, rssMb, peakRssMb, exit }.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..', '..');
const tsx = process.argv.includes('--tsx');
const entry = tsx ? ['--import', 'tsx', join(root, 'src', 'bin.ts')] : [join(root, 'dist', 'src', 'bin.js')];

const slack = createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ ok: true, user_id: 'U0BENCH', bot_id: 'B0BENCH', team_id: 'T0BENCH' }));
  });
});
await new Promise((r) => slack.listen(0, '127.0.0.1', r));
const free = createServer();
await new Promise((r) => free.listen(0, '127.0.0.1', r));
const port = free.address().port;
await new Promise((r) => free.close(r));

const dir = mkdtempSync(join(tmpdir(), 'patchbot-startup-'));
const started = performance.now();
const bot = spawn(process.execPath, [...entry, 'start'], {
  cwd: root,
  stdio: 'ignore',
  env: {
    PATH: process.env.PATH,
    SLACK_BOT_TOKEN: 'xoxb-1-2-startup',
    SLACK_SIGNING_SECRET: 'startup-probe',
    SLACK_API_URL: `http://127.0.0.1:${slack.address().port}/api/`,
    DATABASE_PATH: join(dir, 'patchbot.db'),
    PORT: String(port),
    LOG_LEVEL: 'error',
  },
});
const exited = new Promise((r) => bot.on('exit', (code, signal) => r(code ?? signal)));
let readyMs = null;
for (;;) {
  try {
    const res = await fetch(`http://127.0.0.1:${port}/healthz`);
    if (res.ok) {
      readyMs = performance.now() - started;
      break;
    }
  } catch {}
  if (performance.now() - started > 30_000) break;
  await new Promise((r) => setTimeout(r, 5));
}
const status = readFileSync(`/proc/${bot.pid}/status`, 'utf8');
const kb = (key) => Number(new RegExp(`${key}:\\s+(\\d+)`).exec(status)?.[1] ?? 0);
bot.kill('SIGTERM');
const exit = await exited;
slack.close();
rmSync(dir, { recursive: true, force: true });
console.log(
  JSON.stringify({
    mode: tsx ? 'tsx' : 'compiled',
    readyMs: readyMs === null ? null : Math.round(readyMs),
    rssMb: Math.round(kb('VmRSS') / 1024),
    peakRssMb: Math.round(kb('VmHWM') / 1024),
    exit,
  }),
);
