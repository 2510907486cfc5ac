import type {
  AllMiddlewareArgs,
  App,
  BlockAction,
  ButtonAction,
  SlackActionMiddlewareArgs,
  SlackCommandMiddlewareArgs,
  SlackViewMiddlewareArgs,
  StaticSelectAction,
  ViewSubmitAction,
} from '@slack/bolt';
import type { KnownBlock } from '@slack/types';
import type { WebClient } from '@slack/web-api';
import { z } from 'zod';
import type { Deps } from '../deps.ts';
import { errorFields } from '../log.ts';
import { isPendingChannel } from '../patches/import.ts';
import { matchClient } from '../patches/model.ts';
import {
  activePatches,
  admins as adminsOf,
  assistantsOf,
  findPatchByChannel,
  getPatch,
  isPatchTeam,
  rolesOf,
} from '../patches/store.ts';
import { answerPrivately, noteToOne } from '../slack/answer.ts';
import { esc, mentionAll } from '../slack/blocks.ts';
import { claimSubmission, forgetSubmission } from '../slack/dedupe.ts';
import { FORM_NOT_OPENED, openModal } from '../slack/modal.ts';
import { idOf, parseMetadata, ViewState } from '../slack/view-state.ts';
import type { ChangeResult, SetupGuards } from './change.ts';
import { inviteAll, removeFromChannel } from './channels.ts';
import { addClient, archiveClient, editClient } from './clients.ts';
import {
  channelSlug,
  nextClientCode,
  PATCH_USAGE,
  parsePatchArgs,
  peopleChange,
  typedNumber,
} from './model.ts';
import { addPlan, changePlan, endPlan, PLAN_THRESHOLDS, type PlanInput } from './plans.ts';
import { changePatch, createPatch, PATCH_THRESHOLDS, recordKick } from './service.ts';
import { activeTasks, clientCodes, getClientRow, getPatchRow, getPlanRow, setupOf } from './store.ts';
import {
  ADMIN_ACTIONS,
  ADMIN_CALLBACKS,
  clientModal,
  FIELD,
  newPatchModal,
  PLAN_WHAT,
  patchModal,
  planModal,
  removalPrompt,
  setupMessage,
} from './views.ts';

/**
 * Bolt handlers for `/patch`: the set-up shown privately, the admins' buttons and forms, and the
 * removal of a former assistant from the channel. ack() first; every change goes through service.ts;
 * a person who is not an admin is told so privately and nothing changes.
 */

type Button = SlackActionMiddlewareArgs<BlockAction<ButtonAction | StaticSelectAction>> & AllMiddlewareArgs;
type Submission = SlackViewMiddlewareArgs<ViewSubmitAction> & AllMiddlewareArgs;

const NOT_A_PATCH =
  '`/patch` shows a patch’s set-up: its assistants, clients and fixed visits. Use it in a patch channel';
const NOT_TEAM =
  "You are not in this patch's team, so its set-up is not shown to you. Ask a supervisor if that's wrong.";
const OUT_OF_DATE = 'This is out of date: run `/patch` again to see the set-up as it is now.';

export function registerAdmin(app: App, deps: Deps, guards: SetupGuards): void {
  const d = { ...deps, setupGuards: guards };
  app.command('/patch', (args) => patchCommand(d, args));
  app.action<BlockAction<ButtonAction>>(ADMIN_ACTIONS.editPatch, adminButton(d, openPatchForm));
  app.action<BlockAction<ButtonAction>>(ADMIN_ACTIONS.addClient, adminButton(d, openAddClient));
  app.action<BlockAction<ButtonAction>>(ADMIN_ACTIONS.editClient, adminButton(d, openEditClient));
  app.action<BlockAction<ButtonAction>>(ADMIN_ACTIONS.archiveClient, adminButton(d, pressArchive));
  app.action<BlockAction<ButtonAction>>(ADMIN_ACTIONS.addPlan, adminButton(d, openAddPlan));
  app.action<BlockAction<StaticSelectAction>>(ADMIN_ACTIONS.editPlan, adminButton(d, openEditPlan));
  app.action<BlockAction<ButtonAction>>(ADMIN_ACTIONS.removeMember, (args) => pressRemove(d, args));
  app.view<ViewSubmitAction>({ callback_id: ADMIN_CALLBACKS.patch, type: 'view_submission' }, (args) =>
    submitPatch(d, args),
  );
  app.view<ViewSubmitAction>({ callback_id: ADMIN_CALLBACKS.client, type: 'view_submission' }, (args) =>
    submitClient(d, args),
  );
  app.view<ViewSubmitAction>({ callback_id: ADMIN_CALLBACKS.plan, type: 'view_submission' }, (args) =>
    submitPlan(d, args),
  );
  app.view<ViewSubmitAction>({ callback_id: ADMIN_CALLBACKS.newPatch, type: 'view_submission' }, (args) =>
    submitNewPatch(d, args),
  );
}

type AdminListenerDeps = Deps & { setupGuards: SetupGuards };

function notAdmin(deps: Deps): string {
  const admins = adminsOf(deps.db);
  return `Only admins can change a patch’s set-up, so nothing changed.${admins.length > 0 ? ` Ask ${mentionAll(admins)}.` : ''}`;
}

const isAdmin = (deps: Deps, userId: string) => rolesOf(deps.db, userId).admin;

/** Slack writes `&`, `<` and `>` in a command's text as entities. */
const slackUnescape = (s: string) => s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');

// ---------------------------------------------------------------------------------------------------
// /patch

async function patchCommand(
  deps: AdminListenerDeps,
  { command, ack, client, respond }: SlackCommandMiddlewareArgs & AllMiddlewareArgs,
): Promise<void> {
  await ack();
  const { db, log } = deps;
  const answer = (text: string, blocks?: KnownBlock[]) =>
    respond({ response_type: 'ephemeral', text, ...(blocks ? { blocks } : {}) });
  const userId = command.user_id;
  const args = parsePatchArgs(slackUnescape(command.text));
  const admin = isAdmin(deps, userId);
  if (args.kind === 'help') {
    await answer(PATCH_USAGE);
    return;
  }
  if (args.kind === 'setup' || args.kind === 'new') {
    if (!admin) {
      await answer(notAdmin(deps));
      return;
    }
    const here = findPatchByChannel(db, command.channel_id);
    if (args.kind === 'setup') {
      if (here) {
        await answer(`This channel is already the patch ${esc(here.name)}: \`/patch\` shows its set-up.`);
        return;
      }
      if (!/^[CG][A-Z0-9]{2,}$/.test(command.channel_id)) {
        await answer(
          'Use `/patch setup` in the channel the new patch will use (a channel, not a direct message).',
        );
        return;
      }
    }
    const view = newPatchModal({
      ...(args.kind === 'new' && args.name
        ? { name: args.name, channelName: channelSlug(args.name, '') }
        : {}),
      meta: { mode: args.kind, channelId: command.channel_id },
    });
    if (
      !(await openModal(client, command.trigger_id, view, log, 'admin.new_patch_modal', { user: userId }))
    ) {
      await answer(FORM_NOT_OPENED);
    }
    return;
  }
  const patch = findPatchByChannel(db, command.channel_id);
  if (!patch) {
    const where = activePatches(db)
      .map((p) => (isPendingChannel(p.channelId) ? esc(p.name) : `<#${p.channelId}>`))
      .join(', ');
    const forAdmins = admin
      ? ' This channel is not a patch: `/patch setup` makes it one, and `/patch new NAME` makes a new patch with a channel of its own.'
      : '';
    await answer(`${NOT_A_PATCH}${where ? `: ${where}` : ''}.${forAdmins}`);
    return;
  }
  if (!isPatchTeam(db, patch.id, userId)) {
    await answer(NOT_TEAM);
    return;
  }
  const setup = setupOf(db, patch.id);
  if (!setup) {
    await answer(OUT_OF_DATE);
    return;
  }
  let only: number | undefined;
  if (args.client) {
    const found = matchClient(setup.clients, args.client);
    if (!found) {
      await answer(
        `No client of ${esc(patch.name)} is called “${esc(args.client.slice(0, 40))}”. \`/patch\` shows them all.`,
      );
      return;
    }
    only = found.id;
  }
  const message = setupMessage(setup, {
    admin,
    admins: adminsOf(db),
    ...(only !== undefined ? { only } : {}),
  });
  await answer(message.text, message.blocks);
}

// ---------------------------------------------------------------------------------------------------
// Buttons

/** An admin's button: ack, then refuse anyone who is not an admin, then the handler with the id pressed. */
function adminButton(
  deps: AdminListenerDeps,
  handler: (deps: AdminListenerDeps, args: Button, id: number) => Promise<void>,
) {
  return async (args: Button): Promise<void> => {
    await args.ack();
    if (!isAdmin(deps, args.body.user.id)) {
      deps.log.info('admin.refused', { user: args.body.user.id, action: args.action.action_id });
      await answerPrivately(args.respond, notAdmin(deps));
      return;
    }
    const action = args.action;
    const id = idOf(action.type === 'static_select' ? action.selected_option?.value : action.value);
    if (id === null) {
      await answerPrivately(args.respond, OUT_OF_DATE);
      return;
    }
    await handler(deps, args, id);
  };
}

async function open(
  deps: AdminListenerDeps,
  args: Button,
  view: Parameters<typeof openModal>[2],
  event: string,
): Promise<void> {
  const opened = await openModal(args.client, args.body.trigger_id, view, deps.log, event, {
    user: args.body.user.id,
  });
  if (!opened) await answerPrivately(args.respond, FORM_NOT_OPENED);
}

async function openPatchForm(deps: AdminListenerDeps, args: Button, patchId: number): Promise<void> {
  const setup = setupOf(deps.db, patchId);
  if (!setup) return answerPrivately(args.respond, OUT_OF_DATE);
  await open(deps, args, patchModal(setup, { patchId }), 'admin.patch_modal');
}

async function openAddClient(deps: AdminListenerDeps, args: Button, patchId: number): Promise<void> {
  const setup = setupOf(deps.db, patchId);
  if (!setup) return answerPrivately(args.respond, OUT_OF_DATE);
  const view = clientModal({
    patchName: setup.patch.name,
    code: nextClientCode(setup.patch.code, clientCodes(deps.db)),
    meta: { patchId },
  });
  await open(deps, args, view, 'admin.client_modal');
}

async function openEditClient(deps: AdminListenerDeps, args: Button, clientId: number): Promise<void> {
  const row = getClientRow(deps.db, clientId);
  const setup = row ? setupOf(deps.db, row.patchId) : null;
  const client = setup?.clients.find((c) => c.id === clientId);
  if (!row || !setup || !client) return answerPrivately(args.respond, OUT_OF_DATE);
  const view = clientModal({ patchName: setup.patch.name, client, meta: { patchId: row.patchId, clientId } });
  await open(deps, args, view, 'admin.client_modal');
}

async function openAddPlan(deps: AdminListenerDeps, args: Button, clientId: number): Promise<void> {
  const row = getClientRow(deps.db, clientId);
  const setup = row ? setupOf(deps.db, row.patchId) : null;
  if (!row || row.archivedAt !== null || !setup) return answerPrivately(args.respond, OUT_OF_DATE);
  const view = planModal({
    clientName: row.name,
    tasks: activeTasks(deps.db),
    taskNames: setup.taskNames,
    meta: { clientId },
  });
  await open(deps, args, view, 'admin.plan_modal');
}

async function openEditPlan(deps: AdminListenerDeps, args: Button, planId: number): Promise<void> {
  const row = getPlanRow(deps.db, planId);
  const setup = row ? setupOf(deps.db, row.patchId) : null;
  const client = setup?.clients.find((c) => c.id === row?.clientId);
  const plan = client?.plans.find((p) => p.id === planId);
  if (!row || !setup || !client || !plan) return answerPrivately(args.respond, OUT_OF_DATE);
  const view = planModal({
    clientName: client.name,
    plan,
    tasks: activeTasks(deps.db),
    taskNames: setup.taskNames,
    meta: { clientId: client.id, planId },
  });
  await open(deps, args, view, 'admin.plan_modal');
}

/** Archive (the button asked Slack's confirm first): done at once, and the set-up shown as it is now. */
async function pressArchive(deps: AdminListenerDeps, args: Button, clientId: number): Promise<void> {
  const result = archiveClient(deps, args.body.user.id, clientId);
  deps.wake();
  if (!result.ok) return answerPrivately(args.respond, OUT_OF_DATE);
  deps.log.info('admin.client_archived', { client: clientId, user: args.body.user.id });
  const setup = setupOf(deps.db, result.patchId);
  if (!setup) return answerPrivately(args.respond, result.text);
  const message = setupMessage(setup, { admin: true, admins: [], note: `:white_check_mark: ${result.text}` });
  await args.respond({ response_type: 'ephemeral', replace_original: true, ...message });
}

const RemoveValue = z.string().regex(/^\d{1,12}:[UW][A-Z0-9]{2,}$/);

/** "Remove from the channel" after an assistant was removed: only admins, only someone no longer an assistant. */
async function pressRemove(
  deps: AdminListenerDeps,
  args: SlackActionMiddlewareArgs<BlockAction<ButtonAction>> & AllMiddlewareArgs,
): Promise<void> {
  await args.ack();
  const actor = args.body.user.id;
  if (!isAdmin(deps, actor)) {
    await answerPrivately(args.respond, notAdmin(deps));
    return;
  }
  const value = RemoveValue.safeParse(args.action.value);
  const [idText = '', userId = ''] = value.success ? value.data.split(':') : [];
  const patch = getPatchRow(deps.db, Number(idText));
  if (!value.success || !patch || patch.archivedAt !== null || isPendingChannel(patch.channelId)) {
    await answerPrivately(args.respond, OUT_OF_DATE);
    return;
  }
  if (assistantsOf(deps.db, patch.id).includes(userId)) {
    await answerPrivately(
      args.respond,
      `<@${userId}> is an assistant of ${esc(patch.name)} again, so they stay in the channel.`,
    );
    return;
  }
  const result = await removeFromChannel(args.client, patch.channelId, userId);
  if (result === 'removed') {
    recordKick(deps, actor, patch, userId);
    deps.log.info('admin.member_removed', { patch: patch.id, user: userId, by: actor });
    await args.respond({
      response_type: 'ephemeral',
      replace_original: true,
      text: `Removed <@${userId}> from <#${patch.channelId}>.`,
    });
  } else if (result === 'not_in_channel') {
    await answerPrivately(args.respond, `<@${userId}> is not in <#${patch.channelId}>: nothing to do.`);
  } else {
    deps.log.warn('admin.member_remove_failed', { patch: patch.id, user: userId, slackError: result.error });
    await answerPrivately(
      args.respond,
      `Slack did not remove <@${userId}> (${esc(result.error)}). Remove them from the channel by hand.`,
    );
  }
}

// ---------------------------------------------------------------------------------------------------
// Forms

const PatchMeta = z.object({ patchId: z.number().int().positive() });
const ClientMeta = z.object({
  patchId: z.number().int().positive(),
  clientId: z.number().int().positive().optional(),
});
const PlanMeta = z.object({
  clientId: z.number().int().positive(),
  planId: z.number().int().positive().optional(),
});
const NewPatchMeta = z.object({
  mode: z.enum(['setup', 'new']),
  channelId: z.string().regex(/^[CGD][A-Z0-9]{2,}$/),
});
const What = z.enum(Object.keys(PLAN_WHAT) as [keyof typeof PLAN_WHAT]);

/**
 * The common path of every form: refuse a form that is not ours or a person who is not an admin on
 * `field`; a replay does nothing; the change; its field errors (the submission may come again).
 */
async function submitChange(
  deps: AdminListenerDeps,
  args: Submission,
  field: string,
  change: () => ChangeResult,
): Promise<ChangeResult | null> {
  const { db, clock, log } = deps;
  const userId = args.body.user.id;
  if (!isAdmin(deps, userId)) {
    log.info('admin.refused', { user: userId, form: args.view.callback_id });
    await args.ack({ response_action: 'errors', errors: { [field]: notAdmin(deps) } });
    return null;
  }
  if (!claimSubmission(db, args.body, clock.now())) {
    await args.ack(); // the same submission again: it was done the first time
    return null;
  }
  let result: ChangeResult;
  try {
    result = change();
  } catch (err) {
    log.error('admin.change_failed', { user: userId, form: args.view.callback_id, ...errorFields(err) });
    forgetSubmission(db, args.body);
    await args.ack({
      response_action: 'errors',
      errors: { [field]: 'Could not save this. Please try again.' },
    });
    return null;
  }
  if (!result.ok) {
    forgetSubmission(db, args.body);
    await args.ack({ response_action: 'errors', errors: result.errors });
    return null;
  }
  await args.ack();
  deps.wake();
  log.info('admin.changed', { user: userId, form: args.view.callback_id, patch: result.patchId });
  return result;
}

const outOfDateForm = (args: Submission, field: string) =>
  args.ack({
    response_action: 'errors',
    errors: { [field]: 'This form is out of date. Close it and run /patch again.' },
  });

async function submitPatch(deps: AdminListenerDeps, args: Submission): Promise<void> {
  const meta = parseMetadata(PatchMeta, args.view.private_metadata);
  if (!meta) return outOfDateForm(args, 'assistants');
  const state = ViewState.of(args.view, FIELD);
  const digestAt = state.time('digest_at');
  if (digestAt === null && isAdmin(deps, args.body.user.id)) {
    await args.ack({ response_action: 'errors', errors: { digest_at: 'Choose the time.' } });
    return;
  }
  const before = assistantsOf(deps.db, meta.patchId);
  const result = await submitChange(deps, args, 'assistants', () =>
    changePatch(deps, args.body.user.id, meta.patchId, {
      assistants: state.users('assistants'),
      digestAt,
      thresholds: Object.fromEntries(PATCH_THRESHOLDS.map((name) => [name, typedNumber(state.text(name))])),
    }),
  );
  if (!result?.ok) return;
  const { added, removed } = peopleChange(before, assistantsOf(deps.db, meta.patchId));
  await afterChange(deps, args.client, args.body.user.id, result, { invite: added, removed });
}

async function submitClient(deps: AdminListenerDeps, args: Submission): Promise<void> {
  const meta = parseMetadata(ClientMeta, args.view.private_metadata);
  if (!meta) return outOfDateForm(args, 'name');
  const state = ViewState.of(args.view, FIELD);
  const userId = args.body.user.id;
  const keyWorker = state.options('no_key_worker').includes('none') ? null : state.user('key_worker');
  const input = { code: state.text('code'), name: state.text('name'), keyWorker };
  const result = await submitChange(deps, args, 'name', () =>
    meta.clientId === undefined
      ? addClient(deps, userId, meta.patchId, input)
      : editClient(deps, userId, meta.clientId, input),
  );
  if (result?.ok) await afterChange(deps, args.client, userId, result);
}

async function submitPlan(deps: AdminListenerDeps, args: Submission): Promise<void> {
  const meta = parseMetadata(PlanMeta, args.view.private_metadata);
  if (!meta) return outOfDateForm(args, 'purpose');
  const state = ViewState.of(args.view, FIELD);
  const userId = args.body.user.id;
  const planId = meta.planId;
  if (planId !== undefined) {
    const what = What.safeParse(state.option('what'));
    if (!what.success) {
      await args.ack({ response_action: 'errors', errors: { what: 'Choose what to do.' } });
      return;
    }
    if (what.data === 'end') {
      const ended = await submitChange(deps, args, 'what', () => endPlan(deps, userId, planId));
      if (ended?.ok) await afterChange(deps, args.client, userId, ended);
      return;
    }
  }
  const input: PlanInput = {
    at: state.time('at'),
    days: state.options('days'),
    minutes: typedNumber(state.text('minutes')),
    purpose: state.text('purpose'),
    timeCritical: state.options('time_critical').includes('yes'),
    carers: typedNumber(state.option('carers') ?? ''),
    thresholds: Object.fromEntries(PLAN_THRESHOLDS.map((name) => [name, typedNumber(state.text(name))])),
    requires: state.options('requires'),
  };
  const result = await submitChange(deps, args, 'purpose', () =>
    planId === undefined
      ? addPlan(deps, userId, meta.clientId, input)
      : changePlan(deps, userId, planId, input),
  );
  if (result?.ok) await afterChange(deps, args.client, userId, result);
}

async function submitNewPatch(deps: AdminListenerDeps, args: Submission): Promise<void> {
  const meta = parseMetadata(NewPatchMeta, args.view.private_metadata);
  if (!meta) return outOfDateForm(args, 'name');
  const state = ViewState.of(args.view, FIELD);
  const userId = args.body.user.id;
  const digestAt = state.time('digest_at');
  if (digestAt === null && isAdmin(deps, userId)) {
    await args.ack({ response_action: 'errors', errors: { digest_at: 'Choose the time.' } });
    return;
  }
  const result = await submitChange(deps, args, 'name', () =>
    createPatch(deps, userId, {
      code: state.text('code'),
      name: state.text('name'),
      assistants: state.users('assistants'),
      digestAt,
      ...(meta.mode === 'setup' ? { channelId: meta.channelId } : {}),
    }),
  );
  if (!result?.ok) return;
  if (meta.mode === 'setup') {
    await afterChange(deps, args.client, userId, result, { invite: result.added ?? [], removed: [] });
    return;
  }
  await postPrivately(deps, args.client, meta.channelId, userId, `:white_check_mark: ${result.text}`);
}

// ---------------------------------------------------------------------------------------------------
// After a change: invites, the admin's confirmation with the set-up as it is now, the removal prompt.

async function afterChange(
  deps: AdminListenerDeps,
  client: WebClient,
  userId: string,
  result: Extract<ChangeResult, { ok: true }>,
  people: { invite: string[]; removed: string[] } = { invite: [], removed: [] },
): Promise<void> {
  const patch = getPatch(deps.db, result.patchId);
  if (!patch || patch.archivedAt !== null || isPendingChannel(patch.channelId)) return;
  const lines = [`:white_check_mark: ${result.text}`];
  if (people.invite.length > 0) {
    const invites = await inviteAll(client, patch.channelId, people.invite);
    const joined = [...invites.invited];
    if (joined.length > 0) lines.push(`Invited ${mentionAll(joined)} to <#${patch.channelId}>.`);
    for (const f of invites.failed) {
      deps.log.warn('admin.invite_failed', { patch: patch.id, user: f.userId, slackError: f.error });
      lines.push(
        `Slack did not invite <@${f.userId}> to <#${patch.channelId}> (${esc(f.error)}): invite them by hand.`,
      );
    }
  }
  const setup = setupOf(deps.db, patch.id);
  const message = setup
    ? setupMessage(setup, { admin: true, admins: [], note: lines.join('\n') })
    : { text: lines.join('\n'), blocks: undefined };
  await postPrivately(deps, client, patch.channelId, userId, message.text, message.blocks);
  if (people.removed.length > 0) {
    const blocks = removalPrompt({
      patchId: patch.id,
      patchName: patch.name,
      channelId: patch.channelId,
      removed: people.removed,
    });
    await postPrivately(
      deps,
      client,
      patch.channelId,
      userId,
      `Remove ${mentionAll(people.removed)} from <#${patch.channelId}> too?`,
      blocks,
    );
  }
}

function postPrivately(
  deps: AdminListenerDeps,
  client: WebClient,
  channel: string,
  user: string,
  text: string,
  blocks?: KnownBlock[],
): Promise<void> {
  return noteToOne(client, deps.log, 'admin.confirm_failed', { channel, user, text, blocks });
}
