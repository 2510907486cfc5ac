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
    ts: text('ts'),
    /** Set while a first post is in flight; if still set after a crash, the post's fate is unknown. */
    postStartedAt: integer('post_started_at'),
    wantRev: integer('want_rev').notNull().default(1),
    doneRev: integer('done_rev').notNull().default(0),
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: integer('next_attempt_at').notNull().default(0),
    lastError: text('last_error'),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [index('slack_messages_pending').on(t.nextAttemptAt).where(sql`want_rev > done_rev`)],
);
