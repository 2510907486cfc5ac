import type { Db } from '../../db/index.ts';
import { getPatch, providerSettings } from '../patches/store.ts';
import { PRIORITY, type Renderer, type SubjectKind } from '../slack/outbox.ts';
import { localDate } from '../time.ts';
import {
  clientNamesOf,
  getRequest,
  type ItemRow,
  itemsOfRequest,
  takesOf,
  takesOfPerson,
  visitsById,
} from './store.ts';
import { type CardData, type CardItem, cardMessage, type NoteLine, noteText } from './views.ts';

/** Renderers for `cover:<request>:<patch>` (the card in a patch channel) and `coverdm:<request>:<user>` (the note to the requester). */

const ID = /^\d{1,12}$/;

/** Everything one patch's card shows, from the database as it is now. */
export function cardData(db: Db, requestId: number, patchId: number): CardData | null {
  const request = getRequest(db, requestId);
  if (!request) return null;
  const items = itemsOfRequest(db, requestId, patchId);
  if (items.length === 0) return null;
  const ids = items.map((i) => i.visitId);
  const visits = visitsById(db, ids);
  const names = clientNamesOf(db, ids);
  const cardItems = items.flatMap((i): CardItem[] => {
    const v = visits.get(i.visitId);
    if (!v || v.startsAt === null) return [];
    return [
      {
        itemId: i.id,
        status: i.status,
        slots: i.slots,
        escalateAt: i.escalateAt,
        escalatedAt: i.escalatedAt,
        takes: takesOf(db, i.id).map((t) => ({
          userId: t.userId,
          takenAt: t.takenAt,
          assignedBy: t.assignedBy,
        })),
        visit: {
          startsAt: v.startsAt,
          minutes: v.minutes ?? 0,
          clientNames: names.get(v.id) ?? [],
          purpose: v.purpose,
          timeCritical: v.timeCritical,
          status: v.status,
          assignee: v.assignee,
          arrivedAt: v.arrivedAt,
          arrivedBy: v.arrivedBy,
          doneAt: v.doneAt,
          doneBy: v.doneBy,
          closeReason: v.closeReason,
        },
      },
    ];
  });
  return {
    requestId,
    patchId,
    requester: request.requestedBy,
    fromAt: request.fromAt,
    toAt: request.toAt,
    createdAt: request.createdAt,
    withdrawnAt: request.withdrawnAt,
    withdrawnBy: request.withdrawnBy,
    items: cardItems,
    zone: providerSettings(db).timezone,
  };
}

export const renderCard: Renderer = (db, subject) => {
  const [, requestId, patchId] = subject.split(':');
  if (!ID.test(requestId ?? '') || !ID.test(patchId ?? '')) return null;
  const data = cardData(db, Number(requestId), Number(patchId));
  return data ? cardMessage(data) : null;
};

export const renderNote: Renderer = (db, subject) => {
  const [, requestId, userId] = subject.split(':');
  if (!ID.test(requestId ?? '') || !userId) return null;
  const request = getRequest(db, Number(requestId));
  if (!request) return null;
  const taken = takesOfPerson(db, request.id, userId);
  if (taken.length === 0) return null;
  const zone = providerSettings(db).timezone;
  const ids = taken.map(({ item }) => item.visitId);
  const visits = visitsById(db, ids);
  const names = clientNamesOf(db, ids);
  const line = (item: ItemRow, assignedBy: string | null): NoteLine[] => {
    const v = visits.get(item.visitId);
    if (!v?.startsAt) return [];
    return [
      {
        startsAt: v.startsAt,
        clientNames: names.get(v.id) ?? [],
        purpose: v.purpose,
        channel: getPatch(db, item.patchId)?.channelId ?? '',
        assignedBy,
        takes: takesOf(db, item.id).length,
        slots: item.slots,
      },
    ];
  };
  const lines = taken.flatMap(({ item, take }) => line(item, take.assignedBy));
  if (lines.length === 0) return null;
  const multiDay = localDate(request.fromAt, zone) !== localDate(request.toAt, zone);
  return { text: noteText({ taker: userId, lines, zone, multiDay }) };
};

export const coverSubjects: SubjectKind[] = [
  { prefix: 'cover:', priority: PRIORITY.card, render: renderCard },
  { prefix: 'coverdm:', priority: PRIORITY.card, render: renderNote },
];
