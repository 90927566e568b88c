// The valid traffic of the soak: every message type and event WeChat pushes (protocol.md §4, the
// kinds in test/fixtures/messages), GET verification, in plaintext, compatible and safe mode, each
// with the exact reply the demo bot (`wxbot serve` without an entry) must give. A request is built
// fresh every time (unique MsgId, current timestamp) so dedupe never short-cuts it, except retries.
import { randomBytes, randomInt } from 'node:crypto';
import * as wx from '../../dist/index.js';

export const PATH = '/wechat';
export const MODES = ['plain', 'compat', 'safe'];

/** The account the soak server is configured with (fresh per run: nothing secret is reused). */
export function newAccount() {
  return {
    token: wx.generateToken(24),
    aesKey: wx.generateEncodingAESKey(),
    appId: `wx${randomBytes(8).toString('hex')}`,
  };
}

const HELP = [
  '我是 wxbot 演示机器人，可以试试：',
  '· 你好 / 时间 / 计数 / 文章 / 骰子',
  '· 发送图片、语音、视频、位置或链接',
  '· 其他文字会原样回给你（配置聊天服务后由机器人回答）',
  '（help 也可以）',
].join('\n');

// Text that must survive the XML round trip byte for byte: CJK, emoji, markup, a CDATA terminator.
const PIECES = [
  '你好世界',
  '🙂👍',
  '<b>&amp;</b>',
  ']]></Content><MsgType>news</MsgType>',
  'a & b < c > d',
  '"quoted" \'single\'',
  '换行\n第二行',
  'Ünïcödé',
];
const pick = (list) => list[randomInt(list.length)];
const coord = (lo, span) => Number((lo + Math.random() * span).toFixed(6));
const fmt = (n) => (Number.isFinite(n) ? String(n) : '?');
const media = () => randomBytes(24).toString('base64url');
/** A fresh 28-character OpenID: events are deduped by sender + CreateTime, so each gets its own sender. */
export const freshOpenId = () => `o${randomBytes(20).toString('base64url').slice(0, 27)}`;

function shown(j) {
  if (j.ack !== null) return JSON.stringify(j.ack);
  if (!j.reply) return 'no reply';
  const r = j.reply;
  return `${r.MsgType} ${JSON.stringify(r.Content ?? r.Articles?.[0]?.Title ?? '')}`.slice(0, 160);
}

// Expectations: return undefined when the judged reply is right, else what is wrong.
const text = (want) => (j) => {
  const c = j.reply?.MsgType === 'text' ? j.reply.Content : undefined;
  const ok = c !== undefined && (typeof want === 'string' ? c === want : want.test(c));
  return ok ? undefined : `expected text ${JSON.stringify(String(want)).slice(0, 120)}, got ${shown(j)}`;
};
const success = (j) => (j.ack === 'success' ? undefined : `expected "success", got ${shown(j)}`);

/** A signed POST of `message` in a random mode, with the check of its reply. */
export function push(account, message, expect) {
  const mode = pick(MODES);
  const p = wx.buildPushRequest(PATH, message, { ...account, mode });
  return { method: 'POST', path: p.url, body: p.body, mode, message, expect };
}

/** The reply as a comparable summary (retries must get the same one). */
export function replyKey(j) {
  if (j.ack !== null) return `ack:${j.ack}`;
  const r = j.reply;
  if (!r) return 'none';
  return `${r.MsgType}:${r.Content ?? JSON.stringify(r.Articles ?? r.Image ?? r.Voice ?? r.Video ?? r.Music ?? '')}`;
}

/**
 * The kinds: name → weight and builder. `w` is the worker (its own users, so 计数 counts are exact).
 * Builders return { method, path, body, mode?, message?, expect(judgement) } or, for GET,
 * { method, path, expectBody }.
 */
export function validKinds(account) {
  const cipher = new wx.MessageCipher(account.aesKey, account.appId);
  const user = (w) => pick(w.users);
  const ev = () => ({ from: freshOpenId() });
  return {
    'text echo': [
      6,
      (w) => {
        const content = `soak ${randomInt(1e9)} ${pick(PIECES)} ${pick(PIECES)}`;
        return push(account, wx.textMessage(content, { from: user(w) }), text(content));
      },
    ],
    'text 你好': [
      3,
      (w) =>
        push(
          account,
          wx.textMessage(pick(['你好', 'hello', 'hi']), { from: user(w) }),
          text('你好！发送「帮助」看看我能做什么。'),
        ),
    ],
    'text 帮助': [1, (w) => push(account, wx.textMessage(pick(['帮助', 'help', '?']), { from: user(w) }), text(HELP))],
    'text 时间': [
      1,
      (w) =>
        push(
          account,
          wx.textMessage('时间', { from: user(w) }),
          text(/^现在是 \d{4}\/\d{1,2}\/\d{1,2} \d{2}:\d{2}:\d{2}（北京时间）$/),
        ),
    ],
    'text 计数 (session)': [
      3,
      (w) => {
        // Each worker owns its users and sends one at a time per user, so the count is known exactly.
        const from = user(w);
        const n = (w.counts.get(from) ?? 0) + 1;
        w.counts.set(from, n);
        return push(account, wx.textMessage('计数', { from }), text(`这是你第 ${n} 次发送「计数」。`));
      },
    ],
    'text 文章 (news)': [
      1,
      (w) =>
        push(account, wx.textMessage('文章', { from: user(w) }), (j) =>
          j.reply?.MsgType === 'news' &&
          j.reply.Articles?.length === 1 &&
          j.reply.Articles[0].Title === 'wxbot：在笔记本上开发公众号机器人'
            ? undefined
            : `expected a 1-article news reply, got ${shown(j)}`,
        ),
    ],
    'text 骰子': [
      1,
      (w) => {
        const sides = randomInt(2, 100);
        return push(account, wx.textMessage(`骰子 ${sides}`, { from: user(w) }), (j) => {
          const m = /^🎲 (\d+)（1–(\d+)）$/.exec(j.reply?.MsgType === 'text' ? j.reply.Content : '');
          return m && Number(m[2]) === sides && Number(m[1]) >= 1 && Number(m[1]) <= sides
            ? undefined
            : `expected a roll of 1–${sides}, got ${shown(j)}`;
        });
      },
    ],
    image: [
      3,
      (w) => {
        const url = `https://mmbiz.qpic.cn/soak/${media()}/0`;
        return push(account, wx.imageMessage(url, { from: user(w) }), text(`收到图片：${url}`));
      },
    ],
    'voice + Recognition': [
      2,
      (w) => {
        const said = `今天天气怎么样 ${randomInt(1e6)}`;
        return push(account, wx.voiceMessage({ recognition: said }, { from: user(w) }), text(`你说：「${said}」`));
      },
    ],
    voice: [
      1,
      (w) => {
        const format = pick(['amr', 'speex']);
        return push(
          account,
          wx.voiceMessage({ format }, { from: user(w) }),
          text(`收到语音（${format}），没有识别文字：请在公众号后台开启语音识别。`),
        );
      },
    ],
    video: [
      1,
      (w) => {
        const m = wx.videoMessage({}, { from: user(w) });
        return push(account, m, text(`收到视频，MediaId：${m.MediaId}`));
      },
    ],
    shortvideo: [
      1,
      (w) => {
        const m = wx.shortVideoMessage({}, { from: user(w) });
        return push(account, m, text(`收到小视频，MediaId：${m.MediaId}`));
      },
    ],
    location: [
      2,
      (w) => {
        const lat = coord(18, 30);
        const lng = coord(90, 30);
        const label = pick(['广州市天河区', '北京市海淀区 <中关村>', '']);
        return push(
          account,
          wx.locationMessage(lat, lng, { label, scale: 20 }, { from: user(w) }),
          text(`📍 ${label || '（无地名）'}\n纬度 ${fmt(lat)}，经度 ${fmt(lng)}`),
        );
      },
    ],
    link: [
      2,
      (w) => {
        const url = `https://example.com/a/${randomInt(1e9)}?x=1&y=2`;
        const title = `文章 ${pick(PIECES)}`;
        return push(
          account,
          wx.linkMessage(url, { title, description: '摘要' }, { from: user(w) }),
          text(`收到链接：${title}\n${url}`),
        );
      },
    ],
    'unknown MsgType': [
      1,
      (w) => {
        const m = { ...wx.textMessage('x', { from: user(w) }), MsgType: 'miniprogrampage', Title: 'Card' };
        delete m.Content;
        return push(account, m, success);
      },
    ],
    'event subscribe': [1, () => push(account, wx.subscribeEvent(undefined, ev()), text(`感谢关注！\n${HELP}`))],
    'event subscribe (QR)': [
      1,
      () => {
        const scene = String(randomInt(1e6));
        return push(account, wx.subscribeEvent(scene, ev()), text(`感谢关注（来自二维码场景 ${scene}）！\n${HELP}`));
      },
    ],
    'event unsubscribe': [1, () => push(account, wx.unsubscribeEvent(ev()), success)],
    'event SCAN': [
      1,
      () => {
        const scene = `scene_${randomInt(1e6)}`;
        return push(account, wx.scanEvent(scene, ev()), text(`扫码成功，场景值：${scene}`));
      },
    ],
    'event LOCATION': [1, () => push(account, wx.locationEvent(coord(18, 30), coord(90, 30), {}, ev()), success)],
    'event CLICK': [
      2,
      () => {
        const key = `KEY_${randomInt(1e6)}`;
        return push(account, wx.clickEvent(key, ev()), text(`你点击了菜单：${key}`));
      },
    ],
    'event VIEW': [1, () => push(account, wx.viewEvent('https://example.com/menu', {}, ev()), success)],
    'event scancode_*': [
      1,
      () => {
        const result = `https://example.com/qr/${randomInt(1e6)}`;
        const type = pick(['scancode_push', 'scancode_waitmsg']);
        return push(
          account,
          wx.scanCodeEvent(type, 'SCAN_KEY', { result, scanType: 'qrcode' }, ev()),
          text(`扫码结果（qrcode）：${result}`),
        );
      },
    ],
    'event pic_*': [
      1,
      () => {
        const count = randomInt(1, 9);
        const type = pick(['pic_sysphoto', 'pic_photo_or_album', 'pic_weixin']);
        return push(account, wx.picEvent(type, 'PIC_KEY', { count }, ev()), text(`准备接收 ${count} 张图片`));
      },
    ],
    'event location_select': [
      1,
      () => {
        const lat = coord(18, 30);
        const lng = coord(90, 30);
        return push(
          account,
          wx.locationSelectEvent('LOC_KEY', lat, lng, { label: '广州市海珠区', poiname: '' }, ev()),
          text(`📍 广州市海珠区\n纬度 ${fmt(lat)}，经度 ${fmt(lng)}`),
        );
      },
    ],
    'event view_miniprogram': [1, () => push(account, wx.viewMiniprogramEvent('pages/index/index', {}, ev()), success)],
    'event TEMPLATESENDJOBFINISH': [
      1,
      () => push(account, wx.templateSendJobFinishEvent({ msgId: String(randomInt(1e9)) }, ev()), success),
    ],
    'event MASSSENDJOBFINISH': [
      1,
      () => push(account, wx.massSendJobFinishEvent({ msgId: String(randomInt(1e9)) }, ev()), success),
    ],
    'event unknown': [
      1,
      () => push(account, wx.customEvent('kf_create_session', { KfAccount: 'test1@test' }, ev()), success),
    ],
    'GET verify': [
      1,
      () => {
        const timestamp = String(wx.unixSeconds());
        const nonce = wx.newNonce();
        const echostr = wx.newEchostr();
        const q = new URLSearchParams({
          signature: wx.computeSignature(account.token, timestamp, nonce),
          timestamp,
          nonce,
          echostr,
        });
        return { method: 'GET', path: `${PATH}?${q}`, expectBody: echostr };
      },
    ],
    'GET verify (encrypted echostr)': [
      1,
      () => {
        // WeCom-style verification: msg_signature over the encrypted echostr, answered decrypted (protocol.md §1).
        const timestamp = String(wx.unixSeconds());
        const nonce = wx.newNonce();
        const echo = wx.newEchostr();
        const echostr = cipher.encrypt(echo);
        const q = new URLSearchParams({
          msg_signature: wx.computeMsgSignature(account.token, timestamp, nonce, echostr),
          timestamp,
          nonce,
          echostr,
        });
        return { method: 'GET', path: `${PATH}?${q}`, expectBody: echo };
      },
    ],
  };
}

/**
 * Picks kinds by weight: a flat table of names, one entry per unit of weight. Every kind comes once
 * first, so a short run on a busy machine (the quick soak in npm test) still sends each of them.
 */
export function weightedPicker(kinds) {
  const names = Object.keys(kinds);
  const table = Object.entries(kinds).flatMap(([name, [weight]]) => Array(weight).fill(name));
  let first = 0;
  return () => (first < names.length ? names[first++] : table[randomInt(table.length)]);
}
