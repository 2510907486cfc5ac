import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { App, verifySlackRequest } from '@slack/bolt';
import {
  type Logger,
  LogLevel,
  WebAPIHTTPError,
  WebAPIPlatformError,
  WebAPIRateLimitedError,
  WebAPIRequestError,
  WebClient,
} from '@slack/web-api';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  BOT_USER_ID,
  blockActionPayload,
  FakeSlack,
  fillView,
  interactiveBody,
  SlackDriver,
  signRequest,
  slashCommandBody,
  startFakeSlackServer,
  viewActionPayload,
  viewSubmissionPayload,
} from './index.ts';

const quiet: Logger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
  setLevel() {},
  getLevel: () => LogLevel.ERROR,
  setName() {},
};

const T0 = Date.UTC(2026, 0, 1); // 1767225600000
const fake = new FakeSlack({ clock: () => T0 });
// The msw server must listen before any WebClient is built: the client keeps the fetch it saw.
const server = startFakeSlackServer(fake);
const client = (opts: { rejectRateLimitedCalls?: boolean; retries?: number } = {}) =>
  new WebClient('xoxb-test', {
    slackApiUrl: fake.apiUrl,
    logger: quiet,
    rejectRateLimitedCalls: opts.rejectRateLimitedCalls ?? false,
    retryConfig: { retries: opts.retries ?? 0, minTimeout: 1, maxTimeout: 5 },
  });
const web = client();

afterEach(() => {
  try {
    fake.assertClean();
  } finally {
    fake.reset();
  }
});
afterAll(() => server.close());

const section = (text: string, blockId?: string) => ({
  type: 'section',
  ...(blockId ? { block_id: blockId } : {}),
  text: { type: 'mrkdwn', text },
});

describe('FakeSlack Web API', () => {
  it('answers auth.test as the patchbot bot user', async () => {
    const res = await web.auth.test();
    expect(res).toMatchObject({
      ok: true,
      team_id: 'T0PATCH01',
      user_id: 'U0PATCHBOT',
      bot_id: 'B0PATCHBOT',
    });
  });

  it('posts, updates and reads back messages with metadata and threads', async () => {
    const metadata = { event_type: 'visit_posted', event_payload: { visit: 42 } };
    const posted = await web.chat.postMessage({
      channel: 'C1',
      text: 'Visit 42',
      blocks: [section('*Visit 42*', 'visit')],
      metadata,
    });
    expect(posted.ts).toBe('1767225600.000000');
    expect(posted.message).toMatchObject({
      text: 'Visit 42',
      user: BOT_USER_ID,
      blocks: [section('*Visit 42*', 'visit')],
    });
    const second = await web.chat.postMessage({ channel: 'C1', text: 'second' });
    expect(second.ts).toBe('1767225600.000100'); // strictly increasing even with a frozen clock

    const reply = await web.chat.postMessage({
      channel: 'C1',
      text: 'in thread',
      thread_ts: posted.ts ?? '',
    });
    const updated = await web.chat.update({ channel: 'C1', ts: posted.ts ?? '', text: 'Visit 42 (claimed)' });
    expect(updated).toMatchObject({ ok: true, channel: 'C1', ts: posted.ts, text: 'Visit 42 (claimed)' });

    const [first] = fake.messages('C1');
    expect(fake.messages('C1')).toHaveLength(2);
    expect(first).toMatchObject({
      text: 'Visit 42 (claimed)',
      edits: 1,
      metadata,
      blocks: [section('*Visit 42*', 'visit')],
    });
    expect(fake.replies('C1', posted.ts ?? '')).toMatchObject([{ ts: reply.ts, thread_ts: posted.ts }]);
    expect(fake.posts('C1')).toHaveLength(3);

    const history = await web.conversations.history({ channel: 'C1', include_all_metadata: true, limit: 10 });
    expect(history.messages?.map((m) => m.text)).toEqual(['second', 'Visit 42 (claimed)']);
    expect(history.messages?.[1]).toMatchObject({ metadata, reply_count: 1 });
    const plain = await web.conversations.history({ channel: 'C1', oldest: posted.ts ?? '' });
    expect(plain.messages?.map((m) => m.text)).toEqual(['second']);
    expect(plain.messages?.[0]?.metadata).toBeUndefined();

    const thread = await web.conversations.replies({ channel: 'C1', ts: posted.ts ?? '' });
    expect(thread.messages?.map((m) => m.ts)).toEqual([posted.ts, reply.ts]);

    await expect(web.chat.update({ channel: 'C1', ts: '1.000000', text: 'x' })).rejects.toMatchObject({
      data: { error: 'message_not_found' },
    });
    expect(fake.calls.at(-1)).toMatchObject({
      method: 'chat.update',
      failed: 'message_not_found',
      token: 'xoxb-test',
    });
  });

  it('refuses blocks over Block Kit limits with invalid_blocks and records why', async () => {
    const many = Array.from({ length: 51 }, (_, i) => section(`row ${i}`));
    await expect(
      web.chat.postMessage({ channel: 'C1', text: 'too many', blocks: many }),
    ).rejects.toMatchObject({
      data: { error: 'invalid_blocks' },
    });
    const button = {
      type: 'actions',
      elements: [
        { type: 'button', action_id: 'a', text: { type: 'plain_text', text: 'x'.repeat(76) }, value: '1' },
      ],
    };
    const err = await web.chat
      .postMessage({ channel: 'C1', text: 'bad', blocks: [section('a', 'dup'), section('b', 'dup'), button] })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WebAPIPlatformError);
    expect(fake.messages('C1')).toHaveLength(0);
    const errors = fake.takeErrors().map((e) => `${e.method} ${e.message}`);
    expect(errors).toEqual([
      'chat.postMessage invalid_blocks: blocks: 51 blocks, more than 50',
      'chat.postMessage invalid_blocks: blocks[1].block_id: duplicate block_id dup',
      'chat.postMessage invalid_blocks: blocks[2].elements[0].text.text: 76 chars, more than 75',
    ]);

    const modal = {
      type: 'modal' as const,
      title: { type: 'plain_text' as const, text: 'A title that is far too long' },
      blocks: [
        {
          type: 'input',
          block_id: 'q',
          label: { type: 'plain_text', text: 'Q' },
          element: { type: 'plain_text_input', action_id: 'a' },
        },
      ],
    };
    // biome-ignore lint/suspicious/noExplicitAny: deliberately invalid view
    await expect(web.views.open({ trigger_id: '1.2.3', view: modal as any })).rejects.toMatchObject({
      data: { error: 'invalid_blocks' },
    });
    expect(fake.takeErrors().map((e) => e.message)).toEqual([
      'invalid_blocks: view.title.text: 28 chars, more than 24',
      'invalid_blocks: view.submit: required when the view has an input block',
    ]);
    expect(fake.views).toHaveLength(0);
  });

  it('rate limits with HTTP 429 and Retry-After', async () => {
    fake.failNext('chat.postMessage', { status: 429, retryAfter: 7 });
    const err = await client({ rejectRateLimitedCalls: true })
      .chat.postMessage({ channel: 'C1', text: 'hi' })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WebAPIRateLimitedError);
    expect((err as WebAPIRateLimitedError).retryAfter).toBe(7);
    expect(fake.calls).toMatchObject([{ method: 'chat.postMessage', failed: 'http_429' }]);
    expect(fake.messages('C1')).toHaveLength(0);
    expect(fake.posts()).toHaveLength(0);
  });

  it('with postPacing on, refuses a second post in one channel within a second with 429 Retry-After: 1', async () => {
    fake.postPacing = { minGapMs: 1000 };
    try {
      await web.chat.postMessage({ channel: 'C1', text: 'first' });
      await web.chat.postMessage({ channel: 'C2', text: 'another channel' });
      const strict = client({ rejectRateLimitedCalls: true });
      const err = await strict.chat.postMessage({ channel: 'C1', text: 'too soon' }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(WebAPIRateLimitedError);
      expect((err as WebAPIRateLimitedError).retryAfter).toBe(1);
      expect(fake.paceRefusals).toMatchObject([{ channel: 'C1' }]);
      expect(fake.paceRefusals[0]?.gapMs).toBeLessThan(1000);
      // Once the gap has passed, the channel takes a post again.
      fake.postPacing = { minGapMs: 30 };
      await new Promise((r) => setTimeout(r, 40));
      await strict.chat.postMessage({ channel: 'C1', text: 'later' });
      expect(fake.messages('C1').map((m) => m.text)).toEqual(['first', 'later']);
      // Updates are not posts: they are not paced.
      const ts = fake.messages('C1')[0]?.ts ?? '';
      await web.chat.update({ channel: 'C1', ts, text: 'edited' });
      expect(fake.messages('C1').map((m) => m.text)).toEqual(['edited', 'later']);
      expect(fake.calls.every((c) => Number.isFinite(c.realAt))).toBe(true);
    } finally {
      fake.postPacing = null;
    }
  });

  it('answers 503 during an outage and 5xx / network faults get retried by WebClient', async () => {
    fake.outage(true);
    const err = await web.chat.postMessage({ channel: 'C1', text: 'hi' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WebAPIHTTPError);
    expect((err as WebAPIHTTPError).statusCode).toBe(503);
    fake.outage(false);

    fake.failNext('*', { status: 502 });
    fake.failNext('chat.postMessage', { network: true });
    await client({ retries: 2 }).chat.postMessage({ channel: 'C1', text: 'eventually' });
    expect(fake.calls.map((c) => c.failed ?? 'ok')).toEqual(['outage', 'http_502', 'network', 'ok']);
    expect(fake.messages('C1').map((m) => m.text)).toEqual(['eventually']);

    fake.failNext('chat.postMessage', { network: true });
    await expect(web.chat.postMessage({ channel: 'C1', text: 'x' })).rejects.toBeInstanceOf(
      WebAPIRequestError,
    );
    fake.failNext('chat.postMessage', { error: 'not_in_channel' });
    await expect(web.chat.postMessage({ channel: 'C1', text: 'x' })).rejects.toMatchObject({
      data: { ok: false, error: 'not_in_channel' },
    });
    expect(fake.messages('C1')).toHaveLength(1);
  });

  it('records unknown methods as errors', async () => {
    await expect(web.apiCall('reminders.add', { text: 'x' })).rejects.toMatchObject({
      data: { error: 'unknown_method' },
    });
    expect(() => fake.assertClean()).toThrow(/reminders\.add/);
    fake.takeErrors();
  });

  it('opens and updates views, and fills their state for a submission', async () => {
    const view = {
      type: 'modal' as const,
      callback_id: 'popback',
      external_id: 'popback-1',
      private_metadata: '{"visit":42}',
      title: { type: 'plain_text' as const, text: 'Pop back' },
      submit: { type: 'plain_text' as const, text: 'Save' },
      blocks: [
        {
          type: 'input' as const,
          block_id: 'when',
          label: { type: 'plain_text' as const, text: 'When' },
          element: {
            type: 'static_select' as const,
            action_id: 'pick',
            options: ['am', 'pm'].map((v) => ({ text: { type: 'plain_text' as const, text: v }, value: v })),
          },
        },
        {
          type: 'input' as const,
          block_id: 'note',
          optional: true,
          label: { type: 'plain_text' as const, text: 'Note' },
          element: { type: 'plain_text_input' as const, action_id: 'text' },
        },
        {
          type: 'input' as const,
          block_id: 'at',
          label: { type: 'plain_text' as const, text: 'At' },
          element: { type: 'timepicker' as const, action_id: 'time', initial_time: '09:00' },
        },
      ],
    };
    const opened = await web.views.open({ trigger_id: '111.222.abc', view });
    expect(opened.view?.id).toBe('V0000001');
    await expect(web.views.open({ trigger_id: '111.222.abc', view })).rejects.toMatchObject({
      data: { error: 'expired_trigger_id' },
    });
    await web.views.update({ external_id: 'popback-1', view: { ...view, private_metadata: '{"visit":43}' } });
    expect(fake.views.map((v) => [v.id, v.via])).toEqual([
      ['V0000001', 'open'],
      ['V0000001', 'update'],
    ]);

    const stored = fake.views.at(-1)?.view ?? {};
    const filled = fillView(stored, { when: 'pm' });
    expect(filled.state).toEqual({
      values: {
        when: {
          pick: {
            type: 'static_select',
            selected_option: { text: { type: 'plain_text', text: 'pm' }, value: 'pm' },
          },
        },
        note: { text: { type: 'plain_text_input', value: null } },
        at: { time: { type: 'timepicker', selected_time: '09:00' } },
      },
    });
    expect(() => fillView(stored, { when: 'noon' })).toThrow(/no option/);
    expect(() => fillView(stored, { missing: 'x' })).toThrow(/missing/);
    const payload = viewSubmissionPayload({ user: 'U1', view: filled });
    expect(payload).toMatchObject({
      type: 'view_submission',
      view: { id: 'V0000001', callback_id: 'popback', private_metadata: '{"visit":43}' },
    });
  });

  it('publishes a Home tab per person (views.publish): checked like a view, one view id per person, 100 blocks', async () => {
    const home = (n: number) => ({
      type: 'home' as const,
      blocks: Array.from({ length: n }, (_, i) => section(`line ${i}`, `b${i}`)),
    });
    const first = await web.views.publish({ user_id: 'U0ALICE1', view: home(2) });
    expect(first.view).toMatchObject({ type: 'home', id: 'V0000001', close: null, submit: null });
    const again = await web.views.publish({ user_id: 'U0ALICE1', view: home(100) });
    expect(again.view?.id).toBe('V0000001');
    await web.views.publish({ user_id: 'U0BOB0001', view: home(1) });
    expect(fake.published.map((p) => [p.user, p.id, (p.view.blocks as unknown[]).length])).toEqual([
      ['U0ALICE1', 'V0000001', 2],
      ['U0ALICE1', 'V0000001', 100],
      ['U0BOB0001', 'V0000002', 1],
    ]);
    expect(fake.home('U0ALICE1')?.blocks).toHaveLength(100);
    expect(fake.views).toEqual([]); // modals are kept apart

    await expect(web.views.publish({ user_id: 'U0ALICE1', view: home(101) })).rejects.toMatchObject({
      data: { error: 'invalid_blocks' },
    });
    expect(fake.takeErrors()).toEqual([
      { method: 'views.publish', message: 'invalid_blocks: view.blocks: 101 blocks, more than 100' },
    ]);
    const stale = { user_id: 'U0ALICE1', view: home(1), hash: '1.nothere' };
    await expect(web.views.publish(stale)).rejects.toMatchObject({ data: { error: 'hash_conflict' } });
    const current = String(fake.home('U0ALICE1')?.hash);
    await web.views.publish({ ...stale, hash: current });
    const modal = { type: 'modal' as const, title: { type: 'plain_text' as const, text: 'x' }, blocks: [] };
    await expect(web.views.publish({ user_id: 'U0ALICE1', view: modal })).rejects.toMatchObject({
      data: { error: 'invalid_arguments' },
    });
    await expect(web.views.publish({ user_id: 'C0PATCH07', view: home(1) })).rejects.toMatchObject({
      data: { error: 'invalid_arguments' },
    });
    expect(fake.takeErrors().map((e) => e.method)).toEqual(['views.publish', 'views.publish']);
    expect(fake.home('U0ALICE1')?.blocks).toHaveLength(1);
  });

  it('takes response_url posts (Bolt respond) and applies replace_original', async () => {
    const posted = await web.chat.postMessage({
      channel: 'C1',
      text: 'Visit 42',
      blocks: [section('Visit 42')],
    });
    const url = fake.responseUrl({ channel: 'C1', user: 'U1', messageTs: posted.ts ?? '' });
    expect(url.startsWith('https://hooks.slack.test/')).toBe(true);
    const send = (body: unknown) =>
      fetch(url, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(body),
      });
    expect((await send({ replace_original: true, text: 'Claimed' })).status).toBe(200);
    expect((await send({ text: 'Only you can see this' })).status).toBe(200);
    expect(fake.messages('C1')[0]).toMatchObject({ text: 'Claimed', edits: 1 });
    expect(fake.ephemerals).toEqual([
      { channel: 'C1', user: 'U1', text: 'Only you can see this', blocks: [] },
    ]);
    expect(fake.responses.map((r) => r.body.text)).toEqual(['Claimed', 'Only you can see this']);

    expect((await send({ text: 'bad', blocks: [{ type: 'carousel' }] })).status).toBe(400);
    expect(fake.takeErrors()).toMatchObject([{ method: 'response_url' }]);
  });
});

describe('FakeSlack channels (conversations.create, invite, kick, list, join)', () => {
  it('makes a public channel with the bot as creator and member, and refuses a taken or malformed name', async () => {
    const made = await web.conversations.create({ name: 'westbury-north' });
    expect(made).toMatchObject({
      ok: true,
      channel: {
        name: 'westbury-north',
        is_channel: true,
        is_private: false,
        creator: BOT_USER_ID,
        is_member: true,
      },
    });
    expect(made.channel?.id).toMatch(/^C[A-Z0-9]+$/);
    await expect(web.conversations.create({ name: 'westbury-north' })).rejects.toMatchObject({
      data: { ok: false, error: 'name_taken' },
    });
    await expect(web.conversations.create({ name: 'Westbury North' })).rejects.toMatchObject({
      data: { error: 'invalid_name_specials' },
    });
    await expect(web.conversations.create({ name: 'x'.repeat(81) })).rejects.toMatchObject({
      data: { error: 'invalid_name_maxlength' },
    });
    // An archived channel keeps its name.
    fake.addChannel({ name: 'old-patch', isArchived: true });
    await expect(web.conversations.create({ name: 'old-patch' })).rejects.toMatchObject({
      data: { error: 'name_taken' },
    });
    fake.takeErrors();
  });

  it('invites people one call at a time as Slack does: already_in_channel, cant_invite_self, none invited if one fails', async () => {
    const id = (await web.conversations.create({ name: 'p09' })).channel?.id ?? '';
    expect(await web.conversations.invite({ channel: id, users: 'U0ALICE1' })).toMatchObject({ ok: true });
    expect(fake.channel(id)?.members.has('U0ALICE1')).toBe(true);
    await expect(web.conversations.invite({ channel: id, users: 'U0ALICE1' })).rejects.toMatchObject({
      data: { error: 'already_in_channel' },
    });
    await expect(
      web.conversations.invite({ channel: id, users: `U0BOB0001,${BOT_USER_ID}` }),
    ).rejects.toMatchObject({
      data: {
        error: 'cant_invite_self',
        errors: [{ user: BOT_USER_ID, ok: false, error: 'cant_invite_self' }],
      },
    });
    expect(fake.channel(id)?.members.has('U0BOB0001')).toBe(false);
    // Somebody else's channel the bot is not in.
    const other = fake.addChannel({ name: 'elsewhere', members: ['U0CAROL1'] });
    await expect(web.conversations.invite({ channel: other.id, users: 'U0ALICE1' })).rejects.toMatchObject({
      data: { error: 'not_in_channel' },
    });
    expect(await web.conversations.join({ channel: other.id })).toMatchObject({
      ok: true,
      channel: { is_member: true },
    });
    expect(await web.conversations.invite({ channel: other.id, users: 'U0ALICE1' })).toMatchObject({
      ok: true,
    });
    fake.takeErrors();
  });

  it('removes a member with conversations.kick; not_in_channel and cant_kick_self otherwise', async () => {
    const c = fake.addChannel({ name: 'p07', members: [BOT_USER_ID, 'U0BOB0001'] });
    expect(await web.conversations.kick({ channel: c.id, user: 'U0BOB0001' })).toMatchObject({ ok: true });
    expect(fake.channel(c.id)?.members.has('U0BOB0001')).toBe(false);
    await expect(web.conversations.kick({ channel: c.id, user: 'U0BOB0001' })).rejects.toMatchObject({
      data: { error: 'not_in_channel' },
    });
    await expect(web.conversations.kick({ channel: c.id, user: BOT_USER_ID })).rejects.toMatchObject({
      data: { error: 'cant_kick_self' },
    });
    fake.takeErrors();
  });

  it('lists public channels in pages, leaving archived ones out when asked', async () => {
    for (const name of ['a', 'b', 'c']) await web.conversations.create({ name });
    fake.addChannel({ name: 'gone', isArchived: true });
    fake.addChannel({ name: 'secret', isPrivate: true, id: 'G0SECRET1' });
    const first = await web.conversations.list({ limit: 2, exclude_archived: true });
    expect(first.channels?.map((c) => c.name)).toEqual(['a', 'b']);
    const cursor = first.response_metadata?.next_cursor ?? '';
    expect(cursor).not.toBe('');
    const second = await web.conversations.list({ limit: 2, exclude_archived: true, cursor });
    expect(second.channels?.map((c) => c.name)).toEqual(['c']);
    expect(second.response_metadata?.next_cursor).toBe('');
    const all = await web.conversations.list({ limit: 100 });
    expect(all.channels?.map((c) => c.name)).toEqual(['a', 'b', 'c', 'gone']);
  });

  it('refuses a post to something that is not a channel id, or to an archived channel', async () => {
    await expect(web.chat.postMessage({ channel: 'new:P09', text: 'x' })).rejects.toMatchObject({
      data: { error: 'channel_not_found' },
    });
    const c = fake.addChannel({ name: 'gone', isArchived: true });
    await expect(web.chat.postMessage({ channel: c.id, text: 'x' })).rejects.toMatchObject({
      data: { error: 'is_archived' },
    });
  });

  it('a lost answer: Slack does the call, the caller gets a network error', async () => {
    fake.failNext('conversations.create', { lostAnswer: true });
    await expect(web.conversations.create({ name: 'slow' })).rejects.toBeInstanceOf(WebAPIRequestError);
    expect(fake.channels().map((c) => c.name)).toEqual(['slow']);
    expect(fake.calls.at(-1)?.failed).toBe('lost_answer');
  });
});

describe('signed requests', () => {
  const secret = 'test-signing-secret';
  let receiver: Server;
  let received: Array<{ body: string; valid: boolean; type: string | undefined }> = [];

  beforeAll(async () => {
    receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => {
        body += c.toString();
      });
      req.on('end', () => {
        let valid = true;
        try {
          verifySlackRequest({
            signingSecret: secret,
            body,
            headers: {
              'x-slack-signature': String(req.headers['x-slack-signature']),
              'x-slack-request-timestamp': Number(req.headers['x-slack-request-timestamp']),
            },
          });
        } catch {
          valid = false;
        }
        received.push({ body, valid, type: req.headers['content-type'] });
        res
          .writeHead(valid ? 200 : 401, { 'Content-Type': 'application/json' })
          .end(JSON.stringify({ valid }));
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  });
  afterAll(() => new Promise<void>((r) => receiver.close(() => r())));
  afterEach(() => {
    received = [];
  });

  it('signs like Slack: verifySlackRequest from Bolt accepts it', () => {
    const body = slashCommandBody({ command: '/popback', text: 'visit 42', user_id: 'U1', channel_id: 'C1' });
    const ts = Math.floor(Date.now() / 1000);
    const headers = signRequest(secret, body, ts);
    expect(headers['X-Slack-Signature']).toMatch(/^v0=[0-9a-f]{64}$/);
    const verify = (signature: string, timestamp: number) =>
      verifySlackRequest({
        signingSecret: secret,
        body,
        headers: { 'x-slack-signature': signature, 'x-slack-request-timestamp': timestamp },
      });
    expect(() => verify(headers['X-Slack-Signature'], ts)).not.toThrow();
    const sig = headers['X-Slack-Signature'];
    const tampered = sig.slice(0, -1) + (sig.endsWith('0') ? '1' : '0');
    expect(() => verify(tampered, ts)).toThrow();
    const stale = ts - 6 * 60;
    expect(() => verify(signRequest(secret, body, stale)['X-Slack-Signature'], stale)).toThrow(/stale|old/i);

    const form = new URLSearchParams(body);
    expect([...form.keys()]).toEqual([
      'token',
      'team_id',
      'team_domain',
      'channel_id',
      'channel_name',
      'user_id',
      'user_name',
      'command',
      'text',
      'api_app_id',
      'is_enterprise_install',
      'response_url',
      'trigger_id',
    ]);
    expect(body).toContain('command=%2Fpopback&text=visit+42');
    expect(form.get('is_enterprise_install')).toBe('false');
  });

  it('SlackDriver posts signed requests to a loopback receiver, which msw lets through', async () => {
    const { port } = receiver.address() as AddressInfo;
    const driver = new SlackDriver({ url: `http://127.0.0.1:${port}/slack/events`, signingSecret: secret });
    const res = await driver.command({ command: '/popback', user_id: 'U1', channel_id: 'C1' });
    expect(res.status).toBe(200);
    expect(res.json()).toEqual({ valid: true });

    const posted = await web.chat.postMessage({
      channel: 'C1',
      text: 'Visit 42',
      blocks: [
        section('Visit 42', 'visit'),
        {
          type: 'actions',
          block_id: 'visit-actions',
          elements: [
            { type: 'button', action_id: 'claim', text: { type: 'plain_text', text: 'Claim' }, value: '42' },
          ],
        },
      ],
    });
    const message = fake.message('C1', posted.ts ?? '');
    if (!message) throw new Error('message not stored');
    const args = { user: 'U1', channel: 'C1', actionId: 'claim', message, responseUrl: fake.responseUrl() };
    const payload = blockActionPayload(args);
    expect(payload).toMatchObject({
      type: 'block_actions',
      container: { type: 'message', message_ts: posted.ts, channel_id: 'C1', is_ephemeral: false },
      actions: [
        {
          action_id: 'claim',
          block_id: 'visit-actions',
          value: '42',
          type: 'button',
          text: { text: 'Claim' },
        },
      ],
      message: { ts: posted.ts, blocks: message.blocks },
    });
    expect((await driver.action(args)).status).toBe(200);
    expect(received.at(-1)?.body.startsWith('payload=')).toBe(true);
    const sent = JSON.parse(new URLSearchParams(received.at(-1)?.body).get('payload') ?? '{}');
    expect(sent.actions[0].action_id).toBe('claim');
    expect(interactiveBody({ a: 'b c' })).toBe('payload=%7B%22a%22%3A%22b+c%22%7D');

    const stale = await driver.command(
      { command: '/popback' },
      { timestamp: Math.floor(Date.now() / 1000) - 600 },
    );
    expect(stale.status).toBe(401);
    const forged = await driver.command({ command: '/popback' }, { signature: 'v0=deadbeef' });
    expect(forged.status).toBe(401);
    expect(received.map((r) => r.type)).toEqual(Array(4).fill('application/x-www-form-urlencoded'));
  });
});

describe('a button pressed in a modal', () => {
  it('is a block_actions payload with the view as container, the whole view, and no channel or response_url', () => {
    const withdraw = (value: string) => ({
      type: 'button',
      action_id: 'withdraw',
      text: { type: 'plain_text', text: 'Withdraw' },
      value,
      style: 'danger',
    });
    const view = {
      id: 'V0000042',
      callback_id: 'form',
      private_metadata: '{"userId":"U1"}',
      blocks: [
        { ...section('first', 'one'), accessory: withdraw('1') },
        { ...section('second', 'two'), accessory: withdraw('2') },
      ],
    };
    const payload = viewActionPayload({ user: 'U0SUPER1', view, actionId: 'withdraw', value: '2' });
    expect(payload).toMatchObject({
      type: 'block_actions',
      container: { type: 'view', view_id: 'V0000042' },
      view: { id: 'V0000042', callback_id: 'form', private_metadata: '{"userId":"U1"}', type: 'modal' },
      actions: [{ action_id: 'withdraw', block_id: 'two', value: '2', type: 'button', style: 'danger' }],
      user: { id: 'U0SUPER1' },
    });
    expect(payload).not.toHaveProperty('response_url');
    expect(payload).not.toHaveProperty('channel');
    expect(() => viewActionPayload({ user: 'U1', view, actionId: 'other' })).toThrow(/no element other/);
  });
});

describe('with a real Bolt app', () => {
  const secret = 'bolt-signing-secret';
  let app: App;
  let driver: SlackDriver;

  beforeAll(async () => {
    // Built after startFakeSlackServer (module top): Bolt and its WebClient capture globalThis.fetch now.
    app = new App({
      token: 'xoxb-test',
      signingSecret: secret,
      logLevel: LogLevel.ERROR,
      clientOptions: { slackApiUrl: fake.apiUrl, retryConfig: { retries: 0 } },
    });
    app.command('/popback', async ({ ack, respond, client, command }) => {
      await ack();
      await respond({ text: `Noted: ${command.text}` });
      await client.views.open({
        trigger_id: command.trigger_id,
        view: {
          type: 'modal',
          callback_id: 'popback',
          title: { type: 'plain_text', text: 'Pop back' },
          submit: { type: 'plain_text', text: 'Save' },
          blocks: [
            {
              type: 'input',
              block_id: 'note',
              label: { type: 'plain_text', text: 'Note' },
              element: { type: 'plain_text_input', action_id: 'text' },
            },
          ],
        },
      });
    });
    app.view('popback', async ({ ack, view, client }) => {
      await ack();
      const note = view.state.values.note?.text?.value ?? '';
      await client.chat.postMessage({ channel: 'C1', text: `Pop back: ${note}` });
    });
    const http = (await app.start({ port: 0, host: '127.0.0.1' })) as Server;
    const { port } = http.address() as AddressInfo;
    driver = new SlackDriver({ url: `http://127.0.0.1:${port}/slack/events`, signingSecret: secret });
  });
  afterAll(() => app.stop());

  it('runs a command, opens a modal and handles its submission', async () => {
    const responseUrl = fake.responseUrl({ channel: 'C1', user: 'U1' });
    const res = await driver.command({
      command: '/popback',
      text: 'visit 42',
      user_id: 'U1',
      response_url: responseUrl,
    });
    expect(res.status).toBe(200);
    const opened = await fake.waitFor(() => fake.views.find((v) => v.via === 'open'));
    expect(fake.ephemerals).toMatchObject([{ channel: 'C1', user: 'U1', text: 'Noted: visit 42' }]);

    const sub = await driver.submitView({ user: 'U1', view: fillView(opened.view, { note: 'back at 3' }) });
    expect(sub.status).toBe(200);
    await fake.waitFor(() => fake.messages('C1').length === 1);
    expect(fake.messages('C1')[0]?.text).toBe('Pop back: back at 3');

    const stale = await driver.command(
      { command: '/popback' },
      { timestamp: Math.floor(Date.now() / 1000) - 600 },
    );
    expect(stale.status).toBe(401);
  });
});
