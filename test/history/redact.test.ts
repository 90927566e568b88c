import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { HistoryInput } from '../../src/history/entry.js';
import { ENTRY_LIMIT, FIELD_LIMIT, REDACTED, redactEntry, truncationMarker } from '../../src/history/redact.js';

const TOKEN = 'Tok3nTok3nTok3nTok3nTok3nTok3nAB';
const AES = 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG';
const SECRET = 'appsecret0123456789abcdef01234567';

const base: HistoryInput = {
  at: '2024-01-01T00:00:00.000Z',
  method: 'POST',
  path: '/wechat',
  query: {
    signature: 's'.repeat(40),
    timestamp: '1',
    nonce: '2',
    msg_signature: 'm'.repeat(40),
    encrypt_type: 'aes',
    access_token: 'AT-123',
    key: 'k',
  },
  body: '<xml><Encrypt><![CDATA[QUJDREVGR0g=]]></Encrypt></xml>',
  mode: 'safe',
  message: {
    ToUserName: 'gh_1',
    FromUserName: 'o1',
    CreateTime: 1,
    MsgType: 'text',
    Content: `my token is ${TOKEN}`,
    MsgId: '1',
  },
  msgType: 'text',
  content: `my token is ${TOKEN}`,
  status: 200,
  reply: `<xml><Content><![CDATA[key ${AES} secret ${SECRET}]]></Content></xml>`,
  latencyMs: 3,
};

test('no configured secret survives anywhere in the entry', () => {
  const out = redactEntry(base, [TOKEN, AES, SECRET, undefined]);
  const text = JSON.stringify(out);
  for (const s of [TOKEN, AES, SECRET, 'AT-123']) assert.ok(!text.includes(s), `${s} leaked`);
  assert.equal(out.redacted, true);
  assert.equal(out.content, `my token is ${REDACTED}`);
  assert.equal(out.query.access_token, REDACTED);
  assert.equal(out.query.key, REDACTED);
});

test('signatures, nonce, timestamp and the Encrypt blob are kept as received', () => {
  const out = redactEntry(base, [TOKEN]);
  for (const k of ['signature', 'timestamp', 'nonce', 'msg_signature', 'encrypt_type'])
    assert.equal(out.query[k], base.query[k]);
  assert.equal(out.body, base.body);
});

test('an entry with nothing secret is left alone and not flagged', () => {
  const plain: HistoryInput = {
    ...base,
    query: { signature: 'x' },
    message: { ToUserName: 'gh_1', FromUserName: 'o1', CreateTime: 1, MsgType: 'text', Content: 'hi', MsgId: '1' },
    content: 'hi',
    reply: 'success',
  };
  const out = redactEntry(plain, [TOKEN]);
  assert.deepEqual(out, plain);
});

test('huge fields are capped with a marker and flagged; the whole entry is bounded too', () => {
  const out = redactEntry({ ...base, body: 'x'.repeat(FIELD_LIMIT + 10) }, []);
  assert.equal(out.body, `${'x'.repeat(FIELD_LIMIT)}${truncationMarker(FIELD_LIMIT + 10)}`);
  assert.equal(out.truncated, true);
  // A message of many fields under the per-field cap: the entry's budget still cuts it.
  const fields = Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`F${i}`, 'y'.repeat(FIELD_LIMIT - 1)]));
  const big = redactEntry({ ...base, body: 'z'.repeat(900_000), message: { ...base.message!, ...fields } }, []);
  assert.ok(JSON.stringify(big).length < ENTRY_LIMIT + 30 * 100, `entry of ${JSON.stringify(big).length} characters`);
  assert.equal(big.truncated, true);
  assert.match(big.body, /…\[truncated: 900000 characters in all\]$/);
  // A surrogate pair at the cut is not split.
  const emoji = redactEntry({ ...base, body: `${'a'.repeat(FIELD_LIMIT - 1)}🙂🙂` }, []);
  assert.ok(emoji.body.startsWith(`${'a'.repeat(FIELD_LIMIT - 1)}…`));
});

test('a frozen secrets list (prepared once, as the recorder passes it) redacts exactly like a fresh one', () => {
  const frozen = Object.freeze([TOKEN, AES, SECRET, undefined]);
  const first = redactEntry(base, frozen);
  assert.deepEqual(first, redactEntry(base, [TOKEN, AES, SECRET, undefined]));
  assert.deepEqual(redactEntry(base, frozen), first);
  // An unfrozen array may change between calls: the new secret is honoured.
  const open: string[] = [TOKEN];
  redactEntry(base, open);
  open.push(SECRET);
  assert.ok(!JSON.stringify(redactEntry(base, open)).includes(SECRET));
});
