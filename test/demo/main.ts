// `npm run demo`: the scripted patch day against the local Slack stand-in (needs the dev dependencies).
import { runDemo } from './run.ts';

process.exitCode = await runDemo({
  out: (s) => process.stdout.write(`${s}\n`),
  err: (s) => process.stderr.write(`${s}\n`),
});
