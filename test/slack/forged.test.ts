import { describe, expect, it } from 'vitest';
import { escalations, visits } from '../../db/schema.ts';
import {
  ALICE,
  fillView,
  type Harness,
  PATCH,
  SUPER1,
  SUPERVISORS,
  TEAM,
  useFlowHarness,
} from '../support/harness.ts';
import { blockActionPayload, FORM, interactiveBody } from '../support/slack/signed.ts';

/**
 * Option values come back from Slack as the client sent them: a forged one (an inherited name such as
 * `toString`, `constructor`, `__proto__`, or anything not offered) is answered on its field and
 * nothing is stored.
 */

const flow = useFlowHarness();
let h: Harness;

const FORGED = ['toString', 'constructor', '__proto__', 'hasOwnProperty', 'valueOf', 'other ', ''];

/** The view with one select's chosen option replaced by `value`, as a tampered client would send it. */
function forge(view: Record<string, unknown>, block: string, value: string): Record<string, unknown> {
  const copy = structuredClone(view) as { state: { values: Record<string, Record<string, unknown>> } };
  copy.state.values[block] = {
    value: { type: 'static_select', selected_option: { text: { type: 'plain_text', text: value }, value } },
  };
  return copy;
}

async function latestForm(): Promise<Record<string, unknown>> {
  await h.settle();
  const opened = h.fake.views.at(-1);
  if (!opened) throw new Error('no modal opened');
  return { ...opened.view, id: opened.id };
}

describe('forged option values', () => {
  it('a medication issue whose "what happened" is not one of ours: a field error, nothing stored', async () => {
    h = await flow.start({ at: '2026-11-23T10:00:00Z', roster: TEAM });
    await h.slack.command({ command: '/medissue', text: 'Mrs P', channel_id: PATCH, user_id: ALICE });
    const form = fillView(await latestForm(), { what: 'refused', time_critical: 'no', urgency: 'now' });
    for (const value of FORGED) {
      const res = await h.slack.submitView({ user: ALICE, view: forge(form, 'what', value) });
      expect(res.json()).toEqual({ response_action: 'errors', errors: { what: 'Choose what happened.' } });
    }
    await h.settle();
    expect(h.bot.db.select().from(escalations).all()).toEqual([]);
    expect(h.fake.messages(SUPERVISORS)).toEqual([]);
  });

  it('a resolve outcome that is not one of ours: a field error, the escalation stays open', async () => {
    h = await flow.start({ at: '2026-11-23T10:00:00Z', roster: TEAM });
    await h.slack.command({ command: '/medissue', text: 'Mrs P', channel_id: PATCH, user_id: ALICE });
    await h.slack.submitView({
      user: ALICE,
      view: fillView(await latestForm(), { what: 'refused', time_critical: 'no', urgency: 'now' }),
    });
    await h.settle();
    const parent = h.fake.messages(SUPERVISORS)[0];
    if (!parent) throw new Error('no escalation posted');
    await h.slack.action({ user: SUPER1, channel: SUPERVISORS, actionId: 'esc_resolve', message: parent });
    const form = fillView(await latestForm(), { outcome: 'late_dose' });
    for (const value of FORGED) {
      const res = await h.slack.submitView({ user: SUPER1, view: forge(form, 'outcome', value) });
      expect(res.json()).toMatchObject({
        response_action: 'errors',
        errors: { outcome: 'Choose the outcome.' },
      });
    }
    expect(h.bot.db.select().from(escalations).get()?.status).toBe('open');
  });

  it('a not-needed reason that is not one of ours: a field error, the visit stays open', async () => {
    h = await flow.start({ at: '2026-11-23T06:00:00Z', roster: TEAM });
    await h.tickAt('2026-11-23T07:00:00Z');
    const digest = h.fake.messages(PATCH)[0];
    if (!digest) throw new Error('no digest');
    const visitBlock = digest.blocks.find(
      (b) => (b.accessory as { type?: string } | undefined)?.type === 'overflow',
    );
    const menu = visitBlock?.accessory as { options: Array<{ value: string }> };
    const notNeeded = menu.options.find((o) => o.value.startsWith('notneeded:'));
    if (!notNeeded) throw new Error('no Not needed option');
    await h.slack.action({
      user: ALICE,
      channel: PATCH,
      actionId: 'rota_visit',
      blockId: String(visitBlock?.block_id),
      message: digest,
      value: notNeeded.value,
    });
    const form = fillView(await latestForm(), { reason: 'hospital' });
    const visitId = Number(notNeeded.value.split(':')[1]);
    for (const value of FORGED) {
      const res = await h.slack.submitView({ user: ALICE, view: forge(form, 'reason', value) });
      expect(res.json()).toEqual({
        response_action: 'errors',
        errors: { reason: 'Choose why the visit is not needed.' },
      });
    }
    const visit = h.bot.db
      .select()
      .from(visits)
      .all()
      .find((v) => v.id === visitId);
    expect(visit?.status).toBe('open');
  });

  it('a pop-back whose kind, urgency or carers are not ours: field errors, no visit', async () => {
    h = await flow.start({ at: '2026-11-23T10:00:00Z', roster: TEAM });
    const before = h.bot.db.select().from(visits).all().length;
    await h.slack.command({ command: '/popback', text: 'Mrs P', channel_id: PATCH, user_id: ALICE });
    const form = fillView(await latestForm(), { reason: 'Bins' });
    for (const [block, error] of [
      ['kind', 'Choose what kind of visit.'],
      ['soon', 'Choose how soon.'],
      ['carers', 'Choose 1 or 2 carers.'],
    ] as const) {
      for (const value of FORGED) {
        const res = await h.slack.submitView({ user: ALICE, view: forge(form, block, value) });
        expect((res.json() as { errors: Record<string, string> }).errors[block]).toBe(error);
      }
    }
    expect(h.bot.db.select().from(visits).all()).toHaveLength(before);
  });
});

describe('forged views: no state, private_metadata naming other things', () => {
  it('a submission with no state (or state null) is answered on its fields at once, not left unanswered', async () => {
    h = await flow.start({ at: '2026-11-23T10:00:00Z', roster: TEAM });
    await h.slack.command({ command: '/popback', text: 'Mrs P', channel_id: PATCH, user_id: ALICE });
    const popback = await latestForm();
    await h.slack.command({ command: '/medissue', text: 'Mrs P', channel_id: PATCH, user_id: ALICE });
    const medissue = await latestForm();
    const before = h.bot.db.select().from(visits).all().length;
    for (const form of [popback, medissue]) {
      for (const state of [null, undefined]) {
        const view: Record<string, unknown> = { ...form, state };
        if (state === undefined) delete view.state;
        const started = Date.now();
        const res = await h.slack.submitView({ user: ALICE, view });
        // Before: a TypeError ahead of ack(), then Bolt's 404 after three seconds.
        expect(res.status).toBe(200);
        expect(Date.now() - started).toBeLessThan(2000);
        expect(res.json()).toMatchObject({ response_action: 'errors' });
      }
    }
    await h.settle();
    expect(h.bot.db.select().from(visits).all()).toHaveLength(before);
    expect(h.bot.db.select().from(escalations).all()).toEqual([]);
  });

  it("a medication issue is told in its own patch's channel, whatever channel the metadata names", async () => {
    h = await flow.start({ at: '2026-11-23T10:00:00Z', roster: TEAM });
    await h.slack.command({ command: '/medissue', text: 'Mrs P', channel_id: PATCH, user_id: ALICE });
    const form = fillView(await latestForm(), { what: 'refused', time_critical: 'no', urgency: 'now' });
    const meta = JSON.parse(String(form.private_metadata));
    for (const channelId of ['C0PATCH08', 'G0ELSEWHR']) {
      const res = await h.slack.submitView({
        user: ALICE,
        view: { ...form, id: `V0${channelId}`, private_metadata: JSON.stringify({ ...meta, channelId }) },
      });
      expect(res.status).toBe(200);
    }
    await h.settle();
    expect(h.bot.db.select().from(escalations).all()).toHaveLength(2);
    expect(h.fake.posts('C0PATCH08')).toEqual([]);
    expect(h.fake.posts('G0ELSEWHR')).toEqual([]);
    expect(h.fake.posts(PATCH).filter((c) => /medication/i.test(String(c.args.text)))).toHaveLength(2);
  });

  it("a medication issue about a visit that is not this patch's, or a thread that is not a ts: out of date", async () => {
    h = await flow.start({ at: '2026-11-23T10:00:00Z', roster: TEAM });
    await h.slack.command({ command: '/medissue', text: 'Mrs P', channel_id: PATCH, user_id: ALICE });
    const form = fillView(await latestForm(), { what: 'refused', time_critical: 'no', urgency: 'now' });
    const meta = JSON.parse(String(form.private_metadata));
    const otherPatchVisit = h.bot.db
      .select()
      .from(visits)
      .all()
      .find((v) => v.patchId !== meta.patchId);
    if (!otherPatchVisit) throw new Error('no visit of the other patch');
    for (const forged of [
      { visitId: otherPatchVisit.id },
      { visitId: 999_999 },
      { threadTs: 'not a ts' },
      { threadTs: '<!channel>' },
    ]) {
      const res = await h.slack.submitView({
        user: ALICE,
        view: { ...form, private_metadata: JSON.stringify({ ...meta, ...forged }) },
      });
      expect(res.json()).toEqual({
        response_action: 'errors',
        errors: { client: 'This form is out of date. Close it and start again.' },
      });
    }
    await h.settle();
    expect(h.bot.db.select().from(escalations).all()).toEqual([]);
  });
});

describe('forged menu presses', () => {
  it('a rota menu press with no chosen option (absent or null) says the menu is out of date', async () => {
    h = await flow.start({ at: '2026-11-23T06:00:00Z', roster: TEAM });
    await h.tickAt('2026-11-23T07:00:00Z');
    const digest = h.fake.messages(PATCH)[0];
    if (!digest) throw new Error('no digest');
    const visitsBefore = h.bot.db.select().from(visits).all();
    for (const selected of [null, undefined]) {
      const payload = blockActionPayload({
        user: ALICE,
        channel: PATCH,
        actionId: 'rota_visit',
        messageTs: digest.ts,
      });
      const [button] = payload.actions as Array<Record<string, unknown>>;
      const action: Record<string, unknown> = { ...button, type: 'overflow', selected_option: selected };
      delete action.value;
      if (selected === undefined) delete action.selected_option;
      const res = await h.slack.send(interactiveBody({ ...payload, actions: [action] }), FORM);
      expect(res.status).toBe(200);
      await h.settle();
      // Before: a TypeError after ack(), and no answer at all.
      expect(h.fake.responses.at(-1)?.body.text).toBe('That menu is out of date. Use the rota posted today.');
    }
    expect(h.bot.db.select().from(visits).all()).toEqual(visitsBefore);
  });
});
