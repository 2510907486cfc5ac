import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { auditLog, provider, tasks, visits } from '../../db/schema.ts';
import { competenceGuard, signOff, withdrawSignoff } from '../../src/competence/service.ts';
import { signoffsOf } from '../../src/competence/store.ts';
import { hub } from '../../src/hub.ts';
import { importRosterWithVisits } from '../../src/main.ts';
import { parseRoster } from '../../src/patches/roster.ts';
import { findPatchByChannel } from '../../src/patches/store.ts';
import { changeVisit, type Guard } from '../../src/visits/service.ts';
import { fixedVisitsOn, getVisitRow } from '../../src/visits/store.ts';
import {
  ALICE,
  BOB,
  fillView,
  type Harness,
  PATCH,
  SUPER1,
  SUPER2,
  SUPERVISORS,
  useFlowHarness,
} from '../support/harness.ts';
import { checkView } from '../support/slack/blocks.ts';
import type { FakeMessage } from '../support/slack/fake-slack.ts';

const ROSTER = join(import.meta.dirname, 'fixtures', 'team.yml');
const flow = useFlowHarness();
let h: Harness;
const start = (at: string) => flow.start({ at, roster: ROSTER });

type Obj = Record<string, unknown>;
type View = Obj & { id?: string; blocks: Obj[] };

/** The words of a view or message's blocks: sections, context, header. */
const words = (blocks: readonly Obj[]) =>
  blocks
    .flatMap((b) => [
      (b.text as { text?: string } | undefined)?.text ?? '',
      ...((b.elements as Array<{ text?: string }> | undefined) ?? []).map((e) =>
        typeof e.text === 'string' ? e.text : '',
      ),
    ])
    .filter(Boolean)
    .join('\n');
const lastAnswer = () => h.fake.responses.at(-1)?.body.text as string | undefined;
const sectionOf = (m: FakeMessage, needle: string) =>
  m.blocks.find((b) => b.type === 'section' && (b.text as { text: string }).text.includes(needle)) as
    | {
        block_id: string;
        text: { text: string };
        accessory?: { options: Array<{ value: string; text: { text: string } }> };
      }
    | undefined;

const patchId = () => findPatchByChannel(h.bot.db, PATCH)?.id ?? 0;
/** A fixed visit by client and purpose on a local date. */
const visitOf = (client: string, purpose: string, date: string) => {
  const row = fixedVisitsOn(h.bot.db, patchId(), date).find(
    (r) => r.clientName === client && r.visit.purpose === purpose,
  );
  if (!row) throw new Error(`no ${purpose} visit to ${client} on ${date}`);
  return row.visit;
};
const mrsP = (date: string) => visitOf('Mrs P', 'Morning wake-up', date);
const mrK = (date: string) => visitOf('Mr K', 'Breakfast', date);

/** Signs someone off directly (set-up for a test that is about something else). */
const signedOff = (userId: string, taskCode: string, expiresOn: string, by = SUPER1) => {
  const r = signOff(h.bot.deps, { by, userId, taskCode, expiresOn });
  if (!r.ok) throw new Error(r.text);
  return r.signoffId;
};

const digest = () => {
  const posted = h.fake.messages(PATCH).filter((m) => m.text.startsWith('Rota for'));
  return posted.at(-1) as FakeMessage;
};

async function fromRota(user: string, client: string, label: string) {
  const d = structuredClone(digest());
  const line = sectionOf(d, client);
  const option = line?.accessory?.options.find((o) => o.text.text === label);
  if (!line || !option) throw new Error(`no "${label}" on ${client}'s line`);
  await h.slack.action({
    user,
    channel: PATCH,
    actionId: 'rota_visit',
    blockId: line.block_id,
    value: option.value,
    message: d,
  });
  await h.settle();
}

async function openFor(by: string, text: string): Promise<View> {
  await h.slack.command({ command: '/competence', text, channel_id: SUPERVISORS, user_id: by });
  await h.settle();
  const opened = h.fake.views.at(-1);
  if (!opened) throw new Error('no modal opened');
  return { ...opened.view, id: opened.id } as View;
}

async function submit(by: string, view: View, answers: Record<string, string>) {
  const res = await h.slack.submitView({ user: by, view: fillView(view, answers) });
  await h.settle();
  const body = (res.body === '' ? {} : res.json()) as {
    response_action?: string;
    view?: View;
    errors?: Record<string, string>;
  };
  if (body.view) expect(checkView(body.view)).toEqual([]);
  return body;
}

const flags = () => h.fake.messages(SUPERVISORS).filter((m) => m.text.startsWith('Sign-off for a visit'));
const audit = () =>
  h.bot.db
    .select()
    .from(auditLog)
    .all()
    .filter((a) => a.entity !== 'roster') // the harness's roster import is recorded too
    .map((a) => ({ actor: a.actor, entity: a.entity, action: a.action, after: a.after }));

describe('signing off, from /competence @name', () => {
  it('shows their sign-offs and the tasks; a sign-off is saved, recorded, shown and told to them', async () => {
    h = await start('2026-11-23T10:00:00Z');
    const form = await openFor(SUPER1, `<@${BOB}|bob>`);
    expect(form.callback_id).toBe('competence_signoff_submit');
    expect(words(form.blocks)).toContain('*Delegated health tasks of <@U0BOB0001>* · Westbury North');
    expect(words(form.blocks)).toContain('Not signed off for any task yet.');
    const input = form.blocks.find((b) => b.block_id === 'task') as { element: { options: Obj[] } };
    expect(input.element.options.map((o) => (o.text as { text: string }).text)).toEqual([
      'Eye drops',
      'Insulin injection',
      'Stoma care',
    ]);
    const date = form.blocks.find((b) => b.block_id === 'expires') as { element: { initial_date: string } };
    expect(date.element.initial_date).toBe('2027-11-23');

    const body = await submit(SUPER1, form, { task: 'insulin', expires: '2027-11-30' });
    expect(body.response_action).toBe('update');
    const shown = words(body.view?.blocks ?? []);
    expect(shown).toContain(
      ':white_check_mark: Signed off: *Insulin injection*, valid through *Tue 30 Nov 2027*. <@U0BOB0001> has been told.',
    );
    expect(shown).toContain(
      '*Insulin injection* · valid through Tue 30 Nov 2027\nsigned off by <@U0SUPER1> on Mon 23 Nov 2026',
    );
    expect(signoffsOf(h.bot.db, BOB)).toMatchObject([
      { taskCode: 'insulin', expiresOn: '2027-11-30', signedBy: SUPER1, withdrawnAt: null, remindedAt: null },
    ]);
    expect(audit()).toEqual([
      {
        actor: SUPER1,
        entity: 'signoff',
        action: 'sign_off',
        after: JSON.stringify({ user: BOB, task: 'insulin', expiresOn: '2027-11-30' }),
      },
    ]);
    expect(h.fake.messages(BOB).map((m) => m.text)).toEqual([
      ':white_check_mark: <@U0SUPER1> signed you off for *Insulin injection*, valid through *Tue 30 Nov 2027*. You can take visits that need it.',
    ]);
  });

  it('signing off again for the same task renews it: the old sign-off is closed, both are recorded', async () => {
    h = await start('2026-11-23T10:00:00Z');
    signedOff(BOB, 'insulin', '2026-12-31');
    const body = await submit(SUPER2, await openFor(SUPER2, `<@${BOB}>`), {
      task: 'insulin',
      expires: '2027-12-31',
    });
    expect(words(body.view?.blocks ?? [])).toContain('Renewed: *Insulin injection*');
    expect(body.view?.blocks.filter((b) => String(b.block_id).startsWith('signoff:'))).toHaveLength(1);
    const rows = signoffsOf(h.bot.db, BOB);
    expect(rows.map((r) => [r.expiresOn, r.withdrawnBy])).toEqual([
      ['2026-12-31', SUPER2],
      ['2027-12-31', null],
    ]);
    expect(audit().map((a) => a.action)).toEqual(['sign_off', 'replaced', 'renew']);
    expect(h.fake.messages(BOB).at(-1)?.text).toContain(
      '<@U0SUPER2> renewed your sign-off for *Insulin injection*',
    );
  });

  it('answers on its fields: no task, a day not after today, more than three years ahead; nothing is saved', async () => {
    h = await start('2026-11-23T10:00:00Z');
    const form = await openFor(SUPER1, `<@${BOB}|bob>`);
    expect((await submit(SUPER1, form, { expires: '2026-11-23' })).errors).toEqual({
      task: 'Choose the task.',
      expires: 'Pick a day after today.',
    });
    expect((await submit(SUPER1, form, { task: 'insulin', expires: '2029-11-24' })).errors).toEqual({
      expires: 'At most 3 years ahead: pick Fri 23 Nov 2029 or earlier.',
    });
    expect(signoffsOf(h.bot.db, BOB)).toEqual([]);
  });

  it('refuses forged submissions on a field and changes nothing: anyone, any metadata, any task, any date', async () => {
    h = await start('2026-11-23T10:00:00Z');
    const form = await openFor(SUPER1, `<@${BOB}|bob>`);
    const good = fillView(form, { task: 'insulin', expires: '2027-01-31' }) as View & {
      state: { values: Record<string, Record<string, Obj>> };
    };
    h.bot.db.update(tasks).set({ archivedAt: 1 }).where(eq(tasks.code, 'stoma_care')).run();
    const withTask = (value: unknown) => {
      const v = structuredClone(good);
      (v.state.values.task as Record<string, Obj>).value = {
        type: 'static_select',
        selected_option: { text: { type: 'plain_text', text: 'x' }, value },
      };
      return v;
    };
    const withDate = (date: unknown) => {
      const v = structuredClone(good);
      (v.state.values.expires as Record<string, Obj>).value = { type: 'datepicker', selected_date: date };
      return v;
    };
    const meta = (m: string) => ({ ...structuredClone(good), private_metadata: m });
    const cases: Array<[string, View, string]> = [
      [ALICE, good, 'task'],
      [SUPER1, meta('{"userId":"__proto__"}'), 'task'],
      [SUPER1, meta('not json'), 'task'],
      [SUPER1, meta(JSON.stringify({ userId: SUPER2 })), 'task'],
      [SUPER1, meta(JSON.stringify({ userId: SUPER1 })), 'task'],
      [SUPER1, meta(JSON.stringify({ userId: 'U0NOBODY1' })), 'task'],
      [SUPER1, withTask('__proto__'), 'task'],
      [SUPER1, withTask('constructor'), 'task'],
      [SUPER1, withTask('stoma_care'), 'task'],
      [SUPER1, withTask(7), 'task'],
      [SUPER1, withDate('2027-02-30'), 'expires'],
      [SUPER1, withDate('tomorrow'), 'expires'],
      [SUPER1, withDate(null), 'expires'],
      [SUPER1, { ...structuredClone(good), state: null } as unknown as View, 'task'],
    ];
    for (const [i, [user, view, field]] of cases.entries()) {
      const res = await h.slack.submitView({ user, view: { ...view, id: `V0FORGED${i}` } });
      expect(res.status).toBe(200);
      const answer = JSON.parse(res.body) as { response_action: string; errors: Record<string, string> };
      expect(answer.response_action, JSON.stringify(view.private_metadata)).toBe('errors');
      expect(Object.keys(answer.errors)).toContain(field);
      for (const key of Object.keys(answer.errors)) expect(['task', 'expires']).toContain(key);
    }
    await h.settle();
    expect(signoffsOf(h.bot.db, BOB)).toEqual([]);
    expect(audit()).toEqual([]);
    expect(h.fake.messages(BOB)).toEqual([]);
  });

  it('a replayed submission signs off once', async () => {
    h = await start('2026-11-23T10:00:00Z');
    const filled = fillView(await openFor(SUPER1, `<@${BOB}|bob>`), {
      task: 'eye_drops',
      expires: '2027-01-31',
    });
    await h.slack.submitView({ user: SUPER1, view: filled });
    const again = await h.slack.submitView({ user: SUPER1, view: filled });
    // Dropped as a replay before it reaches the handler (src/slack/dedupe.ts).
    expect(again.status).toBe(200);
    await h.settle();
    expect(signoffsOf(h.bot.db, BOB)).toHaveLength(1);
  });

  it('a supervisor cannot sign themselves off, nor someone who is not a care assistant', async () => {
    h = await start('2026-11-23T10:00:00Z');
    await h.slack.command({ command: '/competence', text: `<@${SUPER1}>`, user_id: SUPER1 });
    await h.settle();
    expect(lastAnswer()).toBe("You can't sign yourself off: ask another supervisor.");
    await h.slack.command({ command: '/competence', text: `<@${SUPER2}|sam>`, user_id: SUPER1 });
    await h.settle();
    expect(lastAnswer()).toBe(
      '<@U0SUPER2> is not a care assistant in any patch, so they have no sign-offs to manage.',
    );
    await h.slack.command({ command: '/competence', text: 'bob', user_id: SUPER1 });
    await h.settle();
    expect(lastAnswer()).toContain('Use `/competence @name`');
    expect(h.fake.views).toHaveLength(0);
  });

  it('someone who is not a supervisor is told privately who can, and sees their own sign-offs', async () => {
    h = await start('2026-11-23T10:00:00Z');
    signedOff(ALICE, 'insulin', '2026-12-01');
    await h.slack.command({ command: '/competence', text: `<@${BOB}|bob>`, user_id: ALICE });
    await h.settle();
    expect(lastAnswer()).toBe(
      'Only supervisors and admins sign people off for delegated health tasks (<@U0SUPER1> <@U0SUPER2>).\n\n' +
        'Your sign-offs:\n• *Insulin injection*: :hourglass_flowing_sand: valid through Tue 1 Dec 2026 (8 days left) (signed off by <@U0SUPER1>)',
    );
    expect(h.fake.views).toHaveLength(0);
    expect(signoffsOf(h.bot.db, BOB)).toEqual([]);
  });
});

describe('the "Sign off a competence" shortcut (the closest Slack has to a profile button)', () => {
  it('asks whose sign-offs, then shows the same form', async () => {
    h = await start('2026-11-23T10:00:00Z');
    await h.slack.globalShortcut({ user: SUPER1, callbackId: 'competence_signoff' });
    await h.settle();
    const opened = h.fake.views.at(-1);
    expect(opened?.view.callback_id).toBe('competence_pick');
    const picker = { ...opened?.view, id: opened?.id } as View;
    expect((await submit(SUPER1, picker, { who: SUPER1 })).errors).toEqual({
      who: "You can't sign yourself off: ask another supervisor.",
    });
    const next = await submit(SUPER1, picker, { who: ALICE });
    expect(next.response_action).toBe('update');
    expect(next.view?.callback_id).toBe('competence_signoff_submit');
    expect(words(next.view?.blocks ?? [])).toContain('*Delegated health tasks of <@U0ALICE1>*');
  });

  it('for someone who is not a supervisor, opens a page that says who can', async () => {
    h = await start('2026-11-23T10:00:00Z');
    await h.slack.globalShortcut({ user: BOB, callbackId: 'competence_signoff' });
    await h.settle();
    const view = h.fake.views.at(-1)?.view as View;
    expect(view.callback_id).toBe('');
    expect(words(view.blocks)).toContain('Only supervisors and admins sign people off');
    expect(words(view.blocks)).toContain('You are not signed off for any delegated health task yet.');
  });
});

describe('visits that need a task go only to someone signed off for it', () => {
  it('the rota shows the tasks; Take over is refused privately, naming the task and the supervisors', async () => {
    h = await start('2026-11-23T06:00:00Z');
    await h.tickAt('2026-11-23T07:00:00Z');
    expect(sectionOf(digest(), 'Mrs P')?.text.text).toContain(':stethoscope: Insulin injection');
    await fromRota(BOB, 'Mrs P', 'Take over');
    expect(lastAnswer()).toBe(
      "You can't take this visit: you are not signed off for *Insulin injection* (never signed off), which it needs. Ask a supervisor to sign you off: <@U0SUPER1> <@U0SUPER2>.",
    );
    expect(getVisitRow(h.bot.db, mrsP('2026-11-23').id)?.assignee).toBe(ALICE);
    // Once signed off, the same press works.
    signedOff(BOB, 'insulin', '2027-11-23');
    await fromRota(BOB, 'Mrs P', 'Take over');
    expect(getVisitRow(h.bot.db, mrsP('2026-11-23').id)?.assignee).toBe(BOB);
  });

  it('a sign-off is valid through its last day: the visit that day may be taken, the next day’s may not', async () => {
    h = await start('2026-11-22T06:00:00Z');
    signedOff(BOB, 'insulin', '2026-11-22');
    await h.tickAt('2026-11-22T07:00:00Z');
    await fromRota(BOB, 'Mrs P', 'Take over');
    expect(getVisitRow(h.bot.db, mrsP('2026-11-22').id)?.assignee).toBe(BOB);
    await h.tickAt('2026-11-23T07:00:00Z');
    await fromRota(BOB, 'Mrs P', 'Take over');
    expect(lastAnswer()).toBe(
      "You can't take this visit: you are not signed off for *Insulin injection* (ran out after Sun 22 Nov 2026), which it needs. Ask a supervisor to sign you off: <@U0SUPER1> <@U0SUPER2>.",
    );
    expect(getVisitRow(h.bot.db, mrsP('2026-11-23').id)?.assignee).toBe(ALICE);
  });

  it('Claim on a card: pop-backs need no task and pass; one that needs a task is refused', async () => {
    h = await start('2026-11-23T10:00:00Z');
    await h.slack.command({ command: '/popback', text: 'Mrs P', channel_id: PATCH, user_id: ALICE });
    await h.settle();
    const opened = h.fake.views.at(-1);
    await h.slack.submitView({
      user: ALICE,
      view: fillView({ ...opened?.view, id: opened?.id } as View, { reason: 'Glasses' }),
    });
    await h.settle();
    const card = () => h.fake.messages(PATCH).find((m) => m.text.startsWith('Pop-back')) as FakeMessage;
    const visitId = Number(String(card().blocks[0]?.block_id).split(':')[1]);
    // A flexible visit that needs a task (none does today: the guard covers claims all the same).
    h.bot.db.update(visits).set({ requiredTasks: 'eye_drops' }).where(eq(visits.id, visitId)).run();
    await h.slack.action({
      user: BOB,
      channel: PATCH,
      actionId: 'popback_claim',
      message: structuredClone(card()),
    });
    await h.settle();
    expect(lastAnswer()).toContain("You can't take this visit: you are not signed off for *Eye drops*");
    h.bot.db.update(visits).set({ requiredTasks: '' }).where(eq(visits.id, visitId)).run();
    await h.slack.action({
      user: BOB,
      channel: PATCH,
      actionId: 'popback_claim',
      message: structuredClone(card()),
    });
    await h.settle();
    expect(words(card().blocks)).toContain('*Claimed* by <@U0BOB0001>');
  });

  it('a cover take and a supervisor’s assign are refused the same way; a supervisor taking it is not', async () => {
    h = await start('2026-11-23T06:00:00Z');
    const v = mrsP('2026-11-23');
    const take = changeVisit(h.bot.deps, v.id, { type: 'cover_take' }, BOB);
    expect(take).toMatchObject({ ok: false, refusal: { reason: 'rule' } });
    const assign = changeVisit(h.bot.deps, v.id, { type: 'assign', to: BOB, toInTeam: true }, SUPER1);
    expect(assign.ok ? '' : assign.refusal).toEqual({
      reason: 'rule',
      text: "<@U0BOB0001> can't have this visit: they are not signed off for *Insulin injection* (never signed off), which it needs. A supervisor can sign them off with /competence: <@U0SUPER1> <@U0SUPER2>.",
    });
    expect(getVisitRow(h.bot.db, v.id)?.assignee).toBe(ALICE);
    // Supervisors are the nurses who sign others off: they may take any visit.
    expect(changeVisit(h.bot.deps, v.id, { type: 'takeover' }, SUPER2).ok).toBe(true);
    signedOff(BOB, 'insulin', '2027-01-01');
    expect(changeVisit(h.bot.deps, v.id, { type: 'assign', to: BOB, toInTeam: true }, SUPER1).ok).toBe(true);
    expect(changeVisit(h.bot.deps, mrK('2026-11-23').id, { type: 'cover_take' }, ALICE).ok).toBe(false);
    signedOff(ALICE, 'eye_drops', '2027-01-01');
    expect(changeVisit(h.bot.deps, mrK('2026-11-23').id, { type: 'cover_take' }, ALICE).ok).toBe(true);
  });
});

describe('a sign-off withdrawn during a take-over', () => {
  it('withdrawn from the form just before: the take-over is refused, naming who withdrew it', async () => {
    h = await start('2026-11-23T06:00:00Z');
    const id = signedOff(BOB, 'insulin', '2027-11-23');
    await h.tickAt('2026-11-23T07:00:00Z');
    const form = await openFor(SUPER1, `<@${BOB}|bob>`);
    const res = await h.slack.viewAction({
      user: SUPER1,
      view: form,
      actionId: 'competence_withdraw',
      value: String(id),
    });
    expect(res.status).toBe(200);
    await h.settle();
    await fromRota(BOB, 'Mrs P', 'Take over');
    expect(lastAnswer()).toContain('*Insulin injection* (withdrawn by <@U0SUPER1>)');
    expect(getVisitRow(h.bot.db, mrsP('2026-11-23').id)?.assignee).toBe(ALICE);
  });

  it('withdrawn inside the take-over’s own transaction: the guard sees it and refuses', async () => {
    h = await start('2026-11-23T06:00:00Z');
    const id = signedOff(BOB, 'insulin', '2027-11-23');
    let inside = false;
    // Runs first, in the same transaction as the take-over: the withdrawal lands after the visit was read.
    const withdrawFirst: Guard = (tx) => {
      inside = tx.$client.inTransaction;
      withdrawSignoff({ ...h.bot.deps, db: tx }, { by: SUPER1, userId: BOB, signoffId: id });
      return null;
    };
    const deps = { ...h.bot.deps, hub: { ...hub, guards: [withdrawFirst, competenceGuard] } };
    const result = changeVisit(deps, mrsP('2026-11-23').id, { type: 'takeover' }, BOB);
    expect(inside).toBe(true);
    expect(result).toMatchObject({ ok: false, refusal: { reason: 'rule' } });
    expect(getVisitRow(h.bot.db, mrsP('2026-11-23').id)?.assignee).toBe(ALICE);
  });

  it('pressed at the same moment: either the take-over is refused, or it won and the visit is flagged', async () => {
    h = await start('2026-11-23T06:00:00Z');
    const id = signedOff(BOB, 'insulin', '2027-11-23');
    await h.tickAt('2026-11-23T07:00:00Z');
    const form = await openFor(SUPER1, `<@${BOB}|bob>`);
    const d = structuredClone(digest());
    const line = sectionOf(d, 'Mrs P');
    const option = line?.accessory?.options.find((o) => o.text.text === 'Take over');
    if (!line || !option) throw new Error('no Take over on Mrs P');
    await Promise.all([
      h.slack.viewAction({ user: SUPER1, view: form, actionId: 'competence_withdraw', value: String(id) }),
      h.slack.action({
        user: BOB,
        channel: PATCH,
        actionId: 'rota_visit',
        blockId: line.block_id,
        value: option.value,
        message: d,
      }),
    ]);
    await h.settle();
    expect(signoffsOf(h.bot.db, BOB)[0]?.withdrawnBy).toBe(SUPER1);
    const visit = getVisitRow(h.bot.db, mrsP('2026-11-23').id);
    if (visit?.assignee === BOB) {
      expect(words(flags().find((m) => m.text.includes('Mrs P'))?.blocks ?? [])).toContain(
        '<@U0BOB0001> has this visit and is not signed off for *Insulin injection* (withdrawn by <@U0SUPER1>)',
      );
    } else {
      expect(visit?.assignee).toBe(ALICE);
      expect(lastAnswer()).toContain('withdrawn by <@U0SUPER1>');
    }
  });
});

describe('withdrawing from the form', () => {
  it('closes the sign-off, records it, tells them, and flags their visits of today and tomorrow at once', async () => {
    h = await start('2026-11-23T08:30:00Z');
    const id = signedOff(ALICE, 'insulin', '2027-11-23');
    signedOff(BOB, 'eye_drops', '2027-11-23');
    await h.tickAt('2026-11-23T09:30:00Z');
    expect(flags()).toHaveLength(0);
    const form = await openFor(SUPER2, `<@${ALICE}|alice>`);
    expect(words(form.blocks)).toContain('*Insulin injection* · valid through Tue 23 Nov 2027');
    await h.slack.viewAction({
      user: SUPER2,
      view: form,
      actionId: 'competence_withdraw',
      value: String(id),
    });
    await h.settle();
    const updated = h.fake.view(form.id as string) as View;
    expect(words(updated.blocks)).toContain(
      ':no_entry_sign: Withdrawn: *Insulin injection*. <@U0ALICE1> has been told. One of their visits today or tomorrow needs it: see the supervisors’ channel.',
    );
    expect(words(updated.blocks)).toContain('Not signed off for any task yet.');
    expect(signoffsOf(h.bot.db, ALICE)[0]).toMatchObject({ withdrawnBy: SUPER2 });
    expect(audit().at(-1)).toMatchObject({ actor: SUPER2, action: 'withdraw', after: null });
    expect(h.fake.messages(ALICE).at(-1)?.text).toContain(
      '<@U0SUPER2> withdrew your sign-off for *Insulin injection*',
    );
    expect(flags().map((m) => words(m.blocks))).toEqual([
      ':warning: *Not signed off for this visit* · *Mrs P* · Tue 24 Nov 2026 08:00 · Morning wake-up · Westbury North <#C0PATCH07>\n' +
        '<@U0ALICE1> has this visit and is not signed off for *Insulin injection* (withdrawn by <@U0SUPER2>). Sign them off with /competence, or ask someone who is signed off to take it over.',
    ]);
  });

  it('pressed by someone who is not a supervisor: nothing changes, and the form says why', async () => {
    h = await start('2026-11-23T10:00:00Z');
    const id = signedOff(ALICE, 'insulin', '2027-11-23');
    const form = await openFor(SUPER1, `<@${ALICE}|alice>`);
    await h.slack.viewAction({ user: BOB, view: form, actionId: 'competence_withdraw', value: String(id) });
    await h.settle();
    expect(words((h.fake.view(form.id as string) as View).blocks)).toContain(
      'Only supervisors and admins sign people off for delegated health tasks.',
    );
    expect(signoffsOf(h.bot.db, ALICE)[0]?.withdrawnAt).toBeNull();
  });
});

describe('the daily checks at 09:00', () => {
  const remindersTo = (channel: string) =>
    h.fake.messages(channel).filter((m) => m.text.includes('runs out after'));

  it('tell the assistant and the supervisors once, 14 days before the last day, across a restart', async () => {
    h = await start('2026-11-23T08:30:00Z');
    signedOff(BOB, 'insulin', '2026-12-08');
    await h.tickAt('2026-11-23T09:00:00Z');
    expect(remindersTo(BOB)).toHaveLength(0);
    await h.tickAt('2026-11-24T08:59:00Z');
    expect(remindersTo(BOB)).toHaveLength(0);
    await h.tickAt('2026-11-24T09:00:00Z');
    expect(remindersTo(BOB).map((m) => m.text)).toEqual([
      ":hourglass_flowing_sand: Your sign-off for *Insulin injection* runs out after *Tue 8 Dec 2026*. After that you can't take visits that need it. Ask a supervisor to renew it: <@U0SUPER1> <@U0SUPER2>.",
    ]);
    expect(remindersTo(SUPERVISORS).map((m) => m.text)).toEqual([
      ":hourglass_flowing_sand: <@U0BOB0001>'s sign-off for *Insulin injection* runs out after *Tue 8 Dec 2026* (signed off by <@U0SUPER1>). Renew it with /competence.",
    ]);
    await h.restart();
    await h.tickAt('2026-11-24T09:30:00Z');
    await h.tickAt('2026-11-25T09:00:00Z');
    await h.tickAt('2026-12-08T09:00:00Z');
    expect(remindersTo(BOB)).toHaveLength(1);
    expect(remindersTo(SUPERVISORS)).toHaveLength(1);
  });

  it('after downtime, catch up once at once, then keep to 09:00', async () => {
    h = await start('2026-11-23T08:30:00Z');
    signedOff(BOB, 'insulin', '2026-12-08');
    await h.tickAt('2026-11-23T09:00:00Z');
    await h.restart();
    await h.tickAt('2026-11-27T14:00:00Z');
    await h.tickAt('2026-11-27T14:01:00Z');
    expect(remindersTo(BOB)).toHaveLength(1);
    expect(h.bot.db.select().from(provider).get()?.competenceDueAt).toBe(Date.parse('2026-11-28T09:00:00Z'));
  });

  it('a sign-off given within the 14 days is not reminded: the form and the note gave its date', async () => {
    h = await start('2026-11-23T08:30:00Z');
    signedOff(BOB, 'insulin', '2026-12-01');
    await h.tickAt('2026-11-23T09:00:00Z');
    await h.tickAt('2026-11-24T09:00:00Z');
    expect(remindersTo(BOB)).toHaveLength(0);
  });

  it('flag a visit the day before when its carer’s sign-off runs out first, once; valid through the day is fine', async () => {
    h = await start('2026-11-23T08:30:00Z');
    // Alice: valid through today only; Bob: through tomorrow, the day of his visit.
    signedOff(ALICE, 'insulin', '2026-11-23');
    signedOff(BOB, 'eye_drops', '2026-11-24');
    await h.tickAt('2026-11-23T08:59:00Z');
    expect(flags()).toHaveLength(0);
    await h.tickAt('2026-11-23T09:00:00Z');
    expect(flags().map((m) => m.text)).toEqual([
      'Sign-off for a visit: Mrs P Tue 24 Nov 2026 08:00 (not signed off)',
    ]);
    expect(words(flags()[0]?.blocks ?? [])).toContain(
      '<@U0ALICE1> has this visit and is not signed off for *Insulin injection* (ran out after Mon 23 Nov 2026).',
    );
    await h.tickAt('2026-11-23T12:00:00Z');
    await h.restart();
    await h.tickAt('2026-11-24T06:00:00Z');
    expect(flags()).toHaveLength(1);
    // Bob, signed off, takes it over from the morning's rota: the flag says it is sorted.
    signedOff(BOB, 'insulin', '2027-11-24');
    await h.tickAt('2026-11-24T07:00:00Z');
    await fromRota(BOB, 'Mrs P', 'Take over');
    expect(flags()).toHaveLength(1);
    expect(words(flags()[0]?.blocks ?? [])).toContain(
      ':white_check_mark: *Sorted* · *Mrs P* · Tue 24 Nov 2026 08:00',
    );
    expect(words(flags()[0]?.blocks ?? [])).toContain(
      '<@U0BOB0001> has this visit and is signed off for *Insulin injection*.',
    );
  });

  it('on the days the clocks change: the check is at 09:00 local, and a sign-off is valid through its last local day', async () => {
    // Saturday 28 March 2026, GMT; Sunday 29 March is the first day of BST (09:00 is 08:00 UTC).
    h = await start('2026-03-28T08:30:00Z');
    signedOff(ALICE, 'insulin', '2026-03-28');
    signedOff(BOB, 'eye_drops', '2026-03-29');
    await h.tickAt('2026-03-28T08:59:00Z');
    expect(flags()).toHaveLength(0);
    await h.tickAt('2026-03-28T09:00:00Z');
    expect(flags().map((m) => m.text)).toEqual([
      'Sign-off for a visit: Mrs P Sun 29 Mar 2026 08:00 (not signed off)',
    ]);
    expect(h.bot.db.select().from(provider).get()?.competenceDueAt).toBe(Date.parse('2026-03-29T08:00:00Z'));
    // Mr K's breakfast at 08:00 BST (07:00 UTC) on Bob's last valid day: his to take over, and Alice's.
    signedOff(ALICE, 'eye_drops', '2026-03-29');
    expect(changeVisit(h.bot.deps, mrK('2026-03-29').id, { type: 'takeover' }, ALICE).ok).toBe(true);
    await h.tickAt('2026-03-29T06:30:00Z');
    expect(changeVisit(h.bot.deps, mrK('2026-03-29').id, { type: 'takeover' }, BOB).ok).toBe(true);
    await h.tickAt('2026-03-29T08:00:00Z');
    expect(h.bot.db.select().from(provider).get()?.competenceDueAt).toBe(Date.parse('2026-03-30T08:00:00Z'));
  });

  it('and in the autumn: 09:00 BST on the Saturday, 09:00 GMT on the Sunday', async () => {
    // Saturday 24 October 2026, BST; Sunday 25 October is back on GMT (09:00 is 09:00 UTC).
    h = await start('2026-10-24T07:30:00Z');
    await h.tickAt('2026-10-24T07:59:00Z');
    expect(h.bot.db.select().from(provider).get()?.competenceDueAt).toBe(Date.parse('2026-10-24T08:00:00Z'));
    await h.tickAt('2026-10-24T08:00:00Z');
    expect(h.bot.db.select().from(provider).get()?.competenceDueAt).toBe(Date.parse('2026-10-25T09:00:00Z'));
    await h.tickAt('2026-10-25T08:59:00Z');
    expect(h.bot.db.select().from(provider).get()?.competenceDueAt).toBe(Date.parse('2026-10-25T09:00:00Z'));
    await h.tickAt('2026-10-25T09:00:00Z');
    expect(h.bot.db.select().from(provider).get()?.competenceDueAt).toBe(Date.parse('2026-10-26T09:00:00Z'));
  });
});

describe('the rest of the house shows what a visit needs', () => {
  it('the late alert names the task', async () => {
    h = await start('2026-11-23T06:00:00Z');
    await h.tickAt('2026-11-23T08:10:00Z');
    const alert = h.fake.messages(PATCH).find((m) => m.text.startsWith('Late visit: Mrs P'));
    expect(words(alert?.blocks ?? [])).toContain(':pill: time-critical · :stethoscope: Insulin injection');
  });

  it('the roster import goes ahead, and says which key workers are not signed off', async () => {
    h = await start('2026-11-23T06:00:00Z');
    const parsed = parseRoster(readFileSync(ROSTER, 'utf8'));
    if (!parsed.ok) throw new Error(parsed.errors.join('\n'));
    expect(importRosterWithVisits(h.bot.db, parsed.roster, h.clock.now()).warnings).toEqual([
      'client P07-01: key worker U0ALICE1 is not signed off for Insulin injection (never signed off), which its visits need',
      'client P07-02: key worker U0BOB0001 is not signed off for Eye drops (never signed off), which its visits need',
    ]);
    signedOff(ALICE, 'insulin', '2027-01-01');
    signedOff(BOB, 'eye_drops', '2026-11-30');
    expect(importRosterWithVisits(h.bot.db, parsed.roster, h.clock.now()).warnings).toEqual([]);
  });
});
