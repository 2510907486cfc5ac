import { existsSync, writeFileSync } from 'node:fs';
import { openDb } from '../db/index.ts';
import { ConfigError, loadConfig, loadDatabasePath } from './config.ts';
import { exportEscalationsCsv, parseExportRange } from './escalation/export.ts';
import { runPatchbot } from './main.ts';
import { describeSummary, importRosterFile } from './patches/import.ts';

const USAGE = `Usage: patchbot <command>

  start                          run the bot (reads the environment; see .env.example)
  import <roster.yml>            validate a roster file, then load it in one transaction
  demo                           a scripted patch day against a local stand-in for Slack
  export escalations --from YYYY-MM-DD --to YYYY-MM-DD [--out file.csv]
                                 every escalation raised on those days, one CSV row per step
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
    case 'export': {
      const [what, ...flags] = rest;
      if (what !== 'escalations') {
        io.err(
          'patchbot export: say what to export: `npx patchbot export escalations --from 2026-11-01 --to 2026-11-30`',
        );
        return 2;
      }
      const flag = (name: string) => {
        const i = flags.indexOf(name);
        return i >= 0 ? flags[i + 1] : undefined;
      };
      const range = parseExportRange(flag('--from'), flag('--to'));
      if (!range.ok) {
        io.err(`patchbot export escalations: ${range.message}`);
        return 2;
      }
      const db = openDb(loadDatabasePath());
      try {
        const { csv, escalations, rows } = exportEscalationsCsv(db, range.from, range.to);
        const out = flag('--out');
        if (out) {
          writeFileSync(out, csv);
          io.err(`Wrote ${escalations} escalations (${rows} rows) to ${out}`);
        } else {
          io.out(csv.replace(/\r\n$/, ''));
        }
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
