import { type Db, inTransaction } from '../../db/index.ts';
import type { ServiceDeps } from '../deps.ts';
import { onCallAt } from '../escalation/oncall.ts';
import { clientName, getEscalation } from '../escalation/store.ts';
import { ESC_ACTIONS } from '../escalation/views.ts';
import { admins, assistantsOf, getPatch, oncallShifts, providerSettings, rolesOf } from '../patches/store.ts';
import { esc, mention } from '../slack/blocks.ts';
import {
  forgetMessage,
  markDue,
  outboxHealth,
  PRIORITY,
  type Rendered,
  type SubjectKind,
} from '../slack/outbox.ts';
import { type Clock, localDate, localTime, MINUTE } from '../time.ts';
import { type FlexKind, isFlexible, KIND_LABEL } from '../visits/model.ts';
import { type ActivityReaction, describeFixedState, type Reaction } from '../visits/service.ts';
import { loadVisit } from '../visits/store.ts';
import {
  byUrgency,
  type HomeRoles,
  isManager,
  isStranger,
  managersFollow,
  NOTICE_MS,
  patchesByUrgency,
  RECENT_MS,
  teamFollows,
} from './model.ts';
import {
  assistantPatches,
  flexibleToDo,
  getHomeView,
  myFixedVisitsOn,
  openEscalations,
  outstandingLateMissed,
  patchDays,
  recentOpeners,
  recordOpening,
  setNotice,
  takeableCover,
  uncoveredBetween,
  visitHasCover,
  visitHasEscalation,
} from './store.ts';
import { HOME_ACTIONS, type HomeData, homeView } from './views.ts';

/**
 * The App Home: one outbox subject per person, `home:<user id>`, published with views.publish. It is
 * drawn from the database for whoever it belongs to, published when they open the tab or press in it,
 * and, for 12 hours after they last opened it, again whenever something on it changes: a visit of
 * their patch (the hub's reaction), or anything else a capability reports (the hub's activity).
 */

export const homeSubject = (userId: string): string => `home:${userId}`;
const USER_ID = /^[UW][A-Z0-9]{2,30}$/;
/** "Uncovered visits in the next 24 hours": a span of time, not a wall-clock day. */
const UNCOVERED_SPAN = 24 * 60 * MINUTE;

function dueHome(tx: Db, userId: string, now: number): void {
  markDue(tx, { subject: homeSubject(userId), channel: userId, priority: PRIORITY.home }, now);
}

/** Everything a person's Home shows, read now. An assistant sees only the patches they are in. */
export function loadHome(db: Db, userId: string, now: number): HomeData {
  const zone = providerSettings(db).timezone;
  const today = localDate(now, zone);
  const { supervisor, admin } = rolesOf(db, userId);
  const roles: HomeRoles = { patchIds: assistantPatches(db, userId), supervisor, admin };
  const base = { userId, now, zone, roles, admins: [] as string[], notice: null, onCall: null };
  if (isStranger(roles)) return { ...base, admins: admins(db) };
  const seen = getHomeView(db, userId);
  const notice =
    seen?.notice && seen.noticeAt !== null && now - seen.noticeAt < NOTICE_MS
      ? { text: seen.notice, at: seen.noticeAt }
      : null;
  const data: HomeData = { ...base, notice, onCall: onCallAt(oncallShifts(db), now, zone) };
  if (roles.patchIds.length > 0) {
    data.assistant = {
      visits: myFixedVisitsOn(db, userId, roles.patchIds, today),
      flexible: flexibleToDo(db, userId, roles.patchIds),
      cover: takeableCover(db, userId, roles.patchIds, now),
    };
  }
  if (isManager(roles)) {
    data.supervisor = {
      escalations: openEscalations(db),
      lateMissed: byUrgency(outstandingLateMissed(db, today)),
      uncovered: uncoveredBetween(db, now, now + UNCOVERED_SPAN),
    };
  }
  if (admin)
    data.admin = { patches: patchesByUrgency(patchDays(db, today)), parked: outboxHealth(db, now).parked };
  return data;
}

/** Draws `home:<user id>` as it is at `now`. */
export function renderHome(db: Db, subject: string, now: number): Rendered | null {
  const userId = subject.slice('home:'.length);
  if (!USER_ID.test(userId)) return null;
  return homeView(loadHome(db, userId, now));
}

/** The Home's kind of outbox subject; its renderer needs the clock (what is due now, how long ago). */
export function homeSubjects(clock: Clock): SubjectKind[] {
  return [
    {
      prefix: 'home:',
      priority: PRIORITY.home,
      render: (db, subject) => renderHome(db, subject, clock.now()),
    },
  ];
}

/** They opened their Home tab: followed from now on for 12 hours, and published afresh. */
export function openHome(deps: Pick<ServiceDeps, 'db' | 'clock' | 'log'>, userId: string): void {
  const now = deps.clock.now();
  inTransaction(deps.db, (tx) => {
    recordOpening(tx, userId, now);
    // Slack may not show what we last sent (a first open, a reinstall): publish whatever it renders to.
    forgetMessage(tx, homeSubject(userId));
    dueHome(tx, userId, now);
  });
  deps.log.info('home.opened', { user: userId });
}

/**
 * Whose Homes follow a visit change: the recent openers among the patch's assistants, and the recent
 * openers who are supervisors or admins when it is something they see (a fixed visit of today, a
 * visit with cover or an escalation). Nobody opened a Home lately: one index probe, nothing else.
 */
export const homeReaction: Reaction = (tx, c) => {
  // Nothing anyone sees changed (a retime), or nothing at all (a refused press: the presser's Home is
  // published by the press itself).
  if (c.type === 'retime' || c.type === 'refresh') return;
  const openers = recentOpeners(tx, c.at - RECENT_MS);
  if (openers.length === 0) return;
  const v = c.visit;
  const today = v.occursOn !== null && v.occursOn === localDate(c.at, providerSettings(tx).timezone);
  const hasCover = visitHasCover(tx, v.id);
  const facts = { type: c.type, kind: v.kind, today, hasCover };
  const team = teamFollows(facts) ? new Set(assistantsOf(tx, v.patchId)) : new Set<string>();
  const managers =
    openers.some((o) => o.manager) &&
    managersFollow({ ...facts, hasEscalation: visitHasEscalation(tx, v.id) });
  for (const o of openers) {
    if (team.has(o.userId) || (managers && o.manager)) dueHome(tx, o.userId, c.at);
  }
};

/**
 * Something that is not a visit changed (an escalation, a cover request): the recent openers of that
 * patch's team and every recent opener who is a supervisor or admin; provider-wide, every recent opener.
 */
export const homeActivity: ActivityReaction = (tx, a) => {
  const openers = recentOpeners(tx, a.at - RECENT_MS);
  if (openers.length === 0) return;
  const team = a.patchId === null ? null : new Set(assistantsOf(tx, a.patchId));
  for (const o of openers) {
    if (team === null || o.manager || team.has(o.userId)) dueHome(tx, o.userId, a.at);
  }
};

/** What a press on a visit did, in words, for the Home's notice (the press went through). */
function visitNotice(db: Db, visitId: number, userId: string): string {
  const rec = loadVisit(db, visitId);
  if (!rec) return 'This visit no longer exists.';
  const zone = providerSettings(db).timezone;
  const v = rec.visit;
  if (!isFlexible(v.kind)) return describeFixedState(db, visitId, zone).replace(mention(userId), 'you');
  const what = `${KIND_LABEL[v.kind as FlexKind]} for ${rec.clients.map((c) => `*${esc(c.name)}*`).join(' and ')}`;
  if (v.status === 'done') return `The ${what} is done (at ${v.doneAt ? localTime(v.doneAt, zone) : '?'}).`;
  if (v.status === 'arrived')
    return `You are at the ${what} (arrived ${v.arrivedAt ? localTime(v.arrivedAt, zone) : '?'}).`;
  if (rec.carers.some((c) => c.userId === userId))
    return `You have the ${what}: it stays here until it is done.`;
  return `The ${what} is ${v.status}.`;
}

/**
 * After a press on one of the Home's visit buttons: its notice (the refusal when it changed nothing,
 * otherwise what the visit is now), and the Home published again at once.
 */
export function noteVisitPress(
  deps: Pick<ServiceDeps, 'db' | 'clock'>,
  userId: string,
  visitId: number | null,
  refusal: string | null,
): void {
  const now = deps.clock.now();
  inTransaction(deps.db, (tx) => {
    const text =
      refusal ?? (visitId === null ? 'This visit no longer exists.' : visitNotice(tx, visitId, userId));
    setNotice(tx, userId, text, now);
    dueHome(tx, userId, now);
  });
}

const ESC_WORDS: Record<string, string> = {
  medication: 'medication issue',
  missed_visit: 'missed visit',
  unclaimed_popback: 'unclaimed pop-back',
  uncovered_visit: 'uncovered visit',
};

/** Where an escalation stands after a press on it from the Home (whatever the press itself did). */
function escalationNotice(db: Db, escalationId: number | null, userId: string): string {
  const roles = rolesOf(db, userId);
  if (!roles.supervisor && !roles.admin)
    return 'Only supervisors (and admins) can acknowledge or resolve escalations.';
  const e = escalationId === null ? undefined : getEscalation(db, escalationId);
  if (!e) return 'This escalation no longer exists.';
  const zone = providerSettings(db).timezone;
  const client = clientName(db, e.clientId)?.name ?? null;
  const what = `the ${ESC_WORDS[e.kind] ?? 'escalation'}${client ? ` for *${esc(client)}*` : ''} in ${esc(getPatch(db, e.patchId)?.name ?? 'a patch')}`;
  if (e.status === 'resolved')
    return `${capital(what)} is resolved${e.resolvedBy ? ` by ${mention(e.resolvedBy)}` : ''}.`;
  if (e.status === 'acknowledged') {
    if (e.ackedBy === userId) return `You have ${what} now: the supervisors' channel says so.`;
    return `${e.ackedBy ? mention(e.ackedBy) : 'Someone'} has ${what} (since ${e.ackedAt ? localTime(e.ackedAt, zone) : '?'}).`;
  }
  return `Nobody has ${what} yet.`;
}

const capital = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

/**
 * After any other press inside a Home (an escalation's Acknowledge or Resolve, a cover's take): the
 * capability that owns the button did its part; the Home is published again for the presser, with a
 * word on where an acknowledged escalation stands (a Home has no private answers).
 */
export function notePressInHome(
  deps: Pick<ServiceDeps, 'db' | 'clock'>,
  userId: string,
  press: { actionId: string; value: number | null },
): void {
  if ((Object.values(HOME_ACTIONS) as string[]).includes(press.actionId)) return;
  const now = deps.clock.now();
  inTransaction(deps.db, (tx) => {
    if (press.actionId === ESC_ACTIONS.acknowledge)
      setNotice(tx, userId, escalationNotice(tx, press.value, userId), now);
    dueHome(tx, userId, now);
  });
}
