import type { ServerResponse } from 'node:http';

export const TEXT = 'text/plain; charset=utf-8';
export const XML = 'application/xml; charset=utf-8';

/**
 * The respond step: one response with its length, in one write. `ascii` says a string body is
 * ASCII (its length is its byte count); `close` asks the client to close the connection.
 */
export function sendOut(
  res: ServerResponse,
  status: number,
  body: string | Buffer,
  type: string,
  close: boolean,
  ascii: boolean,
): void {
  if (res.headersSent || res.destroyed) return;
  // A flat [name, value, ...] list: Node walks it without enumerating an object's keys.
  const length = typeof body !== 'string' || ascii ? body.length : Buffer.byteLength(body);
  res.writeHead(
    status,
    close
      ? ['content-type', type, 'content-length', length, 'connection', 'close']
      : ['content-type', type, 'content-length', length],
  );
  // A Buffer would go out as a second chunk (a writev behind a cork); as a latin1 string, which
  // keeps every byte, Node joins it to the header and writes both in one call. An ASCII string
  // goes as latin1 too: its bytes are copied, with no UTF-8 length to find and no encoding.
  if (typeof body !== 'string') res.end(body.toString('latin1'), 'latin1');
  else if (ascii) res.end(body, 'latin1');
  else res.end(body);
}

export function isAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 127) return false;
  return true;
}
