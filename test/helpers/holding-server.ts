// A WeChat endpoint that holds the first delivery of each push unanswered and answers `success` to
// the next one, as `wxbot serve`'s retry window does with a slow answer: for the clients that
// deliver again like WeChat (the UI phone, `wxbot test --url`, `wxbot replay`). Their callers give each
// delivery a second: the held one costs that, and the answered one must not miss it on a loaded machine.
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface HoldingServer {
  /** The webhook URL, http://127.0.0.1:<port>/wechat. */
  url: string;
  /** Every request's URL (path and signed query), in arrival order. */
  seen: string[];
  close(): Promise<void>;
}

export async function startHoldingServer(): Promise<HoldingServer> {
  const seen: string[] = [];
  const held: ServerResponse[] = [];
  const server = createServer((req, res) => {
    seen.push(req.url ?? '');
    // A delivery is told from the next one of the same push by its query, which WeChat repeats.
    if (seen.filter((u) => u === req.url).length === 1) return void held.push(res);
    res.writeHead(200, { 'content-type': 'text/plain' }).end('success');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/wechat`,
    seen,
    async close() {
      for (const res of held) res.destroy();
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}
