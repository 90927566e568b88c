// A faulty Tuling123 v2 endpoint on 127.0.0.1 (real node:http, port 0) for the provider-fault phase
// of the soak. It speaks the documented protocol (protocol.md §7.2/§7.3: POST JSON with
// perception.inputText.text and userInfo.apiKey/userId; answers {"intent":{...},"results":[...]})
// and fails one call in five (by default), rotating through three ways of timing out:
//   hang   accepts the request and never answers
//   late   answers correctly, but only after `lateMs` (far beyond any reply budget)
//   stall  sends the headers and half of the JSON body, then nothing
// Every other call is answered after a short random delay with a text result.
// The fate of each call is recorded by its input text, so the soak can check every reply exactly.
import { createServer } from 'node:http';

export const SOAK_TULING_KEY = '5oak0123456789abcdef0123456789ab';
export const TULING_PATH = '/openapi/api/v2';
export const answerFor = (text) => `图灵收到：${text}`;
const FAULTS = ['hang', 'late', 'stall'];

export async function startFaultProvider({ faultEvery = 5, lateMs = 10_000, maxDelayMs = 300 } = {}) {
  const fates = new Map();
  const counts = { calls: 0, ok: 0, hang: 0, late: 0, stall: 0, invalid: 0, closedEarly: 0 };
  const timers = new Set();
  const later = (ms, fn, res) => {
    const t = setTimeout(() => {
      timers.delete(t);
      fn();
    }, ms);
    timers.add(t);
    // The caller gave up (the server's reply budget aborts the request): nothing left to do.
    res.on('close', () => {
      clearTimeout(t);
      timers.delete(t);
      if (!res.writableFinished) counts.closedEarly++;
    });
  };
  const server = createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const json = (value) =>
        res.writeHead(200, { 'content-type': 'application/json;charset=UTF-8' }).end(JSON.stringify(value));
      if (req.method !== 'POST' || req.url !== TULING_PATH) return void res.writeHead(404).end();
      let body;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        counts.invalid++;
        return json({ intent: { code: 4000 } });
      }
      const invalid = (code) => {
        counts.invalid++;
        return json({ intent: { code } });
      };
      const text = body?.perception?.inputText?.text;
      const u = body?.userInfo;
      // What the real API checks first (§7.2): the key, a userId of 1-32 letters/digits, 1-128 characters of text.
      if (u?.apiKey !== SOAK_TULING_KEY) return invalid(4007);
      if (typeof u.userId !== 'string' || !/^[A-Za-z0-9]{1,32}$/.test(u.userId)) return invalid(4400);
      if (typeof text !== 'string' || !text.trim() || text.length > 128) return invalid(4000);
      const n = counts.calls++;
      const fate = n % faultEvery === faultEvery - 1 ? FAULTS[Math.floor(n / faultEvery) % FAULTS.length] : 'ok';
      counts[fate]++;
      fates.set(text, fate);
      const answer = {
        intent: { code: 10004, intentName: '', actionName: '', parameters: {} },
        results: [{ groupType: 0, resultType: 'text', values: { text: answerFor(text) } }],
      };
      if (fate === 'ok') return later(Math.floor(Math.random() * maxDelayMs), () => json(answer), res);
      if (fate === 'late') return later(lateMs, () => json(answer), res);
      if (fate === 'stall') {
        const full = JSON.stringify(answer);
        res.writeHead(200, {
          'content-type': 'application/json;charset=UTF-8',
          'content-length': Buffer.byteLength(full),
        });
        res.write(full.slice(0, full.length >> 1));
      }
      // hang (and the rest of a stalled body): wait for the caller to give up.
      res.on('close', () => {
        if (!res.writableFinished) counts.closedEarly++;
      });
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${server.address().port}`;
  return {
    url: `${origin}${TULING_PATH}`,
    counts,
    /** 'ok' | 'hang' | 'late' | 'stall' for a text the provider was asked, undefined if it never was. */
    fateOf: (text) => fates.get(text),
    close: () =>
      new Promise((resolve) => {
        for (const t of timers) clearTimeout(t);
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
