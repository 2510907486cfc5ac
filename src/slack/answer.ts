import type { RespondFn } from '@slack/bolt';
import type { KnownBlock } from '@slack/types';
import type { WebClient } from '@slack/web-api';
import { errorFields, type Fields, type Log } from '../log.ts';

/**
 * A private answer to the person who pressed a button: it never replaces the message they pressed.
 * A press inside a view (an App Home tab) comes with no response_url, so Bolt hands no `respond`:
 * there is nowhere to answer privately, and the Home that was pressed is published again instead
 * (src/home/listeners.ts), showing where things stand.
 */
export async function answerPrivately(respond: RespondFn | undefined, text: string): Promise<void> {
  if (!respond) return;
  await respond({ response_type: 'ephemeral', replace_original: false, text });
}

/**
 * A note only `user` sees in `channel` (a form's confirmation, say). Best effort: the change it
 * confirms is already made, so a failure is logged as `event` with `fields`, never thrown.
 */
export async function noteToOne(
  client: WebClient,
  log: Log,
  event: string,
  note: { channel: string; user: string; text: string; blocks?: KnownBlock[] | undefined },
  fields: Fields = {},
): Promise<void> {
  try {
    await client.chat.postEphemeral({
      channel: note.channel,
      user: note.user,
      text: note.text,
      ...(note.blocks ? { blocks: note.blocks } : {}),
    });
  } catch (err) {
    log.warn(event, { user: note.user, ...fields, ...errorFields(err) });
  }
}
