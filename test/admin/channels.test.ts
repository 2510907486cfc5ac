import { readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { patches } from '../../db/schema.ts';
import { exportRoster } from '../../src/patches/export.ts';
import { ALICE, BOB, CAROL, type Harness, TEAM, useFlowHarness } from '../support/harness.ts';
import { BOT_USER_ID, newTriggerId } from '../support/slack/signed.ts';
import { ADMIN, auditRows, blockText, lastAnswer, openedForm, patchCommand, submit } from './support.ts';

/**
 * A patch's channel from Slack: `/patch setup` binds the channel it is typed in; `/patch new NAME` and
 * a roster's `channel: new` have the bot make one, once, however slow Slack is or however often the
 * request comes, and after a restart too.
 */

const flow = useFlowHarness();
let h: Harness;

const patchRow = (code: string) => h.bot.db.select().from(patches).where(eq(patches.code, code)).get();
const creates = () => h.fake.calls.filter((c) => c.method === 'conversations.create');
const welcome = (channel: string) =>
  h.fake.messages(channel).find((m) => m.text.includes('This is the channel'));

/** `/patch new NAME` by the admin in #p07, and its form filled in. */
async function newPatch(name = 'Westbury Central', answers: Record<string, string | string[]> = {}) {
  await patchCommand(h, ADMIN, `new ${name}`);
  const form = openedForm(h, 'admin_new_patch_submit');
  return submit(h, ADMIN, form, { code: 'P09', assistants: [ALICE, CAROL], ...answers });
}

describe('/patch setup', () => {
  it('makes the channel it is typed in a new patch: checked, saved, welcomed, assistants invited', async () => {
    h = await flow.start({ at: '2026-11-23T10:00:00Z', roster: TEAM });
    await patchCommand(h, ADMIN, 'setup', 'C0HILLTOP');
    const form = openedForm(h, 'admin_new_patch_submit');
    expect(blockText(form.blocks as never)).toContain("<#C0HILLTOP> becomes the new patch's channel");
    expect(await submit(h, ADMIN, form, { code: 'P07', name: 'Hilltop', assistants: [] })).toEqual({
      response_action: 'errors',
      errors: {
        code: 'P07 is already the code of Westbury North: choose another',
      },
    });
    expect(await submit(h, ADMIN, form, { code: 'P 10', name: '', assistants: [] })).toEqual({
      response_action: 'errors',
      errors: {
        code: 'expected 1–20 letters, digits, - or _',
        name: 'Fill this in.',
        assistants: 'Choose at least one assistant.',
      },
    });
    expect(
      await submit(h, ADMIN, form, { code: 'P10', name: 'Hilltop', assistants: [BOB], digest_at: '07:15' }),
    ).toBeNull();
    expect(patchRow('P10')).toMatchObject({
      name: 'Hilltop',
      channelId: 'C0HILLTOP',
      digestAt: '07:15',
      archivedAt: null,
    });
    expect(h.fake.channel('C0HILLTOP')?.members.has(BOB)).toBe(true);
    expect(welcome('C0HILLTOP')?.text).toContain(
      'This is the channel of the patch *Hilltop* (P10). Assistants: <@U0BOB0001>.',
    );
    expect(auditRows(h).at(-1)).toMatchObject({
      actor: ADMIN,
      entity: 'patch',
      entityId: 'P10',
      action: 'setup',
      after: { channel: 'C0HILLTOP', assistants: [BOB], digestAt: '07:15' },
    });
    // Now a patch: /patch shows it, and /patch setup there says so.
    await patchCommand(h, ADMIN, '', 'C0HILLTOP');
    expect(blockText(lastAnswer(h).blocks)).toContain('*Hilltop* · P10 · <#C0HILLTOP>');
    await patchCommand(h, ADMIN, 'setup', 'C0HILLTOP');
    expect(lastAnswer(h).text).toBe('This channel is already the patch Hilltop: `/patch` shows its set-up.');
  });

  it('is refused in the supervisors’ channel, on the form', async () => {
    h = await flow.start({ at: '2026-11-23T10:00:00Z', roster: TEAM });
    await patchCommand(h, ADMIN, 'setup', 'C0SUPERV1');
    const form = openedForm(h, 'admin_new_patch_submit');
    expect(await submit(h, ADMIN, form, { code: 'P10', name: 'Hilltop', assistants: [BOB] })).toEqual({
      response_action: 'errors',
      errors: { name: "C0SUPERV1 is the supervisors' channel; a patch needs a channel of its own" },
    });
  });
});

describe('/patch new NAME', () => {
  it('makes the public channel once, invites the assistants, records it and welcomes them', async () => {
    h = await flow.start({ at: '2026-11-23T10:00:00Z', roster: TEAM });
    expect(await newPatch()).toBeNull();
    expect(patchRow('P09')?.channelId).toBe('new:P09');
    expect(h.fake.ephemerals.at(-1)?.text).toContain('patchbot is making its channel now');
    await h.tickAt('2026-11-23T10:00:01Z');
    expect(creates().map((c) => c.args.name)).toEqual(['westbury-central']);
    const made = h.fake.channels().find((c) => c.name === 'westbury-central');
    expect(made?.isPrivate).toBe(false);
    expect([...(made?.members ?? [])].sort()).toEqual([ALICE, CAROL, BOT_USER_ID].sort());
    expect(patchRow('P09')?.channelId).toBe(made?.id);
    expect(welcome(made?.id ?? '')?.text).toContain('*Westbury Central* (P09)');
    expect(auditRows(h).at(-1)).toMatchObject({
      actor: null,
      entity: 'patch',
      action: 'channel_made',
      before: { channel: 'new:P09' },
      after: { channel: made?.id, name: 'westbury-central', invited: [ALICE, CAROL], notInvited: [] },
    });
    // Later ticks do nothing more.
    await h.tickAt('2026-11-23T10:05:00Z');
    expect(creates()).toHaveLength(1);
    // And the export writes the channel's id.
    const exported = exportRoster(h.bot.db);
    expect(exported.ok && exported.yaml).toContain(`channel: ${made?.id}`);
  });

  it('creates once when Slack is slow: the channel made but its answer lost is found and taken, not made again', async () => {
    h = await flow.start({ at: '2026-11-23T10:00:00Z', roster: TEAM });
    await newPatch();
    h.fake.failNext('conversations.create', { lostAnswer: true });
    await h.tickAt('2026-11-23T10:00:01Z');
    expect(h.fake.channels().filter((c) => c.name.startsWith('westbury-central'))).toHaveLength(1);
    expect(patchRow('P09')?.channelId).toBe('new:P09');
    // Backed off: not tried again at once.
    await h.tickAt('2026-11-23T10:00:02Z');
    expect(creates()).toHaveLength(1);
    await h.tickAt('2026-11-23T10:00:10Z');
    const made = h.fake.channels().filter((c) => c.name.startsWith('westbury-central'));
    expect(made.map((c) => c.name)).toEqual(['westbury-central']);
    expect(patchRow('P09')?.channelId).toBe(made[0]?.id);
    expect(auditRows(h).at(-1)).toMatchObject({ action: 'channel_found' });
    expect(h.fake.calls.filter((c) => c.method === 'conversations.list')).toHaveLength(1);
  });

  it('creates once after a restart between making the channel and recording it', async () => {
    h = await flow.start({ at: '2026-11-23T10:00:00Z', roster: TEAM });
    await newPatch();
    // The bot made it, then stopped before it could record it.
    const earlier = h.fake.addChannel({ name: 'westbury-central', creator: BOT_USER_ID });
    await h.restart();
    await h.tickAt('2026-11-23T10:01:00Z');
    expect(patchRow('P09')?.channelId).toBe(earlier.id);
    expect(h.fake.channels().filter((c) => c.name.startsWith('westbury-central'))).toHaveLength(1);
    expect(earlier.members.has(ALICE)).toBe(true);
  });

  it('a replayed command opens one form; a replayed submission makes one patch and one channel', async () => {
    h = await flow.start({ at: '2026-11-23T10:00:00Z', roster: TEAM });
    const trigger = newTriggerId();
    const command = {
      command: '/patch',
      text: 'new Westbury Central',
      channel_id: 'C0PATCH07',
      user_id: ADMIN,
      trigger_id: trigger,
    };
    await h.slack.command(command);
    await h.slack.command(command);
    await h.settle();
    expect(h.fake.views).toHaveLength(1);
    const form = openedForm(h, 'admin_new_patch_submit');
    const answers = { code: 'P09', name: 'Westbury Central', assistants: [ALICE] };
    const results = await Promise.all([submit(h, ADMIN, form, answers), submit(h, ADMIN, form, answers)]);
    expect(results).toEqual([null, null]);
    expect(
      h.bot.db
        .select()
        .from(patches)
        .all()
        .filter((p) => p.code === 'P09'),
    ).toHaveLength(1);
    await h.tickAt('2026-11-23T10:00:01Z');
    await h.tickAt('2026-11-23T10:01:00Z');
    expect(creates()).toHaveLength(1);
  });

  it('a name someone else took is passed over for the next: westbury-central-2', async () => {
    h = await flow.start({ at: '2026-11-23T10:00:00Z', roster: TEAM });
    h.fake.addChannel({ name: 'westbury-central', creator: 'U0SOMEONE', members: ['U0SOMEONE'] });
    await newPatch();
    await h.tickAt('2026-11-23T10:00:01Z');
    expect(creates().map((c) => c.args.name)).toEqual(['westbury-central', 'westbury-central-2']);
    const mine = h.fake.channels().find((c) => c.name === 'westbury-central-2');
    expect(patchRow('P09')?.channelId).toBe(mine?.id);
  });
});

describe('a roster’s `channel: new`', () => {
  it('has the running bot make the channel, invite the assistants and record it; roster export writes the id back', async () => {
    const roster = readFileSync(TEAM, 'utf8').replace('channel: C0PATCH08', 'channel: new');
    const path = join(tmpdir(), `patchbot-channel-new-${process.pid}.yml`);
    writeFileSync(path, roster);
    h = await flow.start({ at: '2026-11-23T06:00:00Z', roster: path });
    expect(patchRow('P08')?.channelId).toBe('new:P08');
    // Slack is down when the rota falls due: the rota cannot go to a channel that does not exist yet.
    h.fake.failNext('conversations.create', { status: 503 });
    await h.tickAt('2026-11-23T07:30:00Z');
    expect(patchRow('P08')?.channelId).toBe('new:P08');
    expect(h.fake.calls.some((c) => c.method === 'chat.postMessage' && c.args.channel === 'new:P08')).toBe(
      true,
    );
    // The next try makes it; the rota waiting for it goes there.
    await h.tickAt('2026-11-23T07:30:05Z');
    const made = h.fake.channels().find((c) => c.name === 'westbury-south');
    expect(made?.members.has(CAROL)).toBe(true);
    expect(patchRow('P08')?.channelId).toBe(made?.id);
    await h.tickAt('2026-11-23T07:30:10Z');
    const posted = h.fake.messages(made?.id ?? '').map((m) => m.text);
    expect(posted.some((t) => t.includes('This is the channel of the patch *Westbury South*'))).toBe(true);
    expect(posted.some((t) => t.startsWith('Rota for'))).toBe(true);
    const exported = exportRoster(h.bot.db);
    expect(exported.ok && exported.yaml).toContain(`channel: ${made?.id}`);
  });
});
