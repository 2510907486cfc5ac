import type { WebClient } from '@slack/web-api';
import type { Db } from '../../db/index.ts';
import type { Job } from '../jobs/scheduler.ts';
import { errorFields, type Log } from '../log.ts';
import { assistantsOf } from '../patches/store.ts';
import { slackErrorOf } from '../slack/deliverer.ts';
import { breathe } from '../time.ts';
import { channelNames, channelSlug } from './model.ts';
import { recordChannel } from './service.ts';
import { channelHolder, type PatchRow, pendingChannelPatches } from './store.ts';

/**
 * The Slack side of a patch's channel: making it (`/patch new`, or a roster's `channel: new`), inviting
 * the assistants, and removing a former assistant once an admin confirms it.
 *
 * A channel is made by a job over the patches whose channel is still pending (`new:<code>`), so it is
 * made once however often it is asked for, and after a restart: `conversations.create` with the patch's
 * name as a slug; when Slack answers `name_taken`, the channel of that name is looked up
 * (`conversations.list`), and taken over if this bot made it (a run that made it but stopped before
 * recording it) and no other patch has it. A name someone else took is skipped for the next one
 * (`westbury-north-2` …).
 */

/** Errors that say something about this person or this channel: no retry mends them. */
const FINAL_INVITE_ERRORS = new Set([
  'cant_invite',
  'cant_invite_self',
  'user_not_found',
  'user_is_bot',
  'user_is_restricted',
  'user_is_ultra_restricted',
  'user_disabled',
  'not_in_channel',
  'is_archived',
  'channel_not_found',
  'method_not_supported_for_channel_type',
  'missing_scope',
  'restricted_action',
  'invitee_cant_see_channel',
  'no_permission',
  'ura_max_channels',
  'not_allowed_token_type',
]);

export interface InviteResult {
  invited: string[];
  /** Already members (Slack's `already_in_channel`). */
  already: string[];
  failed: Array<{ userId: string; error: string }>;
}

/**
 * Invites each person to a channel, one call each (Slack invites none of a list if one fails). The bot
 * joins a public channel first if Slack says it is not in it. With `retryable: 'throw'`, an error a
 * later try may mend (Slack busy, a network fault) is thrown for the caller to try again; otherwise it
 * is reported with the rest.
 */
export async function inviteAll(
  client: WebClient,
  channel: string,
  userIds: readonly string[],
  opts: { retryable?: 'throw' | 'report' } = {},
): Promise<InviteResult> {
  const out: InviteResult = { invited: [], already: [], failed: [] };
  let joined = false;
  for (const userId of userIds) {
    for (let attempt = 0; ; attempt++) {
      try {
        await client.conversations.invite({ channel, users: userId });
        out.invited.push(userId);
      } catch (err) {
        const error = slackErrorOf(err);
        if (error === 'already_in_channel') {
          out.already.push(userId);
        } else if (error === 'not_in_channel' && !joined && attempt === 0) {
          joined = true;
          try {
            await client.conversations.join({ channel });
            continue;
          } catch (joinErr) {
            out.failed.push({ userId, error: slackErrorOf(joinErr) ?? 'not_in_channel' });
          }
        } else if (error && FINAL_INVITE_ERRORS.has(error)) {
          out.failed.push({ userId, error });
        } else if (opts.retryable === 'throw') {
          throw err;
        } else {
          out.failed.push({ userId, error: error ?? String(errorFields(err).error ?? 'error') });
        }
      }
      break;
    }
  }
  return out;
}

export type RemoveResult = 'removed' | 'not_in_channel' | { error: string };

/** Removes a person from a channel (an admin confirmed it). */
export async function removeFromChannel(
  client: WebClient,
  channel: string,
  userId: string,
): Promise<RemoveResult> {
  try {
    await client.conversations.kick({ channel, user: userId });
    return 'removed';
  } catch (err) {
    const error = slackErrorOf(err);
    if (error === 'not_in_channel') return 'not_in_channel';
    return { error: error ?? String(errorFields(err).error ?? 'error') };
  }
}

interface MadeChannel {
  id: string;
  name: string;
  adopted: boolean;
}

/** The public channel of this name, if Slack lists one (archived ones are not: their names stay taken). */
async function findChannel(
  client: WebClient,
  name: string,
): Promise<{ id: string; creator: string | undefined } | undefined> {
  let cursor: string | undefined;
  for (let page = 0; page < 50; page++) {
    const res = await client.conversations.list({
      types: 'public_channel',
      exclude_archived: true,
      limit: 200,
      ...(cursor ? { cursor } : {}),
    });
    const hit = res.channels?.find((c) => c.name === name);
    if (hit?.id) return { id: hit.id, creator: hit.creator };
    cursor = res.response_metadata?.next_cursor || undefined;
    if (!cursor) return undefined;
  }
  return undefined;
}

/** Makes the patch's channel, or finds the one an earlier run made. Throws what a later try may mend. */
async function makeChannel(
  client: WebClient,
  patch: PatchRow,
  botUserId: string,
  isTaken: (channelId: string) => boolean,
): Promise<MadeChannel> {
  for (const name of channelNames(channelSlug(patch.name, patch.code))) {
    try {
      const res = await client.conversations.create({ name, is_private: false });
      const id = res.channel?.id;
      if (!id) throw new Error('conversations.create answered without a channel id');
      return { id, name, adopted: false };
    } catch (err) {
      if (slackErrorOf(err) !== 'name_taken') throw err;
    }
    const found = await findChannel(client, name);
    if (found && found.creator === botUserId && !isTaken(found.id))
      return { id: found.id, name, adopted: true };
  }
  throw new Error('every channel name tried is taken');
}

export interface ChannelJobDeps {
  db: Db;
  log: Log;
  client: WebClient;
}

/** How long a patch waits after a failed try: 5 s, doubling, at most 5 minutes. */
const BACKOFF_MS = 5000;
const BACKOFF_MAX_MS = 300_000;

/**
 * The job that makes pending patches' channels. `nextDue` is the patches whose channel id is in the
 * `new:` range of the channel id's unique index (a few at most), each at its back-off; a failed try
 * backs that patch off alone.
 */
export function channelsJob(deps: ChannelJobDeps): Job {
  const { db, log, client } = deps;
  const waits = new Map<number, { at: number; fails: number }>();
  let botUserId: string | undefined;
  return {
    name: 'channels',
    nextDue(d) {
      const pending = pendingChannelPatches(d);
      if (pending.length === 0) return null;
      return Math.min(...pending.map((p) => waits.get(p.id)?.at ?? 0));
    },
    async run(now) {
      let made = 0;
      for (const patch of pendingChannelPatches(db)) {
        const wait = waits.get(patch.id);
        if (wait && wait.at > now) continue;
        try {
          if (!botUserId) {
            const me = await client.auth.test();
            botUserId = typeof me.user_id === 'string' ? me.user_id : undefined;
            if (!botUserId) throw new Error('auth.test answered without a user id');
          }
          const channel = await makeChannel(
            client,
            patch,
            botUserId,
            (id) => channelHolder(db, id) !== undefined,
          );
          const invites = await inviteAll(client, channel.id, assistantsOf(db, patch.id), {
            retryable: 'throw',
          });
          const recorded = recordChannel(
            { db },
            patch.id,
            channel.id,
            {
              name: channel.name,
              adopted: channel.adopted,
              invited: [...invites.invited, ...invites.already],
              notInvited: invites.failed.map((f) => f.userId),
            },
            now,
          );
          waits.delete(patch.id);
          if (recorded) made++;
          log.info('admin.channel_made', {
            patch: patch.id,
            channel: channel.id,
            adopted: channel.adopted,
            invited: invites.invited.length,
            notInvited: invites.failed.length,
          });
          for (const f of invites.failed)
            log.warn('admin.invite_failed', { patch: patch.id, user: f.userId, slackError: f.error });
        } catch (err) {
          const fails = (wait?.fails ?? 0) + 1;
          waits.set(patch.id, { at: now + Math.min(BACKOFF_MAX_MS, BACKOFF_MS * 2 ** (fails - 1)), fails });
          log.warn('admin.channel_failed', { patch: patch.id, fails, ...errorFields(err) });
        }
        await breathe();
      }
      return made;
    },
  };
}
