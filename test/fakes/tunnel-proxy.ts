/**
 * A stand-in for a tunnel's public edge: a reverse proxy on 127.0.0.1 that forwards every request to
 * a local port, as ngrok/frp/cpolar do. The target may be set after requests arrive (they wait), so a
 * test can learn the port a child process picked from its output. A dead target answers like ngrok:
 * 502 with ERR_NGROK_8012.
 */
import { createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import { readBody } from './read-body.js';

export interface TunnelProxy {
  /** The "public" base URL, e.g. http://127.0.0.1:41234 */
  url: string;
  port: number;
  setTarget(port: number): void;
  /** Every request seen, in order. */
  requests: { method: string; url: string; status: number }[];
  close(): Promise<void>;
}

export async function startTunnelProxy(target?: number): Promise<TunnelProxy> {
  let targetPort = target;
  let waiting: (() => void)[] = [];
  const requests: TunnelProxy['requests'] = [];

  const forward = (req: IncomingMessage, res: ServerResponse, body: Buffer) => {
    const entry = { method: req.method ?? '', url: req.url ?? '', status: 0 };
    requests.push(entry);
    const up = request(
      {
        host: '127.0.0.1',
        port: targetPort,
        method: req.method,
        path: req.url,
        headers: {
          ...req.headers,
          'x-forwarded-proto': 'https',
          'x-forwarded-for': '203.0.113.7',
          'content-length': String(body.length),
        },
      },
      (upRes) => {
        entry.status = upRes.statusCode ?? 0;
        res.writeHead(upRes.statusCode ?? 502, upRes.headers);
        upRes.pipe(res);
      },
    );
    up.on('error', () => {
      entry.status = 502;
      res.writeHead(502, { 'content-type': 'text/html', 'ngrok-error-code': 'ERR_NGROK_8012' });
      res.end(
        '<html><body>Traffic was successfully tunneled to the ngrok agent, but the agent failed to establish a connection to the upstream web service. ERR_NGROK_8012</body></html>',
      );
    });
    up.end(body);
  };

  const server = createServer((req, res) => {
    void readBody(req).then((bytes) => {
      const body = bytes;
      if (targetPort !== undefined) forward(req, res, body);
      else waiting.push(() => forward(req, res, body));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    setTarget(p) {
      targetPort = p;
      const w = waiting;
      waiting = [];
      for (const go of w) go();
    },
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
