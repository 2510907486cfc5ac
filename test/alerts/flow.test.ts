import { describe, expect, it } from 'vitest';
import {
  ALICE,
  BOB,
  fillView,
  type Harness,
  PATCH,
  SUPERVISORS,
  TEAM,
  useFlowHarness,
} from '../support/harness.ts';
import type { FakeMessage } from '../support/slack/fake-slack.ts';

const flow = useFlowHarness();
let h: Harness;

const text = (m: FakeMessage | undefined) =>
  (m?.blocks ?? [])
    .filter((b) => b.type === 'section' || b.type === 'context')
    .map((b) => (b.text as { text: string } | undefined)?.text ?? JSON.stringify(b.elements))
    .join('\n');
const alertsFor = (client: string) =>
  h.fake.messages(PATCH).filter((m) => /^(Late|Missed) visit/.test(m.text) && m.text.includes(client));
const buttons = (m: FakeMessage | undefined) =>
  (m?.blocks ?? [])
    .filter((b) => b.type === 'actions')
    .flatMap((b) => (b.elements as Array<{ action_id: string }>).map((e) => e.action_id));

describe('late and missed visits', () => {
  it('one alert goes late, then missed, then arrived, updated in place, and the supervisors hear of it', async () => {
    h = await flow.start({ at: '2026-11-23T06:00:00Z', roster: TEAM });
    await h.tickAt('2026-11-23T06:00:00Z');
    await h.tickAt('2026-11-23T08:09:00Z');
    expect(alertsFor('Mrs P')).toHaveLength(0);

    await h.tickAt('2026-11-23T08:10:00Z'); // time-critical: late after 10 minutes
    const [alert] = alertsFor('Mrs P');
    expect(text(alert)).toContain(':warning: *Late visit* · *Mrs P* · 08:00 Morning wake-up');
    expect(text(alert)).toContain('<@U0ALICE1>: nobody has checked in yet');
    expect(buttons(alert)).toEqual(['alert_arrived', 'alert_onway', 'medissue_open']);

    await h.slack.action({
      user: ALICE,
      channel: PATCH,
      actionId: 'alert_onway',
      message: structuredClone(alert as FakeMessage),
    });
    await h.settle();
    expect(text(alertsFor('Mrs P')[0])).toContain('<@U0ALICE1> is on the way (since 08:10)');

    await h.tickAt('2026-11-23T08:30:00Z'); // missed after 30 (roster), on my way notwithstanding
    expect(alertsFor('Mrs P')).toHaveLength(1);
    const missed = alertsFor('Mrs P')[0];
    expect(text(missed)).toContain(':red_circle: *Missed visit*');
    expect(text(missed)).toContain('<@U0ALICE1> <@U0BOB0001>: nobody has checked in');
    const call = h.fake.replies(PATCH, missed?.ts ?? '');
    expect(call.at(-1)?.text).toContain('<@U0ALICE1> <@U0BOB0001> the 08:00 visit to *Mrs P* is missed');
    const notes = () => h.fake.messages(SUPERVISORS).filter((m) => m.text.includes('Mrs P'));
    expect(notes()).toHaveLength(1);
    expect(text(notes()[0])).toContain('*Missed visit* · Westbury North');

    h.clock.set(Date.parse('2026-11-23T08:37:00Z'));
    await h.slack.action({
      user: BOB,
      channel: PATCH,
      actionId: 'alert_arrived',
      message: structuredClone(missed as FakeMessage),
    });
    await h.settle();
    expect(alertsFor('Mrs P')).toHaveLength(1);
    expect(text(alertsFor('Mrs P')[0])).toContain('*Arrived 08:37*, 37 min late · <@U0BOB0001>');
    expect(buttons(alertsFor('Mrs P')[0])).toEqual(['medissue_open']);
    expect(text(notes()[0])).toContain(
      '*Resolved* by <@U0BOB0001> at 08:37: <@U0BOB0001> arrived at 08:37, 37 min late',
    );
    expect(h.fake.messages(SUPERVISORS)).toHaveLength(2); // Mrs P's and Mr K's, once each
  });

  it('catches up after downtime: stopped at 06:30, started at 08:40 → the digest once, the missed visit once', async () => {
    h = await flow.start({ at: '2026-11-23T06:00:00Z', roster: TEAM });
    await h.tickAt('2026-11-23T06:30:00Z');
    await h.restart();
    await h.tickAt('2026-11-23T08:40:00Z');
    await h.tickAt('2026-11-23T08:41:00Z');
    expect(h.fake.messages(PATCH).filter((m) => m.text.startsWith('Rota for'))).toHaveLength(1);
    const alerts = alertsFor('Mrs P');
    expect(alerts).toHaveLength(1);
    expect(alerts[0]?.text).toContain('Missed');
    expect(h.fake.messages(SUPERVISORS)).toHaveLength(3); // the three missed visits, once each
    // A second restart changes nothing.
    await h.restart();
    await h.tickAt('2026-11-23T08:42:00Z');
    expect(alertsFor('Mrs P')).toHaveLength(1);
    expect(h.fake.messages(PATCH).filter((m) => m.text.startsWith('Rota for'))).toHaveLength(1);
  });

  it('stopped at 07:55 after the 07:00 digest, started at 08:40: no second digest, the 08:00 visits missed once', async () => {
    h = await flow.start({ at: '2026-11-23T06:00:00Z', roster: TEAM });
    await h.tickAt('2026-11-23T06:00:00Z');
    await h.tickAt('2026-11-23T07:00:00Z');
    await h.tickAt('2026-11-23T07:55:00Z');
    const rotaPosts = () => h.fake.posts(PATCH).filter((c) => String(c.args.text).startsWith('Rota for'));
    expect(rotaPosts()).toHaveLength(1);
    await h.restart();
    await h.tickAt('2026-11-23T08:40:00Z');
    await h.tickAt('2026-11-23T08:41:00Z');
    expect(rotaPosts()).toHaveLength(1);
    const missed = h.fake.messages(PATCH).filter((m) => m.text.startsWith('Missed visit'));
    expect(missed.map((m) => m.text.split(' (')[0]).sort()).toEqual([
      'Missed visit: Mr K 08:00',
      'Missed visit: Mrs D 08:05',
      'Missed visit: Mrs P 08:00',
    ]);
    expect(h.fake.posts(PATCH).filter((c) => String(c.args.text).startsWith('Late visit'))).toHaveLength(0);
  });

  it('a 10-minute Slack outage while three alerts fall due: three posts after it, none twice', async () => {
    h = await flow.start({ at: '2026-11-23T06:00:00Z', roster: TEAM });
    await h.tickAt('2026-11-23T07:00:00Z');
    h.fake.outage(true);
    for (let m = 8; m <= 18; m++) await h.tickAt(Date.parse('2026-11-23T08:00:00Z') + m * 60_000);
    expect(alertsFor('Mr')).toHaveLength(0);
    h.fake.outage(false);
    await h.tickAt('2026-11-23T08:25:00Z');
    const late = h.fake.messages(PATCH).filter((m) => m.text.startsWith('Late visit'));
    expect(late.map((m) => m.text.split(' (')[0]).sort()).toEqual([
      'Late visit: Mr K 08:00',
      'Late visit: Mrs D 08:05',
      'Late visit: Mrs P 08:00',
    ]);
    await h.tickAt('2026-11-23T08:26:00Z');
    expect(h.fake.messages(PATCH).filter((m) => m.text.startsWith('Late visit'))).toHaveLength(3);
  });

  it('a sweep cut off half way (the process died) loses nothing and doubles nothing when it runs again', async () => {
    h = await flow.start({ at: '2026-11-23T06:00:00Z', roster: TEAM });
    await h.tickAt('2026-11-23T07:00:00Z');
    // The second alert's write fails, as if the process were killed between two visits' transactions.
    h.bot.db.$client.exec(`CREATE TRIGGER die BEFORE INSERT ON slack_messages WHEN NEW.subject = 'alert:2'
      BEGIN SELECT RAISE(ABORT, 'killed'); END;`);
    await h.tickAt('2026-11-23T08:10:00Z');
    h.bot.db.$client.exec('DROP TRIGGER die');
    await h.restart();
    await h.tickAt('2026-11-23T08:11:00Z');
    const late = h.fake.messages(PATCH).filter((m) => m.text.startsWith('Late visit'));
    expect(late.map((m) => m.text.split(' (')[0]).sort()).toEqual([
      'Late visit: Mr K 08:00',
      'Late visit: Mrs P 08:00',
    ]);
  });
});

describe('unclaimed pop-backs', () => {
  it('are re-announced once after 20 minutes, then go to the supervisors, and both update when claimed', async () => {
    h = await flow.start({ at: '2026-11-23T10:00:00Z', roster: TEAM });
    const work = () => h.fake.messages(PATCH).filter((m) => !m.text.startsWith('Rota for'));
    await h.slack.command({ command: '/popback', text: 'Mr K', channel_id: PATCH, user_id: ALICE });
    await h.settle();
    const opened = h.fake.views.at(-1);
    if (!opened) throw new Error('no modal');
    await h.slack.submitView({
      user: ALICE,
      view: fillView({ ...opened.view, id: opened.id }, { reason: 'Bin day' }),
    });
    await h.settle();
    await h.tickAt('2026-11-23T10:19:00Z');
    expect(work()).toHaveLength(1);
    await h.tickAt('2026-11-23T10:20:00Z');
    const nudge = work()[1];
    expect(text(nudge)).toContain('*Still unclaimed:* Pop-back for *Mr K*');
    expect(text(nudge)).toContain('<@U0ALICE1> <@U0BOB0001> can one of you take it?');
    await h.tickAt('2026-11-23T10:30:00Z');
    expect(work()).toHaveLength(2);
    expect(h.fake.messages(SUPERVISORS)).toHaveLength(0);
    await h.tickAt('2026-11-23T10:40:00Z');
    expect(text(h.fake.messages(SUPERVISORS)[0])).toContain('*Unclaimed pop-back* · Westbury North');
    await h.slack.action({
      user: BOB,
      channel: PATCH,
      actionId: 'popback_claim',
      message: structuredClone(nudge as FakeMessage),
    });
    await h.settle();
    expect(text(work()[1])).toContain('Claimed by <@U0BOB0001> at 10:40');
    expect(text(h.fake.messages(SUPERVISORS)[0])).toContain('claimed by <@U0BOB0001> at 10:40');
    expect(text(work()[0])).toContain('*Claimed* by <@U0BOB0001>');
    await h.tickAt('2026-11-23T11:30:00Z');
    expect(h.fake.posts(PATCH)).toHaveLength(3); // the card, the reminder, and the day's digest
    expect(h.fake.messages(SUPERVISORS)).toHaveLength(1);
  });
});
