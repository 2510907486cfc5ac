/**
 * Builds `view.state.values` the way Slack does on view_submission, from the blocks of a view the app
 * opened (find it in `fake.views`) and answers keyed by block_id.
 */

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

function allOptions(el: Obj): Obj[] {
  const groups = Array.isArray(el.option_groups) ? el.option_groups.filter(isObj) : [];
  const grouped = groups.flatMap((g) => (Array.isArray(g.options) ? g.options : []));
  return [...(Array.isArray(el.options) ? el.options : []), ...grouped].filter(isObj);
}
/** The option of a select/radio/checkboxes/overflow element with this value, as Slack echoes it. */
export function option(el: Obj, value: string, where: string): Obj {
  const o = allOptions(el).find((x) => x.value === value);
  if (!o) throw new Error(`${where}: no option with value ${JSON.stringify(value)}`);
  return o;
}

/** Answers by block_id: a string or string[] for the block's element, or `{ [action_id]: answer }`. */
export type Answer = string | string[] | number | null;
export type Answers = Record<string, Answer | Record<string, Answer>>;

function elementState(el: Obj, answer: Answer | undefined, where: string): Obj {
  const type = String(el.type);
  const given = answer !== undefined;
  const one = (initial: unknown) => (given ? answer : (initial ?? null));
  const many = (initial: unknown) => (given ? (Array.isArray(answer) ? answer : [answer]) : (initial ?? []));
  const opt = (v: unknown) => (v === null || v === undefined ? null : option(el, String(v), where));
  switch (type) {
    case 'static_select':
    case 'external_select':
    case 'radio_buttons':
      return { type, selected_option: given ? opt(answer) : (el.initial_option ?? null) };
    case 'multi_static_select':
    case 'multi_external_select':
    case 'checkboxes':
      return {
        type,
        selected_options: given ? (many(null) as unknown[]).map((v) => opt(v)) : (el.initial_options ?? []),
      };
    case 'timepicker':
      return { type, selected_time: one(el.initial_time) };
    case 'datepicker':
      return { type, selected_date: one(el.initial_date) };
    case 'datetimepicker':
      return { type, selected_date_time: one(el.initial_date_time) };
    case 'users_select':
      return { type, selected_user: one(el.initial_user) };
    case 'multi_users_select':
      return { type, selected_users: many(el.initial_users) };
    case 'conversations_select':
      return { type, selected_conversation: one(el.initial_conversation) };
    case 'multi_conversations_select':
      return { type, selected_conversations: many(el.initial_conversations) };
    case 'channels_select':
      return { type, selected_channel: one(el.initial_channel) };
    case 'multi_channels_select':
      return { type, selected_channels: many(el.initial_channels) };
    default: {
      const v = one(el.initial_value);
      return { type, value: v === null ? null : String(v) };
    }
  }
}

/**
 * `view.state.values` for a view the app opened: every input block's element (answered, else its initial
 * value, else null), plus answered section accessories and actions elements. Throws on unknown block_ids
 * or option values, so a test can't silently answer a question the modal doesn't ask.
 */
export function stateValues(blocks: unknown, answers: Answers = {}): Record<string, Record<string, Obj>> {
  const values: Record<string, Record<string, Obj>> = {};
  const used = new Set<string>();
  (Array.isArray(blocks) ? blocks : []).forEach((b: unknown, i) => {
    if (!isObj(b)) return;
    const blockId = typeof b.block_id === 'string' ? b.block_id : `block_${i}`;
    const els =
      b.type === 'input' ? [b.element] : [b.accessory, ...(Array.isArray(b.elements) ? b.elements : [])];
    const raw = answers[blockId];
    if (raw !== undefined) used.add(blockId);
    els.forEach((el: unknown, j) => {
      if (!isObj(el) || el.type === 'button' || el.type === 'image' || el.type === undefined) return;
      const actionId = typeof el.action_id === 'string' ? el.action_id : `action_${j}`;
      const answer = isObj(raw) ? raw[actionId] : raw;
      if (b.type !== 'input' && answer === undefined) return;
      values[blockId] ??= {};
      values[blockId][actionId] = elementState(el, answer, `${blockId}.${actionId}`);
    });
  });
  const unknown = Object.keys(answers).filter((k) => !used.has(k));
  if (unknown.length > 0)
    throw new Error(`stateValues: no blocks with block_id ${unknown.join(', ')} in the view`);
  return values;
}

/** A copy of `view` (as stored in `fake.views`) with `state.values` filled from `answers`. */
export function fillView(view: Obj, answers: Answers = {}): Obj {
  return { ...view, state: { values: stateValues(view.blocks, answers) } };
}
