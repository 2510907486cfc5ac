import type { WebClient } from '@slack/web-api';
import type { Db } from '../db/index.ts';
import type { KeyWorkerGuard, SetupGuards } from './admin/change.ts';
import { channelsJob } from './admin/channels.ts';
import { adminSubjects } from './admin/service.ts';
import { alertsJob, alertsReaction } from './alerts/service.ts';
import { alertSubject, alertSubjects } from './alerts/subjects.ts';
import {
  competenceGuard,
  competenceJob,
  competenceReaction,
  keyWorkerWarnings,
} from './competence/service.ts';
import { missingSignoffs, tasksOfClient } from './competence/store.ts';
import { competenceSubjects } from './competence/subjects.ts';
import { describeKeyWorkerMissing } from './competence/views.ts';
import { coverSubjects } from './cover/render.ts';
import { coverJob, coverReaction } from './cover/service.ts';
import type { Deps } from './deps.ts';
import type { ThreadOfVisit } from './escalation/listeners.ts';
import { escalationJob, escalationReaction, escalationSubjects } from './escalation/service.ts';
import { homeActivity, homeReaction, homeSubjects } from './home/service.ts';
import { housekeepingJob } from './jobs/housekeeping.ts';
import type { Job } from './jobs/scheduler.ts';
import { recordAudit } from './patches/audit.ts';
import { changedAnything, type ImportSummary, importRoster } from './patches/import.ts';
import type { Roster } from './patches/roster.ts';
import { providerSettings, supervisors } from './patches/store.ts';
import { cardSubject, popbackReaction, popbackSubjects } from './popback/service.ts';
import { reportJob, reportSubjects } from './report/service.ts';
import { digestJob, digestSubject, rotaReaction, rotaSubjects } from './rota/digest.ts';
import { getOutboxRow, type SubjectKind } from './slack/outbox.ts';
import { type Clock, localDate } from './time.ts';
import { materializeAll, rollForwardJob } from './visits/plans.ts';
import type { Hub } from './visits/service.ts';
import { getVisitRow } from './visits/store.ts';

/**
 * How the capabilities hang off the visits hub: each one's reactions to a visit change, its kinds of
 * Slack message and its scheduled jobs, gathered in one place. No Bolt here, so the CLI can use it.
 */

/** Every kind of message the bot keeps in Slack, with its urgency and its renderer. */
export const subjects: SubjectKind[] = [
  ...escalationSubjects,
  ...alertSubjects,
  ...popbackSubjects,
  ...rotaSubjects,
  ...reportSubjects,
  ...adminSubjects,
  ...competenceSubjects,
  ...coverSubjects,
];

/** Every kind, with those whose drawing needs the clock (a Home shows what is due now, and how long ago). */
export function subjectsAt(clock: Clock): SubjectKind[] {
  return [...subjects, ...homeSubjects(clock)];
}

/** What each capability does when a visit changes, in order; all inside the change's transaction. */
export const hub: Hub = {
  reactions: [
    alertsReaction,
    escalationReaction,
    popbackReaction,
    rotaReaction,
    competenceReaction,
    homeReaction,
    // Cover records takes and tells the views of a patch: it is handed the hub itself.
    (tx, change) => coverReaction(tx, change, hub),
  ],
  guards: [competenceGuard],
  activity: [homeActivity],
};

/**
 * A client's new key worker must be signed off for every task the client's visits need, on today's
 * date (competencies); checked inside the `/patch` change's transaction.
 */
const keyWorkerSignedOff: KeyWorkerGuard = (tx, change) => {
  if (change.to === null || change.clientId === null) return null;
  const codes = tasksOfClient(tx, change.clientId);
  const missing = missingSignoffs(tx, change.to, codes, localDate(change.at, providerSettings(tx).timezone));
  if (missing.length === 0) return null;
  return {
    text: describeKeyWorkerMissing(missing, {
      who: change.to,
      clientName: change.clientName,
      supervisors: supervisors(tx),
    }),
  };
};

/**
 * The rules other capabilities add to set-up changes made from Slack (`/patch`): each key-worker guard
 * may refuse a client's new key worker (see admin/change.ts `KeyWorkerGuard`).
 */
export const setupGuards: SetupGuards = {
  keyWorker: [keyWorkerSignedOff],
};

/** The thread in the patch channel a visit's medication issue is told in: its alert, card or digest. */
export const threadOfVisit: ThreadOfVisit = (db, visitId) => {
  const v = getVisitRow(db, visitId);
  if (!v) return undefined;
  const candidates = [alertSubject(visitId), cardSubject(visitId)];
  if (v.occursOn) candidates.push(digestSubject(v.patchId, v.occursOn));
  const subject = candidates.find((s) => getOutboxRow(db, s));
  return subject ? { subject } : undefined;
};

/**
 * The scheduled work, most urgent last so that what a tick makes due is delivered in one pass. With a
 * Slack client, the bot also makes the channels of patches that asked for one (`channel: new`).
 */
export function jobs(deps: Pick<Deps, 'db' | 'log' | 'hub'>, slack: { client?: WebClient } = {}): Job[] {
  return [
    ...(slack.client ? [channelsJob({ db: deps.db, log: deps.log, client: slack.client })] : []),
    rollForwardJob(deps),
    coverJob(deps),
    alertsJob(deps),
    escalationJob(deps),
    digestJob(deps),
    reportJob(deps),
    competenceJob(deps),
    housekeepingJob(deps),
  ];
}

/** An import's summary, with what it went ahead with but someone should see to (key workers not signed off). */
export interface ImportResult extends ImportSummary {
  warnings: string[];
}

/**
 * A roster import, with the visits its plans now call for, in one transaction (the CLI's `import`,
 * tests, the demo). Visits and their timers follow the new plans at once, bot running or not.
 */
export function importRosterWithVisits(db: Db, roster: Roster, now: number): ImportResult {
  let warnings: string[] = [];
  const summary = importRoster(db, roster, now, (tx, summary) => {
    const changed = changedAnything(summary);
    materializeAll(tx, hub, now, { refresh: changed });
    warnings = keyWorkerWarnings(tx, now);
    // The set-up's audit log: an import that changed anything, with its counts.
    if (changed)
      recordAudit(tx, {
        at: now,
        actor: null,
        entity: 'roster',
        entityId: 'import',
        action: 'import',
        after: summary,
      });
  });
  return { ...summary, warnings };
}
