import { checkMessageBlocks, checkView } from './blocks.ts';
import { APP_ID, BOT_ID, BOT_USER_ID, TEAM_ID } from './signed.ts';

/**
 * The in-memory workspace behind FakeSlack: messages, threads, ephemerals and views, and the Web API
 * methods that read and change them, answering with Slack's response shapes. No HTTP here: FakeSlack
 * (fake-slack.ts) parses requests, records calls and injects faults, then calls `call()`.
 */

export type Block = Record<string, unknown>;
export type Args = Record<string, unknown>;

export interface FakeMessage {
  ts: string;
  channel: string;
  text: string;
  blocks: Block[];
  thread_ts?: string;
  metadata?: { event_type: string; event_payload: Record<string, unknown> };
  edits: number;
}
export interface FakeEphemeral {
  channel: string;
  user: string;
  text: string;
  blocks: Block[];
}
export interface FakeView {
  id: string;
  view: Record<string, unknown>;
  via: 'open' | 'update' | 'push';
}
/** One views.publish of a person's Home tab, with the view as Slack stored it. */
export interface FakeHome {
  user: string;
  id: string;
  view: Record<string, unknown>;
}
/** What a response_url refers to, so `respond()` can replace, delete or add messages. */
export interface ResponseUrlContext {
  channel?: string;
  user?: string;
  messageTs?: string;
}
/** A channel the workspace knows: made with conversations.create, or added by a test. */
export interface FakeChannel {
  id: string;
  name: string;
  created: number;
  creator: string;
  isPrivate: boolean;
  isArchived: boolean;
  members: Set<string>;
}
export type Outcome =
  | ({ ok: true } & Record<string, unknown>)
  | { ok: false; error: string; [k: string]: unknown };

export const isObj = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
const truthy = (v: unknown) => v === true || v === 'true' || v === '1' || v === 1;
const fail = (error: string, extra: Record<string, unknown> = {}): Outcome => ({
  ok: false,
  error,
  ...extra,
});
/** A Slack ts as an integer count of microseconds, for ordering ("1767225600.000100"). */
export const tsMicros = (ts: string): number => {
  const [s = '0', f = ''] = ts.split('.');
  return Number(s) * 1e6 + Number(f.padEnd(6, '0').slice(0, 6));
};
export const rand = (): string => Math.random().toString(36).slice(2, 10);

export class SlackWorkspace {
  readonly ephemerals: FakeEphemeral[] = [];
  readonly views: FakeView[] = [];
  /** Every views.publish that succeeded, in order. */
  readonly published: FakeHome[] = [];
  private homes = new Map<string, Record<string, unknown>>();
  private top = new Map<string, FakeMessage[]>();
  private threads = new Map<string, FakeMessage[]>();
  private byTs = new Map<string, FakeMessage>();
  private currentViews = new Map<string, Record<string, unknown>>();
  private usedTriggers = new Set<string>();
  private users = new Map<string, Record<string, unknown>>();
  private editedTs = new WeakMap<FakeMessage, string>();
  private lastTs = 0;
  private viewSeq = 0;
  private channelList = new Map<string, FakeChannel>();
  private channelSeq = 0;

  private readonly clock: () => number;
  private readonly recordError: (method: string, message: string) => void;

  constructor(clock: () => number, recordError: (method: string, message: string) => void) {
    this.clock = clock;
    this.recordError = recordError;
  }

  /** Runs a Web API method; `undefined` when the workspace doesn't know the method. */
  call(method: string, args: Args): Outcome | undefined {
    return this.methods[method]?.(args);
  }

  messages(channel: string): FakeMessage[] {
    return [...(this.top.get(channel) ?? [])];
  }
  replies(channel: string, threadTs: string): FakeMessage[] {
    return [...(this.threads.get(`${channel}/${threadTs}`) ?? [])];
  }
  message(channel: string, ts: string): FakeMessage | undefined {
    return this.byTs.get(`${channel}/${ts}`);
  }
  view(id: string): Record<string, unknown> | undefined {
    return this.currentViews.get(id);
  }
  /** The Home tab a person sees now (the last view published for them). */
  home(user: string): Record<string, unknown> | undefined {
    return this.homes.get(user);
  }
  /**
   * A channel as Slack has it, by id. A channel id the workspace was never told of (the tests' C0PATCH07)
   * is a public channel the bot is in, with no other member known: it is registered on first use.
   */
  channel(id: string): FakeChannel | undefined {
    const known = this.channelList.get(id);
    if (known || !/^[CG][A-Z0-9]{2,}$/.test(id)) return known;
    const implicit: FakeChannel = {
      id,
      name: `channel-${id.toLowerCase()}`,
      created: Math.floor(this.clock() / 1000),
      creator: 'U0SOMEONE',
      isPrivate: id.startsWith('G'),
      isArchived: false,
      members: new Set([BOT_USER_ID]),
    };
    this.channelList.set(id, implicit);
    return implicit;
  }
  /** Every channel made or added, in the order they were. */
  channels(): FakeChannel[] {
    return [...this.channelList.values()];
  }
  /** A channel as a test wants it (made by someone else, with members, archived…). */
  addChannel(
    c: Partial<Omit<FakeChannel, 'members'>> & { name: string; members?: Iterable<string> },
  ): FakeChannel {
    const channel: FakeChannel = {
      id: c.id ?? this.newChannelId(),
      name: c.name,
      created: c.created ?? Math.floor(this.clock() / 1000),
      creator: c.creator ?? 'U0SOMEONE',
      isPrivate: c.isPrivate ?? false,
      isArchived: c.isArchived ?? false,
      members: new Set(c.members ?? [BOT_USER_ID]),
    };
    this.channelList.set(channel.id, channel);
    return channel;
  }
  setUser(id: string, fields: Record<string, unknown>): void {
    this.users.set(id, { ...this.users.get(id), ...fields });
  }
  /** Clears all state; ts stay strictly increasing across resets. */
  reset(): void {
    this.ephemerals.length = 0;
    this.views.length = 0;
    this.published.length = 0;
    for (const m of [this.top, this.threads, this.byTs, this.currentViews, this.users, this.homes]) m.clear();
    this.usedTriggers.clear();
    this.viewSeq = 0;
    this.channelList.clear();
  }

  /**
   * What Slack does with a response_url post (after its blocks were checked): delete or replace the
   * original message, post in channel, or show an ephemeral to the user.
   */
  respond(ctx: ResponseUrlContext, body: Args): void {
    const original = ctx.channel && ctx.messageTs ? this.message(ctx.channel, ctx.messageTs) : undefined;
    if (truthy(body.delete_original)) {
      if (original) this.remove(original);
    } else if (truthy(body.replace_original)) {
      // Unlike chat.update, a replacement via response_url is a whole new message: absent blocks are gone.
      const text = typeof body.text === 'string' ? body.text : '';
      if (original)
        this.edit(original, { ...body, text, blocks: Array.isArray(body.blocks) ? body.blocks : [] });
    } else if (ctx.channel && body.response_type === 'in_channel') {
      this.post('response_url', { ...body, channel: ctx.channel });
    } else if (ctx.channel) {
      const text = typeof body.text === 'string' ? body.text : '';
      const blocks = Array.isArray(body.blocks) ? (body.blocks as Block[]) : [];
      this.ephemerals.push({ channel: ctx.channel, user: ctx.user ?? '', text, blocks });
    }
  }

  private invalid(method: string, problems: string[]): Outcome | undefined {
    if (problems.length === 0) return undefined;
    for (const p of problems) this.recordError(method, `invalid_blocks: ${p}`);
    return fail('invalid_blocks', {
      errors: problems,
      response_metadata: { messages: problems.map((p) => `[ERROR] ${p}`) },
    });
  }

  private nextTs(): string {
    const next = Math.max(Math.floor(this.clock() * 1000), this.lastTs + 100);
    this.lastTs = next;
    return `${Math.floor(next / 1e6)}.${String(next % 1e6).padStart(6, '0')}`;
  }

  private slackShape(m: FakeMessage, withMetadata = true): Record<string, unknown> {
    const replies = m.thread_ts === undefined ? this.threads.get(`${m.channel}/${m.ts}`) : undefined;
    const last = replies?.[replies.length - 1];
    return {
      type: 'message',
      user: BOT_USER_ID,
      bot_id: BOT_ID,
      app_id: APP_ID,
      team: TEAM_ID,
      text: m.text,
      ts: m.ts,
      blocks: m.blocks,
      ...(m.thread_ts ? { thread_ts: m.thread_ts, parent_user_id: BOT_USER_ID } : {}),
      ...(last
        ? { thread_ts: m.ts, reply_count: replies?.length, reply_users_count: 1, latest_reply: last.ts }
        : {}),
      ...(m.edits > 0 ? { edited: { user: BOT_USER_ID, ts: this.editedTs.get(m) ?? m.ts } } : {}),
      ...(withMetadata && m.metadata ? { metadata: m.metadata } : {}),
    };
  }

  private store(m: FakeMessage): void {
    const key = m.thread_ts ? `${m.channel}/${m.thread_ts}` : m.channel;
    const list = (m.thread_ts ? this.threads : this.top).get(key) ?? [];
    list.push(m);
    (m.thread_ts ? this.threads : this.top).set(key, list);
    this.byTs.set(`${m.channel}/${m.ts}`, m);
  }

  private remove(m: FakeMessage): void {
    const list = m.thread_ts ? this.threads.get(`${m.channel}/${m.thread_ts}`) : this.top.get(m.channel);
    list?.splice(list.indexOf(m), 1);
    this.byTs.delete(`${m.channel}/${m.ts}`);
  }

  /** Validates and posts a message; shared by chat.postMessage and in_channel response_url posts. */
  private post(method: string, args: Args): Outcome | FakeMessage {
    const channel = str(args.channel);
    // Slack's ids: C… and G… channels, D… direct messages, a U…/W… user id (the app's DM with them).
    if (!channel || !/^[CGDUW][A-Z0-9]+$/.test(channel)) return fail('channel_not_found');
    if (this.channelList.get(channel)?.isArchived) return fail('is_archived');
    const text = typeof args.text === 'string' ? args.text : '';
    const blocks = args.blocks;
    if (!text && (!Array.isArray(blocks) || blocks.length === 0)) return fail('no_text');
    if (blocks !== undefined && !Array.isArray(blocks)) return this.invalidFormat(method);
    const bad = this.invalid(method, checkMessageBlocks(blocks));
    if (bad) return bad;
    let threadTs = str(args.thread_ts);
    if (threadTs) {
      const parent = this.byTs.get(`${channel}/${threadTs}`);
      if (!parent) return fail('thread_not_found');
      threadTs = parent.thread_ts ?? parent.ts;
    }
    const metadata = args.metadata;
    if (metadata !== undefined && !(isObj(metadata) && typeof metadata.event_type === 'string')) {
      return fail('invalid_metadata_format');
    }
    const m: FakeMessage = { ts: this.nextTs(), channel, text, blocks: (blocks as Block[]) ?? [], edits: 0 };
    if (threadTs) m.thread_ts = threadTs;
    if (isObj(metadata)) {
      const payload = isObj(metadata.event_payload) ? metadata.event_payload : {};
      m.metadata = { event_type: String(metadata.event_type), event_payload: payload };
    }
    this.store(m);
    return m;
  }

  private newChannelId(): string {
    return `C0NEW${String(++this.channelSeq).padStart(4, '0')}`;
  }

  /** A channel as the conversations.* methods answer it, seen by the bot. */
  private channelShape(c: FakeChannel): Record<string, unknown> {
    return {
      id: c.id,
      name: c.name,
      is_channel: !c.isPrivate,
      is_group: c.isPrivate,
      is_im: false,
      is_mpim: false,
      is_private: c.isPrivate,
      created: c.created,
      is_archived: c.isArchived,
      is_general: false,
      unlinked: 0,
      name_normalized: c.name,
      is_shared: false,
      is_org_shared: false,
      is_pending_ext_shared: false,
      pending_shared: [],
      context_team_id: TEAM_ID,
      updated: c.created * 1000,
      parent_conversation: null,
      creator: c.creator,
      is_ext_shared: false,
      shared_team_ids: [TEAM_ID],
      pending_connected_team_ids: [],
      is_member: c.members.has(BOT_USER_ID),
      topic: { value: '', creator: '', last_set: 0 },
      purpose: { value: '', creator: '', last_set: 0 },
      previous_names: [],
      num_members: c.members.size,
    };
  }

  private invalidFormat(method: string): Outcome {
    this.recordError(method, 'invalid_blocks_format: blocks is not a JSON array');
    return fail('invalid_blocks_format');
  }

  private edit(m: FakeMessage, args: Args): void {
    if (typeof args.text === 'string') m.text = args.text;
    if (Array.isArray(args.blocks)) m.blocks = args.blocks as Block[];
    if (isObj(args.metadata) && typeof args.metadata.event_type === 'string') {
      const payload = isObj(args.metadata.event_payload) ? args.metadata.event_payload : {};
      m.metadata = { event_type: args.metadata.event_type, event_payload: payload };
    }
    m.edits++;
    this.editedTs.set(m, this.nextTs());
  }

  private openView(method: string, args: Args, via: FakeView['via']): Outcome {
    const trigger = str(args.trigger_id);
    if (!trigger)
      return fail('invalid_arguments', { response_metadata: { messages: ['[ERROR] missing trigger_id'] } });
    if (this.usedTriggers.has(trigger)) return fail('expired_trigger_id');
    return this.saveView(method, args.view, via, undefined, trigger);
  }

  private saveView(
    method: string,
    view: unknown,
    via: FakeView['via'],
    previous: Record<string, unknown> | undefined,
    trigger?: string,
  ): Outcome {
    if (!isObj(view))
      return fail('invalid_arguments', { response_metadata: { messages: ['[ERROR] missing view'] } });
    const bad = this.invalid(method, checkView(view));
    if (bad) return bad;
    const externalId = str(view.external_id) ?? (previous?.external_id as string | undefined) ?? '';
    if (
      externalId &&
      !previous &&
      [...this.currentViews.values()].some((v) => v.external_id === externalId)
    ) {
      return fail('duplicate_external_id');
    }
    if (trigger) this.usedTriggers.add(trigger);
    const id = (previous?.id as string | undefined) ?? `V${String(++this.viewSeq).padStart(7, '0')}`;
    const stored: Record<string, unknown> = {
      id,
      team_id: TEAM_ID,
      type: view.type,
      blocks: view.blocks,
      private_metadata: view.private_metadata ?? '',
      callback_id: view.callback_id ?? '',
      state: { values: {} },
      hash: `${Math.floor(this.clock() / 1000)}.${rand()}`,
      title: view.title,
      ...(view.submit !== undefined ? { submit: view.submit } : {}),
      ...(view.close !== undefined ? { close: view.close } : {}),
      clear_on_close: truthy(view.clear_on_close),
      notify_on_close: truthy(view.notify_on_close),
      previous_view_id: null,
      root_view_id: (previous?.root_view_id as string | undefined) ?? id,
      app_id: APP_ID,
      external_id: externalId,
      app_installed_team_id: TEAM_ID,
      bot_id: BOT_ID,
    };
    this.currentViews.set(id, stored);
    this.views.push({ id, view: stored, via });
    return { ok: true, view: stored };
  }

  /**
   * views.publish: a person's Home tab, checked like any view (100 blocks and the rest). Slack keeps one
   * Home view per person (its id stays), answers hash_conflict when `hash` is not the current one, and
   * refuses a view that is not of type home.
   */
  private publishHome(args: Args): Outcome {
    const user = str(args.user_id);
    if (!user || !/^[UW][A-Z0-9]+$/.test(user)) {
      this.recordError('views.publish', 'invalid_arguments: invalid `user_id`');
      return fail('invalid_arguments', { response_metadata: { messages: ['invalid `user_id`'] } });
    }
    const view = args.view;
    if (!isObj(view))
      return fail('invalid_arguments', { response_metadata: { messages: ['[ERROR] missing view'] } });
    if (view.type !== 'home') {
      this.recordError(
        'views.publish',
        `invalid_arguments: view type ${JSON.stringify(view.type)}, not home`,
      );
      return fail('invalid_arguments', {
        response_metadata: { messages: ['[ERROR] a published view must be of type home'] },
      });
    }
    const bad = this.invalid('views.publish', checkView(view));
    if (bad) return bad;
    const previous = this.homes.get(user);
    if (str(args.hash) && args.hash !== previous?.hash) return fail('hash_conflict');
    const id = (previous?.id as string | undefined) ?? `V${String(++this.viewSeq).padStart(7, '0')}`;
    const stored: Record<string, unknown> = {
      id,
      team_id: TEAM_ID,
      type: 'home',
      close: null,
      submit: null,
      blocks: view.blocks,
      private_metadata: view.private_metadata ?? '',
      callback_id: view.callback_id ?? '',
      state: { values: {} },
      hash: `${Math.floor(this.clock() / 1000)}.${rand()}`,
      clear_on_close: false,
      notify_on_close: false,
      previous_view_id: null,
      root_view_id: id,
      app_id: APP_ID,
      external_id: str(view.external_id) ?? '',
      app_installed_team_id: TEAM_ID,
      bot_id: BOT_ID,
    };
    this.homes.set(user, stored);
    this.published.push({ user, id, view: stored });
    return { ok: true, view: stored };
  }

  private readonly methods: Record<string, (args: Args) => Outcome> = {
    'auth.test': () => ({
      ok: true,
      url: 'https://patchteam.slack.test/',
      team: 'Patch Team',
      user: 'patchbot',
      team_id: TEAM_ID,
      user_id: BOT_USER_ID,
      bot_id: BOT_ID,
      is_enterprise_install: false,
    }),
    'chat.postMessage': (args) => {
      const m = this.post('chat.postMessage', args);
      return 'ok' in m ? m : { ok: true, channel: m.channel, ts: m.ts, message: this.slackShape(m) };
    },
    'chat.update': (args) => {
      const channel = str(args.channel);
      if (!channel) return fail('channel_not_found');
      const m = this.byTs.get(`${channel}/${str(args.ts) ?? ''}`);
      if (!m) return fail('message_not_found');
      if (args.blocks !== undefined && !Array.isArray(args.blocks)) return this.invalidFormat('chat.update');
      const bad = this.invalid('chat.update', checkMessageBlocks(args.blocks));
      if (bad) return bad;
      this.edit(m, args);
      return { ok: true, channel, ts: m.ts, text: m.text, message: this.slackShape(m) };
    },
    'chat.delete': (args) => {
      const m = this.byTs.get(`${str(args.channel) ?? ''}/${str(args.ts) ?? ''}`);
      if (!m) return fail('message_not_found');
      this.remove(m);
      return { ok: true, channel: m.channel, ts: m.ts };
    },
    'chat.getPermalink': (args) => {
      const channel = str(args.channel) ?? '';
      const m = this.byTs.get(`${channel}/${str(args.message_ts) ?? ''}`);
      if (!m) return fail('message_not_found');
      const thread = m.thread_ts ? `?thread_ts=${m.thread_ts}&cid=${channel}` : '';
      return {
        ok: true,
        channel,
        permalink: `https://patchteam.slack.test/archives/${channel}/p${m.ts.replace('.', '')}${thread}`,
      };
    },
    'chat.postEphemeral': (args) => {
      const channel = str(args.channel);
      const user = str(args.user);
      if (!channel) return fail('channel_not_found');
      if (!user) return fail('user_not_in_channel');
      const text = typeof args.text === 'string' ? args.text : '';
      if (!text && (!Array.isArray(args.blocks) || args.blocks.length === 0)) return fail('no_text');
      if (args.blocks !== undefined && !Array.isArray(args.blocks))
        return this.invalidFormat('chat.postEphemeral');
      const bad = this.invalid('chat.postEphemeral', checkMessageBlocks(args.blocks));
      if (bad) return bad;
      this.ephemerals.push({ channel, user, text, blocks: (args.blocks as Block[] | undefined) ?? [] });
      return { ok: true, message_ts: this.nextTs() };
    },
    'views.open': (args) => this.openView('views.open', args, 'open'),
    'views.push': (args) => this.openView('views.push', args, 'push'),
    'views.publish': (args) => this.publishHome(args),
    'views.update': (args) => {
      const byId = str(args.view_id);
      const byExternal = str(args.external_id);
      const previous = byId
        ? this.currentViews.get(byId)
        : [...this.currentViews.values()].find((v) => byExternal && v.external_id === byExternal);
      if (!previous) return fail('not_found');
      if (str(args.hash) && args.hash !== previous.hash) return fail('hash_conflict');
      return this.saveView('views.update', args.view, 'update', previous);
    },
    'conversations.history': (args) => {
      const channel = str(args.channel);
      if (!channel) return fail('channel_not_found');
      return this.page(this.messages(channel).reverse(), args);
    },
    'conversations.replies': (args) => {
      const channel = str(args.channel);
      if (!channel) return fail('channel_not_found');
      const m = this.byTs.get(`${channel}/${str(args.ts) ?? ''}`);
      if (!m) return fail('thread_not_found');
      const parent = m.thread_ts ? this.byTs.get(`${channel}/${m.thread_ts}`) : m;
      if (!parent) return fail('thread_not_found');
      return this.page([parent, ...this.replies(channel, parent.ts)], args);
    },
    'conversations.join': (args) => {
      const id = str(args.channel);
      const c = id ? this.channel(id) : undefined;
      if (!c) return fail('channel_not_found');
      if (c.isArchived) return fail('is_archived');
      if (c.isPrivate) return fail('method_not_supported_for_channel_type');
      c.members.add(BOT_USER_ID);
      return { ok: true, channel: this.channelShape(c) };
    },
    // https://docs.slack.dev/reference/methods/conversations.create
    'conversations.create': (args) => {
      const name = typeof args.name === 'string' ? args.name : '';
      if (name === '') return fail('invalid_name_required');
      if (name.length > 80) return fail('invalid_name_maxlength');
      if (!/^[a-z0-9_-]+$/.test(name)) return fail('invalid_name_specials');
      if (/^[-_]+$/.test(name)) return fail('invalid_name_punctuation');
      // Archived channels keep their names.
      if ([...this.channelList.values()].some((c) => c.name === name)) return fail('name_taken');
      const c = this.addChannel({ name, creator: BOT_USER_ID, isPrivate: truthy(args.is_private) });
      return { ok: true, channel: this.channelShape(c) };
    },
    // https://docs.slack.dev/reference/methods/conversations.invite: none is invited if one fails (unless force).
    'conversations.invite': (args) => {
      const id = str(args.channel);
      const c = id ? this.channel(id) : undefined;
      if (!c) return fail('channel_not_found');
      if (c.isArchived) return fail('is_archived');
      if (!c.members.has(BOT_USER_ID)) return fail('not_in_channel');
      const users = (str(args.users) ?? '')
        .split(',')
        .map((u) => u.trim())
        .filter(Boolean);
      if (users.length === 0) return fail('no_user');
      if (users.length > 1000) return fail('too_many_users');
      const errors: Array<{ user: string; ok: false; error: string }> = [];
      for (const user of users) {
        const error =
          user === BOT_USER_ID
            ? 'cant_invite_self'
            : !/^[UW][A-Z0-9]{2,}$/.test(user)
              ? 'user_not_found'
              : c.members.has(user)
                ? 'already_in_channel'
                : null;
        if (error) errors.push({ user, ok: false, error });
      }
      const force = truthy(args.force);
      if (errors.length > 0 && !force) return fail(errors[0]?.error ?? 'cant_invite', { errors });
      for (const user of users) if (!errors.some((e) => e.user === user)) c.members.add(user);
      return { ok: true, channel: this.channelShape(c), ...(errors.length > 0 ? { errors } : {}) };
    },
    // https://docs.slack.dev/reference/methods/conversations.kick
    'conversations.kick': (args) => {
      const id = str(args.channel);
      const c = id ? this.channel(id) : undefined;
      if (!c) return fail('channel_not_found');
      const user = str(args.user);
      if (!user) return fail('user_not_found');
      if (user === BOT_USER_ID) return fail('cant_kick_self');
      if (!c.members.has(BOT_USER_ID)) return fail('not_in_channel');
      if (!c.members.has(user)) return fail('not_in_channel');
      c.members.delete(user);
      return { ok: true, errors: {} };
    },
    // https://docs.slack.dev/reference/methods/conversations.list: public channels unless `types` says.
    'conversations.list': (args) => {
      const types = new Set((str(args.types) ?? 'public_channel').split(',').map((t) => t.trim()));
      const bad = [...types].find((t) => !['public_channel', 'private_channel', 'mpim', 'im'].includes(t));
      if (bad) return fail('invalid_types');
      const limit = Number(args.limit ?? 100);
      if (!Number.isInteger(limit) || limit < 1 || limit > 1000) return fail('invalid_limit');
      let start = 0;
      const cursor = str(args.cursor);
      if (cursor) {
        const decoded = Buffer.from(cursor, 'base64').toString();
        if (!decoded.startsWith('offset:')) return fail('invalid_cursor');
        start = Number(decoded.slice(7)) || 0;
      }
      const all = [...this.channelList.values()].filter(
        (c) =>
          (c.isPrivate
            ? types.has('private_channel') && c.members.has(BOT_USER_ID)
            : types.has('public_channel')) && !(truthy(args.exclude_archived) && c.isArchived),
      );
      const slice = all.slice(start, start + limit);
      const more = start + limit < all.length;
      return {
        ok: true,
        channels: slice.map((c) => this.channelShape(c)),
        response_metadata: {
          next_cursor: more ? Buffer.from(`offset:${start + limit}`).toString('base64') : '',
        },
      };
    },
    'users.info': (args) => {
      const id = str(args.user);
      if (!id) return fail('user_not_found');
      const name = `user-${id.toLowerCase()}`;
      const profile = { real_name: name, display_name: name };
      const user = {
        id,
        team_id: TEAM_ID,
        name,
        real_name: name,
        deleted: false,
        is_bot: false,
        tz: 'Europe/London',
      };
      return { ok: true, user: { ...user, tz_offset: 0, profile, ...this.users.get(id) } };
    },
  };

  /** conversations.history / .replies paging: oldest/latest (exclusive unless `inclusive`), limit, cursor. */
  private page(list: FakeMessage[], args: Args): Outcome {
    const inclusive = truthy(args.inclusive);
    const oldest = tsMicros(str(args.oldest) ?? '0');
    const latest = str(args.latest) ? tsMicros(String(args.latest)) : Number.POSITIVE_INFINITY;
    const inRange = list.filter((m) => {
      const t = tsMicros(m.ts);
      return inclusive ? t >= oldest && t <= latest : t > oldest && t < latest;
    });
    const limit = Math.min(Math.max(Number(args.limit ?? 100) || 100, 1), 999);
    const start =
      Number(str(args.cursor) ? Buffer.from(String(args.cursor), 'base64').toString().slice(7) : 0) || 0;
    const slice = inRange.slice(start, start + limit);
    const hasMore = start + limit < inRange.length;
    const withMetadata = truthy(args.include_all_metadata);
    return {
      ok: true,
      messages: slice.map((m) => this.slackShape(m, withMetadata)),
      has_more: hasMore,
      pin_count: 0,
      response_metadata: {
        next_cursor: hasMore ? Buffer.from(`offset:${start + limit}`).toString('base64') : '',
      },
    };
  }
}
