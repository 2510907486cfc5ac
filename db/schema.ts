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

export const patches = sqliteTable('patches', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  code: text('code').notNull().unique(),
  name: text('name').notNull(),
  channelId: text('channel_id').notNull().unique(),
  maxClients: integer('max_clients').notNull().default(10),
  digestAt: text('digest_at').notNull().default('07:00'),
  /** JSON `{"thresholds":{…}}` of patch-level overrides. */
  settings: text('settings').notNull().default('{}'),
  archivedAt: integer('archived_at'),
});

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
  },
  (t) => [
    index('visits_patch_status').on(t.patchId, t.status),
    uniqueIndex('visits_plan_day').on(t.planId, t.occursOn),
    index('visits_starts_at').on(t.startsAt),
    index('visits_day').on(t.patchId, t.occursOn),
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

export const ESCALATION_KINDS = ['medication', 'missed_visit', 'unclaimed_popback'] as const;
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
  (t) => [index('escalations_next').on(t.nextAt), index('escalations_visit').on(t.visitId)],
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
