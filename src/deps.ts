import type { Db } from '../db/index.ts';
import type { Log } from './log.ts';
import type { Clock } from './time.ts';
import type { Hub } from './visits/service.ts';

/** What every listener, service and job is handed, so tests swap parts without module mocks. */
export interface Deps {
  db: Db;
  clock: Clock;
  log: Log;
  /** The visits hub: the reactions and guards the composition root hands in. */
  hub: Hub;
  /** After a write: deliver to Slack at once, and let the jobs look again (something may be due sooner). */
  wake(): void;
}

/** What a service (a use-case over the database) needs: no Slack. */
export type ServiceDeps = Pick<Deps, 'db' | 'clock' | 'log' | 'hub'>;
