import type { FakeSlack } from '../support/slack/fake-slack.ts';
import { type Answers, fillView, type SlackDriver } from '../support/slack/signed.ts';
import { type Names, plain, renderBlocks, renderModal } from './transcript.ts';

/**
 * The admin's scene for `npm run demo`: an admin types `/patch` in a patch channel and sees its
 * set-up (privately), adds a client and a fixed-visit plan for them through the forms, and sees the
 * set-up again as it is now. Everything printed is what the Slack stand-in recorded.
 */

type Obj = Record<string, unknown>;

/** What the scene needs of the demo: the bot's door (signed requests), the stand-in, and how to print. */
export interface AdminSceneContext {
  slack: SlackDriver;
  fake: FakeSlack;
  /** Waits until every request is handled and everything due is delivered. */
  settle(): Promise<void>;
  names: Names;
  io: { out(s: string): void };
  /** An admin (roles: admin) and the patch channel the scene runs in. */
  admin: string;
  channel: string;
  /** The key worker the new client gets: one of the patch's assistants. */
  keyWorker: string;
  /** `HH:mm` now, for the headings. */
  time(): string;
}

export async function adminScene(ctx: AdminSceneContext): Promise<void> {
  const { slack, fake, settle, names, io, admin, channel } = ctx;
  const who = (u: string) => `@${names.users[u] ?? u}`;
  const where = `#${names.channels[channel] ?? channel}`;
  const heading = (title: string) => {
    const head = `${ctx.time()} · ${title}`;
    io.out(`\n── ${head} ${'─'.repeat(Math.max(0, 76 - head.length))}`);
  };
  const printPrivately = (blocks: Obj[], text: string) => {
    io.out(`  (only ${who(admin)} sees, in ${where})`);
    for (const line of renderBlocks(blocks, text, names)) io.out(`  ┆ ${line}`);
  };
  const lastAnswer = () => {
    const body = fake.responses.at(-1)?.body;
    if (!body) throw new Error('/patch did not answer');
    return { blocks: (body.blocks as Obj[] | undefined) ?? [], text: String(body.text ?? '') };
  };
  const lastPrivate = () => {
    const e = fake.ephemerals.filter((x) => x.user === admin).at(-1);
    if (!e) throw new Error('no private confirmation');
    return { blocks: e.blocks as Obj[], text: e.text };
  };
  /** Presses a button (found by its label, in the actions block that also holds `near`) in a private message. */
  const press = async (blocks: Obj[], label: string, near?: string) => {
    for (const b of blocks) {
      if (b.type !== 'actions') continue;
      const els = b.elements as Obj[];
      const text = (e: Obj) => String((e.text as Obj | undefined)?.text ?? '');
      if (near && !els.some((e) => text(e) === near)) continue;
      const el = els.find((e) => text(e) === label);
      if (!el) continue;
      await slack.action({
        user: admin,
        channel,
        actionId: String(el.action_id),
        blockId: String(b.block_id),
        value: String(el.value),
        message: { ts: '1763900000.000100', blocks: structuredClone(blocks) },
      });
      await settle();
      return;
    }
    throw new Error(`no "${label}" button`);
  };
  const form = (callbackId: string, intro: string) => {
    const opened = fake.views.at(-1);
    if (opened?.view.callback_id !== callbackId) throw new Error(`the ${callbackId} form did not open`);
    io.out(`  ${intro}`);
    for (const l of renderModal(opened.view, names)) io.out(`  ┆ ${l}`);
    return { ...opened.view, id: opened.id };
  };
  const submit = async (view: Obj, answers: Answers, typed: string) => {
    io.out(`  ${typed}`);
    const res = await slack.submitView({ user: admin, view: fillView(view, answers) });
    if (res.body) throw new Error(`the form was refused: ${res.body}`);
    await settle();
  };

  heading(`${who(admin)} types /patch in ${where}: the patch's set-up, as only the admin sees it`);
  await slack.command({ command: '/patch', text: '', channel_id: channel, user_id: admin });
  await settle();
  const shown = lastAnswer();
  printPrivately(shown.blocks, shown.text);

  heading(`${who(admin)} presses "Add a client"`);
  await press(shown.blocks, 'Add a client');
  const clientForm = form('admin_client_submit', 'The form opens, with the next free code filled in:');
  await submit(
    clientForm,
    { name: 'Mrs Q', key_worker: ctx.keyWorker },
    `${who(admin)} types "Mrs Q", chooses ${who(ctx.keyWorker)} as key worker, and presses Add client:`,
  );
  const added = lastPrivate();
  io.out(`  ${plain(added.text.split('\n')[0] ?? '', names)}`);

  heading(`${who(admin)} presses "Add a visit plan" beside Mrs Q`);
  await press(added.blocks, 'Add a visit plan', 'Edit Mrs Q');
  const planForm = form('admin_plan_submit', 'The plan form opens:');
  await submit(
    planForm,
    { at: '11:00', days: ['mon', 'tue', 'wed', 'thu', 'fri'], minutes: '30', purpose: 'Coffee and a chat' },
    `${who(admin)} chooses 11:00, Monday to Friday, 30 minutes, "Coffee and a chat", and presses Add plan:`,
  );

  heading(`the set-up as ${who(admin)} sees it now (privately; nothing is posted in ${where})`);
  const now = lastPrivate();
  printPrivately(now.blocks, now.text);
}
