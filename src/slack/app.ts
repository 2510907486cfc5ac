import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { App, HTTPReceiver } from '@slack/bolt';
import { type RetryOptions, WebClient } from '@slack/web-api';
import type { Config } from '../config.ts';
import { Fatal } from '../fatal.ts';
import { boltLogger, errorFields, type Log } from '../log.ts';

/**
 * The Bolt app: Socket Mode when an app token is set, otherwise Bolt's HTTP receiver on
 * `/slack/events` (which checks every request's signature and answers 401 to a bad or stale one),
 * served by our own HTTP server so that `/healthz` sits beside it and shutdown can drain.
 */

/** Calls made while a person waits (views.open, ephemeral answers): two quick retries, then give up. */
const INTERACTIVE_RETRIES: RetryOptions = { retries: 2, factor: 2, minTimeout: 200, maxTimeout: 1000 };
/** A hung call must not hold a handler or the deliverer. */
export const CALL_TIMEOUT_MS = 10_000;

/** Who the bot token says it is (auth.test). */
export interface BotIdentity {
  botId: string | undefined;
  botUserId: string | undefined;
  teamId: string | undefined;
}

export type HealthHandler = () => { status: number; body: unknown };

export interface SlackApp {
  app: App;
  /** Who the token belongs to, once auth.test has answered (after an outage at start). */
  setIdentity(identity: BotIdentity): void;
  /** Resolves when every request being handled has finished (tests, shutdown). */
  settled(): Promise<void>;
  /** Starts listening: HTTP on `config.port`, or Socket Mode (plus `/healthz` on `healthPort` if set). */
  start(health: HealthHandler): Promise<{ port?: number }>;
  /** Stops taking requests, lets the ones in flight finish, closes the listener. */
  stop(): Promise<void>;
}

/** Who the token belongs to, by auth.test. Throws what the client throws (see isBadTokenError). */
export async function whoAmI(client: WebClient): Promise<BotIdentity> {
  const res = await client.auth.test();
  return {
    botId: typeof res.bot_id === 'string' ? res.bot_id : undefined,
    botUserId: typeof res.user_id === 'string' ? res.user_id : undefined,
    teamId: typeof res.team_id === 'string' ? res.team_id : undefined,
  };
}

/** Slack errors that mean the token itself is wrong: no retry can mend them. */
const BAD_TOKEN = new Set([
  'invalid_auth',
  'not_authed',
  'token_revoked',
  'token_expired',
  'account_inactive',
  'no_permission',
  'not_allowed_token_type',
]);

export function isBadTokenError(err: unknown): string | null {
  const code = (err as { data?: { error?: unknown } } | null)?.data?.error;
  return typeof code === 'string' && BAD_TOKEN.has(code) ? code : null;
}

export function badTokenFatal(variable: string, slackError: string): Fatal {
  return new Fatal(
    `${variable} was refused by Slack (${slackError}): copy the token again from the app's settings`,
  );
}

export function createSlackApp(config: Config, log: Log, identity?: BotIdentity): SlackApp {
  const logger = boltLogger(log, config.logLevel);
  const clientOptions = {
    ...(config.slackApiUrl ? { slackApiUrl: config.slackApiUrl } : {}),
    retryConfig: INTERACTIVE_RETRIES,
    timeout: CALL_TIMEOUT_MS,
    rejectRateLimitedCalls: true,
  };
  // One token, and who it belongs to as auth.test said at start. Bolt's own token handling would call
  // auth.test lazily on a request, where a refusal is an unhandled rejection, and with verification
  // off it calls it on every request. So the app is authorized with what we already know.
  let known: BotIdentity | undefined = identity;
  const authorize = async () => ({
    botToken: config.slackBotToken,
    ...(known?.botId ? { botId: known.botId } : {}),
    ...(known?.botUserId ? { botUserId: known.botUserId } : {}),
    ...(known?.teamId ? { teamId: known.teamId } : {}),
  });
  const receiver = config.slackAppToken
    ? undefined
    : new HTTPReceiver({
        signingSecret: config.slackSigningSecret,
        endpoints: '/slack/events',
        processBeforeResponse: false,
        logger,
      });
  const appToken = config.slackAppToken;
  const app = receiver
    ? new App({ authorize, receiver, logger, clientOptions })
    : new App({
        authorize,
        ...(appToken ? { appToken } : {}),
        socketMode: true,
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
  let draining = false;
  let open = 0;
  const drained: Array<() => void> = [];

  const listen = (port: number, health: HealthHandler, slack: boolean) =>
    new Promise<Server>((resolve, reject) => {
      const s = createServer((req: IncomingMessage, res: ServerResponse) => {
        open++;
        res.on('close', () => {
          open--;
          if (open === 0) for (const f of drained.splice(0)) f();
        });
        const path = (req.url ?? '').split('?', 1)[0];
        if (path === '/healthz' && (req.method === 'GET' || req.method === 'HEAD')) {
          const { status, body } = health();
          res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
          res.end(req.method === 'HEAD' ? undefined : JSON.stringify(body));
          return;
        }
        if (draining) {
          // Shutting down: say so plainly, and close the connection so the client goes elsewhere.
          res.writeHead(503, { 'content-type': 'text/plain', connection: 'close', 'retry-after': '5' });
          res.end('patchbot is restarting\n');
          return;
        }
        if (slack && receiver) {
          if (fromTheFuture(req)) {
            // Bolt refuses stale signatures only; a timestamp far ahead would let a stolen body be
            // replayed for as long as its clock says. Refused the same way (401), before any parsing.
            res.writeHead(401, { 'content-type': 'text/plain' });
            res.end('request timestamp is in the future\n');
            return;
          }
          receiver.requestListener(req, res);
          return;
        }
        res.writeHead(404, { 'content-type': 'text/plain' });
        res.end('not found\n');
      });
      s.once('error', (err) => reject(err));
      s.listen(port, () => resolve(s));
    });

  const portOf = (s: Server) => (s.address() as AddressInfo).port;

  return {
    app,
    setIdentity(identity) {
      known = identity;
    },
    async settled() {
      while (inflight.size > 0) await Promise.allSettled([...inflight]);
    },
    async start(health) {
      if (!receiver) {
        try {
          await app.start();
        } catch (err) {
          const bad = isBadTokenError(err);
          if (bad) throw badTokenFatal('SLACK_APP_TOKEN', bad);
          throw new Fatal(
            `Socket Mode could not connect to Slack: ${errorFields(err).slackError ?? (err as Error).message}`,
          );
        }
        log.info('slack.started', { mode: 'socket' });
        if (config.healthPort === undefined) return {};
        server = await listenOrFatal(
          () => listen(config.healthPort as number, health, false),
          'HEALTH_PORT',
          config.healthPort,
        );
        log.info('health.listening', { port: portOf(server) });
        return { port: portOf(server) };
      }
      server = await listenOrFatal(() => listen(config.port, health, true), 'PORT', config.port);
      log.info('slack.started', { mode: 'http', port: portOf(server) });
      // An operator who set HEALTH_PORT looks for /healthz there: say where it is instead.
      if (config.healthPort !== undefined) {
        log.warn('health.port_unused', { healthPort: config.healthPort, servedOn: portOf(server) });
      }
      return { port: portOf(server) };
    },
    async stop() {
      draining = true;
      if (server) {
        const s = server;
        const closed = new Promise<void>((r) => s.close(() => r()));
        s.closeIdleConnections();
        if (open > 0) await new Promise<void>((r) => drained.push(r));
        s.closeIdleConnections();
        await closed;
        server = undefined;
      }
      if (!receiver) await app.stop();
    },
  };
}

/** Slack signs with the time it sent: more than five minutes ahead of ours is a forgery or a replay. */
export const MAX_CLOCK_SKEW_S = 300;
function fromTheFuture(req: IncomingMessage): boolean {
  const header = req.headers['x-slack-request-timestamp'];
  const ts = Number(Array.isArray(header) ? header[0] : header);
  return Number.isFinite(ts) && ts > Date.now() / 1000 + MAX_CLOCK_SKEW_S;
}

async function listenOrFatal(listen: () => Promise<Server>, variable: string, port: number): Promise<Server> {
  try {
    return await listen();
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === 'EADDRINUSE') throw new Fatal(`${variable} ${port} is already in use by another process`);
    if (code === 'EACCES')
      throw new Fatal(`${variable} ${port}: permission denied (ports below 1024 need privileges)`);
    throw new Fatal(`${variable} ${port}: cannot listen (${code ?? 'error'})`);
  }
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
