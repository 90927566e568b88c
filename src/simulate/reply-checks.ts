/**
 * Checks a plaintext reply XML against what WeChat accepts (protocol.md §5): swapped ids,
 * CreateTime in seconds, a known MsgType with its required fields, news article limits.
 */
import type { WxbotError } from '../protocol/errors.js';
import type { WechatMessage } from '../protocol/messages.js';
import { newsLimitFor, parseReply, REPLY_TYPES, type Reply } from '../protocol/replies.js';
import { child, parseXml, text, type XmlNode } from '../protocol/xml.js';
import { describeNonXml } from './describe.js';

export type ParsedReply = Reply & { ArticleCount?: number };

export interface Findings {
  problems: string[];
  warnings: string[];
}

/** WeChat cuts or drops text replies beyond about this many bytes (protocol.md §5.1, third-party figure). */
export const TEXT_REPLY_MAX_BYTES = 2048;

function checkIds(n: XmlNode, msg: WechatMessage, f: Findings): void {
  const to = text(n, 'ToUserName');
  const from = text(n, 'FromUserName');
  if (to === undefined || from === undefined) {
    f.problems.push(`the reply has no ${to === undefined ? 'ToUserName' : 'FromUserName'}`);
    return;
  }
  if (to === msg.FromUserName && from === msg.ToUserName) return;
  if (to === msg.ToUserName && from === msg.FromUserName) {
    f.problems.push(
      `ToUserName and FromUserName are not swapped: a reply goes To the user (${msg.FromUserName}) From the account (${msg.ToUserName}); WeChat drops it`,
    );
    return;
  }
  if (to !== msg.FromUserName)
    f.problems.push(
      `ToUserName is ${JSON.stringify(to)}, expected the user's OpenID ${JSON.stringify(msg.FromUserName)} (the request's FromUserName)`,
    );
  if (from !== msg.ToUserName)
    f.problems.push(
      `FromUserName is ${JSON.stringify(from)}, expected the account id ${JSON.stringify(msg.ToUserName)} (the request's ToUserName)`,
    );
}

function checkCreateTime(n: XmlNode, now: number, f: Findings): void {
  const raw = text(n, 'CreateTime')?.trim();
  if (!raw) return void f.problems.push('the reply has no CreateTime');
  if (!/^\d+$/.test(raw))
    return void f.problems.push(`CreateTime ${JSON.stringify(raw)} is not an integer number of seconds`);
  const t = Number(raw);
  if (raw.length >= 13) {
    f.warnings.push(
      `CreateTime ${raw} is in milliseconds (${raw.length} digits); WeChat expects Unix seconds. It tolerates this today, but it is a bug (Date.now() instead of Math.floor(Date.now() / 1000))`,
    );
  } else if (Math.abs(t - now / 1000) > 3600) {
    f.warnings.push(
      `CreateTime ${raw} is ${Math.round(Math.abs(t - now / 1000) / 3600)} h away from now; is the server's clock or time unit wrong?`,
    );
  }
}

function checkBody(r: ParsedReply, n: XmlNode, msg: WechatMessage, f: Findings): void {
  const nested = (outer: string) => {
    if (!text(child(n, outer) ?? {}, 'MediaId')) {
      const hint = text(n, 'MediaId') ? ` (MediaId must sit inside <${outer}>)` : '';
      f.problems.push(
        `${r.MsgType} reply without <${outer}><MediaId>${hint}: WeChat needs a media id from the media API`,
      );
    }
  };
  switch (r.MsgType) {
    case 'text': {
      if (text(n, 'Content') === undefined) return void f.problems.push('text reply without <Content>');
      if (r.Content.length === 0)
        return void f.problems.push(
          'text reply with an empty Content: to say nothing, reply "success" or an empty body instead',
        );
      const bytes = Buffer.byteLength(r.Content, 'utf8');
      if (bytes > TEXT_REPLY_MAX_BYTES)
        f.warnings.push(
          `text Content is ${bytes} bytes; WeChat truncates or drops text replies over about ${TEXT_REPLY_MAX_BYTES} bytes`,
        );
      return;
    }
    case 'image':
      return void nested('Image');
    case 'voice':
      return void nested('Voice');
    case 'video':
      return void nested('Video');
    case 'music':
      if (!r.Music.ThumbMediaId)
        f.problems.push('music reply without <Music><ThumbMediaId>: WeChat requires the thumbnail media id');
      return;
    case 'news':
      return void checkNews(r, msg, f);
    default:
      return;
  }
}

function checkNews(r: Extract<ParsedReply, { MsgType: 'news' }>, msg: WechatMessage, f: Findings): void {
  const count = r.Articles.length;
  const limit = newsLimitFor(msg);
  if (count === 0) return void f.problems.push('news reply without any <Articles><item>');
  if (!Number.isInteger(r.ArticleCount)) f.problems.push('news reply without a numeric <ArticleCount>');
  else if (r.ArticleCount !== count)
    f.problems.push(`ArticleCount says ${r.ArticleCount} but the reply has ${count} article(s)`);
  if (count > limit) {
    const why =
      limit === 1
        ? 'in reply to a user message WeChat allows 1 article'
        : 'WeChat allows at most 8 articles in a passive reply';
    f.problems.push(`news reply with ${count} articles: ${why}; the rest are not sent (older clients show nothing)`);
  }
  r.Articles.forEach((a, i) => {
    if (!a.Title) f.warnings.push(`article ${i + 1} has no Title`);
    if (!a.Url) f.warnings.push(`article ${i + 1} has no Url: tapping the card goes nowhere`);
  });
}

/**
 * Why WeChat never shows a reply to this message, given what the user did (§4.2), or undefined when
 * it does show it. The judge warns with it; the UI's phone draws no bubble for such a reply.
 */
export function unseenReply(msg: Pick<WechatMessage, 'MsgType'>): string | undefined {
  if (msg.MsgType !== 'event') return undefined;
  const e = (msg as { Event?: unknown }).Event;
  if (e === 'unsubscribe')
    return 'replied to an unsubscribe event: the user has left and never sees it; reply "success"';
  if (e === 'VIEW' || e === 'view_miniprogram')
    return `replied to a ${e} event: the client is opening the page and never shows it; reply "success"`;
  if (e === 'TEMPLATESENDJOBFINISH' || e === 'MASSSENDJOBFINISH')
    return `replied to ${e}, a system notification: nobody sees this reply; reply "success"`;
  return undefined;
}

function checkContext(msg: WechatMessage, f: Findings): void {
  const why = unseenReply(msg);
  if (why) f.warnings.push(why);
}

/** Judges the plaintext reply XML; returns the parsed reply when it is one WeChat understands. */
export function checkReplyXml(xml: string, msg: WechatMessage, now: number, f: Findings): ParsedReply | null {
  let n: XmlNode;
  try {
    n = parseXml(xml);
  } catch (err) {
    f.problems.push(describeNonXml(xml, (err as WxbotError).message));
    return null;
  }
  if (!/^\s*(<\?xml[^>]*\?>\s*)?<xml[\s>]/.test(xml))
    f.problems.push('the root element is not <xml>: WeChat reads only <xml>…</xml>');
  const type = text(n, 'MsgType');
  if (!type) {
    f.problems.push('the reply has no MsgType');
    return null;
  }
  if (!(REPLY_TYPES as readonly string[]).includes(type)) {
    f.problems.push(`unknown reply MsgType ${JSON.stringify(type)}: WeChat replies are ${REPLY_TYPES.join(', ')}`);
    return null;
  }
  const reply = parseReply(xml);
  checkIds(n, msg, f);
  checkCreateTime(n, now, f);
  checkBody(reply, n, msg, f);
  checkContext(msg, f);
  return reply;
}
