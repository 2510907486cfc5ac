import type {
  AllMiddlewareArgs,
  App,
  BlockAction,
  ButtonAction,
  GlobalShortcut,
  SlackActionMiddlewareArgs,
  SlackCommandMiddlewareArgs,
  SlackShortcutMiddlewareArgs,
  SlackViewMiddlewareArgs,
  ViewSubmitAction,
} from '@slack/bolt';
import { z } from 'zod';
import type { Deps } from '../deps.ts';
import { errorFields } from '../log.ts';
import { providerSettings, taskNames } from '../patches/store.ts';
import { esc } from '../slack/blocks.ts';
import { claimSubmission, forgetSubmission } from '../slack/dedupe.ts';
import { FORM_NOT_OPENED, openModal } from '../slack/modal.ts';
import { idOf, parseMetadata, ViewState } from '../slack/view-state.ts';
import { localDate } from '../time.ts';
import { dayWords, parseCompetenceArgs, validateSignoff } from './model.ts';
import {
  mayManage,
  notManagerText,
  signOff,
  signoffFormData,
  targetProblem,
  withdrawSignoff,
} from './service.ts';
import { activeTasks } from './store.ts';
import {
  COMPETENCE_ACTIONS,
  COMPETENCE_SHORTCUT,
  FIELD,
  noticeModal,
  PICK_CALLBACK,
  pickModal,
  SIGNOFF_CALLBACK,
  signoffModal,
} from './views.ts';

/**
 * Bolt handlers for `/competence`, the "Sign off a competence" global shortcut, the picker, the
 * sign-off form and its Withdraw buttons. ack() first, always; supervisors and admins only.
 */

const USAGE =
  'Use `/competence @name` to see and change a care assistant’s sign-offs (start typing their name after @ and pick them), or `/competence` on its own to choose them in a form.';

const UserId = z.string().regex(/^[UW][A-Z0-9]{2,20}$/);
const Meta = z.object({ userId: UserId });

export function registerCompetence(app: App, deps: Deps): void {
  app.command('/competence', (args) => competenceCommand(deps, args));
  app.shortcut<GlobalShortcut>({ callback_id: COMPETENCE_SHORTCUT, type: 'shortcut' }, (args) =>
    competenceShortcut(deps, args),
  );
  app.view<ViewSubmitAction>({ callback_id: PICK_CALLBACK, type: 'view_submission' }, (args) =>
    submitPick(deps, args),
  );
  app.view<ViewSubmitAction>({ callback_id: SIGNOFF_CALLBACK, type: 'view_submission' }, (args) =>
    submitSignoff(deps, args),
  );
  app.action<BlockAction<ButtonAction>>(COMPETENCE_ACTIONS.withdraw, (args) => pressWithdraw(deps, args));
}

async function competenceCommand(
  deps: Deps,
  { command, ack, client, respond }: SlackCommandMiddlewareArgs & AllMiddlewareArgs,
): Promise<void> {
  await ack();
  const { db, clock, log } = deps;
  const me = command.user_id;
  const answer = (text: string) => respond({ response_type: 'ephemeral', text });
  if (!mayManage(db, me)) {
    await answer(notManagerText(db, me, clock.now()));
    return;
  }
  const args = parseCompetenceArgs(command.text);
  if (args.kind === 'bad') {
    await answer(USAGE);
    return;
  }
  if (args.kind === 'user') {
    const problem = targetProblem(db, me, args.userId);
    if (problem) {
      await answer(problem);
      return;
    }
  }
  const view =
    args.kind === 'user' ? signoffModal(signoffFormData(db, args.userId, clock.now())) : pickModal();
  const fields = { user: me, ...(args.kind === 'user' ? { of: args.userId } : {}) };
  if (!(await openModal(client, command.trigger_id, view, log, 'competence.modal', fields)))
    await answer(FORM_NOT_OPENED);
}

async function competenceShortcut(
  deps: Deps,
  { shortcut, ack, client }: SlackShortcutMiddlewareArgs<GlobalShortcut> & AllMiddlewareArgs,
): Promise<void> {
  await ack();
  const { db, clock, log } = deps;
  const me = shortcut.user.id;
  // A global shortcut has no channel to answer in: someone who may not sign others off sees why in the modal.
  const view = mayManage(db, me) ? pickModal() : noticeModal(notManagerText(db, me, clock.now()));
  await openModal(client, shortcut.trigger_id, view, log, 'competence.shortcut', { user: me });
}

async function submitPick(
  deps: Deps,
  { ack, body, view }: SlackViewMiddlewareArgs<ViewSubmitAction> & AllMiddlewareArgs,
): Promise<void> {
  const { db, clock } = deps;
  const me = body.user.id;
  const who = UserId.safeParse(ViewState.of(view, FIELD).user('who'));
  const problem = !mayManage(db, me)
    ? 'Only supervisors and admins sign people off.'
    : !who.success
      ? 'Choose a care assistant.'
      : targetProblem(db, me, who.data);
  if (problem || !who.success) {
    await ack({ response_action: 'errors', errors: { who: problem ?? 'Choose a care assistant.' } });
    return;
  }
  await ack({ response_action: 'update', view: signoffModal(signoffFormData(db, who.data, clock.now())) });
}

async function submitSignoff(
  deps: Deps,
  { ack, body, view }: SlackViewMiddlewareArgs<ViewSubmitAction> & AllMiddlewareArgs,
): Promise<void> {
  const { db, clock, log } = deps;
  const me = body.user.id;
  const meta = parseMetadata(Meta, view.private_metadata);
  if (!meta) {
    await ack({
      response_action: 'errors',
      errors: { task: 'This form is out of date. Close it and run /competence again.' },
    });
    return;
  }
  const tasks = activeTasks(db);
  const state = ViewState.of(view, FIELD);
  const today = localDate(clock.now(), providerSettings(db).timezone);
  // The task is checked against the tasks as they are now (a Map: never a property of some object).
  const checked = validateSignoff(
    { taskCode: state.option('task'), expiresOn: state.date('expires') },
    { today, tasks },
  );
  if (!checked.ok) {
    await ack({ response_action: 'errors', errors: checked.errors });
    return;
  }
  if (!claimSubmission(db, body, clock.now())) {
    // The same submission again: it was signed off the first time; show the form as it is now.
    await ack({
      response_action: 'update',
      view: signoffModal(signoffFormData(db, meta.userId, clock.now())),
    });
    return;
  }
  let result: ReturnType<typeof signOff>;
  try {
    result = signOff(deps, { by: me, userId: meta.userId, ...checked });
  } catch (err) {
    log.error('competence.sign_off_failed', { user: meta.userId, by: me, ...errorFields(err) });
    forgetSubmission(db, body);
    await ack({
      response_action: 'errors',
      errors: { task: 'Could not save the sign-off. Please press Sign off again.' },
    });
    return;
  }
  if (!result.ok) {
    forgetSubmission(db, body);
    await ack({ response_action: 'errors', errors: { task: result.text } });
    return;
  }
  const name = taskNames(db).get(checked.taskCode) ?? checked.taskCode;
  const note = `:white_check_mark: ${result.renewed ? 'Renewed' : 'Signed off'}: *${esc(name)}*, valid through *${dayWords(checked.expiresOn)}*. <@${meta.userId}> has been told.`;
  await ack({
    response_action: 'update',
    view: signoffModal(signoffFormData(db, meta.userId, clock.now(), note)),
  });
  deps.wake();
}

async function pressWithdraw(
  deps: Deps,
  { ack, action, body, client }: SlackActionMiddlewareArgs<BlockAction<ButtonAction>> & AllMiddlewareArgs,
): Promise<void> {
  await ack();
  const { db, clock, log } = deps;
  const me = body.user.id;
  const viewId = body.view?.id;
  const meta = parseMetadata(Meta, body.view?.private_metadata ?? '');
  const signoffId = idOf(action.value);
  if (!viewId || !meta) return; // not our form: nothing to answer in
  let note: string;
  if (signoffId === null) note = ':warning: That sign-off is no longer there.';
  else {
    const result = withdrawSignoff(deps, { by: me, userId: meta.userId, signoffId });
    if (result.ok) {
      const name = taskNames(db).get(result.taskCode) ?? result.taskCode;
      const flagged =
        result.flagged > 0
          ? ` ${result.flagged === 1 ? 'One of their visits' : `${result.flagged} of their visits`} today or tomorrow ${result.flagged === 1 ? 'needs' : 'need'} it: see the supervisors’ channel.`
          : '';
      note = `:no_entry_sign: Withdrawn: *${esc(name)}*. <@${meta.userId}> has been told.${flagged}`;
      deps.wake();
    } else note = `:warning: ${result.text}`;
  }
  const view = mayManage(db, me)
    ? signoffModal(signoffFormData(db, meta.userId, clock.now(), note))
    : noticeModal(note);
  try {
    await client.views.update({ view_id: viewId, view });
  } catch (err) {
    log.warn('competence.view_update_failed', { user: me, ...errorFields(err) });
  }
}
