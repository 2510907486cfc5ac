import type {
  AllMiddlewareArgs,
  AnyMiddlewareArgs,
  App,
  BlockAction,
  ButtonAction,
  RespondArguments,
  RespondFn,
  SlackActionMiddlewareArgs,
} from '@slack/bolt';
import { z } from 'zod';
import type { Deps } from '../deps.ts';
import { idOf } from '../slack/view-state.ts';
import { pressVisit } from '../visits/listeners.ts';
import type { PersonTransition } from '../visits/model.ts';
import { notePressInHome, noteVisitPress, openHome } from './service.ts';
import { HOME_ACTIONS } from './views.ts';

/**
 * Bolt handlers for the App Home: the tab opened (events are acknowledged by Bolt at once; a retried
 * event is dropped by the dedupe middleware), the Home's own visit buttons (through the visits hub),
 * and, after any press inside a Home, that person's Home published again.
 */

const UserId = z.string().regex(/^[UW][A-Z0-9]{2,30}$/);
const Opened = z.object({ user: UserId, tab: z.string().optional() });

/** A button pressed inside someone's Home tab (not a modal: those are views too). */
const HomePress = z.object({
  type: z.literal('block_actions'),
  user: z.object({ id: UserId }),
  container: z.object({ type: z.literal('view') }),
  view: z.object({ type: z.literal('home') }),
  actions: z.array(z.object({ action_id: z.string(), value: z.string().optional() })).min(1),
});

export function registerHome(app: App, deps: Deps): void {
  app.event('app_home_opened', async ({ event }) => {
    const opened = Opened.safeParse(event);
    if (!opened.success || opened.data.tab !== 'home') return;
    openHome(deps, opened.data.user);
    deps.wake();
  });
  app.action<BlockAction<ButtonAction>>(HOME_ACTIONS.arrived, homeVisitButton(deps, { type: 'arrive' }));
  app.action<BlockAction<ButtonAction>>(HOME_ACTIONS.done, homeVisitButton(deps, { type: 'done' }));
  app.action<BlockAction<ButtonAction>>(HOME_ACTIONS.claim, homeVisitButton(deps, { type: 'claim' }));
  app.use(async (args) => {
    const { body, next } = args as AnyMiddlewareArgs & { next: () => Promise<void> };
    // Only a button press in a Home is noted: anything else passes without being parsed.
    const press = (body as { type?: unknown }).type === 'block_actions' ? HomePress.safeParse(body) : null;
    try {
      await next();
    } finally {
      if (press?.success) {
        const action = press.data.actions[0] as { action_id: string; value?: string };
        notePressInHome(deps, press.data.user.id, { actionId: action.action_id, value: idOf(action.value) });
        deps.wake();
      }
    }
  });
}

/**
 * Arrived, Done or Claim on the Home: the same hub transition as the channel's buttons (pressVisit).
 * A Home has no private answers, so a refusal is caught and shown on the Home, which is published
 * again once, with the change and its notice together.
 */
function homeVisitButton(deps: Deps, transition: PersonTransition) {
  return async ({
    ack,
    action,
    body,
  }: SlackActionMiddlewareArgs<BlockAction<ButtonAction>> & AllMiddlewareArgs): Promise<void> => {
    await ack();
    const userId = body.user.id;
    const visitId = idOf(action.value);
    let refusal = null as string | null;
    const caught = (async (message: string | RespondArguments) => {
      refusal = typeof message === 'string' ? message : (message.text ?? '');
    }) as unknown as RespondFn;
    await pressVisit({ ...deps, wake: () => {} }, visitId, transition, userId, caught);
    noteVisitPress(deps, userId, visitId, refusal);
    deps.wake();
  };
}
