import { and, asc, eq, isNotNull, isNull, lte } from 'drizzle-orm';
import type { Db } from '../../db/index.ts';
import { inTransaction } from '../../db/index.ts';
import { patches } from '../../db/schema.ts';
import type { Job } from '../jobs/scheduler.ts';
import type { Log } from '../log.ts';
import { occurrencesOn } from '../patches/model.ts';
import { activePlans, getPatch, providerSettings, taskNames } from '../patches/store.ts';
import { esc } from '../slack/blocks.ts';
import {
  getOutboxRow,
  markDue,
  markDueIfExists,
  PRIORITY,
  type Renderer,
  type SubjectKind,
  subjectsStartingWith,
} from '../slack/outbox.ts';
import { addDays, breathe, localDate, localInstant, localTime } from '../time.ts';
import { type FlexKind, KIND_LABEL, URGENCY_LABEL, type Urgency } from '../visits/model.ts';
import type { Reaction } from '../visits/service.ts';
import { fixedVisitsOn, loadVisit, openFlexibleVisits, type VisitRecord } from '../visits/store.ts';
import { type DigestInput, digestMessages } from './views.ts';

/**
 * The daily rota digest: one message per patch per day (plus thread replies when a full patch needs
 * more than one message), posted at the patch's digest time and kept current as visits change.
 */

export const digestSubject = (patchId: number, date: string, part = 0): string =>
  part === 0 ? `digest:${patchId}:${date}` : `digest:${patchId}:${date}:${part}`;

/** At each patch's digest time, the day's digest becomes due, once (its subject key is the guard). */
export function digestJob(deps: { db: Db; log: Log }): Job {
  const { db, log } = deps;
  return {
    name: 'digests',
    nextDue(d) {
      // Two index probes: a patch with no due instant yet (new, or its digest time changed) is due now.
      const fresh = d
        .select({ id: patches.id })
        .from(patches)
        .where(and(isNull(patches.digestDueAt), isNull(patches.archivedAt)))
        .limit(1)
        .get();
      if (fresh) return 0;
      return (
        d
          .select({ at: patches.digestDueAt })
          .from(patches)
          .where(and(isNotNull(patches.digestDueAt), isNull(patches.archivedAt)))
          .orderBy(asc(patches.digestDueAt))
          .limit(1)
          .get()?.at ?? null
      );
    },
    async run(now) {
      const zone = providerSettings(db).timezone;
      const today = localDate(now, zone);
      let made = 0;
      const pick = { id: patches.id, channelId: patches.channelId, digestAt: patches.digestAt };
      // Two index probes on digest_due_at (an `or` of them would read every patch).
      const due = [
        ...db
          .select(pick)
          .from(patches)
          .where(and(lte(patches.digestDueAt, now), isNull(patches.archivedAt)))
          .orderBy(asc(patches.digestDueAt), asc(patches.id))
          .limit(200)
          .all(),
        ...db
          .select(pick)
          .from(patches)
          .where(and(isNull(patches.digestDueAt), isNull(patches.archivedAt)))
          .limit(200)
          .all(),
      ];
      for (const patch of due) {
        const todayAt = localInstant(today, patch.digestAt, zone);
        // After downtime only today's digest matters: an earlier day's is history.
        const fresh = inTransaction(db, (tx) => {
          let made = false;
          if (now >= todayAt && !getOutboxRow(tx, digestSubject(patch.id, today))) {
            dueDigest(tx, patch.id, patch.channelId, today, now);
            made = true;
          }
          const next = now >= todayAt ? localInstant(addDays(today, 1), patch.digestAt, zone) : todayAt;
          tx.update(patches).set({ digestDueAt: next }).where(eq(patches.id, patch.id)).run();
          return made;
        });
        if (fresh) {
          log.info('rota.digest_due', { patch: patch.id, date: today });
          made++;
        }
        await breathe();
      }
      return made;
    },
  };
}

/**
 * Makes the day's digest due: its message, and every continuation it has had. How many continuations it
 * needs is worked out when the message is drawn (`renderDigest` names them in `also`, and the deliverer
 * makes any new one due), so a change costs a few index probes here, not a drawing of the day. A
 * continuation the day no longer needs is drawn as "(continued: nothing more today)".
 */
function dueDigest(tx: Db, patchId: number, channel: string, date: string, now: number): void {
  const main = digestSubject(patchId, date);
  markDue(tx, { subject: main, channel, priority: PRIORITY.digest }, now);
  for (const part of subjectsStartingWith(tx, `${main}:`)) markDueIfExists(tx, part, now);
}

/** Once a patch's digest for `date` exists, keep it current: mark every part due again. */
export function touchDigest(tx: Db, patchId: number, date: string, now: number): void {
  const main = getOutboxRow(tx, digestSubject(patchId, date));
  if (!main) return;
  dueDigest(tx, patchId, main.channel, date, now);
}

/** The note to the person whose fixed visit was taken over: `takeover:<visit>:<rev>`, in their DM. */
export const takeoverSubject = (visitId: number, rev: number): string => `takeover:${visitId}:${rev}`;

/**
 * The rota follows its visits: the day's digest is redrawn when a visit of that day changes (a flexible
 * visit is listed on today's), and the person whose visit was taken over is told.
 */
export const rotaReaction: Reaction = (tx, c) => {
  if (c.type === 'retime') return;
  const v = c.visit;
  const date = v.occursOn ?? localDate(c.at, providerSettings(tx).timezone);
  touchDigest(tx, v.patchId, date, c.at);
  const before = c.before?.assignee;
  if (c.type === 'takeover' && before && before !== v.assignee) {
    markDue(tx, { subject: takeoverSubject(v.id, v.rev), channel: before, priority: PRIORITY.card }, c.at);
  }
};

/** Renders `takeover:<visit>:<rev>`: a note to the person whose visit was taken over. */
export const renderTakeover: Renderer = (db, subject) => {
  const rec = loadVisit(db, Number(subject.split(':')[1]));
  if (!rec?.visit.startsAt) return null;
  const zone = providerSettings(db).timezone;
  const v = rec.visit;
  const name = esc(rec.clients[0]?.name ?? 'a client');
  return {
    text: `<@${v.assignee}> took over the ${localTime(v.startsAt ?? 0, zone)} visit to ${name} (${esc(v.purpose)}) on ${v.occursOn}, in <#${rec.patch.channelId}>. You don't need to go.`,
  };
};

/** Everything a digest or a `/rota` answer shows for one patch and day, from the database. */
export function digestInput(
  db: Db,
  patchId: number,
  date: string,
  opts: { popbacks: boolean } = { popbacks: true },
): DigestInput {
  const zone = providerSettings(db).timezone;
  const patch = getPatch(db, patchId);
  const names = taskNames(db);
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
        tasks: namesOf(v.requiredTasks.split(','), names),
      })),
    popbacks: opts.popbacks ? popbacksFor(db, patchId, zone) : [],
  };
}

/** Task codes as the names the set-up gives them (empty codes dropped). */
function namesOf(codes: readonly string[], names: ReadonlyMap<string, string>): string[] {
  return codes.filter((c) => c !== '').map((c) => names.get(c) ?? c);
}

function popbacksFor(db: Db, patchId: number, zone: string): DigestInput['popbacks'] {
  return openFlexibleVisits(db, patchId).map((v) => {
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

/**
 * The last digest drawn for each day, per database: a digest is delivered as several messages, each its
 * own subject, and every part is marked due with its main message in one transaction. So a part drawn
 * while the main message's `want_rev` is what it was when the digest was last drawn shows exactly what
 * the database shows: the day is drawn once per change, not once per part. Renderers run outside any
 * transaction, so the `want_rev` read is committed and never reused for other content.
 */
const drawn = new WeakMap<Db, Map<string, { rev: number; messages: ReturnType<typeof digestMessages> }>>();
const DRAWN_KEPT = 256;

function digestDrawn(
  db: Db,
  patchId: number,
  date: string,
  rev: number | undefined,
): ReturnType<typeof digestMessages> {
  const main = digestSubject(patchId, date);
  let byDay = drawn.get(db);
  const hit = byDay?.get(main);
  if (rev !== undefined && hit?.rev === rev) return hit.messages;
  const messages = digestMessages(digestInput(db, patchId, date));
  if (rev === undefined) return messages;
  if (!byDay) {
    byDay = new Map();
    drawn.set(db, byDay);
  }
  byDay.delete(main);
  byDay.set(main, { rev, messages });
  if (byDay.size > DRAWN_KEPT) byDay.delete(byDay.keys().next().value as string);
  return messages;
}

/** Renders `digest:<patch>:<date>[:<part>]`. */
export const renderDigest: Renderer = (db, subject) => {
  const [, patchText, dateText, part] = subject.split(':');
  const patchId = Number(patchText);
  const date = String(dateText);
  const main = getOutboxRow(db, digestSubject(patchId, date));
  const messages = digestDrawn(db, patchId, date, main?.wantRev);
  if (part !== undefined) return messages[Number(part)] ?? { text: '(continued: nothing more today)' };
  const message = messages[0] as (typeof messages)[number];
  if (!main || messages.length < 2) return message;
  // The continuations this drawing needs: the deliverer makes any the outbox lacks due.
  const also = messages.slice(1).map((_, i) => ({
    subject: digestSubject(patchId, date, i + 1),
    channel: main.channel,
    priority: PRIORITY.digest,
    threadSubject: main.subject,
  }));
  return { ...message, also };
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
  const names = taskNames(db);
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
    tasks: namesOf(plan.requires, names),
  }));
  return { ...input, visits };
}

export const rotaSubjects: SubjectKind[] = [
  { prefix: 'digest:', priority: PRIORITY.digest, render: renderDigest },
  { prefix: 'takeover:', priority: PRIORITY.card, render: renderTakeover },
];
