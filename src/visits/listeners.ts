import type { AllMiddlewareArgs, BlockAction, ButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { answerPrivately } from '../slack/answer.ts';
import { idOf } from '../slack/view-state.ts';
import type { PersonTransition } from './model.ts';
import { changeVisit, type HubDeps, refusalText } from './service.ts';

/** What a visit button needs: the hub, and a way to deliver at once. */
export type VisitDeps = HubDeps & { wake(): void };

/**
 * The one way a button changes a visit, for every capability's buttons: ack, change it through the
 * hub, deliver at once, and answer privately only when nothing changed.
 */
export function visitButton(deps: VisitDeps, transition: PersonTransition) {
  return async ({
    ack,
    action,
    body,
    respond,
  }: SlackActionMiddlewareArgs<BlockAction<ButtonAction>> & AllMiddlewareArgs): Promise<void> => {
    await ack();
    await pressVisit(deps, idOf(action.value), transition, body.user.id, respond);
  };
}

/** Applies a press to a visit (from a button or a menu) and answers privately when nothing changed. */
export async function pressVisit(
  deps: VisitDeps,
  visitId: number | null,
  transition: PersonTransition,
  userId: string,
  respond: Parameters<typeof answerPrivately>[0],
  rev?: number,
): Promise<void> {
  if (visitId === null) {
    await answerPrivately(respond, 'This visit no longer exists.');
    return;
  }
  const result = changeVisit(deps, visitId, transition, userId, rev === undefined ? {} : { rev });
  deps.wake();
  if (!result.ok) await answerPrivately(respond, refusalText(deps.db, result, transition));
}
