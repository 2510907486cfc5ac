import type {
  AllMiddlewareArgs,
  App,
  BlockAction,
  ButtonAction,
  SlackActionMiddlewareArgs,
  SlackCommandMiddlewareArgs,
  SlackViewMiddlewareArgs,
  ViewSubmitAction,
} from '@slack/bolt';
import { z } from 'zod';
import type { Deps } from '../deps.ts';
import { errorFields } from '../log.ts';
import {
  activeClients,
  activePatches,
  findPatchByChannel,
  isPatchTeam,
  providerSettings,
} from '../patches/store.ts';
import { answerPrivately } from '../slack/answer.ts';
import { idOf, parseMetadata, ViewState } from '../slack/view-state.ts';
import {
  FLEX_KINDS,
  type FlexKind,
  matchClient,
  URGENCY_VALUES,
  type Urgency,
  validatePopback,
} from './model.ts';
import { actOnPopback, type CardAction, createPopback } from './service.ts';
import { FIELD, POPBACK_ACTIONS, POPBACK_CALLBACK, popbackModal } from './views.ts';

/** Bolt handlers for /popback, its modal and the request card's buttons. ack() first, always. */

const NOT_A_PATCH =
  '`/popback` asks your patch team for a flexible visit (a pop-back, a shopping trip or a social visit) ' +
  'that one of you claims with a button. Use it in your patch channel';

const Meta = z.object({ patchId: z.number().int().positive(), channelId: z.string().min(1) });

export function registerPopback(app: App, deps: Deps): void {
  app.command('/popback', (args) => openPopbackModal(deps, args));
  app.view<ViewSubmitAction>({ callback_id: POPBACK_CALLBACK, type: 'view_submission' }, (args) =>
    submitPopback(deps, args),
  );
  for (const [action, actionId] of Object.entries(POPBACK_ACTIONS) as Array<[CardAction, string]>) {
    app.action<BlockAction<ButtonAction>>(actionId, (args) => pressCardButton(deps, action, args));
  }
}

async function openPopbackModal(
  deps: Deps,
  { command, ack, client, respond }: SlackCommandMiddlewareArgs & AllMiddlewareArgs,
): Promise<void> {
  await ack();
  const { db, log } = deps;
  const patch = findPatchByChannel(db, command.channel_id);
  if (!patch) {
    const where = activePatches(db)
      .map((p) => `<#${p.channelId}>`)
      .join(', ');
    await respond({ response_type: 'ephemeral', text: `${NOT_A_PATCH}${where ? `: ${where}` : ''}.` });
    return;
  }
  if (!isPatchTeam(db, patch.id, command.user_id)) {
    await respond({
      response_type: 'ephemeral',
      text: "You are not in this patch's team, so you can't ask it for visits. Ask a supervisor if that's wrong.",
    });
    return;
  }
  const clients = activeClients(db, patch.id);
  if (clients.length === 0) {
    await respond({
      response_type: 'ephemeral',
      text: 'This patch has no clients yet. An admin adds them with `patchbot import roster.yml`.',
    });
    return;
  }
  const preselected = matchClient(clients, command.text);
  const view = popbackModal({
    patchName: patch.name,
    clients,
    ...(preselected ? { preselected } : {}),
    meta: { patchId: patch.id, channelId: patch.channelId },
  });
  try {
    await client.views.open({ trigger_id: command.trigger_id, view });
    log.info('popback.modal_opened', { patch: patch.id, user: command.user_id });
  } catch (err) {
    log.error('popback.modal_failed', { patch: patch.id, user: command.user_id, ...errorFields(err) });
    await respond({
      response_type: 'ephemeral',
      text: 'Slack did not open the form in time. Please try `/popback` again.',
    });
  }
}

async function submitPopback(
  deps: Deps,
  { ack, body, view, client }: SlackViewMiddlewareArgs<ViewSubmitAction> & AllMiddlewareArgs,
): Promise<void> {
  const { db, clock, log, deliverer } = deps;
  const meta = parseMetadata(Meta, view.private_metadata);
  if (!meta) {
    await ack({
      response_action: 'errors',
      errors: { client: 'This form is out of date. Close it and run /popback again.' },
    });
    return;
  }
  const { patchId, channelId } = meta;
  const userId = body.user.id;
  if (!isPatchTeam(db, patchId, userId)) {
    await ack({ response_action: 'errors', errors: { client: "You are not in this patch's team." } });
    return;
  }
  const state = ViewState.parse(view.state.values, FIELD);
  const kind = state.option('kind');
  const urgency = state.option('soon');
  const carers = state.option('carers');
  const clientIds = new Set(activeClients(db, patchId).map((c) => c.id));
  const checked = validatePopback(
    {
      clientId: idOf(state.option('client')),
      kind: FLEX_KINDS.includes(kind as FlexKind) ? (kind as FlexKind) : null,
      otherClientIds: state
        .options('others')
        .map(idOf)
        .filter((id): id is number => id !== null),
      reason: state.text('reason'),
      urgency: URGENCY_VALUES.includes(urgency as Urgency) ? (urgency as Urgency) : null,
      byTime: state.time('by_time'),
      carers: carers === '1' || carers === '2' ? Number(carers) : null,
    },
    { now: clock.now(), zone: providerSettings(db).timezone, clientIds },
  );
  if (!checked.ok) {
    await ack({ response_action: 'errors', errors: checked.errors });
    return;
  }
  let visitId: number;
  try {
    visitId = createPopback(deps, { patchId, channelId, requestedBy: userId, request: checked.request });
  } catch (err) {
    log.error('popback.create_failed', { patch: patchId, user: userId, ...errorFields(err) });
    await ack({
      response_action: 'errors',
      errors: { reason: 'Could not save the request. Please press Post request again.' },
    });
    return;
  }
  await ack();
  deliverer.kick();
  try {
    await client.chat.postEphemeral({
      channel: channelId,
      user: userId,
      text: 'Your request is posted in this channel. The card shows who claims it; you will see it change there.',
    });
  } catch (err) {
    log.warn('popback.confirm_failed', { visit: visitId, user: userId, ...errorFields(err) });
  }
}

async function pressCardButton(
  deps: Deps,
  action: CardAction,
  {
    ack,
    action: button,
    body,
    respond,
  }: SlackActionMiddlewareArgs<BlockAction<ButtonAction>> & AllMiddlewareArgs,
): Promise<void> {
  await ack();
  const visitId = idOf(button.value);
  const result = visitId
    ? actOnPopback(deps, action, visitId, body.user.id)
    : ({ ok: false, text: 'This request no longer exists.' } as const);
  deps.deliverer.kick();
  if (!result.ok) {
    await answerPrivately(respond, result.text);
  }
}
