import { join } from 'node:path';
import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { patches, planTasks } from '../../db/schema.ts';
import type { KeyWorkerGuard } from '../../src/admin/change.ts';
import { setupGuards } from '../../src/hub.ts';
import { exportRoster } from '../../src/patches/export.ts';
import { ALICE, BOB, CAROL, type Harness, PATCH, TEAM, useFlowHarness } from '../support/harness.ts';
import {
  ADMIN,
  auditRows,
  blockText,
  buttonLabels,
  clientRows,
  dump,
  ephemeralsTo,
  lastAnswer,
  openedForm,
  patchCommand,
  planRows,
  press,
  submit,
  visitRows,
} from './support.ts';

/**
 * `/patch` through signed requests into the real receiver: the set-up shown privately, the admins'
 * buttons and forms, refusals on the field, non-admins refused, changes moving visits still to come
 * and recorded in the audit log.
 */

const flow = useFlowHarness();
let h: Harness;

/** The team fixture imported at 06:00, so this morning's visits exist; the admin works at 10:00. */
async function morning(): Promise<Harness> {
  h = await flow.start({ at: '2026-11-23T06:00:00Z', roster: TEAM });
  await h.tickAt('2026-11-23T10:00:00Z');
  return h;
}

const clientId = (code: string) => clientRows(h).find((c) => c.code === code)?.id ?? 0;

describe('/patch shows the set-up privately', () => {
  it('to an assistant: the patch, its people, times, thresholds, clients and plans, and no buttons', async () => {
    await morning();
    await patchCommand(h, ALICE);
    const { text, blocks } = lastAnswer(h);
    expect(text).toBe('Set-up of Westbury North (P07): 3 clients, 4 visit plans.');
    const shown = blockText(blocks);
    expect(shown).toContain('*Westbury North* · P07 · <#C0PATCH07>');
    expect(shown).toContain('Assistants: <@U0ALICE1> and <@U0BOB0001>');
    expect(shown).toContain('Morning rota at 07:00 · up to 10 clients');
    expect(shown).toContain(
      'Alerts: late after 10 min · time-critical late after 10 min · missed after 30 min',
    );
    expect(shown).toContain(
      '*Mrs P* · P07-01 · key worker <@U0ALICE1>\n• *08:00* daily · 45 min · Morning wake-up · :alarm_clock: time-critical · 1 carer\n• *17:30* Mon, Wed, Fri · 30 min · Tea · 2 carers',
    );
    expect(shown).toContain('Only admins change the set-up: ask <@U0ADMIN1>.');
    expect(buttonLabels(blocks)).toEqual([]);
    // Privately: nothing was posted in the channel.
    expect(h.fake.posts(PATCH).filter((c) => String(c.args.text).includes('Set-up'))).toEqual([]);
  });

  it('to an admin: with buttons for the patch and for each client', async () => {
    await morning();
    await patchCommand(h, ADMIN);
    expect(buttonLabels(lastAnswer(h).blocks)).toEqual([
      'Change assistants, time and alerts',
      'Add a client',
      'Edit Mrs P',
      'Add a visit plan',
      'Change or end a visit plan ▾',
      'Archive Mrs P',
      'Edit Mr K',
      'Add a visit plan',
      'Change or end a visit plan ▾',
      'Archive Mr K',
      'Edit Mrs D',
      'Add a visit plan',
      'Change or end a visit plan ▾',
      'Archive Mrs D',
    ]);
    expect(blockText(lastAnswer(h).blocks)).toContain('Changes apply to visits still to come');
  });

  it('one client with /patch NAME; a name it does not know is said so', async () => {
    await morning();
    await patchCommand(h, ALICE, 'mr k');
    const shown = blockText(lastAnswer(h).blocks);
    expect(shown).toContain('*Mr K*');
    expect(shown).not.toContain('*Mrs P*');
    await patchCommand(h, ALICE, 'Mrs Z');
    expect(lastAnswer(h).text).toBe(
      'No client of Westbury North is called “Mrs Z”. `/patch` shows them all.',
    );
  });

  it('outside a patch channel it says where it works (and, to an admin, how to make one)', async () => {
    await morning();
    await patchCommand(h, ALICE, '', 'C0ELSEWHERE');
    expect(lastAnswer(h).text).toBe(
      '`/patch` shows a patch’s set-up: its assistants, clients and fixed visits. Use it in a patch channel: <#C0PATCH07>, <#C0PATCH08>.',
    );
    await patchCommand(h, ADMIN, '', 'C0ELSEWHERE');
    expect(lastAnswer(h).text).toContain('`/patch setup` makes it one, and `/patch new NAME`');
  });

  it('to someone outside the patch team: not shown', async () => {
    await morning();
    await patchCommand(h, CAROL);
    expect(lastAnswer(h).text).toContain("You are not in this patch's team");
  });
});

describe('an admin changes the set-up from /patch', () => {
  it('adds a client: bad values are refused on their fields and change nothing; good ones are saved, shown and logged', async () => {
    await morning();
    await patchCommand(h, ADMIN);
    await press(h, ADMIN, lastAnswer(h).blocks, { label: 'Add a client' });
    const form = openedForm(h, 'admin_client_submit');
    expect(JSON.stringify(form.blocks)).toContain('"initial_value":"P07-04"');
    const before = dump(h);
    expect(await submit(h, ADMIN, form, { name: 'Mrs P', key_worker: CAROL })).toEqual({
      response_action: 'errors',
      errors: {
        name: '"Mrs P" is already the name of another client of this patch: names must tell clients apart',
        key_worker: "Choose one of this patch's assistants (or change the assistants first).",
      },
    });
    expect(await submit(h, ADMIN, form, { code: 'P07-01', name: 'Flat 2, BS1 4DJ' })).toEqual({
      response_action: 'errors',
      errors: { code: 'P07-01 is already the code of Mrs P: choose another' },
    });
    expect(await submit(h, ADMIN, form, { name: 'Flat 2, BS1 4DJ' })).toEqual({
      response_action: 'errors',
      errors: {
        name: 'looks like it holds a postcode: use a display name such as "Mrs P", never an address',
      },
    });
    expect(dump(h)).toEqual(before);

    expect(await submit(h, ADMIN, form, { name: ' Mrs  Q ', key_worker: BOB })).toBeNull();
    expect(clientRows(h).at(-1)).toMatchObject({
      code: 'P07-04',
      name: 'Mrs  Q',
      keyWorker: BOB,
      archivedAt: null,
    });
    expect(auditRows(h).at(-1)).toMatchObject({
      actor: ADMIN,
      entity: 'client',
      entityId: 'P07-04',
      action: 'add',
      before: null,
      after: { patch: 'P07', code: 'P07-04', name: 'Mrs  Q', keyWorker: BOB },
      at: Date.parse('2026-11-23T10:00:00Z'),
    });
    const confirm = ephemeralsTo(h, ADMIN).at(-1);
    expect(confirm?.channel).toBe(PATCH);
    expect(confirm?.text).toContain(
      ':white_check_mark: *Mrs  Q* (P07-04) is added to Westbury North, key worker <@U0BOB0001>.',
    );
    expect(blockText(confirm?.blocks ?? [])).toContain(
      '*Mrs  Q* · P07-04 · key worker <@U0BOB0001>\n_No fixed visits._',
    );
  });

  it('a replayed submission adds the client once', async () => {
    await morning();
    await patchCommand(h, ADMIN);
    await press(h, ADMIN, lastAnswer(h).blocks, { label: 'Add a client' });
    const form = openedForm(h, 'admin_client_submit');
    await Promise.all([submit(h, ADMIN, form, { name: 'Mrs Q' }), submit(h, ADMIN, form, { name: 'Mrs Q' })]);
    expect(clientRows(h).filter((c) => c.name === 'Mrs Q')).toHaveLength(1);
  });

  it('adds a plan at 10:00: its visits start with the next one still to come', async () => {
    await morning();
    await patchCommand(h, ADMIN);
    await press(h, ADMIN, lastAnswer(h).blocks, {
      label: 'Add a visit plan',
      value: String(clientId('P07-02')),
    });
    const form = openedForm(h, 'admin_plan_submit');
    const before = dump(h);
    expect(
      await submit(h, ADMIN, form, { at: '09:30', days: [], minutes: '0', purpose: 'Lunch\u202e' }),
    ).toEqual({
      response_action: 'errors',
      errors: {
        days: 'Choose at least one day.',
        minutes: 'must be at least 1',
        purpose: 'contains an invisible character (U+202E right-to-left override)',
      },
    });
    expect(dump(h)).toEqual(before);
    const answers = { at: '09:30', days: ['mon', 'tue'], minutes: '30', purpose: 'Coffee', carers: '2' };
    expect(await submit(h, ADMIN, form, answers)).toBeNull();
    const plan = planRows(h).at(-1);
    expect(plan).toMatchObject({ at: '09:30', days: 'mon,tue', minutes: 30, purpose: 'Coffee', carers: 2 });
    // Today's 09:30 is already past: only tomorrow's (Tuesday) is made.
    expect(
      visitRows(h)
        .filter((v) => v.planId === plan?.id)
        .map((v) => [v.occursOn, v.assignee]),
    ).toEqual([['2026-11-24', BOB]]);
  });

  it('changes a plan at 10:00: only visits still to come move; this morning’s stays as it was', async () => {
    await morning();
    const breakfast = planRows(h).find((p) => p.purpose === 'Breakfast');
    const visitsOf = () => visitRows(h).filter((v) => v.planId === breakfast?.id);
    const morningVisit = visitsOf().find((v) => v.occursOn === '2026-11-23');
    expect(morningVisit?.startsAt).toBe(Date.parse('2026-11-23T08:00:00Z'));
    await patchCommand(h, ADMIN);
    await press(h, ADMIN, lastAnswer(h).blocks, {
      actionId: 'admin_plan_edit',
      value: String(breakfast?.id),
    });
    const form = openedForm(h, 'admin_plan_submit');
    expect(await submit(h, ADMIN, form, { at: '10:30' })).toBeNull();
    expect(visitsOf().map((v) => [v.occursOn, v.startsAt, v.status])).toEqual([
      ['2026-11-23', Date.parse('2026-11-23T08:00:00Z'), morningVisit?.status],
      ['2026-11-24', Date.parse('2026-11-24T10:30:00Z'), 'open'],
    ]);
    expect(visitsOf()[0]).toEqual(morningVisit);
    expect(auditRows(h).at(-1)).toMatchObject({
      entity: 'plan',
      action: 'change',
      before: { at: '08:00' },
      after: { at: '10:30' },
    });
    expect(ephemeralsTo(h, ADMIN).at(-1)?.text).toContain(
      '*Mr K*: the 08:00 Breakfast (daily) is now the 10:30 Breakfast (daily), 30 min.',
    );
  });

  it('ends a plan from the same form: its visits still to come are called off', async () => {
    await morning();
    const tea = planRows(h).find((p) => p.purpose === 'Tea');
    await patchCommand(h, ADMIN);
    await press(h, ADMIN, lastAnswer(h).blocks, { actionId: 'admin_plan_edit', value: String(tea?.id) });
    const form = openedForm(h, 'admin_plan_submit');
    expect(await submit(h, ADMIN, form, { what: 'end' })).toBeNull();
    expect(planRows(h).find((p) => p.id === tea?.id)?.archivedAt).toBe(Date.parse('2026-11-23T10:00:00Z'));
    // Monday's 17:30 tea was still to come.
    expect(
      visitRows(h)
        .filter((v) => v.planId === tea?.id)
        .map((v) => [v.occursOn, v.status]),
    ).toEqual([['2026-11-23', 'cancelled']]);
    expect(auditRows(h).at(-1)).toMatchObject({ entity: 'plan', action: 'end', after: null });
  });

  it('edits a client’s key worker: the visits still to come go to the new one', async () => {
    await morning();
    await patchCommand(h, ADMIN);
    await press(h, ADMIN, lastAnswer(h).blocks, { label: 'Edit Mrs D' });
    const form = openedForm(h, 'admin_client_submit');
    expect(await submit(h, ADMIN, form, { key_worker: ALICE })).toBeNull();
    const mrsD = visitRows(h).filter((v) => v.purpose === 'Breakfast and medication');
    expect(mrsD.map((v) => [v.occursOn, v.assignee])).toEqual([
      ['2026-11-23', BOB],
      ['2026-11-24', ALICE],
    ]);
    expect(ephemeralsTo(h, ADMIN).at(-1)?.text).toContain(
      '*Mrs D* has <@U0ALICE1> as key worker, for visits from now on.',
    );
  });

  it('a key worker refused by a guard the composition root hands in (src/hub.ts setupGuards) is answered on the field', async () => {
    await morning();
    const guards = setupGuards.keyWorker as KeyWorkerGuard[];
    const guard: KeyWorkerGuard = (_tx, change) =>
      change.to === ALICE && change.clientCode === 'P07-03'
        ? { text: 'Alice is not signed off for eye drops.' }
        : null;
    guards.push(guard);
    try {
      await patchCommand(h, ADMIN);
      await press(h, ADMIN, lastAnswer(h).blocks, { label: 'Edit Mrs D' });
      const before = dump(h);
      expect(await submit(h, ADMIN, openedForm(h, 'admin_client_submit'), { key_worker: ALICE })).toEqual({
        response_action: 'errors',
        errors: { key_worker: 'Alice is not signed off for eye drops.' },
      });
      expect(dump(h)).toEqual(before);
    } finally {
      guards.splice(guards.indexOf(guard), 1);
    }
  });

  it('archives a client with the button (after Slack’s confirm): the set-up is redrawn without them', async () => {
    await morning();
    await patchCommand(h, ADMIN);
    const blocks = lastAnswer(h).blocks;
    expect(JSON.stringify(blocks)).toContain('"title":{"type":"plain_text","text":"Archive Mrs D?"}');
    await press(h, ADMIN, blocks, { label: 'Archive Mrs D' });
    const answer = lastAnswer(h);
    expect(answer.replace).toBe(true);
    expect(blockText(answer.blocks)).toContain(':white_check_mark: *Mrs D* is archived: 1 visit plan ended');
    expect(blockText(answer.blocks)).not.toContain('*Mrs D* ·');
    expect(clientRows(h).find((c) => c.code === 'P07-03')?.archivedAt).not.toBeNull();
  });

  it('changes the assistants (new ones invited), the rota time and the thresholds; a removal is offered, never done unasked', async () => {
    await morning();
    await patchCommand(h, ADMIN);
    await press(h, ADMIN, lastAnswer(h).blocks, { label: 'Change assistants, time and alerts' });
    let form = openedForm(h, 'admin_patch_submit');
    // Bob is Mr K's and Mrs D's key worker: he cannot stop being an assistant first.
    expect(await submit(h, ADMIN, form, { assistants: [ALICE] })).toEqual({
      response_action: 'errors',
      errors: {
        assistants:
          "Mr K's key worker would no longer be an assistant here: give Mr K another key worker first.",
      },
    });
    expect(await submit(h, ADMIN, form, { late_minutes: '241' })).toEqual({
      response_action: 'errors',
      errors: { late_minutes: 'must be at most 240' },
    });
    expect(
      await submit(h, ADMIN, form, {
        assistants: [ALICE, BOB, CAROL],
        digest_at: '06:30',
        late_minutes: '12',
      }),
    ).toBeNull();
    expect(h.fake.calls.filter((c) => c.method === 'conversations.invite').map((c) => c.args)).toEqual([
      expect.objectContaining({ channel: PATCH, users: CAROL }),
    ]);
    expect(h.fake.channel(PATCH)?.members.has(CAROL)).toBe(true);
    const confirm = ephemeralsTo(h, ADMIN).at(-1)?.text ?? '';
    expect(confirm).toContain(
      'Westbury North: the morning rota is posted at 06:30; the alert thresholds are changed; <@U0CAROL1> is now an assistant.',
    );
    expect(confirm).toContain('Invited <@U0CAROL1> to <#C0PATCH07>.');
    const patch = h.bot.db.select().from(patches).where(eq(patches.code, 'P07')).get();
    expect(patch).toMatchObject({ digestAt: '06:30', settings: '{"thresholds":{"lateMinutes":12}}' });
    expect(auditRows(h).slice(-2)).toMatchObject([
      {
        entity: 'patch',
        action: 'settings',
        before: { digestAt: '07:00', thresholds: {} },
        after: { digestAt: '06:30', thresholds: { lateMinutes: 12 } },
      },
      { entity: 'assistants', action: 'change', before: [ALICE, BOB], after: [ALICE, BOB, CAROL] },
    ]);

    // Carol leaves the patch: the admin is asked whether to remove her from the channel too.
    await patchCommand(h, ADMIN);
    await press(h, ADMIN, lastAnswer(h).blocks, { label: 'Change assistants, time and alerts' });
    form = openedForm(h, 'admin_patch_submit');
    expect(await submit(h, ADMIN, form, { assistants: [ALICE, BOB] })).toBeNull();
    expect(h.fake.calls.some((c) => c.method === 'conversations.kick')).toBe(false);
    const prompt = ephemeralsTo(h, ADMIN).at(-1);
    expect(prompt?.text).toBe('Remove <@U0CAROL1> from <#C0PATCH07> too?');
    expect(buttonLabels(prompt?.blocks ?? [])).toEqual(['Remove from the channel']);

    // Someone who is not an admin cannot press it.
    await press(h, BOB, prompt?.blocks ?? [], { label: 'Remove from the channel' });
    expect(lastAnswer(h).text).toBe(
      'Only admins can change a patch’s set-up, so nothing changed. Ask <@U0ADMIN1>.',
    );
    expect(h.fake.channel(PATCH)?.members.has(CAROL)).toBe(true);

    await press(h, ADMIN, prompt?.blocks ?? [], { label: 'Remove from the channel' });
    expect(h.fake.calls.filter((c) => c.method === 'conversations.kick').map((c) => c.args)).toEqual([
      expect.objectContaining({ channel: PATCH, user: CAROL }),
    ]);
    expect(h.fake.channel(PATCH)?.members.has(CAROL)).toBe(false);
    expect(lastAnswer(h)).toMatchObject({ text: 'Removed <@U0CAROL1> from <#C0PATCH07>.', replace: true });
    expect(auditRows(h).at(-1)).toMatchObject({
      entity: 'channel',
      action: 'remove',
      after: { patch: 'P07', user: CAROL },
    });
  });

  it('a removal is refused once the person is an assistant again', async () => {
    await morning();
    await patchCommand(h, ADMIN);
    const blocks = [
      {
        type: 'actions',
        block_id: 'remove:U0BOB0001',
        elements: [
          {
            type: 'button',
            action_id: 'admin_channel_remove',
            text: { type: 'plain_text', text: 'Remove' },
            value: `1:${BOB}`,
          },
        ],
      },
    ];
    await press(h, ADMIN, blocks, { label: 'Remove' });
    expect(lastAnswer(h).text).toBe(
      '<@U0BOB0001> is an assistant of Westbury North again, so they stay in the channel.',
    );
    expect(h.fake.calls.some((c) => c.method === 'conversations.kick')).toBe(false);
  });
});

describe('someone who is not an admin', () => {
  it('pressing an admin button is told privately, and nothing changes', async () => {
    await morning();
    await patchCommand(h, ADMIN);
    const blocks = lastAnswer(h).blocks;
    const before = dump(h);
    const views = h.fake.views.length;
    for (const find of [
      { label: 'Add a client' },
      { label: 'Change assistants, time and alerts' },
      { label: 'Edit Mrs P' },
      { label: 'Archive Mrs P' },
      { actionId: 'admin_plan_edit', value: String(planRows(h)[0]?.id) },
    ]) {
      await press(h, ALICE, blocks, find);
      expect(lastAnswer(h)).toMatchObject({
        text: 'Only admins can change a patch’s set-up, so nothing changed. Ask <@U0ADMIN1>.',
        replace: false,
      });
    }
    expect(h.fake.views).toHaveLength(views);
    expect(dump(h)).toEqual(before);
  });

  it('submitting an admin form (one an admin opened) is refused on the form, and nothing changes', async () => {
    await morning();
    await patchCommand(h, ADMIN);
    await press(h, ADMIN, lastAnswer(h).blocks, { label: 'Add a client' });
    const form = openedForm(h, 'admin_client_submit');
    const before = dump(h);
    expect(await submit(h, ALICE, form, { name: 'Mrs Q' })).toEqual({
      response_action: 'errors',
      errors: { name: 'Only admins can change a patch’s set-up, so nothing changed. Ask <@U0ADMIN1>.' },
    });
    expect(dump(h)).toEqual(before);
  });

  it('/patch setup and /patch new are admins’ only', async () => {
    await morning();
    await patchCommand(h, ALICE, 'setup', 'C0NEWPTCH');
    expect(lastAnswer(h).text).toContain('Only admins can change');
    await patchCommand(h, ALICE, 'new Hilltop', 'C0PATCH07');
    expect(lastAnswer(h).text).toContain('Only admins can change');
    expect(h.fake.views).toHaveLength(0);
  });
});

describe('delegated tasks', () => {
  it('the set-up says what each visit needs; a plan’s tasks are chosen from the provider’s', async () => {
    h = await flow.start({
      at: '2026-11-23T06:00:00Z',
      roster: join(import.meta.dirname, 'fixtures', 'full.yml'),
    });
    await patchCommand(h, ADMIN);
    const shown = blockText(lastAnswer(h).blocks);
    expect(shown).toContain(
      '• *08:00* daily · 45 min · Morning wake-up · :alarm_clock: time-critical · 1 carer · needs Eye drops, Insulin injection',
    );
    expect(shown).toContain(
      '• *17:30* Mon, Wed, Fri · 30 min · Tea · 2 carers · late after 5 min · missed after 20 min',
    );
    await press(h, ADMIN, lastAnswer(h).blocks, {
      label: 'Add a visit plan',
      value: String(clientId('P07-02')),
    });
    const form = openedForm(h, 'admin_plan_submit');
    const requires = (form.blocks as Array<Record<string, unknown>>).find((b) => b.block_id === 'requires');
    expect(
      ((requires?.element as { options?: Array<{ text: { text: string } }> } | undefined)?.options ?? []).map(
        (o) => o.text.text,
      ),
    ).toEqual(['Insulin injection', 'Eye drops', 'Stoma care']);
    expect(
      await submit(h, ADMIN, form, {
        at: '18:00',
        days: ['mon'],
        minutes: '20',
        purpose: 'Evening',
        requires: ['stoma', 'insulin'],
      }),
    ).toBeNull();
    const plan = planRows(h).at(-1);
    expect(
      h.bot.db
        .select()
        .from(planTasks)
        .where(eq(planTasks.planId, plan?.id ?? 0))
        .all()
        .map((t) => t.taskCode)
        .sort(),
    ).toEqual(['insulin', 'stoma']);
    expect(visitRows(h).find((v) => v.planId === plan?.id)?.requiredTasks).toBe('insulin,stoma');
  });
});

describe('forged forms', () => {
  /** A submission as a forger would send it: any state, any metadata. */
  async function forge(view: Record<string, unknown>, values: unknown, metadata?: string) {
    const res = await h.slack.submitView({
      user: ADMIN,
      view: { ...view, ...(metadata === undefined ? {} : { private_metadata: metadata }), state: { values } },
    });
    expect(res.status).toBe(200);
    await h.settle();
    return res.body === '' ? null : JSON.parse(res.body);
  }
  const el = (value: Record<string, unknown>) => ({ value: { type: 'x', ...value } });

  it('choices that are not offered, metadata that is not ours and no state at all are answered on the fields, and change nothing', async () => {
    await morning();
    await patchCommand(h, ADMIN);
    await press(h, ADMIN, lastAnswer(h).blocks, {
      label: 'Add a visit plan',
      value: String(clientId('P07-02')),
    });
    const form = openedForm(h, 'admin_plan_submit');
    const before = dump(h);
    expect(
      await forge(form, {
        at: el({ selected_time: '25:61' }),
        days: el({ selected_options: [{ value: 'funday' }, { value: 'toString' }] }),
        minutes: el({ value: '30' }),
        purpose: el({ value: 'Lunch' }),
        carers: el({ selected_option: { value: '3' } }),
        requires: el({ selected_options: [{ value: '__proto__' }] }),
      }),
    ).toEqual({
      response_action: 'errors',
      errors: {
        at: 'Choose a time.',
        days: 'unknown weekday "funday"',
        carers: 'must be at most 2',
        requires: 'expected a task code: lower-case letters, digits, - or _ (e.g. insulin)',
      },
    });
    // Carers left out is the roster's default, one.
    expect(await forge(form, null)).toEqual({
      response_action: 'errors',
      errors: {
        at: 'Fill this in.',
        days: 'Choose at least one day.',
        minutes: 'Fill this in.',
        purpose: 'Fill this in.',
      },
    });
    expect(await forge(form, {}, '{"clientId":999}')).toEqual({
      response_action: 'errors',
      errors: { purpose: 'This client is no longer in the set-up.' },
    });
    expect(await forge(form, {}, 'not json')).toEqual({
      response_action: 'errors',
      errors: { purpose: 'This form is out of date. Close it and run /patch again.' },
    });
    expect(dump(h)).toEqual(before);
  });
});

describe('the set-up from Slack round-trips through roster export', () => {
  it('after changes made with /patch, importing the export changes nothing', async () => {
    await morning();
    await patchCommand(h, ADMIN);
    await press(h, ADMIN, lastAnswer(h).blocks, { label: 'Add a client' });
    await submit(h, ADMIN, openedForm(h, 'admin_client_submit'), { name: 'Mrs Q', key_worker: ALICE });
    await patchCommand(h, ADMIN);
    await press(h, ADMIN, lastAnswer(h).blocks, {
      label: 'Add a visit plan',
      value: String(clientId('P07-04')),
    });
    await submit(h, ADMIN, openedForm(h, 'admin_plan_submit'), {
      at: '11:00',
      days: ['sat', 'sun'],
      minutes: '20',
      purpose: 'Weekend check',
      time_critical: ['yes'],
      missed_minutes: '15',
    });
    await patchCommand(h, ADMIN);
    await press(h, ADMIN, lastAnswer(h).blocks, {
      actionId: 'admin_plan_edit',
      value: String(planRows(h)[0]?.id),
    });
    await submit(h, ADMIN, openedForm(h, 'admin_plan_submit'), { what: 'end' });
    const exported = exportRoster(h.bot.db);
    if (!exported.ok) throw new Error(exported.problems.join('\n'));
    expect(exported.yaml).toContain('- code: P07-04\n        name: Mrs Q\n        key_worker: U0ALICE1');
    expect(exported.yaml).toContain('days: weekends');
    const { importRosterWithVisits } = await import('../../src/main.ts');
    const { parseRoster } = await import('../../src/patches/roster.ts');
    const { describeSummary } = await import('../../src/patches/import.ts');
    const parsed = parseRoster(exported.yaml);
    if (!parsed.ok) throw new Error(parsed.errors.join('\n'));
    const before = dump(h);
    expect(describeSummary(importRosterWithVisits(h.bot.db, parsed.roster, h.clock.now()))).toMatch(
      /^Nothing changed/,
    );
    expect(dump(h)).toEqual(before);
  });
});
