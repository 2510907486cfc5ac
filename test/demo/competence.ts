import type { Db } from '../../db/index.ts';
import { missingSignoffs } from '../../src/competence/store.ts';
import { assistantsOf, findPatchByChannel, providerSettings, supervisors } from '../../src/patches/store.ts';
import { addDays, dayjs, localDate, localInstant, localTime } from '../../src/time.ts';
import { fixedVisitsOn, type RotaRow } from '../../src/visits/store.ts';
import type { FakeMessage, FakeSlack } from '../support/slack/fake-slack.ts';
import { fillView, type SlackDriver } from '../support/slack/signed.ts';
import { type Names, plain, renderBlocks, renderModal } from './transcript.ts';

/**
 * The competencies scene for `npm run demo`: a carer who is not signed off for a delegated health task
 * presses Take over on a visit that needs it and is refused privately (the refusal names the task and
 * the supervisors); a supervisor signs them off with `/competence @name`; the same press then works,
 * and the supervisors' flag for that visit says it is sorted. Everything printed is what the Slack
 * stand-in recorded.
 */

export interface CompetenceSceneContext {
  db: Db;
  clock: { now(): number };
  fake: FakeSlack;
  slack: SlackDriver;
  names: Names;
  /** The patch channel the scene plays in. */
  patchChannel: string;
  supervisorsChannel: string;
  /** Waits until every request is handled and everything due is delivered. */
  settle(): Promise<void>;
  /** Moves the clock to `ms`, runs the jobs once, and settles. */
  tickAt(ms: number): Promise<void>;
  io: { out(s: string): void };
}

interface Target {
  row: RotaRow;
  carer: string;
  codes: string[];
}

export async function competenceScene(c: CompetenceSceneContext): Promise<void> {
  const { db, fake, slack, names, io } = c;
  const zone = providerSettings(db).timezone;
  const patch = findPatchByChannel(db, c.patchChannel);
  const supervisor = supervisors(db)[0];
  if (!patch || !supervisor) throw new Error('the competence scene needs a patch and a supervisor');
  const who = (u: string) => `@${names.users[u] ?? u}`;
  const hhmm = (ms = c.clock.now()) => dayjs(ms).tz(zone).format('ddd D MMM HH:mm');
  const heading = (title: string) => {
    const head = `${hhmm()} · ${title}`;
    io.out(`\n── ${head} ${'─'.repeat(Math.max(0, 76 - head.length))}`);
  };
  const lines = (m: FakeMessage | undefined, prefix = '  │ ') => {
    for (const l of renderBlocks(m?.blocks, m?.text ?? '', names)) io.out(`${prefix}${l}`);
  };

  /** A visit on `date`'s rota that needs a task and is still to come, and an assistant not signed off for it. */
  const targetOn = (date: string): Target | null => {
    for (const row of fixedVisitsOn(db, patch.id, date)) {
      const v = row.visit;
      const codes = v.requiredTasks.split(',').filter(Boolean);
      if (v.status !== 'open' || codes.length === 0 || (v.startsAt ?? 0) <= c.clock.now()) continue;
      const carer = assistantsOf(db, patch.id).find(
        (u) => u !== v.assignee && missingSignoffs(db, u, codes, date).length > 0,
      );
      if (carer) return { row, carer, codes };
    }
    return null;
  };
  const today = localDate(c.clock.now(), zone);
  const digestAt = localInstant(today, patch.digestAt, zone);
  if (c.clock.now() < digestAt) await c.tickAt(digestAt);
  let target = targetOn(today);
  if (!target) {
    // Today's visits that need a task are over: tomorrow morning's rota has the next.
    await c.tickAt(localInstant(addDays(today, 1), patch.digestAt, zone));
    target = targetOn(localDate(c.clock.now(), zone));
  }
  if (!target) throw new Error('no visit that needs a delegated health task is left on the rota');
  const { row, carer } = target;
  const visitId = row.visit.id;
  const line = `the ${localTime(row.visit.startsAt ?? 0, zone)} visit to ${row.clientName}`;

  const rota = () =>
    fake
      .messages(c.patchChannel)
      .find((m) => m.blocks.some((b) => b.block_id === `visit:${visitId}` && b.accessory));
  const takeOver = async () => {
    const digest = rota();
    const block = digest?.blocks.find((b) => b.block_id === `visit:${visitId}`);
    const options = (block?.accessory as { options?: Array<{ text: { text: string }; value: string }> })
      ?.options;
    const option = options?.find((o) => o.text.text === 'Take over');
    if (!digest || !option) throw new Error(`the rota has no Take over for ${line}`);
    await slack.action({
      user: carer,
      channel: c.patchChannel,
      actionId: 'rota_visit',
      blockId: `visit:${visitId}`,
      value: option.value,
      message: structuredClone(digest),
    });
    await c.settle();
  };
  const visitLine = () => {
    const block = rota()?.blocks.find((b) => b.block_id === `visit:${visitId}`);
    return plain((block?.text as { text?: string } | undefined)?.text ?? '', names);
  };
  const flag = () =>
    fake
      .messages(c.supervisorsChannel)
      .find((m) => m.metadata?.event_payload.subject === `competence:lapse:${visitId}`);

  // ---- 1. a carer who is not signed off presses Take over ----
  io.out(`\n#${names.channels[c.patchChannel] ?? c.patchChannel}: ${visitLine()}`);
  const answered = fake.responses.length;
  await takeOver();
  heading(`${who(carer)} chooses Take over on ${line} from the rota`);
  for (const r of fake.responses.slice(answered))
    io.out(`  (only ${who(carer)} sees) ${plain(String(r.body.text ?? ''), names)}`);
  if (flag()) {
    io.out(`#${names.channels[c.supervisorsChannel] ?? 'supervisors'} (told when the visit was planned)`);
    lines(flag());
  }

  // ---- 2. a supervisor signs them off ----
  const views = fake.views.length;
  await slack.command({
    command: '/competence',
    text: `<@${carer}|${names.users[carer] ?? carer}>`,
    channel_id: c.supervisorsChannel,
    user_id: supervisor,
  });
  await c.settle();
  const opened = fake.views.at(-1);
  if (fake.views.length === views || !opened) throw new Error('the /competence form did not open');
  heading(`${who(supervisor)} types "/competence ${who(carer)}": the sign-off form opens`);
  for (const l of renderModal(opened.view, names)) io.out(`  ┆ ${l}`);
  const res = await slack.submitView({
    user: supervisor,
    view: fillView({ ...opened.view, id: opened.id }, { task: target.codes[0] ?? '' }),
  });
  await c.settle();
  const after = (res.body ? JSON.parse(res.body) : {}) as { view?: Record<string, unknown> };
  if (!after.view) throw new Error(`the sign-off was refused: ${res.body}`);
  heading(`${who(supervisor)} chooses the task, keeps the date offered and presses Sign off`);
  for (const l of renderModal(after.view, names)) io.out(`  ┆ ${l}`);
  io.out(`direct message to ${who(carer)}`);
  lines(fake.messages(carer).at(-1));

  // ---- 3. the same press now works ----
  const before = fake.responses.length;
  await takeOver();
  heading(`${who(carer)} chooses Take over again`);
  io.out(`#${names.channels[c.patchChannel] ?? c.patchChannel}: ${visitLine()}`);
  if (fake.responses.length > before)
    throw new Error(`the take-over was refused again: ${String(fake.responses.at(-1)?.body.text)}`);
  if (flag()) {
    io.out(`#${names.channels[c.supervisorsChannel] ?? 'supervisors'}`);
    lines(flag());
  }
}
