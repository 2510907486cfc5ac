import type { KnownBlock } from '@slack/types';
import { ESC_ACTIONS } from '../escalation/views.ts';
import { actions, type ButtonSpec, clip, context, esc, mention, section } from '../slack/blocks.ts';
import { localTime, MINUTE } from '../time.ts';
import type { VisitStatus } from '../visits/model.ts';

/** Block Kit for late / missed alerts, the supervisors' notes, and unclaimed pop-back nudges. */

export const ALERT_ACTIONS = { arrived: 'alert_arrived', onway: 'alert_onway' } as const;

export interface AlertData {
  visitId: number;
  clientName: string;
  purpose: string;
  startsAt: number;
  minutes: number;
  timeCritical: boolean;
  carers: number;
  assignee: string | null;
  assistants: string[];
  patchName: string;
  patchChannel: string;
  level: 'late' | 'missed';
  status: VisitStatus;
  arrivedAt: number | null;
  arrivedBy: string | null;
  closedBy: string | null;
  closeReason: string | null;
  onWayBy: string | null;
  onWayAt: number | null;
  zone: string;
  /** The delegated health tasks the visit needs, by name. */
  tasks?: string[];
}

const minutesLate = (a: AlertData) => Math.max(0, Math.round(((a.arrivedAt ?? 0) - a.startsAt) / MINUTE));

function visitLine(a: AlertData): string {
  const flags = [
    a.timeCritical ? ':pill: time-critical' : '',
    a.carers > 1 ? `:busts_in_silhouette: ${a.carers} carers` : '',
    a.tasks?.length ? `:stethoscope: ${a.tasks.map((t) => esc(clip(t, 60))).join(', ')}` : '',
  ]
    .filter(Boolean)
    .join(' · ');
  return `*${esc(a.clientName)}* · ${localTime(a.startsAt, a.zone)} ${esc(a.purpose)} (${a.minutes} min)${flags ? ` · ${flags}` : ''}`;
}

/** How it ended, once someone arrived or it was called off; null while it is still open. */
function resolution(a: AlertData): string | null {
  const t = (ms: number) => localTime(ms, a.zone);
  if (a.arrivedAt !== null) {
    const late = minutesLate(a);
    return `:white_check_mark: *Arrived ${t(a.arrivedAt)}*, ${late} min late${a.arrivedBy ? ` · ${mention(a.arrivedBy)}` : ''}`;
  }
  if (a.status === 'not_needed') {
    return `:no_entry_sign: *Not needed* (${esc(a.closeReason ?? 'no reason given')})${a.closedBy ? ` · ${mention(a.closedBy)}` : ''}`;
  }
  if (a.status === 'cancelled') return ':no_entry_sign: *Called off* (the plan changed)';
  return null;
}

export function alertMessage(a: AlertData): { text: string; blocks: KnownBlock[] } {
  const head = a.level === 'late' ? ':warning: *Late visit*' : ':red_circle: *Missed visit*';
  const blocks: KnownBlock[] = [section(`${head} · ${visitLine(a)}`, `alert:${a.visitId}`)];
  const done = resolution(a);
  const medIssue: ButtonSpec = {
    actionId: ESC_ACTIONS.open,
    text: 'Medication issue',
    value: String(a.visitId),
  };
  if (done) {
    blocks.push(section(done, `resolved:${a.visitId}`));
    blocks.push(actions(`alert-actions:${a.visitId}`, [medIssue]));
  } else {
    const who = a.assignee ? mention(a.assignee) : 'Nobody is assigned';
    blocks.push(
      section(
        a.level === 'late'
          ? `${who}: nobody has checked in yet.`
          : `${a.assistants.map(mention).join(' ')}: nobody has checked in. The supervisors have been told.`,
        `who:${a.visitId}`,
      ),
    );
    if (a.onWayBy && a.onWayAt) {
      blocks.push(
        context(`:running: ${mention(a.onWayBy)} is on the way (since ${localTime(a.onWayAt, a.zone)})`),
      );
    }
    blocks.push(
      actions(`alert-actions:${a.visitId}`, [
        { actionId: ALERT_ACTIONS.arrived, text: 'Arrived', value: String(a.visitId), style: 'primary' },
        { actionId: ALERT_ACTIONS.onway, text: "I'm on my way", value: String(a.visitId) },
        medIssue,
      ]),
    );
  }
  const state = done ? 'resolved' : a.level;
  return {
    text: clip(
      `${a.level === 'late' ? 'Late' : 'Missed'} visit: ${esc(a.clientName)} ${localTime(a.startsAt, a.zone)} (${state})`,
      3000,
    ),
    blocks,
  };
}

/** The reply in the alert's thread when it turns to missed: mentions in a new message notify, edits don't. */
export function missedCall(a: AlertData): { text: string } {
  return {
    text: `${a.assistants.map(mention).join(' ')} the ${localTime(a.startsAt, a.zone)} visit to *${esc(a.clientName)}* is missed: can one of you go now? The supervisors have been told.`,
  };
}

export interface UnclaimedData {
  visitId: number;
  kindLabel: string;
  clientNames: string[];
  soon: string;
  createdAt: number;
  requestedBy: string | null;
  assistants: string[];
  patchName: string;
  patchChannel: string;
  status: VisitStatus;
  claimedBy: Array<{ userId: string; at: number }>;
  zone: string;
}

function claimedLine(u: UnclaimedData): string | null {
  if (u.claimedBy.length > 0) {
    return `:white_check_mark: Claimed by ${u.claimedBy.map((c) => `${mention(c.userId)} at ${localTime(c.at, u.zone)}`).join(' and ')}`;
  }
  if (u.status === 'cancelled') return ':no_entry_sign: Cancelled';
  if (u.status === 'done') return ':white_check_mark: Done';
  return null;
}

export function nudgeMessage(
  u: UnclaimedData,
  claimActionId: string,
): { text: string; blocks: KnownBlock[] } {
  const names = u.clientNames.map((n) => `*${esc(n)}*`).join(', ');
  const waited = `asked at ${localTime(u.createdAt, u.zone)}, ${u.soon}`;
  const blocks: KnownBlock[] = [
    section(
      `:hourglass_flowing_sand: *Still unclaimed:* ${u.kindLabel} for ${names} (${waited}).`,
      `nudge:${u.visitId}`,
    ),
  ];
  const claimed = claimedLine(u);
  if (claimed) blocks.push(section(claimed, `nudge-state:${u.visitId}`));
  else {
    blocks.push(
      section(`${u.assistants.map(mention).join(' ')} can one of you take it?`, `nudge-who:${u.visitId}`),
    );
    blocks.push(
      actions(`nudge-actions:${u.visitId}`, [
        { actionId: claimActionId, text: 'Claim', value: String(u.visitId), style: 'primary' },
      ]),
    );
  }
  return {
    text: clip(`Still unclaimed: ${u.kindLabel} for ${u.clientNames.map(esc).join(', ')}`, 3000),
    blocks,
  };
}
