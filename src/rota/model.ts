import { addDays, dayjs, isIsoDate, localDate } from '../time.ts';
import type { VisitStatus } from '../visits/model.ts';

/**
 * Pure rules for the fixed-visit rota: what `/rota` accepts, and what can be done to a visit in each
 * state. No Slack, no SQL, no clock. When a plan occurs on a date is patches/model.ts `occurrenceOn`.
 */

/** The local dates whose visits exist ahead of time: today and tomorrow in the provider's zone. */
export function rotaDates(now: number, zone: string): [today: string, tomorrow: string] {
  const today = localDate(now, zone);
  return [today, addDays(today, 1)];
}

/** "Monday 23 November": a local date in words (English, no zone involved). */
export function dayInWords(date: string): string {
  return dayjs.utc(date, 'YYYY-MM-DD').format('dddd D MMMM');
}

/** `/rota` looks at most this many days either side of today. */
export const ROTA_RANGE_DAYS = 62;

export type RotaArgs = { ok: true; date: string; mine: boolean } | { ok: false; message: string };

const QUOTE_MAX = 40;

/**
 * Reads `/rota [today|tomorrow|yesterday|YYYY-MM-DD] [mine]` (either order, any case, extra spaces ok).
 * A refusal is one line that quotes what was typed and shows forms that work.
 */
export function parseRotaArgs(text: string, today: string): RotaArgs {
  const typed = text.trim().replace(/\s+/g, ' ');
  const words = typed === '' ? [] : typed.toLowerCase().split(' ');
  const mine = words.filter((w) => w === 'mine').length;
  const rest = words.filter((w) => w !== 'mine');
  const example = addDays(today, 7);
  const unknown = (): RotaArgs => ({
    ok: false,
    message: `“${quote(typed)}” is not a date I know. Try /rota, /rota tomorrow, /rota ${example} or /rota mine.`,
  });
  if (mine > 1 || rest.length > 1) return unknown();
  const word = rest[0] ?? 'today';
  let date: string;
  if (word === 'today') date = today;
  else if (word === 'tomorrow') date = addDays(today, 1);
  else if (word === 'yesterday') date = addDays(today, -1);
  else if (isIsoDate(word)) date = word;
  else return unknown();
  const first = addDays(today, -ROTA_RANGE_DAYS);
  const last = addDays(today, ROTA_RANGE_DAYS);
  if (date < first || date > last) {
    return {
      ok: false,
      message: `${date} is more than ${ROTA_RANGE_DAYS} days from today. Try a date from ${first} to ${last}.`,
    };
  }
  return { ok: true, date, mine: mine === 1 };
}

/**
 * What was typed, made safe to echo in mrkdwn: clipped, and `&`, `<`, `>` escaped unless Slack already
 * escaped them (slash command text arrives as `&lt;` etc., so escaping must not double up).
 */
function quote(typed: string): string {
  const clipped = typed.length <= QUOTE_MAX ? typed : `${typed.slice(0, QUOTE_MAX - 1)}…`;
  return clipped
    .replace(/&(?!(?:amp|lt|gt);)/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;');
}

/** What a person can do to a fixed visit from the rota. */
export type RotaVerb = 'arrived' | 'done' | 'takeover' | 'notneeded' | 'medissue';

export const ROTA_VERBS = [
  'arrived',
  'done',
  'takeover',
  'notneeded',
  'medissue',
] as const satisfies readonly RotaVerb[];

export const ROTA_VERB_LABEL: Record<RotaVerb, string> = {
  arrived: 'Arrived',
  done: 'Done',
  takeover: 'Take over',
  notneeded: 'Not needed',
  medissue: 'Medication issue',
};

/**
 * The verbs that apply to a visit in `status`, in menu order. Not yet started (open or claimed):
 * Arrived, Take over, Not needed; arrived: Done; finished: nothing. Medication issue is offered on
 * every visit when the capability is switched on.
 */
export function rotaVerbsFor(status: VisitStatus, withMedIssue: boolean): RotaVerb[] {
  const med: RotaVerb[] = withMedIssue ? ['medissue'] : [];
  switch (status) {
    case 'open':
    case 'claimed':
      return ['arrived', 'takeover', 'notneeded', ...med];
    case 'arrived':
      return ['done', ...med];
    case 'done':
    case 'not_needed':
    case 'cancelled':
      return med;
  }
}

/** A fixed visit's state as the rota shows it, most telling first. */
export type RotaState =
  | 'planned'
  | 'unassigned'
  | 'late'
  | 'missed'
  | 'arrived'
  | 'done'
  | 'not_needed'
  | 'cancelled';

export function rotaState(v: {
  status: VisitStatus;
  assignee: string | null;
  alert: 'late' | 'missed' | null;
}): RotaState {
  switch (v.status) {
    case 'arrived':
    case 'done':
    case 'not_needed':
    case 'cancelled':
      return v.status;
    case 'open':
    case 'claimed':
      if (v.alert) return v.alert;
      return v.assignee === null ? 'unassigned' : 'planned';
  }
}
