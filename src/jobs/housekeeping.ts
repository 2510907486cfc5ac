import { lt, min } from 'drizzle-orm';
import type { Db } from '../../db/index.ts';
import { seenRequests } from '../../db/schema.ts';
import type { Log } from '../log.ts';
import type { Job } from './scheduler.ts';

/** How long a handled request's key is kept: Slack retries an event for minutes, never for a day. */
export const SEEN_KEEP_MS = 24 * 60 * 60_000;

/** Forgets the keys of requests handled more than a day ago. */
export function housekeepingJob(deps: { db: Db; log: Log }): Job {
  const { db, log } = deps;
  return {
    name: 'housekeeping',
    nextDue(d) {
      const oldest =
        d
          .select({ at: min(seenRequests.at) })
          .from(seenRequests)
          .get()?.at ?? null;
      return oldest === null ? null : oldest + SEEN_KEEP_MS;
    },
    async run(now) {
      const { changes } = db
        .delete(seenRequests)
        .where(lt(seenRequests.at, now - SEEN_KEEP_MS))
        .run();
      if (changes > 0) log.debug('housekeeping.forgot_requests', { count: changes });
      return changes;
    },
  };
}
