import { describe, expect, it } from 'vitest';
import { boltLogger, createLog, errorFields, logWords } from '../src/log.ts';

/** Bolt's logger wired to a log that keeps its lines; returns the `detail` of each line. */
function bolt(): { logger: ReturnType<typeof boltLogger>; details: () => string[]; lines: string[] } {
  const lines: string[] = [];
  const logger = boltLogger(
    createLog('debug', (l) => lines.push(l)),
    'debug',
  );
  return { logger, lines, details: () => lines.map((l) => (JSON.parse(l) as { detail: string }).detail) };
}

const NAMES = ['Okonkw', 'Okonkwo', 'Mrs', 'Rash', 'crossword'];

describe('boltLogger: the library words, never payload text', () => {
  it('drops the quoted payload from a JSON parse error, keeping the words that diagnose it', () => {
    const { logger, details } = bolt();
    logger.warn(
      `Failed to parse body as JSON data ... Unexpected token 'M', "Mrs Okonkw"... is not valid JSON`,
    );
    logger.warn(`Failed to parse the request body: Unexpected token 'M', "Mrs Okonkw"... is not valid JSON`);
    expect(details()).toEqual([
      'Failed to parse body as JSON data ... Unexpected token …, …... is not valid JSON',
      'Failed to parse the request body: …',
    ]);
  });

  it('an Error whose message holds a name logs only its class', () => {
    const { logger, lines } = bolt();
    logger.error(new Error('Mrs Okonkwo refused her tablets'));
    logger.error(new TypeError('Cannot read properties of undefined (reading "Mrs Okonkwo")'));
    const renamed = new Error('x');
    renamed.name = 'Mrs Okonkwo';
    logger.error(renamed);
    expect(lines.map((l) => JSON.parse(l).detail)).toEqual(['Error', 'TypeError', 'Error']);
    expect(errorFields(renamed)).toMatchObject({ error: 'Error' });
  });

  it('drops what follows a colon unless it is a code, and everything after that', () => {
    const { logger, details } = bolt();
    logger.error('Error details: Error: Mrs Okonkwo, storedResponse: undefined');
    logger.debug('ack() call begins (body: Mrs Okonkwo has a rash)');
    logger.debug('Signature verification error: Error: okonkwo');
    logger.error(
      'An unhandled error occurred while Bolt processed (type: block_actions, error: Error: Rash)',
    );
    logger.error('Slack API error: invalid_auth');
    logger.warn('Failed to parse body as JSON data for content-type: application/json');
    logger.error('Failed to retrieve a new WSS URL (error: Error: connect ECONNREFUSED 127.0.0.1:3000)');
    logger.error('HTTP error 500: Internal Server Error');
    expect(details()).toEqual([
      'Error details: …',
      'ack() call begins (body: …',
      'Signature verification error: …',
      'An unhandled error occurred while Bolt processed (type: …',
      'Slack API error: invalid_auth',
      'Failed to parse body as JSON data for content-type: application/json',
      'Failed to retrieve a new WSS URL (error: …',
      'HTTP error 500: …',
    ]);
  });

  it('cuts JSON bodies, query strings and quoted words, and keeps plain library sentences', () => {
    const { logger, details } = bolt();
    logger.debug('Received a message on the WebSocket: {"payload":{"text":"Mrs Okonkwo"}}');
    logger.debug('http request body: {"text":"Mrs Okonkwo"}');
    logger.debug('Calling ack() - type: events_api, envelope_id: 1-x, data: {"text":"Mrs Okonkwo"}');
    logger.info('Unhandled HTTP request (POST) made to /slack/events?text=Mrs+Okonkwo');
    logger.debug(`apiCall('chat.postMessage') start`);
    logger.debug(`Received "disconnect" (refresh_requested) message - disconnecting. Will reconnect.`);
    logger.warn(
      'ack() has already been called. Additional calls will be ignored and may lead to errors in other receivers.',
    );
    logger.info('API Call failed due to rate limiting. Will retry in 30 seconds.');
    logger.warn(`The client can't parse 'Mrs Okonkwo' at all`);
    logger.warn(`Unclosed quote: "Mrs Okonkwo`);
    logger.debug(['Mrs Okonkwo'] as unknown as string, 42, { text: 'Mrs Okonkwo' });
    expect(details()).toEqual([
      'Received a message on the WebSocket: …',
      'http request body: …',
      'Calling ack() - type: events_api, envelope_id: …',
      'Unhandled HTTP request (POST) made to /slack/events?…',
      'apiCall(…) start',
      'Received … (refresh_requested) message - disconnecting. Will reconnect.',
      'ack() has already been called. Additional calls will be ignored and may lead to errors in other receivers.',
      'API Call failed due to rate limiting. Will retry in 30 seconds.',
      "The client can't parse … at all",
      'Unclosed quote: …',
      '[object] [number] [object]',
    ]);
    const all = details().join('\n');
    for (const name of NAMES) expect(all).not.toContain(name);
  });

  it('logWords keeps lines short', () => {
    expect(logWords('An unexpected error '.repeat(20)).length).toBeLessThanOrEqual(160);
  });
});
