import { existsSync } from 'node:fs';
import { openDb } from '../db/index.ts';
import { ConfigError, loadConfig, loadDatabasePath } from './config.ts';
import { runPatchbot } from './main.ts';
import { describeSummary, importRosterFile } from './patches/import.ts';

const USAGE = `Usage: patchbot <command>

  start                          run the bot (reads the environment; see .env.example)
  import <roster.yml>            validate a roster file, then load it in one transaction
  demo                           a scripted patch day against a local stand-in for Slack
  help                           this text
`;

type Out = { out: (s: string) => void; err: (s: string) => void };
const stdio: Out = { out: (s) => process.stdout.write(`${s}\n`), err: (s) => process.stderr.write(`${s}\n`) };

/** `patchbot …`. Returns the exit code; never throws for a user's mistake. */
export async function runCli(argv: string[], io: Out = stdio): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'start': {
      try {
        await runPatchbot(loadConfig());
        return 0;
      } catch (err) {
        if (err instanceof ConfigError) {
          io.err('patchbot: cannot start, the environment is not right:');
          for (const p of err.problems) io.err(`  ${p}`);
          return 1;
        }
        throw err;
      }
    }
    case 'import': {
      const file = rest[0];
      if (!file) {
        io.err('patchbot import: name the roster file, e.g. `npx patchbot import roster.yml`');
        return 2;
      }
      if (!existsSync(file)) {
        io.err(`patchbot import: ${file}: no such file (nothing changed)`);
        return 1;
      }
      const db = openDb(loadDatabasePath());
      try {
        const result = importRosterFile(db, file, Date.now());
        if (!result.ok) {
          io.err(`patchbot import: ${file} was not loaded (nothing changed):`);
          for (const e of result.errors) io.err(`  ${e}`);
          return 1;
        }
        io.out(`Imported ${file}: ${describeSummary(result.summary)}`);
        return 0;
      } finally {
        db.$client.close();
      }
    }
    case 'demo': {
      const { runDemo } = await import('./demo/run.ts');
      return runDemo(io);
    }
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      io.out(USAGE);
      return 0;
    default:
      io.err(`patchbot: unknown command "${command}"\n\n${USAGE}`);
      return 2;
  }
}
