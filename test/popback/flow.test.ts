import { beforeEach, describe, expect, it } from 'vitest';
import {
  ALICE,
  BOB,
  CAROL,
  fillView,
  type Harness,
  PATCH,
  SUPER1,
  useFlowHarness,
} from '../support/harness.ts';
import type { FakeMessage } from '../support/slack/fake-slack.ts';

const SUPER = SUPER1;
const flow = useFlowHarness();
let h: Harness;
beforeEach(async () => {
  h = await flow.start();
});

const buttonsOf = (m: FakeMessage) =>
  m.blocks
    .filter((b) => b.type === 'actions')
    .flatMap((b) => (b.elements as Array<{ action_id: string }>).map((e) => e.action_id));
const textOf = (m: FakeMessage) =>
  m.blocks
    .filter((b) => b.type === 'section')
    .map((b) => (b.text as { text: string }).text)
    .join('\n');
const lastEphemeral = (h: Harness) => h.fake.responses.at(-1)?.body.text as string | undefined;

async function requestPopback(
  h: Harness,
  answers: Record<string, string | string[]> = {},
  user = ALICE,
): Promise<{ status: number; body: string }> {
  const res = await h.slack.command({ command: '/popback', text: 'Mrs P', channel_id: PATCH, user_id: user });
  expect(res.status).toBe(200);
  await h.settle();
  const opened = h.fake.views.at(-1);
  if (!opened) throw new Error('no modal opened');
  const view = fillView(
    { ...opened.view, id: opened.id },
    { reason: 'Phoned: cannot find her glasses', ...answers },
  );
  const submitted = await h.slack.submitView({ user, view });
  await h.settle();
  return submitted;
}

async function card(h: Harness): Promise<FakeMessage> {
  const cards = h.fake.messages(PATCH);
  expect(cards).toHaveLength(1);
  return cards[0] as FakeMessage;
}

async function press(h: Harness, user: string, actionId: string) {
  const res = await h.slack.action({ user, channel: PATCH, actionId, message: await card(h) });
  expect(res.status).toBe(200);
  await h.settle();
}

describe('/popback', () => {
  it('opens the request modal with the named client already chosen', async () => {
    await h.slack.command({ command: '/popback', text: 'mrs p', channel_id: PATCH, user_id: ALICE });
    await h.settle();
    const opened = h.fake.views.at(-1)?.view as {
      callback_id: string;
      blocks: Array<Record<string, unknown>>;
    };
    expect(opened.callback_id).toBe('popback_submit');
    const client = opened.blocks.find((b) => b.block_id === 'client') as {
      element: { initial_option?: { text: { text: string } } };
    };
    expect(client.element.initial_option?.text.text).toBe('Mrs P');
  });

  it('posts one request card with a Claim button and tells the requester privately', async () => {
    const res = await requestPopback(h);
    expect(res.status).toBe(200);
    expect(res.body).toBe('');
    const c = await card(h);
    expect(textOf(c)).toContain('Pop-back for *Mrs P*');
    expect(textOf(c)).toContain('as soon as possible');
    expect(buttonsOf(c)).toEqual(['popback_claim', 'popback_cancel', 'medissue_open']);
    expect(h.fake.ephemerals.at(-1)).toMatchObject({ channel: PATCH, user: ALICE });
  });

  it('answers a missing reason and a past "by" time on their fields, and posts nothing', async () => {
    const res = await requestPopback(h, { reason: '', soon: 'by', by_time: '09:00' });
    expect(JSON.parse(res.body)).toEqual({
      response_action: 'errors',
      errors: { reason: expect.any(String), by_time: expect.stringContaining('already passed') },
    });
    expect(h.fake.messages(PATCH)).toHaveLength(0);
  });

  it('refuses a social visit with only one client, on the other-clients field', async () => {
    const res = await requestPopback(h, { kind: 'social' });
    expect(JSON.parse(res.body).errors).toEqual({ others: expect.stringContaining('two or more') });
  });

  it('outside a patch channel explains what it does and where to use it', async () => {
    await h.slack.command({ command: '/popback', text: '', channel_id: 'C0RANDOM1', user_id: ALICE });
    await h.settle();
    expect(h.fake.views).toHaveLength(0);
    expect(lastEphemeral(h)).toMatch(/Use it in your patch channel: <#C0PATCH07>/);
    expect(h.fake.responses.at(-1)?.body.response_type).toBe('ephemeral');
  });

  it('tells someone outside the team privately that they are not in it', async () => {
    await h.slack.command({ command: '/popback', text: '', channel_id: PATCH, user_id: CAROL });
    await h.settle();
    expect(h.fake.views).toHaveLength(0);
    expect(lastEphemeral(h)).toContain("not in this patch's team");
  });
});

describe('the request card', () => {
  it('is claimed by the first of 20 simultaneous presses; the other 19 are told privately, and there is one card', async () => {
    await requestPopback(h);
    const c = await card(h);
    const pressers = Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? ALICE : BOB));
    const results = await Promise.all(
      pressers.map((user) => h.slack.action({ user, channel: PATCH, actionId: 'popback_claim', message: c })),
    );
    expect(results.every((r) => r.status === 200)).toBe(true);
    await h.settle();
    const answers = h.fake.responses.map((r) => r.body.text as string);
    expect(answers).toHaveLength(19);
    expect(h.fake.messages(PATCH)).toHaveLength(1);
    expect(h.fake.posts(PATCH)).toHaveLength(1);
    const updated = await card(h);
    const winner = /Claimed\* by <@(U\w+)>/.exec(textOf(updated))?.[1];
    expect([ALICE, BOB]).toContain(winner);
    const loser = winner === ALICE ? BOB : ALICE;
    expect(answers.filter((a) => a === `<@${winner}> already has this visit.`)).toHaveLength(10);
    expect(answers.filter((a) => a === 'You already have this visit.')).toHaveLength(9);
    expect(loser).toBeDefined();
    expect(buttonsOf(updated)).toEqual([
      'popback_arrived',
      'popback_done',
      'popback_release',
      'popback_cancel',
      'medissue_open',
    ]);
  });

  it('goes claimed → arrived → done, updated in place with the times', async () => {
    await requestPopback(h);
    await press(h, ALICE, 'popback_claim');
    h.clock.advance(12 * 60_000);
    await press(h, ALICE, 'popback_arrived');
    expect(textOf(await card(h))).toContain('*Arrived* 10:12 by <@U0ALICE1>');
    expect(buttonsOf(await card(h))).toEqual(['popback_done', 'medissue_open']);
    h.clock.advance(20 * 60_000);
    await press(h, ALICE, 'popback_done');
    const done = await card(h);
    expect(textOf(done)).toContain('*Done* at 10:32 by <@U0ALICE1>');
    expect(buttonsOf(done)).toEqual(['medissue_open']);
    expect(h.fake.posts(PATCH)).toHaveLength(1);
    expect(done.edits).toBe(3);
  });

  it('a visit needing two carers takes two claims', async () => {
    await requestPopback(h, { carers: '2' });
    await press(h, ALICE, 'popback_claim');
    let c = await card(h);
    expect(textOf(c)).toContain('claimed it, needs 1 more');
    expect(buttonsOf(c)).toContain('popback_claim');
    await press(h, BOB, 'popback_claim');
    c = await card(h);
    expect(textOf(c)).toMatch(/Claimed\* by <@U0ALICE1> at \d\d:\d\d and <@U0BOB0001>/);
  });

  it('Release returns it to open for someone else', async () => {
    await requestPopback(h);
    await press(h, ALICE, 'popback_claim');
    await press(h, ALICE, 'popback_release');
    expect(buttonsOf(await card(h))).toEqual(['popback_claim', 'popback_cancel', 'medissue_open']);
    await press(h, BOB, 'popback_claim');
    expect(textOf(await card(h))).toContain('Claimed* by <@U0BOB0001>');
  });

  it('a carer who did not claim it cannot mark it arrived; nothing changes', async () => {
    await requestPopback(h);
    await press(h, ALICE, 'popback_claim');
    const before = textOf(await card(h));
    await press(h, BOB, 'popback_arrived');
    expect(lastEphemeral(h)).toContain('Only <@U0ALICE1> (who claimed it)');
    expect(textOf(await card(h))).toBe(before);
  });

  it('someone outside the patch team is told privately and changes nothing', async () => {
    await requestPopback(h);
    await press(h, CAROL, 'popback_claim');
    expect(lastEphemeral(h)).toContain("You are not in this patch's team");
    expect(buttonsOf(await card(h))).toEqual(['popback_claim', 'popback_cancel', 'medissue_open']);
  });

  it('the requester or a supervisor can cancel; another assistant cannot', async () => {
    await requestPopback(h);
    await press(h, BOB, 'popback_cancel');
    expect(lastEphemeral(h)).toContain('Only <@U0ALICE1> (who asked for it)');
    await press(h, SUPER, 'popback_cancel');
    const c = await card(h);
    expect(textOf(c)).toContain('*Cancelled* by <@U0SUPER1>');
    expect(buttonsOf(c)).toEqual(['medissue_open']);
  });

  it('a button on a cancelled request is answered privately with what happened', async () => {
    await requestPopback(h);
    const stale = structuredClone(await card(h));
    await press(h, ALICE, 'popback_cancel');
    await h.slack.action({ user: BOB, channel: PATCH, actionId: 'popback_claim', message: stale });
    await h.settle();
    expect(lastEphemeral(h)).toBe('This visit was cancelled by <@U0ALICE1>.');
  });

  it('a repeated click is harmless', async () => {
    await requestPopback(h);
    await press(h, ALICE, 'popback_claim');
    const tapped = structuredClone(await card(h));
    await press(h, ALICE, 'popback_arrived');
    const before = textOf(await card(h));
    await h.slack.action({ user: ALICE, channel: PATCH, actionId: 'popback_arrived', message: tapped });
    await h.settle();
    expect(lastEphemeral(h)).toBe('Already marked arrived at 10:00.');
    expect(textOf(await card(h))).toBe(before);
  });
});

describe('the receiver', () => {
  it('answers 401 to a bad signature and does nothing', async () => {
    const res = await h.slack.command(
      { command: '/popback', text: '', channel_id: PATCH, user_id: ALICE },
      { signature: 'v0=deadbeef' },
    );
    expect(res.status).toBe(401);
    await h.settle();
    expect(h.fake.calls.filter((c) => c.method !== 'auth.test')).toHaveLength(0);
  });

  it('answers 401 to a stale timestamp (replay) and does nothing', async () => {
    const res = await h.slack.command(
      { command: '/popback', text: '', channel_id: PATCH, user_id: ALICE },
      { timestamp: Math.floor(Date.now() / 1000) - 10 * 60 },
    );
    expect(res.status).toBe(401);
    await h.settle();
    expect(h.fake.views).toHaveLength(0);
  });
});
