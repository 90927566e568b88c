import type { IncomingMessage } from 'node:http';

/**
 * The whole request body, as the fake servers need it (real bytes, no parsing). A client that goes
 * away mid-body yields what arrived: the fake's answer then goes nowhere, and no test process dies
 * of an unhandled rejection.
 */
export async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  try {
    for await (const c of req) chunks.push(c as Buffer);
  } catch {
    // aborted: keep what arrived
  }
  return Buffer.concat(chunks);
}
