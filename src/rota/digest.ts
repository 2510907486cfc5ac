import type { Db } from '../../db/index.ts';
import { inTransaction } from '../../db/index.ts';
import type { ServiceDeps } from '../deps.ts';
import { activePatches, activePlans, getPatch, providerSettings } from '../patches/store.ts';
import { type FlexKind, KIND_LABEL, URGENCY_LABEL, type Urgency } from '../popback/model.ts';
import { getOutboxRow, markDue, type Renderer } from '../slack/outbox.ts';
import { addDays, breathe, localDate, localInstant, localTime } from '../time.ts';
import { loadVisit, type VisitRecord } from '../visits/store.ts';
import { occurrencesOn } from './model.ts';
import { fixedVisitsOn, openPopbacks } from './store.ts';
import { type DigestInput, digestMessages } from './views.ts';

/**
 * The daily rota digest: one message per patch per day (plus thread replies when a full patch needs
 * more than one message), posted at the patch's digest time and kept current as visits change.
 */

export const digestSubject = (patchId: number, date: string, part = 0): string =>
  part === 0 ? `digest:${patchId}:${date}` : `digest:${patchId}:${date}:${part}`;

/** At each patch's digest time, the day's digest becomes due, once (the subject key is the guard). */
export async function makeDigestsDue(deps: ServiceDeps, now: number): Promise<number> {
  const { db, log } = deps;
  const zone = providerSettings(db).timezone;
  const today = localDate(now, zone);
  let made = 0;
  for (const patch of activePatches(db)) {
    if (now < localInstant(today, patch.digestAt, zone)) continue;
    await breathe();
    // Checked inside the transaction: a second process sweeping at the same moment makes it due once.
    const fresh = inTransaction(db, (tx) => {
      if (getOutboxRow(tx, digestSubject(patch.id, today))) return false;
      markDue(tx, { subject: digestSubject(patch.id, today), channel: patch.channelId }, now);
      markDigestParts(tx, patch.id, patch.channelId, today, now);
      return true;
    });
    if (!fresh) continue;
    log.info('rota.digest_due', { patch: patch.id, date: today });
    made++;
  }
  return made;
}

/** Once a patch's digest for `date` exists, keep it current: mark every part due again. */
export function touchDigest(tx: Db, patchId: number, date: string, now: number): void {
  const main = getOutboxRow(tx, digestSubject(patchId, date));
  if (!main) return;
  markDue(tx, { subject: main.subject, channel: main.channel }, now);
  markDigestParts(tx, patchId, main.channel, date, now);
}

function markDigestParts(tx: Db, patchId: number, channel: string, date: string, now: number): void {
  const parts = digestMessages(digestInput(tx, patchId, date)).length;
  for (let part = 1; part < parts; part++) {
    markDue(
      tx,
      { subject: digestSubject(patchId, date, part), channel, threadSubject: digestSubject(patchId, date) },
      now,
    );
  }
}

/** Everything a digest or a `/rota` answer shows for one patch and day, from the database. */
export function digestInput(
  db: Db,
  patchId: number,
  date: string,
  opts: { popbacks: boolean } = { popbacks: true },
): DigestInput {
  const zone = providerSettings(db).timezone;
  const patch = getPatch(db, patchId);
  return {
    patchName: patch?.name ?? '',
    date,
    zone,
    withMedIssue: true,
    visits: fixedVisitsOn(db, patchId, date)
      .filter((r) => r.visit.status !== 'cancelled')
      .map(({ visit: v, clientName }) => ({
        visitId: v.id,
        rev: v.rev,
        startsAt: v.startsAt ?? 0,
        minutes: v.minutes ?? 0,
        clientName,
        purpose: v.purpose,
        assignee: v.assignee,
        timeCritical: v.timeCritical,
        carers: v.carersNeeded,
        status: v.status,
        arrivedAt: v.arrivedAt,
        doneAt: v.doneAt,
        alert: v.alertLevel,
        closeReason: v.closeReason,
      })),
    popbacks: opts.popbacks ? popbacksFor(db, patchId, zone) : [],
  };
}

function popbacksFor(db: Db, patchId: number, zone: string): DigestInput['popbacks'] {
  return openPopbacks(db, patchId).map((v) => {
    const rec = loadVisit(db, v.id) as VisitRecord;
    const urgency = (v.urgency ?? 'asap') as Urgency;
    const soon =
      urgency === 'by' || urgency === 'hour'
        ? `by ${localTime(v.startsAt ?? v.createdAt, zone)}`
        : URGENCY_LABEL[urgency].toLowerCase();
    return {
      visitId: v.id,
      clientNames: rec.clients.map((c) => c.name),
      soon: v.kind === 'popback' ? soon : `${KIND_LABEL[v.kind as FlexKind].toLowerCase()}, ${soon}`,
      claimedBy: rec.carers.map((c) => c.userId),
    };
  });
}

/** Renders `digest:<patch>:<date>[:<part>]`. */
export const renderDigest: Renderer = (db, subject) => {
  const [, patchId, date, part] = subject.split(':');
  const messages = digestMessages(digestInput(db, Number(patchId), String(date)));
  const index = part === undefined ? 0 : Number(part);
  return messages[index] ?? { text: '(continued: nothing more today)' };
};

/**
 * The rota of any day for `/rota`: the visits themselves where they exist (today, tomorrow, the past),
 * and for later days the plans as they stand, which is what will be created.
 */
export function rotaForDay(db: Db, patchId: number, date: string, now: number): DigestInput {
  const zone = providerSettings(db).timezone;
  const today = localDate(now, zone);
  const input = digestInput(db, patchId, date, { popbacks: date === today });
  if (input.visits.length > 0 || date <= addDays(today, 1)) return input;
  // Not created yet: each line is keyed by its plan (negative, so it never names a real visit).
  const visits = occurrencesOn(activePlans(db, { patchId }), date, zone).map(({ plan, startsAt }) => ({
    visitId: -plan.id,
    rev: 0,
    startsAt,
    minutes: plan.minutes,
    clientName: plan.client.name,
    purpose: plan.purpose,
    assignee: plan.client.keyWorker,
    timeCritical: plan.timeCritical,
    carers: plan.carers,
    status: 'open' as const,
    arrivedAt: null,
    doneAt: null,
    alert: null,
    closeReason: null,
  }));
  return { ...input, visits };
}
