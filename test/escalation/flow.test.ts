import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli.ts';
import { exportEscalationsCsv } from '../../src/escalation/export.ts';
import {
  ALICE,
  BOB,
  fillView,
  type Harness,
  PATCH,
  SUPER1,
  SUPER2,
  SUPERVISORS,
  TEAM,
  useFlowHarness,
} from '../support/harness.ts';
import type { FakeMessage } from '../support/slack/fake-slack.ts';

const flow = useFlowHarness();
let h: Harness;

const text = (m: FakeMessage | undefined) =>
  (m?.blocks ?? [])
    .map((b) => (b.text as { text: string } | undefined)?.text ?? JSON.stringify(b.elements ?? ''))
    .join('\n') ||
  (m?.text ?? '');
const parent = () => {
  const all = h.fake.messages(SUPERVISORS);
  expect(all).toHaveLength(1);
  return all[0] as FakeMessage;
};
const thread = () => h.fake.replies(SUPERVISORS, parent().ts).map((m) => m.text);
const lastAnswer = () => h.fake.responses.at(-1)?.body.text as string | undefined;
const buttons = (m: FakeMessage) =>
  m.blocks
    .filter((b) => b.type === 'actions')
    .flatMap((b) => (b.elements as Array<{ action_id: string }>).map((e) => e.action_id));

async function submitLatestModal(user: string, answers: Record<string, string>) {
  const opened = h.fake.views.at(-1);
  if (!opened) throw new Error('no modal opened');
  const res = await h.slack.submitView({ user, view: fillView({ ...opened.view, id: opened.id }, answers) });
  await h.settle();
  return res;
}

async function raiseByCommand(answers: Record<string, string> = {}) {
  await h.slack.command({ command: '/medissue', text: 'Mrs P', channel_id: PATCH, user_id: ALICE });
  await h.settle();
  return submitLatestModal(ALICE, {
    what: 'refused',
    time_critical: 'yes',
    urgency: 'now',
    note: 'Refused her 10:00 insulin, says she feels sick.',
    ...answers,
  });
}

const press = async (user: string, actionId: string, message: FakeMessage = parent()) => {
  await h.slack.action({ user, channel: SUPERVISORS, actionId, message: structuredClone(message) });
  await h.settle();
};

describe('raising a medication issue', () => {
  it('from /medissue: one parent in the supervisors channel with the on-call supervisor called, one short note in the patch channel', async () => {
    h = await flow.start({ at: '2026-11-23T10:00:00Z', roster: TEAM });
    await h.tickAt('2026-11-23T10:00:00Z');
    const res = await raiseByCommand();
    expect(res.body).toBe('');
    const p = parent();
    expect(text(p)).toContain(':pill: *Medication issue* · Westbury North <#C0PATCH07>');
    expect(text(p)).toContain(
      '*Mrs P* · Refused · :alarm_clock: time-critical medicine · needs a supervisor *now* · raised by <@U0ALICE1> at 10:00',
    );
    expect(text(p)).toContain('Refused her 10:00 insulin');
    expect(text(p)).toContain('On call now: <@U0SUPER1>');
    expect(buttons(p)).toEqual(['esc_acknowledge', 'esc_resolve']);
    expect(thread()).toEqual(['<@U0SUPER1> you are on call: please acknowledge this medication issue.']);
    const notes = h.fake.messages(PATCH).filter((m) => m.text.includes('Medication issue'));
    expect(notes).toHaveLength(1);
    expect(notes[0]?.text).toContain('escalated to the supervisors by <@U0ALICE1>');
    expect(notes[0]?.text).not.toContain('insulin');
    expect(h.fake.ephemerals.at(-1)).toMatchObject({
      user: ALICE,
      text: expect.stringContaining('Escalated to <@U0SUPER1> (on call)'),
    });
  });

  it('from the Medication issue button on a pop-back card: the patch note goes in the card’s thread', async () => {
    h = await flow.start({ at: '2026-11-23T10:00:00Z', roster: TEAM });
    await h.slack.command({ command: '/popback', text: 'Mr K', channel_id: PATCH, user_id: ALICE });
    await h.settle();
    await submitLatestModal(ALICE, { reason: 'Bin day' });
    const card = h.fake.messages(PATCH)[0] as FakeMessage;
    await h.slack.action({
      user: BOB,
      channel: PATCH,
      actionId: 'medissue_open',
      message: structuredClone(card),
    });
    await h.settle();
    const view = h.fake.views.at(-1)?.view as {
      blocks: Array<{ block_id?: string; element?: { initial_option?: { text: { text: string } } } }>;
    };
    expect(view.blocks.find((b) => b.block_id === 'client')?.element?.initial_option?.text.text).toBe('Mr K');
    await submitLatestModal(BOB, { what: 'ran_out', urgency: 'today' });
    expect(h.fake.replies(PATCH, card.ts).map((m) => m.text)).toEqual([
      expect.stringContaining(
        ':pill: Medication issue for *Mr K* (ran out) escalated to the supervisors by <@U0BOB0001>',
      ),
    ]);
  });

  it('from the message shortcut: the patch note goes in that message’s thread', async () => {
    h = await flow.start({ at: '2026-11-23T10:00:00Z', roster: TEAM });
    const res = await h.slack.shortcut({
      user: BOB,
      channel: PATCH,
      callbackId: 'raise_medissue',
      message: { ts: '1763892000.000100', text: 'Mrs D has no paracetamol left' },
    });
    expect(res.status).toBe(200);
    await h.settle();
    await submitLatestModal(BOB, { client: String(3), what: 'ran_out' });
    const note = h.fake.calls.find((c) => c.method === 'chat.postMessage' && c.args.channel === PATCH);
    expect(note?.args.thread_ts).toBe('1763892000.000100');
    expect(text(parent())).toContain('*Mrs D* · Ran out');
  });

  it('answers a missing client and kind on their fields, refuses a note over the limit with the limit, and raises nothing', async () => {
    h = await flow.start({ at: '2026-11-23T10:00:00Z', roster: TEAM });
    await h.slack.command({ command: '/medissue', text: '', channel_id: PATCH, user_id: ALICE });
    await h.settle();
    const res = await submitLatestModal(ALICE, { note: 'x'.repeat(501) });
    expect(JSON.parse(res.body)).toEqual({
      response_action: 'errors',
      errors: {
        client: 'Choose the client.',
        what: 'Choose what happened.',
        note: 'Keep the note to 500 characters (it is 501).',
      },
    });
    expect(h.fake.messages(SUPERVISORS)).toHaveLength(0);
  });

  it('outside a patch channel says what it does and where', async () => {
    h = await flow.start({ at: '2026-11-23T10:00:00Z', roster: TEAM });
    await h.slack.command({ command: '/medissue', text: '', channel_id: 'C0ELSEWHERE', user_id: ALICE });
    await h.settle();
    expect(lastAnswer()).toContain('Use it in your patch channel: <#C0PATCH07>');
    expect(h.fake.views).toHaveLength(0);
  });
});

describe('the escalation chain', () => {
  it('with no acknowledgement runs on call → all supervisors → @here every 5 minutes (now, time-critical), then repeats', async () => {
    h = await flow.start({ at: '2026-11-23T10:00:00Z', roster: TEAM });
    await raiseByCommand();
    await h.tickAt('2026-11-23T10:04:00Z');
    expect(thread()).toHaveLength(1);
    await h.tickAt('2026-11-23T10:05:00Z');
    expect(thread()[1]).toBe(
      'Not acknowledged yet. <@U0SUPER1> <@U0SUPER2> please acknowledge this medication issue.',
    );
    await h.tickAt('2026-11-23T10:10:00Z');
    expect(thread()[2]).toBe(
      '<!here> this medication issue is still not acknowledged (round 1 of 3). Can anyone take it?',
    );
    await h.tickAt('2026-11-23T10:15:00Z');
    expect(thread()[3]).toBe('<@U0SUPER1> you are on call: please acknowledge this medication issue.');
    expect(text(parent())).toContain('round 2 of 3');
  });

  it('Acknowledge stops the chain and names the owner; the patch channel hears who took it', async () => {
    h = await flow.start({ at: '2026-11-23T10:00:00Z', roster: TEAM });
    await raiseByCommand();
    h.clock.set(Date.parse('2026-11-23T10:03:00Z'));
    await press(SUPER2, 'esc_acknowledge');
    expect(text(parent())).toContain(':raising_hand: *Acknowledged* by <@U0SUPER2> at 10:03');
    expect(buttons(parent())).toEqual(['esc_resolve']);
    expect(thread().at(-1)).toBe(':raising_hand: Acknowledged by <@U0SUPER2>, who owns it now.');
    await h.tickAt('2026-11-23T10:20:00Z');
    expect(thread()).toHaveLength(2);
    const note = h.fake.messages(PATCH).find((m) => m.text.includes('Medication issue'));
    expect(note?.text).toContain('Acknowledged by <@U0SUPER2> at 10:03');
  });

  it('two supervisors acknowledging at once: one owner, the other told who', async () => {
    h = await flow.start({ at: '2026-11-23T10:00:00Z', roster: TEAM });
    await raiseByCommand();
    const p = structuredClone(parent());
    await Promise.all([
      h.slack.action({ user: SUPER1, channel: SUPERVISORS, actionId: 'esc_acknowledge', message: p }),
      h.slack.action({ user: SUPER2, channel: SUPERVISORS, actionId: 'esc_acknowledge', message: p }),
    ]);
    await h.settle();
    const owner = /\*Acknowledged\* by <@(\w+)>/.exec(text(parent()))?.[1];
    expect([SUPER1, SUPER2]).toContain(owner);
    expect(lastAnswer()).toBe(`<@${owner}> already acknowledged it and owns it.`);
    expect(thread().filter((t) => t.startsWith(':raising_hand:'))).toHaveLength(1);
  });

  it('an assistant cannot acknowledge or resolve: told privately, nothing changes', async () => {
    h = await flow.start({ at: '2026-11-23T10:00:00Z', roster: TEAM });
    await raiseByCommand();
    await press(BOB, 'esc_acknowledge');
    expect(lastAnswer()).toBe('Only supervisors (and admins) can acknowledge or resolve escalations.');
    await press(BOB, 'esc_resolve');
    expect(lastAnswer()).toBe('Only supervisors (and admins) can acknowledge or resolve escalations.');
    expect(h.fake.views).toHaveLength(1); // only the raise modal
    expect(text(parent())).toContain('Waiting for acknowledgement');
  });

  it('Resolve asks for the outcome, closes it, and says so in the thread and the patch channel', async () => {
    h = await flow.start({ at: '2026-11-23T10:00:00Z', roster: TEAM });
    await raiseByCommand();
    await press(SUPER1, 'esc_acknowledge');
    h.clock.set(Date.parse('2026-11-23T10:20:00Z'));
    await press(SUPER1, 'esc_resolve');
    const empty = await submitLatestModal(SUPER1, { outcome: 'other' });
    expect(JSON.parse(empty.body).errors).toEqual({ outcome_note: 'Say what the outcome was.' });
    await submitLatestModal(SUPER1, { outcome: 'gp_111', outcome_note: 'GP will call back by noon.' });
    expect(text(parent())).toContain(
      ':white_check_mark: *Resolved* by <@U0SUPER1> at 10:20: GP / 111 contacted. GP will call back by noon.',
    );
    expect(buttons(parent())).toEqual([]);
    expect(thread().at(-1)).toContain('Resolved by <@U0SUPER1>: GP / 111 contacted');
    await h.tickAt('2026-11-23T12:00:00Z');
    expect(thread().filter((t) => t.includes('reminder'))).toHaveLength(0);
  });

  it('an acknowledged issue is reminded after 30 minutes and un-acknowledged and re-escalated after 60', async () => {
    h = await flow.start({ at: '2026-11-23T10:00:00Z', roster: TEAM });
    await raiseByCommand();
    await press(SUPER1, 'esc_acknowledge');
    await h.tickAt('2026-11-23T10:30:00Z');
    expect(thread().at(-1)).toBe(
      '<@U0SUPER1>: a reminder that this medication issue is still open. Resolve it when it is dealt with.',
    );
    await h.tickAt('2026-11-23T11:00:00Z');
    expect(thread().slice(-2)).toEqual([
      '<@U0SUPER1> acknowledged this medication issue but has not resolved it in time: escalating again.',
      '<@U0SUPER1> you are on call: please acknowledge this medication issue.',
    ]);
    expect(buttons(parent())).toEqual(['esc_acknowledge', 'esc_resolve']);
  });

  it('survives a restart: steps that fell due while down run once, in order', async () => {
    h = await flow.start({ at: '2026-11-23T10:00:00Z', roster: TEAM });
    await raiseByCommand();
    await h.restart();
    await h.tickAt('2026-11-23T10:12:00Z');
    await h.tickAt('2026-11-23T10:13:00Z');
    expect(thread()).toEqual([
      '<@U0SUPER1> you are on call: please acknowledge this medication issue.',
      'Not acknowledged yet. <@U0SUPER1> <@U0SUPER2> please acknowledge this medication issue.',
      '<!here> this medication issue is still not acknowledged (round 1 of 3). Can anyone take it?',
    ]);
  });
});

describe('through a Slack outage', () => {
  it('an issue raised while Slack is down reaches the supervisors once it is back, with every step once', async () => {
    h = await flow.start({ at: '2026-11-23T10:00:00Z', roster: TEAM });
    await h.slack.command({ command: '/medissue', text: 'Mrs P', channel_id: PATCH, user_id: ALICE });
    await h.settle();
    h.fake.outage(true);
    await submitLatestModal(ALICE, { what: 'missed_dose', time_critical: 'yes', urgency: 'now' });
    for (let m = 1; m <= 7; m++) await h.tickAt(Date.parse('2026-11-23T10:00:00Z') + m * 60_000);
    expect(h.fake.messages(SUPERVISORS)).toHaveLength(0);
    h.fake.outage(false);
    await h.tickAt('2026-11-23T10:09:00Z');
    expect(thread()).toEqual([
      '<@U0SUPER1> you are on call: please acknowledge this medication issue.',
      'Not acknowledged yet. <@U0SUPER1> <@U0SUPER2> please acknowledge this medication issue.',
    ]);
    // The patch note was backing off during the outage (at most 5 minutes between tries): it follows.
    await h.tickAt('2026-11-23T10:13:00Z');
    expect(h.fake.messages(PATCH).filter((m) => m.text.includes('Medication issue'))).toHaveLength(1);
    expect(h.fake.posts(SUPERVISORS).length).toBe(
      new Set(h.fake.posts(SUPERVISORS).map((c) => c.args.text)).size,
    );
  });

  it('the Medication issue entry of a rota menu opens the same form with the client chosen', async () => {
    h = await flow.start({ at: '2026-11-23T06:00:00Z', roster: TEAM });
    await h.tickAt('2026-11-23T07:00:00Z');
    const rota = h.fake.messages(PATCH)[0] as FakeMessage;
    const line = rota.blocks.find((b) => b.type === 'section' && JSON.stringify(b).includes('Mrs D')) as {
      block_id: string;
      accessory: { options: Array<{ value: string; text: { text: string } }> };
    };
    const option = line.accessory.options.find((o) => o.text.text === 'Medication issue');
    await h.slack.action({
      user: BOB,
      channel: PATCH,
      actionId: 'rota_visit',
      blockId: line.block_id,
      value: option?.value ?? '',
      message: structuredClone(rota),
    });
    await h.settle();
    const view = h.fake.views.at(-1)?.view as {
      callback_id: string;
      blocks: Array<{ block_id?: string; element?: { initial_option?: { text: { text: string } } } }>;
    };
    expect(view.callback_id).toBe('medissue_submit');
    expect(view.blocks.find((b) => b.block_id === 'client')?.element?.initial_option?.text.text).toBe(
      'Mrs D',
    );
    await submitLatestModal(BOB, { what: 'ran_out' });
    // Told in the rota's thread, where the visit is.
    expect(h.fake.replies(PATCH, rota.ts).map((m) => m.text)).toEqual([
      expect.stringContaining('Medication issue for *Mrs D*'),
    ]);
  });
});

describe('missed visits escalate with the same chain', () => {
  it('and an Arrived closes the escalation with a note', async () => {
    h = await flow.start({ at: '2026-11-23T06:00:00Z', roster: TEAM });
    await h.tickAt('2026-11-23T06:00:00Z');
    await h.tickAt('2026-11-23T08:30:00Z');
    const missed = h.fake.messages(SUPERVISORS).find((m) => m.text.includes('Mrs P')) as FakeMessage;
    expect(text(missed)).toContain(':red_circle: *Missed visit* · Westbury North');
    await h.tickAt('2026-11-23T08:40:00Z');
    expect(h.fake.replies(SUPERVISORS, missed.ts).map((m) => m.text)).toContain(
      'Not acknowledged yet. <@U0SUPER1> <@U0SUPER2> please acknowledge this missed visit.',
    );
    const alert = h.fake.messages(PATCH).find((m) => m.text.startsWith('Missed visit: Mrs P')) as FakeMessage;
    h.clock.set(Date.parse('2026-11-23T08:45:00Z'));
    await h.slack.action({
      user: ALICE,
      channel: PATCH,
      actionId: 'alert_arrived',
      message: structuredClone(alert),
    });
    await h.settle();
    const closed = h.fake.messages(SUPERVISORS).find((m) => m.text.includes('Mrs P')) as FakeMessage;
    expect(text(closed)).toContain(
      '*Resolved* by <@U0ALICE1> at 08:45: <@U0ALICE1> arrived at 08:45, 45 min late',
    );
    expect(h.fake.replies(SUPERVISORS, missed.ts).at(-1)?.text).toBe(
      ':white_check_mark: Resolved: <@U0ALICE1> arrived at 08:45, 45 min late.',
    );
  });
});

describe('system escalations close themselves when the visit is covered', () => {
  it('Not needed on a missed visit resolves its escalation, saying why; the chain stops', async () => {
    h = await flow.start({ at: '2026-11-23T06:00:00Z', roster: TEAM });
    await h.tickAt('2026-11-23T07:00:00Z');
    await h.tickAt('2026-11-23T08:30:00Z');
    const rota = h.fake.messages(PATCH).find((m) => m.text.startsWith('Rota for')) as FakeMessage;
    const line = rota.blocks.find((b) => b.type === 'section' && JSON.stringify(b).includes('Mr K')) as {
      block_id: string;
      accessory: { options: Array<{ value: string; text: { text: string } }> };
    };
    const notNeeded = line.accessory.options.find((o) => o.text.text === 'Not needed');
    await h.slack.action({
      user: BOB,
      channel: PATCH,
      actionId: 'rota_visit',
      blockId: line.block_id,
      value: notNeeded?.value ?? '',
      message: structuredClone(rota),
    });
    await h.settle();
    await submitLatestModal(BOB, { reason: 'hospital' });
    const note = h.fake.messages(SUPERVISORS).find((m) => m.text.includes('Mr K')) as FakeMessage;
    expect(text(note)).toContain('<@U0BOB0001> marked the visit not needed (in hospital)');
    const replies = () => h.fake.replies(SUPERVISORS, note.ts).length;
    const before = replies();
    await h.tickAt('2026-11-23T09:30:00Z');
    expect(replies()).toBe(before);
  });

  it('cancelling an unclaimed pop-back resolves its escalation', async () => {
    h = await flow.start({ at: '2026-11-23T10:00:00Z', roster: TEAM });
    await h.slack.command({ command: '/popback', text: 'Mr K', channel_id: PATCH, user_id: ALICE });
    await h.settle();
    await submitLatestModal(ALICE, { reason: 'Bin day' });
    await h.tickAt('2026-11-23T10:20:00Z');
    await h.tickAt('2026-11-23T10:40:00Z');
    expect(text(h.fake.messages(SUPERVISORS)[0])).toContain('*Unclaimed pop-back*');
    const card = h.fake.messages(PATCH).find((m) => m.text.startsWith('Pop-back')) as FakeMessage;
    await h.slack.action({
      user: ALICE,
      channel: PATCH,
      actionId: 'popback_cancel',
      message: structuredClone(card),
    });
    await h.settle();
    expect(text(h.fake.messages(SUPERVISORS)[0])).toContain(
      '*Resolved* by <@U0ALICE1> at 10:40: cancelled by <@U0ALICE1>',
    );
  });
});

describe('/oncall and the export', () => {
  it('/oncall says who is on call now and next', async () => {
    h = await flow.start({ at: '2026-11-23T10:00:00Z', roster: TEAM });
    await h.slack.command({ command: '/oncall', text: '', channel_id: SUPERVISORS, user_id: ALICE });
    await h.settle();
    expect(lastAnswer()).toBe('On call now: <@U0SUPER1>.\nNext: <@U0SUPER2> from Mon 23 Nov 20:00.');
  });

  it('exports every issue and step as CSV for the dates asked', async () => {
    h = await flow.start({ at: '2026-11-23T10:00:00Z', roster: TEAM });
    await raiseByCommand();
    await press(SUPER1, 'esc_acknowledge');
    const { csv, escalations, rows } = exportEscalationsCsv(h.bot.db, '2026-11-01', '2026-11-30');
    expect(escalations).toBe(1);
    const lines = csv.trim().split('\r\n');
    expect(lines[0]).toBe(
      'escalation_id,kind,patch,client_code,client,what,time_critical,urgency,raised_by,raised_at,source,status,acknowledged_by,acknowledged_at,resolved_by,resolved_at,outcome,outcome_note,note,event_at,event,event_by,event_detail',
    );
    expect(lines).toHaveLength(rows + 1);
    // The note holds a comma, so that field is quoted, as RFC 4180 says.
    expect(lines[1]).toContain(',"Refused her 10:00 insulin, says she feels sick.",');
    expect(lines.slice(1).map((l) => /\+00:00,(raised|step|acknowledged),/.exec(l)?.[1])).toEqual([
      'raised',
      'step',
      'acknowledged',
    ]);
    expect(lines[1]).toContain(
      '1,medication,P07,P07-01,Mrs P,refused,yes,now,U0ALICE1,2026-11-23T10:00:00+00:00,command,acknowledged,U0SUPER1',
    );
    expect(exportEscalationsCsv(h.bot.db, '2026-11-24', '2026-11-30').rows).toBe(0);
  });

  it('writes times with the provider zone’s offset on the day (BST in summer)', async () => {
    h = await flow.start({ at: '2026-07-01T09:00:00Z', roster: TEAM });
    await raiseByCommand();
    const { csv } = exportEscalationsCsv(h.bot.db, '2026-07-01', '2026-07-01');
    expect(csv).toContain(',2026-07-01T10:00:00+01:00,command,');
  });

  it('`patchbot export escalations` writes the CSV file and refuses bad dates', async () => {
    h = await flow.start({ at: '2026-11-23T10:00:00Z', roster: TEAM });
    const dir = mkdtempSync(join(tmpdir(), 'patchbot-export-'));
    const saved = process.env.DATABASE_PATH;
    try {
      process.env.DATABASE_PATH = join(dir, 'empty.db');
      const err: string[] = [];
      const io = { out: () => {}, err: (s: string) => err.push(s) };
      expect(await runCli(['export', 'escalations', '--from', '2026-11-31', '--to', '2026-12-01'], io)).toBe(
        2,
      );
      expect(err.at(-1)).toBe('patchbot export escalations: --from 2026-11-31: expected a date YYYY-MM-DD');
      const out = join(dir, 'out.csv');
      expect(
        await runCli(
          ['export', 'escalations', '--from', '2026-11-01', '--to', '2026-11-30', '--out', out],
          io,
        ),
      ).toBe(0);
      expect(readFileSync(out, 'utf8').split('\r\n')[0]).toMatch(/^escalation_id,kind,/);
    } finally {
      if (saved === undefined) delete process.env.DATABASE_PATH;
      else process.env.DATABASE_PATH = saved;
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
