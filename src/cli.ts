import { type ParseArgsConfig, parseArgs } from 'node:util';
import { DatabaseOpenError, type Db, openDb } from '../db/index.ts';
import { ConfigError, loadCliEnv, loadConfig } from './config.ts';
import { exportEscalationsCsv, parseExportRange } from './escalation/export.ts';
import { Fatal, oneLine } from './fatal.ts';
import { writeOutput } from './output.ts';
import { describeSummary, importRoster, readRosterFile } from './patches/import.ts';

/**
 * `patchbot <command>`: the operator's CLI. Flags are read with node:util parseArgs, strictly: an
 * unknown flag or a flag without its value is an error, and every command has `--help`. Every failure
 * is one line on stderr and a non-zero exit; a stack trace never reaches the terminal.
 */

export type Io = { out: (s: string) => void; err: (s: string) => void };
const stdio: Io = { out: (s) => process.stdout.write(`${s}\n`), err: (s) => process.stderr.write(`${s}\n`) };

type Options = NonNullable<ParseArgsConfig['options']>;
type Values = Record<string, string | boolean | undefined>;

interface Command {
  /** `import <roster.yml>` */
  synopsis: string;
  summary: string;
  /** Further lines for `--help`. */
  details?: string[];
  options?: Options;
  /** How many positional arguments it takes: [min, max]. */
  positionals?: [number, number];
  run(args: { values: Values; positionals: string[]; io: Io }): Promise<number> | number;
}

const RANGE_OPTIONS: Options = {
  from: { type: 'string' },
  to: { type: 'string' },
  out: { type: 'string' },
};

/** Opens the database the environment names, runs `fn`, and always closes it. */
function withDb<T>(fn: (db: Db) => T): T {
  let db: Db;
  try {
    db = openDb(loadCliEnv().databasePath);
  } catch (err) {
    if (err instanceof DatabaseOpenError) throw new Fatal(`DATABASE_PATH ${err.message}`);
    throw err;
  }
  try {
    return fn(db);
  } finally {
    db.$client.close();
  }
}

const COMMANDS: Record<string, Command> = {
  start: {
    synopsis: 'start',
    summary: 'run the bot until SIGTERM or SIGINT (reads the environment; see .env.example)',
    details: [
      'Checks the environment, the database and the Slack token first; any problem is one line and exit 1.',
      'Serves GET /healthz on PORT (or on HEALTH_PORT in Socket Mode).',
    ],
    async run() {
      const { runPatchbot } = await import('./main.ts');
      await runPatchbot(loadConfig());
      return 0;
    },
  },
  import: {
    synopsis: 'import <roster.yml>',
    summary: 'validate a roster file, then load it in one transaction',
    details: [
      'Nothing is changed unless the whole file is valid. Importing the same file twice changes nothing.',
    ],
    positionals: [1, 1],
    run({ positionals, io }) {
      const file = positionals[0] as string;
      // Read and checked before the database is opened: a bad file leaves no trace.
      const parsed = readRosterFile(file);
      if (!parsed.ok) {
        if (parsed.errors.length === 1 && parsed.errors[0]?.startsWith(`${file}: `)) {
          throw new Fatal(`${parsed.errors[0]} (nothing changed)`);
        }
        io.err(`patchbot import: ${file} was not loaded (nothing changed):`);
        for (const e of parsed.errors) io.err(`  ${e}`);
        return 1;
      }
      const summary = withDb((db) => importRoster(db, parsed.roster, Date.now()));
      io.out(`Imported ${file}: ${describeSummary(summary)}`);
      return 0;
    },
  },
  'export escalations': {
    synopsis: 'export escalations --from YYYY-MM-DD --to YYYY-MM-DD [--out FILE]',
    summary: 'every escalation raised on those local days, one CSV row per step',
    options: RANGE_OPTIONS,
    run({ values, io }) {
      const range = parseExportRange(str(values.from), str(values.to));
      if (!range.ok) throw new Fatal(range.message, 2);
      const { csv, escalations, rows } = withDb((db) => exportEscalationsCsv(db, range.from, range.to));
      return writeOutput(io, str(values.out), csv, `${escalations} escalations (${rows} rows)`);
    },
  },
};

const str = (v: string | boolean | undefined): string | undefined => (typeof v === 'string' ? v : undefined);

function usage(): string {
  const width = Math.max(...Object.values(COMMANDS).map((c) => c.synopsis.length)) + 2;
  const lines = Object.values(COMMANDS).map((c) =>
    c.synopsis.length + 2 > 40
      ? `  ${c.synopsis}\n  ${' '.repeat(40)}${c.summary}`
      : `  ${c.synopsis.padEnd(Math.min(width, 40))}${c.summary}`,
  );
  return [
    'Usage: patchbot <command> [options]',
    '',
    ...lines,
    `  ${'help'.padEnd(Math.min(width, 40))}this text; \`patchbot <command> --help\` for one command`,
    '',
  ].join('\n');
}

function commandHelp(name: string, c: Command): string {
  const lines = [`Usage: patchbot ${c.synopsis}`, '', c.summary];
  if (c.details) lines.push(...c.details);
  lines.push('', 'The database is DATABASE_PATH (default ./data/patchbot.db).');
  return lines.join('\n').replace(/^/, name === '' ? '' : '');
}

/** The command a line of arguments names: two words (`export visits`) before one (`import`). */
function findCommand(argv: string[]): { name: string; command: Command; rest: string[] } | null {
  const [first, second] = argv;
  if (first !== undefined && second !== undefined) {
    const two = `${first} ${second}`;
    const c = COMMANDS[two];
    if (c) return { name: two, command: c, rest: argv.slice(2) };
  }
  if (first === undefined) return null;
  const c = COMMANDS[first];
  return c ? { name: first, command: c, rest: argv.slice(1) } : null;
}

/** `patchbot …`. Returns the exit code; never throws. */
export async function runCli(argv: string[], io: Io = stdio): Promise<number> {
  const [first] = argv;
  if (first === undefined || first === 'help' || first === '--help' || first === '-h') {
    io.out(usage());
    return 0;
  }
  const found = findCommand(argv);
  if (!found) {
    const group = Object.keys(COMMANDS).filter((n) => n.startsWith(`${first} `));
    if (group.length > 0) {
      io.err(
        `patchbot ${first}: say which: ${group.map((n) => n.split(' ')[1]).join(', ')} (see \`patchbot help\`)`,
      );
      return 2;
    }
    io.err(`patchbot: unknown command "${oneLine(first)}" (see \`patchbot help\`)`);
    return 2;
  }
  const { name, command, rest } = found;
  let values: Values;
  let positionals: string[];
  try {
    const parsed = parseArgs({
      args: rest,
      options: { ...command.options, help: { type: 'boolean', short: 'h' } },
      allowPositionals: true,
      strict: true,
    });
    values = parsed.values as Values;
    positionals = parsed.positionals;
  } catch (err) {
    io.err(`patchbot ${name}: ${argumentProblem(err)} (see \`patchbot ${name} --help\`)`);
    return 2;
  }
  if (values.help) {
    io.out(commandHelp(name, command));
    return 0;
  }
  const [min, max] = command.positionals ?? [0, 0];
  if (positionals.length < min || positionals.length > max) {
    const what =
      positionals.length < min
        ? 'missing an argument'
        : `unexpected argument "${oneLine(positionals[max] ?? '')}"`;
    io.err(`patchbot ${name}: ${what}: usage is \`patchbot ${command.synopsis}\``);
    return 2;
  }
  try {
    return await command.run({ values, positionals, io });
  } catch (err) {
    return reportFailure(io, name, err);
  }
}

/** parseArgs' own messages, shortened to one plain line. */
function argumentProblem(err: unknown): string {
  const code = (err as { code?: string }).code;
  const message = err instanceof Error ? err.message : String(err);
  const flag = /'(-[^' ]+)/.exec(message)?.[1];
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') return `unknown option ${flag ?? ''}`.trim();
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
    return flag ? `${flag} needs a value (e.g. ${flag}=VALUE)` : oneLine(message);
  }
  if (code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') return 'unexpected argument';
  return oneLine(message);
}

/** Any failure of a command: one line, exit 1 (or the Fatal's own code). */
export function reportFailure(io: Io, name: string, err: unknown): number {
  if (err instanceof ConfigError) {
    io.err(`patchbot ${name}: cannot start, the environment is not right:`);
    for (const p of err.problems) io.err(`  ${p}`);
    return 1;
  }
  if (err instanceof Fatal) {
    io.err(`patchbot ${name}: ${err.message}`);
    return err.exitCode;
  }
  const e = err instanceof Error ? err : new Error(String(err));
  io.err(`patchbot ${name}: unexpected ${e.name}: ${oneLine(e.message)}`);
  return 1;
}
