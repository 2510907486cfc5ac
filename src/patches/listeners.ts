import type { RespondFn } from '@slack/bolt';
import {
  activeClients,
  activePatches,
  type Client,
  findPatchByChannel,
  isPatchTeam,
  type Patch,
} from './store.ts';

/**
 * The checks every patch-channel command makes before it opens its form: is this a patch channel, is
 * the person in its team, does the patch have clients. Each "no" is a private answer that says what
 * the command is for and where it works; the caller goes on only with a patch.
 */
export interface PatchCommandWords {
  /** "`/popback` asks your patch team for … Use it in your patch channel" (the channels are appended). */
  notAPatch: string;
  notTeam: string;
}

export async function patchForCommand(
  db: Parameters<typeof findPatchByChannel>[0],
  args: { channelId: string; userId: string; respond: RespondFn },
  words: PatchCommandWords,
): Promise<{ patch: Patch; clients: Client[] } | null> {
  const answer = (text: string) => args.respond({ response_type: 'ephemeral', text });
  const patch = findPatchByChannel(db, args.channelId);
  if (!patch) {
    const where = activePatches(db)
      .map((p) => `<#${p.channelId}>`)
      .join(', ');
    await answer(`${words.notAPatch}${where ? `: ${where}` : ''}.`);
    return null;
  }
  if (!isPatchTeam(db, patch.id, args.userId)) {
    await answer(words.notTeam);
    return null;
  }
  const clients = activeClients(db, patch.id);
  if (clients.length === 0) {
    await answer('This patch has no clients yet. An admin adds them with `patchbot import roster.yml`.');
    return null;
  }
  return { patch, clients };
}
