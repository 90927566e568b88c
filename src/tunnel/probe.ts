import { connect } from 'node:net';
import { TunnelError } from './errors.js';

/**
 * Checks that something accepts TCP connections on the local port before a tunnel is pointed at it
 * (`--to` exposes a server in any language, so a connect is the only fair test).
 */
export async function probeLocalPort(port: number, host = '127.0.0.1', timeoutMs = 2000): Promise<void> {
  const target = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
  await new Promise<void>((resolve, reject) => {
    const socket = connect({ port, host: target });
    const fail = (why: string) => {
      socket.destroy();
      reject(
        new TunnelError(
          'LOCAL_DOWN',
          `nothing is answering on ${target}:${port} (${why})`,
          `Start your server first and check the port (--to ${port}), or drop --to to let wxbot start its own server.`,
        ),
      );
    };
    socket.setTimeout(timeoutMs, () => fail(`no answer within ${timeoutMs} ms`));
    socket.once('error', (e: NodeJS.ErrnoException) =>
      fail(e.code === 'ECONNREFUSED' ? 'connection refused' : (e.code ?? e.message)),
    );
    socket.once('connect', () => {
      socket.end();
      resolve();
    });
  });
}
