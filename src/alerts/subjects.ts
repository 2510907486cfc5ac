import type { Db } from '../../db/index.ts';
import { markDue, markDueIfExists, PRIORITY, type SubjectKind } from '../slack/outbox.ts';
import { renderAlert, renderNudge } from './render.ts';

/** The alert messages: a late or missed visit's alert (with a thread reply when it turns missed) and an unclaimed pop-back's re-announcement. */

export const alertSubject = (visitId: number): string => `alert:${visitId}`;
export const missedCallSubject = (visitId: number): string => `alert:${visitId}:call`;
export const nudgeSubject = (visitId: number): string => `nudge:${visitId}`;

export const alertSubjects: SubjectKind[] = [
  { prefix: 'alert:', priority: PRIORITY.alert, render: renderAlert },
  { prefix: 'nudge:', priority: PRIORITY.alert, render: renderNudge },
];

export function dueAlert(tx: Db, visitId: number, channel: string, now: number): void {
  markDue(tx, { subject: alertSubject(visitId), channel, priority: PRIORITY.alert }, now);
}

/** The missed visit's call to the team, a reply in the alert's thread: a new message notifies, an edit does not. */
export function dueMissedCall(tx: Db, visitId: number, channel: string, now: number): void {
  markDue(
    tx,
    {
      subject: missedCallSubject(visitId),
      channel,
      priority: PRIORITY.alert,
      threadSubject: alertSubject(visitId),
    },
    now,
  );
}

export function dueNudge(tx: Db, visitId: number, channel: string, now: number): void {
  markDue(tx, { subject: nudgeSubject(visitId), channel, priority: PRIORITY.alert }, now);
}

/** A visit changed: bring its alert and re-announcement up to date, where they exist. */
export function touchAlerts(tx: Db, visitId: number, now: number): void {
  markDueIfExists(tx, alertSubject(visitId), now);
  markDueIfExists(tx, nudgeSubject(visitId), now);
}
