import type {
  AllMiddlewareArgs,
  App,
  BlockAction,
  ButtonAction,
  OverflowAction,
  SlackActionMiddlewareArgs,
  SlackCommandMiddlewareArgs,
  SlackViewMiddlewareArgs,
  ViewSubmitAction,
} from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import { z } from 'zod';
import { ALERT_ACTIONS } from '../alerts/views.ts';
import type { Deps } from '../deps.ts';
import { errorFields } from '../log.ts';
import { activePatches, findPatchByChannel, isPatchTeam, providerSettings } from '../patches/store.ts';
import { answerPrivately } from '../slack/answer.ts';
import { idOf, parseMetadata, ViewState } from '../slack/view-state.ts';
import { localDate } from '../time.ts';
import { loadVisit } from '../visits/store.ts';
import { rotaForDay } from './digest.ts';
import { NOT_NEEDED_CALLBACK, notNeededModal } from './modals.ts';
import { parseRotaArgs } from './model.ts';
import {
  actOnFixedVisit,
  type FixedResult,
  markNotNeeded,
  NOT_NEEDED_REASONS,
  type NotNeededReason,
} from './service.ts';
import { parseRotaOption, ROTA_MENU, rotaListing } from './views.ts';

/** Bolt handlers for /rota, the digest's visit menus, the Not needed modal and the alert buttons. */

/** Medication issues plug in here (issue 4): open its modal for a visit from a menu. */
export const rotaHooks: {
  openMedIssue?: (
    deps: Deps,
    args: { triggerId: string; visitId: number; userId: string; client: WebClient },
  ) => Promise<FixedResult>;
} = {};

export function registerRota(app: App, deps: Deps): void {
  app.command('/rota', (args) => answerRota(deps, args));
  app.action<BlockAction<OverflowAction>>(ROTA_MENU, (args) => chooseFromMenu(deps, args));
  app.view<ViewSubmitAction>({ callback_id: NOT_NEEDED_CALLBACK, type: 'view_submission' }, (args) =>
    submitNotNeeded(deps, args),
  );
  app.action<BlockAction<ButtonAction>>(ALERT_ACTIONS.arrived, (args) => pressAlert(deps, 'arrived', args));
  app.action<BlockAction<ButtonAction>>(ALERT_ACTIONS.onway, (args) => pressAlert(deps, 'onway', args));
}

async function answerRota(
  deps: Deps,
  { command, ack, respond }: SlackCommandMiddlewareArgs & AllMiddlewareArgs,
): Promise<void> {
  await ack();
  const { db, clock } = deps;
  const patch = findPatchByChannel(db, command.channel_id);
  if (!patch) {
    const where = activePatches(db)
      .map((p) => `<#${p.channelId}>`)
      .join(', ');
    await respond({
      response_type: 'ephemeral',
      text: `\`/rota\` shows a patch's fixed visits for a day, privately. Use it in your patch channel${where ? `: ${where}` : ''}.`,
    });
    return;
  }
  const now = clock.now();
  const zone = providerSettings(db).timezone;
  const args = parseRotaArgs(command.text, localDate(now, zone));
  if (!args.ok) {
    await respond({ response_type: 'ephemeral', text: args.message });
    return;
  }
  const listing = rotaListing({
    ...rotaForDay(db, patch.id, args.date, now),
    mineOnly: args.mine ? command.user_id : null,
  });
  await respond({ response_type: 'ephemeral', ...listing });
}

async function chooseFromMenu(
  deps: Deps,
  {
    ack,
    action,
    body,
    client,
    respond,
  }: SlackActionMiddlewareArgs<BlockAction<OverflowAction>> & AllMiddlewareArgs,
): Promise<void> {
  await ack();
  const choice = parseRotaOption(action.selected_option.value);
  const userId = body.user.id;
  let result: FixedResult;
  if (!choice) {
    result = { ok: false, text: 'That menu is out of date. Use the rota posted today.' };
  } else if (choice.verb === 'notneeded' && !mayChange(deps, choice.visitId, userId)) {
    result = { ok: false, text: "You are not in this patch's team, so you can't change its visits." };
  } else if (choice.verb === 'notneeded') {
    // The trigger expires in 3 s: open the modal before anything slow.
    try {
      await client.views.open({ trigger_id: body.trigger_id, view: notNeededModal(choice.visitId) });
      result = { ok: true };
    } catch (err) {
      deps.log.warn('rota.modal_failed', { visit: choice.visitId, user: userId, ...errorFields(err) });
      result = { ok: false, text: 'Slack did not open the form in time. Please try again.' };
    }
  } else if (choice.verb === 'medissue') {
    result = rotaHooks.openMedIssue
      ? await rotaHooks.openMedIssue(deps, {
          triggerId: body.trigger_id,
          visitId: choice.visitId,
          userId,
          client,
        })
      : { ok: false, text: 'Medication issues are not switched on yet.' };
  } else {
    result = actOnFixedVisit(deps, choice.verb, choice.visitId, userId, choice.rev);
  }
  deps.deliverer.kick();
  if (!result.ok) await answerPrivately(respond, result.text);
}

async function pressAlert(
  deps: Deps,
  verb: 'arrived' | 'onway',
  { ack, action, body, respond }: SlackActionMiddlewareArgs<BlockAction<ButtonAction>> & AllMiddlewareArgs,
): Promise<void> {
  await ack();
  const visitId = idOf(action.value);
  const result = visitId
    ? actOnFixedVisit(deps, verb, visitId, body.user.id, null)
    : ({ ok: false, text: 'This visit no longer exists.' } as const);
  deps.deliverer.kick();
  if (!result.ok) await answerPrivately(respond, result.text);
}

const Meta = z.object({ visitId: z.number().int().positive() });

async function submitNotNeeded(
  deps: Deps,
  { ack, body, view }: SlackViewMiddlewareArgs<ViewSubmitAction> & AllMiddlewareArgs,
): Promise<void> {
  const meta = parseMetadata(Meta, view.private_metadata);
  const reason = ViewState.parse(view.state.values, 'value').option('reason');
  if (!meta) {
    await ack({
      response_action: 'errors',
      errors: { reason: 'This form is out of date. Close it and use the rota again.' },
    });
    return;
  }
  if (!reason || !(reason in NOT_NEEDED_REASONS)) {
    await ack({ response_action: 'errors', errors: { reason: 'Choose why the visit is not needed.' } });
    return;
  }
  const result = markNotNeeded(deps, meta.visitId, body.user.id, reason as NotNeededReason);
  if (!result.ok) {
    await ack({ response_action: 'errors', errors: { reason: result.text } });
    return;
  }
  await ack();
  deps.deliverer.kick();
}

/** A quick check before opening a form: is this person in the visit's patch team? */
function mayChange(deps: Deps, visitId: number, userId: string): boolean {
  const rec = loadVisit(deps.db, visitId);
  return rec !== null && isPatchTeam(deps.db, rec.patch.id, userId);
}
