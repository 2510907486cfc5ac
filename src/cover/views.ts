import type { KnownBlock, ModalView, PlainTextOption, SectionBlock } from '@slack/types';
import { actions, type ButtonSpec, button, clip, context, esc, mention, section } from '../slack/blocks.ts';
import { localDate, localTime } from '../time.ts';
import type { VisitStatus } from '../visits/model.ts';
import { dayAndTime, type ItemStatus, NOTE_MAX, periodText, slotsText } from './model.ts';

/** Block Kit for cover: the `/cover` form, the cover card in each patch channel, the Assign… form, the note to the requester. Pure. */

export const COVER_ACTIONS = {
  /** Opens the `/cover` form: the command's twin, for a button elsewhere (the App Home). */
  open: 'cover_open',
  take: 'cover_take',
  takeAll: 'cover_take_all',
  assign: 'cover_assign',
  withdraw: 'cover_withdraw',
} as const;
export const COVER_CALLBACK = 'cover_submit';
export const ASSIGN_CALLBACK = 'cover_assign_submit';
/** The one action id every modal input uses; block ids tell the fields apart. */
export const FIELD = 'value';

/** Items a card lists at most: 50 blocks less the head, the foot and the "more" line. */
export const CARD_ITEMS_MAX = 40;
/** Slack refuses a message whose blocks carry much more than ~12,000 characters. */
const CARD_TEXT_BUDGET = 11_000;
const NAME_MAX = 60;
const PURPOSE_MAX = 80;

/** The **Ask for cover** button, for any view that offers it (the App Home): opens the `/cover` form. */
export function coverButton(): ButtonSpec {
  return { actionId: COVER_ACTIONS.open, text: 'Ask for cover', value: 'cover' };
}

const seconds = (ms: number) => Math.floor(ms / 1000);
const option = (text: string, value: string): PlainTextOption => ({
  text: { type: 'plain_text', text: clip(text, 75) },
  value,
});

export function coverModal(args: { fromAt: number; toAt: number; escalateMinutes: number }): ModalView {
  return {
    type: 'modal',
    callback_id: COVER_CALLBACK,
    private_metadata: '',
    title: { type: 'plain_text', text: 'Ask for cover' },
    submit: { type: 'plain_text', text: 'Post' },
    close: { type: 'plain_text', text: 'Cancel' },
    blocks: [
      context(
        'When can’t you work? Your visits in that time go on a card in your patch channel for your team to take. You get a message when someone takes one.',
      ),
      {
        type: 'input',
        block_id: 'start',
        label: { type: 'plain_text', text: 'From' },
        element: { type: 'datetimepicker', action_id: FIELD, initial_date_time: seconds(args.fromAt) },
      },
      {
        type: 'input',
        block_id: 'until',
        label: { type: 'plain_text', text: 'Until' },
        element: { type: 'datetimepicker', action_id: FIELD, initial_date_time: seconds(args.toAt) },
      },
      {
        type: 'input',
        block_id: 'note',
        optional: true,
        label: { type: 'plain_text', text: 'Note for the supervisors' },
        hint: {
          type: 'plain_text',
          text: `Never shown to your patch team. The supervisors see it if a visit is still not covered ${args.escalateMinutes} minutes before it starts.`,
        },
        element: { type: 'plain_text_input', action_id: FIELD, multiline: true, max_length: NOTE_MAX },
      },
    ],
  };
}

/** What the form turns into once the request is posted. */
export function postedView(args: { visits: number; channels: string[]; period: string }): ModalView {
  const where = args.channels.map((c) => `<#${c}>`).join(' and ');
  return {
    type: 'modal',
    title: { type: 'plain_text', text: 'Cover asked for' },
    close: { type: 'plain_text', text: 'Done' },
    blocks: [
      section(
        `:white_check_mark: Posted in ${where}: your ${args.visits === 1 ? 'visit' : `${args.visits} visits`} from ${args.period}.\nYou'll get a message from patchbot when someone takes one. If you can work after all, press *Withdraw* on the card.`,
      ),
    ],
  };
}

/** One visit on a card, with what has happened to it. */
export interface CardItem {
  itemId: number;
  status: ItemStatus;
  slots: number;
  escalateAt: number | null;
  escalatedAt: number | null;
  takes: Array<{ userId: string; takenAt: number; assignedBy: string | null }>;
  visit: {
    startsAt: number;
    minutes: number;
    clientNames: string[];
    purpose: string;
    timeCritical: boolean;
    status: VisitStatus;
    assignee: string | null;
    arrivedAt: number | null;
    arrivedBy: string | null;
    doneAt: number | null;
    doneBy: string | null;
    closeReason: string | null;
  };
}

export interface CardData {
  requestId: number;
  patchId: number;
  requester: string;
  fromAt: number;
  toAt: number;
  createdAt: number;
  withdrawnAt: number | null;
  withdrawnBy: string | null;
  items: CardItem[];
  zone: string;
}

const isOpen = (i: CardItem) => i.status === 'open';
const takeable = (i: CardItem) =>
  isOpen(i) && i.takes.length < i.slots && (i.visit.status === 'open' || i.visit.status === 'claimed');

function when(c: CardData, ms: number): string {
  const multiDay = localDate(c.fromAt, c.zone) !== localDate(c.toAt, c.zone);
  return multiDay ? dayAndTime(ms, c.zone) : localTime(ms, c.zone);
}

function visitLine(c: CardData, i: CardItem): string {
  const v = i.visit;
  const names = v.clientNames.map((n) => esc(clip(n, NAME_MAX))).join(', ') || 'a client';
  const parts = [
    `*${when(c, v.startsAt)}* ${names}`,
    `${esc(clip(v.purpose, PURPOSE_MAX))} (${v.minutes} min)`,
  ];
  if (v.timeCritical) parts.push(':pill: time-critical');
  if (i.slots >= 2) parts.push(`:busts_in_silhouette: ${i.slots} carers`);
  return parts.join(' · ');
}

function takersText(c: CardData, i: CardItem): string {
  return i.takes
    .map(
      (t) =>
        `${mention(t.userId)} at ${localTime(t.takenAt, c.zone)}${t.assignedBy ? ` (given by ${mention(t.assignedBy)})` : ''}`,
    )
    .join(' and ');
}

/** What the visit itself did, once it is under way or over (the card follows it); `strong` makes the word bold. */
function visitProgress(c: CardData, i: CardItem, strong = false): string | null {
  const v = i.visit;
  const t = (ms: number | null) => (ms === null ? '' : ` ${localTime(ms, c.zone)}`);
  const by = (u: string | null) => (u ? ` (${mention(u)})` : '');
  const reason = v.closeReason ? ` (${esc(clip(v.closeReason, 100))})` : '';
  const word = (w: string) => (strong ? `*${w[0]?.toUpperCase()}${w.slice(1)}*` : w);
  switch (v.status) {
    case 'arrived':
      return `:house: ${word('arrived')}${t(v.arrivedAt)}${by(v.arrivedBy)}`;
    case 'done':
      return `:white_check_mark: ${word('done')}${t(v.doneAt)}${by(v.doneBy)}`;
    case 'not_needed':
      return `:no_entry_sign: ${word('not needed')}${reason}`;
    case 'cancelled':
      return `:no_entry_sign: ${word('called off')}${reason}`;
    default:
      return null;
  }
}

function itemState(c: CardData, i: CardItem): string {
  const t = (ms: number) => localTime(ms, c.zone);
  const lead = i.takes[0]?.userId;
  const progress = visitProgress(c, i);
  // Someone else has the visit now (the rota's Take over, the key worker back): said as it is.
  const holder =
    i.visit.assignee && i.takes.length > 0 && !i.takes.some((x) => x.userId === i.visit.assignee)
      ? ` · now ${mention(i.visit.assignee)}'s`
      : '';
  const tail = `${holder}${progress ? ` · ${progress}` : ''}`;
  switch (i.status) {
    case 'open': {
      const toSupervisors = i.escalatedAt
        ? ` · :rotating_light: sent to the supervisors at ${t(i.escalatedAt)}`
        : i.escalateAt
          ? ` · to the supervisors at ${when(c, i.escalateAt)} if still open`
          : '';
      if (i.takes.length === 0) {
        const need = i.slots === 1 ? 'Needs a carer' : `Needs ${i.slots} carers`;
        return `:large_orange_circle: *${need}*${toSupervisors}${tail}`;
      }
      const more = i.slots - i.takes.length;
      return `:large_blue_circle: *${slotsText(i.takes.length, i.slots)}*: ${takersText(c, i)} · needs ${more} more${toSupervisors}${tail}`;
    }
    case 'covered': {
      if (i.slots === 1 && lead) {
        const take = i.takes[0];
        const verb = take?.assignedBy
          ? `*Given to* ${mention(lead)} by ${mention(take.assignedBy)} at ${t(take.takenAt)}`
          : `*Taken* by ${mention(lead)} at ${t(take?.takenAt ?? 0)}`;
        return `:white_check_mark: ${verb}${tail}`;
      }
      return `:white_check_mark: *${slotsText(i.takes.length, i.slots)}*: ${takersText(c, i)}${tail}`;
    }
    case 'withdrawn': {
      const kept = i.takes.length > 0 ? ` · ${slotsText(i.takes.length, i.slots)}: ${takersText(c, i)}` : '';
      return `:leftwards_arrow_with_hook: *Withdrawn*: ${mention(c.requester)} goes${kept}${tail}`;
    }
    case 'cancelled':
      return (
        visitProgress(c, i, true) ??
        `:no_entry_sign: *No longer needs cover*${i.visit.assignee ? `: now ${mention(i.visit.assignee)}'s visit` : ''}`
      );
  }
}

function itemBlock(c: CardData, i: CardItem, withdrawn: boolean): SectionBlock {
  const block = section(`${visitLine(c, i)}\n${itemState(c, i)}`, `cover-item:${i.itemId}`);
  if (withdrawn || !takeable(i)) return block;
  return {
    ...block,
    accessory: button({
      actionId: COVER_ACTIONS.take,
      text: 'I’ll take it',
      value: String(i.itemId),
      style: 'primary',
    }),
  };
}

/** The items a card has room for: every open one first, then the rest, shown in time order. */
function shown(items: readonly CardItem[]): CardItem[] {
  if (items.length <= CARD_ITEMS_MAX) return [...items];
  const open = items.filter(isOpen);
  const rest = items.filter((i) => !isOpen(i));
  const keep = new Set([...open, ...rest].slice(0, CARD_ITEMS_MAX));
  return items.filter((i) => keep.has(i));
}

const blockText = (b: KnownBlock): number => JSON.stringify(b).length;

/**
 * The cover card in one patch channel: who is off and when, each visit with its state and an
 * **I'll take it** button while it has a free slot, then **Take all**, **Assign…** (supervisors) and
 * **Withdraw**. Never shows the requester's note.
 */
export function cardMessage(c: CardData): { text: string; blocks: KnownBlock[] } {
  const period = periodText(c.fromAt, c.toAt, c.zone);
  const withdrawn = c.withdrawnAt !== null;
  const open = c.items.filter(takeable);
  const head = withdrawn
    ? `:busts_in_silhouette: ~Cover needed~ · ${mention(c.requester)} can work after all: *withdrawn* by ${mention(c.withdrawnBy ?? c.requester)} at ${localTime(c.withdrawnAt ?? 0, c.zone)}. Visits nobody took stay with ${mention(c.requester)}.`
    : `:busts_in_silhouette: *Cover needed* · ${mention(c.requester)} can't work ${period}\n${
        open.length > 0
          ? 'Can you take one of these visits? Press *I’ll take it*: the visit becomes yours.'
          : 'Every visit here is taken or no longer needs cover. Thank you.'
      }`;
  const blocks: KnownBlock[] = [section(head, `cover:${c.requestId}:${c.patchId}`)];
  const list = shown(c.items);
  let used = blockText(blocks[0] as KnownBlock) + 1500;
  let listed = 0;
  for (const i of list) {
    const b = itemBlock(c, i, withdrawn);
    const size = blockText(b);
    if (used + size > CARD_TEXT_BUDGET) break;
    blocks.push(b);
    used += size;
    listed++;
  }
  const hidden = c.items.length - listed;
  if (hidden > 0) {
    const hiddenOpen = open.length - list.slice(0, listed).filter(takeable).length;
    blocks.push(
      context(
        `…and ${hidden} more ${hidden === 1 ? 'visit' : 'visits'}${hiddenOpen > 0 ? ` (${hiddenOpen} still open: *Take all* takes them too)` : ''}.`,
      ),
    );
  }
  blocks.push(
    context(
      `Asked by ${mention(c.requester)} at ${dayAndTime(c.createdAt, c.zone)}${!withdrawn && open.length > 0 ? ' · Supervisors: *Assign…* gives a visit to someone' : ''}`,
    ),
  );
  if (!withdrawn && open.length > 0) {
    const value = `${c.requestId}:${c.patchId}`;
    const buttons: ButtonSpec[] = [];
    if (open.length > 1) buttons.push({ actionId: COVER_ACTIONS.takeAll, text: 'Take all', value });
    buttons.push({ actionId: COVER_ACTIONS.assign, text: 'Assign…', value });
    buttons.push({
      actionId: COVER_ACTIONS.withdraw,
      text: 'Withdraw',
      value: String(c.requestId),
      confirm: {
        title: 'Withdraw this request?',
        text: 'Visits nobody has taken stay yours. Visits already taken stay with whoever took them.',
        confirm: 'Withdraw',
        deny: 'Keep it',
      },
    });
    blocks.push(actions(`cover-actions:${c.requestId}:${c.patchId}`, buttons));
  }
  const state = withdrawn
    ? 'withdrawn'
    : `${c.items.length} ${c.items.length === 1 ? 'visit' : 'visits'}, ${open.length} open`;
  return {
    text: clip(`Cover needed: <@${c.requester}> can't work ${period} (${state})`, 3000),
    blocks,
  };
}

/** The Assign… form: which visit (the card's open ones), and to whom (the patch's assistants). */
export function assignModal(args: {
  items: Array<{ itemId: number; label: string }>;
  preselected?: number;
  people: string[];
  meta: { requestId: number; patchId: number };
}): ModalView {
  const visitOptions = args.items.slice(0, 100).map((i) => option(i.label, String(i.itemId)));
  const pre = visitOptions.find((o) => o.value === String(args.preselected));
  // Radio buttons take mrkdwn, so a person shows by name; a select shows only plain text.
  const person: KnownBlock =
    args.people.length <= 10
      ? {
          type: 'input',
          block_id: 'person',
          label: { type: 'plain_text', text: 'Give it to' },
          element: {
            type: 'radio_buttons',
            action_id: FIELD,
            options: args.people.map((u) => ({ text: { type: 'mrkdwn', text: mention(u) }, value: u })),
          },
        }
      : {
          type: 'input',
          block_id: 'person',
          label: { type: 'plain_text', text: 'Give it to (one of the patch’s assistants)' },
          element: { type: 'users_select', action_id: FIELD },
        };
  return {
    type: 'modal',
    callback_id: ASSIGN_CALLBACK,
    private_metadata: JSON.stringify(args.meta),
    title: { type: 'plain_text', text: 'Assign a visit' },
    submit: { type: 'plain_text', text: 'Assign' },
    close: { type: 'plain_text', text: 'Cancel' },
    blocks: [
      context('The visit becomes theirs, and they and the person who asked for cover are told.'),
      {
        type: 'input',
        block_id: 'item',
        label: { type: 'plain_text', text: 'Visit' },
        element: {
          type: 'static_select',
          action_id: FIELD,
          placeholder: { type: 'plain_text', text: 'Which visit?' },
          options: visitOptions,
          ...(pre ? { initial_option: pre } : {}),
        },
      },
      person,
    ],
  };
}

/** One visit someone took or was given from a request, for the note to the requester. */
export interface NoteLine {
  startsAt: number;
  clientNames: string[];
  purpose: string;
  channel: string;
  assignedBy: string | null;
  takes: number;
  slots: number;
}

/** The private note to the person who asked: who took which of their visits. */
export function noteText(args: {
  taker: string;
  lines: NoteLine[];
  zone: string;
  multiDay: boolean;
}): string {
  const lines = args.lines.map((l) => {
    const at = args.multiDay ? dayAndTime(l.startsAt, args.zone) : localTime(l.startsAt, args.zone);
    const names = l.clientNames.map((n) => `*${esc(clip(n, NAME_MAX))}*`).join(', ') || 'a client';
    const how = l.assignedBy ? ` (given by ${mention(l.assignedBy)})` : '';
    const more =
      l.takes < l.slots ? ` · ${slotsText(l.takes, l.slots)}, still needs ${l.slots - l.takes} more` : '';
    return `• ${at} ${names}, ${esc(clip(l.purpose, PURPOSE_MAX))} in <#${l.channel}>${how}${more}`;
  });
  const one = args.lines.length === 1;
  return clip(
    `:white_check_mark: ${mention(args.taker)} took ${one ? 'your visit' : `${args.lines.length} of your visits`} from your cover request. You don't need to go:\n${lines.join('\n')}`,
    3000,
  );
}
