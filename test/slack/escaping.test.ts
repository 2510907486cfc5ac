import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  type AlertData,
  alertMessage,
  missedCall,
  nudgeMessage,
  type UnclaimedData,
} from '../../src/alerts/views.ts';
import { medIssueModal, type ParentData, parentMessage } from '../../src/escalation/views.ts';
import { type CardData, popbackModal, requestCard } from '../../src/popback/views.ts';
import { type DigestInput, type DigestVisit, digestMessages, rotaListing } from '../../src/rota/views.ts';
import { clip, esc } from '../../src/slack/blocks.ts';
import { localInstant } from '../../src/time.ts';
import type { VisitStatus } from '../../src/visits/model.ts';
import {
  ALICE,
  BOB,
  fillView,
  PATCH,
  SUPER1,
  SUPERVISORS,
  TEAM,
  useFlowHarness,
} from '../support/harness.ts';

/**
 * Roster text in every message: a patch or client name, a purpose, a reason or a note that holds
 * `<!channel>`, `<@U…>`, `<#C…>`, a link or `&` must reach Slack escaped, in the `text` that
 * notifications show as much as in the blocks. Mentions the bot adds itself (a carer, the on-call
 * supervisor, `<!here>` on the channel step) are fine, so the hostile text uses ids of its own.
 */

const CLIENT = '<!channel> Mrs P & <@U0HOSTILE>';
const PATCH_NAME = '<#C0HOSTILE> & <!everyone> North';
const WORDS = 'Tea & <!here|here> <@U0HOSTILE> <https://evil.example|click>';

/** What must never reach Slack unescaped: all of it comes only from the hostile text above. */
const RAW = ['<!channel', '<!everyone', '<!here|', '<@U0HOSTILE', '<#C0HOSTILE', '<https://evil'];
const BARE_AMP = /&(?!amp;|lt;|gt;)/;

/** Every string Slack reads as mrkdwn in a message or view: its `text`, and each mrkdwn object. */
function mrkdwnOf(payload: unknown): string[] {
  const out: string[] = [];
  const top = payload as { text?: unknown };
  if (typeof top?.text === 'string') out.push(top.text);
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) for (const item of node) walk(item);
    else if (typeof node === 'object' && node !== null) {
      const o = node as Record<string, unknown>;
      if (o.type === 'mrkdwn' && typeof o.text === 'string') out.push(o.text);
      for (const [key, value] of Object.entries(o))
        if (key !== 'text' || typeof value !== 'string') walk(value);
    }
  };
  walk(payload);
  return out;
}

function expectEscaped(where: string, payload: unknown): string[] {
  const texts = mrkdwnOf(payload);
  for (const text of texts) {
    for (const raw of RAW) expect(text, `${where}: ${text}`).not.toContain(raw);
    expect(text, `${where}: ${text}`).not.toMatch(BARE_AMP);
  }
  return texts;
}

const escapedClient = esc(CLIENT);
const ZONE = 'Europe/London';
const DATE = '2026-11-23';
const at = (hhmm: string) => localInstant(DATE, hhmm, ZONE);

describe('every message builder escapes roster text, in `text` and in blocks', () => {
  const alert = (over: Partial<AlertData> = {}): AlertData => ({
    visitId: 7,
    clientName: CLIENT,
    purpose: WORDS,
    startsAt: at('08:00'),
    minutes: 30,
    timeCritical: true,
    carers: 2,
    assignee: ALICE,
    assistants: [ALICE, BOB],
    patchName: PATCH_NAME,
    patchChannel: PATCH,
    level: 'late',
    status: 'open',
    arrivedAt: null,
    arrivedBy: null,
    closedBy: null,
    closeReason: null,
    onWayBy: BOB,
    onWayAt: at('08:05'),
    zone: ZONE,
    ...over,
  });

  it('alerts: late, missed, arrived, not needed, and the missed call', () => {
    for (const [where, payload] of [
      ['late', alertMessage(alert())],
      ['missed', alertMessage(alert({ level: 'missed' }))],
      ['arrived', alertMessage(alert({ arrivedAt: at('08:20'), arrivedBy: ALICE, status: 'arrived' }))],
      ['not needed', alertMessage(alert({ status: 'not_needed', closeReason: WORDS, closedBy: ALICE }))],
      ['missed call', missedCall(alert({ level: 'missed' }))],
    ] as const) {
      expectEscaped(where, payload);
      expect(payload.text, where).toContain(escapedClient);
    }
    // The bot's own mentions still notify.
    expect(missedCall(alert()).text).toContain(`<@${ALICE}> <@${BOB}>`);
  });

  it('the unclaimed pop-back nudge, open and claimed', () => {
    const u: UnclaimedData = {
      visitId: 9,
      kindLabel: 'Pop-back',
      clientNames: [CLIENT, 'Mr K'],
      soon: 'as soon as possible',
      createdAt: at('07:00'),
      requestedBy: ALICE,
      assistants: [ALICE, BOB],
      patchName: PATCH_NAME,
      patchChannel: PATCH,
      status: 'open',
      claimedBy: [],
      zone: ZONE,
    };
    for (const payload of [
      nudgeMessage(u, 'popback_claim'),
      nudgeMessage(
        { ...u, status: 'claimed', claimedBy: [{ userId: BOB, at: at('07:30') }] },
        'popback_claim',
      ),
    ]) {
      expectEscaped('nudge', payload);
      expect(payload.text).toBe(`Still unclaimed: Pop-back for ${escapedClient}, Mr K`);
    }
  });

  it('the pop-back card in every state, and the request modal', () => {
    const statuses: VisitStatus[] = ['open', 'claimed', 'arrived', 'done', 'cancelled', 'not_needed'];
    for (const status of statuses) {
      const card: CardData = {
        visitId: 3,
        kind: 'social',
        clientNames: [CLIENT, 'Mr K'],
        reason: `${WORDS}\nsecond line`,
        urgency: 'by',
        dueAt: at('14:00'),
        carersNeeded: 2,
        requestedBy: ALICE,
        createdAt: at('09:00'),
        status,
        carers: status === 'open' ? [] : [{ userId: BOB, at: at('09:10') }],
        arrivedAt: status === 'arrived' ? at('13:00') : null,
        arrivedBy: status === 'arrived' ? BOB : null,
        doneAt: status === 'done' ? at('13:30') : null,
        doneBy: status === 'done' ? BOB : null,
        closedAt: status === 'cancelled' ? at('10:00') : null,
        closedBy: status === 'cancelled' ? ALICE : null,
        zone: ZONE,
      };
      const payload = requestCard(card);
      expectEscaped(`card ${status}`, payload);
      expect(payload.text).toContain(escapedClient);
    }
    const client = { id: 1, name: CLIENT };
    expectEscaped(
      'popback modal',
      popbackModal({
        patchName: PATCH_NAME,
        clients: [client],
        preselected: client,
        meta: { patchId: 1, channelId: PATCH },
      }),
    );
    expectEscaped(
      'medissue modal',
      medIssueModal({
        patchName: PATCH_NAME,
        clients: [client],
        preselected: client,
        meta: { patchId: 1, channelId: PATCH, source: 'command' },
      }),
    );
  });

  it("the supervisors' escalation message, open, acknowledged and resolved", () => {
    const parent: ParentData = {
      id: 5,
      kind: 'medication',
      patchName: PATCH_NAME,
      patchChannel: PATCH,
      clientName: CLIENT,
      about: `*${esc(CLIENT)}* · Missed dose`, // built by the renderer, already mrkdwn
      note: `${WORDS}\nsecond line`,
      status: 'open',
      onCall: SUPER1,
      step: 0,
      round: 1,
      rounds: 3,
      nextAt: at('08:10'),
      ackedBy: null,
      ackedAt: null,
      resolvedBy: null,
      resolvedAt: null,
      resolution: null,
      zone: ZONE,
    };
    for (const p of [
      parent,
      { ...parent, status: 'acknowledged' as const, ackedBy: SUPER1, ackedAt: at('08:03') },
      {
        ...parent,
        status: 'resolved' as const,
        resolvedBy: SUPER1,
        resolvedAt: at('08:30'),
        resolution: `Other. ${esc(WORDS)}`,
      },
    ]) {
      const payload = parentMessage(p);
      expectEscaped(`escalation ${p.status}`, payload);
      expect(payload.text).toBe(`Medication issue in ${esc(PATCH_NAME)}: ${escapedClient}, ${p.status}`);
    }
  });

  it('the digest and the /rota listing', () => {
    const visit = (
      id: number,
      hhmm: string,
      status: VisitStatus,
      over: Partial<DigestVisit> = {},
    ): DigestVisit => ({
      visitId: id,
      rev: 0,
      startsAt: at(hhmm),
      minutes: 30,
      clientName: CLIENT,
      purpose: WORDS,
      assignee: ALICE,
      timeCritical: false,
      carers: 1,
      status,
      arrivedAt: null,
      doneAt: null,
      alert: null,
      closeReason: status === 'not_needed' ? WORDS : null,
      ...over,
    });
    const input: DigestInput = {
      patchName: PATCH_NAME,
      date: DATE,
      zone: ZONE,
      withMedIssue: true,
      visits: [
        visit(1, '08:00', 'open'),
        visit(2, '09:00', 'not_needed'),
        visit(3, '10:00', 'open', { alert: 'late' }),
      ],
      popbacks: [{ visitId: 4, clientNames: [CLIENT], soon: WORDS, claimedBy: [BOB] }],
    };
    for (const message of digestMessages(input)) expectEscaped('digest', message);
    expectEscaped('digest, empty', digestMessages({ ...input, visits: [] })[0]);
    expectEscaped('listing', rotaListing({ ...input, mineOnly: null }));
    expectEscaped('listing, mine', rotaListing({ ...input, mineOnly: ALICE }));
    expectEscaped('listing, none', rotaListing({ ...input, mineOnly: BOB }));
  });

  it('clip never leaves half an escape, half a mention or half a character at the cut', () => {
    expect(clip(`${'x'.repeat(10)}&amp;`, 13)).toBe(`${'x'.repeat(10)}…`);
    expect(clip(`${'x'.repeat(10)}<@U0ALICE1> more`, 16)).toBe(`${'x'.repeat(10)}…`);
    expect(clip(`${'x'.repeat(10)}😀 more`, 12)).toBe(`${'x'.repeat(10)}…`);
    expect(clip('short', 10)).toBe('short');
    const long = esc(`${CLIENT} `.repeat(200));
    expect(clip(long, 3000)).not.toMatch(BARE_AMP);
  });
});

describe('a whole morning with a hostile roster: every message and view Slack receives is escaped', () => {
  const flow = useFlowHarness();
  const dir = mkdtempSync(join(tmpdir(), 'patchbot-escaping-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('digest, pop-back card and nudge, medication escalation and its patch note, late and missed alerts', async () => {
    const team = readFileSync(TEAM, 'utf8');
    const roster = join(dir, 'team.yml');
    const yamlString = (s: string) => JSON.stringify(s);
    const hostile = team
      .replace('name: Westbury North', `name: ${yamlString(PATCH_NAME)}`)
      .replace('name: Mrs P', `name: ${yamlString(CLIENT)}`)
      .replace('name: Mrs D', `name: ${yamlString('Mrs D & <!channel>')}`)
      .replace('purpose: Morning wake-up', `purpose: ${yamlString(WORDS)}`);
    expect(hostile).not.toBe(team);
    writeFileSync(roster, hostile);

    const h = await flow.start({ at: '2026-11-23T06:00:00Z', roster });
    await h.tickAt('2026-11-23T07:00:00Z'); // the digest
    await h.slack.command({ command: '/popback', text: 'P07-01', channel_id: PATCH, user_id: ALICE });
    await h.settle();
    let opened = h.fake.views.at(-1);
    if (!opened) throw new Error('no pop-back modal');
    await h.slack.submitView({
      user: ALICE,
      view: fillView({ ...opened.view, id: opened.id }, { reason: WORDS }),
    });
    await h.settle();
    await h.slack.command({ command: '/medissue', text: 'P07-03', channel_id: PATCH, user_id: ALICE });
    await h.settle();
    opened = h.fake.views.at(-1);
    if (!opened) throw new Error('no medication modal');
    await h.slack.submitView({
      user: ALICE,
      view: fillView({ ...opened.view, id: opened.id }, { what: 'other', note: `${WORDS}\nsecond line` }),
    });
    await h.settle();
    const parent = h.fake.messages(SUPERVISORS)[0];
    if (!parent) throw new Error('no escalation');
    await h.slack.action({
      user: SUPER1,
      channel: SUPERVISORS,
      actionId: 'esc_acknowledge',
      message: structuredClone(parent),
    });
    await h.slack.command({ command: '/rota', text: '', channel_id: PATCH, user_id: BOB });
    await h.tickAt('2026-11-23T08:15:00Z'); // late alerts
    await h.tickAt('2026-11-23T08:40:00Z'); // missed alerts, the pop-back nudge and its escalation

    const sent = h.fake.calls.filter((c) => /^(chat\.|views\.)/.test(c.method));
    const methods = new Set(sent.map((c) => c.method));
    expect(methods).toContain('chat.postMessage');
    expect(methods).toContain('chat.update');
    expect(methods).toContain('views.open');
    let seen = '';
    for (const call of sent) seen += expectEscaped(call.method, call.args).join('\n');
    expect(h.fake.responses.length).toBeGreaterThan(0);
    for (const response of h.fake.responses) seen += expectEscaped('response_url', response.body).join('\n');

    // The hostile names were really shown, escaped, in notifications' `text` as well as blocks.
    const texts = sent.map((c) => c.args.text).filter((t): t is string => typeof t === 'string');
    for (const fallback of [
      `Late visit: ${escapedClient}`,
      `Missed visit: ${escapedClient}`,
      `Still unclaimed: Pop-back for ${escapedClient}`,
      `Medication issue in ${esc(PATCH_NAME)}`,
    ]) {
      expect(
        texts.some((t) => t.startsWith(fallback)),
        fallback,
      ).toBe(true);
    }
    expect(seen).toContain(esc(WORDS));
    expect(seen).toContain('Mrs D &amp; &lt;!channel&gt;');
  });
});
