import type {
  AllMiddlewareArgs,
  App,
  BlockAction,
  ButtonAction,
  MessageShortcut,
  SlackActionMiddlewareArgs,
  SlackCommandMiddlewareArgs,
  SlackShortcutMiddlewareArgs,
  SlackViewMiddlewareArgs,
  ViewSubmitAction,
} from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import { z } from 'zod';
import type { Deps } from '../deps.ts';
import { errorFields } from '../log.ts';
import { matchClient } from '../patches/model.ts';
import {
  activeClients,
  activePatches,
  findPatchByChannel,
  getPatch,
  isPatchTeam,
  oncallShifts,
  providerSettings,
} from '../patches/store.ts';
import { answerPrivately, noteToOne } from '../slack/answer.ts';
import { esc } from '../slack/blocks.ts';
import { claimSubmission, forgetSubmission } from '../slack/dedupe.ts';
import { FORM_NOT_OPENED } from '../slack/modal.ts';
import { idOf, parseMetadata, ViewState } from '../slack/view-state.ts';
import { normalizeText, textProblem } from '../text.ts';
import { localTime } from '../time.ts';
import { loadVisit } from '../visits/store.ts';
import { onCallAt, onCallNext } from './oncall.ts';
import { acknowledge, mayResolve, raiseMedicationIssue, resolve } from './service.ts';
import { getEscalation } from './store.ts';
import {
  ESC_ACTIONS,
  MEDISSUE_CALLBACK,
  MEDISSUE_SHORTCUT,
  type MedModalMeta,
  medIssueModal,
  NOTE_MAX,
  OUTCOME_LABEL,
  type Outcome,
  RESOLVE_CALLBACK,
  resolveModal,
  WHAT_LABEL,
  type What,
} from './views.ts';

/** Bolt handlers for medication issues (three ways in), acknowledge / resolve, and /oncall. */

const NOT_A_PATCH =
  '`/medissue` raises a medication problem (missed dose, refusal, wrong dose, ran out, side effect) with the on-call supervisor. Use it in your patch channel';

/**
 * What the form carries in private_metadata. Only the patch is taken on trust (and checked against
 * the team); its channel is read from the database, and a visit must be one of that patch's.
 */
const Meta = z.object({
  patchId: z.number().int().positive(),
  channelId: z.string().min(1),
  visitId: z.number().int().positive().optional(),
  threadTs: z
    .string()
    .regex(/^\d{1,12}\.\d{1,8}$/)
    .optional(),
  source: z.enum(['command', 'button', 'shortcut']),
});

/** Where a visit's issue is told in the patch channel: the thread of its alert, card or digest (handed in). */
export type ThreadOfVisit = (db: Deps['db'], visitId: number) => { subject: string } | undefined;

const WhatValue = z.enum(Object.keys(WHAT_LABEL) as [keyof typeof WHAT_LABEL]);
const OutcomeValue = z.enum(Object.keys(OUTCOME_LABEL) as [keyof typeof OUTCOME_LABEL]);

/** The rota's menu opens the medication issue form for one of its visits through this. */
export function medIssueOpener(deps: Deps) {
  return async ({
    triggerId,
    visitId,
    userId,
    client,
  }: {
    triggerId: string;
    visitId: number;
    userId: string;
    client: WebClient;
  }): Promise<Answer> => {
    const text = await openForVisit(deps, client, triggerId, visitId, userId);
    return text ? { ok: false, text } : { ok: true };
  };
}

export function registerEscalation(app: App, deps: Deps, threadOfVisit: ThreadOfVisit): void {
  app.command('/medissue', (args) => medIssueCommand(deps, args));
  app.command('/oncall', (args) => onCallCommand(deps, args));
  app.shortcut<MessageShortcut>({ callback_id: MEDISSUE_SHORTCUT, type: 'message_action' }, (args) =>
    medIssueShortcut(deps, args),
  );
  app.action<BlockAction<ButtonAction>>(ESC_ACTIONS.open, (args) => medIssueButton(deps, args));
  app.view<ViewSubmitAction>({ callback_id: MEDISSUE_CALLBACK, type: 'view_submission' }, (args) =>
    submitMedIssue(deps, threadOfVisit, args),
  );
  app.action<BlockAction<ButtonAction>>(ESC_ACTIONS.acknowledge, (args) => pressAcknowledge(deps, args));
  app.action<BlockAction<ButtonAction>>(ESC_ACTIONS.resolve, (args) => pressResolve(deps, args));
  app.view<ViewSubmitAction>({ callback_id: RESOLVE_CALLBACK, type: 'view_submission' }, (args) =>
    submitResolve(deps, args),
  );
}

type Answer = { ok: true } | { ok: false; text: string };

/** Opens the modal for a patch; returns the private answer's text when it cannot. */
async function openModal(
  deps: Deps,
  client: WebClient,
  triggerId: string,
  args: {
    channelId: string;
    userId: string;
    clientText?: string;
    clientId?: number;
    visitId?: number;
    threadTs?: string;
    source: MedModalMeta['source'];
  },
): Promise<string | null> {
  const { db, log } = deps;
  const patch = findPatchByChannel(db, args.channelId);
  if (!patch) {
    const where = activePatches(db)
      .map((p) => `<#${p.channelId}>`)
      .join(', ');
    return `${NOT_A_PATCH}${where ? `: ${where}` : ''}.`;
  }
  if (!isPatchTeam(db, patch.id, args.userId))
    return "You are not in this patch's team, so you can't raise issues for its clients.";
  const clients = activeClients(db, patch.id);
  if (clients.length === 0) return 'This patch has no clients yet.';
  const preselected =
    (args.clientId !== undefined ? clients.find((c) => c.id === args.clientId) : undefined) ??
    (args.clientText ? matchClient(clients, args.clientText) : undefined);
  const view = medIssueModal({
    patchName: patch.name,
    clients,
    ...(preselected ? { preselected } : {}),
    meta: {
      patchId: patch.id,
      channelId: patch.channelId,
      source: args.source,
      ...(args.visitId !== undefined ? { visitId: args.visitId } : {}),
      ...(args.threadTs ? { threadTs: args.threadTs } : {}),
    },
  });
  try {
    await client.views.open({ trigger_id: triggerId, view });
    return null;
  } catch (err) {
    log.error('medissue.modal_failed', { patch: patch.id, user: args.userId, ...errorFields(err) });
    return FORM_NOT_OPENED;
  }
}

async function openForVisit(
  deps: Deps,
  client: WebClient,
  triggerId: string,
  visitId: number,
  userId: string,
): Promise<string | null> {
  const rec = loadVisit(deps.db, visitId);
  if (!rec) return 'This visit no longer exists.';
  return openModal(deps, client, triggerId, {
    channelId: rec.patch.channelId,
    userId,
    ...(rec.clients[0] ? { clientId: rec.clients[0].id } : {}),
    visitId,
    source: 'button',
  });
}

async function medIssueCommand(
  deps: Deps,
  { command, ack, client, respond }: SlackCommandMiddlewareArgs & AllMiddlewareArgs,
) {
  await ack();
  const text = await openModal(deps, client, command.trigger_id, {
    channelId: command.channel_id,
    userId: command.user_id,
    clientText: command.text,
    source: 'command',
  });
  if (text) await respond({ response_type: 'ephemeral', text });
}

async function medIssueShortcut(
  deps: Deps,
  { shortcut, ack, client, respond }: SlackShortcutMiddlewareArgs<MessageShortcut> & AllMiddlewareArgs,
) {
  await ack();
  const message = shortcut.message as { ts: string; thread_ts?: string };
  const text = await openModal(deps, client, shortcut.trigger_id, {
    channelId: shortcut.channel.id,
    userId: shortcut.user.id,
    threadTs: message.thread_ts ?? message.ts,
    source: 'shortcut',
  });
  if (text) await respond({ response_type: 'ephemeral', text });
}

async function medIssueButton(
  deps: Deps,
  {
    ack,
    action,
    body,
    client,
    respond,
  }: SlackActionMiddlewareArgs<BlockAction<ButtonAction>> & AllMiddlewareArgs,
) {
  await ack();
  const visitId = idOf(action.value);
  const text = visitId
    ? await openForVisit(deps, client, body.trigger_id, visitId, body.user.id)
    : 'This visit no longer exists.';
  if (text) await answerPrivately(respond, text);
}

async function submitMedIssue(
  deps: Deps,
  threadOfVisit: ThreadOfVisit,
  { ack, body, view, client }: SlackViewMiddlewareArgs<ViewSubmitAction> & AllMiddlewareArgs,
) {
  const { db, log } = deps;
  const m = parseMetadata(Meta, view.private_metadata);
  if (!m) {
    await ack({
      response_action: 'errors',
      errors: { client: 'This form is out of date. Close it and start again.' },
    });
    return;
  }
  const userId = body.user.id;
  const state = ViewState.of(view, 'value');
  const clientId = idOf(state.option('client'));
  const what = WhatValue.safeParse(state.option('what'));
  const note = normalizeText(state.text('note').trim());
  const noteProblem = textProblem(note, { multiline: true, emoji: true });
  const errors: Record<string, string> = {};
  const clients = activeClients(db, m.patchId);
  if (clientId === null) errors.client = 'Choose the client.';
  else if (!clients.some((c) => c.id === clientId)) errors.client = 'That client is no longer in this patch.';
  if (!what.success) errors.what = 'Choose what happened.';
  if (note.length > NOTE_MAX) errors.note = `Keep the note to ${NOTE_MAX} characters (it is ${note.length}).`;
  else if (noteProblem) errors.note = `This note ${noteProblem}: please type it again.`;
  const patch = getPatch(db, m.patchId);
  if (!patch || (m.visitId !== undefined && loadVisit(db, m.visitId)?.patch.id !== m.patchId))
    errors.client = 'This form is out of date. Close it and start again.';
  if (!isPatchTeam(db, m.patchId, userId)) errors.client = "You are not in this patch's team.";
  if (Object.keys(errors).length > 0 || !patch) {
    await ack({ response_action: 'errors', errors });
    return;
  }
  if (!claimSubmission(db, body, deps.clock.now())) {
    await ack(); // the same submission again: it was escalated the first time
    return;
  }
  let id: number;
  try {
    const patchThread = m.threadTs
      ? { ts: m.threadTs }
      : m.visitId
        ? threadOfVisit(deps.db, m.visitId)
        : undefined;
    id = raiseMedicationIssue(deps, {
      patchId: m.patchId,
      patchChannel: patch.channelId,
      clientId,
      visitId: m.visitId ?? null,
      what: what.data as What,
      timeCritical: state.option('time_critical') === 'yes',
      urgency: state.option('urgency') === 'today' ? 'today' : 'now',
      note: note || null,
      raisedBy: userId,
      source: m.source,
      ...(patchThread ? { patchThread } : {}),
    });
  } catch (err) {
    log.error('medissue.raise_failed', { patch: m.patchId, user: userId, ...errorFields(err) });
    forgetSubmission(db, body);
    await ack({
      response_action: 'errors',
      errors: { note: 'Could not save this. Please press Escalate again.' },
    });
    return;
  }
  await ack();
  deps.wake();
  const called = calledNames(deps);
  await noteToOne(
    client,
    log,
    'medissue.confirm_failed',
    {
      channel: patch.channelId,
      user: userId,
      text: `Escalated to ${called}. You'll see here when a supervisor takes it.`,
    },
    { escalation: id },
  );
}

function calledNames(deps: Deps): string {
  const zone = providerSettings(deps.db).timezone;
  const onCall = onCallAt(oncallShifts(deps.db), deps.clock.now(), zone);
  return onCall
    ? `<@${onCall}> (on call) in the supervisors' channel`
    : "all supervisors (nobody is on call now) in the supervisors' channel";
}

async function pressAcknowledge(
  deps: Deps,
  { ack, action, body, respond }: SlackActionMiddlewareArgs<BlockAction<ButtonAction>> & AllMiddlewareArgs,
) {
  await ack();
  const id = idOf(action.value);
  const result: Answer = id
    ? acknowledge(deps, id, body.user.id)
    : { ok: false, text: 'This escalation no longer exists.' };
  deps.wake();
  if (!result.ok) await answerPrivately(respond, result.text);
}

async function pressResolve(
  deps: Deps,
  {
    ack,
    action,
    body,
    client,
    respond,
  }: SlackActionMiddlewareArgs<BlockAction<ButtonAction>> & AllMiddlewareArgs,
) {
  await ack();
  const id = idOf(action.value);
  const check: Answer = id
    ? mayResolve(deps, id, body.user.id)
    : { ok: false, text: 'This escalation no longer exists.' };
  if (!check.ok || !id) {
    await answerPrivately(respond, check.ok ? 'This escalation no longer exists.' : check.text);
    return;
  }
  const e = getEscalation(deps.db, id);
  const patch = e ? getPatch(deps.db, e.patchId) : undefined;
  const summary = `Escalation from *${esc(patch?.name ?? 'a patch')}*, raised at ${e ? localTime(e.raisedAt, providerSettings(deps.db).timezone) : ''}.`;
  try {
    await client.views.open({ trigger_id: body.trigger_id, view: resolveModal(id, summary) });
  } catch (err) {
    deps.log.error('escalation.resolve_modal_failed', { escalation: id, ...errorFields(err) });
    await answerPrivately(respond, FORM_NOT_OPENED);
  }
}

async function submitResolve(
  deps: Deps,
  { ack, body, view }: SlackViewMiddlewareArgs<ViewSubmitAction> & AllMiddlewareArgs,
) {
  const meta = parseMetadata(z.object({ escalationId: z.number().int().positive() }), view.private_metadata);
  const state = ViewState.of(view, 'value');
  const outcomeValue = OutcomeValue.safeParse(state.option('outcome'));
  const outcome = outcomeValue.success ? outcomeValue.data : null;
  const note = normalizeText(state.text('outcome_note').trim());
  const noteProblem = textProblem(note, { multiline: true, emoji: true });
  if (!meta) {
    await ack({
      response_action: 'errors',
      errors: { outcome: 'This form is out of date. Close it and press Resolve again.' },
    });
    return;
  }
  const errors: Record<string, string> = {};
  if (!outcome) errors.outcome = 'Choose the outcome.';
  if (outcome === 'other' && !note) errors.outcome_note = 'Say what the outcome was.';
  if (note.length > NOTE_MAX)
    errors.outcome_note = `Keep the note to ${NOTE_MAX} characters (it is ${note.length}).`;
  else if (noteProblem) errors.outcome_note = `This note ${noteProblem}: please type it again.`;
  if (Object.keys(errors).length > 0) {
    await ack({ response_action: 'errors', errors });
    return;
  }
  if (!claimSubmission(deps.db, body, deps.clock.now())) {
    await ack();
    return;
  }
  const result = resolve(deps, meta.escalationId, body.user.id, outcome as Outcome, note || null);
  if (!result.ok) {
    forgetSubmission(deps.db, body);
    await ack({ response_action: 'errors', errors: { outcome: result.text } });
    return;
  }
  await ack();
  deps.wake();
}

async function onCallCommand(deps: Deps, { ack, respond }: SlackCommandMiddlewareArgs & AllMiddlewareArgs) {
  await ack();
  const { db, clock } = deps;
  const zone = providerSettings(db).timezone;
  const shifts = oncallShifts(db);
  const now = clock.now();
  const current = onCallAt(shifts, now, zone);
  const next = onCallNext(shifts, now, zone);
  const when = (ms: number) => {
    const day = new Intl.DateTimeFormat('en-GB', {
      timeZone: zone,
      weekday: 'short',
      day: 'numeric',
      month: 'short',
    }).format(ms);
    return `${day} ${localTime(ms, zone)}`;
  };
  const lines = [
    current
      ? `On call now: <@${current}>.`
      : 'Nobody is on call right now: escalations go to all supervisors.',
    next
      ? `Next: <@${next.userId}> from ${when(next.from)}.`
      : 'Nobody else is on the rota for the next two weeks.',
  ];
  await respond({ response_type: 'ephemeral', text: lines.join('\n') });
}
