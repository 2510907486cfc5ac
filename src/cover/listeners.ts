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
import type { WebClient } from '@slack/web-api';
import { z } from 'zod';
import type { Deps } from '../deps.ts';
import { getEscalation } from '../escalation/store.ts';
import { ESC_ACTIONS } from '../escalation/views.ts';
import { errorFields } from '../log.ts';
import { activePatches, assistantsOf, isPatchTeam, providerSettings, rolesOf } from '../patches/store.ts';
import { answerPrivately } from '../slack/answer.ts';
import { claimSubmission, forgetSubmission } from '../slack/dedupe.ts';
import { FORM_NOT_OPENED, openModal } from '../slack/modal.ts';
import { idOf, parseMetadata, ViewState } from '../slack/view-state.ts';
import { defaultPeriod, describeCoverRefusal, periodText, validateCover } from './model.ts';
import { assignChoices, assignItem, postCover, takeAll, takeItem, withdrawRequest } from './service.ts';
import { escalateMinutes, getRequest, openItemOfVisit } from './store.ts';
import {
  ASSIGN_CALLBACK,
  assignModal,
  COVER_ACTIONS,
  COVER_CALLBACK,
  coverModal,
  FIELD,
  postedView,
} from './views.ts';

/** Bolt handlers for `/cover`, its form, the cover card's buttons, Assign… (card and escalation). ack() first. */

const NOT_TEAM =
  "`/cover` asks your patch team to take your visits when you can't work. You are not in a patch's team: ask a supervisor if that's wrong.";
const ONLY_MANAGERS = 'Only a supervisor or an admin can give a visit to someone.';

type ButtonArgs = SlackActionMiddlewareArgs<BlockAction<ButtonAction>> & AllMiddlewareArgs;

/** `<request>:<patch>`, the value of a card's Take all and Assign… buttons. */
const CARD_VALUE = /^([1-9]\d{0,11}):([1-9]\d{0,11})$/;
function cardOf(value: string | undefined): { requestId: number; patchId: number } | null {
  const m = CARD_VALUE.exec(value ?? '');
  return m ? { requestId: Number(m[1]), patchId: Number(m[2]) } : null;
}

/** The channel a button was pressed in ('' when the payload has none: then no card matches). */
/**
 * The channel of the card pressed, or null for a press from the App Home (which has no channel: the
 * item's own patch team decides who may take it).
 */
function channelOf(body: BlockAction): string | null {
  return body.channel?.id ?? (body.container as { channel_id?: string } | undefined)?.channel_id ?? null;
}

const AssignMeta = z.object({
  requestId: z.number().int().positive(),
  patchId: z.number().int().positive(),
});

export function registerCover(app: App, deps: Deps): void {
  const open = coverOpener(deps);
  app.command('/cover', (args) => coverCommand(open, args));
  app.action<BlockAction<ButtonAction>>(COVER_ACTIONS.open, async ({ ack, body, client, respond }) => {
    await ack();
    const result = await open({ client, triggerId: body.trigger_id, userId: body.user.id });
    if (!result.ok) await answerPrivately(respond, result.text);
  });
  app.view<ViewSubmitAction>({ callback_id: COVER_CALLBACK, type: 'view_submission' }, (args) =>
    submitCover(deps, args),
  );
  app.action<BlockAction<ButtonAction>>(COVER_ACTIONS.take, (args) => pressTake(deps, args));
  app.action<BlockAction<ButtonAction>>(COVER_ACTIONS.takeAll, (args) => pressTakeAll(deps, args));
  app.action<BlockAction<ButtonAction>>(COVER_ACTIONS.withdraw, (args) => pressWithdraw(deps, args));
  app.action<BlockAction<ButtonAction>>(COVER_ACTIONS.assign, (args) => pressAssign(deps, args));
  app.action<BlockAction<ButtonAction>>(ESC_ACTIONS.assign, (args) => pressAssignFromEscalation(deps, args));
  app.view<ViewSubmitAction>({ callback_id: ASSIGN_CALLBACK, type: 'view_submission' }, (args) =>
    submitAssign(deps, args),
  );
}

/** Whether the person is in any patch's team (an assistant somewhere, a supervisor or an admin). */
function inSomeTeam(deps: Deps, userId: string): boolean {
  return activePatches(deps.db).some((p) => isPatchTeam(deps.db, p.id, userId));
}

/**
 * Opens the `/cover` form for a person: `/cover` itself, and any button with action id `cover_open`
 * (the App Home's). Says why not, for a private answer, when it cannot.
 */
export function coverOpener(deps: Deps) {
  return async (args: {
    client: WebClient;
    triggerId: string;
    userId: string;
  }): Promise<{ ok: true } | { ok: false; text: string }> => {
    const { db, clock, log } = deps;
    if (!inSomeTeam(deps, args.userId)) return { ok: false, text: NOT_TEAM };
    const period = defaultPeriod(clock.now(), providerSettings(db).timezone);
    const view = coverModal({ ...period, escalateMinutes: escalateMinutes(db) });
    const opened = await openModal(args.client, args.triggerId, view, log, 'cover.modal', {
      user: args.userId,
    });
    return opened ? { ok: true } : { ok: false, text: FORM_NOT_OPENED };
  };
}

/** `/cover`: the form asks everything, so the command's text is not read. */
async function coverCommand(
  open: ReturnType<typeof coverOpener>,
  { command, ack, client, respond }: SlackCommandMiddlewareArgs & AllMiddlewareArgs,
): Promise<void> {
  await ack();
  const result = await open({ client, triggerId: command.trigger_id, userId: command.user_id });
  if (!result.ok) await respond({ response_type: 'ephemeral', text: result.text });
}

async function submitCover(
  deps: Deps,
  { ack, body, view }: SlackViewMiddlewareArgs<ViewSubmitAction> & AllMiddlewareArgs,
): Promise<void> {
  const { db, clock, log } = deps;
  const userId = body.user.id;
  const zone = providerSettings(db).timezone;
  if (!inSomeTeam(deps, userId)) {
    await ack({ response_action: 'errors', errors: { start: "You are not in a patch's team." } });
    return;
  }
  const state = ViewState.of(view, FIELD);
  const checked = validateCover(
    { fromAt: state.dateTime('start'), toAt: state.dateTime('until'), note: state.text('note') },
    { now: clock.now(), zone },
  );
  if (!checked.ok) {
    await ack({ response_action: 'errors', errors: checked.errors });
    return;
  }
  if (!claimSubmission(db, body, clock.now())) {
    await ack(); // the same submission again: it was posted the first time
    return;
  }
  const period = periodText(checked.period.fromAt, checked.period.toAt, zone);
  let result: ReturnType<typeof postCover>;
  try {
    result = postCover(deps, { userId, period: checked.period });
  } catch (err) {
    log.error('cover.post_failed', { user: userId, ...errorFields(err) });
    forgetSubmission(db, body);
    await ack({
      response_action: 'errors',
      errors: { until: 'Could not save the request. Please press Post again.' },
    });
    return;
  }
  if (!result.ok) {
    forgetSubmission(db, body);
    await ack({
      response_action: 'errors',
      errors: {
        until: `You have no visits from ${period}, so there is nothing to cover and nothing was posted. Change the times, or close this form.`,
      },
    });
    return;
  }
  await ack({
    response_action: 'update',
    view: postedView({ visits: result.visits, channels: result.channels, period }),
  });
  deps.wake();
}

async function pressTake(deps: Deps, { ack, action, body, respond }: ButtonArgs): Promise<void> {
  await ack();
  const itemId = idOf(action.value);
  const result =
    itemId === null
      ? ({ ok: false, refusal: { reason: 'gone' } } as const)
      : takeItem(deps, itemId, body.user.id, channelOf(body));
  deps.wake();
  if (!result.ok) await answerPrivately(respond, describeCoverRefusal(result.refusal));
}

async function pressTakeAll(deps: Deps, { ack, action, body, respond }: ButtonArgs): Promise<void> {
  await ack();
  const card = cardOf(action.value);
  const result = card
    ? takeAll(deps, card.requestId, card.patchId, body.user.id, channelOf(body))
    : ({ ok: false, refusal: { reason: 'gone' } } as const);
  deps.wake();
  if (!result.ok) {
    await answerPrivately(respond, describeCoverRefusal(result.refusal));
    return;
  }
  const lines: string[] = [];
  if (result.taken.length > 0)
    lines.push(
      `You took ${result.taken.length === 1 ? '1 visit' : `${result.taken.length} visits`}: ${result.taken.join(', ')}. They are yours now.`,
    );
  for (const n of result.notTaken) lines.push(`Not taken: ${n.label}. ${n.why}`);
  await answerPrivately(respond, lines.length > 0 ? lines.join('\n') : 'Nothing left to take on this card.');
}

async function pressWithdraw(deps: Deps, { ack, action, body, respond }: ButtonArgs): Promise<void> {
  await ack();
  const requestId = idOf(action.value);
  const result =
    requestId === null
      ? ({ ok: false, refusal: { reason: 'gone' } } as const)
      : withdrawRequest(deps, requestId, body.user.id);
  deps.wake();
  if (!result.ok) await answerPrivately(respond, describeCoverRefusal(result.refusal));
}

const isManagerUser = (deps: Deps, userId: string) => {
  const roles = rolesOf(deps.db, userId);
  return roles.supervisor || roles.admin;
};

/** Opens the Assign… form for a card (or one item of it); the private answer's text when it cannot. */
async function openAssign(
  deps: Deps,
  client: WebClient,
  triggerId: string,
  userId: string,
  card: { requestId: number; patchId: number },
  itemId?: number,
): Promise<string | null> {
  if (!isManagerUser(deps, userId)) return ONLY_MANAGERS;
  const request = getRequest(deps.db, card.requestId);
  if (!request) return describeCoverRefusal({ reason: 'gone' });
  const items = assignChoices(deps.db, card.requestId, card.patchId).filter(
    (i) => itemId === undefined || i.itemId === itemId,
  );
  if (items.length === 0)
    return itemId === undefined
      ? 'Every visit on this card is taken, or no longer needs cover.'
      : 'This visit no longer needs cover.';
  const people = assistantsOf(deps.db, card.patchId).filter((u) => u !== request.requestedBy);
  if (people.length === 0) return 'This patch has no other assistants to give it to.';
  const view = assignModal({
    items,
    people,
    meta: card,
    ...(itemId !== undefined ? { preselected: itemId } : {}),
  });
  const opened = await openModal(client, triggerId, view, deps.log, 'cover.assign_modal', {
    request: card.requestId,
    user: userId,
  });
  return opened ? null : FORM_NOT_OPENED;
}

async function pressAssign(deps: Deps, { ack, action, body, client, respond }: ButtonArgs): Promise<void> {
  await ack();
  const card = cardOf(action.value);
  const text = card
    ? await openAssign(deps, client, body.trigger_id, body.user.id, card)
    : describeCoverRefusal({ reason: 'gone' });
  if (text) await answerPrivately(respond, text);
}

/** **Assign…** on an uncovered-visit escalation in the supervisors' channel: the same form, for its visit. */
async function pressAssignFromEscalation(
  deps: Deps,
  { ack, action, body, client, respond }: ButtonArgs,
): Promise<void> {
  await ack();
  const id = idOf(action.value);
  const e = id === null ? undefined : getEscalation(deps.db, id);
  if (e?.kind !== 'uncovered_visit' || e.visitId === null) {
    await answerPrivately(respond, 'This escalation no longer exists.');
    return;
  }
  if (!isManagerUser(deps, body.user.id)) {
    await answerPrivately(respond, ONLY_MANAGERS);
    return;
  }
  const item = openItemOfVisit(deps.db, e.visitId);
  if (!item) {
    await answerPrivately(
      respond,
      'This visit no longer needs cover: it was taken, withdrawn or called off.',
    );
    return;
  }
  const text = await openAssign(
    deps,
    client,
    body.trigger_id,
    body.user.id,
    { requestId: item.requestId, patchId: item.patchId },
    item.id,
  );
  if (text) await answerPrivately(respond, text);
}

async function submitAssign(
  deps: Deps,
  { ack, body, view }: SlackViewMiddlewareArgs<ViewSubmitAction> & AllMiddlewareArgs,
): Promise<void> {
  const { db, clock } = deps;
  const meta = parseMetadata(AssignMeta, view.private_metadata);
  if (!meta) {
    await ack({
      response_action: 'errors',
      errors: { item: 'This form is out of date. Close it and press Assign… again.' },
    });
    return;
  }
  const state = ViewState.of(view, FIELD);
  // Allow-lists: the card's open visits, and the patch's assistants (never `in` on an object).
  const items = new Map(assignChoices(db, meta.requestId, meta.patchId).map((i) => [i.itemId, i]));
  const people = new Set(assistantsOf(db, meta.patchId));
  const itemId = idOf(state.option('item'));
  const to = state.option('person') ?? state.user('person');
  const errors: Record<string, string> = {};
  if (itemId === null) errors.item = 'Choose the visit.';
  else if (!items.has(itemId)) errors.item = 'That visit no longer needs cover. Choose another.';
  if (to === null) errors.person = 'Choose who goes.';
  else if (!people.has(to)) errors.person = `<@${to}> is not one of this patch's assistants.`;
  if (Object.keys(errors).length > 0 || itemId === null || to === null) {
    await ack({ response_action: 'errors', errors });
    return;
  }
  if (!claimSubmission(db, body, clock.now())) {
    await ack();
    return;
  }
  const result = assignItem(deps, { itemId, to, by: body.user.id, scope: meta });
  deps.wake();
  if (!result.ok) {
    forgetSubmission(db, body);
    const field = ['gone', 'wrong_card', 'cancelled', 'withdrawn', 'full'].includes(result.refusal.reason)
      ? 'item'
      : 'person';
    await ack({ response_action: 'errors', errors: { [field]: describeCoverRefusal(result.refusal) } });
    return;
  }
  await ack();
}
