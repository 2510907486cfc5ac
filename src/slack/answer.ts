import type { RespondFn } from '@slack/bolt';

/** A private answer to the person who pressed a button: it never replaces the message they pressed. */
export async function answerPrivately(respond: RespondFn, text: string): Promise<void> {
  await respond({ response_type: 'ephemeral', replace_original: false, text });
}
