/**
 * WeChat's timing for one message (protocol.md §5.3), played over real HTTP: the same signed request
 * delivered up to three times, each given `windowMs` and then abandoned, each to the next replica.
 */
import { request } from 'node:http';
import { parseReply } from '../../src/protocol/replies.js';
import { buildPush } from '../server/client.js';

export interface Delivery {
  n: number;
  /** answered: a body came back; closed: the server closed without one; abandoned: we gave up at the window. */
  outcome: 'answered' | 'closed' | 'abandoned';
  body?: string;
  ms: number;
}

export interface Played {
  deliveries: Delivery[];
  /** The delivery that got a body, if any. */
  answeredBy?: number;
  /** The text of that body: a text reply's Content, or `success`. */
  answer?: string;
}

function once(url: string, body: string, windowMs: number): Promise<Omit<Delivery, 'n'>> {
  const started = Date.now();
  return new Promise((resolve) => {
    let settled = false;
    const end = (d: Omit<Delivery, 'n' | 'ms'>) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({ ...d, ms: Date.now() - started });
    };
    const req = request(
      url,
      { method: 'POST', headers: { 'content-type': 'text/xml', 'content-length': Buffer.byteLength(body) } },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => {
          text += c;
        });
        res.on('end', () => end({ outcome: 'answered', body: text }));
        res.on('error', () => end({ outcome: 'closed' }));
      },
    );
    const timer = setTimeout(() => {
      end({ outcome: 'abandoned' });
      req.destroy();
    }, windowMs);
    req.on('error', () => end({ outcome: 'closed' }));
    req.end(body);
  });
}

/** Plays up to three deliveries of `xml` (plaintext mode) to `bases` in turn. */
export async function playWechat(bases: string[], xml: string, token: string, windowMs: number): Promise<Played> {
  const p = buildPush('', xml, 'plain', { token });
  const deliveries: Delivery[] = [];
  for (let n = 1; n <= 3; n++) {
    const started = Date.now();
    const d = { n, ...(await once(`${bases[(n - 1) % bases.length]}${p.url}`, p.body, windowMs)) };
    deliveries.push(d);
    if (d.outcome === 'answered') {
      const answer = d.body === 'success' || d.body === '' ? 'success' : textOf(d.body!);
      return { deliveries, answeredBy: n, answer };
    }
    // WeChat re-sends when its 5 s are up, not when the server hung up earlier.
    const left = windowMs - (Date.now() - started);
    if (left > 0) await new Promise((r) => setTimeout(r, left));
  }
  return { deliveries };
}

function textOf(xml: string): string {
  const r = parseReply(xml);
  return r.MsgType === 'text' ? r.Content : `[${r.MsgType}]`;
}
