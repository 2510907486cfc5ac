import { z } from 'zod';

/** The one place that reads process.env. The variables are a contract (README, "Configuration"). */

/** The values .env.example and Slack's own docs show: a copy that was never filled in. */
const PLACEHOLDER = /your|example|placeholder|change.?me|xxxx|<|>/i;

const port = z
  .string()
  .regex(/^\d+$/, 'must be a whole number from 0 to 65535')
  .transform(Number)
  .pipe(z.number().max(65535, 'must be a whole number from 0 to 65535'));

const EnvSchema = z.object({
  SLACK_BOT_TOKEN: z
    .string({ error: 'is required (the bot token, xoxb-…)' })
    .regex(/^xoxb-/, 'must be a bot token starting with xoxb-')
    .refine(
      (v) => !PLACEHOLDER.test(v),
      'is still the placeholder from .env.example: paste the Bot User OAuth Token',
    ),
  SLACK_SIGNING_SECRET: z
    .string({ error: 'is required (Basic Information → Signing Secret)' })
    .min(1, 'must not be empty')
    .refine(
      (v) => !PLACEHOLDER.test(v),
      'is still the placeholder from .env.example: paste Basic Information → Signing Secret',
    ),
  SLACK_APP_TOKEN: z
    .string()
    .regex(/^xapp-/, 'must be an app-level token starting with xapp-')
    .refine((v) => !PLACEHOLDER.test(v), 'is still a placeholder: paste the app-level token (xapp-…)')
    .optional(),
  SLACK_API_URL: z
    .url({ protocol: /^https?$/, error: 'must be an http(s) URL such as https://slack.com/api/' })
    .optional(),
  PORT: port.default(3000),
  HEALTH_PORT: port.optional(),
  DATABASE_PATH: z.string().min(1, 'must not be empty').default('./data/patchbot.db'),
  DELIVERY_CONCURRENCY: z
    .string()
    .regex(/^\d+$/, 'must be a whole number from 1 to 100')
    .transform(Number)
    .pipe(
      z
        .number()
        .min(1, 'must be a whole number from 1 to 100')
        .max(100, 'must be a whole number from 1 to 100'),
    )
    .default(20),
  LOG_LEVEL: z
    .enum(['trace', 'debug', 'info', 'warn', 'error'], {
      error: 'must be one of trace, debug, info, warn, error',
    })
    .default('info'),
});

export interface Config {
  slackBotToken: string;
  slackSigningSecret: string;
  /** Set → Socket Mode; unset → HTTP receiver on `port`. */
  slackAppToken: string | undefined;
  /** Web API base URL, always ending with a slash. */
  slackApiUrl: string | undefined;
  port: number;
  /** Socket Mode only: where GET /healthz listens (off when unset). HTTP mode serves it on `port`. */
  healthPort: number | undefined;
  databasePath: string;
  /** How many Slack channels the deliverer serves at once (one call in flight per channel). */
  deliveryConcurrency: number;
  logLevel: 'trace' | 'debug' | 'info' | 'warn' | 'error';
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join('\n'));
  }
}

/** Empty strings count as unset, as they do in most .env files. */
function withoutBlanks(env: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) {
    if (value !== undefined && value.trim() !== '') out[key] = value.trim();
  }
  return out;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = EnvSchema.safeParse(withoutBlanks(env));
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((issue) => `${issue.path.join('.')} ${issue.message}`));
  }
  const e = parsed.data;
  return {
    slackBotToken: e.SLACK_BOT_TOKEN,
    slackSigningSecret: e.SLACK_SIGNING_SECRET,
    slackAppToken: e.SLACK_APP_TOKEN,
    slackApiUrl: e.SLACK_API_URL === undefined ? undefined : e.SLACK_API_URL.replace(/\/?$/, '/'),
    port: e.PORT,
    healthPort: e.HEALTH_PORT,
    databasePath: e.DATABASE_PATH,
    deliveryConcurrency: e.DELIVERY_CONCURRENCY,
    logLevel: e.LOG_LEVEL,
  };
}

/** What the CLI's other commands need: no Slack, only the database path. */
export function loadCliEnv(env: NodeJS.ProcessEnv = process.env): { databasePath: string } {
  const value = env.DATABASE_PATH?.trim();
  return { databasePath: value ? value : './data/patchbot.db' };
}
