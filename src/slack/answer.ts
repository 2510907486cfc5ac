import type { RespondFn } from '@slack/bolt';

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
