import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { importRosterWithVisits } from '../../src/main.ts';
import { parseRoster } from '../../src/patches/roster.ts';
import { assistantsOf, benchRosterYaml, patchChannel } from '../bench/roster.ts';
import {
  ALICE,
  BOB,
  CAROL,
  fillView,
  type Harness,
  PATCH,
  TEAM,
  useFlowHarness,
} from '../support/harness.ts';
import type { FakeMessage } from '../support/slack/fake-slack.ts';

const flow = useFlowHarness();
let h: Harness;

const sectionText = (m: FakeMessage) =>
  m.blocks
    .filter((b) => b.type === 'section' || b.type === 'header')
    .map((b) => (b.text as { text: string }).text)
    .join('\n');
const lineOf = (m: FakeMessage, client: string) =>
  m.blocks.find((b) => b.type === 'section' && (b.text as { text: string }).text.includes(client)) as
    | {
        block_id: string;
        text: { text: string };
        accessory?: { options: Array<{ value: string; text: { text: string } }> };
      }
    | undefined;
const lastAnswer = () => h.fake.responses.at(-1)?.body.text as string | undefined;

async function chooseFromMenu(user: string, message: FakeMessage, client: string, label: string) {
  const line = lineOf(message, client);
  if (!line?.accessory) throw new Error(`no menu on ${client}'s line`);
  const option = line.accessory.options.find((o) => o.text.text === label);
  if (!option) throw new Error(`no "${label}" in ${client}'s menu`);
  const res = await h.slack.action({
    user,
    channel: PATCH,
    actionId: 'rota_visit',
    blockId: line.block_id,
    value: option.value,
    message,
  });
  expect(res.status).toBe(200);
  await h.settle();
}

const digest = () => {
  const posted = h.fake.messages(PATCH).filter((m) => m.text.startsWith('Rota for'));
  expect(posted).toHaveLength(1);
  return posted[0] as FakeMessage;
};

describe('the morning digest', () => {
  it('is posted once at 07:00 local, in time order, with who, flags and menus', async () => {
    h = await flow.start({ at: '2026-11-23T06:00:00Z', roster: TEAM });
    await h.tickAt('2026-11-23T06:59:00Z');
    expect(h.fake.messages(PATCH)).toHaveLength(0);
    await h.tickAt('2026-11-23T07:00:00Z');
    const d = digest();
    const text = sectionText(d);
    expect(text).toContain('Rota for Monday 23 November');
    expect(text.indexOf('Mrs P')).toBeLessThan(text.indexOf('Mrs D'));
    expect(lineOf(d, 'Mrs P')?.text.text).toMatch(
      /\*08:00\* .*Mrs P.*Morning wake-up.*<@U0ALICE1>.*time-critical/,
    );
    expect(lineOf(d, 'Tea')?.text.text).toMatch(/17:30.*2 carers/);
    expect(lineOf(d, 'Mrs P')?.accessory?.options.map((o) => o.text.text)).toEqual([
      'Arrived',
      'Take over',
      'Not needed',
      'Medication issue',
    ]);
    // The other patch's digest time is 07:30.
    expect(h.fake.messages('C0PATCH08')).toHaveLength(0);
    await h.tickAt('2026-11-23T07:30:00Z');
    expect(h.fake.messages('C0PATCH08')).toHaveLength(1);
    await h.tickAt('2026-11-23T07:45:00Z');
    expect(h.fake.posts(PATCH)).toHaveLength(1);
  });

  it('is kept current in place as visits are marked arrived and done from it', async () => {
    h = await flow.start({ at: '2026-11-23T06:00:00Z', roster: TEAM });
    await h.tickAt('2026-11-23T07:00:00Z');
    h.clock.set(Date.parse('2026-11-23T08:02:00Z'));
    await chooseFromMenu(ALICE, structuredClone(digest()), 'Mrs P', 'Arrived');
    expect(lineOf(digest(), 'Mrs P')?.text.text).toContain('arrived 08:02');
    expect(lineOf(digest(), 'Mrs P')?.accessory?.options.map((o) => o.text.text)).toEqual([
      'Done',
      'Medication issue',
    ]);
    h.clock.set(Date.parse('2026-11-23T08:40:00Z'));
    await chooseFromMenu(ALICE, structuredClone(digest()), 'Mrs P', 'Done');
    expect(lineOf(digest(), 'Mrs P')?.text.text).toContain('done 08:40');
    expect(h.fake.posts(PATCH)).toHaveLength(1);
  });

  it('Take over makes the presser the assignee and tells the previous one', async () => {
    h = await flow.start({ at: '2026-11-23T06:00:00Z', roster: TEAM });
    await h.tickAt('2026-11-23T07:00:00Z');
    await chooseFromMenu(BOB, structuredClone(digest()), 'Mrs P', 'Take over');
    expect(lineOf(digest(), 'Mrs P')?.text.text).toContain('<@U0BOB0001>');
    const dm = h.fake.messages(ALICE);
    expect(dm).toHaveLength(1);
    expect(dm[0]?.text).toContain('<@U0BOB0001> took over the 08:00 visit to Mrs P');
  });

  it('a menu on a digest whose visit changed since answers privately with the current state, and changes nothing', async () => {
    h = await flow.start({ at: '2026-11-23T06:00:00Z', roster: TEAM });
    await h.tickAt('2026-11-23T07:00:00Z');
    const stale = structuredClone(digest());
    await chooseFromMenu(BOB, structuredClone(digest()), 'Mrs P', 'Take over');
    await chooseFromMenu(ALICE, stale, 'Mrs P', 'Take over');
    expect(lastAnswer()).toContain('changed since that menu was shown');
    expect(lastAnswer()).toContain('assigned to <@U0BOB0001>');
    expect(lineOf(digest(), 'Mrs P')?.text.text).toContain('<@U0BOB0001>');
  });

  it('Not needed asks for a reason, and the visit is then never alerted', async () => {
    h = await flow.start({ at: '2026-11-23T06:00:00Z', roster: TEAM });
    await h.tickAt('2026-11-23T07:00:00Z');
    await chooseFromMenu(ALICE, structuredClone(digest()), 'Mrs P', 'Not needed');
    const opened = h.fake.views.at(-1);
    if (!opened) throw new Error('no modal');
    const empty = await h.slack.submitView({
      user: ALICE,
      view: fillView({ ...opened.view, id: opened.id }, {}),
    });
    expect(JSON.parse(empty.body)).toMatchObject({
      response_action: 'errors',
      errors: { reason: expect.any(String) },
    });
    await h.slack.submitView({
      user: ALICE,
      view: fillView({ ...opened.view, id: opened.id }, { reason: 'hospital' }),
    });
    await h.settle();
    expect(lineOf(digest(), 'Mrs P')?.text.text).toContain('not needed (in hospital)');
    await h.tickAt('2026-11-23T09:00:00Z');
    const alerts = h.fake
      .messages(PATCH)
      .filter((m) => m.text.includes('Mrs P') && !m.text.startsWith('Rota'));
    expect(alerts).toHaveLength(0);
  });

  it('someone outside the patch team is told so privately and the visit is unchanged', async () => {
    h = await flow.start({ at: '2026-11-23T06:00:00Z', roster: TEAM });
    await h.tickAt('2026-11-23T07:00:00Z');
    const before = sectionText(digest());
    await chooseFromMenu(CAROL, structuredClone(digest()), 'Mrs P', 'Arrived');
    expect(lastAnswer()).toContain("not in this patch's team");
    expect(sectionText(digest())).toBe(before);
  });

  it('lists open pop-backs, and updates when one is claimed', async () => {
    h = await flow.start({ at: '2026-11-23T06:00:00Z', roster: TEAM });
    await h.tickAt('2026-11-23T07:00:00Z');
    await h.slack.command({ command: '/popback', text: 'Mr K', channel_id: PATCH, user_id: ALICE });
    await h.settle();
    const opened = h.fake.views.at(-1);
    if (!opened) throw new Error('no modal');
    await h.slack.submitView({
      user: ALICE,
      view: fillView({ ...opened.view, id: opened.id }, { reason: 'Bin day' }),
    });
    await h.settle();
    expect(sectionText(digest())).toMatch(/Open pop-backs.*Mr K/s);
    expect(sectionText(digest())).not.toContain('claimed by');
    const card = h.fake.messages(PATCH).find((m) => m.text.startsWith('Pop-back')) as FakeMessage;
    await h.slack.action({
      user: BOB,
      channel: PATCH,
      actionId: 'popback_claim',
      message: structuredClone(card),
    });
    await h.settle();
    expect(sectionText(digest())).toMatch(/Mr K.*claimed by <@U0BOB0001>/s);
    await h.slack.action({
      user: BOB,
      channel: PATCH,
      actionId: 'popback_done',
      message: structuredClone(card),
    });
    await h.settle();
    expect(sectionText(digest())).not.toContain('Mr K*');
    expect(h.fake.posts(PATCH).filter((c) => String(c.args.text).startsWith('Rota for'))).toHaveLength(1);
  });
});

describe('a digest of more than one message', () => {
  it('keeps every part current: a change in the continuation redraws it and the message, each once', async () => {
    // One full patch: 10 clients × 5 visits is 50 lines, a message of 45 and a continuation of 5.
    const roster = join(mkdtempSync(join(tmpdir(), 'patchbot-rota-')), 'full.yml');
    writeFileSync(roster, benchRosterYaml({ patches: 1, clients: 10 }));
    h = await flow.start({ at: '2026-11-23T05:00:00Z', roster });
    await h.tickAt('2026-11-23T07:00:00Z');
    const channel = patchChannel(0);
    const posted = h.fake.messages(channel).filter((m) => m.text.startsWith('Rota for'));
    expect(posted).toHaveLength(1);
    const main = posted[0] as FakeMessage;
    const continued = () => h.fake.replies(channel, main.ts);
    expect(continued()).toHaveLength(1);
    expect(sectionText(continued()[0] as FakeMessage)).toContain('(continued)');
    expect(JSON.stringify(main.blocks)).toContain('5 more visits in the thread');

    // The last line of the day (21:27, Client 10's Bed visit) is in the continuation.
    h.clock.set(Date.parse('2026-11-23T21:28:00Z'));
    const reply = structuredClone(continued()[0] as FakeMessage);
    const line = lineOf(reply, 'Client 10') as NonNullable<ReturnType<typeof lineOf>>;
    expect(line.text.text).toContain('21:27');
    const arrived = line.accessory?.options.find((o) => o.text.text === 'Arrived');
    if (!arrived) throw new Error("no Arrived on Client 10's line");
    const before = { main: main.edits, reply: reply.edits };
    const res = await h.slack.action({
      user: assistantsOf(0)[0],
      channel,
      actionId: 'rota_visit',
      blockId: line.block_id,
      value: arrived.value,
      message: reply,
    });
    expect(res.status).toBe(200);
    await h.settle();

    const after = continued()[0] as FakeMessage;
    expect(lineOf(after, 'Client 10')?.text.text).toContain('arrived 21:28');
    expect(after.edits).toBe(before.reply + 1);
    // The message's counts changed too; it is updated in place, never posted again.
    expect((h.fake.message(channel, main.ts) as FakeMessage).edits).toBe(before.main + 1);
    expect(h.fake.messages(channel).filter((m) => m.text.startsWith('Rota for'))).toHaveLength(1);
  });
});

describe('a digest that grows and shrinks', () => {
  it('gains a continuation in its thread when the day outgrows one message, and empties it when it no longer does', async () => {
    // 9 clients × 5 visits is 45 lines: one message. A tenth client makes 50: a continuation of 5.
    const dir = mkdtempSync(join(tmpdir(), 'patchbot-rota-'));
    const roster = join(dir, 'nine.yml');
    writeFileSync(roster, benchRosterYaml({ patches: 1, clients: 9 }));
    h = await flow.start({ at: '2026-11-23T05:00:00Z', roster });
    await h.tickAt('2026-11-23T07:00:00Z');
    const channel = patchChannel(0);
    const posted = () => h.fake.messages(channel).filter((m) => m.text.startsWith('Rota for'));
    expect(posted()).toHaveLength(1);
    const main = posted()[0] as FakeMessage;
    expect(h.fake.replies(channel, main.ts)).toHaveLength(0);

    const reimport = (clients: number) => {
      const parsed = parseRoster(benchRosterYaml({ patches: 1, clients }));
      if (!parsed.ok) throw new Error(parsed.errors.join('; '));
      importRosterWithVisits(h.bot.db, parsed.roster, h.clock.now());
    };
    reimport(10);
    await h.tickAt('2026-11-23T07:05:00Z');
    expect(posted()).toHaveLength(1);
    const thread = h.fake.replies(channel, main.ts);
    expect(thread).toHaveLength(1);
    expect(sectionText(thread[0] as FakeMessage)).toContain('Client 10 · Bed');
    expect(sectionText(h.fake.message(channel, main.ts) as FakeMessage)).not.toContain('Client 10 · Bed');

    reimport(9); // the tenth client leaves: their visits are called off, and the day fits one message
    await h.tickAt('2026-11-23T07:10:00Z');
    const emptied = h.fake.replies(channel, main.ts);
    expect(emptied).toHaveLength(1); // edited in place, never deleted or posted again
    expect((emptied[0] as FakeMessage).text).toBe('(continued: nothing more today)');
    expect(sectionText(h.fake.message(channel, main.ts) as FakeMessage)).not.toContain('Client 10');
  });
});

describe('re-importing the roster', () => {
  it('moves future visits to a new key worker, but never one that someone took over', async () => {
    h = await flow.start({ at: '2026-11-23T06:00:00Z', roster: TEAM });
    await h.tickAt('2026-11-23T07:00:00Z');
    await chooseFromMenu(ALICE, structuredClone(digest()), 'Mr K', 'Take over');
    const changed = readFileSync(TEAM, 'utf8')
      .replace(/(name: Mrs D\n\s+key_worker:) U0BOB0001/, '$1 U0ALICE1')
      .replace(/(name: Mr K\n)\s+key_worker: U0BOB0001\n/, '$1');
    const parsed = parseRoster(changed);
    if (!parsed.ok) throw new Error(parsed.errors.join('; '));
    importRosterWithVisits(h.bot.db, parsed.roster, h.clock.now());
    await h.tickAt('2026-11-23T07:05:00Z');
    expect(lineOf(digest(), 'Mrs D')?.text.text).toContain('<@U0ALICE1>'); // the new key worker
    expect(lineOf(digest(), 'Mr K')?.text.text).toContain('<@U0ALICE1>'); // kept: Alice took it over
    expect(lineOf(digest(), 'Mr K')?.text.text).not.toContain('unassigned');
  });
});

describe('/rota', () => {
  const rota = async (text: string, user = ALICE) => {
    await h.slack.command({ command: '/rota', text, channel_id: PATCH, user_id: user });
    await h.settle();
    const r = h.fake.responses.at(-1)?.body as {
      response_type: string;
      text: string;
      blocks?: Array<{ text?: { text: string } }>;
    };
    return { ...r, all: [r.text, ...(r.blocks ?? []).map((b) => b.text?.text ?? '')].join('\n') };
  };

  it('answers privately for today, tomorrow, a date and mine', async () => {
    h = await flow.start({ at: '2026-11-23T06:00:00Z', roster: TEAM });
    await h.tickAt('2026-11-23T06:00:00Z');
    const today = await rota('');
    expect(today.response_type).toBe('ephemeral');
    expect(today.all).toContain('Monday 23 November');
    expect(today.all).toContain('Tea');
    const tomorrow = await rota('tomorrow');
    expect(tomorrow.all).toContain('Tuesday 24 November');
    expect(tomorrow.all).not.toContain('Tea');
    const later = await rota('2026-12-02');
    expect(later.all).toContain('Wednesday 2 December');
    expect(later.all).toContain('Tea');
    const mine = await rota('mine', BOB);
    expect(mine.all).toContain('Mr K');
    expect(mine.all).not.toContain('Mrs P');
  });

  it('explains a bad date in one line', async () => {
    h = await flow.start({ at: '2026-11-23T06:00:00Z', roster: TEAM });
    const bad = await rota('2026-13-01');
    expect(bad.text).toMatch(/^“2026-13-01” is not a date I know\. Try \/rota/);
    expect(bad.text.split('\n')).toHaveLength(1);
  });

  it('outside a patch channel says where to use it', async () => {
    h = await flow.start({ at: '2026-11-23T06:00:00Z', roster: TEAM });
    await h.slack.command({ command: '/rota', text: '', channel_id: 'C0ELSEWHERE', user_id: ALICE });
    await h.settle();
    expect(lastAnswer()).toContain('Use it in your patch channel');
  });
});

describe('the clocks changing', () => {
  it('on 2026-03-29 the digest is at 07:00 BST and the 08:00 visit is late at 08:10 BST', async () => {
    h = await flow.start({ at: '2026-03-29T00:30:00Z', roster: TEAM });
    await h.tickAt('2026-03-29T00:30:00Z');
    await h.tickAt('2026-03-29T05:59:00Z');
    expect(h.fake.messages(PATCH)).toHaveLength(0);
    await h.tickAt('2026-03-29T06:00:00Z'); // 07:00 BST
    expect(lineOf(digest(), 'Mrs P')?.text.text).toContain('*08:00*');
    await h.tickAt('2026-03-29T07:09:00Z');
    expect(h.fake.messages(PATCH)).toHaveLength(1);
    await h.tickAt('2026-03-29T07:10:00Z'); // 08:10 BST
    expect(h.fake.messages(PATCH).some((m) => m.text.startsWith('Late visit: Mrs P 08:00'))).toBe(true);
  });

  it('on 2026-10-25 the 08:00 visit is at 08:00 GMT', async () => {
    h = await flow.start({ at: '2026-10-25T00:30:00Z', roster: TEAM });
    await h.tickAt('2026-10-25T00:30:00Z'); // 01:30 BST, the first time round
    await h.tickAt('2026-10-25T07:00:00Z');
    expect(lineOf(digest(), 'Mrs P')?.text.text).toContain('*08:00*');
    await h.tickAt('2026-10-25T08:09:00Z');
    expect(h.fake.messages(PATCH).filter((m) => m.text.startsWith('Late'))).toHaveLength(0);
    await h.tickAt('2026-10-25T08:10:00Z');
    expect(h.fake.messages(PATCH).some((m) => m.text.startsWith('Late visit: Mrs P 08:00'))).toBe(true);
  });
});
