import { describe, expect, it } from 'vitest';
import { escalations, visits } from '../../db/schema.ts';
import {
  ALICE,
  fillView,
  type Harness,
  PATCH,
  SUPERVISORS,
  TEAM,
  useFlowHarness,
} from '../support/harness.ts';
import {
  blockActionPayload,
  FORM,
  interactiveBody,
  slashCommandBody,
  viewSubmissionPayload,
} from '../support/slack/signed.ts';

/**
 * Requests as an attacker with a leaked signing secret, or an unlucky network, would send them:
 * replayed bodies, repeated clicks, timestamps from the future. Each does its thing once, or not at all.
 */

const flow = useFlowHarness();
let h: Harness;

const count = (table: typeof visits | typeof escalations) => h.bot.db.select().from(table).all().length;

async function openMedIssueForm() {
  await h.slack.command({ command: '/medissue', text: 'Mrs P', channel_id: PATCH, user_id: ALICE });
  await h.settle();
  const opened = h.fake.views.at(-1);
  if (!opened) throw new Error('no modal opened');
  return fillView(
    { ...opened.view, id: opened.id },
    { what: 'refused', time_critical: 'yes', urgency: 'now', note: 'Refused her insulin.' },
  );
}

describe('replays and repeats', () => {
  it('the same signed medication issue submission posted three times makes one escalation', async () => {
    h = await flow.start({ at: '2026-11-23T10:00:00Z', roster: TEAM });
    const view = await openMedIssueForm();
    const body = interactiveBody(viewSubmissionPayload({ user: ALICE, view }));
    const answers = [];
    for (let i = 0; i < 3; i++) answers.push((await h.slack.send(body, FORM)).status);
    await h.settle();
    expect(answers).toEqual([200, 200, 200]);
    expect(count(escalations)).toBe(1);
    expect(h.fake.messages(SUPERVISORS)).toHaveLength(1);
  });

  it('a pop-back submission posted twice makes one card', async () => {
    h = await flow.start({ at: '2026-11-23T10:00:00Z', roster: TEAM });
    await h.slack.command({ command: '/popback', text: 'Mrs P', channel_id: PATCH, user_id: ALICE });
    await h.settle();
    const opened = h.fake.views.at(-1);
    if (!opened) throw new Error('no modal opened');
    const view = fillView({ ...opened.view, id: opened.id }, { reason: 'Phoned: lost her glasses' });
    const body = interactiveBody(viewSubmissionPayload({ user: ALICE, view }));
    const before = count(visits);
    await h.slack.send(body, FORM);
    await h.slack.send(body, FORM);
    await h.settle();
    expect(count(visits)).toBe(before + 1);
    expect(h.fake.posts(PATCH).filter((c) => String(c.args.text).startsWith('Pop-back'))).toHaveLength(1);
  });

  it('a submission refused on a field can be sent again with the same values and is handled again', async () => {
    h = await flow.start({ at: '2026-11-23T10:00:00Z', roster: TEAM });
    await h.slack.command({ command: '/popback', text: 'Mrs P', channel_id: PATCH, user_id: ALICE });
    await h.settle();
    const opened = h.fake.views.at(-1);
    if (!opened) throw new Error('no modal opened');
    const view = fillView({ ...opened.view, id: opened.id }, { reason: '' });
    const body = interactiveBody(viewSubmissionPayload({ user: ALICE, view }));
    const first = (await h.slack.send(body, FORM)).json();
    const second = (await h.slack.send(body, FORM)).json();
    expect(first).toMatchObject({
      response_action: 'errors',
      errors: { reason: 'Say briefly what it is for.' },
    });
    expect(second).toEqual(first);
  });

  it('a replayed click (the same body) does nothing the second time', async () => {
    h = await flow.start({ at: '2026-11-23T06:00:00Z', roster: TEAM });
    await h.tickAt('2026-11-23T07:00:00Z');
    await h.slack.command({ command: '/popback', text: 'Mrs P', channel_id: PATCH, user_id: ALICE });
    await h.settle();
    const opened = h.fake.views.at(-1);
    if (!opened) throw new Error('no modal opened');
    await h.slack.submitView({
      user: ALICE,
      view: fillView({ ...opened.view, id: opened.id }, { reason: 'Bins' }),
    });
    await h.settle();
    const card = h.fake.messages(PATCH).find((m) => m.text.startsWith('Pop-back'));
    if (!card) throw new Error('no card');
    const body = interactiveBody(
      blockActionPayload({ user: ALICE, channel: PATCH, actionId: 'popback_claim', message: card }),
    );
    await h.slack.send(body, FORM);
    await h.settle();
    const answersAfterFirst = h.fake.responses.length;
    await h.slack.send(body, FORM);
    await h.settle();
    // A second real press would be told "You already have this visit."; a replay is dropped silently.
    expect(h.fake.responses.length).toBe(answersAfterFirst);
  });

  it('a replayed slash command (same trigger) opens one form', async () => {
    h = await flow.start({ at: '2026-11-23T10:00:00Z', roster: TEAM });
    const body = slashCommandBody({ command: '/popback', text: 'Mrs P', channel_id: PATCH, user_id: ALICE });
    await h.slack.send(body, FORM);
    await h.slack.send(body, FORM);
    await h.settle();
    expect(h.fake.views).toHaveLength(1);
  });
});

describe('timestamps', () => {
  it('a signature dated a year ahead is refused with 401, like a stale one, and changes nothing', async () => {
    h = await flow.start({ at: '2026-11-23T10:00:00Z', roster: TEAM });
    const ahead = Math.floor(Date.now() / 1000) + 365 * 24 * 3600;
    const res = await h.slack.command(
      { command: '/popback', text: 'Mrs P', channel_id: PATCH, user_id: ALICE },
      { timestamp: ahead },
    );
    expect(res.status).toBe(401);
    const soon = await h.slack.command(
      { command: '/popback', text: 'Mrs P', channel_id: PATCH, user_id: ALICE },
      { timestamp: Math.floor(Date.now() / 1000) + 6 * 60 },
    );
    expect(soon.status).toBe(401);
    await h.settle();
    expect(h.fake.views).toHaveLength(0);
  });

  it('a little clock skew (two minutes ahead) is accepted', async () => {
    h = await flow.start({ at: '2026-11-23T10:00:00Z', roster: TEAM });
    const res = await h.slack.command(
      { command: '/popback', text: 'Mrs P', channel_id: PATCH, user_id: ALICE },
      { timestamp: Math.floor(Date.now() / 1000) + 120 },
    );
    expect(res.status).toBe(200);
  });
});
