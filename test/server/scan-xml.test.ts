import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { messageFromNode, parseMessage } from '../../src/protocol/parse.js';
import { parseXml } from '../../src/protocol/xml.js';
import { scanFlatMessage, scanFlatMessageBytes, scanFlatXml } from '../../src/server/scan-xml.js';
import { parseEncryptedBodyFast, parseMessageBytes, parseMessageFast } from '../../src/server/verify.js';
import { parseEncryptedBody } from '../../src/protocol/parse.js';
import { sampleNames, sampleXml, vectors } from '../helpers/fixtures.js';

test('the fast path agrees with the full parser on every sample message', () => {
  for (const name of sampleNames()) {
    const xml = sampleXml(name);
    assert.deepEqual(parseMessageFast(xml), parseMessage(xml), name);
  }
});

test('flat samples take the fast path; nested ones fall back', () => {
  assert.ok(scanFlatXml(sampleXml('text')));
  assert.ok(scanFlatXml(sampleXml('location')));
  assert.equal(scanFlatXml(sampleXml('event-scancode_push')), undefined, 'ScanCodeInfo is nested');
});

test('the compatible-mode vector body parses the same both ways', () => {
  const v = vectors.find((x) => x.name === 'oa_official_python_sample_compat_mode_decrypt')!;
  assert.deepEqual(parseEncryptedBodyFast(v.requestBody!), parseEncryptedBody(v.requestBody!));
  const safe = `<xml>\n<ToUserName><![CDATA[gh_1]]></ToUserName>\n<Encrypt><![CDATA[${v.encrypt}]]></Encrypt>\n</xml>`;
  assert.deepEqual(parseEncryptedBodyFast(safe), parseEncryptedBody(safe));
});

test('anything unusual falls back to the full parser', () => {
  for (const xml of [
    '<?xml version="1.0"?><xml><A>1</A></xml>',
    '<xml><A x="1">1</A></xml>',
    '<xml><A>a &amp; b</A></xml>',
    '<xml><A><B>1</B></A></xml>',
    '<xml><A>1</A><A>2</A></xml>',
    '<xml><A><![CDATA[a]]]]><![CDATA[>b]]></A></xml>',
    '<xml><!-- c --><A>1</A></xml>',
    '<xml><__proto__>1</__proto__></xml>',
    '<xml><constructor>1</constructor></xml>',
    '<xml><A/></xml>',
    '<xml><A>1</B></xml>',
    '<xml><A>1</A>junk</xml>',
    '<xml><A>1</A></xml>trailing',
    '<root><A>1</A></root>',
    '<xml><A><![CDATA[unterminated</A></xml>',
  ]) {
    assert.equal(scanFlatXml(xml), undefined, xml);
  }
});

// Values the full parser keeps byte for byte: CDATA text with anything but "]]>" in it.
const cdataText = fc
  .string({ unit: 'grapheme', maxLength: 30 })
  .filter((s) => !s.includes(']]>') && !/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF\r]/.test(s));
const plainText = fc.string({ maxLength: 20 }).map((s) => s.replace(/[<>&\r\u0000-\u001F]/g, 'x'));
const tagName = fc
  .stringMatching(/^[A-Za-z][A-Za-z0-9_]{0,12}$/)
  .filter((t) => t !== 'constructor' && t !== 'prototype');

test('property: for generated flat documents the fast path equals the full parser', () => {
  fc.assert(
    fc.property(
      fc.uniqueArray(
        fc.tuple(
          tagName,
          fc.oneof(
            cdataText.map((v) => ({ cdata: true, v })),
            plainText.map((v) => ({ cdata: false, v })),
          ),
        ),
        { selector: ([t]) => t, maxLength: 8 },
      ),
      fc.constantFrom('', '\n', '  '),
      (fields, ws) => {
        const xml = `<xml>${ws}${fields.map(([t, { cdata, v }]) => `<${t}>${cdata ? `<![CDATA[${v}]]>` : v}</${t}>`).join(ws)}${ws}</xml>`;
        const fast = scanFlatXml(xml);
        if (fields.length === 0) return; // the full parser rejects an empty root; the fast path's result is unused then
        let full;
        try {
          full = parseXml(xml);
        } catch {
          return; // documents the full parser rejects are not compared
        }
        assert.ok(fast, xml);
        assert.deepEqual(fast, full, xml);
      },
    ),
    { numRuns: 300 },
  );
});

test('messageFromNode on the fast result types numbers and keeps MsgId a string', () => {
  const m = messageFromNode(scanFlatXml(sampleXml('text'))!);
  assert.equal(m.CreateTime, 1700000000);
  assert.equal((m as { MsgId: string }).MsgId, '24212345678901234567');
});

test("property: envelopes in WeChat's own layout, and near misses, read as the full parser reads them", () => {
  const value = fc.oneof(
    cdataText,
    fc.constantFrom('', ' ', ' abc ', 'a]]>b', 'x\ry', ']]', 'gh_123456789abc', 'QUJD+/9='),
  );
  const layout = fc.constantFrom(
    (to: string, enc: string) =>
      `<xml><ToUserName><![CDATA[${to}]]></ToUserName><Encrypt><![CDATA[${enc}]]></Encrypt></xml>`,
    (to: string, enc: string) =>
      `<xml><ToUserName><![CDATA[${to}]]></ToUserName><Encrypt><![CDATA[${enc}]]></Encrypt></xml>\n`,
    (to: string, enc: string) =>
      ` <xml><ToUserName><![CDATA[${to}]]></ToUserName><Encrypt><![CDATA[${enc}]]></Encrypt></xml>`,
    (to: string, enc: string) =>
      `<xml><ToUserName><![CDATA[${to}]]></ToUserName><Encrypt><![CDATA[${enc}]]></Encrypt><Encrypt><![CDATA[x]]></Encrypt></xml>`,
    (to: string, enc: string) =>
      `<xml><ToUserName><![CDATA[${to}]]></ToUserName><Encrypt><![CDATA[${enc}]]><![CDATA[more]]></Encrypt></xml>`,
    (to: string, enc: string) =>
      `<xml><ToUserName><![CDATA[${to}]]></ToUserName><MsgType><![CDATA[text]]></MsgType><Encrypt><![CDATA[${enc}]]></Encrypt></xml>`,
  );
  const outcome = (f: () => unknown) => {
    try {
      return { ok: f() };
    } catch (err) {
      return { error: (err as { code?: string }).code ?? String(err) };
    }
  };
  fc.assert(
    fc.property(layout, value, value, (make, to, enc) => {
      const xml = make(to, enc);
      assert.deepEqual(
        outcome(() => parseEncryptedBodyFast(xml)),
        outcome(() => parseEncryptedBody(xml)),
        xml,
      );
    }),
    { numRuns: 3000 },
  );
});

test('the byte reader agrees with the string reader on every sample message', () => {
  for (const name of sampleNames()) {
    const bytes = Buffer.from(sampleXml(name));
    const fromText = scanFlatMessage(bytes.toString('utf8'));
    assert.deepEqual(scanFlatMessageBytes(bytes), fromText, name);
    assert.deepEqual(parseMessageBytes(bytes), parseMessage(sampleXml(name)), name);
  }
  assert.ok(scanFlatMessageBytes(Buffer.from(sampleXml('text'))), 'a flat message is read from its bytes');
  // Values that come close to a delimiter, broken UTF-8, numbers of every shape: read from the bytes, as the text reads.
  const head =
    '<xml><ToUserName><![CDATA[gh_1]]></ToUserName><FromUserName><![CDATA[oU]]></FromUserName><MsgType><![CDATA[location]]></MsgType>';
  const cut = Buffer.from([0xe4, 0xbd]); // the first two bytes of a three-byte character
  for (const [content, x, time] of [
    ['a]]b', '-12', '0'],
    [']]', '-0', '1700000000'],
    ['x]', '1.', '007'],
    ['今天🙂', '23.134521', '-5'],
    [cut, '.5', '1'],
  ] as const) {
    const bytes = Buffer.concat([
      Buffer.from(`${head}<CreateTime>${time}</CreateTime><Label><![CDATA[`),
      Buffer.from(content),
      Buffer.from(`]]></Label><Location_X>${x}</Location_X></xml>`),
    ]);
    const read = scanFlatMessageBytes(bytes);
    assert.ok(read, String(content));
    assert.deepEqual(read, scanFlatMessage(bytes.toString('utf8')), String(content));
  }
});

test('property: a flat message read from its bytes equals the one read from its text', () => {
  // Values as raw bytes: text of any script, and broken UTF-8 (lone continuation bytes, cut sequences).
  const utf8Value = fc.oneof(
    cdataText.map((v) => Buffer.from(v)),
    fc
      .uint8Array({ maxLength: 12 })
      .map((a) => Buffer.from(a.map((x) => (x === 0x3e || x === 0x3c || x < 32 ? 0x41 : x)))),
    fc
      .constantFrom(
        '今天',
        '🙂',
        'a&b',
        '1700000000',
        '-1.5',
        '-12',
        '-0',
        '007',
        ' 12',
        '1e3',
        '1.',
        'a]]b',
        ']]',
        'x]',
        '',
      )
      .map((v) => Buffer.from(v)),
  );
  const field = fc.oneof(
    fc.constantFrom('Content', 'CreateTime', 'Location_X', 'MsgId', 'Label', 'Scale', 'Event', 'EventKey'),
    tagName,
  );
  fc.assert(
    fc.property(
      fc.uniqueArray(fc.tuple(field, utf8Value, fc.boolean()), { selector: ([t]) => t, maxLength: 6 }),
      fc.constantFrom('', '\n', ' \r\n'),
      fc.constantFrom('text', 'event', 'image'),
      (fields, ws, type) => {
        const parts: Buffer[] = [
          Buffer.from(
            `<xml>${ws}<ToUserName><![CDATA[gh_1]]></ToUserName><FromUserName><![CDATA[oU]]></FromUserName><CreateTime>1700000000</CreateTime><MsgType><![CDATA[${type}]]></MsgType>`,
          ),
        ];
        for (const [t, v, cdata] of fields) {
          if (['ToUserName', 'FromUserName', 'CreateTime', 'MsgType'].includes(t)) continue;
          parts.push(
            Buffer.from(`${ws}<${t}>${cdata ? '<![CDATA[' : ''}`),
            v,
            Buffer.from(`${cdata ? ']]>' : ''}</${t}>`),
          );
        }
        parts.push(Buffer.from(`${ws}</xml>`));
        const bytes = Buffer.concat(parts);
        const fromBytes = scanFlatMessageBytes(bytes);
        const fromText = scanFlatMessage(bytes.toString('utf8'));
        // The byte reader may leave a document to the string path, never read it differently.
        if (fromBytes !== undefined) assert.deepEqual(fromBytes, fromText, bytes.toString('utf8'));
        assert.deepEqual(
          outcomeOf(() => parseMessageBytes(bytes)),
          outcomeOf(() => parseMessage(bytes.toString('utf8'))),
        );
      },
    ),
    { numRuns: 2000 },
  );
});

test('the byte reader leaves unusual documents to the string path', () => {
  for (const xml of [
    '<xml><A>a &amp; b</A></xml>',
    '\ufeff<xml><ToUserName>a</ToUserName></xml>',
    '<xml><A><B>1</B></A></xml>',
    '<xml><A>1</A><A>2</A></xml>',
  ]) {
    assert.equal(scanFlatMessageBytes(Buffer.from(xml)), undefined, xml);
  }
  // Part of a buffer: the range given, nothing around it.
  const doc = sampleXml('text');
  const framed = Buffer.concat([Buffer.from('junk'), Buffer.from(doc), Buffer.from('<junk>')]);
  assert.deepEqual(scanFlatMessageBytes(framed, 4, framed.length - 6), scanFlatMessage(doc));
});

function outcomeOf(f: () => unknown): unknown {
  try {
    return { ok: f() };
  } catch (err) {
    return { error: (err as { code?: string }).code ?? String(err) };
  }
}
