import { type ParseArgsConfig, parseArgs } from 'node:util';
import { DatabaseOpenError, type Db, openDb } from '../db/index.ts';
import { ConfigError, loadCliEnv, loadConfig } from './config.ts';
import { exportEscalationsCsv, parseExportRange } from './escalation/export.ts';
import { Fatal, oneLine } from './fatal.ts';
import { importRosterWithVisits } from './hub.ts';
import { writeOutput } from './output.ts';
import { exportRoster } from './patches/export.ts';
import { describeSummary, readRosterFile } from './patches/import.ts';
import { parseReportArgs, reportOutput } from './report/export.ts';
import { type OutboxRow, outboxListing, unpark } from './slack/outbox.ts';
import { exportVisitsCsv } from './visits/export.ts';

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
      const summary = withDb((db) => importRosterWithVisits(db, parsed.roster, Date.now()));
      io.out(`Imported ${file}: ${describeSummary(summary)}`);
      for (const w of summary.warnings) io.out(`  warning: ${w}`);
      if (summary.warnings.length > 0)
        io.out(
          '  (sign them off with /competence in Slack; until then the supervisors are told the day before each such visit)',
        );
      return 0;
    },
  },
  'roster export': {
    synopsis: 'roster export [--out FILE]',
    summary: 'write the set-up in the database (with every change made from Slack) as a roster file',
    details: [
      'Importing the file it writes changes nothing. Archived patches, clients and plans are left out.',
      'A patch whose channel the bot is still to make says `channel: new`; once made, its id is written.',
    ],
    options: { out: { type: 'string' } },
    run({ values, io }) {
      const header = ` patchbot roster export, ${new Date().toISOString()}. Importing this file changes nothing;\n edit it and import it to change the set-up (docs/roster.md).`;
      const result = withDb((db) => exportRoster(db, { header }));
      if (!result.ok) {
        if (result.problems.length === 1) throw new Fatal(result.problems[0] as string);
        io.err('patchbot roster export: the set-up cannot be written as a roster file that imports:');
        for (const p of result.problems) io.err(`  ${p}`);
        return 1;
      }
      const what = `the roster (${result.patches} patches, ${result.clients} clients, ${result.plans} visit plans)`;
      return writeOutput(io, str(values.out), result.yaml, what);
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
  report: {
    synopsis: 'report --week YYYY-Www [--format text|csv] [--out FILE]',
    summary:
      "a week's quality report, each patch beside the week before (what the supervisors get on Monday)",
    details: [
      'The week is an ISO week, Monday 00:00 to Monday 00:00 local (e.g. 2026-W48), and must have ended.',
      "text (the default): all patches, then each patch. csv: one row per patch, the week before's figures in",
      'prev_ columns, then a row for all patches (empty patch_code). Each figure is defined in docs/report.md.',
    ],
    options: { week: { type: 'string' }, format: { type: 'string' }, out: { type: 'string' } },
    run({ values, io }) {
      // Checked before the database is opened: a mistyped week leaves no trace.
      const args = parseReportArgs(str(values.week), str(values.format));
      if (!args.ok) throw new Fatal(args.message, 2);
      const output = withDb((db) => reportOutput(db, args.week, args.format, Date.now()));
      if (!output.ok) throw new Fatal(output.message, 2);
      return writeOutput(io, str(values.out), output.text, output.what);
    },
  },
  'export visits': {
    synopsis: 'export visits --from YYYY-MM-DD --to YYYY-MM-DD [--patch CODE] [--out FILE]',
    summary: 'every visit on those local days, one CSV row each: planned, who went, when, how it ended',
    details: [
      'Fixed and flexible visits; times in the provider’s zone with their offset. --patch keeps one patch.',
    ],
    options: { ...RANGE_OPTIONS, patch: { type: 'string' } },
    run({ values, io }) {
      const range = parseExportRange(str(values.from), str(values.to));
      if (!range.ok) throw new Fatal(range.message, 2);
      const patch = str(values.patch);
      const result = withDb((db) =>
        exportVisitsCsv(db, range.from, range.to, patch === undefined ? {} : { patch }),
      );
      if (!result.ok) throw new Fatal(result.message, 2);
      return writeOutput(io, str(values.out), result.csv, `${result.visits} visits`);
    },
  },
  outbox: {
    synopsis: 'outbox',
    summary: 'messages parked as undeliverable, and those still waiting for Slack, with their last errors',
    details: [
      'A parked message is never retried on its own: mend the cause (invite the bot, fix a scope), then retry it.',
    ],
    run({ io }) {
      const { parked, waiting } = withDb((db) => outboxListing(db));
      const now = Date.now();
      const line = (r: OutboxRow, since: number | null) =>
        `  ${r.subject.padEnd(24)} ${r.channel.padEnd(12)} ${since === null ? '' : `${ago(now - since)} `}${r.lastError ? `last error: ${r.lastError}` : ''}`.trimEnd();
      io.out(
        parked.length === 0
          ? 'Parked: none.'
          : `Parked (${parked.length}): not sent until retried (\`patchbot outbox retry SUBJECT|--all\`)`,
      );
      for (const r of parked) io.out(line(r, r.parkedAt));
      io.out(
        waiting.length === 0
          ? 'Waiting: none.'
          : `Waiting (${waiting.length}): due to Slack, most urgent first`,
      );
      for (const r of waiting) io.out(line(r, r.pendingSince));
      return 0;
    },
  },
  'outbox retry': {
    synopsis: 'outbox retry SUBJECT | --all',
    summary: 'put parked messages back in the queue (a running bot sends them within seconds)',
    options: { all: { type: 'boolean' } },
    positionals: [0, 1],
    run({ values, positionals, io }) {
      const subject = positionals[0];
      if (!subject === !values.all)
        throw new Fatal('name one SUBJECT (see `patchbot outbox`) or give --all', 2);
      const n = withDb((db) => unpark(db, Date.now(), subject));
      if (subject && n === 0) throw new Fatal(`${subject} is not parked (see \`patchbot outbox\`)`);
      io.out(`Put ${n} parked message${n === 1 ? '' : 's'} back in the queue.`);
      return 0;
    },
  },
};

/** "3 min ago", "2 h ago": how long a row has waited. */
function ago(ms: number): string {
  const min = Math.max(0, Math.round(ms / 60_000));
  return min < 120 ? `${min} min ago` : `${Math.round(min / 60)} h ago`;
}

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
