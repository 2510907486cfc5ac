import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import type { Db } from '../../db/index.ts';
import { coverItems, coverRequests } from '../../db/schema.ts';
import { findPatchByChannel, providerSettings } from '../../src/patches/store.ts';
import { localDate } from '../../src/time.ts';
import { fixedVisitsOn, getVisitRow } from '../../src/visits/store.ts';
import { renderBlocks } from '../demo/transcript.ts';
import { fillView, type Harness } from '../support/harness.ts';

/** Helpers for the App Home tests: open a Home, read it as text, press in it, make cover. */

export const STRANGER = 'U0STRANGE1';
export const ADMIN = 'U0ADMIN1';

/** The people, for readable Homes. */
export const NAMES = {
  users: {
    U0ALICE1: 'alice',
    U0BOB0001: 'bob',
    U0CAROL1: 'carol',
    U0SUPER1: 'sam',
    U0SUPER2: 'priya',
    U0ADMIN1: 'admin',
  },
  channels: {},
};

type Block = Record<string, unknown>;

/** The Home `user` sees now, as the lines a person reads (buttons as [ Label ]). */
export function homeText(h: Harness, user: string): string {
  const view = h.fake.home(user);
  if (!view) return '';
  return renderBlocks(view.blocks as unknown[], '', NAMES).join('\n');
}

export const homeBlocks = (h: Harness, user: string): Block[] =>
  (h.fake.home(user)?.blocks as Block[] | undefined) ?? [];

/** How many times `user`'s Home was published. */
export const publishes = (h: Harness, user: string): number =>
  h.fake.published.filter((p) => p.user === user).length;

let eventSeq = 0;

/** `user` opens the patchbot Home tab (the app_home_opened event), and everything settles. */
export async function openHome(
  h: Harness,
  user: string,
  opts: { eventId?: string; headers?: Record<string, string> } = {},
) {
  const res = await h.slack.event(
    {
      type: 'app_home_opened',
      user,
      channel: `D${user.slice(1)}`,
      tab: 'home',
      event_ts: `${Math.floor(h.clock.now() / 1000)}.00${++eventSeq}`,
      ...(h.fake.home(user) ? { view: h.fake.home(user) } : {}),
    },
    { eventId: opts.eventId ?? `Ev0HOME${++eventSeq}`, ...(opts.headers ? { headers: opts.headers } : {}) },
  );
  await h.settle();
  return res;
}

/**
 * `user` presses the button `actionId` in the block of their Home whose id starts with `blockPrefix`
 * (`home:visit:12`), in the Home as it is now or as it was (`view`, for a press on an out-of-date Home).
 */
export async function pressInHome(
  h: Harness,
  user: string,
  actionId: string,
  blockPrefix: string,
  view: Record<string, unknown> | undefined = h.fake.home(user),
) {
  if (!view) throw new Error(`${user} has no Home`);
  const block = (view.blocks as Block[]).find((b) => {
    if (typeof b.block_id !== 'string' || !b.block_id.startsWith(blockPrefix)) return false;
    const els = [b.accessory, ...((b.elements as unknown[] | undefined) ?? [])] as Array<Block | undefined>;
    return els.some((e) => e?.action_id === actionId);
  });
  if (!block) throw new Error(`no ${actionId} in a block ${blockPrefix}… of ${user}'s Home`);
  const res = await h.slack.homeAction({
    user,
    view: structuredClone(view),
    actionId,
    blockId: block.block_id as string,
  });
  expect(res.status).toBe(200);
  await h.settle();
  return res;
}

/** Today's fixed visit of a patch for a client, by the client's display name. */
export function visitOf(h: Harness, channel: string, clientName: string, at?: string): number {
  const db = h.bot.db;
  const patch = findPatchByChannel(db, channel);
  if (!patch) throw new Error(`no patch ${channel}`);
  const today = localDate(h.clock.now(), providerSettings(db).timezone);
  const rows = fixedVisitsOn(db, patch.id, today).filter((r) => r.clientName === clientName);
  const row = at ? rows.find((r) => r.visit.startsAt === Date.parse(at)) : rows[0];
  if (!row) throw new Error(`no visit today for ${clientName}`);
  return row.visit.id;
}

/** A cover request with one item per visit, as the cover capability would store it (read-only here). */
export function requestCover(
  db: Db,
  args: { requestedBy: string; visitIds: number[]; now: number; slots?: number },
): number[] {
  const request = db
    .insert(coverRequests)
    .values({
      requestedBy: args.requestedBy,
      fromAt: args.now,
      toAt: args.now + 86_400_000,
      createdAt: args.now,
    })
    .returning({ id: coverRequests.id })
    .get();
  return args.visitIds.map((visitId) => {
    const patchId = getVisitRow(db, visitId)?.patchId;
    if (!patchId) throw new Error(`no visit ${visitId}`);
    return db
      .insert(coverItems)
      .values({ requestId: request.id, visitId, patchId, slots: args.slots ?? 1 })
      .returning({ id: coverItems.id })
      .get().id;
  });
}

/** /popback from `user` in a patch channel, through its modal. */
export async function askPopback(
  h: Harness,
  user: string,
  channel: string,
  client: string,
  answers: Record<string, string> = {},
) {
  await h.slack.command({ command: '/popback', text: client, channel_id: channel, user_id: user });
  await h.settle();
  const opened = h.fake.views.at(-1);
  if (!opened) throw new Error('no modal opened');
  const res = await h.slack.submitView({
    user,
    view: fillView({ ...opened.view, id: opened.id }, { reason: 'Phoned: needs help', ...answers }),
  });
  expect(res.body).toBe('');
  await h.settle();
}

/** A roster with `patches` patches of `clients` clients, each with an 08:00 visit, and the usual people. */
export function bigRoster(patches: number, clients: number): string {
  const lines = [
    'timezone: Europe/London',
    'admins: [U0ADMIN1]',
    'thresholds: { late_minutes: 10, missed_minutes: 30 }',
    'supervisors:',
    '  channel: C0SUPERV1',
    '  members: [U0SUPER1, U0SUPER2]',
    '  on_call:',
    '    weekly:',
    '      - { days: daily, from: "08:00", to: "20:00", user: U0SUPER1 }',
    'patches:',
  ];
  for (let p = 1; p <= patches; p++) {
    const code = `P${String(p).padStart(3, '0')}`;
    const assistants = p === 1 ? '[U0ALICE1, U0BOB0001]' : `[U0${code}A, U0${code}B]`;
    lines.push(
      `  - code: ${code}`,
      `    name: Patch ${p}`,
      `    channel: C0${code}X`,
      `    assistants: ${assistants}`,
      '    clients:',
    );
    for (let c = 1; c <= clients; c++) {
      lines.push(
        `      - code: ${code}-${String(c).padStart(2, '0')}`,
        `        name: Client ${p}-${c}`,
        `        key_worker: ${p === 1 ? (c % 2 ? 'U0ALICE1' : 'U0BOB0001') : `U0${code}A`}`,
        '        visits:',
        '          - { at: "08:00", days: daily, minutes: 30, purpose: Breakfast }',
      );
    }
  }
  const dir = mkdtempSync(join(tmpdir(), 'patchbot-home-'));
  const path = join(dir, 'roster.yml');
  writeFileSync(path, `${lines.join('\n')}\n`);
  return path;
}
