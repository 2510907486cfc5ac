import type { Config } from '../../src/config.ts';

/** A complete Config for tests: HTTP mode on a free port, an in-memory database, quiet logs. */
export function testConfig(overrides: Partial<Config> = {}): Config {
  return {
    slackBotToken: 'xoxb-test-token',
    slackSigningSecret: 'test-signing-secret-0123456789',
    slackAppToken: undefined,
    slackApiUrl: undefined,
    port: 0,
    healthPort: undefined,
    databasePath: ':memory:',
    deliveryConcurrency: 20,
    logLevel: 'error',
    ...overrides,
  };
}
