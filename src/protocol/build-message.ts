import type { WechatMessage } from './messages.js';
import { Bare, buildXml, type XmlInput, type XmlInputNode } from './xml.js';

// WeChat writes these leaves bare; other strings go in CDATA. Ids stay strings (> 2^53) but bare.
const BARE_IDS = new Set(['MsgId', 'MsgID']);

function toInput(tag: string, v: unknown): XmlInput {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'number') return v;
  if (typeof v === 'string') return BARE_IDS.has(tag) && /^\d+$/.test(v) ? new Bare(v) : v;
  if (Array.isArray(v)) return v.map((x) => toInput('item', x));
  const out: XmlInputNode = {};
  for (const [k, x] of Object.entries(v as Record<string, unknown>)) out[k] = toInput(k, x);
  return out;
}

/** Serialises an incoming message the way WeChat sends it (the simulator's side of the wire). */
export function buildMessageXml(message: WechatMessage): string {
  return buildXml(toInput('xml', message) as XmlInputNode);
}
