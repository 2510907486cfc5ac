import type { KnownBlock, ModalView, PlainTextOption } from '@slack/types';
import { ESC_ACTIONS } from '../escalation/views.ts';
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
import { localTime } from '../time.ts';
import type { VisitStatus } from '../visits/model.ts';
import { type FlexKind, KIND_LABEL, REASON_MAX, URGENCY_LABEL, type Urgency } from './model.ts';

/** Block Kit for pop-backs: the request modal and the request card. Pure functions of data. */

export const POPBACK_CALLBACK = 'popback_submit';
export const POPBACK_ACTIONS = {
  claim: 'popback_claim',
  arrived: 'popback_arrived',
  done: 'popback_done',
  release: 'popback_release',
  cancel: 'popback_cancel',
} as const;
/** The one action id every modal input uses; block ids tell the fields apart. */
export const FIELD = 'value';

export interface ModalMeta {
  patchId: number;
  channelId: string;
}

interface ClientOption {
  id: number;
  name: string;
}

const option = (text: string, value: string): PlainTextOption => ({
  text: { type: 'plain_text', text: clip(text, 75) },
  value,
});

export function popbackModal(args: {
  patchName: string;
  clients: ClientOption[];
  preselected?: ClientOption;
  meta: ModalMeta;
}): ModalView {
  const clientOptions = args.clients.slice(0, 100).map((c) => option(c.name, String(c.id)));
  const pre = args.preselected ? option(args.preselected.name, String(args.preselected.id)) : undefined;
  const kinds = (Object.keys(KIND_LABEL) as FlexKind[]).map((k) => option(KIND_LABEL[k], k));
  const urgencies = (Object.keys(URGENCY_LABEL) as Urgency[]).map((u) => option(URGENCY_LABEL[u], u));
  const blocks: KnownBlock[] = [
    context(`Patch *${esc(args.patchName)}*. The request is posted in this channel for the team to claim.`),
    {
      type: 'input',
      block_id: 'client',
      label: { type: 'plain_text', text: 'Client' },
      element: {
        type: 'static_select',
        action_id: FIELD,
        placeholder: { type: 'plain_text', text: 'Who is it for?' },
        options: clientOptions,
        ...(pre ? { initial_option: pre } : {}),
      },
    },
    {
      type: 'input',
      block_id: 'kind',
      label: { type: 'plain_text', text: 'Kind of visit' },
      element: {
        type: 'radio_buttons',
        action_id: FIELD,
        options: kinds,
        initial_option: kinds[0] as PlainTextOption,
      },
    },
    {
      type: 'input',
      block_id: 'others',
      optional: true,
      label: { type: 'plain_text', text: 'Other clients (social visit)' },
      hint: { type: 'plain_text', text: 'A social visit brings two or more clients of this patch together.' },
      element: {
        type: 'multi_static_select',
        action_id: FIELD,
        placeholder: { type: 'plain_text', text: 'Add clients' },
        options: clientOptions,
      },
    },
    {
      type: 'input',
      block_id: 'reason',
      label: { type: 'plain_text', text: 'What is it for?' },
      hint: {
        type: 'plain_text',
        text: 'Shown to the patch team. No health details: use /medissue for medication.',
      },
      element: {
        type: 'plain_text_input',
        action_id: FIELD,
        max_length: REASON_MAX,
        placeholder: { type: 'plain_text', text: 'e.g. phoned, can’t find her glasses' },
      },
    },
    {
      type: 'input',
      block_id: 'soon',
      label: { type: 'plain_text', text: 'How soon' },
      element: {
        type: 'static_select',
        action_id: FIELD,
        options: urgencies,
        initial_option: urgencies[0] as PlainTextOption,
      },
    },
    {
      type: 'input',
      block_id: 'by_time',
      optional: true,
      label: { type: 'plain_text', text: 'Needed by (for "by a time today")' },
      element: { type: 'timepicker', action_id: FIELD },
    },
    {
      type: 'input',
      block_id: 'carers',
      label: { type: 'plain_text', text: 'Carers needed' },
      element: {
        type: 'radio_buttons',
        action_id: FIELD,
        options: [option('1 carer', '1'), option('2 carers', '2')],
        initial_option: option('1 carer', '1'),
      },
    },
  ];
  return {
    type: 'modal',
    callback_id: POPBACK_CALLBACK,
    private_metadata: JSON.stringify(args.meta),
    title: { type: 'plain_text', text: 'Ask for a pop-back' },
    submit: { type: 'plain_text', text: 'Post request' },
    close: { type: 'plain_text', text: 'Cancel' },
    blocks,
  };
}

/** Everything the request card shows. */
export interface CardData {
  visitId: number;
  kind: FlexKind;
  clientNames: string[];
  reason: string;
  urgency: Urgency;
  dueAt: number;
  carersNeeded: number;
  requestedBy: string | null;
  createdAt: number;
  status: VisitStatus;
  carers: Array<{ userId: string; at: number }>;
  arrivedAt: number | null;
  arrivedBy: string | null;
  doneAt: number | null;
  doneBy: string | null;
  closedAt: number | null;
  closedBy: string | null;
  zone: string;
}

function soonText(c: CardData): string {
  if (c.urgency === 'by') return `by ${localTime(c.dueAt, c.zone)}`;
  if (c.urgency === 'hour') return `within the hour (by ${localTime(c.dueAt, c.zone)})`;
  return URGENCY_LABEL[c.urgency].toLowerCase();
}

function statusLine(c: CardData): string {
  const t = (ms: number) => localTime(ms, c.zone);
  const who = c.carers.map((x) => x.userId);
  switch (c.status) {
    case 'open': {
      const missing = c.carersNeeded - who.length;
      if (who.length === 0)
        return `:large_orange_circle: *Open:* needs ${c.carersNeeded === 1 ? 'a carer' : `${c.carersNeeded} carers`}`;
      return `:large_orange_circle: *Open:* ${mentionAll(who)} claimed it, needs ${missing} more`;
    }
    case 'claimed':
      return `:large_blue_circle: *Claimed* by ${c.carers.map((x) => `${mention(x.userId)} at ${t(x.at)}`).join(' and ')}`;
    case 'arrived': {
      const others = who.filter((u) => u !== c.arrivedBy);
      const by = c.arrivedBy ? ` by ${mention(c.arrivedBy)}` : '';
      return `:house: *Arrived* ${c.arrivedAt ? t(c.arrivedAt) : ''}${by}${others.length ? ` (with ${mentionAll(others)})` : ''}`;
    }
    case 'done':
      return `:white_check_mark: *Done* at ${c.doneAt ? t(c.doneAt) : '?'}${c.doneBy ? ` by ${mention(c.doneBy)}` : ''}`;
    case 'cancelled':
      return `:no_entry_sign: *Cancelled*${c.closedBy ? ` by ${mention(c.closedBy)}` : ''}${c.closedAt ? ` at ${t(c.closedAt)}` : ''}`;
    case 'not_needed':
      return ':no_entry_sign: *Not needed*';
  }
}

function cardButtons(c: CardData): ButtonSpec[] {
  const value = String(c.visitId);
  const cancel: ButtonSpec = {
    actionId: POPBACK_ACTIONS.cancel,
    text: 'Cancel',
    value,
    confirm: {
      title: 'Cancel this request?',
      text: 'The team will see it was cancelled, and by whom.',
      confirm: 'Cancel request',
      deny: 'Keep it',
    },
  };
  const claim: ButtonSpec = { actionId: POPBACK_ACTIONS.claim, text: 'Claim', value, style: 'primary' };
  const release: ButtonSpec = { actionId: POPBACK_ACTIONS.release, text: 'Release', value };
  switch (c.status) {
    case 'open':
      return c.carers.length > 0 ? [claim, release, cancel] : [claim, cancel];
    case 'claimed':
      return [
        { actionId: POPBACK_ACTIONS.arrived, text: 'Arrived', value, style: 'primary' },
        { actionId: POPBACK_ACTIONS.done, text: 'Done', value },
        release,
        cancel,
      ];
    case 'arrived':
      return [{ actionId: POPBACK_ACTIONS.done, text: 'Done', value, style: 'primary' }];
    default:
      return [];
  }
}

export function requestCard(c: CardData): { text: string; blocks: KnownBlock[] } {
  const who = c.clientNames.map((n) => `*${esc(n)}*`).join(', ');
  const carers = c.carersNeeded === 1 ? '1 carer' : `${c.carersNeeded} carers`;
  const headline = `${KIND_LABEL[c.kind]} for ${who} · ${soonText(c)} · ${carers}`;
  const blocks: KnownBlock[] = [
    section(`${headline}\n>${esc(c.reason).replace(/\n/g, '\n>')}`, `card:${c.visitId}`),
    section(statusLine(c), `status:${c.visitId}`),
    context(
      `Asked by ${c.requestedBy ? mention(c.requestedBy) : 'the office'} at ${localTime(c.createdAt, c.zone)}`,
    ),
  ];
  const medIssue: ButtonSpec = {
    actionId: ESC_ACTIONS.open,
    text: 'Medication issue',
    value: String(c.visitId),
  };
  blocks.push(actions(`popback:${c.visitId}`, [...cardButtons(c), medIssue]));
  const whoText = c.clientNames.map(esc).join(', ');
  return { text: clip(`${KIND_LABEL[c.kind]} for ${whoText} (${soonText(c)}): ${c.status}`, 3000), blocks };
}
