/**
 * Customer-service messages (客服消息, protocol.md §6.3): the JSON bodies for every passive reply
 * type that has an equivalent, and the call that sends one.
 */
import type { ReplyBody } from '../protocol/replies.js';
import type { WechatApi } from './client.js';

export type CustomMessage =
  | { touser: string; msgtype: 'text'; text: { content: string } }
  | { touser: string; msgtype: 'image'; image: { media_id: string } }
  | { touser: string; msgtype: 'voice'; voice: { media_id: string } }
  | {
      touser: string;
      msgtype: 'video';
      video: { media_id: string; thumb_media_id?: string; title?: string; description?: string };
    }
  | {
      touser: string;
      msgtype: 'music';
      music: { title?: string; description?: string; musicurl?: string; hqmusicurl?: string; thumb_media_id: string };
    }
  | {
      touser: string;
      msgtype: 'news';
      news: { articles: { title: string; description?: string; url?: string; picurl?: string }[] };
    };

export const CUSTOM_SEND_API = '/cgi-bin/message/custom/send';

/** `reply` as a follower gets it through the customer-service API, which sends one article of a news reply. */
export function asCustomServiceSends<R extends ReplyBody>(reply: R): R {
  if (reply.MsgType !== 'news' || reply.Articles.length <= 1) return reply;
  return { ...reply, Articles: reply.Articles.slice(0, 1) };
}

/**
 * The §6.3 body that delivers `reply` to `openid`, or undefined for a reply with no equivalent
 * (transfer_customer_service only works as a passive reply; news without an article).
 */
export function customMessageFor(openid: string, reply: ReplyBody): CustomMessage | undefined {
  switch (reply.MsgType) {
    case 'text':
      return { touser: openid, msgtype: 'text', text: { content: reply.Content } };
    case 'image':
      return { touser: openid, msgtype: 'image', image: { media_id: reply.Image.MediaId } };
    case 'voice':
      return { touser: openid, msgtype: 'voice', voice: { media_id: reply.Voice.MediaId } };
    case 'video': {
      const v = reply.Video;
      return {
        touser: openid,
        msgtype: 'video',
        video: omitUndefined({
          media_id: v.MediaId,
          thumb_media_id: v.ThumbMediaId,
          title: v.Title,
          description: v.Description,
        }),
      };
    }
    case 'music': {
      const m = reply.Music;
      return {
        touser: openid,
        msgtype: 'music',
        music: omitUndefined({
          title: m.Title,
          description: m.Description,
          musicurl: m.MusicUrl,
          hqmusicurl: m.HQMusicUrl,
          thumb_media_id: m.ThumbMediaId,
        }),
      };
    }
    case 'news': {
      if (reply.Articles.length === 0) return undefined;
      const articles = asCustomServiceSends(reply).Articles.map((a) =>
        omitUndefined({ title: a.Title, description: a.Description, url: a.Url, picurl: a.PicUrl }),
      );
      return { touser: openid, msgtype: 'news', news: { articles } };
    }
    default:
      return undefined;
  }
}

/** Sends one customer-service message; throws WechatApiError (45015, 45047, 48001, …) when WeChat refuses. */
export async function sendCustomMessage(api: WechatApi, message: CustomMessage): Promise<void> {
  await api.call(CUSTOM_SEND_API, { method: 'POST', body: message });
}

function omitUndefined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}
