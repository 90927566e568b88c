import assert from 'node:assert/strict';
import { test } from 'node:test';
import { splitWords } from '../../src/simulate/chat.js';
import { findLineKind, readKindWords } from '../../src/simulate/kind-line.js';
import { SEND_KINDS } from '../../src/simulate/kinds.js';
import * as messages from '../../src/simulate/messages.js';
import { messageLine, parseSendKind } from '../../src/testing/convo-kinds.js';

const user = { from: 'oUser', to: 'gh_account', now: 1_700_000_000_000 };

/** A message without the fields a builder makes up each time and a line does not carry (ids, tickets, checksums). */
function settled(m: object): Record<string, unknown> {
  const { MsgId: _id, Ticket: _ticket, MediaId16K: _media16k, ...rest } = m as Record<string, unknown>;
  const pics = rest.SendPicsInfo as { Count: number } | undefined;
  if (pics) rest.SendPicsInfo = { Count: pics.Count };
  return rest;
}

test("every kind's example, typed as a line, sends that kind; written back as a .convo line, it sends the same message", () => {
  for (const k of SEND_KINDS) {
    const sent = readKindWords(splitWords(k.example), messages).build(messages, user);
    assert.equal(sent.MsgType, k.event ? 'event' : k.name, k.example);
    const line = messageLine(sent);
    const inner = line.startsWith('[') ? line.slice(1, -1) : `text ${line}`;
    const step = parseSendKind(inner);
    assert.equal(step.kind, 'message', line);
    if (step.kind === 'message') assert.deepEqual(settled(step.build(user)), settled(sent), `${k.example} → ${line}`);
  }
});

test('fields a reply may echo survive the round trip; defaults and custom events too', () => {
  for (const typed of [
    'voice 今天 天气 --format speex --media-id V1',
    'location 23.1 113.3 广州 塔 --scale 16',
    'event scancode_waitmsg K two words --scan-type barcode',
    'event view https://e.com --menu-id 7',
    'event location 39.9 116.4 --precision 30',
    'event location_select K 1 2 某地',
    'event kf_close_session KfAccount=a@b',
    'video --media-id M --thumb-media-id T',
  ]) {
    const sent = readKindWords(typed.split(' '), messages).build(messages, user);
    const line = messageLine(sent);
    const step = parseSendKind(line.slice(1, -1));
    assert.ok(step.kind === 'message', line);
    assert.deepEqual(settled(step.build(user)), settled(sent), `${typed} → ${line}`);
  }
  const plain = readKindWords(['voice'], messages).build(messages, user);
  assert.match(messageLine(plain), /^\[voice --media-id \S+\]$/, 'the default format is not written');
  const tap = readKindWords(['click', 'K'], messages).build(messages, user);
  assert.equal(
    messageLine({ ...tap, Event: 'VIEW', EventKey: 'https://e.com', MenuId: 208396938 } as typeof tap),
    '[view https://e.com]',
  );
});

test('names are unique: each line name and each `event <name>` reaches its own kind', () => {
  const lineNames = SEND_KINDS.map((k) => k.lineName ?? k.name);
  assert.equal(new Set(lineNames).size, SEND_KINDS.length);
  for (const k of SEND_KINDS) {
    assert.equal(findLineKind([k.lineName ?? k.name])?.kind, k);
    if (k.event) assert.equal(findLineKind(['event', k.name.toUpperCase()])?.kind, k);
  }
  // A line missing a required argument names it.
  assert.throws(
    () => readKindWords(['location_select', 'K', '1'], messages),
    /^KindInputError: \[location_select\] needs LNG/,
  );
});
