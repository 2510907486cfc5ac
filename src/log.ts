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

/** The error's class name, when it looks like one (a name is settable, so it is checked too). */
function errorClass(err: Error): string {
  return /^[A-Za-z_$][\w$]{0,60}$/.test(err.name) ? err.name : 'Error';
}

/** The error's class and Slack error code only: messages may echo user input. */
export function errorFields(err: unknown): Fields {
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code;
    const data = (err as { data?: { error?: unknown } }).data;
    return {
      error: errorClass(err),
      code: typeof code === 'string' ? code : undefined,
      slackError: typeof data?.error === 'string' ? data.error : undefined,
    };
  }
  return { error: typeof err };
}

/** After a colon, a value is kept only when every word of it is one of these: codes, never prose. */
const CODE_WORDS = [
  /^[a-z0-9]+(?:_[a-z0-9]+)+$/, // snake_case codes: invalid_auth, not_in_channel, envelope_id
  /^[a-z0-9.+-]*\/[a-z0-9.+/-]*$/, // MIME types and bare paths: application/json, /slack/events
  /^E[A-Z]{3,}$/, // Node's error codes: ECONNREFUSED, ETIMEDOUT
  /^\d[\d.:]*(?:ms|s|%)?$/, // numbers, addresses, durations: 500, 127.0.0.1:3000, 30s
];

/**
 * The library's own words in a log string, and none of the data it may carry. Bolt, the WebClient and
 * Socket Mode write request and response bodies (names, notes) into their strings at debug level, and
 * echo payload text in parse errors (`Unexpected token 'M', "Mrs Okonkw"... is not valid JSON`). So:
 * everything from the first `{` or `[` goes; every quoted fragment ("…", '…', `…`, “…”, ‘…’) becomes
 * `…`; a query string becomes `?…`; and after a colon, a value stays only when it is made of codes
 * (invalid_auth, application/json, ECONNREFUSED, 500), otherwise it and all that follows becomes `…`.
 */
export function logWords(message: string): string {
  let s = message.split(/[{[]/, 1)[0] ?? '';
  s = s
    // A quote opens after a non-letter, so the apostrophe in "can't" is not one; an unclosed one runs to the end.
    .replace(/(^|[^\p{L}\p{N}])(["'`“‘])[\s\S]*?(?:["'`”’](?![\p{L}\p{N}])|$)/gu, '$1…')
    .replace(/\?[^\s)]*/g, '?…');
  const [head = '', ...values] = s.split(/:\s+/);
  let out = head;
  for (const value of values) {
    const words = value.split(/[\s,()]+/).filter((w) => w !== '');
    if (words.length === 0 || !words.every((w) => CODE_WORDS.some((re) => re.test(w)))) {
      out += ': …';
      break;
    }
    out += `: ${value}`;
  }
  return out.replace(/\s+/g, ' ').slice(0, 160).trimEnd();
}

/**
 * Bolt's and the WebClient's logger, routed into our JSON lines. Strings are kept as `detail`, reduced
 * to the library's own words (logWords); errors as their class; other objects are never written out.
 */
export function boltLogger(log: Log, level: Level): BoltLogger {
  let current = level === 'trace' ? LogLevel.DEBUG : (level as LogLevel);
  const text = (msg: unknown[]) =>
    msg
      .map((m) =>
        m instanceof Error ? errorClass(m) : typeof m === 'string' ? logWords(m) : `[${typeof m}]`,
      )
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
