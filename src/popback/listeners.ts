import type {
  AllMiddlewareArgs,
  App,
  BlockAction,
  ButtonAction,
  SlackCommandMiddlewareArgs,
  SlackViewMiddlewareArgs,
  ViewSubmitAction,
} from '@slack/bolt';
import { z } from 'zod';
import type { Deps } from '../deps.ts';
import { errorFields } from '../log.ts';
import { patchForCommand } from '../patches/listeners.ts';
import { activeClients, getPatch, isPatchTeam, providerSettings } from '../patches/store.ts';
import { noteToOne } from '../slack/answer.ts';
import { claimSubmission, forgetSubmission } from '../slack/dedupe.ts';
import { openModal } from '../slack/modal.ts';
import { idOf, parseMetadata, ViewState } from '../slack/view-state.ts';
import { visitButton } from '../visits/listeners.ts';
import { FLEX_KINDS, matchClient, URGENCY_VALUES, validatePopback } from './model.ts';
import { createPopback } from './service.ts';
import { FIELD, POPBACK_ACTIONS, POPBACK_CALLBACK, popbackModal } from './views.ts';

/** Bolt handlers for /popback, its modal and the request card's buttons. ack() first, always. */

const WORDS = {
  notAPatch:
    '`/popback` asks your patch team for a flexible visit (a pop-back, a shopping trip or a social visit) ' +
    'that one of you claims with a button. Use it in your patch channel',
  notTeam:
    "You are not in this patch's team, so you can't ask it for visits. Ask a supervisor if that's wrong.",
};

const Meta = z.object({ patchId: z.number().int().positive(), channelId: z.string().min(1) });
const Kind = z.enum(FLEX_KINDS);
const UrgencyValue = z.enum(URGENCY_VALUES);
const Carers = z.enum(['1', '2']);

export function registerPopback(app: App, deps: Deps): void {
  app.command('/popback', (args) => openPopbackModal(deps, args));
  app.view<ViewSubmitAction>({ callback_id: POPBACK_CALLBACK, type: 'view_submission' }, (args) =>
    submitPopback(deps, args),
  );
  app.action<BlockAction<ButtonAction>>(POPBACK_ACTIONS.claim, visitButton(deps, { type: 'claim' }));
  app.action<BlockAction<ButtonAction>>(POPBACK_ACTIONS.arrived, visitButton(deps, { type: 'arrive' }));
  app.action<BlockAction<ButtonAction>>(POPBACK_ACTIONS.done, visitButton(deps, { type: 'done' }));
  app.action<BlockAction<ButtonAction>>(POPBACK_ACTIONS.release, visitButton(deps, { type: 'release' }));
  app.action<BlockAction<ButtonAction>>(POPBACK_ACTIONS.cancel, visitButton(deps, { type: 'cancel' }));
}

async function openPopbackModal(
  deps: Deps,
  { command, ack, client, respond }: SlackCommandMiddlewareArgs & AllMiddlewareArgs,
): Promise<void> {
  await ack();
  const found = await patchForCommand(
    deps.db,
    { channelId: command.channel_id, userId: command.user_id, respond },
    WORDS,
  );
  if (!found) return;
  const { patch, clients } = found;
  const preselected = matchClient(clients, command.text);
  const view = popbackModal({
    patchName: patch.name,
    clients,
    ...(preselected ? { preselected } : {}),
    meta: { patchId: patch.id, channelId: patch.channelId },
  });
  const fields = { patch: patch.id, user: command.user_id };
  if (!(await openModal(client, command.trigger_id, view, deps.log, 'popback.modal', fields))) {
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
  const { db, clock, log } = deps;
  const meta = parseMetadata(Meta, view.private_metadata);
  if (!meta) {
    await ack({
      response_action: 'errors',
      errors: { client: 'This form is out of date. Close it and run /popback again.' },
    });
    return;
  }
  const { patchId } = meta;
  const userId = body.user.id;
  if (!isPatchTeam(db, patchId, userId)) {
    await ack({ response_action: 'errors', errors: { client: "You are not in this patch's team." } });
    return;
  }
  const state = ViewState.of(view, FIELD);
  const carers = Carers.safeParse(state.option('carers'));
  const clientIds = new Set(activeClients(db, patchId).map((c) => c.id));
  const checked = validatePopback(
    {
      clientId: idOf(state.option('client')),
      kind: Kind.safeParse(state.option('kind')).data ?? null,
      otherClientIds: state
        .options('others')
        .map(idOf)
        .filter((id): id is number => id !== null),
      reason: state.text('reason'),
      urgency: UrgencyValue.safeParse(state.option('soon')).data ?? null,
      byTime: state.time('by_time'),
      carers: carers.success ? Number(carers.data) : null,
    },
    { now: clock.now(), zone: providerSettings(db).timezone, clientIds },
  );
  if (!checked.ok) {
    await ack({ response_action: 'errors', errors: checked.errors });
    return;
  }
  if (!claimSubmission(db, body, clock.now())) {
    await ack(); // the same submission again: it was posted the first time
    return;
  }
  let visitId: number;
  try {
    visitId = createPopback(deps, { patchId, requestedBy: userId, request: checked.request });
  } catch (err) {
    log.error('popback.create_failed', { patch: patchId, user: userId, ...errorFields(err) });
    forgetSubmission(db, body);
    await ack({
      response_action: 'errors',
      errors: { reason: 'Could not save the request. Please press Post request again.' },
    });
    return;
  }
  await ack();
  deps.wake();
  await noteToOne(
    client,
    log,
    'popback.confirm_failed',
    {
      channel: getPatch(db, patchId)?.channelId ?? meta.channelId,
      user: userId,
      text: 'Your request is posted in this channel. The card shows who claims it; you will see it change there.',
    },
    { visit: visitId },
  );
}
