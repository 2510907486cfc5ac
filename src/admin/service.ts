import { type Db, inTransaction } from '../../db/index.ts';
import type { ServiceDeps } from '../deps.ts';
import { recordAudit } from '../patches/audit.ts';
import { type RosterFile, THRESHOLD_FIELDS, type ThresholdsFile } from '../patches/export.ts';
import { isPendingChannel, pendingChannel, releasedChannel, replaceAssistants } from '../patches/import.ts';
import { settingsWithThresholds, thresholdsFromSettings } from '../patches/model.ts';
import { DEFAULT_MAX_CLIENTS, patchSchema } from '../patches/roster.ts';
import { NEW_CHANNEL } from '../patches/roster-fields.ts';
import { assistantsOf } from '../patches/store.ts';
import { esc, mentionAll } from '../slack/blocks.ts';
import { markDue, moveChannel, PRIORITY, type Renderer, type SubjectKind } from '../slack/outbox.ts';
import { type AdminDeps, type ChangeResult, check, draftOf, fail, followPlans, NO_SETUP } from './change.ts';
import { formWords, peopleChange } from './model.ts';
import {
  channelHolder,
  getPatchRow,
  insertPatch,
  type PatchRow,
  patchByCode,
  recordPatchChannel,
  releaseArchivedChannel,
  updatePatch,
} from './store.ts';
import { welcomeMessage } from './views.ts';

/** Admin changes to a patch itself: its assistants, digest time and thresholds; a new patch and its channel; the welcome. */

export interface PatchInput {
  assistants: string[];
  digestAt: string | null;
  /** Every threshold of the patch (snake_case); undefined: not set here (the provider's applies). */
  thresholds: Partial<Record<keyof ThresholdsFile, number | string | undefined>>;
}

export const PATCH_THRESHOLDS = Object.values(THRESHOLD_FIELDS);

/** A change of a patch's assistants, morning rota time or thresholds. */
export function changePatch(
  deps: AdminDeps,
  actor: string,
  patchId: number,
  input: PatchInput,
): ChangeResult {
  const now = deps.clock.now();
  return inTransaction(deps.db, (tx) => {
    const draft = draftOf(tx);
    if (!draft) return fail({ assistants: NO_SETUP });
    const p = draft.index.patches.get(patchId);
    const row = getPatchRow(tx, patchId);
    if (p === undefined || !row) return fail({ assistants: 'This patch no longer exists.' });
    const file = structuredClone(draft.file);
    const patchFile = file.patches[p] as RosterFile['patches'][number];
    patchFile.assistants = input.assistants;
    if (input.digestAt === null) delete (patchFile as { digest_at?: string }).digest_at;
    else patchFile.digest_at = input.digestAt;
    const thresholds: Record<string, unknown> = {};
    for (const name of PATCH_THRESHOLDS) {
      const value = input.thresholds[name];
      if (value !== undefined) thresholds[name] = value;
    }
    if (Object.keys(thresholds).length > 0) patchFile.thresholds = thresholds as ThresholdsFile;
    else delete patchFile.thresholds;
    const clientNames = (patchFile.clients ?? []).map((c) => c.name);
    const errors = check(
      draft,
      file,
      ['patches', p],
      ['assistants', 'digest_at', ...PATCH_THRESHOLDS],
      'assistants',
      (problem) => {
        // A key worker who would no longer be an assistant: say whose, and what to do first.
        const [, , clients, c, field] = problem.path;
        if (clients === 'clients' && field === 'key_worker' && typeof c === 'number') {
          const name = clientNames[c] ?? 'A client';
          return `${name}'s key worker would no longer be an assistant here: give ${name} another key worker first.`;
        }
        return formWords(problem.message);
      },
    );
    if (errors) return fail(errors);
    const value = patchSchema.safeParse(patchFile);
    if (!value.success) return fail({ assistants: 'This set-up cannot be saved as it is.' });
    const patch = value.data;
    const beforeAssistants = assistantsOf(tx, patchId);
    const { added, removed } = peopleChange(beforeAssistants, patch.assistants);
    const settings = settingsWithThresholds(row.settings, patch.thresholds);
    const beforeThresholds = thresholdsFromSettings(row.settings);
    const parts: string[] = [];
    if (row.digestAt !== patch.digestAt || settings !== row.settings) {
      updatePatch(tx, patchId, {
        digestAt: patch.digestAt,
        settings,
        // A new digest time is worked out again by the rota.
        ...(row.digestAt !== patch.digestAt ? { digestDueAt: null } : {}),
      });
      recordAudit(tx, {
        at: now,
        actor,
        entity: 'patch',
        entityId: row.code,
        action: 'settings',
        before: { digestAt: row.digestAt, thresholds: beforeThresholds },
        after: { digestAt: patch.digestAt, thresholds: patch.thresholds },
      });
      if (row.digestAt !== patch.digestAt) parts.push(`the morning rota is posted at ${patch.digestAt}`);
      if (settings !== row.settings) parts.push('the alert thresholds are changed');
    }
    if (added.length + removed.length > 0) {
      replaceAssistants(tx, patchId, patch.assistants);
      recordAudit(tx, {
        at: now,
        actor,
        entity: 'assistants',
        entityId: row.code,
        action: 'change',
        before: beforeAssistants,
        after: [...patch.assistants].sort(),
      });
      if (added.length > 0)
        parts.push(`${mentionAll(added)} ${added.length === 1 ? 'is' : 'are'} now an assistant`);
      if (removed.length > 0)
        parts.push(`${mentionAll(removed)} ${removed.length === 1 ? 'is' : 'are'} no longer an assistant`);
    }
    if (parts.length === 0) return { ok: true, patchId, text: `Nothing changed in ${esc(row.name)}.` };
    followPlans(tx, deps, patchId, now, settings !== row.settings);
    return { ok: true, patchId, text: `${esc(row.name)}: ${parts.join('; ')}.`, added, removed };
  });
}

export interface NewPatchInput {
  code: string;
  name: string;
  assistants: string[];
  digestAt: string | null;
}

const NEW_PATCH_FIELDS = ['code', 'name', 'assistants', 'digest_at'] as const;

/**
 * `/patch setup` (with `channelId`: the channel it was typed in) or `/patch new` (without: the bot
 * makes the channel, see channels.ts): a new patch with its assistants and morning rota time.
 */
export function createPatch(
  deps: AdminDeps,
  actor: string,
  input: NewPatchInput & { channelId?: string },
): ChangeResult {
  const now = deps.clock.now();
  return inTransaction(deps.db, (tx) => {
    const draft = draftOf(tx);
    if (!draft) return fail({ code: NO_SETUP });
    const code = input.code.trim();
    const same = code ? patchByCode(tx, code) : undefined;
    if (same) {
      return fail({
        code: `${code} is already the code of ${same.archivedAt === null ? esc(same.name) : 'an archived patch'}: choose another`,
      });
    }
    if (input.channelId) {
      const holder = channelHolder(tx, input.channelId);
      if (holder && holder.archivedAt === null)
        return fail({ code: `This channel is already the channel of ${esc(holder.name)}.` });
    }
    const file = structuredClone(draft.file);
    const p = file.patches.length;
    file.patches.push({
      code,
      name: input.name,
      channel: input.channelId ?? NEW_CHANNEL,
      assistants: input.assistants,
      ...(input.digestAt === null ? {} : { digest_at: input.digestAt }),
    } as RosterFile['patches'][number]);
    const errors = check(draft, file, ['patches', p], NEW_PATCH_FIELDS, 'name');
    if (errors) return fail(errors);
    const value = patchSchema.safeParse(file.patches[p]);
    if (!value.success) return fail({ name: 'This patch cannot be set up as it is.' });
    const patch = value.data;
    const channelId = input.channelId ?? pendingChannel(patch.code);
    if (input.channelId) releaseArchivedChannel(tx, input.channelId, releasedChannel);
    const id = insertPatch(tx, {
      code: patch.code,
      name: patch.name,
      channelId,
      digestAt: patch.digestAt,
      maxClients: DEFAULT_MAX_CLIENTS,
    });
    replaceAssistants(tx, id, patch.assistants);
    recordAudit(tx, {
      at: now,
      actor,
      entity: 'patch',
      entityId: patch.code,
      action: input.channelId ? 'setup' : 'new',
      after: {
        code: patch.code,
        name: patch.name,
        channel: input.channelId ?? NEW_CHANNEL,
        assistants: patch.assistants,
        digestAt: patch.digestAt,
      },
    });
    if (input.channelId) dueWelcome(tx, id, input.channelId, now);
    followPlans(tx, deps, id, now);
    const who = mentionAll(patch.assistants);
    return {
      ok: true,
      patchId: id,
      added: [...patch.assistants].sort(),
      removed: [],
      text: input.channelId
        ? `This channel is now the patch *${esc(patch.name)}* (${esc(patch.code)}), with ${who} as assistants. Add its clients with \`/patch\`.`
        : `The patch *${esc(patch.name)}* (${esc(patch.code)}) is set up, with ${who} as assistants. patchbot is making its channel now and will invite them; a welcome is posted there when it is ready.`,
    };
  });
}

/**
 * The bot made (or found) a patch's channel: record it, move any message already owed to the
 * placeholder, and post the welcome. False when another run recorded it already.
 */
export function recordChannel(
  deps: Pick<ServiceDeps, 'db'>,
  patchId: number,
  channelId: string,
  how: { name: string; adopted: boolean; invited: string[]; notInvited: string[] },
  now: number,
): boolean {
  return inTransaction(deps.db, (tx) => {
    const row = getPatchRow(tx, patchId);
    if (!row || !isPendingChannel(row.channelId)) return false;
    if (!recordPatchChannel(tx, patchId, row.channelId, channelId)) return false;
    moveChannel(tx, row.channelId, channelId, now);
    recordAudit(tx, {
      at: now,
      actor: null,
      entity: 'patch',
      entityId: row.code,
      action: how.adopted ? 'channel_found' : 'channel_made',
      before: { channel: row.channelId },
      after: { channel: channelId, name: how.name, invited: how.invited, notInvited: how.notInvited },
    });
    dueWelcome(tx, patchId, channelId, now);
    return true;
  });
}

/** The removal of a former assistant from the channel, after an admin confirmed it. */
export function recordKick(
  deps: Pick<ServiceDeps, 'db' | 'clock'>,
  actor: string,
  patch: PatchRow,
  userId: string,
): void {
  inTransaction(deps.db, (tx) =>
    recordAudit(tx, {
      at: deps.clock.now(),
      actor,
      entity: 'channel',
      entityId: patch.channelId,
      action: 'remove',
      after: { patch: patch.code, user: userId },
    }),
  );
}

// ---------------------------------------------------------------------------------------------------
// The welcome in a patch's channel: a message the bot keeps, drawn from the set-up as it is.

export const welcomeSubject = (patchId: number): string => `setup:${patchId}`;

function dueWelcome(tx: Db, patchId: number, channel: string, now: number): void {
  markDue(tx, { subject: welcomeSubject(patchId), channel, priority: PRIORITY.digest }, now);
}

export const renderWelcome: Renderer = (db, subject) => {
  const id = Number(subject.slice('setup:'.length));
  const patch = Number.isInteger(id) ? getPatchRow(db, id) : undefined;
  if (!patch || patch.archivedAt !== null || isPendingChannel(patch.channelId)) return null;
  return welcomeMessage({
    name: patch.name,
    code: patch.code,
    assistants: assistantsOf(db, patch.id),
    digestAt: patch.digestAt,
  });
};

export const adminSubjects: SubjectKind[] = [
  { prefix: 'setup:', priority: PRIORITY.digest, render: renderWelcome },
];
