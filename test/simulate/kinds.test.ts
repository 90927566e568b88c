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
