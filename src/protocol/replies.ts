/**
 * Passive replies (protocol.md §5): the body of the HTTP response to a push.
 * Field names are WeChat's; `ToUserName`/`FromUserName`/`CreateTime` are filled in by `renderReply`.
 */
import { XmlError } from './errors.js';
import { isUserMessage, type WechatMessage } from './messages.js';
import { buildXml, child, parseXml, text, type XmlInputNode, type XmlNode } from './xml.js';

export interface Article {
  Title: string;
  Description?: string;
  PicUrl?: string;
  Url?: string;
}

export interface TextReply {
  MsgType: 'text';
  Content: string;
}
export interface ImageReply {
  MsgType: 'image';
  Image: { MediaId: string };
}
export interface VoiceReply {
  MsgType: 'voice';
  Voice: { MediaId: string };
}
export interface VideoReply {
  MsgType: 'video';
  Video: {
    MediaId: string;
    Title?: string;
    Description?: string;
    /**
     * Not part of the passive reply (§5), which carries no thumbnail: used when the reply goes late
     * through the customer-service API, whose video message asks for one (`thumb_media_id`, §6.3).
     */
    ThumbMediaId?: string;
  };
}
export interface MusicReply {
  MsgType: 'music';
  Music: { Title?: string; Description?: string; MusicUrl?: string; HQMusicUrl?: string; ThumbMediaId: string };
}
export interface NewsReply {
  MsgType: 'news';
  Articles: Article[];
}
export interface TransferReply {
  MsgType: 'transfer_customer_service';
  TransInfo?: { KfAccount: string };
}

export type ReplyBody = TextReply | ImageReply | VoiceReply | VideoReply | MusicReply | NewsReply | TransferReply;
export type ReplyType = ReplyBody['MsgType'];
export const REPLY_TYPES: readonly ReplyType[] = [
  'text',
  'image',
  'voice',
  'video',
  'music',
  'news',
  'transfer_customer_service',
];

export interface ReplyHeader {
  ToUserName: string;
  FromUserName: string;
  CreateTime: number;
}
export type Reply = ReplyHeader & ReplyBody;

/** §5.2: one article when answering a user message, up to 8 for events; WeChat sends only that many. */
export const NEWS_LIMIT_USER_MESSAGE = 1;
export const NEWS_LIMIT_EVENT = 8;

export function newsLimitFor(incoming: WechatMessage): number {
  return isUserMessage(incoming) ? NEWS_LIMIT_USER_MESSAGE : NEWS_LIMIT_EVENT;
}

// ---- helpers that read like the reply they build ----
export const textReply = (Content: string): TextReply => ({ MsgType: 'text', Content });
export const imageReply = (MediaId: string): ImageReply => ({ MsgType: 'image', Image: { MediaId } });
export const voiceReply = (MediaId: string): VoiceReply => ({ MsgType: 'voice', Voice: { MediaId } });
export const videoReply = (
  MediaId: string,
  Title?: string,
  Description?: string,
  ThumbMediaId?: string,
): VideoReply => ({
  MsgType: 'video',
  Video: ThumbMediaId === undefined ? { MediaId, Title, Description } : { MediaId, Title, Description, ThumbMediaId },
});
export const musicReply = (m: MusicReply['Music']): MusicReply => ({ MsgType: 'music', Music: m });
export const newsReply = (articles: Article | Article[]): NewsReply => ({
  MsgType: 'news',
  Articles: Array.isArray(articles) ? articles : [articles],
});
export const transferReply = (KfAccount?: string): TransferReply =>
  KfAccount
    ? { MsgType: 'transfer_customer_service', TransInfo: { KfAccount } }
    : { MsgType: 'transfer_customer_service' };

/** The header of a reply to `incoming`: To/From swapped, CreateTime in seconds (not ms). */
export function replyHeader(
  incoming: Pick<WechatMessage, 'ToUserName' | 'FromUserName'>,
  now = Date.now(),
): ReplyHeader {
  return { ToUserName: incoming.FromUserName, FromUserName: incoming.ToUserName, CreateTime: Math.floor(now / 1000) };
}

function bodyNode(r: ReplyBody, articleLimit: number): XmlInputNode {
  switch (r.MsgType) {
    case 'text':
      return { Content: r.Content };
    case 'image':
      return { Image: { MediaId: r.Image.MediaId } };
    case 'voice':
      return { Voice: { MediaId: r.Voice.MediaId } };
    case 'video':
      return { Video: { MediaId: r.Video.MediaId, Title: r.Video.Title, Description: r.Video.Description } };
    case 'music': {
      const m = r.Music;
      return {
        Music: {
          Title: m.Title,
          Description: m.Description,
          MusicUrl: m.MusicUrl,
          HQMusicUrl: m.HQMusicUrl,
          ThumbMediaId: m.ThumbMediaId,
        },
      };
    }
    case 'news': {
      const kept = r.Articles.slice(0, articleLimit);
      return {
        ArticleCount: kept.length,
        Articles: kept.map((a) => ({ Title: a.Title, Description: a.Description, PicUrl: a.PicUrl, Url: a.Url })),
      };
    }
    case 'transfer_customer_service':
      return r.TransInfo ? { TransInfo: { KfAccount: r.TransInfo.KfAccount } } : {};
    default:
      throw new XmlError('XML_NOT_MESSAGE', `unknown reply MsgType ${(r as { MsgType: string }).MsgType}`);
  }
}

/** Serialises a full reply. News beyond `articleLimit` (default 8) is dropped, as WeChat would. */
export function buildReplyXml(reply: Reply, articleLimit = NEWS_LIMIT_EVENT): string {
  return buildXml({
    ToUserName: reply.ToUserName,
    FromUserName: reply.FromUserName,
    CreateTime: reply.CreateTime,
    MsgType: reply.MsgType,
    ...bodyNode(reply, articleLimit),
  });
}

/** Builds the reply XML to `incoming`, swapping ids and applying the news limit of §5.2. */
export function renderReply(incoming: WechatMessage, body: ReplyBody, now = Date.now()): string {
  return buildReplyXml({ ...replyHeader(incoming, now), ...body } as Reply, newsLimitFor(incoming));
}

// ---- reading replies (used by the simulator to judge a server) ----

function leaf(node: XmlNode | undefined, tag: string): string | undefined {
  return node ? text(node, tag) : undefined;
}

/** Parses a plaintext reply body into a Reply; fields keep WeChat's names, missing ones are undefined. */
export function parseReply(xml: string): Reply & { ArticleCount?: number } {
  const n = parseXml(xml);
  const header = {
    ToUserName: text(n, 'ToUserName') ?? '',
    FromUserName: text(n, 'FromUserName') ?? '',
    CreateTime: Number(text(n, 'CreateTime') ?? NaN),
  };
  const type = text(n, 'MsgType') ?? '';
  switch (type) {
    case 'text':
      return { ...header, MsgType: 'text', Content: text(n, 'Content') ?? '' };
    case 'image':
      return { ...header, MsgType: 'image', Image: { MediaId: leaf(child(n, 'Image'), 'MediaId') ?? '' } };
    case 'voice':
      return { ...header, MsgType: 'voice', Voice: { MediaId: leaf(child(n, 'Voice'), 'MediaId') ?? '' } };
    case 'video': {
      const v = child(n, 'Video');
      return {
        ...header,
        MsgType: 'video',
        Video: { MediaId: leaf(v, 'MediaId') ?? '', Title: leaf(v, 'Title'), Description: leaf(v, 'Description') },
      };
    }
    case 'music': {
      const m = child(n, 'Music');
      return {
        ...header,
        MsgType: 'music',
        Music: {
          Title: leaf(m, 'Title'),
          Description: leaf(m, 'Description'),
          MusicUrl: leaf(m, 'MusicUrl'),
          HQMusicUrl: leaf(m, 'HQMusicUrl'),
          ThumbMediaId: leaf(m, 'ThumbMediaId') ?? '',
        },
      };
    }
    case 'news': {
      const list = child(n, 'Articles')?.item;
      const raw = list === undefined ? [] : Array.isArray(list) ? list : [list];
      const Articles = raw
        .filter((x): x is XmlNode => typeof x === 'object' && !Array.isArray(x))
        .map((a) => ({
          Title: text(a, 'Title') ?? '',
          Description: text(a, 'Description'),
          PicUrl: text(a, 'PicUrl'),
          Url: text(a, 'Url'),
        }));
      return { ...header, MsgType: 'news', ArticleCount: Number(text(n, 'ArticleCount') ?? NaN), Articles };
    }
    case 'transfer_customer_service': {
      const kf = leaf(child(n, 'TransInfo'), 'KfAccount');
      return kf === undefined
        ? { ...header, MsgType: type }
        : { ...header, MsgType: type, TransInfo: { KfAccount: kf } };
    }
    default:
      throw new XmlError('XML_NOT_MESSAGE', type ? `unknown reply MsgType "${type}"` : 'reply has no MsgType');
  }
}
