import type { KnownBlock, ModalView, PlainTextOption, SectionBlock } from '@slack/types';
import { button, clip, context, esc, mention, section } from '../slack/blocks.ts';
import { localDate, localTime } from '../time.ts';
import type { VisitStatus } from '../visits/model.ts';
import { dayWords, MAX_YEARS, type MissingSignoff, REMIND_DAYS } from './model.ts';

/**
 * Block Kit and words for competencies: the sign-off form (with the person's current sign-offs and a
 * Withdraw button on each), the "whose sign-offs?" picker, the refusal a carer sees, the notes to the
 * assistant, the reminders and the supervisors' flag for a visit whose carer is not signed off. Pure.
 */

export const COMPETENCE_SHORTCUT = 'competence_signoff';
export const PICK_CALLBACK = 'competence_pick';
export const SIGNOFF_CALLBACK = 'competence_signoff_submit';
export const COMPETENCE_ACTIONS = { withdraw: 'competence_withdraw' } as const;
/** The one action id every modal input uses; block ids tell the fields apart. */
export const FIELD = 'value';

const NAME_MAX = 60;
/** A task's name as shown in mrkdwn: escaped, clipped, bold. */
const bold = (name: string) => `*${esc(clip(name, NAME_MAX))}*`;

/** "*Insulin injection*", "*Insulin injection* and *Eye drops*", "*A*, *B* and *C*". */
export function andList(items: readonly string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} and ${items.at(-1)}`;
}

function whyWords(m: MissingSignoff): string {
  switch (m.why) {
    case 'never':
      return 'never signed off';
    case 'expired':
      return `ran out after ${dayWords(m.expiredOn)}`;
    case 'withdrawn':
      return m.by ? `withdrawn by ${mention(m.by)}` : 'withdrawn';
  }
}

/** "*Insulin injection* (never signed off) and *Eye drops* (ran out after Sun 22 Nov 2026)". */
export function missingWords(missing: readonly MissingSignoff[]): string {
  return andList(missing.map((m) => `${bold(m.name)} (${whyWords(m)})`));
}

const whoSigns = (supervisors: readonly string[]) =>
  supervisors.length > 0 ? `: ${supervisors.map(mention).join(' ')}` : '';

/**
 * The private answer when a visit is refused for want of a sign-off. `who` is the person it would go
 * to; `self` when that is the person who pressed.
 */
export function describeMissing(
  missing: readonly MissingSignoff[],
  opts: { who: string; self: boolean; supervisors: readonly string[] },
): string {
  if (opts.self) {
    return `You can't take this visit: you are not signed off for ${missingWords(missing)}, which it needs. Ask a supervisor to sign you off${whoSigns(opts.supervisors)}.`;
  }
  return `${mention(opts.who)} can't have this visit: they are not signed off for ${missingWords(missing)}, which it needs. A supervisor can sign them off with /competence${whoSigns(opts.supervisors)}.`;
}

/** The refusal when someone would become a client's key worker without the sign-offs the client's visits need. */
export function describeKeyWorkerMissing(
  missing: readonly MissingSignoff[],
  opts: { who: string; clientName: string; supervisors: readonly string[] },
): string {
  return `${mention(opts.who)} can't be ${esc(clip(opts.clientName, 80))}'s key worker: they are not signed off for ${missingWords(missing)}, which the visits need. A supervisor can sign them off with /competence${whoSigns(opts.supervisors)}.`;
}

// ---------- the forms ----------

const option = (text: string, value: string): PlainTextOption => ({
  text: { type: 'plain_text', text: clip(text, 75) },
  value,
});

/** "Whose sign-offs?": the global shortcut, or /competence without a name. */
export function pickModal(): ModalView {
  return {
    type: 'modal',
    callback_id: PICK_CALLBACK,
    title: { type: 'plain_text', text: 'Sign-offs' },
    submit: { type: 'plain_text', text: 'Next' },
    close: { type: 'plain_text', text: 'Cancel' },
    blocks: [
      {
        type: 'input',
        block_id: 'who',
        label: { type: 'plain_text', text: 'Whose sign-offs?' },
        hint: {
          type: 'plain_text',
          text: 'A care assistant. You see their sign-offs, and can sign them off for a task or withdraw one.',
        },
        element: {
          type: 'users_select',
          action_id: FIELD,
          placeholder: { type: 'plain_text', text: 'Choose a care assistant' },
        },
      },
    ],
  };
}

export interface ShownSignoff {
  id: number;
  taskName: string;
  expiresOn: string;
  signedBy: string;
  signedAt: number;
}

export interface SignoffModalData {
  userId: string;
  patchNames: string[];
  signoffs: ShownSignoff[];
  /** The tasks that may be chosen, code → name. */
  tasks: ReadonlyMap<string, string>;
  today: string;
  zone: string;
  /** The expiry the date picker starts at. */
  suggestedExpiry: string;
  /** What just happened, shown at the top ("Signed off for …"). */
  note?: string;
}

/** What the form carries: whose sign-offs it shows. */
export interface SignoffMeta {
  userId: string;
}

/** "valid through Mon 22 Nov 2027", "ran out after …", with a mark when it runs out soon. */
function stateOf(s: ShownSignoff, today: string): string {
  if (s.expiresOn < today) return `:x: ran out after ${dayWords(s.expiresOn)}`;
  const soon = dayWords(s.expiresOn);
  const days = Math.round((Date.parse(s.expiresOn) - Date.parse(today)) / 86_400_000);
  return days <= REMIND_DAYS
    ? `:hourglass_flowing_sand: valid through ${soon} (${days === 0 ? 'last day today' : `${days} days left`})`
    : `valid through ${soon}`;
}

function signoffLine(d: SignoffModalData, s: ShownSignoff): SectionBlock {
  const signed = `signed off by ${mention(s.signedBy)} on ${dayWords(localDate(s.signedAt, d.zone))}`;
  return {
    ...section(`${bold(s.taskName)} · ${stateOf(s, d.today)}\n${signed}`, `signoff:${s.id}`),
    accessory: button({
      actionId: COMPETENCE_ACTIONS.withdraw,
      text: 'Withdraw',
      value: String(s.id),
      style: 'danger',
      confirm: {
        title: 'Withdraw this sign-off?',
        text: `${mention(d.userId)} will no longer be able to take visits that need ${bold(s.taskName)}.`,
        confirm: 'Withdraw',
        deny: 'Keep it',
      },
    }),
  };
}

/** The sign-off form: the person's current sign-offs, each with Withdraw, then a new sign-off. */
export function signoffModal(d: SignoffModalData): ModalView {
  const blocks: KnownBlock[] = [];
  if (d.note) blocks.push(section(d.note, 'note'));
  const where = d.patchNames.length > 0 ? ` · ${d.patchNames.map((n) => esc(clip(n, 80))).join(', ')}` : '';
  blocks.push(section(`*Delegated health tasks of ${mention(d.userId)}*${where}`, 'intro'));
  const shown = [...d.signoffs].sort((a, b) => a.taskName.localeCompare(b.taskName)).slice(0, 90);
  if (shown.length === 0) blocks.push(context('Not signed off for any task yet.'));
  for (const s of shown) blocks.push(signoffLine(d, s));
  blocks.push({ type: 'divider' });
  const options = [...d.tasks].slice(0, 100).map(([code, name]) => option(name, code));
  const view: ModalView = {
    type: 'modal',
    callback_id: SIGNOFF_CALLBACK,
    private_metadata: JSON.stringify({ userId: d.userId } satisfies SignoffMeta),
    title: { type: 'plain_text', text: 'Sign-offs' },
    close: { type: 'plain_text', text: 'Close' },
    blocks,
  };
  if (options.length === 0) {
    blocks.push(
      context('No delegated health tasks are set up: an admin lists them under `tasks:` in the roster.'),
    );
    return view;
  }
  blocks.push(
    {
      type: 'input',
      block_id: 'task',
      label: { type: 'plain_text', text: 'Sign off for' },
      hint: {
        type: 'plain_text',
        text: 'Signing off again for a task they already have replaces it with the new date.',
      },
      element: {
        type: 'static_select',
        action_id: FIELD,
        placeholder: { type: 'plain_text', text: 'Choose a task' },
        options,
      },
    },
    {
      type: 'input',
      block_id: 'expires',
      label: { type: 'plain_text', text: 'Valid through' },
      hint: {
        type: 'plain_text',
        text: `The last day it is valid: after today, at most ${MAX_YEARS} years ahead. They and the supervisors are reminded ${REMIND_DAYS} days before.`,
      },
      element: { type: 'datepicker', action_id: FIELD, initial_date: d.suggestedExpiry },
    },
  );
  return { ...view, submit: { type: 'plain_text', text: 'Sign off' } };
}

/** A short page in place of the form, for someone who may not use it (the global shortcut has no private answer). */
export function noticeModal(text: string): ModalView {
  return {
    type: 'modal',
    title: { type: 'plain_text', text: 'Sign-offs' },
    close: { type: 'plain_text', text: 'Close' },
    blocks: [section(text, 'notice')],
  };
}

/** A person's own sign-offs, for the private answer to someone who may not sign others off. */
export function ownSignoffsText(signoffs: readonly ShownSignoff[], today: string): string {
  if (signoffs.length === 0) return 'You are not signed off for any delegated health task yet.';
  const lines = [...signoffs]
    .sort((a, b) => a.taskName.localeCompare(b.taskName))
    .map((s) => `• ${bold(s.taskName)}: ${stateOf(s, today)} (signed off by ${mention(s.signedBy)})`);
  return `Your sign-offs:\n${lines.join('\n')}`;
}

// ---------- messages ----------

export interface SignoffNote {
  userId: string;
  taskName: string;
  expiresOn: string;
  signedBy: string;
  renewed: boolean;
}

/** The direct message to the assistant when they are signed off. */
export function signedMessage(n: SignoffNote): { text: string } {
  const what = n.renewed ? 'renewed your sign-off for' : 'signed you off for';
  return {
    text: `:white_check_mark: ${mention(n.signedBy)} ${what} ${bold(n.taskName)}, valid through *${dayWords(n.expiresOn)}*. You can take visits that need it.`,
  };
}

/** The direct message to the assistant when a sign-off is withdrawn. */
export function withdrawnMessage(n: { taskName: string; withdrawnBy: string | null }): { text: string } {
  const by = n.withdrawnBy ? `${mention(n.withdrawnBy)} withdrew` : 'A supervisor withdrew';
  return {
    text: `:no_entry_sign: ${by} your sign-off for ${bold(n.taskName)}. Until you are signed off again you can't take visits that need it; any of yours today or tomorrow that do go to the supervisors to rearrange.`,
  };
}

export interface ReminderData {
  userId: string;
  taskName: string;
  expiresOn: string;
  signedBy: string;
  supervisors: string[];
}

/** To the assistant, 14 days before their sign-off's last day. */
export function reminderMessage(r: ReminderData): { text: string } {
  return {
    text: `:hourglass_flowing_sand: Your sign-off for ${bold(r.taskName)} runs out after *${dayWords(r.expiresOn)}*. After that you can't take visits that need it. Ask a supervisor to renew it${whoSigns(r.supervisors)}.`,
  };
}

/** To the supervisors' channel, the same day. */
export function supervisorsReminder(r: ReminderData): { text: string } {
  return {
    text: `:hourglass_flowing_sand: ${mention(r.userId)}'s sign-off for ${bold(r.taskName)} runs out after *${dayWords(r.expiresOn)}* (signed off by ${mention(r.signedBy)}). Renew it with /competence.`,
  };
}

export interface LapseData {
  visitId: number;
  clientName: string;
  purpose: string;
  date: string;
  startsAt: number;
  zone: string;
  patchName: string;
  patchChannel: string;
  status: VisitStatus;
  assignee: string | null;
  /** Every task the visit needs, by name. */
  needs: string[];
  /** What its carer lacks now (empty: sorted). */
  missing: MissingSignoff[];
}

/** A visit no longer open: its head and its words. */
const CLOSED: Partial<Record<VisitStatus, [string, string]>> = {
  done: [':white_check_mark: *Done*', 'This visit is done.'],
  cancelled: [':white_check_mark: *No longer needed*', 'This visit was called off.'],
  not_needed: [':white_check_mark: *No longer needed*', 'This visit was marked not needed.'],
  arrived: [':house: *Under way*', 'Someone is there now.'],
};

/** The supervisors' flag for a visit whose carer is not signed off for what it needs, drawn as it is now. */
export function lapseMessage(l: LapseData): { text: string; blocks: KnownBlock[] } {
  const when = `${dayWords(l.date)} ${localTime(l.startsAt, l.zone)}`;
  const visit = `*${esc(clip(l.clientName, 80))}* · ${when} · ${esc(clip(l.purpose, 200))} · ${esc(clip(l.patchName, 80))} <#${l.patchChannel}>`;
  const needs = andList(l.needs.map(bold));
  const closed = CLOSED[l.status];
  let head: string;
  let body: string;
  if (closed) {
    [head, body] = closed;
  } else if (l.assignee === null) {
    head = ':warning: *Nobody signed off has this visit*';
    body = `Nobody has it now. It needs ${needs}: give it to someone signed off for ${l.needs.length > 1 ? 'them' : 'it'}.`;
  } else if (l.missing.length > 0) {
    head = ':warning: *Not signed off for this visit*';
    body = `${mention(l.assignee)} has this visit and is not signed off for ${missingWords(l.missing)}. Sign them off with /competence, or ask someone who is signed off to take it over.`;
  } else {
    head = ':white_check_mark: *Sorted*';
    body = `${mention(l.assignee)} has this visit and is signed off for ${needs}.`;
  }
  const state = closed
    ? 'no longer needed'
    : l.assignee && l.missing.length === 0
      ? 'sorted'
      : 'not signed off';
  return {
    text: clip(`Sign-off for a visit: ${esc(l.clientName)} ${when} (${state})`, 3000),
    blocks: [section(`${head} · ${visit}`, `lapse:${l.visitId}`), section(body, `lapse-who:${l.visitId}`)],
  };
}
