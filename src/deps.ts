import type { Db } from '../db/index.ts';
import type { Log } from './log.ts';
import type { Deliverer } from './slack/deliverer.ts';
import type { Clock } from './time.ts';

/** What every listener, service and job is handed, so tests swap parts without module mocks. */
export interface Deps {
  db: Db;
  clock: Clock;
  log: Log;
  /** Kick after a change so the user sees it at once; the outbox holds the change either way. */
  deliverer: Pick<Deliverer, 'kick'>;
}

/** What a service (a use-case over the database) needs: no Slack. */
export type ServiceDeps = Pick<Deps, 'db' | 'clock' | 'log'>;
