import { type Logger as BoltLogger, LogLevel } from '@slack/bolt';

export type Level = 'trace' | 'debug' | 'info' | 'warn' | 'error';
const ORDER: Record<Level, number> = { trace: 10, debug: 20, info: 30, warn: 40, error: 50 };

/** Fields are ids, counts and codes: never client names or note text. */
export type Fields = Record<string, string | number | boolean | null | undefined>;

export interface Log {
  debug(event: string, fields?: Fields): void;
  info(event: string, fields?: Fields): void;
  warn(event: string, fields?: Fields): void;
  error(event: string, fields?: Fields): void;
}

/** One JSON line per event: `{"t":"…","level":"info","event":"visit.claimed","visit":42,"user":"U…"}`. */
export function createLog(
  level: Level,
  write: (line: string) => void = (l) => process.stdout.write(`${l}\n`),
): Log {
  const emit = (at: Level, event: string, fields?: Fields) => {
    if (ORDER[at] < ORDER[level]) return;
    write(JSON.stringify({ t: new Date().toISOString(), level: at, event, ...fields }));
  };
  return {
    debug: (e, f) => emit('debug', e, f),
    info: (e, f) => emit('info', e, f),
    warn: (e, f) => emit('warn', e, f),
    error: (e, f) => emit('error', e, f),
  };
}

export const silentLog: Log = { debug() {}, info() {}, warn() {}, error() {} };

/** The error's class and Slack error code only: messages may echo user input. */
export function errorFields(err: unknown): Fields {
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code;
    const data = (err as { data?: { error?: unknown } }).data;
    return {
      error: err.name,
      code: typeof code === 'string' ? code : undefined,
      slackError: typeof data?.error === 'string' ? data.error : undefined,
    };
  }
  return { error: typeof err };
}

/**
 * Bolt's and the WebClient's logger, routed into our JSON lines. Strings are kept as `detail` (clipped);
 * objects are never written out.
 */
export function boltLogger(log: Log, level: Level): BoltLogger {
  let current = level === 'trace' ? LogLevel.DEBUG : (level as LogLevel);
  // Only the library's own words: at debug level it logs request and response bodies (names, notes),
  // as objects or as JSON inside strings. Both are cut off.
  const words = (m: string) => m.split(/[{[]/, 1)[0]?.slice(0, 160).trimEnd() ?? '';
  const text = (msg: unknown[]) =>
    msg
      .map((m) => (m instanceof Error ? m.name : typeof m === 'string' ? words(m) : `[${typeof m}]`))
      .join(' ');
  return {
    debug: (...m) => log.debug('bolt', { detail: text(m) }),
    info: (...m) => log.info('bolt', { detail: text(m) }),
    warn: (...m) => log.warn('bolt', { detail: text(m) }),
    error: (...m) => log.error('bolt', { detail: text(m) }),
    setLevel: (l) => {
      current = l;
    },
    getLevel: () => current,
    setName: () => {},
  };
}
