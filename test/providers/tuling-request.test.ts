import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import {
  buildTulingRequest,
  decryptTulingEnvelope,
  encryptTulingRequest,
  tulingAesKey,
  tulingUserId,
  TULING_TEXT_LIMIT,
} from '../../src/providers/index.js';

// protocol.md §7.5, the worked example (self-computed there with node; reproduced byte for byte here).
const EX = {
  secret: 'abcdef0123456789',
  apiKey: '0123456789abcdef0123456789abcdef',
  timestamp: '1565000000000',
  keyHex: 'b095571197f5f74b93e90dfc91a67f35',
  aesKey: '90112efe6c440189d7d83e13180a9b6c',
  body: '{"reqType":0,"perception":{"inputText":{"text":"你好"}},"userInfo":{"apiKey":"0123456789abcdef0123456789abcdef","userId":"abc123"}}',
  data: 'W3EQocpHwgni1nSr1zJz7J1+4BXmkL8YyNxCedHbJ+mMbslTdcJRH38Xy1JJvISrotbtfaSq7Xh2VXq/hc5UclJLVf5cEmJavxWrSzomkyS4CPuBiU3PKlaIv40idoHYec8hsydqvr65EYdydxpXzur84Uhfyxqv4D6WuCIgOzUqVoDZNlKWi/T133QjdDza',
};

test('reproduces the §7.5 worked example: keyHex, aesKey and data', () => {
  assert.equal(
    createHash('md5')
      .update(EX.secret + EX.timestamp + EX.apiKey)
      .digest('hex'),
    EX.keyHex,
  );
  assert.equal(tulingAesKey(EX.secret, EX.timestamp, EX.apiKey).toString('hex'), EX.aesKey);
  const env = encryptTulingRequest(JSON.parse(EX.body), EX.apiKey, EX.secret, EX.timestamp);
  assert.deepEqual(env, { key: EX.apiKey, timestamp: EX.timestamp, data: EX.data });
});

test('decrypts the §7.5 example back to the request body, and refuses the wrong secret', () => {
  const env = { key: EX.apiKey, timestamp: EX.timestamp, data: EX.data };
  assert.equal(decryptTulingEnvelope(env, EX.secret), EX.body);
  assert.throws(() => decryptTulingEnvelope(env, 'another-secret-00'));
});

test('builds the request the v2 API documents: reqType 0, inputText, apiKey, no inputImage', () => {
  const r = buildTulingRequest('  附近的酒店 ', 'oyORnuP8q7ou2gfYjqLzSIWZf0rs', EX.apiKey);
  assert.deepEqual(r, {
    reqType: 0,
    perception: { inputText: { text: '附近的酒店' } },
    userInfo: { apiKey: EX.apiKey, userId: tulingUserId('oyORnuP8q7ou2gfYjqLzSIWZf0rs') },
  });
  assert.equal(JSON.stringify(r).includes('inputImage'), false);
});

test('userId is the md5 hex of the OpenID: stable, [A-Za-z0-9]{32}, even for ids with - and _', () => {
  for (const openid of ['oyORnuP8q7ou2gfYjqLzSIWZf0rs', 'o-_-_-', '', '用户']) {
    const id = tulingUserId(openid);
    assert.match(id, /^[A-Za-z0-9]{1,32}$/);
    assert.equal(id, createHash('md5').update(openid, 'utf8').digest('hex'));
    assert.equal(tulingUserId(openid), id);
  }
  assert.notEqual(tulingUserId('a'), tulingUserId('b'));
});

test('text is cut to 128 characters without splitting a surrogate pair', () => {
  const long = buildTulingRequest('字'.repeat(300), 'u', EX.apiKey);
  assert.equal(long.perception.inputText.text, '字'.repeat(TULING_TEXT_LIMIT));
  const emoji = buildTulingRequest(`a${'😀'.repeat(100)}`, 'u', EX.apiKey).perception.inputText.text;
  assert.ok(emoji.length <= 128);
  assert.equal(emoji, `a${'😀'.repeat(63)}`); // 1 + 126 units; the 128th unit would be half an emoji
  assert.doesNotMatch(emoji, /[\ud800-\udbff]$/);
});

test('selfInfo.location carries only the parts given', () => {
  const r = buildTulingRequest('天气', 'u', EX.apiKey, {
    city: '北京',
    province: '北京',
    street: undefined as unknown as string,
  });
  assert.deepEqual(r.perception.selfInfo, { location: { city: '北京', province: '北京' } });
});
