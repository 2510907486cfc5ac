import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { getResponse } from 'msw';
import { FakeSlack, type FakeSlackOptions } from './fake-slack.ts';

/**
 * The Slack stand-in behind a real HTTP server on loopback, so a separate process (the real bin, a
 * crashing child) can be pointed at it with SLACK_API_URL.
 */
export async function startFakeSlackHttp(
  opts: Omit<FakeSlackOptions, 'apiUrl'> = {},
): Promise<{ fake: FakeSlack; apiUrl: string; close: () => Promise<void> }> {
  let fake: FakeSlack | undefined;
  const server: Server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const f = fake as FakeSlack;
    const request = new Request(`${f.apiUrl.replace(/\/api\/$/, '')}${req.url}`, {
      method: req.method ?? 'POST',
      headers: req.headers as Record<string, string>,
      body: Buffer.concat(chunks),
    });
    const response = (await getResponse(f.handlers, request)) ?? new Response('not found', { status: 404 });
    res.writeHead(response.status, Object.fromEntries(response.headers));
    res.end(Buffer.from(await response.arrayBuffer()));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const apiUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/`;
  fake = new FakeSlack({ ...opts, apiUrl });
  return {
    fake,
    apiUrl,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
