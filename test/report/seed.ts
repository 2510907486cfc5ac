import { readFileSync } from 'node:fs';
import { eq } from 'drizzle-orm';
import { type Db, openDb } from '../../db/index.ts';
import {
  clients,
  coverItems,
  coverRequests,
  escalations,
  patches,
  visitCarers,
  visitClients,
  visitEvents,
  visits,
} from '../../db/schema.ts';
import { importRoster } from '../../src/patches/import.ts';
import { parseRoster } from '../../src/patches/roster.ts';
import { localInstant, MINUTE } from '../../src/time.ts';
import type { VisitStatus } from '../../src/visits/model.ts';

/**
 * Seeding for the report tests: a roster without any visits made from its plans, then visits,
 * claims, escalations and cover items written as history, each with the instants the test states.
 */

export function rosterDb(path: string, at = '2026-10-01T00:00:00Z'): Db {
  const db = openDb(':memory:');
  const parsed = parseRoster(readFileSync(path, 'utf8'));
  if (!parsed.ok) throw new Error(parsed.errors.join('; '));
  importRoster(db, parsed.roster, Date.parse(at));
  return db;
}

const ZONE = 'Europe/London';

export const patchId = (db: Db, code: string): number =>
  (db.select({ id: patches.id }).from(patches).where(eq(patches.code, code)).get() as { id: number }).id;

export const clientId = (db: Db, code: string): number =>
  (db.select({ id: clients.id }).from(clients).where(eq(clients.code, code)).get() as { id: number }).id;

export interface FixedSeed {
  patch: string;
  client: string;
  /** Local date and time of the planned start. */
  date: string;
  at: string;
  minutes: number;
  plannedAssignee: string | null;
  status?: VisitStatus;
  timeCritical?: boolean;
  /** Minutes after the planned start someone pressed Arrived (negative: early). */
  arrive?: { after: number; by: string };
  /** Minutes after the planned start someone pressed Done. */
  done?: { after: number; by: string };
  /** Minutes after the planned start the bot called it missed. */
  missedAfter?: number;
  /** Minutes after the planned start it was closed (not needed, called off). */
  closedAfter?: number;
  planId?: number;
}

/** A fixed visit as history. Status follows arrive/done unless given. */
export function fixed(db: Db, s: FixedSeed): number {
  const startsAt = localInstant(s.date, s.at, ZONE);
  const at = (m: number | undefined) => (m === undefined ? null : startsAt + m * MINUTE);
  const status: VisitStatus = s.status ?? (s.done ? 'done' : s.arrive ? 'arrived' : 'open');
  const arrivedAt = s.arrive ? at(s.arrive.after) : s.done ? at(s.done.after) : null;
  const row = db
    .insert(visits)
    .values({
      patchId: patchId(db, s.patch),
      kind: 'fixed',
      planId: s.planId ?? null,
      occursOn: s.date,
      startsAt,
      minutes: s.minutes,
      purpose: 'Seeded visit',
      timeCritical: s.timeCritical ?? false,
      assignee: s.plannedAssignee,
      plannedAssignee: s.plannedAssignee,
      status,
      createdAt: startsAt - 24 * 60 * MINUTE,
      arrivedAt,
      arrivedBy: s.arrive?.by ?? s.done?.by ?? null,
      doneAt: at(s.done?.after),
      doneBy: s.done?.by ?? null,
      missedAt: at(s.missedAfter),
      alertLevel: s.missedAfter === undefined ? null : 'missed',
      closedAt: at(s.closedAfter),
    })
    .returning({ id: visits.id })
    .get();
  db.insert(visitClients)
    .values({ visitId: row.id, clientId: clientId(db, s.client), position: 0 })
    .run();
  return row.id;
}

export interface FlexSeed {
  patch: string;
  clients: string[];
  kind?: 'popback' | 'shopping' | 'social';
  /** An instant (ISO, UTC). */
  created: string;
  /** Claims and releases in order, at instants. */
  events?: Array<{ at: string; by: string; action: 'claim' | 'release' }>;
  /** Who holds a claim at the end. */
  carers?: string[];
  arrived?: { at: string; by: string };
  done?: { at: string; by: string };
  status?: VisitStatus;
}

/** A pop-back (or shopping trip, or social visit) as history, with its claim record. */
export function flexible(db: Db, s: FlexSeed): number {
  const createdAt = Date.parse(s.created);
  const row = db
    .insert(visits)
    .values({
      patchId: patchId(db, s.patch),
      kind: s.kind ?? 'popback',
      purpose: 'Seeded request',
      urgency: 'asap',
      startsAt: createdAt,
      carersNeeded: s.carers?.length ?? 1,
      requestedBy: 'U0ALICE1',
      status: s.status ?? (s.done ? 'done' : s.arrived ? 'arrived' : s.carers?.length ? 'claimed' : 'open'),
      createdAt,
      arrivedAt: s.arrived ? Date.parse(s.arrived.at) : null,
      arrivedBy: s.arrived?.by ?? null,
      doneAt: s.done ? Date.parse(s.done.at) : null,
      doneBy: s.done?.by ?? null,
    })
    .returning({ id: visits.id })
    .get();
  s.clients.forEach((code, position) => {
    db.insert(visitClients)
      .values({ visitId: row.id, clientId: clientId(db, code), position })
      .run();
  });
  db.insert(visitEvents)
    .values({ visitId: row.id, at: createdAt, actor: 'U0ALICE1', action: 'requested' })
    .run();
  for (const e of s.events ?? []) {
    db.insert(visitEvents)
      .values({ visitId: row.id, at: Date.parse(e.at), actor: e.by, action: e.action })
      .run();
  }
  const lastClaim = new Map((s.events ?? []).filter((e) => e.action === 'claim').map((e) => [e.by, e.at]));
  for (const userId of s.carers ?? []) {
    db.insert(visitCarers)
      .values({ visitId: row.id, userId, claimedAt: Date.parse(lastClaim.get(userId) ?? s.created) })
      .run();
  }
  return row.id;
}

export interface EscalationSeed {
  patch: string;
  kind: 'medication' | 'missed_visit' | 'unclaimed_popback' | 'uncovered_visit';
  raised: string;
  acked?: string;
  visitId?: number;
  status?: 'open' | 'acknowledged' | 'resolved';
}

export function escalation(db: Db, s: EscalationSeed): number {
  return db
    .insert(escalations)
    .values({
      kind: s.kind,
      patchId: patchId(db, s.patch),
      visitId: s.visitId ?? null,
      what: s.kind === 'medication' ? 'refused' : null,
      urgency: 'now',
      raisedAt: Date.parse(s.raised),
      source: s.kind === 'medication' ? 'command' : 'system',
      status: s.status ?? (s.acked ? 'acknowledged' : 'open'),
      ackedAt: s.acked ? Date.parse(s.acked) : null,
      ackedBy: s.acked ? 'U0SUPER1' : null,
    })
    .returning({ id: escalations.id })
    .get().id;
}

/** A cover item for a visit, in a request of its own. */
export function coverItem(
  db: Db,
  s: {
    patch: string;
    visitId: number;
    status: 'open' | 'covered' | 'withdrawn' | 'cancelled';
    covered?: string;
  },
): void {
  const request = db
    .insert(coverRequests)
    .values({ requestedBy: 'U0BOB0001', fromAt: 0, toAt: 1, createdAt: 0 })
    .returning({ id: coverRequests.id })
    .get();
  db.insert(coverItems)
    .values({
      requestId: request.id,
      visitId: s.visitId,
      patchId: patchId(db, s.patch),
      status: s.status,
      coveredAt: s.covered ? Date.parse(s.covered) : null,
    })
    .run();
}
