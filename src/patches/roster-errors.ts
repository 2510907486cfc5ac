import type { parseDocument } from 'yaml';
import type { z } from 'zod';
import { normalizeText, printable, textKey } from '../text.ts';
import {
  asRecord,
  DEFAULT_MAX_CLIENTS,
  NEW_CHANNEL,
  type Path,
  type Problem,
  USER_ID,
} from './roster-fields.ts';
import { checkEscalation, checkOnCall } from './roster-supervisors.ts';

/**
 * How the roster file's problems are reported: each as `path: problem`, e.g.
 * `patches[1].clients[0].visits[2].at: expected HH:mm`, in file order. Holds the plain-English wording
 * of zod's generic issues and the rules that span several places in the file.
 */

export type { Path, Problem } from './roster-fields.ts';

/** `patches[0].clients[3].name`; the root is `roster`. Keys are shown printable (src/text.ts). */
export function formatPath(path: Path): string {
  let out = '';
  for (const key of path) {
    out += typeof key === 'number' ? `[${key}]` : out === '' ? printable(key) : `.${printable(key)}`;
  }
  return out === '' ? 'roster' : out;
}

/** Plain-English messages for zod's generic issues; specific schemas carry their own. */
export function messageFor(issue: z.core.$ZodRawIssue): string | undefined {
  switch (issue.code) {
    case 'invalid_type': {
      if (issue.input === undefined) return 'required';
      const expected: Record<string, string> = {
        string: 'expected text',
        number: 'expected a number',
        int: 'expected a whole number',
        boolean: 'expected true or false',
        array: 'expected a list',
        object: 'expected a mapping of keys to values',
      };
      return expected[issue.expected] ?? `expected ${issue.expected}`;
    }
    case 'too_small': {
      const min = Number(issue.minimum);
      if (issue.origin === 'string')
        return min <= 1 ? 'must not be empty' : `must be at least ${min} characters`;
      if (issue.origin === 'array') return min <= 1 ? 'must not be empty' : `must have at least ${min} items`;
      return `must be at least ${min}`;
    }
    case 'too_big': {
      const max = Number(issue.maximum);
      if (issue.origin === 'string') return `must be at most ${max} characters`;
      if (issue.origin === 'array') return `must have at most ${max} items`;
      return `must be at most ${max}`;
    }
    default:
      return undefined;
  }
}

/**
 * Rules that span several places in the file: unique codes and channels, the per-patch client limit,
 * key workers among the patch's assistants, distinct client names within a patch (compared by textKey:
 * NFKC, case, spacing), on-call shifts of some length held by supervisors, reminders before
 * un-acknowledging. Run on the raw document even when other fields are invalid, so one pass reports
 * everything.
 */
export function crossCheck(raw: unknown): Problem[] {
  const problems: Problem[] = [];
  const root = asRecord(raw);
  problems.push(...checkOnCall(asRecord(root?.supervisors)), ...checkEscalation(asRecord(root?.escalation)));
  const patches = root?.patches;
  if (!Array.isArray(patches)) return problems;
  const supervisorsChannel = asRecord(root?.supervisors)?.channel;
  const patchCodes = new Map<string, number>();
  const channels = new Map<string, number>();
  const clientCodes = new Map<string, Path>();
  const taskCodes = new Set(Object.keys(asRecord(root?.tasks) ?? {}));

  patches.forEach((patchValue, p) => {
    const patch = asRecord(patchValue);
    if (!patch) return;
    if (typeof patch.code === 'string') {
      const key = patch.code.toLowerCase();
      const first = patchCodes.get(key);
      if (first !== undefined) {
        problems.push({
          path: ['patches', p, 'code'],
          message: `duplicate patch code "${printable(patch.code)}" (already used by patches[${first}])`,
        });
      } else {
        patchCodes.set(key, p);
      }
    }
    if (typeof patch.channel === 'string' && patch.channel !== NEW_CHANNEL) {
      const first = channels.get(patch.channel);
      if (patch.channel === supervisorsChannel) {
        problems.push({
          path: ['patches', p, 'channel'],
          message: `${printable(patch.channel)} is the supervisors' channel; a patch needs a channel of its own`,
        });
      } else if (first !== undefined) {
        problems.push({
          path: ['patches', p, 'channel'],
          message: `duplicate channel ${printable(patch.channel)} (already used by patches[${first}])`,
        });
      } else {
        channels.set(patch.channel, p);
      }
    }

    const clients = patch.clients;
    if (!Array.isArray(clients)) return;
    const maxClients = patch.max_clients === undefined ? DEFAULT_MAX_CLIENTS : patch.max_clients;
    if (
      typeof maxClients === 'number' &&
      Number.isInteger(maxClients) &&
      maxClients >= 1 &&
      maxClients <= 50 &&
      clients.length > maxClients
    ) {
      problems.push({
        path: ['patches', p, 'clients'],
        message: `${clients.length} clients, but a patch holds at most ${maxClients} (max_clients)`,
      });
    }
    const assistants = Array.isArray(patch.assistants) ? patch.assistants : undefined;
    const names = new Map<string, number>();

    clients.forEach((clientValue, c) => {
      const client = asRecord(clientValue);
      if (!client) return;
      const here: Path = ['patches', p, 'clients', c];
      if (typeof client.code === 'string') {
        const key = client.code.toLowerCase();
        const first = clientCodes.get(key);
        if (first !== undefined) {
          problems.push({
            path: [...here, 'code'],
            message: `duplicate client code "${printable(client.code)}" (already used by ${formatPath(first)})`,
          });
        } else {
          clientCodes.set(key, here);
        }
      }
      if (typeof client.name === 'string' && client.name.trim() !== '') {
        // Compared as they read: `Zoë` typed composed or decomposed, `MRS P` or `Mrs  P`, are one name.
        const key = textKey(client.name);
        const first = names.get(key);
        if (first !== undefined) {
          problems.push({
            path: [...here, 'name'],
            message: `"${printable(normalizeText(client.name.trim()))}" is already the name of patches[${p}].clients[${first}]: names must tell clients apart`,
          });
        } else {
          names.set(key, c);
        }
      }
      const plans = Array.isArray(client.visits) ? client.visits : [];
      plans.forEach((planValue, v) => {
        const requires = asRecord(planValue)?.requires;
        if (!Array.isArray(requires)) return;
        requires.forEach((code, r) => {
          if (typeof code === 'string' && !taskCodes.has(code)) {
            problems.push({
              path: [...here, 'visits', v, 'requires', r],
              message: `"${printable(code)}" is not one of the tasks listed under tasks:`,
            });
          }
        });
      });
      const keyWorker = client.key_worker;
      if (
        typeof keyWorker === 'string' &&
        USER_ID.test(keyWorker) &&
        assistants !== undefined &&
        !assistants.includes(keyWorker)
      ) {
        problems.push({
          path: [...here, 'key_worker'],
          message: `${printable(keyWorker)} is not one of this patch's assistants`,
        });
      }
    });
  });
  return problems;
}

/** Where a path starts in the source (or its nearest existing parent), to report problems in file order. */
export function sourceOffset(doc: ReturnType<typeof parseDocument>, path: Path): number {
  for (let length = path.length; length >= 0; length--) {
    const node: unknown = length === 0 ? doc.contents : doc.getIn(path.slice(0, length), true);
    if (typeof node === 'object' && node !== null && 'range' in node) {
      const range = (node as { range?: [number, number, number] | null }).range;
      if (range) return range[0];
    }
  }
  return 0;
}
