import { expect } from 'vitest';
import { auditLog, clients, plans, visits } from '../../db/schema.ts';
import { fillView, type Harness } from '../support/harness.ts';
import type { Answers } from '../support/slack/signed.ts';

/** Helpers the admin flow tests share: `/patch`, its buttons, its forms, and what the database holds. */

export const ADMIN = 'U0ADMIN1';

type Obj = Record<string, unknown>;

/** The blocks of the last private answer sent through a response_url (a command's or a button's). */
export function lastAnswer(h: Harness): { text: string; blocks: Obj[]; replace: boolean } {
  const body = h.fake.responses.at(-1)?.body;
  if (!body) throw new Error('no private answer');
  return {
    text: String(body.text ?? ''),
    blocks: (body.blocks as Obj[] | undefined) ?? [],
    replace: body.replace_original === true || body.replace_original === 'true',
  };
}

/** Every mrkdwn text of some blocks, one per line. */
export function blockText(blocks: readonly Obj[]): string {
  return blocks
    .flatMap((b) => {
      if (b.type === 'section') return [String((b.text as Obj | undefined)?.text ?? '')];
      if (b.type === 'context') return ((b.elements as Obj[]) ?? []).map((e) => String(e.text ?? ''));
      return [];
    })
    .join('\n');
}

/** Labels of the buttons (and menus, as `Label ▾`) in some blocks. */
export function buttonLabels(blocks: readonly Obj[]): string[] {
  return blocks
    .filter((b) => b.type === 'actions')
    .flatMap((b) =>
      (b.elements as Obj[]).map((e) =>
        e.type === 'button' ? String((e.text as Obj).text) : `${String((e.placeholder as Obj).text)} ▾`,
      ),
    );
}

export async function patchCommand(h: Harness, user: string, text = '', channel = 'C0PATCH07') {
  const res = await h.slack.command({ command: '/patch', text, channel_id: channel, user_id: user });
  expect(res.status).toBe(200);
  await h.settle();
}

/**
 * Presses the button labelled `label` (or with this action id and value) in some blocks: as Slack sends
 * it from the private message that holds them.
 */
export async function press(
  h: Harness,
  user: string,
  blocks: readonly Obj[],
  find: { label?: string; actionId?: string; value?: string },
  channel = 'C0PATCH07',
) {
  for (const b of blocks) {
    if (b.type !== 'actions') continue;
    const el = (b.elements as Obj[]).find(
      (e) =>
        (find.label === undefined || (e.text as Obj | undefined)?.text === find.label) &&
        (find.actionId === undefined || e.action_id === find.actionId) &&
        (find.value === undefined ||
          e.value === find.value ||
          ((e.options as Obj[] | undefined) ?? []).some((o) => o.value === find.value)),
    );
    if (!el) continue;
    const res = await h.slack.action({
      user,
      channel,
      actionId: String(el.action_id),
      blockId: String(b.block_id),
      value: String(el.value ?? find.value),
      message: { ts: '1763900000.000100', blocks: structuredClone(blocks) as unknown[] },
    });
    expect(res.status).toBe(200);
    await h.settle();
    return;
  }
  throw new Error(`no button ${JSON.stringify(find)} in the blocks`);
}

/** The last form the app opened, with its callback id checked. */
export function openedForm(h: Harness, callbackId: string): Obj {
  const opened = h.fake.views.at(-1);
  if (!opened) throw new Error('no form opened');
  expect(opened.view.callback_id).toBe(callbackId);
  return { ...opened.view, id: opened.id };
}

/** Submits a form as `user` with `answers` (by block id); the response body: '' when accepted. */
export async function submit(h: Harness, user: string, view: Obj, answers: Answers): Promise<Obj | null> {
  const res = await h.slack.submitView({ user, view: fillView(view, answers) });
  expect(res.status).toBe(200);
  await h.settle();
  return res.body === '' ? null : (JSON.parse(res.body) as Obj);
}

/** The private messages (chat.postEphemeral) the admin got, newest last. */
export function ephemeralsTo(h: Harness, user: string) {
  return h.fake.ephemerals.filter((e) => e.user === user);
}

export function clientRows(h: Harness) {
  return h.bot.db.select().from(clients).all();
}
export function planRows(h: Harness) {
  return h.bot.db.select().from(plans).all();
}
export function visitRows(h: Harness) {
  return h.bot.db.select().from(visits).all();
}
export function auditRows(h: Harness) {
  return h.bot.db
    .select()
    .from(auditLog)
    .all()
    .map((r) => ({
      ...r,
      before: r.before === null ? null : (JSON.parse(r.before) as unknown),
      after: r.after === null ? null : (JSON.parse(r.after) as unknown),
    }));
}

/** Every row of every table: what "nothing changed" is measured against. */
export function dump(h: Harness): Record<string, unknown[]> {
  const db = h.bot.db;
  const tables = db.$client
    .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name <> 'seen_requests' ORDER BY name")
    .all() as { name: string }[];
  return Object.fromEntries(
    tables.map(({ name }) => [name, db.$client.prepare(`SELECT * FROM "${name}" ORDER BY 1, 2`).all()]),
  );
}
