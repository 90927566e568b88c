/**
 * One exchange as WeChat's conversation screen shows it: the user's message on the right, the
 * account's reply on the left (text, news card, media, music), a grey note for events and
 * transfers, WeChat's own notice when the reply was unusable, and late answers sent through the
 * customer-service API.
 */
import type { ExchangeSummary, UiCustomService, UiMessage, UiOutcome } from '../wire.js';
import { type Child, h, safeUrl } from './dom.js';

const NOTICE = '该公众号暂时无法提供服务，请稍后再试';

// A picture that cannot load (offline, a placeholder URL) leaves its grey box, not a broken-image icon.
const hideBroken = (e: Event) => (e.target as HTMLElement).remove();

const str = (v: unknown): string => (typeof v === 'string' || typeof v === 'number' ? String(v) : '');

/** Text as WeChat shows it: line breaks kept, `<a href="…">…</a>` clickable, everything else literal. */
export function richText(content: string): Child[] {
  const out: Child[] = [];
  const link = /<a\s+href=(["'])(.*?)\1\s*>([\s\S]*?)<\/a>/gi;
  let at = 0;
  for (let m = link.exec(content); m; m = link.exec(content)) {
    out.push(content.slice(at, m.index));
    const href = safeUrl(m[2]);
    out.push(href ? h('a', { href, target: '_blank', rel: 'noopener noreferrer' }, m[3]!) : m[0]);
    at = m.index + m[0].length;
  }
  out.push(content.slice(at));
  return out;
}

const bubble = (side: 'user' | 'bot', ...children: Child[]) =>
  h(
    'div',
    { class: `row ${side}` },
    h('div', { class: 'avatar' }, side === 'user' ? '我' : '公'),
    h('div', { class: 'bubble', testid: `bubble-${side}` }, ...children),
  );

const note = (text: string, testid?: string) => h('div', { class: 'note', testid }, text);

/**
 * Image/voice/video: a labelled placeholder with the media_id, and for a placeholder id of local
 * development (LOCAL_image_…, LOCAL_voice_…, LOCAL_video_…) the file itself, which the UI server
 * finds in .wxbot/media: the picture, or a player for the voice clip and the video.
 */
function media(kind: string, icon: string, mediaId: string, extra?: string): HTMLElement {
  const local = new RegExp(`^LOCAL_${kind}_[0-9a-f]{40}$`).test(mediaId) ? `/api/media/${mediaId}` : undefined;
  if (local && kind === 'image') {
    return h(
      'div',
      { class: 'media image' },
      h('img', { class: 'pic', src: local, alt: mediaId, onerror: hideBroken }),
      h('small', {}, `media_id ${mediaId}`),
    );
  }
  if (local && (kind === 'voice' || kind === 'video')) {
    // An AMR clip (WeChat's own voice format) does not play in browsers: the player says so.
    const player = h(kind === 'voice' ? 'audio' : 'video', {
      class: 'player',
      testid: `player-${kind}`,
      controls: true,
      preload: 'metadata',
      src: local,
      onerror: (e: Event) =>
        (e.target as HTMLElement).replaceWith(h('span', { class: 'unplayable' }, '（浏览器无法播放这个格式）')),
    });
    return h(
      'div',
      { class: `media ${kind}` },
      h('span', {}, `${icon} [${kind}]`, extra ? h('b', {}, ` ${extra}`) : null),
      player,
      h('small', {}, `media_id ${mediaId}`),
    );
  }
  return h(
    'div',
    { class: `media ${kind}` },
    h('span', { class: 'icon' }, icon),
    h('span', {}, `[${kind}]`),
    extra ? h('b', {}, extra) : null,
    h('small', {}, `media_id ${mediaId}`),
  );
}

function eventNote(m: UiMessage): string {
  const ev = str(m.Event);
  const key = str(m.EventKey);
  switch (ev) {
    case 'subscribe':
      return key ? `你通过二维码（${key.replace(/^qrscene_/, '')}）关注了公众号` : '你关注了公众号';
    case 'unsubscribe':
      return '你取消了关注';
    case 'SCAN':
      return `你扫描了二维码（场景 ${key}）`;
    case 'CLICK':
      return `你点击了菜单 ${key}`;
    case 'VIEW':
      return `你打开了菜单链接 ${key}`;
    default:
      return `事件 ${ev}${key ? ` ${key}` : ''}`;
  }
}

export function userSide(m: UiMessage): HTMLElement {
  switch (m.MsgType) {
    case 'text':
      return bubble('user', ...richText(str(m.Content)));
    case 'image': {
      const src = safeUrl(m.PicUrl);
      return bubble(
        'user',
        src ? h('img', { class: 'pic', src, alt: '图片', referrerpolicy: 'no-referrer' }) : '[图片]',
      );
    }
    case 'voice':
      return bubble(
        'user',
        h('span', { class: 'voice' }, '🔊 语音'),
        m.Recognition ? h('small', {}, `「${str(m.Recognition)}」`) : null,
      );
    case 'video':
    case 'shortvideo':
      return bubble('user', media('video', '▶', str(m.MediaId)));
    case 'location':
      return bubble(
        'user',
        h(
          'div',
          { class: 'loc' },
          `📍 ${str(m.Label) || '位置'}`,
          h('small', {}, `${str(m.Location_X)}, ${str(m.Location_Y)}`),
        ),
      );
    case 'link':
      return bubble(
        'user',
        h('div', { class: 'link' }, h('b', {}, str(m.Title)), h('small', {}, str(m.Description) || str(m.Url))),
      );
    case 'event':
      return note(eventNote(m));
    default:
      return note(`${m.MsgType} 消息`);
  }
}

function newsCard(articles: Record<string, unknown>[]): HTMLElement {
  const [first, ...rest] = articles;
  const cover = safeUrl(first?.PicUrl);
  const open = (a: Record<string, unknown> | undefined) => safeUrl(a?.Url);
  return h(
    'div',
    { class: 'news', testid: 'news-card' },
    h(
      'a',
      { class: 'cover', href: open(first), target: '_blank', rel: 'noopener noreferrer' },
      cover
        ? h('img', { src: cover, alt: '', referrerpolicy: 'no-referrer', onerror: hideBroken })
        : h('div', { class: 'noimg' }),
      h('span', { class: 'title' }, str(first?.Title)),
    ),
    rest.length === 0 && first?.Description ? h('p', { class: 'desc' }, str(first.Description)) : null,
    rest.map((a) => {
      const pic = safeUrl(a.PicUrl);
      return h(
        'a',
        { class: 'item', href: open(a), target: '_blank', rel: 'noopener noreferrer' },
        h('span', {}, str(a.Title)),
        pic ? h('img', { src: pic, alt: '', referrerpolicy: 'no-referrer', onerror: hideBroken }) : null,
      );
    }),
  );
}

export function botSide(outcome: UiOutcome): HTMLElement | null {
  // WeChat accepts a reply to VIEW, unsubscribe… but never shows it: nothing to draw (the inspector has it).
  if (outcome.kind === 'none' || (outcome.kind === 'reply' && outcome.unseen)) return null;
  if (outcome.kind === 'notice') return h('div', { class: 'notice', testid: 'notice', title: outcome.why }, NOTICE);
  const r = outcome.reply as Record<string, unknown> & { MsgType: string };
  const sub = (name: string) => (r[name] ?? {}) as Record<string, unknown>;
  switch (r.MsgType) {
    case 'text':
      return bubble('bot', ...richText(str(r.Content)));
    case 'news': {
      const list = Array.isArray(r.Articles) ? (r.Articles as Record<string, unknown>[]) : [];
      return h(
        'div',
        { class: 'row bot' },
        h('div', { class: 'avatar' }, '公'),
        h('div', { class: 'bubble card', testid: 'bubble-bot' }, newsCard(list)),
      );
    }
    case 'image':
      return bubble('bot', media('image', '🖼', str(sub('Image').MediaId)));
    case 'voice':
      return bubble('bot', media('voice', '🔊', str(sub('Voice').MediaId)));
    case 'video':
      return bubble('bot', media('video', '▶', str(sub('Video').MediaId), str(sub('Video').Title)));
    case 'music': {
      const m = sub('Music');
      const href = safeUrl(m.MusicUrl);
      return bubble(
        'bot',
        h(
          'a',
          { class: 'music', href, target: '_blank', rel: 'noopener noreferrer' },
          h('span', { class: 'icon' }, '♪'),
          h('b', {}, str(m.Title) || '音乐'),
          h('small', {}, str(m.Description)),
        ),
      );
    }
    case 'transfer_customer_service':
      return note('消息已转给客服');
    default:
      return bubble('bot', `[${r.MsgType}]`);
  }
}

/**
 * A late answer sent through the customer-service API: a message from the account on its own, when it
 * was sent (as a follower gets it). One WeChat did not take still shows (it is what the bot answered),
 * marked 未送达 with the errcode and what to do.
 */
function customServiceView(x: ExchangeSummary, cs: UiCustomService): HTMLElement {
  const turn = h(
    'div',
    { class: `turn late${cs.sent ? '' : ' undelivered'}`, 'data-id': x.id, testid: 'late-reply' },
    botSide(x.outcome),
  );
  if (!cs.sent)
    turn.append(
      h(
        'div',
        { class: 'undelivered-note', testid: 'undelivered' },
        h('b', {}, `未送达（客服消息）`),
        ` ${cs.why ?? ''}`,
        cs.hint ? h('small', {}, cs.hint) : null,
      ),
    );
  return turn;
}

/** Both sides of one exchange. */
export function exchangeView(x: ExchangeSummary): HTMLElement {
  if (x.customService) return customServiceView(x, x.customService);
  const bot = botSide(x.outcome);
  return h('div', { class: 'turn', 'data-id': x.id }, x.message ? userSide(x.message) : null, bot);
}
