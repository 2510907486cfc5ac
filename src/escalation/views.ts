import type { KnownBlock, ModalView, PlainTextOption } from '@slack/types';
import { actions, type ButtonSpec, clip, context, esc, mention, section } from '../slack/blocks.ts';
import { localTime } from '../time.ts';

/** Block Kit for escalations: the supervisors' parent message, its thread replies, the patch note, modals. */

export const ESC_ACTIONS = {
  acknowledge: 'esc_acknowledge',
  resolve: 'esc_resolve',
  open: 'medissue_open',
  /** On an uncovered visit: give it to an assistant (handled by cover/, which owns the assignment). */
  assign: 'esc_assign',
} as const;
export const MEDISSUE_CALLBACK = 'medissue_submit';
export const RESOLVE_CALLBACK = 'medissue_resolve';
export const MEDISSUE_SHORTCUT = 'raise_medissue';
export const NOTE_MAX = 500;

export const WHAT_LABEL = {
  missed_dose: 'Missed dose',
  refused: 'Refused',
  wrong_dose: 'Wrong dose',
  ran_out: 'Ran out',
  side_effect: 'Side effect or reaction',
  other: 'Other',
} as const;
export type What = keyof typeof WHAT_LABEL;

export const OUTCOME_LABEL = {
  gp_111: 'GP / 111 contacted',
  late_dose: 'Dose given late',
  pharmacy: 'Pharmacy contacted',
  no_action: 'No action needed',
  other: 'Other',
} as const;
export type Outcome = keyof typeof OUTCOME_LABEL;

const option = (text: string, value: string): PlainTextOption => ({
  text: { type: 'plain_text', text: clip(text, 75) },
  value,
});

export interface MedModalMeta {
  patchId: number;
  channelId: string;
  visitId?: number;
  threadTs?: string;
  source: 'command' | 'button' | 'shortcut';
}

export function medIssueModal(args: {
  patchName: string;
  clients: Array<{ id: number; name: string }>;
  preselected?: { id: number; name: string };
  meta: MedModalMeta;
}): ModalView {
  const whats = (Object.keys(WHAT_LABEL) as What[]).map((w) => option(WHAT_LABEL[w], w));
  const pre = args.preselected ? option(args.preselected.name, String(args.preselected.id)) : undefined;
  const no = option('No', 'no');
  const now = option('Now: needs a supervisor now', 'now');
  return {
    type: 'modal',
    callback_id: MEDISSUE_CALLBACK,
    private_metadata: JSON.stringify(args.meta),
    title: { type: 'plain_text', text: 'Medication issue' },
    submit: { type: 'plain_text', text: 'Escalate' },
    close: { type: 'plain_text', text: 'Cancel' },
    blocks: [
      context(`Patch *${esc(args.patchName)}*. Goes to the on-call supervisor, who must acknowledge it.`),
      {
        type: 'input',
        block_id: 'client',
        label: { type: 'plain_text', text: 'Client' },
        element: {
          type: 'static_select',
          action_id: 'value',
          placeholder: { type: 'plain_text', text: 'Who is it about?' },
          options: args.clients.slice(0, 100).map((c) => option(c.name, String(c.id))),
          ...(pre ? { initial_option: pre } : {}),
        },
      },
      {
        type: 'input',
        block_id: 'what',
        label: { type: 'plain_text', text: 'What happened?' },
        element: { type: 'radio_buttons', action_id: 'value', options: whats },
      },
      {
        type: 'input',
        block_id: 'time_critical',
        label: { type: 'plain_text', text: 'Is the medicine time-critical?' },
        hint: {
          type: 'plain_text',
          text: "Insulin, Parkinson's medicines, and others that must be on time.",
        },
        element: {
          type: 'radio_buttons',
          action_id: 'value',
          options: [option('Yes', 'yes'), no],
          initial_option: no,
        },
      },
      {
        type: 'input',
        block_id: 'urgency',
        label: { type: 'plain_text', text: 'How urgent?' },
        element: {
          type: 'radio_buttons',
          action_id: 'value',
          options: [now, option('Today: can wait a few hours', 'today')],
          initial_option: now,
        },
      },
      {
        type: 'input',
        block_id: 'note',
        optional: true,
        label: { type: 'plain_text', text: 'Short note for the supervisor' },
        hint: {
          type: 'plain_text',
          text: `Seen only in the supervisors' channel. Up to ${NOTE_MAX} characters.`,
        },
        element: { type: 'plain_text_input', action_id: 'value', multiline: true },
      },
    ],
  };
}

export function resolveModal(escalationId: number, summary: string): ModalView {
  return {
    type: 'modal',
    callback_id: RESOLVE_CALLBACK,
    private_metadata: JSON.stringify({ escalationId }),
    title: { type: 'plain_text', text: 'Resolve' },
    submit: { type: 'plain_text', text: 'Resolve' },
    close: { type: 'plain_text', text: 'Back' },
    blocks: [
      section(summary),
      {
        type: 'input',
        block_id: 'outcome',
        label: { type: 'plain_text', text: 'Outcome' },
        element: {
          type: 'radio_buttons',
          action_id: 'value',
          options: (Object.keys(OUTCOME_LABEL) as Outcome[]).map((o) => option(OUTCOME_LABEL[o], o)),
        },
      },
      {
        type: 'input',
        block_id: 'outcome_note',
        optional: true,
        label: { type: 'plain_text', text: 'Note (needed for "Other")' },
        element: { type: 'plain_text_input', action_id: 'value', multiline: true },
      },
    ],
  };
}

export interface ParentData {
  id: number;
  kind: 'medication' | 'missed_visit' | 'unclaimed_popback' | 'uncovered_visit';
  patchName: string;
  patchChannel: string;
  clientName: string | null;
  /** The line that says what it is about, already in mrkdwn (built by the service). */
  about: string;
  note: string | null;
  status: 'open' | 'acknowledged' | 'resolved';
  onCall: string | null;
  step: number;
  round: number;
  rounds: number;
  nextAt: number | null;
  ackedBy: string | null;
  ackedAt: number | null;
  resolvedBy: string | null;
  resolvedAt: number | null;
  resolution: string | null;
  zone: string;
}

const TITLE: Record<ParentData['kind'], string> = {
  medication: ':pill: *Medication issue*',
  missed_visit: ':red_circle: *Missed visit*',
  unclaimed_popback: ':hourglass_flowing_sand: *Unclaimed pop-back*',
  uncovered_visit: ':busts_in_silhouette: *Uncovered visit*',
};
export const STEP_WORDS = ['the on-call supervisor', 'all supervisors', 'the whole channel'];

function statusLine(p: ParentData): string {
  const t = (ms: number) => localTime(ms, p.zone);
  if (p.status === 'resolved') {
    return `:white_check_mark: *Resolved*${p.resolvedBy ? ` by ${mention(p.resolvedBy)}` : ''}${p.resolvedAt ? ` at ${t(p.resolvedAt)}` : ''}: ${p.resolution ?? ''}`;
  }
  if (p.status === 'acknowledged') {
    return `:raising_hand: *Acknowledged* by ${p.ackedBy ? mention(p.ackedBy) : 'someone'}${p.ackedAt ? ` at ${t(p.ackedAt)}` : ''}: they own it.`;
  }
  const next = p.nextAt
    ? ` · next step at ${t(p.nextAt)}`
    : ' · no further steps: phone the on-call supervisor';
  return `:rotating_light: *Waiting for acknowledgement* · called ${STEP_WORDS[p.step] ?? 'supervisors'} (round ${p.round} of ${p.rounds})${next}`;
}

export function parentMessage(p: ParentData): { text: string; blocks: KnownBlock[] } {
  const blocks: KnownBlock[] = [
    section(`${TITLE[p.kind]} · ${esc(p.patchName)} <#${p.patchChannel}>\n${p.about}`, `esc:${p.id}`),
  ];
  if (p.note) blocks.push(section(`>${esc(p.note).replace(/\n/g, '\n>')}`, `esc-note:${p.id}`));
  blocks.push(section(statusLine(p), `esc-status:${p.id}`));
  if (p.onCall && p.status !== 'resolved') blocks.push(context(`On call now: ${mention(p.onCall)}`));
  const buttons: ButtonSpec[] = [];
  if (p.status === 'open')
    buttons.push({
      actionId: ESC_ACTIONS.acknowledge,
      text: 'Acknowledge',
      value: String(p.id),
      style: 'primary',
    });
  if (p.status !== 'resolved' && p.kind === 'uncovered_visit')
    buttons.push({ actionId: ESC_ACTIONS.assign, text: 'Assign…', value: String(p.id) });
  if (p.status !== 'resolved')
    buttons.push({ actionId: ESC_ACTIONS.resolve, text: 'Resolve', value: String(p.id) });
  if (buttons.length) blocks.push(actions(`esc-actions:${p.id}`, buttons));
  const plainTitle = TITLE[p.kind].replace(/^:[a-z_]+: \*|\*$/g, '');
  const about = p.clientName ? `${esc(p.clientName)}, ` : '';
  return { text: clip(`${plainTitle} in ${esc(p.patchName)}: ${about}${p.status}`, 3000), blocks };
}
