// What each worker sends next, and how each answer is judged:
//  - valid: a fresh message of a weighted-random kind (traffic.mjs), judged like WeChat judges a reply
//    (judgeReply: status 200, XML that parses or an envelope that verifies and decrypts, To/From
//    swapped, CreateTime in seconds) and then against the exact reply the demo bot must give;
//  - retry: a recent valid push re-sent byte for byte (WeChat's retry); it must get the same reply
//    as the first delivery, even while that one is still running;
//  - hostile: hostile.mjs, judged by status (and Connection/Allow where documented).
import { randomInt } from 'node:crypto';
import * as wx from '../../dist/index.js';
import { hostileKinds } from './hostile.mjs';
import { replyKey, validKinds, weightedPicker } from './traffic.mjs';

const RING = 512;

function checkHostile(h, secrets) {
  return (res) => {
    const what = `${res.status} ${JSON.stringify(res.body.slice(0, 80))}`;
    if (res.status !== h.status) return `expected ${h.status}, got ${what}`;
    if (!String(res.headers['content-type']).startsWith('text/plain'))
      return `expected a text/plain reason, got ${res.headers['content-type']}`;
    if (h.allow && res.headers.allow !== h.allow) return `expected Allow: ${h.allow}, got ${res.headers.allow}`;
    if (h.close && res.headers.connection !== 'close')
      return `expected Connection: close after an unread body, got ${res.headers.connection}`;
    if (secrets.some((s) => res.body.includes(s))) return 'the answer contains a secret';
    return undefined;
  };
}

/**
 * A traffic mix. `expectText(req, judgement)` may replace the demo bot's expectation (the fault
 * phase decides from the provider's record); `limitMs` is the reply time WeChat accepts (Infinity
 * to judge correctness only).
 */
export function createMix({
  account,
  kinds = validKinds(account),
  hostileRate,
  retryRate,
  limitMs,
  usersPerWorker = 20,
}) {
  const secrets = [account.token, account.aesKey];
  const pickValid = weightedPicker(kinds);
  const hostile = hostileKinds(account);
  const pickHostile = weightedPicker(hostile);
  const ring = [];
  let ringAt = 0;
  const judge = (req, res) =>
    wx.judgeReply({
      request: { message: req.message, mode: req.mode },
      response: { status: res.status, body: res.body, ms: res.ms, headers: res.headers },
      settings: { ...account, limitMs },
    });

  function valid(w) {
    const name = pickValid();
    const req = kinds[name][1](w);
    req.kind = name;
    req.category = 'valid';
    if (req.method === 'GET') {
      req.check = (res) =>
        res.status === 200 && res.body === req.expectBody
          ? undefined
          : `expected 200 with the echostr, got ${res.status} ${JSON.stringify(res.body.slice(0, 80))}`;
      return req;
    }
    // Remember it for retries; the first delivery's reply is what a retry must get.
    let settle;
    const entry = { req, first: new Promise((resolve) => (settle = resolve)) };
    req.check = (res) => {
      const j = judge(req, res);
      const problem = j.problems[0] ?? req.expect(j, res);
      settle(problem === undefined ? replyKey(j) : undefined);
      return problem;
    };
    req.done = (res) => {
      if (res.error) settle(undefined);
    };
    if (ring.length < RING) ring.push(entry);
    else ring[ringAt++ % RING] = entry;
    return req;
  }

  function retry() {
    const { req: first, first: firstKey } = ring[randomInt(ring.length)];
    return {
      kind: 'retry (same bytes again)',
      category: 'retry',
      method: 'POST',
      path: first.path,
      body: first.body,
      mode: first.mode,
      async check(res) {
        const j = judge(first, res);
        if (j.problems.length) return j.problems[0];
        const want = await firstKey;
        const got = replyKey(j);
        // A first delivery that failed is counted there; a retry is judged against a good one only.
        return want === undefined || want === got
          ? undefined
          : `retry answered ${got.slice(0, 100)}, the first delivery ${want.slice(0, 100)}`;
      },
    };
  }

  return {
    makeWorker: (index) => ({
      index,
      users: Array.from({ length: usersPerWorker }, (_, i) =>
        `oSoak${String(index).padStart(3, '0')}x${String(i).padStart(4, '0')}`.padEnd(28, '0'),
      ),
      counts: new Map(),
    }),
    next(w) {
      const r = Math.random();
      if (r < hostileRate) {
        const name = pickHostile();
        const h = hostile[name][1]();
        return { ...h, kind: name, category: 'hostile', check: checkHostile(h, secrets) };
      }
      if (r < hostileRate + retryRate && ring.length > 0) return retry();
      return valid(w);
    },
  };
}
