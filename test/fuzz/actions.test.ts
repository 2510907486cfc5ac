import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ROTA_VERBS } from '../../src/rota/model.ts';
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
import type { FakeMessage } from '../support/slack/fake-slack.ts';
import { blockActionPayload, FORM, interactiveBody } from '../support/slack/signed.ts';
import {
  dumpDb,
  expectNoHarm,
  expectWrittenClean,
  hostileJson,
  hostileString,
  idLike,
  RecordingLog,
  rows,
  runs,
  STRANGERS,
  userArb,
} from './support.ts';

/**
 * Property 2: every button and menu of every message, pressed with a random value (real ids of the
 * wrong thing, hostile strings, values of the wrong type, no value at all) by anyone: an assistant of
 * this patch or another, a supervisor, an admin, a stranger. The bot answers 200, no listener throws,
 * Slack's stand-in sees nothing it would refuse, /healthz answers, and a stranger changes nothing.
 */

const flow = useFlowHarness();

type Obj = Record<string, unknown>;
const OTHER_PATCH_CHANNEL = 'C0PATCH08';

const BUTTONS = [
  'popback_claim',
  'popback_arrived',
  'popback_done',
  'popback_release',
  'popback_cancel',
  'alert_arrived',
  'alert_onway',
  'medissue_open',
  'esc_acknowledge',
  'esc_resolve',
] as const;
const MENU = 'rota_visit';

interface Press {
  user: string;
  channel: string;
  actionId: string;
  /** The message pressed, by index into the messages the bot posted (it only sets container and ts). */
  message: number;
  /** A string value, or anything at all where a string belongs; `undefined` leaves it out. */
  value: unknown;
}

/** A whole morning: the digest, late alerts, a pop-back card, a medication issue and its parent. */
async function busyMorning(h: Harness): Promise<void> {
  await h.tickAt('2026-11-23T07:00:00Z');
  await h.tickAt('2026-11-23T07:30:00Z');
  await h.tickAt('2026-11-23T08:11:00Z');
  await h.slack.command({ command: '/popback', text: 'Mrs D', channel_id: PATCH, user_id: BOB });
  await h.settle();
  const popback = h.fake.views.at(-1);
  if (!popback) throw new Error('no pop-back form');
  await h.slack.submitView({
    user: BOB,
    view: fillView({ ...popback.view, id: popback.id }, { reason: 'Bins' }),
  });
  await h.slack.command({ command: '/medissue', text: 'Mr K', channel_id: PATCH, user_id: ALICE });
  await h.settle();
  const med = h.fake.views.at(-1);
  if (!med) throw new Error('no medication issue form');
  await h.slack.submitView({
    user: ALICE,
    view: fillView(
      { ...med.view, id: med.id },
      { what: 'missed_dose', time_critical: 'yes', urgency: 'now' },
    ),
  });
  await h.settle();
}

function payload(p: Press, messages: FakeMessage[]): Obj {
  const message = messages[p.message % messages.length] as FakeMessage;
  const base = blockActionPayload({
    user: p.user,
    channel: p.channel,
    actionId: p.actionId,
    messageTs: message.ts,
  });
  const [first] = base.actions as Obj[];
  const action: Obj = { ...first };
  if (p.actionId === MENU) {
    action.type = 'overflow';
    delete action.value;
    delete action.text;
    if (p.value !== undefined) {
      action.selected_option =
        typeof p.value === 'string'
          ? { text: { type: 'plain_text', text: p.value.slice(0, 75) || '-', emoji: true }, value: p.value }
          : p.value;
    }
  } else if (p.value === undefined) delete action.value;
  else action.value = p.value;
  return { ...base, actions: [action], message: { ...(base.message as Obj), blocks: message.blocks } };
}

describe('buttons and menus, fuzzed', () => {
  it('any button or menu, any value, anyone: 200, no harm, and a stranger changes nothing', async () => {
    const log = new RecordingLog();
    const h = await flow.start({ at: '2026-11-23T06:00:00Z', roster: TEAM, log });
    await busyMorning(h);
    const messages = [PATCH, SUPERVISORS, OTHER_PATCH_CHANNEL].flatMap((c) => h.fake.messages(c));
    expect(messages.length).toBeGreaterThan(3);
    const visitIds = rows<{ id: number }>(h, 'SELECT id FROM visits').map((r) => r.id);
    const escalationIds = rows<{ id: number }>(h, 'SELECT id FROM escalations').map((r) => r.id);
    expect(escalationIds.length).toBeGreaterThan(0);
    const revs = [...new Set(rows<{ rev: number }>(h, 'SELECT rev FROM visits').map((r) => r.rev))];

    const id = idLike([...visitIds, ...escalationIds]);
    const menuValue = fc.oneof(
      {
        weight: 6,
        arbitrary: fc
          .tuple(
            fc.oneof(
              { weight: 4, arbitrary: fc.constantFrom(...ROTA_VERBS) },
              { weight: 1, arbitrary: hostileString },
            ),
            fc.oneof(
              { weight: 4, arbitrary: fc.constantFrom(...visitIds.map(String)) },
              { weight: 1, arbitrary: id },
            ),
            fc.oneof(
              { weight: 4, arbitrary: fc.constantFrom(...revs.map(String)) },
              { weight: 1, arbitrary: id },
            ),
          )
          .map(([verb, visit, rev]) => `${verb}:${visit}:${rev}`),
      },
      { weight: 2, arbitrary: hostileString },
      { weight: 1, arbitrary: hostileJson },
      { weight: 1, arbitrary: fc.constant(undefined) },
      {
        weight: 1,
        arbitrary: fc.constantFrom(null, {}, { value: 7 }, { value: 'arrived:1:0' }, 'arrived:1:0'),
      },
    );
    const buttonValue = fc.oneof(
      { weight: 6, arbitrary: id },
      { weight: 1, arbitrary: hostileJson },
      { weight: 1, arbitrary: fc.constant(undefined) },
    );
    const press: fc.Arbitrary<Press> = fc.oneof(
      fc.record({
        user: userArb({ own: [ALICE, BOB], other: [CAROL], supervisors: [SUPER1, SUPER2] }),
        channel: fc.constantFrom(PATCH, SUPERVISORS, OTHER_PATCH_CHANNEL, 'C0NOWHERE1'),
        actionId: fc.constantFrom(...BUTTONS),
        message: fc.nat(),
        value: buttonValue,
      }),
      fc.record({
        user: userArb({ own: [ALICE, BOB], other: [CAROL], supervisors: [SUPER1, SUPER2] }),
        channel: fc.constantFrom(PATCH, OTHER_PATCH_CHANNEL, 'C0NOWHERE1'),
        actionId: fc.constant(MENU),
        message: fc.nat(),
        value: menuValue,
      }),
    );

    let strangers = 0;
    await fc.assert(
      fc.asyncProperty(press, async (p) => {
        await h.settle();
        h.fake.takeErrors();
        log.takeErrors();
        const before = dumpDb(h);
        const res = await h.slack.send(interactiveBody(payload(p, messages)), FORM);
        expect(res.status).toBe(200);
        await h.settle();
        const after = dumpDb(h);
        if (STRANGERS.includes(p.user)) {
          strangers++;
          // Only the click's own key is new (a replay of it is dropped): nothing else moved.
          const { seen_requests: _a, ...rest } = after;
          const { seen_requests: _b, ...was } = before;
          expect(rest).toEqual(was);
        }
        expectWrittenClean(h, before, after);
        await expectNoHarm(h, log);
      }),
      runs(150),
    );
    expect(strangers).toBeGreaterThan(5);
  });
});
