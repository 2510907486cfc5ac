import type { InputBlock, KnownBlock, ModalView, PlainTextOption, StaticSelect } from '@slack/types';
import type { Thresholds } from '../patches/model.ts';
import { WEEKDAYS } from '../patches/model.ts';
import {
  actions,
  type ButtonSpec,
  clip,
  context,
  esc,
  mention,
  mentionAll,
  section,
} from '../slack/blocks.ts';
import { dayLabel, describeDays, describePatchThresholds, describePlanThresholds } from './model.ts';
import type { Setup, SetupClient, SetupPlan } from './store.ts';

/** Block Kit for `/patch`: the set-up as a message, and the admins' forms. Pure functions of data. */

export const ADMIN_ACTIONS = {
  editPatch: 'admin_patch_edit',
  addClient: 'admin_client_add',
  editClient: 'admin_client_edit',
  archiveClient: 'admin_client_archive',
  addPlan: 'admin_plan_add',
  editPlan: 'admin_plan_edit',
  removeMember: 'admin_channel_remove',
} as const;

export const ADMIN_CALLBACKS = {
  patch: 'admin_patch_submit',
  client: 'admin_client_submit',
  plan: 'admin_plan_submit',
  newPatch: 'admin_new_patch_submit',
} as const;

/** The one action id every form input uses; block ids tell the fields apart (and name their errors). */
export const FIELD = 'value';

/** A message holds at most 50 blocks. */
const MAX_BLOCKS = 50;

const option = (text: string, value: string): PlainTextOption => ({
  text: { type: 'plain_text', text: clip(text, 75) },
  value,
});

/** What the set-up message needs beyond the set-up itself. */
export interface SetupViewOptions {
  /** Admins get the buttons. */
  admin: boolean;
  /** Who to ask, for everyone else. */
  admins: readonly string[];
  /** A line above the set-up: what just changed. */
  note?: string;
  /** Only these clients (`/patch CLIENT`). */
  only?: number;
}

/** How a patch's channel reads: a link, or the name the bot is still to make it with. */
function channelWords(channelId: string): string {
  return channelId.startsWith('new:') ? '_its channel is being made_' : `<#${channelId}>`;
}

function planLine(plan: SetupPlan, taskNames: Map<string, string>): string {
  const parts = [
    `*${plan.at}* ${describeDays(plan.days)}`,
    `${plan.minutes} min`,
    esc(plan.purpose),
    ...(plan.timeCritical ? [':alarm_clock: time-critical'] : []),
    plan.carers === 2 ? '2 carers' : '1 carer',
    ...describePlanThresholds(plan.thresholds),
    ...(plan.requires.length > 0
      ? [`needs ${plan.requires.map((code) => esc(taskNames.get(code) ?? code)).join(', ')}`]
      : []),
  ];
  return `• ${parts.join(' · ')}`;
}

function clientText(client: SetupClient, taskNames: Map<string, string>): string {
  const head = `*${esc(client.name)}* · ${esc(client.code)} · ${
    client.keyWorker ? `key worker ${mention(client.keyWorker)}` : 'no key worker'
  }`;
  const plans =
    client.plans.length > 0
      ? client.plans.map((p) => planLine(p, taskNames)).join('\n')
      : '_No fixed visits._';
  return `${head}\n${plans}`;
}

/** A client's row of admin controls: edit, add a plan, a menu of their plans to change or end, archive. */
function clientActions(client: SetupClient): KnownBlock {
  const name = clip(client.name, 40);
  const id = String(client.id);
  const buttons: ButtonSpec[] = [
    { actionId: ADMIN_ACTIONS.editClient, text: `Edit ${name}`, value: id },
    { actionId: ADMIN_ACTIONS.addPlan, text: 'Add a visit plan', value: id },
  ];
  const archive: ButtonSpec = {
    actionId: ADMIN_ACTIONS.archiveClient,
    text: `Archive ${name}`,
    value: id,
    style: 'danger',
    confirm: {
      title: `Archive ${clip(client.name, 80)}?`,
      text: `${esc(client.name)}'s visit plans end, and their visits still to come are called off. Past visits stay as they were.`,
      confirm: 'Archive',
      deny: 'Keep',
    },
  };
  const block = actions(`client_actions:${client.id}`, [...buttons, archive]);
  if (client.plans.length > 0) {
    // One menu of the client's plans: a block's action ids must differ, and a patch's plans are many.
    const menu: StaticSelect = {
      type: 'static_select',
      action_id: ADMIN_ACTIONS.editPlan,
      placeholder: { type: 'plain_text', text: 'Change or end a visit plan' },
      options: client.plans.slice(0, 100).map((p) => option(`${p.at} ${p.purpose}`, String(p.id))),
    };
    block.elements.splice(2, 0, menu);
  }
  return block;
}

/** The set-up of a patch as `/patch` shows it, privately: everyone sees it; admins get buttons. */
export function setupMessage(setup: Setup, opts: SetupViewOptions): { text: string; blocks: KnownBlock[] } {
  const { patch } = setup;
  const blocks: KnownBlock[] = [];
  if (opts.note) blocks.push(section(opts.note));
  const assistants = setup.assistants.length > 0 ? mentionAll(setup.assistants) : 'none';
  blocks.push(
    section(
      [
        `*${esc(patch.name)}* · ${esc(patch.code)} · ${channelWords(patch.channelId)}`,
        `Assistants: ${assistants}`,
        `Morning rota at ${patch.digestAt} · up to ${patch.maxClients} clients`,
        `Alerts: ${describePatchThresholds(setup.providerThresholds, patch.thresholds)}`,
      ].join('\n'),
      `patch:${patch.id}`,
    ),
  );
  if (opts.admin) {
    blocks.push(
      actions(`patch_actions:${patch.id}`, [
        {
          actionId: ADMIN_ACTIONS.editPatch,
          text: 'Change assistants, time and alerts',
          value: String(patch.id),
        },
        {
          actionId: ADMIN_ACTIONS.addClient,
          text: 'Add a client',
          value: String(patch.id),
          style: 'primary',
        },
      ]),
    );
  }
  blocks.push({ type: 'divider' });
  const clients = opts.only === undefined ? setup.clients : setup.clients.filter((c) => c.id === opts.only);
  const perClient = opts.admin ? 2 : 1;
  const room = Math.max(0, Math.floor((MAX_BLOCKS - blocks.length - 2) / perClient));
  const shown = clients.slice(0, room);
  for (const client of shown) {
    blocks.push(section(clientText(client, setup.taskNames), `client:${client.id}`));
    if (opts.admin) blocks.push(clientActions(client));
  }
  if (clients.length === 0) blocks.push(section('_No clients yet._'));
  const more = clients.length - shown.length;
  const footer: string[] = [];
  if (more > 0) footer.push(`${more} more clients are not shown here: \`/patch NAME\` shows one client.`);
  footer.push(
    opts.admin
      ? 'Changes apply to visits still to come; past visits never change. Each change is in the audit log.'
      : `Only admins change the set-up${opts.admins.length > 0 ? `: ask ${mentionAll(opts.admins)}` : ''}.`,
  );
  blocks.push(context(...footer));
  const planCount = setup.clients.reduce((n, c) => n + c.plans.length, 0);
  return {
    text: clip(
      `${opts.note ? `${opts.note}\n` : ''}Set-up of ${esc(patch.name)} (${esc(patch.code)}): ${setup.clients.length} clients, ${planCount} visit plans.`,
      3000,
    ),
    blocks,
  };
}

/** The prompt after assistants were removed: remove each from the channel too, or leave them. */
export function removalPrompt(args: {
  patchId: number;
  patchName: string;
  channelId: string;
  removed: readonly string[];
}): KnownBlock[] {
  return args.removed.slice(0, 20).flatMap((userId): KnownBlock[] => [
    section(
      `${mention(userId)} is no longer an assistant of ${esc(args.patchName)}, but is still in <#${args.channelId}>. Remove them from the channel too? Nobody is removed unless you press the button.`,
    ),
    actions(`remove:${userId}`, [
      {
        actionId: ADMIN_ACTIONS.removeMember,
        text: 'Remove from the channel',
        value: `${args.patchId}:${userId}`,
        style: 'danger',
        confirm: {
          title: 'Remove from the channel?',
          text: `Remove ${mention(userId)} from <#${args.channelId}>? They can be invited back at any time.`,
          confirm: 'Remove',
          deny: 'Keep them',
        },
      },
    ]),
  ]);
}

// ---------------------------------------------------------------------------------------------------
// Forms

const input = (
  blockId: string,
  label: string,
  element: InputBlock['element'],
  opts: { optional?: boolean; hint?: string } = {},
): InputBlock => ({
  type: 'input',
  block_id: blockId,
  label: { type: 'plain_text', text: clip(label, 2000) },
  element,
  ...(opts.optional ? { optional: true } : {}),
  ...(opts.hint ? { hint: { type: 'plain_text', text: clip(opts.hint, 2000) } } : {}),
});

const textInput = (
  initial: string | undefined,
  max: number,
  placeholder?: string,
): InputBlock['element'] => ({
  type: 'plain_text_input',
  action_id: FIELD,
  max_length: max,
  ...(initial ? { initial_value: initial } : {}),
  ...(placeholder ? { placeholder: { type: 'plain_text', text: placeholder } } : {}),
});

const numberInput = (
  initial: number | undefined,
  min: number,
  max: number,
  placeholder?: string,
): InputBlock['element'] => ({
  type: 'number_input',
  action_id: FIELD,
  is_decimal_allowed: false,
  min_value: String(min),
  max_value: String(max),
  ...(initial !== undefined ? { initial_value: String(initial) } : {}),
  ...(placeholder ? { placeholder: { type: 'plain_text', text: clip(placeholder, 150) } } : {}),
});

const modal = (
  head: { callback_id: string; title: string; submit: string },
  meta: unknown,
  blocks: KnownBlock[],
): ModalView => ({
  type: 'modal',
  callback_id: head.callback_id,
  private_metadata: JSON.stringify(meta),
  title: { type: 'plain_text', text: clip(head.title, 24) },
  submit: { type: 'plain_text', text: clip(head.submit, 24) },
  close: { type: 'plain_text', text: 'Cancel' },
  blocks,
});

/** The thresholds a form offers, with their labels and bounds (in the roster's names). */
export const THRESHOLD_LABELS = {
  late_minutes: 'Late after (minutes)',
  late_minutes_time_critical: 'Time-critical visit late after (minutes)',
  missed_minutes: 'Missed after (minutes)',
  popback_unclaimed_minutes: 'Pop-back unclaimed for (minutes)',
  popback_lead_minutes: 'Timed pop-back unclaimed this long before (minutes)',
} as const;
const THRESHOLD_KEYS = {
  late_minutes: 'lateMinutes',
  late_minutes_time_critical: 'lateMinutesTimeCritical',
  missed_minutes: 'missedMinutes',
  popback_unclaimed_minutes: 'popbackUnclaimedMinutes',
  popback_lead_minutes: 'popbackLeadMinutes',
} as const satisfies Record<keyof typeof THRESHOLD_LABELS, keyof Thresholds>;

function thresholdInputs(
  names: readonly (keyof typeof THRESHOLD_LABELS)[],
  own: Thresholds,
  inherited: string,
): InputBlock[] {
  return names.map((name) =>
    input(
      name,
      THRESHOLD_LABELS[name],
      numberInput(own[THRESHOLD_KEYS[name]], 1, 240, `Empty: as the ${inherited}`),
      { optional: true },
    ),
  );
}

export interface PatchModalMeta {
  patchId: number;
}

export function patchModal(setup: Setup, meta: PatchModalMeta): ModalView {
  const { patch } = setup;
  return modal({ callback_id: ADMIN_CALLBACKS.patch, title: 'Patch set-up', submit: 'Save' }, meta, [
    context(`*${esc(patch.name)}* (${esc(patch.code)}). Changes apply to visits still to come.`),
    input(
      'assistants',
      'Assistants',
      { type: 'multi_users_select', action_id: FIELD, initial_users: [...setup.assistants] },
      { hint: 'New assistants are invited to the channel. Nobody is removed from it unless you confirm.' },
    ),
    input('digest_at', 'Morning rota posted at', {
      type: 'timepicker',
      action_id: FIELD,
      initial_time: patch.digestAt,
    }),
    context(
      `Alerts now: ${describePatchThresholds(setup.providerThresholds, patch.thresholds)}. Leave a box empty to use the provider's setting.`,
    ),
    ...thresholdInputs(
      Object.keys(THRESHOLD_LABELS) as (keyof typeof THRESHOLD_LABELS)[],
      patch.thresholds,
      "provider's setting",
    ),
  ]);
}

export interface ClientModalMeta {
  patchId: number;
  clientId?: number;
}

export function clientModal(args: {
  patchName: string;
  /** Editing this client; adding when absent. */
  client?: SetupClient;
  /** The code offered for a new client. */
  code?: string;
  meta: ClientModalMeta;
}): ModalView {
  const c = args.client;
  const blocks: KnownBlock[] = [
    context(
      c
        ? `${esc(c.name)} (${esc(c.code)}) in *${esc(args.patchName)}*. A new key worker takes the visits still to come.`
        : `A new client of *${esc(args.patchName)}*. Add their visit plans next.`,
    ),
  ];
  if (!c) {
    blocks.push(
      input('code', 'Code', textInput(args.code, 20), {
        hint: "The client's identity in the roster file: letters, digits, - or _, unique. It never changes.",
      }),
    );
  }
  blocks.push(
    input('name', 'Display name', textInput(c?.name, 40, 'e.g. Mrs P'), {
      hint: 'How the client appears in Slack: a name such as “Mrs P”, never an address.',
    }),
    input(
      'key_worker',
      'Key worker',
      {
        type: 'users_select',
        action_id: FIELD,
        ...(c?.keyWorker ? { initial_user: c.keyWorker } : {}),
      },
      {
        optional: true,
        hint: "One of the patch's assistants. Their fixed visits are theirs unless someone takes one over.",
      },
    ),
  );
  if (c?.keyWorker) {
    blocks.push(
      input(
        'no_key_worker',
        'Or',
        { type: 'checkboxes', action_id: FIELD, options: [option('No key worker', 'none')] },
        { optional: true },
      ),
    );
  }
  return modal(
    {
      callback_id: ADMIN_CALLBACKS.client,
      title: c ? 'Edit client' : 'Add a client',
      submit: c ? 'Save' : 'Add client',
    },
    args.meta,
    blocks,
  );
}

export interface PlanModalMeta {
  clientId: number;
  planId?: number;
}

export const PLAN_WHAT = { change: 'Change this plan', end: 'End this plan: no more of its visits' } as const;
export type PlanWhat = keyof typeof PLAN_WHAT;

export function planModal(args: {
  clientName: string;
  /** Changing this plan; adding when absent. */
  plan?: SetupPlan;
  tasks: ReadonlyArray<{ code: string; name: string }>;
  taskNames: Map<string, string>;
  meta: PlanModalMeta;
}): ModalView {
  const p = args.plan;
  const dayOptions = WEEKDAYS.map((d) => option(dayLabel(d), d));
  const blocks: KnownBlock[] = [
    context(
      p
        ? `A fixed visit of *${esc(args.clientName)}*. Visits still to come follow the change; past visits never change.`
        : `A new fixed visit of *${esc(args.clientName)}*. Its visits start from the next one still to come.`,
    ),
  ];
  if (p) {
    const whats = (Object.keys(PLAN_WHAT) as PlanWhat[]).map((w) => option(PLAN_WHAT[w], w));
    blocks.push(
      input('what', 'What to do', {
        type: 'radio_buttons',
        action_id: FIELD,
        options: whats,
        initial_option: whats[0] as PlainTextOption,
      }),
    );
  }
  const tc = option('Time-critical (medication at a set time)', 'yes');
  const carers = [option('1 carer', '1'), option('2 carers', '2')];
  blocks.push(
    input('at', 'Time', { type: 'timepicker', action_id: FIELD, ...(p ? { initial_time: p.at } : {}) }),
    input('days', 'Days', {
      type: 'checkboxes',
      action_id: FIELD,
      options: dayOptions,
      ...(p ? { initial_options: dayOptions.filter((o) => p.days.includes(o.value as never)) } : {}),
    }),
    input('minutes', 'Length (minutes)', numberInput(p?.minutes, 1, 720)),
    input('purpose', 'Purpose', textInput(p?.purpose, 80, 'e.g. Morning wake-up'), {
      hint: 'Shown on the rota. No health details.',
    }),
    input(
      'time_critical',
      'Time-critical',
      {
        type: 'checkboxes',
        action_id: FIELD,
        options: [tc],
        ...(p?.timeCritical ? { initial_options: [tc] } : {}),
      },
      { optional: true },
    ),
    input('carers', 'Carers', {
      type: 'radio_buttons',
      action_id: FIELD,
      options: carers,
      initial_option: (p?.carers === 2 ? carers[1] : carers[0]) as PlainTextOption,
    }),
    ...thresholdInputs(
      ['late_minutes', 'late_minutes_time_critical', 'missed_minutes'],
      p?.thresholds ?? {},
      "patch's setting",
    ),
  );
  const taskOptions = args.tasks.slice(0, 100).map((t) => option(t.name, t.code));
  if (taskOptions.length > 0) {
    const chosen = taskOptions.filter((o) => p?.requires.includes(o.value ?? '') ?? false);
    blocks.push(
      input(
        'requires',
        'Delegated tasks this visit needs',
        {
          type: 'multi_static_select',
          action_id: FIELD,
          options: taskOptions,
          ...(chosen.length > 0 ? { initial_options: chosen } : {}),
          placeholder: { type: 'plain_text', text: 'None' },
        },
        { optional: true, hint: 'A carer must be signed off for each.' },
      ),
    );
  }
  return modal(
    {
      callback_id: ADMIN_CALLBACKS.plan,
      title: p ? 'Change visit plan' : 'Add a visit plan',
      submit: p ? 'Save' : 'Add plan',
    },
    args.meta,
    blocks,
  );
}

export interface NewPatchMeta {
  mode: 'setup' | 'new';
  /** Where `/patch` was typed: the patch's channel for `setup`, where the answer goes for `new`. */
  channelId: string;
}

export function newPatchModal(args: { name?: string; channelName?: string; meta: NewPatchMeta }): ModalView {
  const setup = args.meta.mode === 'setup';
  return modal(
    {
      callback_id: ADMIN_CALLBACKS.newPatch,
      title: setup ? 'Set up a patch' : 'New patch',
      submit: setup ? 'Set up' : 'Make patch',
    },
    args.meta,
    [
      context(
        setup
          ? `<#${args.meta.channelId}> becomes the new patch's channel: the rota, alerts and requests are posted here.`
          : `patchbot makes a public channel for the patch${args.channelName ? ` (#${esc(args.channelName)})` : ''} and invites the assistants.`,
      ),
      input('code', 'Code', textInput(undefined, 20, 'e.g. P09'), {
        hint: 'Short and unique: letters, digits, - or _. It never changes.',
      }),
      input('name', 'Name', textInput(args.name, 80, 'e.g. Westbury Central')),
      input('assistants', 'Assistants', { type: 'multi_users_select', action_id: FIELD }),
      input('digest_at', 'Morning rota posted at', {
        type: 'timepicker',
        action_id: FIELD,
        initial_time: '07:00',
      }),
    ],
  );
}

/** The first message in a patch's channel once it is a patch. */
export function welcomeMessage(args: {
  name: string;
  code: string;
  assistants: readonly string[];
  digestAt: string;
}): { text: string; blocks: KnownBlock[] } {
  const who = args.assistants.length > 0 ? mentionAll(args.assistants) : 'nobody yet';
  const text =
    `:wave: This is the channel of the patch *${esc(args.name)}* (${esc(args.code)}). Assistants: ${who}. ` +
    `patchbot posts the day's rota here at ${args.digestAt}, with late-visit alerts and pop-back requests.`;
  return {
    text,
    blocks: [
      section(text),
      context(
        '`/popback` asks the team for a visit · `/rota` shows a day · `/medissue` raises a medication problem · `/patch` shows the set-up',
      ),
    ],
  };
}
