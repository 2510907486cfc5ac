import type { View } from '@slack/types';
import type { WebClient } from '@slack/web-api';
import { errorFields, type Fields, type Log } from '../log.ts';

/**
 * Opens a modal on a trigger. The trigger expires 3 s after the press, so nothing slow may come
 * before this. False when Slack did not open it (an expired trigger, an outage): the caller says so.
 */
export async function openModal(
  client: WebClient,
  triggerId: string,
  view: View,
  log: Log,
  event: string,
  fields: Fields,
): Promise<boolean> {
  try {
    await client.views.open({ trigger_id: triggerId, view });
    log.info(`${event}_opened`, fields);
    return true;
  } catch (err) {
    log.warn(`${event}_failed`, { ...fields, ...errorFields(err) });
    return false;
  }
}

export const FORM_NOT_OPENED = 'Slack did not open the form in time. Please try again.';
