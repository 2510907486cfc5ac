import type { ActionsBlock, Button, ContextBlock, KnownBlock, SectionBlock } from '@slack/types';

/** Shared Block Kit helpers. Capability builders (views.ts) compose these. */

/**
 * Escapes text for mrkdwn: Slack's three control characters. Every name, purpose, reason or note
 * that goes into a message's `text` (the notification fallback) or a mrkdwn block goes through it, so
 * `<!channel>` or `<@U…>` in the roster stays words and never notifies anyone.
 */
export function esc(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export const mention = (userId: string): string => `<@${userId}>`;
export const mentionAll = (userIds: readonly string[]): string => userIds.map(mention).join(' and ');

/**
 * Trims text to Slack's limit, marking the cut. The cut never falls inside an escape (`&am…` would
 * show a bare `&`), a mention or link (`<@U0AL…`), or a character (half a surrogate pair).
 */
export function clip(text: string, max: number): string {
  if (text.length <= max) return text;
  const cut = text
    .slice(0, max - 1)
    .replace(/[\uD800-\uDBFF]$/, '')
    .replace(/&[#a-z0-9]{0,8}$|<[^<>]{0,120}$/i, '');
  return `${cut}…`;
}

export function section(text: string, blockId?: string): SectionBlock {
  return {
    type: 'section',
    text: { type: 'mrkdwn', text: clip(text, 3000) },
    ...(blockId ? { block_id: blockId } : {}),
  };
}

export function context(...texts: string[]): ContextBlock {
  return {
    type: 'context',
    elements: texts.slice(0, 10).map((t) => ({ type: 'mrkdwn', text: clip(t, 3000) })),
  };
}

export interface ButtonSpec {
  actionId: string;
  text: string;
  value: string;
  style?: 'primary' | 'danger';
  confirm?: { title: string; text: string; confirm: string; deny: string };
}

export function button(b: ButtonSpec): Button {
  return {
    type: 'button',
    action_id: b.actionId,
    text: { type: 'plain_text', text: clip(b.text, 75), emoji: true },
    value: b.value,
    ...(b.style ? { style: b.style } : {}),
    ...(b.confirm
      ? {
          confirm: {
            title: { type: 'plain_text', text: clip(b.confirm.title, 100) },
            text: { type: 'mrkdwn', text: clip(b.confirm.text, 300) },
            confirm: { type: 'plain_text', text: clip(b.confirm.confirm, 30) },
            deny: { type: 'plain_text', text: clip(b.confirm.deny, 30) },
          },
        }
      : {}),
  };
}

export function actions(blockId: string, buttons: ButtonSpec[]): ActionsBlock {
  return { type: 'actions', block_id: blockId, elements: buttons.slice(0, 25).map(button) };
}

/** Plain text for a notification: Slack shows `text` where blocks can't be shown. */
export function fallback(blocks: KnownBlock[]): string {
  const parts: string[] = [];
  for (const b of blocks) {
    if (b.type === 'section' && b.text) parts.push(b.text.text);
  }
  return clip(parts.join('\n'), 3000);
}
