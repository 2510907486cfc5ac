import type { Db } from '../../db/index.ts';
import { assistantsOf, providerSettings, taskNames } from '../patches/store.ts';
import { POPBACK_ACTIONS } from '../popback/views.ts';
import type { Renderer } from '../slack/outbox.ts';
import { localTime } from '../time.ts';
import { type FlexKind, KIND_LABEL, URGENCY_LABEL, type Urgency } from '../visits/model.ts';
import { loadVisit, type VisitRecord } from '../visits/store.ts';
import { type AlertData, alertMessage, missedCall, nudgeMessage, type UnclaimedData } from './views.ts';

/** Renderers for the alert subjects: each reads the visit as it is now. */

const idOf = (subject: string) => Number(subject.split(':')[1]);

function alertData(db: Db, rec: VisitRecord): AlertData | null {
  const v = rec.visit;
  if (v.alertLevel === null || v.startsAt === null) return null;
  return {
    visitId: v.id,
    clientName: rec.clients[0]?.name ?? '',
    purpose: v.purpose,
    startsAt: v.startsAt,
    minutes: v.minutes ?? 0,
    timeCritical: v.timeCritical,
    carers: v.carersNeeded,
    assignee: v.assignee,
    assistants: assistantsOf(db, v.patchId),
    patchName: rec.patch.name,
    patchChannel: rec.patch.channelId,
    level: v.alertLevel,
    status: v.status,
    arrivedAt: v.arrivedAt,
    arrivedBy: v.arrivedBy,
    closedBy: v.closedBy,
    closeReason: v.closeReason,
    onWayBy: v.onWayBy,
    onWayAt: v.onWayAt,
    zone: providerSettings(db).timezone,
    tasks: tasksOf(db, v.requiredTasks),
  };
}

/** The visit's required task codes (`insulin,eye_drops`) as the set-up names them. */
function tasksOf(db: Db, stored: string): string[] {
  const codes = stored.split(',').filter((c) => c !== '');
  if (codes.length === 0) return [];
  const names = taskNames(db);
  return codes.map((c) => names.get(c) ?? c);
}

function withAlert(db: Db, subject: string) {
  const rec = loadVisit(db, idOf(subject));
  return rec ? alertData(db, rec) : null;
}

/** `alert:<id>` in the patch channel, and `alert:<id>:call`, the missed call in its thread. */
export const renderAlert: Renderer = (db, subject) => {
  const a = withAlert(db, subject);
  if (!a) return null;
  return subject.endsWith(':call') ? missedCall(a) : alertMessage(a);
};

function unclaimedData(db: Db, subject: string): UnclaimedData | null {
  const rec = loadVisit(db, idOf(subject));
  if (!rec || rec.visit.kind === 'fixed') return null;
  const v = rec.visit;
  const zone = providerSettings(db).timezone;
  const urgency = (v.urgency ?? 'asap') as Urgency;
  return {
    visitId: v.id,
    kindLabel: KIND_LABEL[v.kind as FlexKind],
    clientNames: rec.clients.map((c) => c.name),
    soon:
      urgency === 'by' || urgency === 'hour'
        ? `needed by ${localTime(v.startsAt ?? v.createdAt, zone)}`
        : URGENCY_LABEL[urgency].toLowerCase(),
    createdAt: v.createdAt,
    requestedBy: v.requestedBy,
    assistants: assistantsOf(db, v.patchId),
    patchName: rec.patch.name,
    patchChannel: rec.patch.channelId,
    status: v.status,
    claimedBy: rec.carers,
    zone,
  };
}

/** `nudge:<id>`: the re-announcement in the patch channel, with its own Claim button. */
export const renderNudge: Renderer = (db, subject) => {
  const u = unclaimedData(db, subject);
  return u ? nudgeMessage(u, POPBACK_ACTIONS.claim) : null;
};
