import type { App, BlockAction, ButtonAction } from '@slack/bolt';
import type { Deps } from '../deps.ts';
import { visitButton } from '../visits/listeners.ts';
import { ALERT_ACTIONS } from './views.ts';

/** The alert's own buttons: Arrived, and I'm on my way. */
export function registerAlerts(app: App, deps: Deps): void {
  app.action<BlockAction<ButtonAction>>(ALERT_ACTIONS.arrived, visitButton(deps, { type: 'arrive' }));
  app.action<BlockAction<ButtonAction>>(ALERT_ACTIONS.onway, visitButton(deps, { type: 'onway' }));
}
