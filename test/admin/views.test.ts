import { describe, expect, it } from 'vitest';
import type { Setup } from '../../src/admin/store.ts';
import { clientModal, planModal, removalPrompt, setupMessage } from '../../src/admin/views.ts';
import { checkMessageBlocks, checkView } from '../support/slack/blocks.ts';

/** The set-up message and forms stay within Slack's limits, however big a patch is. */

function bigSetup(clients: number, plansEach: number): Setup {
  return {
    patch: {
      id: 1,
      code: 'P07',
      name: 'Westbury <North> & "East"',
      channelId: 'C0PATCH07',
      digestAt: '07:00',
      maxClients: 50,
      thresholds: {},
      settings: '{}',
    },
    assistants: ['U0ALICE1', 'U0BOB0001'],
    providerThresholds: {},
    clients: Array.from({ length: clients }, (_, c) => ({
      id: c + 1,
      code: `P07-${c + 1}`,
      name: `Client ${'x'.repeat(30)} ${c + 1}`,
      keyWorker: c % 2 ? 'U0ALICE1' : null,
      plans: Array.from({ length: plansEach }, (_, p) => ({
        id: c * 100 + p + 1,
        position: p,
        at: `${String(6 + p).padStart(2, '0')}:00`,
        days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const,
        minutes: 30,
        purpose: `Purpose ${'y'.repeat(70)}`,
        timeCritical: p === 0,
        carers: 1,
        thresholds: { lateMinutes: 5 },
        settings: '{}',
        requires: ['insulin'],
      })),
    })) as Setup['clients'],
    taskNames: new Map([['insulin', 'Insulin injection']]),
  };
}

describe('the set-up message', () => {
  it('fits one message for a patch of 50 clients with 6 plans each, saying how many are left out', () => {
    const admin = setupMessage(bigSetup(50, 6), { admin: true, admins: [], note: 'Saved.' });
    expect(checkMessageBlocks(admin.blocks)).toEqual([]);
    expect(admin.blocks.length).toBeLessThanOrEqual(50);
    expect(JSON.stringify(admin.blocks)).toContain(
      '28 more clients are not shown here: `/patch NAME` shows one client.',
    );
    const everyone = setupMessage(bigSetup(50, 6), { admin: false, admins: ['U0ADMIN1'] });
    expect(checkMessageBlocks(everyone.blocks)).toEqual([]);
    expect(JSON.stringify(everyone.blocks)).toContain('4 more clients are not shown here');
  });

  it('escapes the set-up’s text, in blocks and in the notification text', () => {
    const m = setupMessage(bigSetup(1, 1), { admin: false, admins: [] });
    expect(m.text).toContain('Westbury &lt;North&gt; &amp; "East"');
    expect(JSON.stringify(m.blocks)).not.toContain('<North>');
  });

  it('offers at most 100 plans in a client’s menu, within Slack’s limits', () => {
    const m = setupMessage(bigSetup(1, 120), { admin: true, admins: [] });
    expect(checkMessageBlocks(m.blocks)).toEqual([]);
  });
});

describe('the forms', () => {
  it('are valid views with titles, options and metadata within the limits', () => {
    const setup = bigSetup(1, 1);
    const client = setup.clients[0];
    const plan = client?.plans[0];
    if (!client || !plan) throw new Error('no client');
    const tasks = Array.from({ length: 120 }, (_, i) => ({
      code: `t${i}`,
      name: `Task ${'z'.repeat(90)} ${i}`,
    }));
    for (const view of [
      clientModal({ patchName: setup.patch.name, code: 'P07-02', meta: { patchId: 1 } }),
      clientModal({ patchName: setup.patch.name, client, meta: { patchId: 1, clientId: 1 } }),
      planModal({ clientName: client.name, tasks, taskNames: setup.taskNames, meta: { clientId: 1 } }),
      planModal({
        clientName: client.name,
        plan,
        tasks: [],
        taskNames: setup.taskNames,
        meta: { clientId: 1, planId: 1 },
      }),
    ]) {
      expect(checkView(view)).toEqual([]);
    }
    expect(
      checkMessageBlocks(
        removalPrompt({
          patchId: 1,
          patchName: 'P',
          channelId: 'C0PATCH07',
          removed: Array.from({ length: 30 }, (_, i) => `U0PERSON${i}`),
        }),
      ),
    ).toEqual([]);
  });
});
