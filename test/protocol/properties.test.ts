import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { MessageCipher, generateEncodingAESKey } from '../../src/protocol/crypto.js';
import { sealEnvelope, verifyEnvelope } from '../../src/protocol/envelope.js';
import { CryptoError, WxbotError, XmlError } from '../../src/protocol/errors.js';
import { parseMessage } from '../../src/protocol/parse.js';
import { parseReply, renderReply, type ReplyBody } from '../../src/protocol/replies.js';
import { parseXml } from '../../src/protocol/xml.js';
import { sampleXml } from '../helpers/fixtures.js';

const TOKEN = 'propertytoken';
const cipher = new MessageCipher(generateEncodingAESKey(), 'wx1234567890abcdef');
const event = parseMessage(sampleXml('event-subscribe'));

// Text WeChat can carry: any unicode string (emoji included) minus what XML 1.0 cannot hold.
const xmlText = fc
  .string({ unit: 'grapheme', maxLength: 60 })
  .map((s) => s.replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF\r]/g, ''));
const spicy = fc.oneof(
  xmlText,
  fc.constantFrom(']]>', 'a]]>b', '"quoted"', "it's", '<b>&amp;</b>', '😀👍🏽', '中文]]]]>'),
);

test('encrypt → decrypt is the identity for any UTF-8 message, around block sizes too', () => {
  fc.assert(
    fc.property(
      fc.oneof(
        fc.string({ unit: 'grapheme' }),
        fc.string({ unit: 'binary' }),
        fc.integer({ min: 0, max: 130 }).map((n) => 'x'.repeat(n)),
      ),
      (msg) => {
        assert.equal(cipher.decrypt(cipher.encrypt(msg)), msg);
      },
    ),
    { numRuns: 300 },
  );
  for (let n = 0; n <= 100; n++) assert.equal(cipher.decrypt(cipher.encrypt('é'.repeat(n))), 'é'.repeat(n));
});

// AES-CBC has no MAC: a flipped byte away from the last blocks often passes the padding check and
// decrypts silently to garbage (about 1 time in 11 here). What protects a message is msg_signature,
// computed over the ciphertext: the tampered envelope never verifies.
test('a flipped ciphertext byte: the envelope no longer verifies (msg_signature), and decryption never gives the original back', () => {
  let decrypted = 0;
  fc.assert(
    fc.property(fc.string(), fc.nat(), (msg, pos) => {
      const sealed = sealEnvelope(cipher, msg, { token: TOKEN, timestamp: '1714112445', nonce: '415670741' });
      assert.equal(verifyEnvelope(sealed, TOKEN), true);
      const raw = Buffer.from(sealed.Encrypt, 'base64');
      raw[pos % raw.length]! ^= 0x01;
      const tampered = { ...sealed, Encrypt: raw.toString('base64') };
      assert.equal(
        verifyEnvelope(tampered, TOKEN),
        false,
        'the original msg_signature rejects the tampered ciphertext',
      );
      try {
        assert.notEqual(cipher.decrypt(tampered.Encrypt), msg);
        decrypted++;
      } catch (e) {
        assert.ok(e instanceof CryptoError);
      }
    }),
    { numRuns: 200 },
  );
  // Silent decryption does happen: the signature, not the padding, is the defence.
  assert.ok(decrypted > 0, 'some tampered ciphertexts decrypt without an error');
});

const bodies: fc.Arbitrary<ReplyBody> = fc.oneof(
  spicy.map((Content) => ({ MsgType: 'text' as const, Content })),
  spicy.map((MediaId) => ({ MsgType: 'image' as const, Image: { MediaId } })),
  spicy.map((MediaId) => ({ MsgType: 'voice' as const, Voice: { MediaId } })),
  fc
    .tuple(spicy, spicy, spicy)
    .map(([MediaId, Title, Description]) => ({ MsgType: 'video' as const, Video: { MediaId, Title, Description } })),
  fc.tuple(spicy, spicy, spicy, spicy, spicy).map(([Title, Description, MusicUrl, HQMusicUrl, ThumbMediaId]) => ({
    MsgType: 'music' as const,
    Music: { Title, Description, MusicUrl, HQMusicUrl, ThumbMediaId },
  })),
  fc.array(fc.tuple(spicy, spicy, spicy, spicy), { minLength: 1, maxLength: 8 }).map((items) => ({
    MsgType: 'news' as const,
    Articles: items.map(([Title, Description, PicUrl, Url]) => ({ Title, Description, PicUrl, Url })),
  })),
  spicy
    .filter((s) => s.length > 0)
    .map((KfAccount) => ({ MsgType: 'transfer_customer_service' as const, TransInfo: { KfAccount } })),
);

test('build → parse is the identity for every reply type with hostile content', () => {
  fc.assert(
    fc.property(bodies, (body) => {
      const back = parseReply(renderReply(event, body)) as unknown as Record<string, unknown>;
      delete back.ArticleCount;
      for (const k of ['ToUserName', 'FromUserName', 'CreateTime']) delete back[k];
      assert.deepEqual(back, JSON.parse(JSON.stringify(body)));
    }),
    { numRuns: 400 },
  );
});

const hostile = [
  '<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><xml><Content>&xxe;</Content></xml>',
  '<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]><xml><a>&lol2;</a></xml>',
  '<xml><!ENTITY x "y"><a>1</a></xml>',
  '<xml><__proto__><polluted>yes</polluted></__proto__></xml>',
  '<xml><constructor><prototype><polluted>yes</polluted></prototype></constructor></xml>',
  '<xml><ToUserName><![CDATA[gh_1]]></ToUserName><Content>',
  '{"ToUserName":"gh_1"}',
  'hello',
  '',
  '<xml>',
  '<a></a><b></b>',
];

test('hostile XML gives a typed error, never a crash or a polluted prototype', () => {
  for (const xml of hostile) {
    assert.throws(
      () => parseMessage(xml),
      (e: unknown) => e instanceof XmlError && e instanceof WxbotError,
      xml,
    );
  }
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
  assert.equal((Object.prototype as Record<string, unknown>).polluted, undefined);
});

test('random bytes and random text never crash the parser', () => {
  fc.assert(
    fc.property(
      fc.oneof(
        fc.string(),
        fc.string({ unit: 'binary' }).map((s) => `<xml>${s}</xml>`),
      ),
      (s) => {
        try {
          parseXml(s);
        } catch (e) {
          assert.ok(e instanceof XmlError, String(e));
        }
      },
    ),
    { numRuns: 500 },
  );
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
});
