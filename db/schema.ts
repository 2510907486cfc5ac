import { sql } from 'drizzle-orm';
import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';

/**
 * Every table. Instants are UTC epoch milliseconds (`integer`); wall-clock times are `HH:mm` text in the
 * provider's zone; local dates are `YYYY-MM-DD` text.
 */

/** One row (id = 1): the provider-wide settings from the roster. */
export const provider = sqliteTable('provider', {
  id: integer('id').primaryKey(),
  timezone: text('timezone').notNull(),
  supervisorsChannel: text('supervisors_channel'),
  /** JSON `{"thresholds":{…}}` of the provider-level settings (see patches/model.ts). */
  settings: text('settings').notNull().default('{}'),
  updatedAt: integer('updated_at').notNull(),
  /** When the next weekly quality report is due (Monday 09:00 local); null: work it out. */
  reportDueAt: integer('report_due_at'),
  /** When the daily competence checks next run (expiring sign-offs, lapses before tomorrow's visits). */
  competenceDueAt: integer('competence_due_at'),
});

/** Provider-wide roles. Assistants are per patch (patchAssistants). */
export const roles = sqliteTable(
  'roles',
  {
    userId: text('user_id').notNull(),
    role: text('role', { enum: ['admin', 'supervisor'] }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.userId, t.role] })],
);

export const patches = sqliteTable(
  'patches',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    code: text('code').notNull().unique(),
    name: text('name').notNull(),
    channelId: text('channel_id').notNull().unique(),
    maxClients: integer('max_clients').notNull().default(10),
    digestAt: text('digest_at').notNull().default('07:00'),
    /** JSON `{"thresholds":{…}}` of patch-level overrides. */
    settings: text('settings').notNull().default('{}'),
    archivedAt: integer('archived_at'),
    /** The visits hub's watermark: fixed visits exist up to this local date (null: none made yet). */
    visitsThrough: text('visits_through'),
    /** When the next local day's visits must be made (local midnight of `visitsThrough`). */
    rollDueAt: integer('roll_due_at'),
    /** When the rota's next morning digest is due; null: work it out (new patch, or its digest time changed). */
    digestDueAt: integer('digest_due_at'),
  },
  (t) => [index('patches_roll_due').on(t.rollDueAt), index('patches_digest_due').on(t.digestDueAt)],
);

export const patchAssistants = sqliteTable(
  'patch_assistants',
  {
    patchId: integer('patch_id')
      .notNull()
      .references(() => patches.id),
    userId: text('user_id').notNull(),
  },
  (t) => [primaryKey({ columns: [t.patchId, t.userId] }), index('patch_assistants_user').on(t.userId)],
);

export const clients = sqliteTable(
  'clients',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    code: text('code').notNull().unique(),
    patchId: integer('patch_id')
      .notNull()
      .references(() => patches.id),
    /** The display name the provider chose: the only way a client appears in Slack. */
    name: text('name').notNull(),
    keyWorker: text('key_worker'),
    archivedAt: integer('archived_at'),
  },
  (t) => [index('clients_patch').on(t.patchId)],
);

/** A fixed-visit plan: a wall-clock time on some weekdays. Identity is (client, position in the roster). */
export const plans = sqliteTable(
  'plans',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    clientId: integer('client_id')
      .notNull()
      .references(() => clients.id),
    position: integer('position').notNull(),
    at: text('at').notNull(),
    /** Comma-separated weekdays, `mon,tue,…`. */
    days: text('days').notNull(),
    minutes: integer('minutes').notNull(),
    purpose: text('purpose').notNull(),
    timeCritical: integer('time_critical', { mode: 'boolean' }).notNull().default(false),
    carers: integer('carers').notNull().default(1),
    /** JSON `{"thresholds":{…}}` of plan-level overrides. */
    settings: text('settings').notNull().default('{}'),
    archivedAt: integer('archived_at'),
    /**
     * Since when the plan has had its current time and days. An occurrence at or after this instant
     * was planned before its time, so it is a real visit even if the bot makes it late (after downtime);
     * one before it first appeared after its time, and is never made.
     */
    knownAt: integer('known_at').notNull().default(0),
  },
  (t) => [uniqueIndex('plans_client_position').on(t.clientId, t.position)],
);

export const VISIT_KINDS = ['popback', 'shopping', 'social', 'fixed'] as const;
export const VISIT_STATUSES = ['open', 'claimed', 'arrived', 'done', 'cancelled', 'not_needed'] as const;
export const URGENCIES = ['asap', 'hour', 'by', 'today'] as const;

/** Every visit, flexible (pop-back, shopping, social) or fixed (from a plan). */
export const visits = sqliteTable(
  'visits',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    patchId: integer('patch_id')
      .notNull()
      .references(() => patches.id),
    kind: text('kind', { enum: VISIT_KINDS }).notNull(),
    planId: integer('plan_id').references(() => plans.id),
    /** Local date of a fixed visit. */
    occursOn: text('occurs_on'),
    /** Planned start (fixed) or the time a timed pop-back is wanted by. */
    startsAt: integer('starts_at'),
    minutes: integer('minutes'),
    /** Purpose of a fixed visit, or the requester's short reason for a flexible one. */
    purpose: text('purpose').notNull(),
    urgency: text('urgency', { enum: URGENCIES }),
    timeCritical: integer('time_critical', { mode: 'boolean' }).notNull().default(false),
    carersNeeded: integer('carers_needed').notNull().default(1),
    requestedBy: text('requested_by'),
    assignee: text('assignee'),
    status: text('status', { enum: VISIT_STATUSES }).notNull().default('open'),
    createdAt: integer('created_at').notNull(),
    arrivedAt: integer('arrived_at'),
    arrivedBy: text('arrived_by'),
    doneAt: integer('done_at'),
    doneBy: text('done_by'),
    closedAt: integer('closed_at'),
    closedBy: text('closed_by'),
    closeReason: text('close_reason'),
    /** Bumped on every change, so a button on an out-of-date rota can be told apart. */
    rev: integer('rev').notNull().default(0),
    /** Late/missed alert state of a fixed visit (null: never alerted). */
    alertLevel: text('alert_level', { enum: ['late', 'missed'] }),
    lateAt: integer('late_at'),
    missedAt: integer('missed_at'),
    /** "I'm on my way" pressed on the alert. */
    onWayBy: text('on_way_by'),
    onWayAt: integer('on_way_at'),
    /** An unclaimed pop-back: re-announced in the channel, then sent to the supervisors. */
    nudgedAt: integer('nudged_at'),
    escalatedAt: integer('escalated_at'),
    /** The next instant the alerts must look at this visit (late, missed, re-announce, escalate); null: never. */
    alertDueAt: integer('alert_due_at'),
    /** Who the plan assigned when the visit was made (a fixed visit's key worker): covers and take-overs change `assignee`, never this. */
    plannedAssignee: text('planned_assignee'),
    /** The delegated health tasks this visit needs (codes, comma-separated), copied from its plan. */
    requiredTasks: text('required_tasks').notNull().default(''),
  },
  (t) => [
    index('visits_alert_due').on(t.alertDueAt).where(sql`alert_due_at is not null`),
    index('visits_patch_status').on(t.patchId, t.status),
    uniqueIndex('visits_plan_day').on(t.planId, t.occursOn),
    index('visits_starts_at').on(t.startsAt),
    index('visits_day').on(t.patchId, t.occursOn),
    /** Today's late and missed visits across every patch (the supervisors' Home) without a scan of history. */
    index('visits_alerted_day').on(t.occursOn).where(sql`alert_level is not null`),
  ],
);

export const visitClients = sqliteTable(
  'visit_clients',
  {
    visitId: integer('visit_id')
      .notNull()
      .references(() => visits.id),
    clientId: integer('client_id')
      .notNull()
      .references(() => clients.id),
    position: integer('position').notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.visitId, t.clientId] })],
);

/** Who has claimed a flexible visit: one row per carer, so a two-carer visit takes two claims. */
export const visitCarers = sqliteTable(
  'visit_carers',
  {
    visitId: integer('visit_id')
      .notNull()
      .references(() => visits.id),
    userId: text('user_id').notNull(),
    claimedAt: integer('claimed_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.visitId, t.userId] })],
);

/** Who did what to a visit, and when: the record for review. Never holds note text. */
export const visitEvents = sqliteTable(
  'visit_events',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    visitId: integer('visit_id')
      .notNull()
      .references(() => visits.id),
    at: integer('at').notNull(),
    actor: text('actor'),
    action: text('action').notNull(),
  },
  (t) => [index('visit_events_visit').on(t.visitId)],
);

/**
 * The durable outbox. One row per Slack message the bot owns, keyed by its subject
 * (`visit:42:card`, `digest:P07:2026-11-23`). A state change bumps `wantRev` in the same transaction;
 * the deliverer renders the subject from the database and posts or updates until `doneRev` catches up.
 */
export const slackMessages = sqliteTable(
  'slack_messages',
  {
    subject: text('subject').primaryKey(),
    channel: text('channel').notNull(),
    /** Post as a reply in the thread of this other subject's message. */
    threadSubject: text('thread_subject'),
    /** Or in the thread of a message the bot does not own (a message shortcut's message). */
    threadTs: text('thread_ts'),
    ts: text('ts'),
    /** Set while a first post is in flight; if still set after a crash, the post's fate is unknown. */
    postStartedAt: integer('post_started_at'),
    wantRev: integer('want_rev').notNull().default(1),
    doneRev: integer('done_rev').notNull().default(0),
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: integer('next_attempt_at').notNull().default(0),
    lastError: text('last_error'),
    /** Hash of what Slack shows now, so a change that renders the same makes no call. */
    renderedHash: text('rendered_hash'),
    createdAt: integer('created_at').notNull(),
    /** Since when Slack has been behind this row (null while it is up to date): its wait, for /healthz. */
    pendingSince: integer('pending_since'),
    /** Set when delivery failed for a reason no retry can mend; `patchbot outbox retry` clears it. */
    parkedAt: integer('parked_at'),
    /** Lower goes first: escalations, then alerts, then cards, then digests (each subject kind says). */
    priority: integer('priority').notNull().default(2),
  },
  (t) => [
    index('slack_messages_pending').on(t.nextAttemptAt).where(sql`want_rev > done_rev and parked_at is null`),
    index('slack_messages_waiting').on(t.pendingSince).where(sql`pending_since is not null`),
  ],
);

/** The on-call rota from the roster: a weekly pattern plus dated overrides, in local wall-clock time. */
export const oncallShifts = sqliteTable('oncall_shifts', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  kind: text('kind', { enum: ['weekly', 'override'] }).notNull(),
  /** Weekly shifts: comma-separated weekdays the shift starts on. */
  days: text('days'),
  /** Overrides: the local date the shift starts on. */
  date: text('date'),
  /** Local `HH:mm`; `to` may be `24:00`, and a `to` at or before `from` runs past midnight. */
  from: text('from').notNull(),
  to: text('to').notNull(),
  userId: text('user_id').notNull(),
  position: integer('position').notNull(),
});

export const ESCALATION_KINDS = [
  'medication',
  'missed_visit',
  'unclaimed_popback',
  'uncovered_visit',
] as const;
export const MED_WHATS = ['missed_dose', 'refused', 'wrong_dose', 'ran_out', 'side_effect', 'other'] as const;

/** Something a supervisor must own: a medication issue, a missed visit, an unclaimed pop-back. */
export const escalations = sqliteTable(
  'escalations',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    kind: text('kind', { enum: ESCALATION_KINDS }).notNull(),
    patchId: integer('patch_id')
      .notNull()
      .references(() => patches.id),
    clientId: integer('client_id').references(() => clients.id),
    visitId: integer('visit_id').references(() => visits.id),
    what: text('what', { enum: MED_WHATS }),
    timeCritical: integer('time_critical', { mode: 'boolean' }).notNull().default(false),
    urgency: text('urgency', { enum: ['now', 'today'] }).notNull(),
    /** Typed by the assistant; shown only in the supervisors' channel, never logged. */
    note: text('note'),
    raisedBy: text('raised_by'),
    raisedAt: integer('raised_at').notNull(),
    source: text('source', { enum: ['command', 'button', 'shortcut', 'system'] }).notNull(),
    /** Where the patch channel hears of it: a message thread in the patch channel, if any. */
    patchThreadTs: text('patch_thread_ts'),
    status: text('status', { enum: ['open', 'acknowledged', 'resolved'] })
      .notNull()
      .default('open'),
    /** Index of the chain step last run (0 on call, 1 all supervisors, 2 the channel). */
    step: integer('step').notNull().default(0),
    round: integer('round').notNull().default(1),
    nextAt: integer('next_at'),
    ackedBy: text('acked_by'),
    ackedAt: integer('acked_at'),
    remindedAt: integer('reminded_at'),
    resolvedBy: text('resolved_by'),
    resolvedAt: integer('resolved_at'),
    outcome: text('outcome'),
    outcomeNote: text('outcome_note'),
  },
  (t) => [
    index('escalations_next').on(t.nextAt),
    index('escalations_visit').on(t.visitId),
    /** The open ones, oldest first (the supervisors' Home), without a scan of every escalation ever raised. */
    index('escalations_open').on(t.raisedAt).where(sql`status <> 'resolved'`),
  ],
);

/** Every step of every escalation: who, what, when. The record for review (NICE NG67). */
export const escalationEvents = sqliteTable(
  'escalation_events',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    escalationId: integer('escalation_id')
      .notNull()
      .references(() => escalations.id),
    at: integer('at').notNull(),
    actor: text('actor'),
    action: text('action').notNull(),
    /** Who was called (comma-separated user ids), the outcome code, and the like. Never note text. */
    detail: text('detail'),
  },
  (t) => [index('escalation_events_escalation').on(t.escalationId)],
);

/**
 * Requests already handled, so a replayed submission, a repeated click or a retried event does its
 * thing once: `view:<view id>:<state hash>`, `action:<action_ts>:<action_id>:<user>`,
 * `command:<trigger_id>`, `event:<event_id>`. Kept for a day.
 */
export const seenRequests = sqliteTable(
  'seen_requests',
  {
    key: text('key').primaryKey(),
    at: integer('at').notNull(),
  },
  (t) => [index('seen_requests_at').on(t.at)],
);

/** Who has opened their App Home lately: their Home is kept up to date for 12 hours after. */
export const homeViews = sqliteTable(
  'home_views',
  {
    userId: text('user_id').primaryKey(),
    openedAt: integer('opened_at').notNull(),
    /**
     * What the person's last press from their Home did, in plain words (a Home has no private answers):
     * shown on it for a few minutes, cleared when they open it again. Ids and display names only.
     */
    notice: text('notice'),
    noticeAt: integer('notice_at'),
  },
  (t) => [index('home_views_opened').on(t.openedAt)],
);

/** "I can't work from … to …": one request, with a card in each patch it touches. */
export const coverRequests = sqliteTable(
  'cover_requests',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    requestedBy: text('requested_by').notNull(),
    fromAt: integer('from_at').notNull(),
    toAt: integer('to_at').notNull(),
    /** Shown to the supervisors only, never in a patch channel; never logged. */
    note: text('note'),
    createdAt: integer('created_at').notNull(),
    withdrawnAt: integer('withdrawn_at'),
    /** The requester, or the supervisor or admin who withdrew it for them. */
    withdrawnBy: text('withdrawn_by'),
  },
  // A visit made later joins its assignee's live request: looked up by person and end.
  (t) => [index('cover_requests_person').on(t.requestedBy, t.toAt)],
);

/** One visit of a cover request: open until enough people take it (`slots`), or withdrawn. */
export const coverItems = sqliteTable(
  'cover_items',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    requestId: integer('request_id')
      .notNull()
      .references(() => coverRequests.id),
    visitId: integer('visit_id')
      .notNull()
      .references(() => visits.id),
    patchId: integer('patch_id')
      .notNull()
      .references(() => patches.id),
    /** How many takers it needs (a two-carer visit needs two). */
    slots: integer('slots').notNull().default(1),
    status: text('status', { enum: ['open', 'covered', 'withdrawn', 'cancelled'] })
      .notNull()
      .default('open'),
    /** When an uncovered item goes to the supervisors (the visit's start less the provider's lead). */
    escalateAt: integer('escalate_at'),
    escalatedAt: integer('escalated_at'),
    coveredAt: integer('covered_at'),
  },
  (t) => [
    index('cover_items_escalate').on(t.escalateAt).where(sql`escalate_at is not null`),
    /** The items still open (the App Home's cover lists), without a scan of every item ever made. */
    index('cover_items_open').on(t.patchId).where(sql`status = 'open'`),
    index('cover_items_visit').on(t.visitId),
    index('cover_items_request').on(t.requestId),
  ],
);

/** Who took a cover item, and who assigned them (a supervisor) if they did not take it themselves. */
export const coverTakes = sqliteTable(
  'cover_takes',
  {
    itemId: integer('item_id')
      .notNull()
      .references(() => coverItems.id),
    userId: text('user_id').notNull(),
    takenAt: integer('taken_at').notNull(),
    assignedBy: text('assigned_by'),
  },
  (t) => [primaryKey({ columns: [t.itemId, t.userId] })],
);

/** The delegated health tasks the provider has (insulin, eye drops…): from the roster or /patch. */
export const tasks = sqliteTable('tasks', {
  code: text('code').primaryKey(),
  name: text('name').notNull(),
  archivedAt: integer('archived_at'),
});

/** Which tasks a fixed-visit plan needs. */
export const planTasks = sqliteTable(
  'plan_tasks',
  {
    planId: integer('plan_id')
      .notNull()
      .references(() => plans.id),
    taskCode: text('task_code')
      .notNull()
      .references(() => tasks.code),
  },
  (t) => [primaryKey({ columns: [t.planId, t.taskCode] })],
);

/** A supervisor signed an assistant off for a task until a date; withdrawn or renewed later. */
export const signoffs = sqliteTable(
  'signoffs',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    userId: text('user_id').notNull(),
    taskCode: text('task_code')
      .notNull()
      .references(() => tasks.code),
    signedBy: text('signed_by').notNull(),
    signedAt: integer('signed_at').notNull(),
    /** Local date of the last day it is valid (inclusive). */
    expiresOn: text('expires_on').notNull(),
    withdrawnBy: text('withdrawn_by'),
    withdrawnAt: integer('withdrawn_at'),
    /** When the assistant and the supervisors were told it expires soon (once). */
    remindedAt: integer('reminded_at'),
  },
  (t) => [index('signoffs_user_task').on(t.userId, t.taskCode)],
);

/** Every change made to the set-up from Slack or the CLI: who, what, before and after, when. */
export const auditLog = sqliteTable(
  'audit_log',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    at: integer('at').notNull(),
    actor: text('actor'),
    /** `patch`, `client`, `plan`, `assistants`, `signoff`, `task`… */
    entity: text('entity').notNull(),
    entityId: text('entity_id').notNull(),
    action: text('action').notNull(),
    /** JSON of the fields before and after; ids and settings only (display names are set-up, not notes). */
    before: text('before'),
    after: text('after'),
  },
  (t) => [index('audit_log_entity').on(t.entity, t.entityId)],
);

/**
 * The weekly quality report's figures, worked out once by its job (patch by patch, each in its own
 * short read, so no long transaction and no slow render), which the report's messages are drawn from.
 * One row per ISO week (`2026-W48`) and patch. `summary` is JSON of that week's and the week before's
 * counts and values (report/model.ts `Summary`): numbers and Slack user ids, never a name or a note.
 */
export const reportFigures = sqliteTable(
  'report_figures',
  {
    week: text('week').notNull(),
    patchId: integer('patch_id')
      .notNull()
      .references(() => patches.id),
    summary: text('summary').notNull(),
    computedAt: integer('computed_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.week, t.patchId] })],
);
