import { dayjs, localTime } from '../../src/time.ts';

/** Turns Block Kit into readable text for the demo: what a person would see in the channel. */

type Obj = Record<string, unknown>;

const EMOJI: Record<string, string> = {
  large_orange_circle: '🟠',
  large_blue_circle: '🔵',
  house: '🏠',
  white_check_mark: '✅',
  no_entry_sign: '🚫',
  warning: '⚠️',
  rotating_light: '🚨',
  red_circle: '🔴',
  pill: '💊',
  calendar: '📅',
  hourglass_flowing_sand: '⏳',
  running: '🏃',
  bell: '🔔',
  runner: '🏃',
  busts_in_silhouette: '👥',
  grey_question: '❔',
  thread: '🧵',
  alarm_clock: '⏰',
  raising_hand: '🙋',
  information_source: 'ℹ️',
  stethoscope: '🩺',
  x: '❌',
  leftwards_arrow_with_hook: '↩️',
};

export interface Names {
  users: Record<string, string>;
  channels: Record<string, string>;
  /** The provider's zone, to show a date-and-time picker's value as the person would see it. */
  zone?: string;
}

export function plain(mrkdwn: string, names: Names): string {
  return mrkdwn
    .replace(/<@([UW][A-Z0-9]+)>/g, (_, id: string) => `@${names.users[id] ?? id}`)
    .replace(/<#([CG][A-Z0-9]+)(\|[^>]*)?>/g, (_, id: string) => `#${names.channels[id] ?? id}`)
    .replace(/<!here>/g, '@here')
    .replace(/:([a-z_]+):/g, (m, name: string) => EMOJI[name] ?? m)
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

const textOf = (t: unknown): string => (t && typeof t === 'object' ? String((t as Obj).text ?? '') : '');

/**
 * One message as indented lines: sections, context in grey brackets, buttons as [ Label ], an overflow
 * menu as [ ⋯ First | Second ].
 */
export function renderBlocks(blocks: unknown[] | undefined, fallback: string, names: Names): string[] {
  if (!blocks || blocks.length === 0) return plain(fallback, names).split('\n');
  const lines: string[] = [];
  for (const raw of blocks) {
    const b = raw as Obj;
    switch (b.type) {
      case 'header':
        lines.push(`== ${plain(textOf(b.text), names)} ==`);
        break;
      case 'section': {
        if (b.text) lines.push(...plain(textOf(b.text), names).split('\n'));
        for (const f of (b.fields as unknown[] | undefined) ?? []) lines.push(`  ${plain(textOf(f), names)}`);
        const acc = b.accessory as Obj | undefined;
        if (acc?.type === 'button') lines.push(`  [ ${textOf(acc.text)} ]`);
        if (acc?.type === 'overflow') {
          const options = ((acc.options as unknown[] | undefined) ?? []).map((o) => textOf((o as Obj).text));
          lines.push(`  [ ⋯ ${options.join(' | ')} ]`);
        }
        break;
      }
      case 'context':
        lines.push(
          `  (${((b.elements as unknown[]) ?? []).map((e) => plain(textOf(e), names)).join(' · ')})`,
        );
        break;
      case 'actions':
        lines.push(
          `  ${((b.elements as unknown[]) ?? [])
            .map((e) => {
              const el = e as Obj;
              if (el.type === 'static_select') return `[ ${textOf(el.placeholder) || 'Choose'} ▾ ]`;
              return `[ ${textOf(el.text) || String(el.type)} ]`;
            })
            .join(' ')}`,
        );
        break;
      case 'divider':
        lines.push('  ──────────');
        break;
      case 'input':
        lines.push(...inputLines(b, names));
        break;
      default:
        break;
    }
  }
  return lines;
}

/**
 * A form field as a person sees it before filling it in: its label, then the element with what is
 * already chosen: a select as [ Mrs P ▾ ], radio buttons as ◉ chosen ○ not, a text box as [ ____ ].
 */
function inputLines(b: Obj, names: Names): string[] {
  const el = (b.element as Obj | undefined) ?? {};
  const initial = el.initial_option as Obj | undefined;
  const label = `${plain(textOf(b.label), names)}${b.optional ? ' (optional)' : ''}`;
  let shown: string;
  switch (el.type) {
    case 'static_select':
    case 'external_select':
      shown = `[ ${textOf(initial?.text) || textOf(el.placeholder) || 'Choose'} ▾ ]`;
      break;
    case 'radio_buttons':
      shown = ((el.options as Obj[] | undefined) ?? [])
        .map((o) => `${o.value === initial?.value ? '◉' : '○'} ${plain(textOf(o.text), names)}`)
        .join('  ');
      break;
    case 'checkboxes': {
      const ticked = new Set(((el.initial_options as Obj[] | undefined) ?? []).map((o) => o.value));
      shown = ((el.options as Obj[] | undefined) ?? [])
        .map((o) => `${ticked.has(o.value) ? '☑' : '☐'} ${textOf(o.text)}`)
        .join('  ');
      break;
    }
    case 'datepicker':
      shown = `[ 📅 ${String(el.initial_date ?? 'pick a date')} ]`;
      break;
    case 'plain_text_input':
      shown = `[ ${typeof el.initial_value === 'string' ? el.initial_value : textOf(el.placeholder) || '_'.repeat(el.multiline ? 30 : 16)} ]`;
      break;
    case 'number_input':
      shown = `[ ${typeof el.initial_value === 'string' ? el.initial_value : textOf(el.placeholder) || '___'} ]`;
      break;
    case 'timepicker':
      shown = `[ ${typeof el.initial_time === 'string' ? el.initial_time : '--:--'} 🕒 ]`;
      break;
    case 'users_select':
      shown = `[ ${typeof el.initial_user === 'string' ? plain(`<@${el.initial_user}>`, names) : 'Choose a person'} ▾ ]`;
      break;
    case 'multi_users_select': {
      const users = (el.initial_users as string[] | undefined) ?? [];
      shown = `[ ${users.length > 0 ? users.map((u) => plain(`<@${u}>`, names)).join(', ') : 'Choose people'} ▾ ]`;
      break;
    }
    case 'multi_static_select': {
      const chosen = ((el.initial_options as Obj[] | undefined) ?? []).map((o) => textOf(o.text));
      shown = `[ ${chosen.length > 0 ? chosen.join(', ') : textOf(el.placeholder) || 'Choose'} ▾ ]`;
      break;
    }
    case 'datetimepicker': {
      const at = Number(el.initial_date_time) * 1000;
      const zone = names.zone ?? 'UTC';
      shown = Number.isFinite(at)
        ? `[ 📅 ${dayjs(at).tz(zone).format('ddd D MMM')} 🕓 ${localTime(at, zone)} ▾ ]`
        : '[ 📅 date 🕓 time ▾ ]';
      break;
    }
    default:
      shown = `[ ${String(el.type)} ]`;
  }
  const hint = textOf(b.hint);
  return [`${label}: ${shown}`, ...(hint ? [`  (${plain(hint, names)})`] : [])];
}

/** A modal as lines: its title and buttons, then its blocks (see renderBlocks). */
export function renderModal(view: Obj, names: Names): string[] {
  const buttons = [textOf(view.close), textOf(view.submit)].filter(Boolean).map((t) => `[ ${t} ]`);
  const head = `« ${plain(textOf(view.title), names)} »${buttons.length ? `  ${buttons.join(' ')}` : ''}`;
  return [head, ...renderBlocks((view.blocks as unknown[] | undefined) ?? [], '', names)];
}
