import { delay, type HttpHandler, HttpResponse, http } from 'msw';
import { type SetupServer, setupServer } from 'msw/node';
import { checkMessageBlocks } from './blocks.ts';
import { HOOKS_ORIGIN, TEAM_ID } from './signed.ts';
import {
  type Args,
  type FakeChannel,
  type FakeEphemeral,
  type FakeHome,
  type FakeMessage,
  type FakeView,
  isObj,
  type Outcome,
  type ResponseUrlContext,
  rand,
  SlackWorkspace,
} from './workspace.ts';

/**
 * A local stand-in for Slack's Web API and response_urls, built on msw, used by the test suite and the
 * offline demo. It keeps messages, threads, ephemerals and views in memory (fake-slack-workspace.ts),
 * answers with Slack's real response shapes (HTTP 200 with `ok:true/false`, 429 with Retry-After), checks
 * Block Kit limits like Slack does (fake-slack-blocks.ts), and injects faults (rate limits, 5xx, network
 * errors, outages).
 *
 * IMPORTANT: `@slack/web-api` 8 and Bolt 5's `respond()` call `globalThis.fetch`, which msw patches when its
 * server starts listening. A `WebClient` (and a Bolt `App`) keeps the `fetch` it saw when it was constructed,
 * so call {@link startFakeSlackServer} BEFORE building the app or any WebClient, or their calls go to the
 * real network.
 */

export { APP_ID, BOT_ID, BOT_USER_ID, HOOKS_ORIGIN, TEAM_ID } from './signed.ts';
export type {
  Args,
  Block,
  FakeChannel,
  FakeEphemeral,
  FakeHome,
  FakeMessage,
  FakeView,
  ResponseUrlContext,
} from './workspace.ts';
export { tsMicros } from './workspace.ts';

export interface FakeCall {
  method: string;
  args: Args;
  /** The fake's clock (the app's hand-driven clock in flow tests). */
  at: number;
  /** Real time (`performance.now()`) when the answer was made, for benchmarks. */
  realAt: number;
  token?: string;
  /** Why the call failed: a Slack error code, or `http_429`, `http_503`, `network`, `outage`. */
  failed?: string;
}
export interface FakeSlackError {
  method: string;
  message: string;
}
export type Fault =
  | { status: 429; retryAfter: number }
  | { status: 500 | 502 | 503 }
  | { network: true }
  | { error: string }
  /** Slack does the call, but its answer never arrives (a time-out after the work was done). */
  | { lostAnswer: true };
export interface FakeSlackOptions {
  /** Base URL of the Web API; give the same to `new WebClient(token, { slackApiUrl })`. */
  apiUrl?: string;
  /** Milliseconds; drives message ts and `FakeCall.at`. Defaults to Date.now. */
  clock?: () => number;
  /** Delay before every answer. */
  latencyMs?: number;
  /** Refuse a channel's second post within a second (see {@link FakeSlack.postPacing}). Off by default. */
  postPacing?: boolean | { minGapMs: number };
}

/** Slack's rule for posting: about one message a second in any one channel. */
export const POST_GAP_MS = 1000;

/** Fields @slack/web-api JSON-encodes inside its urlencoded bodies. */
const JSON_FIELDS = new Set(['blocks', 'view', 'metadata', 'attachments']);
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);
/** A response_url may be used up to 5 times (SLACK.md §1). */
const RESPONSE_URL_USES = 5;

export class FakeSlack {
  readonly apiUrl: string;
  readonly handlers: HttpHandler[];
  readonly calls: FakeCall[] = [];
  readonly responses: Array<{ url: string; body: Record<string, unknown> }> = [];
  readonly errors: FakeSlackError[] = [];
  /** Delay before every answer (Web API and response_urls), in milliseconds; may be changed at any time. */
  latencyMs: number;
  /**
   * Slack's per-channel posting limit, when set: a `chat.postMessage` that reaches the fake less than
   * `minGapMs` of real time after the last accepted post in the same channel is answered HTTP 429 with
   * `Retry-After: 1` and changes nothing. Real Slack allows short bursts; this is the strict rule. Null:
   * off (the default). May be switched at any time.
   */
  postPacing: { minGapMs: number } | null;
  /** Posts refused by `postPacing`: the channel, and how soon after its last accepted post it arrived. */
  readonly paceRefusals: Array<{ channel: string; gapMs: number }> = [];
  private readonly lastPostArrival = new Map<string, number>();
  private readonly clock: () => number;
  private readonly ws: SlackWorkspace;
  private readonly responseUrls = new Map<string, ResponseUrlContext & { uses: number }>();
  /** Faults to inject; with `channel`, only calls whose `channel` argument is that one. */
  private readonly faults: Array<{ method: string; fault: Fault; times: number; channel?: string }> = [];
  private down = false;
  private seq = 0;
  private readonly refused = new Map<string, string>();

  constructor(opts: FakeSlackOptions = {}) {
    const url = opts.apiUrl ?? 'https://slack.test/api/';
    this.apiUrl = url.endsWith('/') ? url : `${url}/`;
    this.clock = opts.clock ?? Date.now;
    this.latencyMs = opts.latencyMs ?? 0;
    this.postPacing =
      opts.postPacing === true
        ? { minGapMs: POST_GAP_MS }
        : opts.postPacing
          ? { minGapMs: opts.postPacing.minGapMs }
          : null;
    this.ws = new SlackWorkspace(this.clock, (method, message) => this.recordError(method, message));
    this.handlers = [
      http.post(`${this.apiUrl}:method`, async ({ request, params }) => {
        // When the request reached Slack: what Slack's posting limit is measured against.
        const arrivedAt = performance.now();
        const { args, token } = await parseRequest(request);
        if (this.latencyMs > 0) await delay(this.latencyMs);
        return this.webApi(String(params.method), args, token, arrivedAt);
      }),
      http.post(`${HOOKS_ORIGIN}/*`, async ({ request }) => {
        const text = await request.text();
        let body: unknown;
        try {
          body = JSON.parse(text);
        } catch {
          body = Object.fromEntries(new URLSearchParams(text));
        }
        if (this.latencyMs > 0) await delay(this.latencyMs);
        return this.responseUrlPost(request.url, isObj(body) ? body : {});
      }),
    ];
  }

  /**
   * A fresh, unique response_url under https://hooks.slack.test/ to put in a slash command or block_actions
   * payload. `ctx` says what a `respond()` to it affects: `replace_original`/`delete_original` act on
   * `messageTs` in `channel`; `response_type:'in_channel'` posts to `channel`; otherwise it becomes an
   * ephemeral for `user`.
   */
  responseUrl(ctx: ResponseUrlContext = {}): string {
    const url = `${HOOKS_ORIGIN}/actions/${TEAM_ID}/${++this.seq}${Date.now() % 1e6}/${rand()}${rand()}`;
    this.responseUrls.set(url, { ...ctx, uses: 0 });
    return url;
  }

  /** Top-level messages of a channel, in post order. */
  messages(channel: string): FakeMessage[] {
    return this.ws.messages(channel);
  }
  /** Replies in a thread (without the parent), in post order. */
  replies(channel: string, threadTs: string): FakeMessage[] {
    return this.ws.replies(channel, threadTs);
  }
  /** Any message (top-level or reply) by channel and ts. */
  message(channel: string, ts: string): FakeMessage | undefined {
    return this.ws.message(channel, ts);
  }
  get ephemerals(): FakeEphemeral[] {
    return this.ws.ephemerals;
  }
  /** Every views.open / views.update / views.push that succeeded, in order, with the view as Slack stored it. */
  get views(): FakeView[] {
    return this.ws.views;
  }
  /** Every views.publish that succeeded (a person's Home tab), in order. */
  get published(): FakeHome[] {
    return this.ws.published;
  }
  /** The Home tab a person sees now, or undefined when none was ever published for them. */
  home(user: string): Record<string, unknown> | undefined {
    return this.ws.home(user);
  }
  /** The newest version of a view, by id. */
  view(id: string): Record<string, unknown> | undefined {
    return this.ws.view(id);
  }
  /** The chat.postMessage calls that succeeded, optionally only those to one channel. */
  posts(channel?: string): FakeCall[] {
    return this.calls.filter(
      (c) =>
        c.method === 'chat.postMessage' && !c.failed && (channel === undefined || c.args.channel === channel),
    );
  }
  /** A channel as Slack has it (made by conversations.create, added by a test, or one the tests post to). */
  channel(id: string): FakeChannel | undefined {
    return this.ws.channel(id);
  }
  /** Every channel made or added, in order. */
  channels(): FakeChannel[] {
    return this.ws.channels();
  }
  /** Adds a channel as a test wants it: someone else's, with members, archived… */
  addChannel(
    c: Partial<Omit<FakeChannel, 'members'>> & { name: string; members?: Iterable<string> },
  ): FakeChannel {
    return this.ws.addChannel(c);
  }
  /** Sets fields users.info returns for this user (e.g. `{ tz: 'America/New_York', real_name }`). */
  setUser(id: string, fields: Record<string, unknown>): void {
    this.ws.setUser(id, fields);
  }

  /**
   * The next `times` calls to `method` fail with `fault` and change nothing. `'*'` matches any Web API
   * method; `'response_url'` matches posts to response_urls (not matched by `'*'`).
   */
  failNext(method: string, fault: Fault, times = 1, channel?: string): void {
    this.faults.push({ method, fault, times, ...(channel ? { channel } : {}) });
  }
  /** Every call made with `token` answers `error` (a revoked or mistyped token). */
  refuseToken(token: string, error = 'invalid_auth'): void {
    this.refused.set(token, error);
  }
  /** While on, every Web API call answers HTTP 503 and changes nothing. */
  outage(on: boolean): void {
    this.down = on;
  }
  recordError(method: string, message: string): void {
    this.errors.push({ method, message });
  }
  /** Returns and clears the recorded errors (for tests that provoke them on purpose). */
  takeErrors(): FakeSlackError[] {
    return this.errors.splice(0);
  }
  reset(): void {
    this.calls.length = 0;
    this.responses.length = 0;
    this.errors.length = 0;
    this.faults.length = 0;
    this.responseUrls.clear();
    this.ws.reset();
    this.down = false;
    this.seq = 0;
    this.refused.clear();
    this.paceRefusals.length = 0;
    this.lastPostArrival.clear();
  }
  /** Throws if anything went wrong that Slack would have refused (call in afterEach). */
  assertClean(): void {
    if (this.errors.length === 0) return;
    const lines = this.errors.map((e) => `  - ${e.method}: ${e.message}`).join('\n');
    throw new Error(`FakeSlack recorded ${this.errors.length} error(s):\n${lines}`);
  }
  /** Polls until `probe` returns something truthy (e.g. the app posted after acking), or throws. */
  async waitFor<T>(probe: () => T | undefined | null | false, timeoutMs = 5000): Promise<T> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const v = probe();
      if (v) return v;
      if (Date.now() > until) throw new Error(`FakeSlack.waitFor timed out after ${timeoutMs}ms`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  private takeFault(method: string, args: Args = {}): Fault | undefined {
    const i = this.faults.findIndex(
      (f) =>
        (f.method === method || (f.method === '*' && method !== 'response_url')) &&
        (f.channel === undefined || args.channel === f.channel),
    );
    const f = this.faults[i];
    if (!f) return undefined;
    if (--f.times <= 0) this.faults.splice(i, 1);
    return f.fault;
  }

  private faultResponse(fault: Fault): { response: Response; note: string } {
    if ('network' in fault) return { response: HttpResponse.error(), note: 'network' };
    if ('error' in fault)
      return { response: HttpResponse.json({ ok: false, error: fault.error }), note: fault.error };
    if ('lostAnswer' in fault) return { response: HttpResponse.error(), note: 'lost_answer' };
    if (fault.status === 429) {
      const headers = { 'Retry-After': String(fault.retryAfter) };
      const response = HttpResponse.json({ ok: false, error: 'ratelimited' }, { status: 429, headers });
      return { response, note: 'http_429' };
    }
    const response = HttpResponse.json({ ok: false, error: 'service_unavailable' }, { status: fault.status });
    return { response, note: `http_${fault.status}` };
  }

  /** A post that comes too soon after the channel's last one (postPacing on): its 429, or null. */
  private paced(method: string, args: Args, arrivedAt: number, call: FakeCall): Response | null {
    if (!this.postPacing || method !== 'chat.postMessage' || typeof args.channel !== 'string') return null;
    const last = this.lastPostArrival.get(args.channel);
    if (last === undefined || arrivedAt - last >= this.postPacing.minGapMs) return null;
    this.paceRefusals.push({ channel: args.channel, gapMs: arrivedAt - last });
    call.failed = 'http_429';
    const headers = { 'Retry-After': '1' };
    return HttpResponse.json({ ok: false, error: 'ratelimited' }, { status: 429, headers });
  }

  private webApi(method: string, args: Args, token: string | undefined, arrivedAt: number): Response {
    const call: FakeCall = {
      method,
      args,
      at: this.clock(),
      realAt: performance.now(),
      ...(token ? { token } : {}),
    };
    this.calls.push(call);
    if (this.down) {
      call.failed = 'outage';
      return HttpResponse.json({ ok: false, error: 'service_unavailable' }, { status: 503 });
    }
    const fault = this.takeFault(method, args);
    if (fault) {
      // A lost answer: Slack did the work, the caller never hears of it.
      if ('lostAnswer' in fault && token) this.ws.call(method, args);
      const { response, note } = this.faultResponse(fault);
      call.failed = note;
      return response;
    }
    const tooSoon = this.paced(method, args, arrivedAt, call);
    if (tooSoon) return tooSoon;
    let out: Outcome | undefined;
    if (!token) out = { ok: false, error: 'not_authed' };
    else if (!/^xox[bpae]-/.test(token)) out = { ok: false, error: 'invalid_auth' };
    else if (this.refused.has(token)) out = { ok: false, error: this.refused.get(token) as string };
    else out = this.ws.call(method, args);
    if (!out) {
      this.recordError(method, 'unknown_method (the fake does not implement it)');
      out = { ok: false, error: 'unknown_method' };
    }
    if (!out.ok) call.failed = out.error;
    else if (method === 'chat.postMessage' && typeof args.channel === 'string') {
      this.lastPostArrival.set(args.channel, arrivedAt);
    }
    return HttpResponse.json(out);
  }

  private responseUrlPost(url: string, body: Record<string, unknown>): Response {
    const method = 'response_url';
    this.responses.push({ url, body });
    const fault = this.takeFault(method);
    if (fault) return this.faultResponse(fault).response;
    const ctx = this.responseUrls.get(url) ?? { uses: 0 };
    this.responseUrls.set(url, ctx);
    if (++ctx.uses > RESPONSE_URL_USES) {
      this.recordError(method, `used_url: ${url} was used more than ${RESPONSE_URL_USES} times`);
      return HttpResponse.json({ ok: false, error: 'used_url' }, { status: 404 });
    }
    const blocks = body.blocks;
    const problems =
      Array.isArray(blocks) || blocks === undefined ? checkMessageBlocks(blocks) : ['blocks: not an array'];
    if (problems.length > 0) {
      for (const p of problems) this.recordError(method, `invalid_blocks: ${p}`);
      return HttpResponse.json({ ok: false, error: 'invalid_blocks' }, { status: 400 });
    }
    this.ws.respond(ctx, body);
    return HttpResponse.json({ ok: true });
  }
}

/** Reads a Web API request: urlencoded (as @slack/web-api 8 sends) or JSON; token from body or Bearer header. */
async function parseRequest(request: Request): Promise<{ args: Args; token: string | undefined }> {
  const type = request.headers.get('content-type') ?? '';
  const raw = await request.text();
  let args: Args = {};
  if (type.includes('application/json')) {
    let parsed: unknown = {};
    try {
      parsed = raw ? JSON.parse(raw) : {};
    } catch {}
    args = isObj(parsed) ? parsed : {};
  } else {
    for (const [k, v] of new URLSearchParams(raw)) {
      if (!JSON_FIELDS.has(k)) {
        args[k] = v;
        continue;
      }
      try {
        args[k] = JSON.parse(v);
      } catch {
        args[k] = v; // left a string: the method answers invalid_blocks_format / invalid_arguments
      }
    }
  }
  const bearer = request.headers.get('authorization')?.match(/^Bearer\s+(.+)$/i)?.[1];
  const token = (typeof args.token === 'string' && args.token) || bearer;
  delete args.token;
  return { args, token: token || undefined };
}

/**
 * Starts msw's node server with the fake's handlers. Requests to loopback (127.0.0.1, localhost, [::1]:
 * the app's own HTTP receiver) pass through silently; any other unhandled request is recorded as an error
 * in the fake and printed. Call it BEFORE constructing the Bolt App / WebClient (they capture
 * `globalThis.fetch` when built). Returns the server; `close()` it when done.
 */
export function startFakeSlackServer(fake: FakeSlack): SetupServer {
  const server = setupServer(...fake.handlers);
  server.listen({
    onUnhandledRequest(request) {
      if (LOOPBACK.has(new URL(request.url).hostname)) return;
      const message = `unhandled request ${request.method} ${request.url}`;
      fake.recordError('network', message);
      console.error(`[fake-slack] ${message}`);
    },
  });
  return server;
}
