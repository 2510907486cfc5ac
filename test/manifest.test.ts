import { readdirSync, readFileSync } from 'node:fs';
import { join, sep } from 'node:path';
import { App } from '@slack/bolt';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { parse } from 'yaml';
import { openDb } from '../db/index.ts';
import { parsePatchArgs } from '../src/admin/model.ts';
import { parseCompetenceArgs } from '../src/competence/model.ts';
import type { Config } from '../src/config.ts';
import { silentLog } from '../src/log.ts';
import { createPatchbot } from '../src/main.ts';
import { matchClient } from '../src/popback/model.ts';
import { parseRotaArgs } from '../src/rota/model.ts';
import { addDays } from '../src/time.ts';
import { testConfig } from './support/config.ts';
import { Manifest, manifestIssues } from './support/manifest-schema.ts';

/**
 * manifest.yml, checked from inside this repository only:
 * 1. its fields against our own schema of the limits Slack documents (test/support/manifest-schema.ts);
 * 2. its commands, shortcuts, events and interactivity against the listeners the real app registers;
 * 3. its bot scopes against the Web API methods src/ calls;
 * 4. each command's usage hint against the parser that reads the command's text.
 */

const root = join(import.meta.dirname, '..');
const raw: unknown = parse(readFileSync(join(root, 'manifest.yml'), 'utf8'));
const parsed = Manifest.safeParse(raw);
const manifest = (parsed.success ? parsed.data : raw) as Manifest;

const sorted = <T>(xs: Iterable<T>): T[] => [...xs].sort();
const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

interface Source {
  path: string;
  text: string;
}

/** Every .ts file under src/, with its repository-relative path. */
const SOURCES: Source[] = (readdirSync(join(root, 'src'), { encoding: 'utf8', recursive: true }) as string[])
  .filter((f) => f.endsWith('.ts'))
  .sort()
  .map((f) => ({
    path: `src/${f.split(sep).join('/')}`,
    text: readFileSync(join(root, 'src', f), 'utf8'),
  }));

const source = (path: string): string => {
  const found = SOURCES.find((s) => s.path === path);
  if (!found) throw new Error(`${path} is missing: update test/manifest.test.ts`);
  return found.text;
};

/** The text of `function name(` … up to the first line that is just `}`. */
function functionBody(text: string, name: string): string {
  const start = text.search(new RegExp(`function\\s+${escapeRe(name)}\\s*[<(]`));
  if (start < 0) throw new Error(`function ${name} not found: update test/manifest.test.ts`);
  const end = text.indexOf('\n}\n', start);
  return text.slice(start, end < 0 ? undefined : end + 2);
}

describe('manifest.yml: structure', () => {
  it('matches our schema of the fields and limits Slack documents for a v1 manifest', () => {
    expect(manifestIssues(raw)).toEqual([]);
  });

  it('the schema is not vacuous: broken manifests are refused, each for its reason', () => {
    /** The manifest with the value at a dotted path set (or deleted, for undefined): its issues. */
    const changed = (path: string, value: unknown): string[] => {
      const copy = structuredClone(raw);
      const keys = path.split('.');
      let node = copy as Record<string, unknown>;
      for (const key of keys.slice(0, -1)) node = node[key] as Record<string, unknown>;
      const last = keys.at(-1) as string;
      if (value === undefined) delete node[last];
      else node[last] = value;
      return manifestIssues(copy);
    };
    expect(changed('features.slash_commands.0.command', 'popback')).toEqual([
      'features.slash_commands.0.command: must start with /',
    ]);
    expect(changed('features.slash_commands.0.commmand', '/popback')).toEqual([
      expect.stringContaining('features.slash_commands.0: Unrecognized key'),
    ]);
    expect(changed('settings.socket_mode', true)).toEqual([
      expect.stringContaining('settings: Unrecognized key'),
    ]);
    expect(changed('features.shortcuts.0.name', 'x'.repeat(25))).toEqual([
      'features.shortcuts.0.name: must be at most 24 characters',
    ]);
    expect(changed('features.shortcuts.0.type', 'message_action')).toEqual([
      expect.stringContaining('features.shortcuts.0.type'),
    ]);
    expect(changed('display_information.name', 'p'.repeat(36))).toEqual([
      'display_information.name: must be 1 to 35 characters',
    ]);
    expect(changed('display_information.long_description', 'Too short.')).toEqual([
      'display_information.long_description: must be 175 to 4000 characters',
    ]);
    expect(changed('display_information.background_color', 'green')).toEqual([
      expect.stringContaining('display_information.background_color'),
    ]);
    expect(changed('display_information', undefined)).toEqual([
      expect.stringContaining('display_information'),
    ]);
    expect(changed('oauth_config.scopes.bot', ['chat:write', 'chat:write'])).toEqual([
      'oauth_config.scopes.bot: lists a scope twice',
    ]);
    expect(changed('_metadata.major_version', 3)).toEqual([
      expect.stringContaining('_metadata.major_version'),
    ]);
    // Over HTTP, every command and interactivity need a request URL.
    expect(changed('settings.socket_mode_enabled', false)).toEqual([
      ...(manifest.features?.slash_commands ?? []).map(
        (_, i) => `features.slash_commands.${i}.url: is required unless Socket Mode is on`,
      ),
      'settings.interactivity.request_url: is required when interactivity is on, unless Socket Mode is on',
      'settings.event_subscriptions.request_url: is required when events are subscribed, unless Socket Mode is on',
    ]);
  });

  it('runs in Socket Mode, so it declares no request URLs', () => {
    expect(manifest.settings?.socket_mode_enabled).toBe(true);
    expect(manifest.features?.slash_commands?.filter((c) => c.url !== undefined)).toEqual([]);
    expect(manifest.settings?.interactivity?.request_url).toBeUndefined();
    expect(manifest.settings?.interactivity?.message_menu_options_url).toBeUndefined();
    expect(manifest.settings?.event_subscriptions?.request_url).toBeUndefined();
  });

  it('has the message shortcut that raises a medication issue, and the global one for sign-offs', () => {
    expect(manifest.features?.shortcuts).toEqual([
      expect.objectContaining({
        type: 'message',
        callback_id: 'raise_medissue',
        name: 'Raise medication issue',
      }),
      expect.objectContaining({
        type: 'global',
        callback_id: 'competence_signoff',
        name: 'Sign off a competence',
      }),
    ]);
  });
});

// ---------------------------------------------------------------------------------------------------
// 2. Manifest vs the listeners the real app registers.

/** A valid configuration (as test/support/harness.ts): HTTP receiver, which only listens on start(). */
const CONFIG: Config = testConfig();

/** Bolt's listener methods. The last three the app does not use; the test says so if it starts to. */
const KINDS = ['command', 'action', 'view', 'shortcut', 'event', 'options', 'message', 'function'] as const;
type Kind = (typeof KINDS)[number];

/** Builds the real app (never started) with Bolt's listener methods spied on, and returns each first argument. */
function registeredListeners(): Record<Kind, unknown[]> {
  const proto = App.prototype as unknown as Record<Kind, (...args: unknown[]) => unknown>;
  const spies = KINDS.map((kind) => vi.spyOn(proto, kind));
  const db = openDb(':memory:');
  try {
    createPatchbot(CONFIG, { db, log: silentLog, schedule: false });
    return Object.fromEntries(
      KINDS.map((kind, i) => [kind, (spies[i]?.mock.calls ?? []).map((args) => args[0])]),
    ) as Record<Kind, unknown[]>;
  } finally {
    for (const spy of spies) spy.mockRestore();
    db.$client.close();
  }
}

const describeId = (x: unknown) => (x instanceof RegExp ? `the pattern ${x}` : JSON.stringify(x));

/** Commands and events: literal names only (a pattern cannot be declared in a manifest). */
function nameOf(kind: string, x: unknown): string {
  if (typeof x === 'string') return x;
  throw new Error(`a ${kind} listener is registered by ${describeId(x)}: the manifest needs literal names`);
}

/** `app.action('id')` or `app.action({ action_id: 'id', … })`. */
function actionIdOf(x: unknown): string {
  if (typeof x === 'string') return x;
  const id = (x as { action_id?: unknown } | null)?.action_id;
  if (typeof id === 'string') return id;
  throw new Error(`an action listener is registered by ${describeId(x)}: give it a literal action_id`);
}

/** `app.view('id')` or `app.view({ callback_id: 'id', type })`. */
function viewIdOf(x: unknown): string {
  if (typeof x === 'string') return x;
  const id = (x as { callback_id?: unknown } | null)?.callback_id;
  if (typeof id === 'string') return id;
  throw new Error(`a view listener is registered by ${describeId(x)}: give it a literal callback_id`);
}

/** `app.shortcut('id')` (either type) or `app.shortcut({ callback_id, type: 'message_action' | 'shortcut' })`. */
function shortcutOf(x: unknown): { callbackId: string; type: 'message' | 'global' | undefined } {
  if (typeof x === 'string') return { callbackId: x, type: undefined };
  const { callback_id, type } = (x ?? {}) as { callback_id?: unknown; type?: unknown };
  const manifestType =
    type === 'message_action'
      ? 'message'
      : type === 'shortcut'
        ? 'global'
        : type === undefined
          ? undefined
          : null;
  if (typeof callback_id === 'string' && manifestType !== null)
    return { callbackId: callback_id, type: manifestType };
  throw new Error(`a shortcut listener is registered by ${describeId(x)}: give it a literal callback_id`);
}

/**
 * Where src/ names the string `id` as a constant: `NAME` for `const NAME = 'id'`, `NAME.key` for a key
 * of `const NAME = { key: 'id', … }`. Block Kit properties (`action_id: 'id'`) are uses, not names.
 */
function constantNames(id: string): string[] {
  const names: string[] = [];
  const re = new RegExp(
    `(?:\\bconst\\s+(\\w+)\\s*(?::\\s*\\w+\\s*)?=|\\b(\\w+)\\s*:)\\s*['"]${escapeRe(id)}['"]`,
    'g',
  );
  for (const { text } of SOURCES) {
    for (const m of text.matchAll(re)) {
      if (m[1]) {
        names.push(m[1]);
      } else if (m[2] && !['action_id', 'actionId', 'callback_id', 'block_id'].includes(m[2])) {
        const before = text.slice(0, m.index);
        const open = [...before.matchAll(/\bconst\s+(\w+)\s*=\s*\{/g)].at(-1);
        // Still inside that object literal: no line closing it in between.
        if (open?.index !== undefined && !/\n\}/.test(before.slice(open.index)))
          names.push(`${open[1]}.${m[2]}`);
      }
    }
  }
  return names;
}

/** Lines of src/ that set one of `properties` to `ref` in a Block Kit builder (not in a listener registration). */
function builderUses(ref: string, properties: string[]): string[] {
  const re = new RegExp(`\\b(?:${properties.join('|')})\\s*:\\s*${escapeRe(ref)}(?![\\w.])`, 'g');
  const uses: string[] = [];
  for (const { path, text } of SOURCES) {
    for (const m of text.matchAll(re)) {
      const lineStart = text.lastIndexOf('\n', m.index) + 1;
      const line = text.slice(lineStart, text.indexOf('\n', m.index));
      if (/\bapp\.(?:action|view|shortcut|options)\s*[<(]/.test(line)) continue;
      uses.push(`${path}:${text.slice(0, m.index).split('\n').length}`);
    }
  }
  return uses;
}

/** null when `id` is a named constant that a builder uses; otherwise what is wrong. */
function builtProblem(kind: string, id: string, properties: string[]): string | null {
  const names = constantNames(id);
  if (names.length === 0)
    return `${kind} '${id}' is not a named string constant in src/ (declare it beside its Block Kit builder)`;
  if (names.some((name) => builderUses(name, properties).length > 0)) return null;
  return `${kind} '${id}' (${names.join(', ')}) is registered, but no Block Kit builder in src/ sets ${properties.join(' or ')} to it`;
}

describe('manifest.yml vs the listeners the app registers', () => {
  let reg: Record<Kind, unknown[]>;
  beforeAll(() => {
    reg = registeredListeners();
  });

  it('the spies see the real registrations (not vacuous)', () => {
    expect(reg.command).toContain('/popback');
    expect(reg.action.length).toBeGreaterThan(5);
    expect(reg.view.length).toBeGreaterThan(2);
    expect(reg.shortcut).toHaveLength(2);
    // Both forms are read: a string id and a { callback_id, type } constraint.
    expect(actionIdOf('x')).toBe('x');
    expect(actionIdOf({ action_id: 'x', block_id: 'b' })).toBe('x');
    expect(viewIdOf({ callback_id: 'v', type: 'view_submission' })).toBe('v');
    expect(shortcutOf({ callback_id: 's', type: 'shortcut' })).toEqual({ callbackId: 's', type: 'global' });
    expect(shortcutOf('s')).toEqual({ callbackId: 's', type: undefined });
    expect(() => actionIdOf(/claim/)).toThrow(/pattern/);
  });

  it('declares exactly the slash commands the app registers', () => {
    const served = reg.command.map((c) => nameOf('command', c));
    expect(new Set(served).size).toBe(served.length);
    expect(sorted(served)).toEqual(sorted((manifest.features?.slash_commands ?? []).map((c) => c.command)));
  });

  it('declares exactly the shortcuts the app registers, each with its type', () => {
    const declared = manifest.features?.shortcuts ?? [];
    const served = reg.shortcut.map(shortcutOf).map(({ callbackId, type }) => {
      const t = type ?? declared.find((s) => s.callback_id === callbackId)?.type ?? '(any type)';
      return `${t} ${callbackId}`;
    });
    expect(sorted(served)).toEqual(sorted(declared.map((s) => `${s.type} ${s.callback_id}`)));
  });

  it('subscribes to exactly the bot events the app listens for, and to no user events', () => {
    const served = reg.event.map((e) => nameOf('event', e));
    const events = manifest.settings?.event_subscriptions;
    expect(sorted(served)).toEqual(sorted(events?.bot_events ?? []));
    expect(events?.user_events ?? []).toEqual([]);
    expect(events?.metadata_subscriptions ?? []).toEqual([]);
  });

  it('listens for app_home_opened, so the Home tab is on (a Home is published to each person who opens it)', () => {
    expect(reg.event.map((e) => nameOf('event', e))).toContain('app_home_opened');
    expect(manifest.features?.app_home?.home_tab_enabled).toBe(true);
  });

  it('registers no message, options or function listeners (extend this test if it starts to)', () => {
    // message() needs message.* bot events and a history scope; options() a menu options URL.
    expect({ message: reg.message, options: reg.options, function: reg.function }).toEqual({
      message: [],
      options: [],
      function: [],
    });
  });

  it('turns interactivity on exactly when there are buttons, menus, forms or shortcuts to serve', () => {
    const interactive = reg.action.length + reg.view.length + reg.shortcut.length > 0;
    expect(interactive).toBe(true);
    expect(manifest.settings?.interactivity?.is_enabled ?? false).toBe(interactive);
  });

  it('every action id it listens for is a constant that a Block Kit builder in src/ uses', () => {
    const ids = reg.action.map(actionIdOf);
    expect(ids).toEqual(
      expect.arrayContaining(['popback_claim', 'rota_visit', 'alert_arrived', 'esc_acknowledge']),
    );
    expect(ids.map((id) => builtProblem('action id', id, ['action_id', 'actionId'])).filter(Boolean)).toEqual(
      [],
    );
  });

  it('every view callback it listens for is a constant that a modal builder in src/ uses', () => {
    const ids = reg.view.map(viewIdOf);
    expect(ids).toEqual(expect.arrayContaining(['popback_submit', 'medissue_submit']));
    expect(ids.map((id) => builtProblem('view callback_id', id, ['callback_id'])).filter(Boolean)).toEqual(
      [],
    );
  });

  it('the builder check is not vacuous: an id no builder uses, or no constant names, is reported', () => {
    expect(builtProblem('action id', 'no_such_action', ['action_id', 'actionId'])).toMatch(
      /not a named string constant/,
    );
    // MEDISSUE_SHORTCUT is a constant, but it is a shortcut's callback_id, not any button's action_id.
    expect(builtProblem('action id', 'raise_medissue', ['action_id', 'actionId'])).toMatch(
      /MEDISSUE_SHORTCUT.*no Block Kit builder/,
    );
    // The registration itself (app.view({ callback_id: … })) is not a builder.
    expect(builderUses('MEDISSUE_CALLBACK', ['callback_id'])).toEqual([
      expect.stringMatching(/^src\/escalation\/views\.ts:\d+$/),
    ]);
  });
});

// ---------------------------------------------------------------------------------------------------
// 3. Scopes: what the code calls, and what Slack says each call needs.

/*
 * Web API method → the bot scopes it needs. Sources, and what was checked:
 *
 * - Each method's "Scopes → Bot token" on https://docs.slack.dev/reference/methods/<method>:
 *   chat.postMessage, chat.update, chat.postEphemeral → chat:write; conversations.join → channels:join;
 *   conversations.open → im:write (mpim:write as well, for a group DM: add it if ever called with
 *   several users); conversations.create, conversations.invite → channels:manage (public) or
 *   groups:write (private); users.info → users:read; views.open/update/push/publish and auth.test →
 *   no scope. Slash commands and shortcuts need `commands` (https://docs.slack.dev/reference/scopes/commands).
 * - conversations.history and conversations.replies need the *:history scope of the conversation's
 *   type (the table on https://docs.slack.dev/reference/methods/conversations.history: a bot token
 *   reads "any conversation the relevant bot is a member of" with the "relevant *:history scope").
 *   Patch and supervisor channels may be public or private, so channels:history and groups:history.
 *   The replies page says bot tokens lack permission for channel threads, but Slack's own answer to a
 *   bot token without them (missing_scope, needed: channels:history,groups:history,…; seen in
 *   github.com/alex000kim/slack-gpt-bot/issues/7) names these scopes, and the deliverer's look-up
 *   posts anyway when Slack refuses it.
 * - include_all_metadata (the deliverer's crash look-up) needs no scope of its own. Slack's "Using
 *   message metadata" (https://api.slack.com/metadata/using, "Receive metadata with the Web API")
 *   reads it with conversations.history?include_all_metadata=true and a history scope. The
 *   metadata.message:read scope (https://docs.slack.dev/reference/scopes/metadata.message.read) is for
 *   the message_metadata_* events ("Subscribe specifically to metadata via the Events API"), which
 *   patchbot does not subscribe to. So manifest.yml no longer asks for metadata.message:read.
 * - The takeover note (src/rota/digest.ts, `takeover:` subjects) is a chat.postMessage whose channel
 *   is the person's user id: chat:write only. im:write is what conversations.open needs
 *   (https://docs.slack.dev/reference/methods/conversations.open), and patchbot never calls it, so
 *   manifest.yml no longer asks for im:write. A bot's DM with a person is its App Home Messages tab,
 *   which "needs the chat:write permission scope" and the tab switched on
 *   (https://api.slack.com/surfaces/app-home#messages-tab); manifest.yml switches it on, read-only, as
 *   the bot reads no DMs (im:history would be needed to). Caveat: Slack's "Sending messages" guide
 *   (https://api.slack.com/messaging/sending, under "Sending messages as other entities") says a U… id
 *   as channel lands in the person's DM with Slackbot and that a D… id reaches the app's DM. Apps that
 *   dropped im:write for user-id posts report them arriving from the app (github.com/ParabolInc/parabol
 *   pull 4844). If notes ever show under Slackbot, call conversations.open for the D… id; this
 *   test will then ask for im:write in manifest.yml. After a crash mid-post of such a note, the
 *   look-up (conversations.history with a user id) is refused and the note is posted again: a rare
 *   duplicate, with no im:history needed.
 */
const METHOD_SCOPES: Record<string, readonly string[]> = {
  'chat.postMessage': ['chat:write'],
  'chat.update': ['chat:write'],
  'chat.postEphemeral': ['chat:write'],
  'conversations.join': ['channels:join'],
  'conversations.history': ['channels:history', 'groups:history'],
  'conversations.replies': ['channels:history', 'groups:history'],
  'conversations.open': ['im:write'],
  'conversations.create': ['channels:manage', 'groups:write'],
  'conversations.invite': ['channels:manage', 'groups:write'],
  // https://docs.slack.dev/reference/methods/conversations.kick: channels:manage (public), groups:write
  // (private); patch channels may be either.
  'conversations.kick': ['channels:manage', 'groups:write'],
  // https://docs.slack.dev/reference/methods/conversations.list: the :read scope of each type listed;
  // src/admin/channels.ts lists public channels only (types=public_channel) → channels:read.
  'conversations.list': ['channels:read'],
  'users.info': ['users:read'],
  'views.open': [],
  'views.update': [],
  'views.push': [],
  'views.publish': [],
  'auth.test': [],
};

/** Web API method families (https://docs.slack.dev/reference/methods). */
const NAMESPACES = [
  'admin',
  'api',
  'apps',
  'assistant',
  'auth',
  'bookmarks',
  'bots',
  'calls',
  'canvases',
  'chat',
  'conversations',
  'dialog',
  'dnd',
  'emoji',
  'files',
  'functions',
  'migration',
  'oauth',
  'openid',
  'pins',
  'reactions',
  'reminders',
  'rtm',
  'search',
  'stars',
  'team',
  'tooling',
  'usergroups',
  'users',
  'views',
  'workflows',
];

const CALL_PATTERNS = [
  // `.chat.postMessage(` on any receiver: these three names are Slack's own.
  /\.((?:chat|conversations|views)(?:\.[A-Za-z]+)+)\s*\(/g,
  // `client.users.info(`, `this.deps.client.auth.test(`: any family, on something called …client.
  new RegExp(`\\b\\w*[cC]lient\\.((?:${NAMESPACES.join('|')})(?:\\.[A-Za-z]+)+)\\s*\\(`, 'g'),
  // `client.apiCall('chat.postMessage', …)`.
  /\.apiCall\(\s*['"`]([\w.]+)['"`]/g,
];

/** The Web API methods the sources call, each with the lines it is called on. Comments are skipped. */
function slackCalls(sources: Source[]): Map<string, string[]> {
  const calls = new Map<string, string[]>();
  for (const { path, text } of sources) {
    // Blank out comments but keep line numbers (and `https://` inside strings).
    const code = text
      .replace(/\/\*[\s\S]*?\*\//g, (c) => c.replace(/[^\n]/g, ' '))
      .replace(/(^|[^:'"`\\])\/\/.*$/gm, '$1');
    for (const pattern of CALL_PATTERNS) {
      for (const m of code.matchAll(pattern)) {
        const method = m[1] as string;
        const where = `${path}:${code.slice(0, m.index).split('\n').length}`;
        calls.set(method, [...(calls.get(method) ?? []), where]);
      }
    }
  }
  return calls;
}

/** The bot scopes the calls need (each with why), and `commands` for slash commands and shortcuts. */
function scopesNeeded(calls: Map<string, string[]>, m: Manifest): Map<string, string[]> {
  const unknown = [...calls.keys()].filter((method) => !(method in METHOD_SCOPES));
  if (unknown.length > 0)
    throw new Error(
      unknown
        .map(
          (method) =>
            `src/ calls the Slack method ${method} (${calls.get(method)?.join(', ')}), which is not in ` +
            `METHOD_SCOPES in test/manifest.test.ts: look up its bot scopes at ` +
            `https://docs.slack.dev/reference/methods/${method} and add it to the table (and to manifest.yml).`,
        )
        .join('\n'),
    );
  const needed = new Map<string, string[]>();
  const need = (scope: string, why: string) => needed.set(scope, [...(needed.get(scope) ?? []), why]);
  for (const method of calls.keys()) for (const scope of METHOD_SCOPES[method] ?? []) need(scope, method);
  if (m.features?.slash_commands?.length) need('commands', 'slash commands');
  if (m.features?.shortcuts?.length) need('commands', 'shortcuts');
  return needed;
}

describe('manifest.yml: bot scopes vs the Web API methods src/ calls', () => {
  const calls = slackCalls(SOURCES);

  it('finds the calls the code is known to make (not vacuous)', () => {
    expect(sorted(calls.keys())).toEqual(
      expect.arrayContaining([
        'auth.test',
        'chat.postEphemeral',
        'chat.postMessage',
        'chat.update',
        'conversations.history',
        'conversations.join',
        'conversations.replies',
        'views.open',
      ]),
    );
    expect(calls.get('chat.postMessage')).toEqual(
      expect.arrayContaining([expect.stringMatching(/^src\/slack\/deliverer\.ts:\d+$/)]),
    );
    const sample = [
      {
        path: 'sample.ts',
        text: [
          'await client.users.info({ user });',
          'await this.deps.client.conversations.open({ users });',
          "await client.apiCall('reactions.add', {});",
          'const n = patch.users.map(f); // client.files.upload( in a comment',
          '/* client.pins.add( */ log.warn(x);',
        ].join('\n'),
      },
    ];
    expect(sorted(slackCalls(sample).keys())).toEqual(['conversations.open', 'reactions.add', 'users.info']);
  });

  it('every method the code calls has its scopes in the table', () => {
    expect(() => scopesNeeded(calls, manifest)).not.toThrow();
  });

  it('a method missing from the table fails, telling the developer to add it', () => {
    expect(() => scopesNeeded(new Map([['reactions.add', ['src/x.ts:1']]]), manifest)).toThrow(
      /reactions\.add \(src\/x\.ts:1\).*not in METHOD_SCOPES.*add it to the table/,
    );
  });

  it('asks for exactly the bot scopes the calls need, and no user scopes', () => {
    const needed = scopesNeeded(calls, manifest);
    const declared = manifest.oauth_config?.scopes?.bot ?? [];
    const missing = sorted(needed.keys())
      .filter((s) => !declared.includes(s))
      .map((s) => `${s} (needed by ${needed.get(s)?.join(', ')}) is missing from manifest.yml`);
    const unused = declared
      .filter((s) => !needed.has(s))
      .map((s) => `${s} is in manifest.yml, but no call in src/ needs it (see METHOD_SCOPES)`);
    expect([...missing, ...unused]).toEqual([]);
    expect(manifest.oauth_config?.scopes?.user ?? []).toEqual([]);
  });

  it('the takeover note goes to a person, so the Messages tab is on (read-only: the bot reads no DMs)', () => {
    // The note's channel is the previous assignee's user id: chat.postMessage puts it in the app's DM.
    expect(source('src/rota/digest.ts')).toMatch(
      /markDue\(\s*tx,\s*\{\s*subject:\s*takeoverSubject\([^)]*\),\s*channel:\s*before\b/,
    );
    expect(manifest.features?.app_home).toEqual(
      expect.objectContaining({ messages_tab_enabled: true, messages_tab_read_only_enabled: true }),
    );
  });
});

// ---------------------------------------------------------------------------------------------------
// 4. Usage hints vs the parsers.

/** The alternatives of each `[a | b | c]` group of a hint, and what is left outside the groups. */
function hintGroups(hint: string): { groups: string[][]; rest: string } {
  const groups = [...hint.matchAll(/\[([^\]]*)\]/g)].map((m) => (m[1] ?? '').split('|').map((w) => w.trim()));
  return { groups, rest: hint.replace(/\[[^\]]*\]/g, '').trim() };
}

const hintOf = (command: string): string => {
  const found = manifest.features?.slash_commands?.find((c) => c.command === command);
  if (!found?.usage_hint) throw new Error(`${command} has no usage_hint in manifest.yml`);
  return found.usage_hint;
};

/** The commands whose hint is checked below; a new command must add its check. */
const HINT_CHECKED = ['/popback', '/rota', '/medissue', '/oncall', '/patch', '/competence', '/cover'];

describe('manifest.yml: usage hints vs the parsers', () => {
  it('every command has a usage hint, and a check below', () => {
    const commands = (manifest.features?.slash_commands ?? []).map((c) => c.command);
    expect(sorted(commands)).toEqual(sorted(HINT_CHECKED));
    for (const c of commands) expect(hintOf(c)).not.toBe('');
  });

  it('hints are read as groups of alternatives', () => {
    expect(hintGroups('[a | b|c] [d]')).toEqual({ groups: [['a', 'b', 'c'], ['d']], rest: '' });
    expect(hintGroups('(no options)')).toEqual({ groups: [], rest: '(no options)' });
  });

  describe('/rota', () => {
    const today = new Date().toISOString().slice(0, 10);
    /** A hint word as someone would type it: placeholders become a real date near today. */
    const typed = (word: string): string => {
      if (word === 'YYYY-MM-DD') return addDays(today, 3);
      if (/[A-Z]/.test(word)) throw new Error(`no sample for the placeholder ${word}: add one`);
      return word;
    };
    const { groups, rest } = hintGroups(hintOf('/rota'));

    it('the hint is optional groups of words: [day] [mine]', () => {
      expect(rest).toBe('');
      expect(groups).toEqual([['today', 'tomorrow', 'yesterday', 'YYYY-MM-DD'], ['mine']]);
    });

    it('parseRotaArgs accepts every alternative the hint offers, alone and together', () => {
      const [days = [], others = []] = groups;
      const forms = [
        '',
        ...days.map(typed),
        ...others.map(typed),
        ...days.flatMap((d) => others.map((o) => `${typed(d)} ${typed(o)}`)),
      ];
      const refused = forms
        .map((text) => ({ text, result: parseRotaArgs(text, today) }))
        .filter(({ result }) => !result.ok);
      expect(refused).toEqual([]);
      expect(parseRotaArgs('fortnight', today).ok).toBe(false);
    });

    it('every keyword parseRotaArgs accepts appears in the hint', () => {
      // The keywords, read from the parser itself: the words it compares what was typed with.
      const body = functionBody(source('src/rota/model.ts'), 'parseRotaArgs');
      const keywords = new Set(
        [...body.matchAll(/(?:[!=]==|\?\?)\s*'([a-z]+)'/g)].map((m) => m[1] as string),
      );
      expect(sorted(keywords)).toEqual(['mine', 'today', 'tomorrow', 'yesterday']);
      for (const k of keywords) expect(parseRotaArgs(k, today).ok, k).toBe(true);
      const offered = groups.flat();
      expect([...keywords].filter((k) => !offered.includes(k))).toEqual([]);
    });
  });

  describe('/popback and /medissue: [client name]', () => {
    const clients = [
      { id: 1, code: 'C001', name: 'Mrs Ada Lovelace' },
      { id: 2, code: 'C002', name: 'Mr Alan Turing' },
    ];

    it.each(['/popback', '/medissue'])('%s hints one optional client name', (command) => {
      expect(hintGroups(hintOf(command))).toEqual({ groups: [['client name']], rest: '' });
    });

    it('matchClient picks the client by the name typed (any case, or its start), and nothing for no text', () => {
      expect(matchClient(clients, 'Mr Alan Turing')?.id).toBe(2);
      expect(matchClient(clients, '  mrs ada lovelace ')?.id).toBe(1);
      expect(matchClient(clients, 'Mrs Ada')?.id).toBe(1);
      expect(matchClient(clients, '')).toBeUndefined();
      expect(matchClient(clients, 'Grace Hopper')).toBeUndefined();
    });

    it('both commands hand the typed text to matchClient', () => {
      expect(source('src/popback/listeners.ts')).toMatch(/matchClient\(\s*clients,\s*command\.text\s*\)/);
      const escalation = source('src/escalation/listeners.ts');
      expect(functionBody(escalation, 'medIssueCommand')).toMatch(/clientText:\s*command\.text/);
      expect(functionBody(escalation, 'openModal')).toMatch(
        /matchClient\(\s*clients,\s*args\.clientText\s*\)/,
      );
    });
  });

  describe('/patch', () => {
    const { groups, rest } = hintGroups(hintOf('/patch'));

    it('the hint is one optional group: setup, new NAME, or a client name', () => {
      expect(rest).toBe('');
      expect(groups).toEqual([['setup', 'new NAME', 'client name']]);
    });

    it('parsePatchArgs reads each alternative the hint offers, and nothing as the set-up', () => {
      expect(parsePatchArgs('')).toEqual({ kind: 'show', client: null });
      expect(parsePatchArgs('setup')).toEqual({ kind: 'setup' });
      expect(parsePatchArgs('new Westbury Central')).toEqual({ kind: 'new', name: 'Westbury Central' });
      expect(parsePatchArgs('Mrs P')).toEqual({ kind: 'show', client: 'Mrs P' });
    });

    it('the handler hands the typed text to parsePatchArgs', () => {
      expect(functionBody(source('src/admin/listeners.ts'), 'patchCommand')).toMatch(
        /parsePatchArgs\(\w*\(?command\.text\)?\)/,
      );
    });
  });

  describe('/competence', () => {
    it('the hint is one optional person, and Slack escapes the mention so it arrives with its id', () => {
      expect(hintGroups(hintOf('/competence'))).toEqual({ groups: [['@person']], rest: '' });
      const command = manifest.features?.slash_commands?.find((c) => c.command === '/competence');
      expect(command?.should_escape).toBe(true);
    });

    it('parseCompetenceArgs reads nothing, and an escaped @-mention with or without its name', () => {
      expect(parseCompetenceArgs('')).toEqual({ kind: 'none' });
      expect(parseCompetenceArgs(' <@U0BOB0001|bob> ')).toEqual({ kind: 'user', userId: 'U0BOB0001' });
      expect(parseCompetenceArgs('<@W0BOB0001>')).toEqual({ kind: 'user', userId: 'W0BOB0001' });
      // Unescaped words (a manifest with should_escape off) are not a person.
      expect(parseCompetenceArgs('@bob')).toEqual({ kind: 'bad' });
      expect(parseCompetenceArgs('<@U0BOB0001> <@U0CAROL1>')).toEqual({ kind: 'bad' });
      expect(functionBody(source('src/competence/listeners.ts'), 'competenceCommand')).toMatch(
        /parseCompetenceArgs\(command\.text\)/,
      );
    });
  });

  describe('/oncall', () => {
    it('the hint says it takes no options, and the handler reads no text', () => {
      expect(hintGroups(hintOf('/oncall'))).toEqual({ groups: [], rest: '(no options)' });
      const body = functionBody(source('src/escalation/listeners.ts'), 'onCallCommand');
      expect(body).not.toMatch(/\bcommand\b/);
    });
  });

  describe('/cover', () => {
    it('the hint says it takes no options, and the handler reads no text (the form asks)', () => {
      expect(hintGroups(hintOf('/cover'))).toEqual({ groups: [], rest: '(no options)' });
      const body = functionBody(source('src/cover/listeners.ts'), 'coverCommand');
      expect(body).toMatch(/command\.trigger_id/);
      expect(body).not.toMatch(/command\.text/);
    });
  });
});
