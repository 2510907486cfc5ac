import type {
  AllMiddlewareArgs,
  App,
  BlockAction,
  OverflowAction,
  RespondFn,
  SlackActionMiddlewareArgs,
  SlackCommandMiddlewareArgs,
  SlackViewMiddlewareArgs,
  ViewSubmitAction,
} from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import { z } from 'zod';
import type { Deps } from '../deps.ts';
import { activePatches, findPatchByChannel, isPatchTeam, providerSettings } from '../patches/store.ts';
import { answerPrivately } from '../slack/answer.ts';
import { claimSubmission, forgetSubmission } from '../slack/dedupe.ts';
import { FORM_NOT_OPENED, openModal } from '../slack/modal.ts';
import { parseMetadata, ViewState } from '../slack/view-state.ts';
import { localDate } from '../time.ts';
import { pressVisit } from '../visits/listeners.ts';
import { NOT_NEEDED_REASONS, type PersonTransition } from '../visits/model.ts';
import { changeVisit, refusalText } from '../visits/service.ts';
import { getVisitRow } from '../visits/store.ts';
import { rotaForDay } from './digest.ts';
import { NOT_NEEDED_CALLBACK, notNeededModal } from './modals.ts';
import { parseRotaArgs, type RotaVerb } from './model.ts';
import { parseRotaOption, ROTA_MENU, rotaListing } from './views.ts';

/** Bolt handlers for /rota, the digest's visit menus and the Not needed modal. */

/** Opens the medication issue form for a visit (handed in: medication issues are their own capability). */
export type OpenMedIssue = (args: {
  triggerId: string;
  visitId: number;
  userId: string;
  client: WebClient;
}) => Promise<{ ok: true } | { ok: false; text: string }>;

const MENU_TRANSITION: Record<Exclude<RotaVerb, 'notneeded' | 'medissue'>, PersonTransition> = {
  arrived: { type: 'arrive' },
  done: { type: 'done' },
  takeover: { type: 'takeover' },
};

export function registerRota(app: App, deps: Deps, openMedIssue: OpenMedIssue): void {
  app.command('/rota', (args) => answerRota(deps, args));
  app.action<BlockAction<OverflowAction>>(ROTA_MENU, (args) => chooseFromMenu(deps, openMedIssue, args));
  app.view<ViewSubmitAction>({ callback_id: NOT_NEEDED_CALLBACK, type: 'view_submission' }, (args) =>
    submitNotNeeded(deps, args),
  );
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
  openMedIssue: OpenMedIssue,
  {
    ack,
    action,
    body,
    client,
    respond,
  }: SlackActionMiddlewareArgs<BlockAction<OverflowAction>> & AllMiddlewareArgs,
): Promise<void> {
  await ack();
  // Bolt's types promise a chosen option; a forged payload may have none (or null).
  const choice = parseRotaOption(action.selected_option?.value ?? '');
  const userId = body.user.id;
  if (!choice) {
    await answerPrivately(respond, 'That menu is out of date. Use the rota posted today.');
    return;
  }
  if (choice.verb === 'notneeded') {
    await openNotNeeded(deps, client, body.trigger_id, choice.visitId, userId, respond);
    return;
  }
  if (choice.verb === 'medissue') {
    const opened = await openMedIssue({
      triggerId: body.trigger_id,
      visitId: choice.visitId,
      userId,
      client,
    });
    if (!opened.ok) await answerPrivately(respond, opened.text);
    return;
  }
  await pressVisit(deps, choice.visitId, MENU_TRANSITION[choice.verb], userId, respond, choice.rev);
}

async function openNotNeeded(
  deps: Deps,
  client: WebClient,
  triggerId: string,
  visitId: number,
  userId: string,
  respond: RespondFn,
): Promise<void> {
  const visit = getVisitRow(deps.db, visitId);
  if (!visit || !isPatchTeam(deps.db, visit.patchId, userId)) {
    await answerPrivately(respond, "You are not in this patch's team, so you can't change its visits.");
    return;
  }
  // The trigger expires in 3 s: the form opens before anything slow.
  if (
    !(await openModal(client, triggerId, notNeededModal(visitId), deps.log, 'rota.modal', {
      visit: visitId,
      user: userId,
    }))
  ) {
    await answerPrivately(respond, FORM_NOT_OPENED);
  }
}

const Meta = z.object({ visitId: z.number().int().positive() });
const Reason = z.enum(Object.keys(NOT_NEEDED_REASONS) as [keyof typeof NOT_NEEDED_REASONS]);

async function submitNotNeeded(
  deps: Deps,
  { ack, body, view }: SlackViewMiddlewareArgs<ViewSubmitAction> & AllMiddlewareArgs,
): Promise<void> {
  const meta = parseMetadata(Meta, view.private_metadata);
  if (!meta) {
    await ack({
      response_action: 'errors',
      errors: { reason: 'This form is out of date. Close it and use the rota again.' },
    });
    return;
  }
  const reason = Reason.safeParse(ViewState.of(view, 'value').option('reason'));
  if (!reason.success) {
    await ack({ response_action: 'errors', errors: { reason: 'Choose why the visit is not needed.' } });
    return;
  }
  const transition: PersonTransition = { type: 'not_needed', reason: reason.data };
  if (!claimSubmission(deps.db, body, deps.clock.now())) {
    await ack();
    return;
  }
  const result = changeVisit(deps, meta.visitId, transition, body.user.id);
  if (!result.ok) {
    forgetSubmission(deps.db, body);
    deps.wake(); // the refused press redrew the day's rota
    await ack({ response_action: 'errors', errors: { reason: refusalText(deps.db, result, transition) } });
    return;
  }
  await ack();
  deps.wake();
}
