// Field-size limits owned by the server, checked directly (the 60 s soak is test/soak/bounds.mjs).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEDUPE_ID_MAX, dedupeKey } from '../../src/bot/dedupe.js';
import type { WechatMessage } from '../../src/protocol/messages.js';
import { FIELD_MAX, MSG_ID_MAX_DIGITS, messageBoundsProblem } from '../../src/server/bounds.js';

const text = (extra: Record<string, unknown> = {}) =>
  ({
    ToUserName: 'gh_123456789abc',
    FromUserName: 'oUser0123456789abcdefghijkl',
    CreateTime: 1700000000,
    MsgType: 'text',
    Content: 'hi',
    MsgId: '24212345678901234567',
    ...extra,
  }) as unknown as WechatMessage;

test('MsgId and MsgID: decimal digits only, at most 20 of them', () => {
  assert.equal(messageBoundsProblem(text()), undefined);
  assert.equal(messageBoundsProblem(text({ MsgId: '1' })), undefined);
  for (const bad of [
    '1'.repeat(MSG_ID_MAX_DIGITS + 1),
    '',
    '12a',
    ' 12',
    '-1',
    '1e5',
    '0x10',
    '１２',
    'x'.repeat(128 * 1024),
  ])
    assert.match(
      messageBoundsProblem(text({ MsgId: bad })) ?? '',
      /MsgId must be a decimal number of at most 20 digits/,
      bad,
    );
  const job = { ...text(), MsgType: 'event', Event: 'TEMPLATESENDJOBFINISH', MsgId: undefined, MsgID: '1'.repeat(21) };
  assert.match(messageBoundsProblem(job as unknown as WechatMessage) ?? '', /MsgID must be/);
});

test('identifiers have maxima: user ids, kinds, event keys, media ids', () => {
  assert.match(
    messageBoundsProblem(text({ FromUserName: 'o'.repeat(FIELD_MAX.user + 1) })) ?? '',
    /FromUserName is longer than 128/,
  );
  assert.equal(messageBoundsProblem(text({ FromUserName: 'o'.repeat(FIELD_MAX.user) })), undefined);
  assert.match(messageBoundsProblem(text({ ToUserName: 'g'.repeat(1000) })) ?? '', /ToUserName/);
  assert.match(messageBoundsProblem(text({ MsgType: 't'.repeat(65) })) ?? '', /MsgType/);
  const event = (e: Record<string, unknown>) => text({ MsgType: 'event', MsgId: undefined, Event: 'CLICK', ...e });
  assert.equal(messageBoundsProblem(event({ EventKey: 'k'.repeat(FIELD_MAX.eventKey) })), undefined);
  assert.match(messageBoundsProblem(event({ EventKey: 'k'.repeat(FIELD_MAX.eventKey + 1) })) ?? '', /EventKey/);
  assert.match(messageBoundsProblem(event({ Event: 'E'.repeat(100) })) ?? '', /Event is longer/);
  assert.match(messageBoundsProblem(text({ MsgType: 'image', MediaId: 'm'.repeat(513) })) ?? '', /MediaId/);
  // Content is not an identifier: the body limit (1 MiB) bounds it, the history cuts what it keeps.
  assert.equal(messageBoundsProblem(text({ Content: 'x'.repeat(500_000) })), undefined);
});

test('dedupe keys have a fixed maximum size: message ids as they are, anything longer hashed', () => {
  const prefix = 'wxbot:wx1234567890abcdef:';
  assert.equal(dedupeKey(prefix, text()), `${prefix}dedupe:m:24212345678901234567`);
  const longUser = text({ MsgType: 'event', MsgId: undefined, Event: 'subscribe', FromUserName: 'u'.repeat(5000) });
  const key = dedupeKey(prefix, longUser);
  assert.match(key, /dedupe:h:[A-Za-z0-9_-]{43}$/);
  assert.ok(key.length - prefix.length - 'dedupe:'.length <= DEDUPE_ID_MAX);
  // Still one identity per message: the same event hashes the same, another one differently.
  assert.equal(dedupeKey(prefix, { ...longUser } as WechatMessage), key);
  assert.notEqual(dedupeKey(prefix, { ...longUser, CreateTime: 1700000001 } as WechatMessage), key);
});
