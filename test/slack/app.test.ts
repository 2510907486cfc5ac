import { HTTPReceiver, SocketModeReceiver } from '@slack/bolt';
import { describe, expect, it } from 'vitest';
import type { Config } from '../../src/config.ts';
import { silentLog } from '../../src/log.ts';
import { createSlackApp } from '../../src/slack/app.ts';

const base: Config = {
  slackBotToken: 'xoxb-test',
  slackSigningSecret: 'secret',
  slackAppToken: undefined,
  slackApiUrl: undefined,
  port: 0,
  healthPort: undefined,
  databasePath: ':memory:',
  deliveryConcurrency: 20,
  logLevel: 'error',
};

const receiverOf = (app: unknown) => (app as { receiver: unknown }).receiver;

describe('createSlackApp', () => {
  it('uses Socket Mode when an app token is set', () => {
    const { app } = createSlackApp({ ...base, slackAppToken: 'xapp-1-test' }, silentLog);
    expect(receiverOf(app)).toBeInstanceOf(SocketModeReceiver);
  });

  it('uses the signed HTTP receiver on /slack/events otherwise', () => {
    const { app } = createSlackApp(base, silentLog);
    const receiver = receiverOf(app);
    expect(receiver).toBeInstanceOf(HTTPReceiver);
    expect((receiver as { endpoints: string[] }).endpoints).toEqual(['/slack/events']);
  });
});
