import { type Db, inTransaction } from '../../db/index.ts';
import type { Log } from '../log.ts';
import { providerSettings } from '../patches/store.ts';
import { esc } from '../slack/blocks.ts';
import type { Clock } from '../time.ts';
import { localTime } from '../time.ts';
import {
  type Actor,
  type Change,
  decide,
  decideSystem,
  describeRefusal,
  isClosed,
  type PersonTransition,
  type Refusal,
  type SystemTransition,
  type TransitionType,
} from './model.ts';
import {
  actorFor,
  applyChange,
  carersOf,
  factsOf,
  getVisitRow,
  insertVisit,
  loadVisit,
  type NewVisit,
  type VisitRow,
} from './store.ts';

/**
 * The hub: the one use case that changes a visit. A person's press or the clock decides a transition
 * (visits/model.ts), it is applied in one transaction, and in that same transaction every reaction the
 * composition root handed in runs: a card, an alert, the day's digest, an escalation follow the visit.
 * Features hang off visits this way, so no feature calls into another.
 */

export interface VisitChange {
  type: TransitionType;
  /** The visit as it is now. */
  visit: VisitRow;
  /** As it was before; null for a new visit. */
  before: VisitRow | null;
  carers: string[];
  carersBefore: string[];
  actor: string | null;
  at: number;
}

/** What a capability does when a visit changes: runs inside the change's transaction, no I/O. */
export type Reaction = (tx: Db, change: VisitChange) => void;

/** A rule a capability adds to a person's transition (competencies): a refusal, or null to let it pass. */
export type Guard = (tx: Db, visit: VisitRow, t: PersonTransition, actor: Actor) => Refusal | null;

/**
 * Something changed that is not a visit (a cover request, an escalation, a sign-off) and people's views
 * of a patch may be out of date: `patchId` null means provider-wide (the supervisors' views).
 */
export interface Activity {
  patchId: number | null;
  at: number;
}
export type ActivityReaction = (tx: Db, activity: Activity) => void;

export interface Hub {
  reactions: readonly Reaction[];
  guards: readonly Guard[];
  /** What runs when a capability reports activity that is not a visit change (see `notifyActivity`). */
  activity: readonly ActivityReaction[];
}

export const noHub: Hub = { reactions: [], guards: [], activity: [] };

/** A capability changed something people may be looking at (their App Home): let the views follow. */
export function notifyActivity(tx: Db, hub: Hub, activity: Activity): void {
  for (const reaction of hub.activity) reaction(tx, activity);
}

export interface HubDeps {
  db: Db;
  clock: Clock;
  log: Log;
  hub: Hub;
}

export type ChangeResult =
  | { ok: true; visit: VisitRow; change: Change }
  | { ok: false; refusal: Refusal | { reason: 'gone' }; visit: VisitRow | null };

function react(tx: Db, hub: Hub, change: VisitChange): void {
  for (const reaction of hub.reactions) reaction(tx, change);
}

/** Applies a decided change and runs the reactions; the caller's transaction. */
function commit(
  tx: Db,
  hub: Hub,
  before: VisitRow,
  carersBefore: string[],
  change: Change,
  type: TransitionType,
  actor: string | null,
  at: number,
): VisitRow {
  applyChange(tx, before.id, change, actor, at);
  const visit = getVisitRow(tx, before.id) as VisitRow;
  const carers = carersOf(tx, before.id).map((c) => c.userId);
  react(tx, hub, { type, visit, before, carers, carersBefore, actor, at });
  return visit;
}

/**
 * A person's press on a visit, in one transaction. A refusal changes nothing, but the reactions still
 * run as a `refresh` (unless the person is not in the team): the press came from a message that may be
 * out of date, so it is brought up to date.
 */
export function changeVisit(
  deps: HubDeps,
  visitId: number,
  t: PersonTransition,
  userId: string,
  opts: { rev?: number } = {},
): ChangeResult {
  const { db, clock, log, hub } = deps;
  const now = clock.now();
  const result = inTransaction(db, (tx): ChangeResult => {
    const row = getVisitRow(tx, visitId);
    if (!row) return { ok: false, refusal: { reason: 'gone' }, visit: null };
    const carers = carersOf(tx, visitId).map((c) => c.userId);
    const actor = actorFor(tx, row.patchId, userId);
    const decision = decide(factsOf(row, carers), t, actor, now, opts.rev);
    const guarded = decision.ok ? firstRefusal(tx, hub, row, t, actor) : null;
    if (!decision.ok || guarded) {
      const refusal = guarded ?? (decision.ok ? null : decision.refusal);
      if (refusal && refusal.reason !== 'not_team') {
        react(tx, hub, {
          type: 'refresh',
          visit: row,
          before: row,
          carers,
          carersBefore: carers,
          actor: userId,
          at: now,
        });
      }
      return { ok: false, refusal: refusal as Refusal, visit: row };
    }
    const visit = commit(tx, hub, row, carers, decision.change, t.type, userId, now);
    return { ok: true, visit, change: decision.change };
  });
  if (result.ok) log.info(`visit.${t.type}`, { visit: visitId, user: userId });
  else log.info(`visit.${t.type}_refused`, { visit: visitId, user: userId, reason: result.refusal.reason });
  return result;
}

function firstRefusal(tx: Db, hub: Hub, row: VisitRow, t: PersonTransition, actor: Actor): Refusal | null {
  for (const guard of hub.guards) {
    const refusal = guard(tx, row, t, actor);
    if (refusal) return refusal;
  }
  return null;
}

/** The clock or a changed plan moves a visit; inside the caller's transaction. Null when nothing was due. */
export function applySystem(
  tx: Db,
  hub: Hub,
  visitId: number,
  t: SystemTransition,
  now: number,
): VisitRow | null {
  const row = getVisitRow(tx, visitId);
  if (!row) return null;
  const carers = carersOf(tx, visitId).map((c) => c.userId);
  const decision = decideSystem(factsOf(row, carers), t, now);
  if (!decision.ok) return null;
  return commit(tx, hub, row, carers, decision.change, t.type, null, now);
}

/** A new visit, with its reactions (its card, its alert timer, the digest); the caller's transaction. */
export function createVisit(
  tx: Db,
  hub: Hub,
  values: NewVisit,
  clientIds: readonly number[],
  actor: string | null,
  now: number,
  event: string,
): VisitRow {
  const id = insertVisit(tx, values, clientIds);
  applyChange(tx, id, { set: {}, event }, actor, now);
  const visit = getVisitRow(tx, id) as VisitRow;
  react(tx, hub, { type: 'created', visit, before: null, carers: [], carersBefore: [], actor, at: now });
  return visit;
}

/** Runs the reactions for a visit that did not change, but whose timers' settings may have. */
export function retimeVisit(tx: Db, hub: Hub, visitId: number, now: number): void {
  const visit = getVisitRow(tx, visitId);
  if (!visit) return;
  const carers = carersOf(tx, visitId).map((c) => c.userId);
  react(tx, hub, {
    type: 'retime',
    visit,
    before: visit,
    carers,
    carersBefore: carers,
    actor: null,
    at: now,
  });
}

const STATE_WORDS: Record<string, string> = {
  open: 'not started yet',
  claimed: 'not started yet',
  arrived: 'in progress',
  done: 'done',
  cancelled: 'called off',
  not_needed: 'marked not needed',
};

/** "The 08:00 visit to Mrs P is now done (at 08:31), assigned to <@U…>." */
export function describeFixedState(db: Db, visitId: number, zone: string): string {
  const rec = loadVisit(db, visitId);
  if (!rec) return '';
  const v = rec.visit;
  const who = v.assignee ? `<@${v.assignee}>` : 'nobody';
  const at = v.startsAt ? localTime(v.startsAt, zone) : '';
  const extra =
    v.status === 'arrived' && v.arrivedAt
      ? ` (arrived ${localTime(v.arrivedAt, zone)})`
      : v.status === 'done' && v.doneAt
        ? ` (at ${localTime(v.doneAt, zone)})`
        : '';
  return `The ${at} visit to ${esc(rec.clients[0]?.name ?? 'the client')} is now ${STATE_WORDS[v.status]}${extra}, assigned to ${who}.`;
}

/**
 * The private answer when a press changed nothing. On a fixed visit (the rota, an alert) it says what
 * the visit is now, since the message pressed may be out of date.
 */
export function refusalText(
  db: Db,
  result: Extract<ChangeResult, { ok: false }>,
  t: PersonTransition,
): string {
  const zone = providerSettings(db).timezone;
  const r = result.refusal;
  if (r.reason === 'gone') return 'This visit no longer exists.';
  const v = result.visit;
  if (
    v?.kind !== 'fixed' ||
    r.reason === 'not_team' ||
    r.reason === 'already_assigned' ||
    r.reason === 'rule'
  ) {
    return describeRefusal(r, (ms) => localTime(ms, zone));
  }
  const why =
    r.reason === 'already_arrived'
      ? t.type === 'onway'
        ? 'Already arrived.'
        : 'Already marked arrived.'
      : r.reason === 'stale' || r.reason === 'someone_there'
        ? describeRefusal(r, (ms) => localTime(ms, zone))
        : isClosed(v.status) || r.reason === 'not_open'
          ? 'Nothing changed.'
          : describeRefusal(r, (ms) => localTime(ms, zone));
  return `${why} ${describeFixedState(db, v.id, zone)}`;
}
