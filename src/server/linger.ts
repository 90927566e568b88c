import type { IncomingMessage } from 'node:http';

const LINGER_MS = 2000;
const LINGER_BYTES = 8 * 1024 * 1024;

/**
 * Lingering close (RFC 9112 §9.6) for a response that refuses a body still on its way (413, 408).
 * Node destroys the socket as soon as a `connection: close` response is flushed; bytes the client is
 * still sending then hit a closed socket, the kernel answers with a reset, and the client gets
 * EPIPE/ECONNRESET instead of the 413 (seen in the soak: ~2% of oversized bodies under load). Here
 * the socket half-closes instead and the rest of the body is read and dropped until the client is
 * done, for at most 2 s or 8 MiB.
 */
export function lingerOnClose(req: IncomingMessage): void {
  const socket = req.socket as IncomingMessage['socket'] & { destroySoon?: () => void };
  const destroySoon = socket.destroySoon;
  if (req.complete || socket.destroyed || typeof destroySoon !== 'function') return;
  // node:http calls destroySoon() once the last response is flushed (_http_server resOnFinish).
  socket.destroySoon = () => {
    socket.destroySoon = destroySoon;
    socket.end();
    let dropped = 0;
    const stop = () => {
      clearTimeout(timer);
      socket.destroy();
    };
    const timer = setTimeout(stop, LINGER_MS);
    req.on('data', (chunk: Buffer) => {
      dropped += chunk.length;
      if (dropped > LINGER_BYTES) stop();
    });
    req.once('end', stop);
    socket.once('end', stop);
    socket.once('close', () => clearTimeout(timer));
    req.resume();
  };
}
