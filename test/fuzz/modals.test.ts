import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ALICE,
  BOB,
  CAROL,
  fillView,
  type Harness,
  PATCH,
  SUPER1,
  SUPER2,
  SUPERVISORS,
  TEAM,
  useFlowHarness,
} from '../support/harness.ts';
import {
  ADMIN,
  dumpDb,
  expectNoHarm,
  expectWrittenClean,
  hostileJson,
  hostileString,
  idLike,
  numberString,
  RecordingLog,
  rows,
  runs,
  userArb,
  withoutRedraws,
} from './support.ts';

/**
 * Property 1: every modal's submission, with random and hostile fields, forged private_metadata,
 * missing blocks and state of the wrong shape, sent signed through the real receiver. The bot always
 * answers 200; a refusal (`response_action: 'errors'`) names only fields the modal has and changes no
 * row of any table; whatever it accepts is stored clean and told only where it belongs; Slack's
 * stand-in sees nothing it would refuse; no listener throws; /healthz still answers.
 */

const flow = useFlowHarness();

type Obj = Record<string, unknown>;
const OTHER_PATCH_CHANNEL = 'C0PATCH08';

interface Input {
  blockId: string;
  actionId: string;
  type: string;
  /** The values its options offer (selects, radios). */
  options: string[];
}

function inputsOf(view: Obj): Input[] {
  return (view.blocks as Obj[])
    .filter((b) => b.type === 'input')
    .map((b) => {
      const el = b.element as Obj;
      const options = [
        ...((el.options as Obj[] | undefined) ?? []),
        ...((el.option_groups as Obj[] | undefined) ?? []).flatMap((g) => (g.options as Obj[]) ?? []),
      ].map((o) => String(o.value));
      return { blockId: String(b.block_id), actionId: String(el.action_id), type: String(el.type), options };
    });
}

/** What the ids in this database are, so forged values can be real ids of the wrong thing. */
interface Known {
  patchIds: number[];
  clientIds: number[];
  visitIds: number[];
  escalationIds: number[];
  channels: string[];
  messageTs: string[];
}

function known(h: Harness): Known {
  const ids = (sql: string) => rows<{ id: number }>(h, sql).map((r) => r.id);
  return {
    patchIds: ids('SELECT id FROM patches'),
    clientIds: ids('SELECT id FROM clients'),
    visitIds: ids('SELECT id FROM visits'),
    escalationIds: ids('SELECT id FROM escalations'),
    channels: [PATCH, OTHER_PATCH_CHANNEL, SUPERVISORS, 'C0NOWHERE1', 'D0DIRECT01', 'G0PRIVATE1'],
    messageTs: [
      ...h.fake.messages(PATCH),
      ...h.fake.messages(SUPERVISORS),
      ...h.fake.messages(OTHER_PATCH_CHANNEL),
    ].map((m) => m.ts),
  };
}

// ---------- what a submission can be ----------

type Mutation =
  | { kind: 'value'; block: number; value: string; values: string[] }
  | { kind: 'shape'; block: number; state: unknown }
  | { kind: 'drop'; block: number }
  | { kind: 'action'; block: number; actionId: string };

interface Submission {
  user: string;
  viewId: number;
  /** `undefined`: the field is absent. */
  metadata: unknown;
  state: 'ok' | 'no-values' | 'null' | 'absent' | 'array' | 'string';
  blocks: 'ok' | 'absent' | 'null' | 'empty' | 'string';
  mutations: Mutation[];
}

/** Element state of the right shape with the wrong contents. */
function elementState(input: Input, value: string, values: string[]): Obj {
  const option = (v: string) => ({
    text: { type: 'plain_text', text: v.slice(0, 75), emoji: true },
    value: v,
  });
  switch (input.type) {
    case 'static_select':
    case 'radio_buttons':
      return { type: input.type, selected_option: option(value) };
    case 'multi_static_select':
    case 'checkboxes':
      return { type: input.type, selected_options: values.map(option) };
    case 'timepicker':
      return { type: input.type, selected_time: value };
    default:
      return { type: input.type, value };
  }
}

/** Element state of the wrong shape: wrong types, missing parts, other elements' fields. */
const wrongShape: fc.Arbitrary<unknown> = fc.oneof(
  hostileJson,
  fc.constantFrom(
    { type: 'plain_text_input', value: 42 },
    { type: 'plain_text_input', value: ['a'] },
    { type: 'plain_text_input' },
    { type: 'static_select', selected_option: 'hospital' },
    { type: 'static_select', selected_option: { value: 7 } },
    { type: 'static_select', selected_option: { text: 'x' } },
    { type: 'static_select', selected_option: null },
    { type: 'radio_buttons', selected_options: [{ value: 'yes' }] },
    { type: 'multi_static_select', selected_options: 'x' },
    { type: 'multi_static_select', selected_options: [null, { value: 1 }] },
    { type: 'timepicker', selected_time: 1200 },
    { type: 'datepicker', selected_date: '2026-11-23' },
    { type: 42, value: 'x' },
    { value: 'no type' },
    { type: 'users_select', selected_user: 'U0ALICE1' },
  ),
);

function submissionArb(
  base: Obj,
  metadata: fc.Arbitrary<unknown>,
  users: fc.Arbitrary<string>,
  ids: readonly (number | string)[],
): fc.Arbitrary<Submission> {
  const inputs = inputsOf(base);
  const offered = [...new Set(inputs.flatMap((i) => i.options))];
  const value = fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(...offered) },
    { weight: 3, arbitrary: idLike(ids) },
    { weight: 3, arbitrary: hostileString },
    { weight: 1, arbitrary: numberString },
    {
      weight: 1,
      arbitrary: fc
        .tuple(fc.integer({ min: -1, max: 30 }), fc.integer({ min: -1, max: 70 }))
        .map(([a, b]) => `${String(a).padStart(2, '0')}:${String(b).padStart(2, '0')}`),
    },
  );
  const block = fc.nat({ max: inputs.length - 1 });
  const mutation: fc.Arbitrary<Mutation> = fc.oneof(
    {
      weight: 6,
      arbitrary: fc.record({
        kind: fc.constant('value' as const),
        block,
        value,
        values: fc.array(value, { maxLength: 5 }),
      }),
    },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('shape' as const), block, state: wrongShape }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('drop' as const), block }) },
    {
      weight: 1,
      arbitrary: fc.record({
        kind: fc.constant('action' as const),
        block,
        actionId: fc.constantFrom('', 'toString', '__proto__', 'constructor', 'other'),
      }),
    },
  );
  return fc.record({
    user: users,
    viewId: fc.nat(),
    metadata,
    state: fc.oneof(
      { weight: 12, arbitrary: fc.constant('ok' as const) },
      {
        weight: 1,
        arbitrary: fc.constantFrom('no-values', 'null', 'absent', 'array', 'string') as fc.Arbitrary<
          Submission['state']
        >,
      },
    ),
    blocks: fc.oneof(
      { weight: 10, arbitrary: fc.constant('ok' as const) },
      {
        weight: 1,
        arbitrary: fc.constantFrom('absent', 'null', 'empty', 'string') as fc.Arbitrary<Submission['blocks']>,
      },
    ),
    mutations: fc.oneof(fc.constant<Mutation[]>([]), fc.array(mutation, { minLength: 1, maxLength: 4 })),
  });
}

/** The view Slack would send back for this submission. */
function buildView(base: Obj, s: Submission): Obj {
  const inputs = inputsOf(base);
  const view = structuredClone(base) as Obj & { state: { values: Record<string, Record<string, unknown>> } };
  view.id = `V0FUZZ${s.viewId}`;
  if (s.metadata === undefined) delete view.private_metadata;
  else view.private_metadata = s.metadata;
  const values = view.state.values;
  for (const m of s.mutations) {
    const input = inputs[m.block] as Input;
    switch (m.kind) {
      case 'value':
        values[input.blockId] = { [input.actionId]: elementState(input, m.value, m.values) };
        break;
      case 'shape':
        values[input.blockId] = { [input.actionId]: m.state };
        break;
      case 'drop':
        delete values[input.blockId];
        break;
      case 'action':
        values[input.blockId] = { [m.actionId]: values[input.blockId]?.[input.actionId] ?? null };
        break;
    }
  }
  if (s.state === 'no-values') view.state = {} as never;
  if (s.state === 'null') view.state = null as never;
  if (s.state === 'absent') delete (view as Obj).state;
  if (s.state === 'array') view.state = { values: [] } as never;
  if (s.state === 'string') view.state = { values: 'values' } as never;
  if (s.blocks === 'absent') delete view.blocks;
  if (s.blocks === 'null') view.blocks = null;
  if (s.blocks === 'empty') view.blocks = [];
  if (s.blocks === 'string') view.blocks = '[]';
  return view;
}

/**
 * private_metadata as the bot wrote it; with one or two fields forged (real ids of other things, other
 * channels, wrong types, a field left out); of the wrong shape; not JSON; huge; or not a string.
 */
function metadataArb(original: Obj, fields: Record<string, fc.Arbitrary<unknown>>): fc.Arbitrary<unknown> {
  const keys = [...new Set([...Object.keys(original), ...Object.keys(fields)])];
  const replacement = (key: string) =>
    fc.oneof(
      { weight: 4, arbitrary: fields[key] ?? hostileJson },
      { weight: 2, arbitrary: hostileJson },
      { weight: 1, arbitrary: fc.constant(undefined) },
    );
  const forged = fc
    .tuple(
      fc.subarray(keys, { minLength: 1, maxLength: Math.min(2, keys.length) }),
      fc.record(Object.fromEntries(keys.map((k) => [k, replacement(k)]))),
    )
    .map(([picked, values]) => {
      const meta: Obj = { ...original };
      for (const k of picked) {
        if (values[k] === undefined) delete meta[k];
        else meta[k] = values[k];
      }
      return JSON.stringify(meta);
    });
  return fc.oneof(
    { weight: 4, arbitrary: fc.constant(JSON.stringify(original)) },
    { weight: 6, arbitrary: forged },
    { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 2 }).map((v) => JSON.stringify(v)) },
    { weight: 1, arbitrary: hostileString },
    {
      weight: 1,
      arbitrary: fc
        .integer({ min: 3000, max: 6000 })
        .map((n) => JSON.stringify({ ...original, padding: 'p'.repeat(n) })),
    },
    { weight: 1, arbitrary: fc.constantFrom(undefined, null, 42, { ...original }, [original]) },
  );
}

// ---------- the check ----------

async function fuzzModal(
  h: Harness,
  log: RecordingLog,
  base: Obj,
  arb: fc.Arbitrary<Submission>,
  numRuns: number,
  opts: { redraws?: boolean } = {},
): Promise<{ refused: number; accepted: number }> {
  const fields = new Set(inputsOf(base).map((i) => i.blockId));
  const tally = { refused: 0, accepted: 0 };
  await fc.assert(
    fc.asyncProperty(arb, async (s) => {
      await h.settle();
      // What an earlier (failed) run left behind is that run's; each run answers for itself.
      h.fake.takeErrors();
      log.takeErrors();
      const before = dumpDb(h);
      const res = await h.slack.submitView({ user: s.user, view: buildView(base, s) });
      expect(res.status).toBe(200);
      await h.settle();
      const answer = res.json() as { response_action?: string; errors?: Record<string, string> } | undefined;
      if (answer?.response_action === 'errors') {
        tally.refused++;
        expect(Object.keys(answer.errors ?? {}).length).toBeGreaterThan(0);
        for (const [field, message] of Object.entries(answer.errors ?? {})) {
          expect(fields, `an error on "${field}", which the modal does not have`).toContain(field);
          expect(typeof message).toBe('string');
        }
        if (opts.redraws) expect(withoutRedraws(dumpDb(h))).toEqual(withoutRedraws(before));
        else expect(dumpDb(h)).toEqual(before);
      } else {
        expect(answer).toBeUndefined();
        tally.accepted++;
      }
      expectWrittenClean(h, before, dumpDb(h));
      await expectNoHarm(h, log);
    }),
    runs(numRuns),
  );
  return tally;
}

async function latestView(h: Harness): Promise<Obj> {
  await h.settle();
  const opened = h.fake.views.at(-1);
  if (!opened) throw new Error('no modal opened');
  return { ...opened.view, id: opened.id };
}

const assistants = { own: [ALICE, BOB], other: [CAROL], supervisors: [SUPER1, SUPER2] };
const supervisorsFirst = { own: [SUPER1, SUPER2], other: [ALICE, CAROL], supervisors: [ADMIN] };

describe('modal submissions, fuzzed', () => {
  it('pop-back: any fields, any metadata, any user', async () => {
    const log = new RecordingLog();
    const h = await flow.start({ at: '2026-11-23T10:00:00Z', roster: TEAM, log });
    await h.slack.command({ command: '/popback', text: 'Mrs P', channel_id: PATCH, user_id: ALICE });
    const base = fillView(await latestView(h), { reason: 'Phoned: lost her glasses' });
    const k = known(h);
    const meta = metadataArb(JSON.parse(String(base.private_metadata)), {
      patchId: fc.constantFrom(...k.patchIds, 0, -1, 1.5, 999_999),
      channelId: fc.constantFrom(...k.channels, ''),
    });
    const arb = submissionArb(base, meta, userArb(assistants), k.clientIds);
    const tally = await fuzzModal(h, log, base, arb, 100);
    expect(tally.refused).toBeGreaterThan(0);
    expect(tally.accepted).toBeGreaterThan(0);
  });

  it('medication issue: any fields, any metadata, any user', async () => {
    const log = new RecordingLog();
    const h = await flow.start({ at: '2026-11-23T10:00:00Z', roster: TEAM, log });
    await h.slack.command({ command: '/medissue', text: 'Mrs P', channel_id: PATCH, user_id: ALICE });
    const base = fillView(await latestView(h), {
      what: 'refused',
      time_critical: 'yes',
      urgency: 'now',
      note: 'Refused her insulin.',
    });
    const k = known(h);
    const meta = metadataArb(JSON.parse(String(base.private_metadata)), {
      patchId: fc.constantFrom(...k.patchIds, 0, -1, 1.5, 999_999),
      channelId: fc.constantFrom(...k.channels, ''),
      visitId: fc.constantFrom(...k.visitIds, 0, 999_999),
      threadTs: fc.constantFrom(...k.messageTs, '1.000001', 'not a ts', ''),
      source: fc.constantFrom('command', 'button', 'shortcut', 'system', ''),
    });
    const arb = submissionArb(base, meta, userArb(assistants), k.clientIds);
    const tally = await fuzzModal(h, log, base, arb, 100);
    expect(tally.refused).toBeGreaterThan(0);
    expect(tally.accepted).toBeGreaterThan(0);
  });

  it('resolve: any outcome, any note, any metadata, any user', async () => {
    const log = new RecordingLog();
    const h = await flow.start({ at: '2026-11-23T10:00:00Z', roster: TEAM, log });
    // Three escalations to resolve, so an accepted submission leaves others open for the next runs.
    for (let i = 0; i < 3; i++) {
      await h.slack.command({ command: '/medissue', text: 'Mrs P', channel_id: PATCH, user_id: ALICE });
      await h.slack.submitView({
        user: ALICE,
        view: fillView(await latestView(h), { what: 'refused', time_critical: 'no', urgency: 'now' }),
      });
    }
    await h.settle();
    const parent = h.fake.messages(SUPERVISORS)[0];
    if (!parent) throw new Error('no escalation posted');
    await h.slack.action({ user: SUPER1, channel: SUPERVISORS, actionId: 'esc_resolve', message: parent });
    const base = fillView(await latestView(h), { outcome: 'late_dose', outcome_note: 'Given at 10:40.' });
    const k = known(h);
    expect(k.escalationIds).toHaveLength(3);
    const meta = metadataArb(JSON.parse(String(base.private_metadata)), {
      escalationId: fc.constantFrom(...k.escalationIds, 0, -1, 2.5, 999_999),
    });
    const arb = submissionArb(base, meta, userArb(supervisorsFirst), k.escalationIds);
    const tally = await fuzzModal(h, log, base, arb, 60);
    expect(tally.refused).toBeGreaterThan(0);
    expect(tally.accepted).toBeGreaterThan(0);
  });

  it('not needed: any reason, any metadata, any user', async () => {
    const log = new RecordingLog();
    const h = await flow.start({ at: '2026-11-23T06:00:00Z', roster: TEAM, log });
    await h.tickAt('2026-11-23T07:00:00Z');
    const digest = h.fake.messages(PATCH)[0];
    if (!digest) throw new Error('no digest');
    const line = digest.blocks.find((b) => (b.accessory as Obj | undefined)?.type === 'overflow');
    const menu = line?.accessory as { options: Array<{ value: string }> };
    const notNeeded = menu.options.find((o) => o.value.startsWith('notneeded:'));
    if (!notNeeded) throw new Error('no Not needed option');
    await h.slack.action({
      user: ALICE,
      channel: PATCH,
      actionId: 'rota_visit',
      blockId: String(line?.block_id),
      message: digest,
      value: notNeeded.value,
    });
    const base = fillView(await latestView(h), { reason: 'hospital' });
    const k = known(h);
    const meta = metadataArb(JSON.parse(String(base.private_metadata)), {
      visitId: fc.constantFrom(...k.visitIds, 0, -1, 2.5, 999_999),
    });
    const arb = submissionArb(base, meta, userArb(assistants), k.visitIds);
    // Refused by the visits hub (already closed, not this patch's team…), the digest may be redrawn.
    const tally = await fuzzModal(h, log, base, arb, 60, { redraws: true });
    expect(tally.refused).toBeGreaterThan(0);
    expect(tally.accepted).toBeGreaterThan(0);
  });
});
