import type { Server } from 'node:http';
import { App, HTTPReceiver } from '@slack/bolt';
import { type RetryOptions, WebClient } from '@slack/web-api';
import type { Config } from '../config.ts';
import { boltLogger, errorFields, type Log } from '../log.ts';

/**
 * The Bolt app: Socket Mode when an app token is set, otherwise the HTTP receiver on `/slack/events`
 * (which checks every request's signature and answers 401 to a bad or stale one).
 */

/** Calls made while a person waits (views.open, ephemeral answers): two quick retries, then give up. */
const INTERACTIVE_RETRIES: RetryOptions = { retries: 2, factor: 2, minTimeout: 200, maxTimeout: 1000 };
/** A hung call must not hold a handler or the deliverer. */
const CALL_TIMEOUT_MS = 10_000;

export interface SlackApp {
  app: App;
  /** Resolves when every request being handled has finished (tests, shutdown). */
  settled(): Promise<void>;
  start(): Promise<{ port?: number }>;
  stop(): Promise<void>;
}

export function createSlackApp(config: Config, log: Log): SlackApp {
  const logger = boltLogger(log, config.logLevel);
  const clientOptions = {
    ...(config.slackApiUrl ? { slackApiUrl: config.slackApiUrl } : {}),
    retryConfig: INTERACTIVE_RETRIES,
    timeout: CALL_TIMEOUT_MS,
    rejectRateLimitedCalls: true,
  };
  const app = config.slackAppToken
    ? new App({
        token: config.slackBotToken,
        appToken: config.slackAppToken,
        socketMode: true,
        logger,
        clientOptions,
      })
    : new App({
        token: config.slackBotToken,
        receiver: new HTTPReceiver({
          signingSecret: config.slackSigningSecret,
          endpoints: '/slack/events',
          processBeforeResponse: false,
          logger,
        }),
        logger,
        clientOptions,
      });

  const inflight = new Set<Promise<unknown>>();
  app.use(async ({ next }) => {
    const p = next();
    inflight.add(p);
    try {
      await p;
    } finally {
      inflight.delete(p);
    }
  });
  app.error(async (err) => {
    log.error('slack.listener_failed', errorFields(err.original ?? err));
  });

  let server: Server | undefined;
  return {
    app,
    async settled() {
      while (inflight.size > 0) await Promise.allSettled([...inflight]);
    },
    async start() {
      if (config.slackAppToken) {
        await app.start();
        log.info('slack.started', { mode: 'socket' });
        return {};
      }
      server = (await app.start(config.port)) as Server;
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : config.port;
      log.info('slack.started', { mode: 'http', port });
      return { port };
    },
    async stop() {
      await app.stop();
    },
  };
}

/** The client the outbox delivers with: no retries of its own (the deliverer retries), a time-out, 429s handed back. */
export function createDeliveryClient(config: Config, log: Log): WebClient {
  return new WebClient(config.slackBotToken, {
    ...(config.slackApiUrl ? { slackApiUrl: config.slackApiUrl } : {}),
    retryConfig: { retries: 0 },
    timeout: CALL_TIMEOUT_MS,
    rejectRateLimitedCalls: true,
    logger: boltLogger(log, config.logLevel),
  });
}
