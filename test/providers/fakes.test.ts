// The fakes are the arbiters of the provider tests: check that they refuse what the real APIs refuse.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { encryptTulingRequest } from '../../src/providers/index.js';
import { FAKE_OPENAI_KEY, FAKE_OPENAI_MODEL, startFakeOpenAI, type FakeOpenAI } from '../fakes/openai.js';
import { FAKE_TULING_KEY, startFakeTuling, type FakeTuling } from '../fakes/tuling.js';

let tuling: FakeTuling;
let secretTuling: FakeTuling;
let openai: FakeOpenAI;
before(async () => {
  [tuling, secretTuling, openai] = await Promise.all([
    startFakeTuling(),
    startFakeTuling({ secret: 's3cret-s3cret' }),
    startFakeOpenAI(),
  ]);
});
after(async () => Promise.all([tuling.close(), secretTuling.close(), openai.close()]).then(() => undefined));

async function post(url: string, body: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  return {
    status: res.status,
    json: (() => {
      try {
        return JSON.parse(text);
      } catch {
        return text;
      }
    })(),
  };
}

const good = (over: Record<string, unknown> = {}, user: Record<string, unknown> = {}) => ({
  reqType: 0,
  perception: { inputText: { text: '你好' }, ...over },
  userInfo: { apiKey: FAKE_TULING_KEY, userId: 'abc123', ...user },
});

test('fake Tuling: answers a valid request with intent 10004 and a text result', async () => {
  const r = await post(tuling.url, good());
  assert.equal(r.json.intent.code, 10004);
  assert.equal(r.json.results[0].resultType, 'text');
});

test('fake Tuling: refuses what §7.2 forbids with the documented codes', async () => {
  const cases: [unknown, number][] = [
    [good({}, { apiKey: 'nope' }), 4007],
    [good({}, { userId: 'o-_bad' }), 4400],
    [good({}, { userId: 'a'.repeat(33) }), 4400],
    [good({}, { userId: '' }), 4400],
    [good({ inputText: { text: '' } }), 4600],
    [good({ inputText: { text: 'x'.repeat(129) } }), 4602],
    [good({ inputImage: { url: 'imageUrl' } }), 4000], // the blog post's junk
    [good({ selfInfo: { location: { province: '北京' } } }), 4000],
    [{ ...good(), reqType: 7 }, 4000],
    [{ ...good(), perception: {} }, 4000],
    ['{not json', 4000],
  ];
  for (const [body, code] of cases)
    assert.equal((await post(tuling.url, body)).json.intent.code, code, JSON.stringify(body));
});

test('fake Tuling with a secret: plaintext and bad envelopes are 4001, a good envelope is answered', async () => {
  assert.equal((await post(secretTuling.url, good())).json.intent.code, 4001);
  const env = encryptTulingRequest(good(), FAKE_TULING_KEY, 's3cret-s3cret', '1700000000000');
  assert.equal((await post(secretTuling.url, { ...env, data: env.data.slice(4) })).json.intent.code, 4001);
  assert.equal((await post(secretTuling.url, { ...env, timestamp: '1' })).json.intent.code, 4001);
  assert.equal((await post(secretTuling.url, env)).json.intent.code, 10004);
});

test('fake OpenAI: checks the Bearer key, model, messages and unknown fields', async () => {
  const url = `${openai.baseUrl}/chat/completions`;
  const auth = { authorization: `Bearer ${FAKE_OPENAI_KEY}` };
  const body = { model: FAKE_OPENAI_MODEL, messages: [{ role: 'user', content: 'hi' }] };
  const ok = await post(url, body, auth);
  assert.equal(ok.status, 200);
  assert.equal(ok.json.object, 'chat.completion');
  assert.equal(ok.json.choices[0].message.role, 'assistant');
  assert.equal((await post(url, body)).json.error.code, 'invalid_api_key');
  assert.equal((await post(url, body, { authorization: 'Bearer sk-other' })).status, 401);
  assert.equal((await post(url, { ...body, model: 'gpt-9' }, auth)).json.error.code, 'model_not_found');
  assert.equal((await post(url, { ...body, messages: [] }, auth)).status, 400);
  assert.equal((await post(url, { ...body, messages: [{ role: 'robot', content: 'x' }] }, auth)).status, 400);
  assert.equal((await post(url, { ...body, messages: [{ role: 'user' }] }, auth)).status, 400);
  assert.equal((await post(url, { ...body, authorization: 'x' }, auth)).status, 400);
  assert.equal((await post(url, '{oops', auth)).status, 400);
});
