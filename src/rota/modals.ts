import type { ModalView } from '@slack/types';
import { context } from '../slack/blocks.ts';
import { NOT_NEEDED_REASONS } from '../visits/model.ts';

export const NOT_NEEDED_CALLBACK = 'visit_not_needed';

/** Not needed: a reason from a short list, so the record says why and the alerts stay quiet. */
export function notNeededModal(visitId: number): ModalView {
  return {
    type: 'modal',
    callback_id: NOT_NEEDED_CALLBACK,
    private_metadata: JSON.stringify({ visitId }),
    title: { type: 'plain_text', text: 'Visit not needed' },
    submit: { type: 'plain_text', text: 'Mark not needed' },
    close: { type: 'plain_text', text: 'Back' },
    blocks: [
      context('The visit comes off today’s work and is never alerted as late or missed.'),
      {
        type: 'input',
        block_id: 'reason',
        label: { type: 'plain_text', text: 'Why is it not needed?' },
        element: {
          type: 'radio_buttons',
          action_id: 'value',
          options: Object.entries(NOT_NEEDED_REASONS).map(([value, text]) => ({
            text: { type: 'plain_text', text: text.charAt(0).toUpperCase() + text.slice(1) },
            value,
          })),
        },
      },
    ],
  };
}
