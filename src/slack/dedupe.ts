import { createHash } from 'node:crypto';
import type { AnyMiddlewareArgs, App } from '@slack/bolt';
import { eq } from 'drizzle-orm';
import type { Db } from '../../db/index.ts';
import { seenRequests } from '../../db/schema.ts';
import type { Log } from '../log.ts';
import type { Clock } from '../time.ts';

/**
 * Every request does its thing once. Slack retries events (`X-Slack-Retry-Num`), a body can be replayed
 * within its signature's five minutes, and a flaky network can deliver a click twice. Each request has
 * a key that names it (a click's `trigger_id` and `action_ts`, a command's `trigger_id`, an event's `event_id`, a view's
 * id and submitted state); a key seen before is acknowledged and dropped. Two real presses of a button
 * are two clicks with two keys: what they do is made idempotent by the visit's own rules.
 */

type Body = Record<string, unknown>;
const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
const obj = (v: unknown): Body | undefined => (typeof v === 'object' && v !== null ? (v as Body) : undefined);

/** The key of a view submission: the view and exactly what was submitted. */
export function submissionKey(body: unknown): string | null {
  const view = obj(obj(body)?.view);
  const id = str(view?.id);
  if (!id) return null;
  const state = JSON.stringify(obj(view?.state)?.values ?? {});
  return `view:${id}:${createHash('sha256').update(state).digest('hex').slice(0, 32)}`;
}

/** The key a request is known by, or null when it has none (then it is never dropped). */
export function requestKey(body: unknown): string | null {
  const b = obj(body);
  if (!b) return null;
  switch (b.type) {
    case 'block_actions': {
      // One click: its trigger (unique to the interaction) and its action's own timestamp.
      const action = obj((b.actions as unknown[] | undefined)?.[0]);
      const trigger = str(b.trigger_id);
      const ts = str(action?.action_ts);
      return trigger && ts ? `action:${trigger}:${ts}:${str(action?.action_id) ?? ''}` : null;
    }
    case 'view_submission':
      return submissionKey(b);
    case 'shortcut':
    case 'message_action':
      return str(b.trigger_id) ? `shortcut:${b.trigger_id}` : null;
    case 'event_callback':
      return str(b.event_id) ? `event:${b.event_id}` : null;
    default:
      // Slash commands have no type: their trigger_id is unique to one invocation.
      return str(b.command) && str(b.trigger_id) ? `command:${b.trigger_id}` : null;
  }
}

function seen(db: Db, key: string): boolean {
  return (
    db.select({ key: seenRequests.key }).from(seenRequests).where(eq(seenRequests.key, key)).get() !==
    undefined
  );
}

/** Records a key; false when it was already there (the request was handled before). */
export function claimKey(db: Db, key: string, now: number): boolean {
  return db.insert(seenRequests).values({ key, at: now }).onConflictDoNothing().run().changes === 1;
}

/**
 * Called by a view submission handler once the form is valid, just before it changes anything (no
 * await in between): a replay that got this far is dropped here. Not in the middleware, because a
 * submission answered with field errors must be submittable again with the same values.
 */
export function claimSubmission(db: Db, body: unknown, now: number): boolean {
  const key = submissionKey(body);
  return key === null || claimKey(db, key, now);
}

/** The submission did not go through after all (an error on the form): the same values may come again. */
export function forgetSubmission(db: Db, body: unknown): void {
  const key = submissionKey(body);
  if (key !== null) db.delete(seenRequests).where(eq(seenRequests.key, key)).run();
}

export function registerDedupe(app: App, deps: { db: Db; clock: Clock; log: Log }): void {
  app.use(async (args) => {
    const { body, next } = args as AnyMiddlewareArgs & { next: () => Promise<void> };
    const key = requestKey(body);
    if (key !== null) {
      const isView = key.startsWith('view:');
      const again = isView ? seen(deps.db, key) : !claimKey(deps.db, key, deps.clock.now());
      if (again) {
        deps.log.info('slack.duplicate_dropped', { kind: key.split(':', 1)[0] });
        const ack = (args as { ack?: () => Promise<void> }).ack;
        if (ack) await ack();
        return;
      }
    }
    await next();
  });
}
