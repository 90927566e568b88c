// Turns fast paths off in the compiled code (dist/), for measuring what each one buys: loaded with
// `node --import ./test/bench/reference-paths.mjs`, it rewrites the named modules as they load so
// that the request takes the reference implementation instead. Only the bench uses it; src/ has no
// switch. WXBOT_BENCH_REFERENCE names the paths to turn off, comma-separated (see PATHS).
// test/bench/reference-paths.test.ts checks that every rewrite still finds its text in dist/.
import { register } from 'node:module';
import { isMainThread } from 'node:worker_threads';

/**
 * name → rewrites of dist/ files: [file under dist/, text (string or global RegExp), replacement].
 * Each rewrite must match at least once, or the module fails to load.
 */
export const PATHS = {
  // The flat-XML scanner (scan-xml.ts): every body through fast-xml-parser.
  'scan-xml': [
    ['server/verify.js', 'return scanFlatMessage(xml) ?? parseMessage(xml);', 'return parseMessage(xml);'],
    ['server/verify.js', 'scanFlatMessageBytes(bytes) ??', 'undefined ??'],
    ['server/verify.js', 'const node = scanFlatXml(xml);', 'const node = undefined;'],
  ],
  // The scanner's byte reader: the body (or decrypted block) decoded to a string and scanned as text.
  'scan-bytes': [['server/verify.js', 'scanFlatMessageBytes(bytes) ??', 'undefined ??']],
  // FastCipher: the protocol layer's MessageCipher (a cipher per message, text in and out).
  'fast-cipher': [
    [
      'server/handler-settings.js',
      "import { FastCipher } from './fast-cipher.js';",
      "import { MessageCipher as FastCipher } from '../protocol/crypto.js';",
    ],
  ],
  // The text reply written into one Buffer (ByteTemplate): renderReply's string.
  'byte-template': [
    ['server/render.js', 'const bytes = textReplyBytes(incoming, body.Content, now);', 'const bytes = undefined;'],
  ],
  // sealReplyFast: buildEnvelopeXml(sealEnvelope(...)) of the protocol layer.
  seal: [
    [
      'server/render.js',
      "import { envelopeDocument, envelopeValueReadsBack } from '../protocol/envelope.js';",
      "import { buildEnvelopeXml, envelopeDocument, envelopeValueReadsBack, sealEnvelope } from '../protocol/envelope.js';",
    ],
    [
      'server/render.js',
      'export function sealReplyFast(cipher, token, xml, timestamp, nonce) {',
      'export function sealReplyFast(cipher, token, xml, timestamp, nonce) {\n' +
        '    if (envelopeValueReadsBack(nonce)) return buildEnvelopeXml(sealEnvelope(cipher, ' +
        "typeof xml === 'string' ? xml : xml.toString('utf8'), { token, timestamp, nonce, random: random16() }));",
    ],
  ],
  // ShortLivedTable: dedupe keys in the memory store's sharded Maps, like its long-lived keys.
  'short-lived': [['store/memory.js', '#shortKey(key) {', '#shortKey(key) {\n        return false;']],
  // The stored text-reply outcome written and read without JSON.stringify/JSON.parse.
  outcome: [
    ['bot/dedupe.js', "if (r.MsgType === 'text' &&", "if (false && r.MsgType === 'text' &&"],
    [
      'bot/dedupe.js',
      'if (raw.length >= TEXT_OUTCOME.length + 3 &&',
      'if (false && raw.length >= TEXT_OUTCOME.length + 3 &&',
    ],
  ],
};

/** The rewrites of `names` for the dist/ file `rel` (e.g. 'server/verify.js'). */
export function rewritesFor(names, rel) {
  return names.flatMap((name) => {
    const list = PATHS[name];
    if (!list) throw new Error(`WXBOT_BENCH_REFERENCE: no fast path named ${name} (${Object.keys(PATHS).join(', ')})`);
    return list.filter(([file]) => file === rel);
  });
}

/** `source` with the rewrites applied; throws when one no longer finds its text. */
export function rewrite(source, rewrites, rel) {
  let out = source;
  for (const [, from, to] of rewrites) {
    const found = typeof from === 'string' ? out.includes(from) : from.test(out);
    if (typeof from !== 'string') from.lastIndex = 0;
    if (!found) throw new Error(`reference-paths: ${String(from)} not found in dist/${rel}`);
    out = typeof from === 'string' ? out.replace(from, to) : out.replace(from, to);
  }
  return out;
}

const names = (process.env.WXBOT_BENCH_REFERENCE ?? '')
  .split(',')
  .map((s) => s.trim())
  .filter(Boolean);

// Module hooks (node:module register): this file is loaded again on the hooks thread, where it
// provides `load`.
if (isMainThread && names.length > 0) register(import.meta.url);

export async function load(url, context, nextLoad) {
  const result = await nextLoad(url, context);
  const m = /\/dist\/(.+\.js)$/.exec(url);
  if (!m || names.length === 0) return result;
  const rewrites = rewritesFor(names, m[1]);
  if (rewrites.length === 0) return result;
  return { ...result, source: rewrite(String(result.source), rewrites, m[1]) };
}
