import type { Db } from '../../db/index.ts';
import { inTransaction } from '../../db/index.ts';
import type { ServiceDeps } from '../deps.ts';
import { closeEscalationsOfVisit, raiseEscalation } from '../escalation/service.ts';
import { openEscalationsOfVisit } from '../escalation/store.ts';
import type { Job } from '../jobs/scheduler.ts';
import { assistantsOf, getPatch, providerSettings, rolesOf } from '../patches/store.ts';
import { esc, mention } from '../slack/blocks.ts';
import { markDue, PRIORITY } from '../slack/outbox.ts';
import { breathe, localDate, localTime } from '../time.ts';
import {
  type Actor,
  describeRefusal,
  isClosed,
  isManager,
  isTeam,
  type PersonTransition,
} from '../visits/model.ts';
import type { VisitChange } from '../visits/service.ts';
import { type ChangeResult, changeVisit, type Hub, notifyActivity, refusalText } from '../visits/service.ts';
import { actorFor, firstClientOf, getVisitRow, recordEvent, type VisitRow } from '../visits/store.ts';
import {
  type CoverPeriod,
  type CoverRefusal,
  dayAndTime,
  decideAssign,
  decideTake,
  decideWithdraw,
  describeCoverRefusal,
  escalateAt,
  type ItemFacts,
  isCovered,
  slotsText,
} from './model.ts';
import {
  clientNamesOf,
  coverableVisits,
  escalateMinutes,
  getItem,
  getRequest,
  type ItemRow,
  insertItem,
  insertRequest,
  insertTake,
  itemsEscalationDue,
  itemsOfRequest,
  itemsOfVisit,
  nextItemEscalation,
  patchesOfRequest,
  type RequestRow,
  setWithdrawn,
  standingRequests,
  takesOf,
  updateItem,
} from './store.ts';

/**
 * Cover requests: post one, take a visit from it (or all of them), give one to someone, withdraw it,
 * and send what is still uncovered at its lead time to the supervisors. Each use case is one
 * transaction that changes the tables, marks the cards due (`cover:<request>:<patch>`) and the note to
 * the requester (`coverdm:<request>:<taker>`), and tells the hub's activity hook. A visit changes only
 * through the hub (`changeVisit`), so its rules and guards apply and every capability follows it.
 */

export const cardSubject = (requestId: number, patchId: number): string => `cover:${requestId}:${patchId}`;
export const noteSubject = (requestId: number, userId: string): string => `coverdm:${requestId}:${userId}`;

export type CoverResult = { ok: true } | { ok: false; refusal: CoverRefusal };

function dueCard(tx: Db, requestId: number, patchId: number, now: number): void {
  const channel = getPatch(tx, patchId)?.channelId;
  if (channel)
    markDue(tx, { subject: cardSubject(requestId, patchId), channel, priority: PRIORITY.card }, now);
}

/** The card changed: views of the patch (App Home) may be out of date too. */
function cardChanged(tx: Db, hub: Hub, requestId: number, patchId: number, now: number): void {
  dueCard(tx, requestId, patchId, now);
  notifyActivity(tx, hub, { patchId, at: now });
}

function factsOf(tx: Db, item: ItemRow, request: RequestRow): ItemFacts {
  return {
    status: item.status,
    slots: item.slots,
    takers: takesOf(tx, item.id).map((t) => t.userId),
    requester: request.requestedBy,
    withdrawnBy: request.withdrawnBy,
  };
}

function addItem(tx: Db, requestId: number, v: VisitRow, lead: number): number {
  return insertItem(tx, {
    requestId,
    visitId: v.id,
    patchId: v.patchId,
    slots: Math.max(1, v.carersNeeded),
    status: 'open',
    escalateAt: v.startsAt === null ? null : escalateAt(v.startsAt, lead),
  });
}

/** Whether `userId` has a standing request of their own covering `at` (then they can't take a visit then). */
function isOffAt(tx: Db, userId: string, at: number | null): boolean {
  return at !== null && standingRequests(tx, userId, at).length > 0;
}

export type PostResult =
  | { ok: true; requestId: number; visits: number; channels: string[] }
  | { ok: false; reason: 'none' };

/**
 * `/cover`: one request, an item for each of the person's fixed visits in the period that is theirs and
 * not started, and a card in each patch those visits are in. Nothing is stored when there are none.
 */
export function postCover(deps: ServiceDeps, args: { userId: string; period: CoverPeriod }): PostResult {
  const { db, clock, log, hub } = deps;
  const now = clock.now();
  const { fromAt, toAt, note } = args.period;
  const result = inTransaction(db, (tx): PostResult => {
    const found = coverableVisits(tx, args.userId, fromAt, toAt);
    if (found.length === 0) return { ok: false, reason: 'none' };
    const requestId = insertRequest(tx, { requestedBy: args.userId, fromAt, toAt, note, createdAt: now });
    const lead = escalateMinutes(tx);
    const patchIds: number[] = [];
    for (const v of found) {
      addItem(tx, requestId, v, lead);
      if (!patchIds.includes(v.patchId)) patchIds.push(v.patchId);
    }
    for (const patchId of patchIds) cardChanged(tx, hub, requestId, patchId, now);
    const channels = patchIds.flatMap((p) => getPatch(tx, p)?.channelId ?? []);
    return { ok: true, requestId, visits: found.length, channels };
  });
  if (result.ok)
    log.info('cover.requested', {
      request: result.requestId,
      user: args.userId,
      visits: result.visits,
      patches: result.channels.length,
    });
  else log.info('cover.nothing_to_cover', { user: args.userId });
  return result;
}

/**
 * After a take is recorded: the item is covered once every slot is, and then its uncovered-visit
 * escalation (if it went to the supervisors) closes; the card, the requester's note and the views follow.
 */
function afterTake(tx: Db, hub: Hub, itemId: number, taker: string, actor: string | null, now: number): void {
  const item = getItem(tx, itemId);
  const request = item ? getRequest(tx, item.requestId) : undefined;
  if (!item || !request) return;
  const takes = takesOf(tx, item.id);
  if (item.status === 'open' && isCovered(item.slots, takes.length)) {
    updateItem(tx, item.id, { status: 'covered', coveredAt: now, escalateAt: null });
    const who = takes.map((t) => mention(t.userId)).join(' and ');
    closeEscalationsOfVisit(
      tx,
      item.visitId,
      now,
      actor,
      `covered: ${who} ${takes.length > 1 ? 'have' : 'has'} it (${localTime(now, providerSettings(tx).timezone)})`,
      ['uncovered_visit'],
    );
  }
  markDue(
    tx,
    { subject: noteSubject(request.id, taker), channel: request.requestedBy, priority: PRIORITY.card },
    now,
  );
  cardChanged(tx, hub, item.requestId, item.patchId, now);
}

/**
 * A further carer on a two-carer visit: the visit keeps its lead as assignee, so nothing of the visit
 * changes; the hub's guards (competencies) are asked as they would be for the transition, the take is
 * recorded on the item and in the visit's record (`cover_join:<user>`).
 */
function joinAsFurther(
  tx: Db,
  hub: Hub,
  item: ItemRow,
  visit: VisitRow,
  to: string,
  by: string | null,
  guardActor: Actor,
  t: PersonTransition,
  now: number,
): CoverResult {
  if (isClosed(visit.status)) return { ok: false, refusal: { reason: 'cancelled' } };
  if (visit.status === 'arrived')
    return { ok: false, refusal: { reason: 'hub', text: 'Someone is already there.' } };
  for (const guard of hub.guards) {
    const refused = guard(tx, visit, t, guardActor);
    if (refused) {
      const zone = providerSettings(tx).timezone;
      return {
        ok: false,
        refusal: { reason: 'hub', text: describeRefusal(refused, (ms) => localTime(ms, zone)) },
      };
    }
  }
  insertTake(tx, { itemId: item.id, userId: to, takenAt: now, assignedBy: by });
  recordEvent(tx, visit.id, now, by ?? to, `cover_join:${to}`);
  afterTake(tx, hub, item.id, to, by ?? to, now);
  return { ok: true };
}

function hubRefusal(tx: Db, r: Extract<ChangeResult, { ok: false }>, t: PersonTransition): CoverResult {
  return { ok: false, refusal: { reason: 'hub', text: refusalText(tx, r, t) } };
}

/** **I'll take it**, inside the caller's transaction (Take all runs it once per item). */
function takeInTx(
  deps: ServiceDeps,
  itemId: number,
  userId: string,
  channelId: string | null,
  now: number,
): CoverResult {
  const tx = deps.db;
  const item = getItem(tx, itemId);
  const request = item ? getRequest(tx, item.requestId) : undefined;
  const visit = item ? getVisitRow(tx, item.visitId) : undefined;
  if (!item || !request || !visit) return { ok: false, refusal: { reason: 'gone' } };
  // A value from another patch's card (forged, or a stale copy) changes nothing.
  if (channelId !== null && getPatch(tx, item.patchId)?.channelId !== channelId)
    return { ok: false, refusal: { reason: 'wrong_card' } };
  const actor = actorFor(tx, item.patchId, userId);
  const decision = decideTake(
    factsOf(tx, item, request),
    { userId, team: isTeam(actor) },
    isOffAt(tx, userId, visit.startsAt),
  );
  if (!decision.ok) return decision;
  const t: PersonTransition = { type: 'cover_take' };
  if (decision.lead) {
    // The hub makes the visit theirs; coverReaction records the take on the item.
    const changed = changeVisit(deps, visit.id, t, userId);
    return changed.ok ? { ok: true } : hubRefusal(tx, changed, t);
  }
  return joinAsFurther(tx, deps.hub, item, visit, userId, null, actor, t, now);
}

/** **I'll take it** on a card in `channelId` (null: from anywhere, e.g. tests and the demo's driver). */
export function takeItem(
  deps: ServiceDeps,
  itemId: number,
  userId: string,
  channelId: string | null,
): CoverResult {
  const now = deps.clock.now();
  // One transaction around the check and the hub's change: two presses at once cannot both be the lead.
  const result = inTransaction(deps.db, (tx) =>
    takeInTx({ ...deps, db: tx }, itemId, userId, channelId, now),
  );
  logResult(deps, 'cover.take', result, { item: itemId, user: userId });
  return result;
}

/** A visit on a card, in words for a private answer: `08:00 Mrs P`. */
function itemLabel(db: Db, item: ItemRow): string {
  const v = getVisitRow(db, item.visitId);
  const names = clientNamesOf(db, [item.visitId]).get(item.visitId) ?? [];
  const zone = providerSettings(db).timezone;
  return `${v?.startsAt ? localTime(v.startsAt, zone) : ''} ${esc(names.join(', ') || 'a client')}`.trim();
}

/**
 * The open visits of a card a supervisor can give to someone, labelled for a select (plain text):
 * `08:00 Mrs P · Morning wake-up (1 of 2 taken)`.
 */
export function assignChoices(
  db: Db,
  requestId: number,
  patchId: number,
): Array<{ itemId: number; label: string }> {
  const request = getRequest(db, requestId);
  if (!request) return [];
  const zone = providerSettings(db).timezone;
  const multiDay = localDate(request.fromAt, zone) !== localDate(request.toAt, zone);
  const items = itemsOfRequest(db, requestId, patchId).filter((i) => i.status === 'open');
  const names = clientNamesOf(
    db,
    items.map((i) => i.visitId),
  );
  return items.flatMap((item) => {
    const v = getVisitRow(db, item.visitId);
    if (!v?.startsAt || v.status !== 'open' || v.arrivedAt !== null) return [];
    const at = multiDay ? dayAndTime(v.startsAt, zone) : localTime(v.startsAt, zone);
    const takes = takesOf(db, item.id).length;
    const partial = takes > 0 ? ` (${slotsText(takes, item.slots)})` : '';
    return [
      {
        itemId: item.id,
        label: `${at} ${(names.get(v.id) ?? []).join(', ') || 'a client'} · ${v.purpose}${partial}`,
      },
    ];
  });
}

export type TakeAllResult =
  | { ok: true; taken: string[]; notTaken: Array<{ label: string; why: string }> }
  | { ok: false; refusal: CoverRefusal };

/** **Take all**: every open visit of this card the person can take, each in its own transaction. */
export function takeAll(
  deps: ServiceDeps,
  requestId: number,
  patchId: number,
  userId: string,
  channelId: string | null,
): TakeAllResult {
  const { db } = deps;
  const patch = getPatch(db, patchId);
  if (!getRequest(db, requestId) || !patch) return { ok: false, refusal: { reason: 'gone' } };
  if (channelId !== null && patch.channelId !== channelId)
    return { ok: false, refusal: { reason: 'wrong_card' } };
  if (!isTeam(actorFor(db, patchId, userId))) return { ok: false, refusal: { reason: 'not_team' } };
  const taken: string[] = [];
  const notTaken: Array<{ label: string; why: string }> = [];
  for (const item of itemsOfRequest(db, requestId, patchId).filter((i) => i.status === 'open')) {
    const result = takeItem(deps, item.id, userId, channelId);
    const label = itemLabel(db, item);
    if (result.ok) taken.push(label);
    else if (result.refusal.reason !== 'already_yours')
      notTaken.push({ label, why: describeCoverRefusal(result.refusal) });
  }
  return { ok: true, taken, notTaken };
}

/**
 * **Assign…**: a supervisor or admin gives an open item to one of the patch's assistants. Through the
 * hub's `assign` when nobody has it yet; as a further carer otherwise. `scope` is the card the form
 * was opened from: an item of another card changes nothing.
 */
export function assignItem(
  deps: ServiceDeps,
  args: { itemId: number; to: string; by: string; scope?: { requestId: number; patchId: number } },
): CoverResult {
  const { db, clock } = deps;
  const now = clock.now();
  const result = inTransaction(db, (tx): CoverResult => {
    const item = getItem(tx, args.itemId);
    const request = item ? getRequest(tx, item.requestId) : undefined;
    const visit = item ? getVisitRow(tx, item.visitId) : undefined;
    if (!item || !request || !visit) return { ok: false, refusal: { reason: 'gone' } };
    if (args.scope && (item.requestId !== args.scope.requestId || item.patchId !== args.scope.patchId))
      return { ok: false, refusal: { reason: 'wrong_card' } };
    const actor = actorFor(tx, item.patchId, args.by);
    const assistant = assistantsOf(tx, item.patchId).includes(args.to);
    const decision = decideAssign(
      factsOf(tx, item, request),
      { manager: isManager(actor) },
      { userId: args.to, assistant },
    );
    if (!decision.ok) return decision;
    if (isOffAt(tx, args.to, visit.startsAt))
      return {
        ok: false,
        refusal: { reason: 'hub', text: `${mention(args.to)} asked for cover themselves at that time.` },
      };
    const t: PersonTransition = { type: 'assign', to: args.to, toInTeam: assistant };
    if (decision.lead) {
      const changed = changeVisit({ ...deps, db: tx }, visit.id, t, args.by);
      return changed.ok ? { ok: true } : hubRefusal(tx, changed, t);
    }
    return joinAsFurther(tx, deps.hub, item, visit, args.to, args.by, actor, t, now);
  });
  logResult(deps, 'cover.assign', result, { item: args.itemId, user: args.by, to: args.to });
  return result;
}

export type WithdrawResult =
  | { ok: true; withdrawn: number; kept: number }
  | { ok: false; refusal: CoverRefusal };

/**
 * **Withdraw**: the person can work after all. Every item nobody has fully taken is withdrawn (takes
 * already made stand: those visits stay with whoever took them), its escalation closes, and no visit
 * made later joins the request.
 */
export function withdrawRequest(deps: ServiceDeps, requestId: number, userId: string): WithdrawResult {
  const { db, clock, hub } = deps;
  const now = clock.now();
  const result = inTransaction(db, (tx): WithdrawResult => {
    const request = getRequest(tx, requestId);
    if (!request) return { ok: false, refusal: { reason: 'gone' } };
    const roles = rolesOf(tx, userId);
    const decision = decideWithdraw(
      { requester: request.requestedBy, withdrawnAt: request.withdrawnAt, withdrawnBy: request.withdrawnBy },
      { userId, manager: roles.supervisor || roles.admin },
    );
    if (!decision.ok) return decision;
    setWithdrawn(tx, requestId, userId, now);
    let withdrawn = 0;
    let kept = 0;
    for (const item of itemsOfRequest(tx, requestId)) {
      if (item.status !== 'open') {
        if (item.status === 'covered') kept++;
        continue;
      }
      updateItem(tx, item.id, { status: 'withdrawn', escalateAt: null });
      withdrawn++;
      closeEscalationsOfVisit(
        tx,
        item.visitId,
        now,
        userId,
        `withdrawn by ${mention(userId)}: ${mention(request.requestedBy)} can go after all`,
        ['uncovered_visit'],
      );
    }
    for (const patchId of patchesOfRequest(tx, requestId)) cardChanged(tx, hub, requestId, patchId, now);
    return { ok: true, withdrawn, kept };
  });
  logResult(deps, 'cover.withdraw', result, { request: requestId, user: userId });
  return result;
}

function logResult(
  deps: Pick<ServiceDeps, 'log'>,
  event: string,
  result: { ok: true } | { ok: false; refusal: CoverRefusal },
  fields: Record<string, string | number>,
): void {
  if (result.ok) deps.log.info(event, fields);
  else deps.log.info(`${event}_refused`, { ...fields, reason: result.refusal.reason });
}

/**
 * The cover cards follow their visits. In the visit change's transaction:
 * - someone arrives, or the visit is done, not needed or called off: its open item needs no cover now;
 * - the visit becomes someone else's through the hub (a take, an assignment, the rota's Take over):
 *   the take is recorded on the open item, which is covered once every slot is;
 * - its time changes (or the lead setting): its escalation instant follows;
 * - the plan gives it to someone else before anyone took it: no cover needed;
 * - a visit made later (the roll-forward, a roster change) that is the person's and falls in one of
 *   their standing requests joins that request's card;
 * - every card that lists the visit is redrawn.
 */
export function coverReaction(tx: Db, c: VisitChange, hub: Hub): void {
  const v = c.visit;
  if (v.kind !== 'fixed') return;
  const items = itemsOfVisit(tx, v.id);
  let open = items.find((i) => i.status === 'open');
  let retimed = false;
  if (open) {
    const request = getRequest(tx, open.requestId);
    const takes = takesOf(tx, open.id);
    if (isClosed(v.status) || v.status === 'arrived') {
      updateItem(tx, open.id, { status: 'cancelled', escalateAt: null });
      if (v.status === 'cancelled')
        closeEscalationsOfVisit(tx, v.id, c.at, c.actor, 'the visit was called off', ['uncovered_visit']);
      notifyActivity(tx, hub, { patchId: open.patchId, at: c.at });
      open = undefined;
    } else if (
      (c.type === 'cover_take' || c.type === 'assign' || c.type === 'takeover') &&
      request &&
      v.assignee !== null &&
      v.assignee !== request.requestedBy &&
      v.assignee !== c.before?.assignee
    ) {
      const assignedBy = c.type === 'assign' ? c.actor : null;
      if (insertTake(tx, { itemId: open.id, userId: v.assignee, takenAt: c.at, assignedBy }))
        afterTake(tx, hub, open.id, v.assignee, c.actor, c.at);
    } else if (c.type === 'replan' && request && takes.length === 0 && v.assignee !== request.requestedBy) {
      updateItem(tx, open.id, { status: 'cancelled', escalateAt: null });
      closeEscalationsOfVisit(tx, v.id, c.at, null, 'the plan gave the visit to someone else', [
        'uncovered_visit',
      ]);
      notifyActivity(tx, hub, { patchId: open.patchId, at: c.at });
      open = undefined;
    } else if (
      (c.type === 'replan' || c.type === 'retime') &&
      open.escalatedAt === null &&
      v.startsAt !== null
    ) {
      const at = escalateAt(v.startsAt, escalateMinutes(tx));
      if (at !== open.escalateAt) {
        updateItem(tx, open.id, { escalateAt: at });
        retimed = true;
      }
    }
  }
  if (c.type !== 'retime' || retimed) for (const i of items) dueCard(tx, i.requestId, i.patchId, c.at);
  if ((c.type === 'created' || c.type === 'replan') && !open) join(tx, hub, v, items, c.at);
}

/** A visit that is someone's, in a request of theirs still standing, joins that request's card. */
function join(tx: Db, hub: Hub, v: VisitRow, items: readonly ItemRow[], now: number): void {
  if (v.status !== 'open' || v.arrivedAt !== null || v.assignee === null || v.startsAt === null) return;
  const requests = standingRequests(tx, v.assignee, v.startsAt).filter(
    (r) => !items.some((i) => i.requestId === r.id),
  );
  const request = requests.at(-1);
  if (!request) return;
  addItem(tx, request.id, v, escalateMinutes(tx));
  cardChanged(tx, hub, request.id, v.patchId, now);
}

/**
 * The lead-time job: an item still open when its `escalate_at` comes goes to the supervisors as an
 * uncovered-visit escalation (with the requester's note), unless the visit already has one open (a
 * missed visit, say). `escalate_at` is indexed; each item is its own short transaction.
 */
export function coverJob(deps: Pick<ServiceDeps, 'db' | 'log' | 'hub'>): Job {
  const { db, log, hub } = deps;
  return {
    name: 'cover',
    nextDue: (d) => nextItemEscalation(d),
    async run(now) {
      let done = 0;
      for (const due of itemsEscalationDue(db, now, 200)) {
        const escalation = inTransaction(db, (tx) => escalateItem(tx, hub, due.id, now));
        done++;
        if (escalation !== null)
          log.info('cover.escalated', { item: due.id, visit: due.visitId, escalation });
        await breathe();
      }
      return done;
    },
  };
}

/** Sends one item to the supervisors if it is still open; returns the escalation's id, or null. */
function escalateItem(tx: Db, hub: Hub, itemId: number, now: number): number | null {
  const item = getItem(tx, itemId);
  if (!item || item.escalateAt === null || item.escalateAt > now) return null;
  if (item.status !== 'open') {
    updateItem(tx, item.id, { escalateAt: null });
    return null;
  }
  updateItem(tx, item.id, { escalateAt: null, escalatedAt: now });
  const visit = getVisitRow(tx, item.visitId);
  const request = getRequest(tx, item.requestId);
  const channel = getPatch(tx, item.patchId)?.channelId;
  let id: number | null = null;
  if (visit && request && channel && openEscalationsOfVisit(tx, visit.id).length === 0) {
    id = raiseEscalation(
      tx,
      {
        kind: 'uncovered_visit',
        patchId: item.patchId,
        patchChannel: channel,
        clientId: firstClientOf(tx, visit.id),
        visitId: visit.id,
        what: null,
        timeCritical: visit.timeCritical,
        urgency: 'now',
        note: request.note,
        // Raised by the system, on behalf of the person who asked for cover (the parent names them).
        raisedBy: request.requestedBy,
        source: 'system',
      },
      now,
    );
  }
  cardChanged(tx, hub, item.requestId, item.patchId, now);
  return id;
}
