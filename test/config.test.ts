import { describe, expect, it } from 'vitest';
import { ConfigError, loadCliEnv, loadConfig } from '../src/config.ts';

const COMPLETE = {
  SLACK_BOT_TOKEN: 'xoxb-1234-5678-abcdef',
  SLACK_SIGNING_SECRET: '8f742231b10e8888abcd99yyyzzz85a5',
  SLACK_APP_TOKEN: 'xapp-1-A0123-456-abcdef',
  SLACK_API_URL: 'http://127.0.0.1:9999/api',
  PORT: '8080',
  DATABASE_PATH: '/var/lib/patchbot/patchbot.db',
  LOG_LEVEL: 'debug',
};

/** The problems loadConfig reports for `env`, or a failure if it accepts it. */
function problemsOf(env: NodeJS.ProcessEnv): string[] {
  try {
    loadConfig(env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems;
  }
  throw new Error('loadConfig accepted the environment');
}

describe('loadConfig', () => {
  it('reads a complete environment, giving the API URL a trailing slash', () => {
    expect(loadConfig({ ...COMPLETE, UNRELATED: 'ignored' })).toEqual({
      slackBotToken: 'xoxb-1234-5678-abcdef',
      slackSigningSecret: '8f742231b10e8888abcd99yyyzzz85a5',
      slackAppToken: 'xapp-1-A0123-456-abcdef',
      slackApiUrl: 'http://127.0.0.1:9999/api/',
      port: 8080,
      healthPort: undefined,
      databasePath: '/var/lib/patchbot/patchbot.db',
      deliveryConcurrency: 20,
      logLevel: 'debug',
    });
  });

  it('keeps an API URL that already ends with a slash as it is', () => {
    expect(loadConfig({ ...COMPLETE, SLACK_API_URL: 'https://slack.com/api/' }).slackApiUrl).toBe(
      'https://slack.com/api/',
    );
  });

  it('needs only the bot token and signing secret; the rest has defaults', () => {
    expect(loadConfig({ SLACK_BOT_TOKEN: COMPLETE.SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET: 'secret' })).toEqual(
      {
        slackBotToken: COMPLETE.SLACK_BOT_TOKEN,
        slackSigningSecret: 'secret',
        slackAppToken: undefined,
        slackApiUrl: undefined,
        port: 3000,
        healthPort: undefined,
        databasePath: './data/patchbot.db',
        deliveryConcurrency: 20,
        logLevel: 'info',
      },
    );
  });

  it('names a missing bot token and a bad port in one line each', () => {
    const { SLACK_BOT_TOKEN: _, ...rest } = COMPLETE;
    expect(problemsOf({ ...rest, PORT: 'eighty' })).toEqual([
      'SLACK_BOT_TOKEN is required (the bot token, xoxb-…)',
      'PORT must be a whole number from 0 to 65535',
    ]);
    expect(problemsOf({ ...COMPLETE, PORT: '70000' })).toEqual([
      'PORT must be a whole number from 0 to 65535',
    ]);
    expect(problemsOf({ ...COMPLETE, PORT: '80.5' })).toEqual([
      'PORT must be a whole number from 0 to 65535',
    ]);
    expect(problemsOf({ ...COMPLETE, PORT: '0x10' })).toEqual([
      'PORT must be a whole number from 0 to 65535',
    ]);
  });

  it('reports every problem at once, and the error message lists them line by line', () => {
    const env = { SLACK_BOT_TOKEN: 'xoxp-user-token', LOG_LEVEL: 'loud' };
    let error: unknown;
    try {
      loadConfig(env);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = [
      'SLACK_BOT_TOKEN must be a bot token starting with xoxb-',
      'SLACK_SIGNING_SECRET is required (Basic Information → Signing Secret)',
      'LOG_LEVEL must be one of trace, debug, info, warn, error',
    ];
    expect((error as ConfigError).problems).toEqual(problems);
    expect((error as ConfigError).message).toBe(problems.join('\n'));
  });

  it('counts blank values as unset', () => {
    const config = loadConfig({
      ...COMPLETE,
      SLACK_APP_TOKEN: '',
      SLACK_API_URL: '   ',
      PORT: '',
      DATABASE_PATH: ' ',
      LOG_LEVEL: '',
    });
    expect(config).toMatchObject({
      slackAppToken: undefined,
      slackApiUrl: undefined,
      port: 3000,
      healthPort: undefined,
      databasePath: './data/patchbot.db',
      logLevel: 'info',
    });
    expect(problemsOf({ ...COMPLETE, SLACK_BOT_TOKEN: '  ', SLACK_SIGNING_SECRET: '' })).toEqual([
      'SLACK_BOT_TOKEN is required (the bot token, xoxb-…)',
      'SLACK_SIGNING_SECRET is required (Basic Information → Signing Secret)',
    ]);
  });

  it('trims surrounding whitespace from values', () => {
    const config = loadConfig({ ...COMPLETE, SLACK_BOT_TOKEN: ' xoxb-1 \n', PORT: ' 4000 ' });
    expect(config.slackBotToken).toBe('xoxb-1');
    expect(config.port).toBe(4000);
  });

  it('refuses an app token that does not start with xapp-', () => {
    expect(problemsOf({ ...COMPLETE, SLACK_APP_TOKEN: 'xoxb-1234-5678-abcdef' })).toEqual([
      'SLACK_APP_TOKEN must be an app-level token starting with xapp-',
    ]);
  });

  it('refuses an API URL that is not a URL', () => {
    expect(problemsOf({ ...COMPLETE, SLACK_API_URL: 'slack.com/api' })).toEqual([
      'SLACK_API_URL must be an http(s) URL such as https://slack.com/api/',
    ]);
    expect(problemsOf({ ...COMPLETE, SLACK_API_URL: 'ftp://slack.example/api/' })).toEqual([
      'SLACK_API_URL must be an http(s) URL such as https://slack.com/api/',
    ]);
  });
});

describe('loadCliEnv', () => {
  it('reads DATABASE_PATH, with the same default and blank handling as loadConfig', () => {
    expect(loadCliEnv({ DATABASE_PATH: ' /tmp/p.db ' })).toEqual({ databasePath: '/tmp/p.db' });
    expect(loadCliEnv({ DATABASE_PATH: '' })).toEqual({ databasePath: './data/patchbot.db' });
    expect(loadCliEnv({})).toEqual({ databasePath: './data/patchbot.db' });
  });
});

describe('placeholders', () => {
  it('refuses the unedited values of .env.example, naming each variable', () => {
    expect(
      problemsOf({
        SLACK_BOT_TOKEN: 'xoxb-your-bot-token',
        SLACK_SIGNING_SECRET: 'your-signing-secret',
        SLACK_APP_TOKEN: 'xapp-your-app-token',
      }),
    ).toEqual([
      'SLACK_BOT_TOKEN is still the placeholder from .env.example: paste the Bot User OAuth Token',
      'SLACK_SIGNING_SECRET is still the placeholder from .env.example: paste Basic Information → Signing Secret',
      'SLACK_APP_TOKEN is still a placeholder: paste the app-level token (xapp-…)',
    ]);
  });

  it('reads HEALTH_PORT as a port, unset by default', () => {
    expect(loadConfig({ ...COMPLETE, HEALTH_PORT: '9100' }).healthPort).toBe(9100);
    expect(problemsOf({ ...COMPLETE, HEALTH_PORT: 'x' })).toEqual([
      'HEALTH_PORT must be a whole number from 0 to 65535',
    ]);
  });
});
