/**
 * Block Kit checks the fake Slack applies to every message and view, as pure functions.
 * Each returns a list of problems (empty = valid), e.g. `blocks[3].text.text: 3012 chars, more than 3000`.
 * Limits follow /work/shared/SLACK.md §5 (docs.slack.dev block reference and node-sdk @slack/types).
 */

type Obj = Record<string, unknown>;

export const BLOCK_TYPES = [
  'section',
  'actions',
  'context',
  'header',
  'divider',
  'input',
  'rich_text',
  'image',
] as const;

const ELEMENT_TYPES = new Set([
  'button',
  'static_select',
  'multi_static_select',
  'external_select',
  'multi_external_select',
  'users_select',
  'multi_users_select',
  'conversations_select',
  'multi_conversations_select',
  'channels_select',
  'multi_channels_select',
  'overflow',
  'datepicker',
  'timepicker',
  'datetimepicker',
  'plain_text_input',
  'number_input',
  'email_text_input',
  'url_text_input',
  'radio_buttons',
  'checkboxes',
  'image',
  'rich_text_input',
  'file_input',
]);

/** Elements that only make sense inside an `input` block. */
const INPUT_ONLY = new Set([
  'plain_text_input',
  'number_input',
  'email_text_input',
  'url_text_input',
  'rich_text_input',
  'file_input',
]);

export const MAX_MESSAGE_BLOCKS = 50;
export const MAX_VIEW_BLOCKS = 100;

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

class Checker {
  readonly problems: string[] = [];
  fail(path: string, message: string): void {
    this.problems.push(`${path}: ${message}`);
  }
  /** A string field no longer than `max`; `required` also forbids absence and emptiness. */
  str(path: string, v: unknown, max: number, required = false): void {
    if (v === undefined || v === null) {
      if (required) this.fail(path, 'missing');
      return;
    }
    if (typeof v !== 'string') {
      this.fail(path, `must be a string, got ${typeof v}`);
      return;
    }
    if (required && v.length === 0) this.fail(path, 'must not be empty');
    if (v.length > max) this.fail(path, `${v.length} chars, more than ${max}`);
  }
  /** A composition text object `{ type: 'plain_text' | 'mrkdwn', text }`. */
  text(path: string, v: unknown, max: number, opts: { plainOnly?: boolean; required?: boolean } = {}): void {
    if (v === undefined) {
      if (opts.required !== false) this.fail(path, 'missing text object');
      return;
    }
    if (!isObj(v)) {
      this.fail(path, 'text object must be an object');
      return;
    }
    if (v.type !== 'plain_text' && v.type !== 'mrkdwn') {
      this.fail(`${path}.type`, `unknown text object type ${JSON.stringify(v.type)}`);
      return;
    }
    if (opts.plainOnly && v.type !== 'plain_text') this.fail(`${path}.type`, 'must be plain_text');
    this.str(`${path}.text`, v.text, max, true);
  }
  confirm(path: string, v: unknown): void {
    if (v === undefined) return;
    if (!isObj(v)) {
      this.fail(path, 'confirm must be an object');
      return;
    }
    this.text(`${path}.title`, v.title, 100, { plainOnly: true });
    this.text(`${path}.text`, v.text, 300);
    this.text(`${path}.confirm`, v.confirm, 30, { plainOnly: true });
    this.text(`${path}.deny`, v.deny, 30, { plainOnly: true });
  }
  option(path: string, v: unknown, mrkdwn: boolean): void {
    if (!isObj(v)) {
      this.fail(path, 'option must be an object');
      return;
    }
    this.text(`${path}.text`, v.text, 75, { plainOnly: !mrkdwn });
    this.str(`${path}.value`, v.value, 75, true);
    if (v.description !== undefined)
      this.text(`${path}.description`, v.description, 75, { plainOnly: !mrkdwn });
  }
  options(path: string, v: unknown, max: number, mrkdwn = false): void {
    if (!Array.isArray(v)) {
      this.fail(path, 'options must be an array');
      return;
    }
    if (v.length > max) this.fail(path, `${v.length} options, more than ${max}`);
    v.forEach((o, i) => {
      this.option(`${path}[${i}]`, o, mrkdwn);
    });
  }
  element(path: string, el: unknown, inInput: boolean): string | undefined {
    if (!isObj(el)) {
      this.fail(path, 'element must be an object');
      return undefined;
    }
    const type = el.type;
    if (typeof type !== 'string' || !ELEMENT_TYPES.has(type)) {
      this.fail(`${path}.type`, `unknown element type ${JSON.stringify(type)}`);
      return undefined;
    }
    if (!inInput && INPUT_ONLY.has(type))
      this.fail(`${path}.type`, `${type} is only allowed in an input block`);
    this.str(`${path}.action_id`, el.action_id, 255);
    if (el.placeholder !== undefined)
      this.text(`${path}.placeholder`, el.placeholder, 150, { plainOnly: true });
    this.confirm(`${path}.confirm`, el.confirm);
    switch (type) {
      case 'button':
        this.text(`${path}.text`, el.text, 75, { plainOnly: true });
        this.str(`${path}.value`, el.value, 2000);
        this.str(`${path}.url`, el.url, 3000);
        if (el.style !== undefined && el.style !== 'primary' && el.style !== 'danger') {
          this.fail(`${path}.style`, `must be primary or danger, got ${JSON.stringify(el.style)}`);
        }
        break;
      case 'static_select':
      case 'multi_static_select':
        if (el.option_groups !== undefined) {
          if (!Array.isArray(el.option_groups)) this.fail(`${path}.option_groups`, 'must be an array');
          else {
            if (el.option_groups.length > 100) this.fail(`${path}.option_groups`, 'more than 100 groups');
            el.option_groups.forEach((g: unknown, i) => {
              const gp = `${path}.option_groups[${i}]`;
              if (!isObj(g)) {
                this.fail(gp, 'must be an object');
                return;
              }
              this.text(`${gp}.label`, g.label, 75, { plainOnly: true });
              this.options(`${gp}.options`, g.options, 100);
            });
          }
        } else this.options(`${path}.options`, el.options, 100);
        break;
      case 'overflow':
        this.options(`${path}.options`, el.options, 5);
        break;
      case 'checkboxes':
      case 'radio_buttons':
        this.options(`${path}.options`, el.options, 10, true);
        break;
      case 'image':
        this.str(`${path}.alt_text`, el.alt_text, 2000, true);
        break;
    }
    return typeof el.action_id === 'string' ? el.action_id : undefined;
  }
  block(path: string, b: unknown, blockIds: Set<string>): void {
    if (!isObj(b)) {
      this.fail(path, 'block must be an object');
      return;
    }
    const type = b.type;
    if (typeof type !== 'string' || !(BLOCK_TYPES as readonly string[]).includes(type)) {
      this.fail(`${path}.type`, `unknown block type ${JSON.stringify(type)}`);
      return;
    }
    if (b.block_id !== undefined) {
      this.str(`${path}.block_id`, b.block_id, 255, true);
      if (typeof b.block_id === 'string') {
        if (blockIds.has(b.block_id)) this.fail(`${path}.block_id`, `duplicate block_id ${b.block_id}`);
        blockIds.add(b.block_id);
      }
    }
    const actionIds = new Set<string>();
    const element = (p: string, el: unknown, inInput = false) => {
      const id = this.element(p, el, inInput);
      if (id === undefined) return;
      if (actionIds.has(id)) this.fail(`${p}.action_id`, `duplicate action_id ${id} in one block`);
      actionIds.add(id);
    };
    switch (type) {
      case 'section':
        if (b.text === undefined && b.fields === undefined) this.fail(path, 'section needs text or fields');
        if (b.text !== undefined) this.text(`${path}.text`, b.text, 3000);
        if (b.fields !== undefined) {
          if (!Array.isArray(b.fields)) this.fail(`${path}.fields`, 'must be an array');
          else {
            if (b.fields.length > 10) this.fail(`${path}.fields`, `${b.fields.length} fields, more than 10`);
            b.fields.forEach((f: unknown, i) => {
              this.text(`${path}.fields[${i}]`, f, 2000);
            });
          }
        }
        if (b.accessory !== undefined) element(`${path}.accessory`, b.accessory);
        break;
      case 'actions':
        if (!Array.isArray(b.elements) || b.elements.length === 0) {
          this.fail(`${path}.elements`, 'must be a non-empty array');
        } else {
          if (b.elements.length > 25)
            this.fail(`${path}.elements`, `${b.elements.length} elements, more than 25`);
          b.elements.forEach((el: unknown, i) => {
            element(`${path}.elements[${i}]`, el);
          });
        }
        break;
      case 'context':
        if (!Array.isArray(b.elements) || b.elements.length === 0) {
          this.fail(`${path}.elements`, 'must be a non-empty array');
        } else {
          if (b.elements.length > 10)
            this.fail(`${path}.elements`, `${b.elements.length} elements, more than 10`);
          b.elements.forEach((el: unknown, i) => {
            const p = `${path}.elements[${i}]`;
            if (isObj(el) && el.type === 'image') this.str(`${p}.alt_text`, el.alt_text, 2000, true);
            else this.text(p, el, 3000);
          });
        }
        break;
      case 'header':
        this.text(`${path}.text`, b.text, 150, { plainOnly: true });
        break;
      case 'input':
        this.text(`${path}.label`, b.label, 2000, { plainOnly: true });
        if (b.hint !== undefined) this.text(`${path}.hint`, b.hint, 2000, { plainOnly: true });
        if (b.element === undefined) this.fail(`${path}.element`, 'missing');
        else element(`${path}.element`, b.element, true);
        break;
      case 'rich_text':
        if (!Array.isArray(b.elements)) this.fail(`${path}.elements`, 'must be an array');
        break;
      case 'image':
        if (b.image_url === undefined && b.slack_file === undefined) this.fail(path, 'image needs image_url');
        this.str(`${path}.alt_text`, b.alt_text, 2000, true);
        if (b.title !== undefined) this.text(`${path}.title`, b.title, 2000, { plainOnly: true });
        break;
    }
  }
  blocks(path: string, blocks: unknown, max: number): void {
    if (blocks === undefined || blocks === null) return;
    if (!Array.isArray(blocks)) {
      this.fail(path, 'blocks must be an array');
      return;
    }
    if (blocks.length > max) this.fail(path, `${blocks.length} blocks, more than ${max}`);
    const ids = new Set<string>();
    blocks.forEach((b: unknown, i) => {
      this.block(`${path}[${i}]`, b, ids);
    });
  }
}

/** Problems with a message's `blocks` (chat.postMessage, chat.update, chat.postEphemeral, response_url). */
export function checkMessageBlocks(blocks: unknown): string[] {
  const c = new Checker();
  c.blocks('blocks', blocks, MAX_MESSAGE_BLOCKS);
  return c.problems;
}

/** Problems with a view (views.open, views.update, views.push, views.publish). */
export function checkView(view: unknown): string[] {
  const c = new Checker();
  if (!isObj(view)) {
    c.fail('view', 'must be an object');
    return c.problems;
  }
  if (view.type !== 'modal' && view.type !== 'home') {
    c.fail('view.type', `must be modal or home, got ${JSON.stringify(view.type)}`);
  }
  if (!Array.isArray(view.blocks)) c.fail('view.blocks', 'missing');
  c.blocks('view.blocks', view.blocks, MAX_VIEW_BLOCKS);
  if (view.type === 'modal') {
    c.text('view.title', view.title, 24, { plainOnly: true });
    c.text('view.submit', view.submit, 24, { plainOnly: true, required: false });
    c.text('view.close', view.close, 24, { plainOnly: true, required: false });
    const hasInput = Array.isArray(view.blocks) && view.blocks.some((b) => isObj(b) && b.type === 'input');
    if (hasInput && view.submit === undefined)
      c.fail('view.submit', 'required when the view has an input block');
  }
  c.str('view.private_metadata', view.private_metadata, 3000);
  c.str('view.callback_id', view.callback_id, 255);
  c.str('view.external_id', view.external_id, 255);
  return c.problems;
}
