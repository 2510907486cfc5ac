import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  dumpDb,
  expectNoHarm,
  hostileJson,
  hostileString,
  idLike,
  RecordingLog,
  rows,
  runs,
  STRANGERS,
  userArb,
} from '../fuzz/support.ts';
import { ALICE, BOB, CAROL, PATCH, SUPER1, SUPER2, SUPERVISORS, useFlowHarness } from '../support/harness.ts';
import type { FakeMessage } from '../support/slack/fake-slack.ts';
import { blockActionPayload, FORM, interactiveBody } from '../support/slack/signed.ts';
import { askForCover, COVER_ROSTER, DAVE, P08 } from './support.ts';

/**
 * The cover card's buttons and the escalation's Assign…, pressed by anyone with any value (real item,
 * request and escalation ids of the wrong card, hostile strings, values of the wrong type): 200, no
 * listener throws, Slack's stand-in sees nothing it would refuse, a stranger changes nothing, and the
 * items never break their rules.
 */

const flow = useFlowHarness();

const BUTTONS = [
  'cover_take',
  'cover_take_all',
  'cover_assign',
  'cover_withdraw',
  'cover_open',
  'esc_assign',
] as const;

type Obj = Record<string, unknown>;

describe('cover buttons, fuzzed', () => {
  it('any button, any value, anyone: 200, no harm, a stranger changes nothing, and every item keeps its rules', async () => {
    const log = new RecordingLog();
    const h = await flow.start({ at: '2026-11-23T06:40:00Z', roster: COVER_ROSTER, log });
    await askForCover(h, ALICE, { note: 'Flu' });
    await h.tickAt('2026-11-23T07:00:00Z'); // the 08:00 visit goes to the supervisors
    const messages = [PATCH, P08, SUPERVISORS].flatMap((c) => h.fake.messages(c));
    const itemIds = rows<{ id: number }>(h, 'SELECT id FROM cover_items').map((r) => r.id);
    const requestIds = rows<{ id: number }>(h, 'SELECT id FROM cover_requests').map((r) => r.id);
    const patchIds = rows<{ id: number }>(h, 'SELECT id FROM patches').map((r) => r.id);
    const escIds = rows<{ id: number }>(h, 'SELECT id FROM escalations').map((r) => r.id);
    expect(escIds.length).toBeGreaterThan(0);
    const id = idLike([...itemIds, ...requestIds, ...escIds]);
    const cardValue = fc
      .tuple(fc.constantFrom(...requestIds, 0, 99), fc.constantFrom(...patchIds, 0, 99))
      .map(([r, p]) => `${r}:${p}`);
    const value = fc.oneof(
      { weight: 4, arbitrary: id },
      { weight: 3, arbitrary: cardValue },
      { weight: 1, arbitrary: hostileString },
      { weight: 1, arbitrary: hostileJson },
      { weight: 1, arbitrary: fc.constant(undefined) },
    );
    const press = fc.record({
      user: userArb({ own: [BOB, DAVE, ALICE], other: [CAROL], supervisors: [SUPER1, SUPER2] }),
      channel: fc.constantFrom(PATCH, P08, SUPERVISORS, 'C0NOWHERE1'),
      actionId: fc.constantFrom(...BUTTONS),
      message: fc.nat(),
      value,
    });
    const team = new Map([
      [PATCH, new Set([ALICE, BOB, DAVE, SUPER1, SUPER2, 'U0ADMIN1'])],
      [P08, new Set([ALICE, CAROL, SUPER1, SUPER2, 'U0ADMIN1'])],
    ]);

    let strangers = 0;
    await fc.assert(
      fc.asyncProperty(press, async (p) => {
        await h.settle();
        h.fake.takeErrors();
        log.takeErrors();
        const before = dumpDb(h);
        const message = messages[p.message % messages.length] as FakeMessage;
        const base = blockActionPayload({
          user: p.user,
          channel: p.channel,
          actionId: p.actionId,
          messageTs: message.ts,
        });
        const action: Obj = { ...(base.actions as Obj[])[0] };
        if (p.value === undefined) delete action.value;
        else action.value = p.value;
        const res = await h.slack.send(
          interactiveBody({
            ...base,
            actions: [action],
            message: { ...(base.message as Obj), blocks: message.blocks },
          }),
          FORM,
        );
        expect(res.status).toBe(200);
        await h.settle();
        if (STRANGERS.includes(p.user)) {
          strangers++;
          const { seen_requests: _a, ...rest } = dumpDb(h);
          const { seen_requests: _b, ...was } = before;
          expect(rest).toEqual(was);
        }
        // The rules of an item, whatever was pressed: no more takers than slots, never the person who
        // asked, only people of the item's patch team; covered exactly when every slot is taken.
        const items = rows<{
          id: number;
          slots: number;
          status: string;
          patch_id: number;
          request_id: number;
        }>(h, 'SELECT * FROM cover_items');
        for (const item of items) {
          const takers = rows<{ user_id: string }>(
            h,
            'SELECT user_id FROM cover_takes WHERE item_id = ?',
            item.id,
          ).map((t) => t.user_id);
          expect(takers.length).toBeLessThanOrEqual(item.slots);
          expect(takers).not.toContain(ALICE);
          const channel = item.patch_id === patchIds[0] ? PATCH : P08;
          for (const t of takers) expect(team.get(channel)?.has(t), `${t} took item ${item.id}`).toBe(true);
          if (item.status === 'covered') expect(takers).toHaveLength(item.slots);
          if (item.status === 'open') expect(takers.length).toBeLessThan(item.slots);
        }
        await expectNoHarm(h, log);
      }),
      runs(120),
    );
    expect(strangers).toBeGreaterThan(5);
    // Not vacuous: real presses did take visits.
    expect(rows(h, 'SELECT * FROM cover_takes').length).toBeGreaterThan(0);
  });
});
