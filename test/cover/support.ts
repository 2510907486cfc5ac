import { join } from 'node:path';
import { expect } from 'vitest';
import { findPatchByChannel } from '../../src/patches/store.ts';
import { fixedVisitsOn, type VisitRow } from '../../src/visits/store.ts';
import { fillView, type Harness } from '../support/harness.ts';
import type { FakeMessage } from '../support/slack/fake-slack.ts';

/** Helpers for the cover flow tests: the fixture, finding cards and lines, pressing their buttons. */

export const COVER_ROSTER = join(import.meta.dirname, 'fixtures', 'cover.yml');
export const P08 = 'C0PATCH08';
export const DAVE = 'U0DAVE001';
export const ADMIN = 'U0ADMIN1';

export const secs = (iso: string): number => Math.floor(Date.parse(iso) / 1000);

/** Every section's text of a message, one line each. */
export const textOf = (m: FakeMessage | undefined): string =>
  (m?.blocks ?? [])
    .map((b) => {
      const t = (b.text as { text?: string } | undefined)?.text;
      if (t) return t;
      if (b.type === 'context')
        return (b.elements as Array<{ text?: string }>).map((e) => e.text ?? '').join(' ');
      return '';
    })
    .filter(Boolean)
    .join('\n');

const subjectOf = (m: FakeMessage) => String(m.metadata?.event_payload.subject ?? '');

/** The cover cards in a channel, oldest first. */
export function cards(h: Harness, channel: string): FakeMessage[] {
  return h.fake.messages(channel).filter((m) => /^cover:\d+:\d+$/.test(subjectOf(m)));
}

/** The one cover card in a channel. */
export function card(h: Harness, channel: string): FakeMessage {
  const all = cards(h, channel);
  expect(all, `cover cards in ${channel}`).toHaveLength(1);
  return all[0] as FakeMessage;
}

/** The item section of a card whose text contains `what` (e.g. `*09:00* Mr K`). */
export function line(m: FakeMessage, what: string) {
  const found = m.blocks.find(
    (b) =>
      typeof b.block_id === 'string' &&
      b.block_id.startsWith('cover-item:') &&
      (b.text as { text: string }).text.includes(what),
  ) as { block_id: string; text: { text: string }; accessory?: { value: string } } | undefined;
  if (!found) throw new Error(`no line with ${what} on the card:\n${textOf(m)}`);
  return found;
}

/** The action ids of a card's buttons (accessories and the actions block). */
export function buttons(m: FakeMessage): string[] {
  return m.blocks.flatMap((b) => [
    ...((b.accessory as { action_id?: string } | undefined)?.action_id
      ? [(b.accessory as { action_id: string }).action_id]
      : []),
    ...(b.type === 'actions' ? (b.elements as Array<{ action_id: string }>).map((e) => e.action_id) : []),
  ]);
}

/** The private answer to the last button press. */
export const lastAnswer = (h: Harness): string | undefined =>
  h.fake.responses.at(-1)?.body.text as string | undefined;

/** Presses **I'll take it** on the line containing `what`. */
export async function take(h: Harness, user: string, channel: string, what: string, m?: FakeMessage) {
  const msg = structuredClone(m ?? card(h, channel));
  const l = line(msg, what);
  const res = await h.slack.action({
    user,
    channel,
    actionId: 'cover_take',
    blockId: l.block_id,
    message: msg,
  });
  expect(res.status).toBe(200);
  await h.settle();
}

/** Presses a button of the card's actions block. */
export async function pressCard(
  h: Harness,
  user: string,
  channel: string,
  actionId: string,
  m?: FakeMessage,
) {
  const msg = structuredClone(m ?? card(h, channel));
  const res = await h.slack.action({ user, channel, actionId, message: msg });
  expect(res.status).toBe(200);
  await h.settle();
}

/** `/cover` from `channel`, then the form sent with `answers` (start/until in epoch seconds). */
export async function askForCover(
  h: Harness,
  user: string,
  answers: Record<string, string | number> = {},
  channel = 'C0PATCH07',
) {
  await h.slack.command({ command: '/cover', channel_id: channel, user_id: user });
  await h.settle();
  const opened = h.fake.views.at(-1);
  if (opened?.view.callback_id !== 'cover_submit') throw new Error('the /cover form did not open');
  const res = await h.slack.submitView({ user, view: fillView({ ...opened.view, id: opened.id }, answers) });
  await h.settle();
  return res;
}

/** A fixed visit of a patch on a local date, by its client and local start (`08:00`). */
export function visitOf(h: Harness, channel: string, date: string, client: string, at: string): VisitRow {
  const patch = findPatchByChannel(h.bot.db, channel);
  const found = fixedVisitsOn(h.bot.db, patch?.id ?? 0, date).find(
    (r) =>
      r.clientName === client &&
      new Intl.DateTimeFormat('en-GB', {
        timeZone: 'Europe/London',
        hour: '2-digit',
        minute: '2-digit',
        hourCycle: 'h23',
      }).format(r.visit.startsAt ?? 0) === at,
  );
  if (!found) throw new Error(`no ${at} visit to ${client} on ${date}`);
  return found.visit;
}
