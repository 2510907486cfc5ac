import type { Db } from '../../db/index.ts';
import { escalationConfig, getPatch, providerSettings } from '../patches/store.ts';
import { esc, mention, mentionAll } from '../slack/blocks.ts';
import type { Renderer } from '../slack/outbox.ts';
import { localTime } from '../time.ts';
import { type FlexKind, KIND_LABEL, URGENCY_LABEL, type Urgency } from '../visits/model.ts';
import { getVisitRow } from '../visits/store.ts';
import { clientName, type EscalationRow, firstStep, getEscalation, getEvent } from './store.ts';
import { OUTCOME_LABEL, type Outcome, type ParentData, parentMessage, WHAT_LABEL } from './views.ts';

/** Renderers for `esc:<id>` (the parent), `esc:<id>:ev:<event>` (thread replies) and `escpatch:<id>`. */

function about(db: Db, e: EscalationRow, zone: string): string {
  const client = clientName(db, e.clientId);
  const who = client ? `*${esc(client.name)}*` : 'a client';
  const t = (ms: number) => localTime(ms, zone);
  if (e.kind === 'medication') {
    const bits = [
      who,
      whatLabel(e.what) ?? 'Medication',
      e.timeCritical ? ':alarm_clock: time-critical medicine' : '',
      e.urgency === 'now' ? 'needs a supervisor *now*' : 'today',
      `raised by ${e.raisedBy ? mention(e.raisedBy) : 'the office'} at ${t(e.raisedAt)}`,
    ];
    return bits.filter(Boolean).join(' · ');
  }
  const v = e.visitId === null ? undefined : getVisitRow(db, e.visitId);
  if (e.kind === 'uncovered_visit') {
    const start = v?.startsAt ? t(v.startsAt) : '';
    // Raised for the person who asked for cover (cover/), or else the visit's planned carer.
    const off = e.raisedBy ?? v?.plannedAssignee ?? v?.assignee;
    return `${who} · ${start} ${esc(v?.purpose ?? '')} (${v?.minutes ?? 0} min) · ${off ? mention(off) : 'its carer'} cannot come and the visit is not covered · starts at ${start}`;
  }
  if (e.kind === 'missed_visit') {
    const start = v?.startsAt ? t(v.startsAt) : '';
    return `${who} · ${start} ${esc(v?.purpose ?? '')} (${v?.minutes ?? 0} min) · assigned ${v?.assignee ? mention(v.assignee) : 'nobody'} · nobody had checked in by ${t(e.raisedAt)}`;
  }
  const urgency = (v?.urgency ?? 'asap') as Urgency;
  const soon =
    urgency === 'by' || urgency === 'hour'
      ? `needed by ${t(v?.startsAt ?? e.raisedAt)}`
      : URGENCY_LABEL[urgency].toLowerCase();
  const kind = v ? KIND_LABEL[v.kind as FlexKind] : 'Pop-back';
  return `${kind} for ${who}, ${soon}; asked at ${t(v?.createdAt ?? e.raisedAt)}${v?.requestedBy ? ` by ${mention(v.requestedBy)}` : ''}. Nobody has claimed it after a reminder.`;
}

/** What happened, in words; null for a value that is not one of ours (never an inherited name). */
function whatLabel(what: string | null): string | null {
  return what !== null && Object.hasOwn(WHAT_LABEL, what)
    ? WHAT_LABEL[what as keyof typeof WHAT_LABEL]
    : null;
}

/** In mrkdwn: a supervisor's note is escaped; an automatic close's note is the bot's own (mentions). */
function resolution(e: EscalationRow): string | null {
  if (e.status !== 'resolved') return null;
  if (e.outcome && Object.hasOwn(OUTCOME_LABEL, e.outcome)) {
    const label = OUTCOME_LABEL[e.outcome as Outcome];
    return e.outcomeNote ? `${label}. ${esc(e.outcomeNote)}` : label;
  }
  if (e.outcomeNote === null) return 'closed';
  return e.outcome === 'auto' ? e.outcomeNote : esc(e.outcomeNote);
}

function parentData(db: Db, e: EscalationRow): ParentData {
  const zone = providerSettings(db).timezone;
  const patch = getPatch(db, e.patchId);
  return {
    id: e.id,
    kind: e.kind,
    patchName: patch?.name ?? '',
    patchChannel: patch?.channelId ?? '',
    clientName: clientName(db, e.clientId)?.name ?? null,
    about: about(db, e, zone),
    note: e.note,
    status: e.status,
    onCall: onCallWhenRaised(db, e),
    step: e.step,
    round: e.round,
    rounds: escalationConfig(db).rounds,
    nextAt: e.status === 'open' ? e.nextAt : null,
    ackedBy: e.ackedBy,
    ackedAt: e.ackedAt,
    resolvedBy: e.resolvedBy,
    resolvedAt: e.resolvedAt,
    resolution: resolution(e),
    zone,
  };
}

/** The supervisor the first step called, when one was on call at the time. */
function onCallWhenRaised(db: Db, e: EscalationRow): string | null {
  const first = firstStep(db, e.id);
  const d = parseDetail(first?.detail ?? null);
  return d.step === 'oncall' && d.who?.length === 1 ? (d.who[0] ?? null) : null;
}

function parseDetail(json: string | null): StepDetail {
  try {
    return json ? (JSON.parse(json) as StepDetail) : {};
  } catch {
    return {};
  }
}

interface StepDetail {
  step?: string;
  round?: number;
  who?: string[];
  owner?: string | null;
  outcome?: string;
  why?: string;
}

function replyText(
  db: Db,
  e: EscalationRow,
  action: string,
  actor: string | null,
  d: StepDetail,
  zone: string,
): string {
  const cfg = escalationConfig(db);
  const subject =
    e.kind === 'medication'
      ? 'this medication issue'
      : e.kind === 'missed_visit'
        ? 'this missed visit'
        : e.kind === 'uncovered_visit'
          ? 'this uncovered visit'
          : 'this unclaimed pop-back';
  switch (action) {
    case 'step': {
      const who = d.who ?? [];
      if (d.step === 'oncall') {
        return who.length === 1
          ? `${mention(who[0] as string)} you are on call: please acknowledge ${subject}.`
          : `Nobody is on call right now. ${mentionAll(who)}: please acknowledge ${subject}.`;
      }
      if (d.step === 'supervisors')
        return `Not acknowledged yet. ${who.map(mention).join(' ')} please acknowledge ${subject}.`;
      const last = (d.round ?? 1) >= cfg.rounds;
      return `<!here> ${subject} is still not acknowledged (round ${d.round ?? 1} of ${cfg.rounds}). Can anyone take it?${last ? ' This is the last call: phone the on-call supervisor.' : ''}`;
    }
    case 'acknowledged':
      return `:raising_hand: Acknowledged by ${actor ? mention(actor) : 'someone'}, who owns it now.`;
    case 'reminded':
      return `${d.owner ? mention(d.owner) : 'Owner'}: a reminder that ${subject} is still open. Resolve it when it is dealt with.`;
    case 'unacknowledged':
      return `${d.owner ? `${mention(d.owner)} acknowledged ${subject} but` : 'It'} has not resolved it in time: escalating again.`;
    case 'resolved':
      return `:white_check_mark: Resolved by ${actor ? mention(actor) : 'someone'}: ${resolution(e) ?? ''}`;
    case 'auto_resolved':
      return `:white_check_mark: Resolved: ${d.why ?? 'closed'}.`;
    default:
      return `${action} at ${localTime(e.raisedAt, zone)}`;
  }
}

export const renderEscalation: Renderer = (db, subject) => {
  const parts = subject.split(':');
  const e = getEscalation(db, Number(parts[1]));
  if (!e) return null;
  if (parts[2] !== 'ev') return parentMessage(parentData(db, e));
  const ev = getEvent(db, Number(parts[3]));
  if (!ev) return null;
  return {
    text: replyText(db, e, ev.action, ev.actor, parseDetail(ev.detail), providerSettings(db).timezone),
  };
};

/** The one short message in the patch channel: that it was escalated, then who took it. No note text. */
export const renderPatchNote: Renderer = (db, subject) => {
  const e = getEscalation(db, Number(subject.split(':')[1]));
  if (!e) return null;
  const client = clientName(db, e.clientId);
  const head = `:pill: Medication issue for *${esc(client?.name ?? 'a client')}*${whatLabel(e.what) ? ` (${whatLabel(e.what)?.toLowerCase()})` : ''} escalated to the supervisors${e.raisedBy ? ` by ${mention(e.raisedBy)}` : ''}.`;
  const zone = providerSettings(db).timezone;
  const state =
    e.status === 'resolved'
      ? ` Resolved${e.resolvedBy ? ` by ${mention(e.resolvedBy)}` : ''} at ${localTime(e.resolvedAt ?? 0, zone)}.`
      : e.status === 'acknowledged'
        ? ` Acknowledged by ${e.ackedBy ? mention(e.ackedBy) : 'a supervisor'} at ${localTime(e.ackedAt ?? 0, zone)}.`
        : ' Waiting for a supervisor to acknowledge it.';
  return { text: head + state };
};
