import type { Db } from '../../db/index.ts';
import { inTransaction } from '../../db/index.ts';
import type { ServiceDeps } from '../deps.ts';
import { getPatch, providerSettings } from '../patches/store.ts';
import { markDue, PRIORITY, type Renderer, type SubjectKind } from '../slack/outbox.ts';
import { isFlexible } from '../visits/model.ts';
import { createVisit, type Reaction } from '../visits/service.ts';
import { loadVisit } from '../visits/store.ts';
import type { FlexKind, PopbackRequest, Urgency } from './model.ts';
import { requestCard } from './views.ts';

/** Pop-backs: a request becomes a flexible visit with a card in the patch channel that follows it. */

export const cardSubject = (visitId: number): string => `popback:${visitId}`;

function dueCard(tx: Db, visitId: number, channel: string, now: number): void {
  markDue(tx, { subject: cardSubject(visitId), channel, priority: PRIORITY.card }, now);
}

/** One transaction: the visit, its first record, and (through the hub) its card, timer and digest line. */
export function createPopback(
  deps: ServiceDeps,
  args: { patchId: number; requestedBy: string; request: PopbackRequest },
): number {
  const { db, clock, log, hub } = deps;
  const now = clock.now();
  const r = args.request;
  const visit = inTransaction(db, (tx) =>
    createVisit(
      tx,
      hub,
      {
        patchId: args.patchId,
        kind: r.kind,
        purpose: r.reason,
        urgency: r.urgency,
        startsAt: r.dueAt,
        carersNeeded: r.carers,
        requestedBy: args.requestedBy,
        status: 'open',
        createdAt: now,
      },
      r.clientIds,
      args.requestedBy,
      now,
      'requested',
    ),
  );
  log.info('popback.requested', {
    visit: visit.id,
    patch: args.patchId,
    user: args.requestedBy,
    kind: r.kind,
    urgency: r.urgency,
  });
  return visit.id;
}

/** The card follows its visit: any change (or a refused press on an out-of-date card) redraws it. */
export const popbackReaction: Reaction = (tx, c) => {
  if (!isFlexible(c.visit.kind) || c.type === 'retime') return;
  const channel = getPatch(tx, c.visit.patchId)?.channelId;
  if (channel) dueCard(tx, c.visit.id, channel, c.at);
};

/** Renders `popback:<id>` from the database as it is now. */
export const renderCard: Renderer = (db, subject) => {
  const id = Number(subject.slice('popback:'.length));
  const rec = loadVisit(db, id);
  if (!rec || rec.visit.kind === 'fixed') return null;
  const v = rec.visit;
  return requestCard({
    visitId: v.id,
    kind: v.kind as FlexKind,
    clientNames: rec.clients.map((c) => c.name),
    reason: v.purpose,
    urgency: (v.urgency ?? 'asap') as Urgency,
    dueAt: v.startsAt ?? v.createdAt,
    carersNeeded: v.carersNeeded,
    requestedBy: v.requestedBy,
    createdAt: v.createdAt,
    status: v.status,
    carers: rec.carers,
    arrivedAt: v.arrivedAt,
    arrivedBy: v.arrivedBy,
    doneAt: v.doneAt,
    doneBy: v.doneBy,
    closedAt: v.closedAt,
    closedBy: v.closedBy,
    zone: providerSettings(db).timezone,
  });
};

export const popbackSubjects: SubjectKind[] = [
  { prefix: 'popback:', priority: PRIORITY.card, render: renderCard },
];
