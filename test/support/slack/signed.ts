import { createHmac, randomBytes } from 'node:crypto';
import { option } from './view-state.ts';

export { type Answer, type Answers, fillView, option, stateValues } from './view-state.ts';

/**
 * Requests exactly as Slack sends them to the app (SLACK.md §2-3), signed with the signing secret:
 * slash commands (urlencoded form), interactivity (`payload=<urlencoded JSON>`) and Events API (JSON).
 */

export const TEAM_ID = 'T0PATCH01';
export const TEAM_DOMAIN = 'patchteam';
export const BOT_USER_ID = 'U0PATCHBOT';
export const BOT_ID = 'B0PATCHBOT';
export const APP_ID = 'A0PATCHBOT';
export const HOOKS_ORIGIN = 'https://hooks.slack.test';
/** The deprecated verification token Slack still sends in every payload. */
export const VERIFICATION_TOKEN = 'verification-token-test';

type Obj = Record<string, unknown>;
export type UserArg = string | { id: string; username?: string; name?: string };
export type ChannelArg = string | { id: string; name?: string };

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
let counter = 0;
const hex = (bytes: number) => randomBytes(bytes).toString('hex');
const digits = (n: number) => String(Math.floor(Math.random() * 10 ** n)).padStart(n, '0');

/** A Slack-like trigger_id: `<digits>.<digits>.<hex32>`. */
export const newTriggerId = (): string => `${Date.now()}${++counter}.${digits(12)}.${hex(16)}`;
export const newResponseUrl = (kind: 'commands' | 'actions' = 'commands'): string =>
  `${HOOKS_ORIGIN}/${kind}/${TEAM_ID}/${Date.now()}${++counter}/${hex(12)}`;
/** Slack's action_ts: seconds with microseconds, so two clicks never share one. */
let lastMicros = 0;
const actionTs = () => {
  lastMicros = Math.max(lastMicros + 1, Date.now() * 1000);
  return `${Math.floor(lastMicros / 1e6)}.${String(lastMicros % 1e6).padStart(6, '0')}`;
};

function userObj(u: UserArg) {
  const id = typeof u === 'string' ? u : u.id;
  const username = (typeof u === 'string' ? undefined : (u.username ?? u.name)) ?? `user.${id.toLowerCase()}`;
  return { id, username, name: typeof u === 'string' ? username : (u.name ?? username), team_id: TEAM_ID };
}
function channelObj(c: ChannelArg) {
  const id = typeof c === 'string' ? c : c.id;
  return { id, name: (typeof c === 'string' ? undefined : c.name) ?? `channel-${id.toLowerCase()}` };
}
const team = () => ({ id: TEAM_ID, domain: TEAM_DOMAIN });

/** A message to put in a payload: a FakeMessage (`fake.messages(channel)`) or any Slack message object. */
export type MessageLike = { ts: string; text?: string; blocks?: readonly unknown[] };

/** A message as Slack puts it in payloads (FakeMessage's bookkeeping fields dropped). */
export function payloadMessage(m: MessageLike): Obj {
  const { edits: _e, channel: _c, metadata: _m, ...rest } = m as MessageLike & Obj;
  return {
    type: 'message',
    user: BOT_USER_ID,
    bot_id: BOT_ID,
    app_id: APP_ID,
    team: TEAM_ID,
    blocks: [],
    ...rest,
  };
}

// ---------- slash commands ----------

export interface SlashCommandFields {
  command: string;
  text?: string;
  token?: string;
  team_id?: string;
  team_domain?: string;
  channel_id?: string;
  channel_name?: string;
  user_id?: string;
  user_name?: string;
  api_app_id?: string;
  is_enterprise_install?: 'true' | 'false';
  response_url?: string;
  trigger_id?: string;
}

/** The urlencoded body of a slash command, with every field Slack sends, in Slack's order. */
export function slashCommandBody(f: SlashCommandFields): string {
  const channelId = f.channel_id ?? 'C0PATCH01';
  const userId = f.user_id ?? 'U0NURSE01';
  return new URLSearchParams({
    token: f.token ?? VERIFICATION_TOKEN,
    team_id: f.team_id ?? TEAM_ID,
    team_domain: f.team_domain ?? TEAM_DOMAIN,
    channel_id: channelId,
    channel_name: f.channel_name ?? `channel-${channelId.toLowerCase()}`,
    user_id: userId,
    user_name: f.user_name ?? `user.${userId.toLowerCase()}`,
    command: f.command,
    text: f.text ?? '',
    api_app_id: f.api_app_id ?? APP_ID,
    is_enterprise_install: f.is_enterprise_install ?? 'false',
    response_url: f.response_url ?? newResponseUrl('commands'),
    trigger_id: f.trigger_id ?? newTriggerId(),
  }).toString();
}

// ---------- block_actions ----------

export interface BlockActionArgs {
  user: UserArg;
  channel: ChannelArg;
  /** Defaults to `message.ts`. */
  messageTs?: string;
  actionId: string;
  /** Defaults to the block holding `actionId` in `message`. */
  blockId?: string;
  /** Button value, or the chosen option's value for static_select/overflow. Defaults to the button's value. */
  value?: string;
  responseUrl?: string;
  triggerId?: string;
  /** The message clicked (e.g. from `fake.messages(channel)`); the action is looked up in its blocks. */
  message?: MessageLike;
}

function findElement(blocks: unknown, actionId: string, blockId?: string) {
  if (!Array.isArray(blocks)) return undefined;
  for (const b of blocks) {
    if (!isObj(b) || (blockId !== undefined && b.block_id !== blockId)) continue;
    const els = [b.accessory, ...(Array.isArray(b.elements) ? b.elements : [])];
    const el = els.find((e): e is Obj => isObj(e) && e.action_id === actionId);
    if (el) return { block: b, el };
  }
  return undefined;
}

/** The block_actions payload for a click on an element of a message. */
export function blockActionPayload(a: BlockActionArgs): Obj {
  const channel = channelObj(a.channel);
  const message = a.message ? payloadMessage(a.message) : undefined;
  const messageTs = a.messageTs ?? (typeof message?.ts === 'string' ? message.ts : undefined);
  if (!messageTs) throw new Error('blockActionPayload: give messageTs or message');
  const found = message ? findElement(message.blocks, a.actionId, a.blockId) : undefined;
  if (message && !found)
    throw new Error(`blockActionPayload: no element ${a.actionId} in the message's blocks`);
  const el = found?.el ?? { type: 'button', action_id: a.actionId, value: a.value ?? '' };
  const blockId = a.blockId ?? (found?.block.block_id as string | undefined) ?? hex(3);
  const base = { action_id: a.actionId, block_id: blockId, type: el.type, action_ts: actionTs() };
  let action: Obj;
  if (el.type === 'static_select' || el.type === 'overflow') {
    action = { ...base, selected_option: option(el, a.value ?? '', a.actionId) };
  } else {
    const text = isObj(el.text) ? el.text : { type: 'plain_text', text: a.actionId, emoji: true };
    action = { ...base, text, value: a.value ?? (el.value as string | undefined) ?? '' };
  }
  return {
    type: 'block_actions',
    user: userObj(a.user),
    api_app_id: APP_ID,
    token: VERIFICATION_TOKEN,
    container: { type: 'message', message_ts: messageTs, channel_id: channel.id, is_ephemeral: false },
    trigger_id: a.triggerId ?? newTriggerId(),
    team: team(),
    enterprise: null,
    is_enterprise_install: false,
    channel,
    message: message ?? { type: 'message', ts: messageTs, text: '', blocks: [] },
    state: { values: {} },
    response_url: a.responseUrl ?? newResponseUrl('actions'),
    actions: [action],
  };
}

// ---------- a button in a Home tab ----------

export interface HomeActionArgs {
  user: UserArg;
  /** The Home view as Slack stored it (`fake.home(user)`); the button is looked up in its blocks. */
  view: Obj;
  actionId: string;
  /** Defaults to the block holding `actionId` (the first, if several do). */
  blockId?: string;
  /** Defaults to the button's value. */
  value?: string;
  triggerId?: string;
}

/**
 * The block_actions payload for a press in a Home tab: the container is the view, the whole view
 * comes along, and there is no channel, message or response_url (so Bolt gives no `respond`).
 */
export function homeActionPayload(a: HomeActionArgs): Obj {
  const found = findElement(a.view.blocks, a.actionId, a.blockId);
  if (!found) throw new Error(`homeActionPayload: no element ${a.actionId} in the Home's blocks`);
  const text = isObj(found.el.text) ? found.el.text : { type: 'plain_text', text: a.actionId, emoji: true };
  return {
    type: 'block_actions',
    user: userObj(a.user),
    api_app_id: APP_ID,
    token: VERIFICATION_TOKEN,
    container: { type: 'view', view_id: a.view.id },
    trigger_id: a.triggerId ?? newTriggerId(),
    team: team(),
    enterprise: null,
    is_enterprise_install: false,
    view: a.view,
    actions: [
      {
        action_id: a.actionId,
        block_id: (found.block.block_id as string | undefined) ?? hex(3),
        text,
        value: a.value ?? (found.el.value as string | undefined) ?? '',
        type: found.el.type,
        action_ts: actionTs(),
      },
    ],
  };
}

/**
 * The block_actions payload for a click on a button inside an open modal: `container` is the view, the
 * whole view (with its state) comes along, and there is no channel, message or response_url.
 */
export function viewActionPayload(a: {
  user: UserArg;
  /** The view as the app last set it, with at least id and blocks (e.g. from `fake.view(id)`). */
  view: Obj;
  actionId: string;
  /** Defaults to the block holding `actionId` (the first one, or the one whose element has `value`). */
  blockId?: string;
  value?: string;
  triggerId?: string;
}): Obj {
  const id = typeof a.view.id === 'string' ? a.view.id : 'V0000001';
  const blocks = Array.isArray(a.view.blocks) ? a.view.blocks : [];
  const matches = blocks.filter((b): b is Obj => {
    if (!isObj(b) || (a.blockId !== undefined && b.block_id !== a.blockId)) return false;
    const found = findElement([b], a.actionId);
    return found !== undefined && (a.value === undefined || found.el.value === a.value);
  });
  const block = matches[0];
  if (!block) throw new Error(`viewActionPayload: no element ${a.actionId} in the view's blocks`);
  const el = findElement([block], a.actionId)?.el as Obj;
  const text = isObj(el.text) ? el.text : { type: 'plain_text', text: a.actionId, emoji: true };
  return {
    type: 'block_actions',
    user: userObj(a.user),
    api_app_id: APP_ID,
    token: VERIFICATION_TOKEN,
    container: { type: 'view', view_id: id },
    trigger_id: a.triggerId ?? newTriggerId(),
    team: team(),
    enterprise: null,
    is_enterprise_install: false,
    view: {
      id,
      team_id: TEAM_ID,
      type: 'modal',
      private_metadata: '',
      callback_id: '',
      state: { values: {} },
      hash: `${Math.floor(Date.now() / 1000)}.${hex(4)}`,
      previous_view_id: null,
      root_view_id: id,
      app_id: APP_ID,
      external_id: '',
      app_installed_team_id: TEAM_ID,
      bot_id: BOT_ID,
      ...a.view,
    },
    actions: [
      {
        action_id: a.actionId,
        block_id: block.block_id,
        text,
        value: a.value ?? el.value ?? '',
        type: el.type,
        ...(el.style ? { style: el.style } : {}),
        action_ts: actionTs(),
      },
    ],
  };
}

// ---------- views ----------

export interface ViewSubmissionArgs {
  user: UserArg;
  /** At least id, callback_id, private_metadata, blocks, state (see fillView). */
  view: Obj;
  triggerId?: string;
}

export function viewSubmissionPayload(a: ViewSubmissionArgs): Obj {
  const id = typeof a.view.id === 'string' ? a.view.id : 'V0000001';
  return {
    type: 'view_submission',
    team: team(),
    user: userObj(a.user),
    api_app_id: APP_ID,
    token: VERIFICATION_TOKEN,
    trigger_id: a.triggerId ?? newTriggerId(),
    view: {
      id,
      team_id: TEAM_ID,
      type: 'modal',
      blocks: [],
      private_metadata: '',
      callback_id: '',
      state: { values: {} },
      hash: `${Math.floor(Date.now() / 1000)}.${hex(4)}`,
      clear_on_close: false,
      notify_on_close: false,
      previous_view_id: null,
      root_view_id: id,
      app_id: APP_ID,
      external_id: '',
      app_installed_team_id: TEAM_ID,
      bot_id: BOT_ID,
      ...a.view,
    },
    response_urls: [],
    is_enterprise_install: false,
    enterprise: null,
  };
}

// ---------- shortcuts ----------

export interface MessageShortcutArgs {
  user: UserArg;
  channel: ChannelArg;
  callbackId: string;
  message: MessageLike;
  responseUrl?: string;
  triggerId?: string;
}

export function messageShortcutPayload(a: MessageShortcutArgs): Obj {
  const message = payloadMessage(a.message);
  return {
    type: 'message_action',
    token: VERIFICATION_TOKEN,
    action_ts: actionTs(),
    team: team(),
    user: userObj(a.user),
    channel: channelObj(a.channel),
    is_enterprise_install: false,
    enterprise: null,
    callback_id: a.callbackId,
    trigger_id: a.triggerId ?? newTriggerId(),
    response_url: a.responseUrl ?? newResponseUrl('actions'),
    message_ts: message.ts,
    message,
  };
}

export function globalShortcutPayload(a: { user: UserArg; callbackId: string; triggerId?: string }): Obj {
  const u = userObj(a.user);
  return {
    type: 'shortcut',
    token: VERIFICATION_TOKEN,
    action_ts: actionTs(),
    team: team(),
    user: { id: u.id, username: u.username, team_id: TEAM_ID },
    is_enterprise_install: false,
    enterprise: null,
    callback_id: a.callbackId,
    trigger_id: a.triggerId ?? newTriggerId(),
  };
}

/** An Events API `event_callback` envelope around `event`. */
export function eventEnvelope(event: Obj, eventId = `Ev${hex(5).toUpperCase()}`): Obj {
  return {
    token: VERIFICATION_TOKEN,
    team_id: TEAM_ID,
    context_team_id: TEAM_ID,
    context_enterprise_id: null,
    api_app_id: APP_ID,
    event,
    type: 'event_callback',
    event_id: eventId,
    event_time: Math.floor(Date.now() / 1000),
    authorizations: [
      {
        enterprise_id: null,
        team_id: TEAM_ID,
        user_id: BOT_USER_ID,
        is_bot: true,
        is_enterprise_install: false,
      },
    ],
    is_ext_shared_channel: false,
  };
}

// ---------- wire ----------

/** The form body of any interactivity request: `payload=<urlencoded JSON>`. */
export const interactiveBody = (payload: Obj): string =>
  new URLSearchParams({ payload: JSON.stringify(payload) }).toString();

export const FORM = 'application/x-www-form-urlencoded';

/** Slack's signature headers for a raw body: `v0=hex(hmac_sha256(secret, 'v0:' + ts + ':' + body))`. */
export function signRequest(
  secret: string,
  rawBody: string,
  timestampSeconds: number,
): { 'X-Slack-Signature': string; 'X-Slack-Request-Timestamp': string } {
  const hmac = createHmac('sha256', secret).update(`v0:${timestampSeconds}:${rawBody}`).digest('hex');
  return { 'X-Slack-Signature': `v0=${hmac}`, 'X-Slack-Request-Timestamp': String(timestampSeconds) };
}

export interface DriverResponse {
  status: number;
  body: string;
  json(): unknown;
}
export interface SendOptions {
  /** Unix seconds; defaults to real wall time (Bolt rejects timestamps older than 5 minutes). */
  timestamp?: number;
  /** Overrides the computed signature (bad-signature tests). */
  signature?: string;
  /** Extra headers, e.g. `X-Slack-Retry-Num`. */
  headers?: Record<string, string>;
}

/** Sends signed requests to the app's HTTP receiver as Slack would. */
export class SlackDriver {
  readonly url: string;
  private readonly secret: string;
  private readonly now: () => number;

  constructor(opts: { url: string; signingSecret: string; now?: () => number }) {
    this.url = opts.url;
    this.secret = opts.signingSecret;
    this.now = opts.now ?? Date.now;
  }

  async send(rawBody: string, contentType: string, opts: SendOptions = {}): Promise<DriverResponse> {
    const ts = opts.timestamp ?? Math.floor(this.now() / 1000);
    const signed = signRequest(this.secret, rawBody, ts);
    if (opts.signature !== undefined) signed['X-Slack-Signature'] = opts.signature;
    const res = await fetch(this.url, {
      method: 'POST',
      headers: { 'Content-Type': contentType, ...signed, ...opts.headers },
      body: rawBody,
    });
    const body = await res.text();
    return {
      status: res.status,
      body,
      json: () => (body === '' ? undefined : JSON.parse(body)),
    };
  }

  command(fields: SlashCommandFields, opts?: SendOptions): Promise<DriverResponse> {
    return this.send(slashCommandBody(fields), FORM, opts);
  }
  action(args: BlockActionArgs, opts?: SendOptions): Promise<DriverResponse> {
    return this.send(interactiveBody(blockActionPayload(args)), FORM, opts);
  }
  homeAction(args: HomeActionArgs, opts?: SendOptions): Promise<DriverResponse> {
    return this.send(interactiveBody(homeActionPayload(args)), FORM, opts);
  }
  /** A button pressed inside an open modal (see viewActionPayload). */
  viewAction(args: Parameters<typeof viewActionPayload>[0], opts?: SendOptions): Promise<DriverResponse> {
    return this.send(interactiveBody(viewActionPayload(args)), FORM, opts);
  }
  submitView(args: ViewSubmissionArgs, opts?: SendOptions): Promise<DriverResponse> {
    return this.send(interactiveBody(viewSubmissionPayload(args)), FORM, opts);
  }
  shortcut(args: MessageShortcutArgs, opts?: SendOptions): Promise<DriverResponse> {
    return this.send(interactiveBody(messageShortcutPayload(args)), FORM, opts);
  }
  globalShortcut(args: { user: UserArg; callbackId: string; triggerId?: string }, opts?: SendOptions) {
    return this.send(interactiveBody(globalShortcutPayload(args)), FORM, opts);
  }
  event(event: Obj, opts?: SendOptions & { eventId?: string }): Promise<DriverResponse> {
    return this.send(JSON.stringify(eventEnvelope(event, opts?.eventId)), 'application/json', opts);
  }
}
