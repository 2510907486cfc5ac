import { inTransaction } from '../../db/index.ts';
import { recordAudit } from '../patches/audit.ts';
import type { RosterFile } from '../patches/export.ts';
import { clientSchema } from '../patches/roster.ts';
import type { Problem } from '../patches/roster-fields.ts';
import { esc } from '../slack/blocks.ts';
import {
  type AdminDeps,
  type ChangeResult,
  check,
  draftOf,
  fail,
  followPlans,
  keyWorkerRefusal,
  NO_SETUP,
} from './change.ts';
import { formWords } from './model.ts';
import {
  archiveClient as archiveClientRows,
  clientByCode,
  getClientRow,
  getPatchRow,
  insertClient,
  updateClient,
} from './store.ts';

/** Admin changes to a patch's clients: add, edit, archive (see change.ts for how every change runs). */

export interface ClientInput {
  /** Only when adding: the client's code (their identity in the roster). */
  code?: string;
  name: string;
  keyWorker: string | null;
}

const CLIENT_FIELDS = ['code', 'name', 'key_worker'] as const;

/** The roster's words for a key worker who is not an assistant name them by id; a form says what to do. */
function clientWords(problem: Problem): string {
  if (
    problem.path.at(-1) === 'key_worker' &&
    problem.message.includes("is not one of this patch's assistants")
  ) {
    return "Choose one of this patch's assistants (or change the assistants first).";
  }
  return formWords(problem.message);
}

export function addClient(deps: AdminDeps, actor: string, patchId: number, input: ClientInput): ChangeResult {
  const now = deps.clock.now();
  return inTransaction(deps.db, (tx) => {
    const draft = draftOf(tx);
    if (!draft) return fail({ name: NO_SETUP });
    const p = draft.index.patches.get(patchId);
    const patch = getPatchRow(tx, patchId);
    if (p === undefined || !patch) return fail({ name: 'This patch no longer exists.' });
    const code = (input.code ?? '').trim();
    const holder = code ? clientByCode(tx, code) : undefined;
    if (holder) {
      return fail({
        code: `${code} is already the code of ${holder.archivedAt === null ? esc(holder.name) : 'an archived client'}: choose another`,
      });
    }
    const file = structuredClone(draft.file);
    const patchFile = file.patches[p] as RosterFile['patches'][number];
    patchFile.clients ??= [];
    const c = patchFile.clients.length;
    patchFile.clients.push({
      code,
      name: input.name,
      ...(input.keyWorker ? { key_worker: input.keyWorker } : {}),
    });
    const errors = check(draft, file, ['patches', p, 'clients', c], CLIENT_FIELDS, 'name', clientWords);
    if (errors) return fail(errors);
    const value = clientSchema.safeParse(patchFile.clients[c]);
    if (!value.success) return fail({ name: 'This client cannot be added as it is.' });
    const client = value.data;
    const refusal = client.keyWorker
      ? keyWorkerRefusal(tx, deps.setupGuards, {
          patchId,
          clientId: null,
          clientCode: client.code,
          clientName: client.name,
          from: null,
          to: client.keyWorker,
          actor,
          at: now,
        })
      : null;
    if (refusal) return fail({ key_worker: refusal });
    insertClient(tx, { code: client.code, patchId, name: client.name, keyWorker: client.keyWorker });
    recordAudit(tx, {
      at: now,
      actor,
      entity: 'client',
      entityId: client.code,
      action: 'add',
      after: { patch: patch.code, code: client.code, name: client.name, keyWorker: client.keyWorker },
    });
    followPlans(tx, deps, patchId, now);
    return {
      ok: true,
      patchId,
      text: `*${esc(client.name)}* (${esc(client.code)}) is added to ${esc(patch.name)}${keyWorkerWords(client.keyWorker)}.`,
    };
  });
}

export function editClient(
  deps: AdminDeps,
  actor: string,
  clientId: number,
  input: ClientInput,
): ChangeResult {
  const now = deps.clock.now();
  return inTransaction(deps.db, (tx) => {
    const draft = draftOf(tx);
    if (!draft) return fail({ name: NO_SETUP });
    const row = getClientRow(tx, clientId);
    const at = draft.index.clients.get(clientId);
    if (!row || row.archivedAt !== null || !at)
      return fail({ name: 'This client is no longer in the set-up.' });
    const { p, c } = at;
    const file = structuredClone(draft.file);
    const entry = file.patches[p]?.clients?.[c];
    if (!entry) return fail({ name: 'This client is no longer in the set-up.' });
    entry.name = input.name;
    if (input.keyWorker) entry.key_worker = input.keyWorker;
    else delete entry.key_worker;
    const errors = check(draft, file, ['patches', p, 'clients', c], CLIENT_FIELDS, 'name', clientWords);
    if (errors) return fail(errors);
    const value = clientSchema.safeParse(entry);
    if (!value.success) return fail({ name: 'This client cannot be changed as it is.' });
    const client = value.data;
    if (client.name === row.name && client.keyWorker === row.keyWorker) {
      return { ok: true, patchId: row.patchId, text: `Nothing changed for *${esc(row.name)}*.` };
    }
    if (client.keyWorker !== row.keyWorker) {
      const refusal = keyWorkerRefusal(tx, deps.setupGuards, {
        patchId: row.patchId,
        clientId,
        clientCode: row.code,
        clientName: client.name,
        from: row.keyWorker,
        to: client.keyWorker,
        actor,
        at: now,
      });
      if (refusal) return fail({ key_worker: refusal });
    }
    updateClient(tx, clientId, { name: client.name, keyWorker: client.keyWorker });
    recordAudit(tx, {
      at: now,
      actor,
      entity: 'client',
      entityId: row.code,
      action: 'edit',
      before: { name: row.name, keyWorker: row.keyWorker },
      after: { name: client.name, keyWorker: client.keyWorker },
    });
    followPlans(tx, deps, row.patchId, now);
    const parts: string[] = [];
    if (client.name !== row.name) parts.push(`is now called *${esc(client.name)}*`);
    if (client.keyWorker !== row.keyWorker) {
      parts.push(
        client.keyWorker
          ? `has <@${client.keyWorker}> as key worker, for visits from now on`
          : 'has no key worker now',
      );
    }
    return { ok: true, patchId: row.patchId, text: `*${esc(row.name)}* ${parts.join(' and ')}.` };
  });
}

export function archiveClient(deps: AdminDeps, actor: string, clientId: number): ChangeResult {
  const now = deps.clock.now();
  return inTransaction(deps.db, (tx) => {
    const row = getClientRow(tx, clientId);
    if (!row || row.archivedAt !== null) return fail({ name: 'This client is no longer in the set-up.' });
    const ended = archiveClientRows(tx, clientId, now);
    recordAudit(tx, {
      at: now,
      actor,
      entity: 'client',
      entityId: row.code,
      action: 'archive',
      before: { name: row.name, keyWorker: row.keyWorker, plans: ended },
    });
    followPlans(tx, deps, row.patchId, now);
    const plans = ended.length === 1 ? '1 visit plan' : `${ended.length} visit plans`;
    return {
      ok: true,
      patchId: row.patchId,
      text: `*${esc(row.name)}* is archived: ${plans} ended, and the visits still to come are called off. Past visits stay as they were.`,
    };
  });
}

function keyWorkerWords(userId: string | null): string {
  return userId ? `, key worker <@${userId}>` : ', no key worker';
}
