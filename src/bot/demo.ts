import type { ChatProvider } from '../providers/provider.js';
import { newsReply } from '../protocol/replies.js';
import { createBot, type Bot } from './bot.js';
import { chat } from './chat.js';

export interface DemoBotOptions {
  /** Other text goes here when given; otherwise it is echoed back. */
  provider?: ChatProvider;
  /** Shown in the help text, e.g. 'tuling' or 'openai'. */
  providerName?: string;
}

function helpText(providerName?: string): string {
  return [
    '我是 wxbot 演示机器人，可以试试：',
    '· 你好 / 时间 / 计数 / 文章 / 骰子',
    '· 发送图片、语音、视频、位置或链接',
    providerName
      ? `· 其他文字交给聊天机器人（${providerName}）回答`
      : '· 其他文字会原样回给你（配置聊天服务后由机器人回答）',
    '（help 也可以）',
  ].join('\n');
}

const fmt = (n: number) => (Number.isFinite(n) ? String(n) : '?');

/**
 * The bot `wxbot serve` runs without an entry: works offline, answers every message type
 * sensibly, and hands other text to a chat provider when one is configured (else echoes it).
 */
export function createDemoBot(options: DemoBotOptions = {}): Bot {
  const bot = createBot();
  bot
    .text(['帮助', 'help', 'Help', 'HELP', '?', '？'], () => helpText(options.providerName))
    .text(['你好', '您好', 'hi', 'hello', 'Hi', 'Hello'], () => '你好！发送「帮助」看看我能做什么。')
    .text(
      ['时间', 'time'],
      () => `现在是 ${new Date().toLocaleString('zh-CN', { timeZone: 'Asia/Shanghai', hour12: false })}（北京时间）`,
    )
    .text(['计数', 'count'], async (ctx) => {
      const s = await ctx.session.update((v) => ({ count: (typeof v?.count === 'number' ? v.count : 0) + 1 }));
      return `这是你第 ${s.count} 次发送「计数」。`;
    })
    .text(['文章', 'news'], () =>
      newsReply({
        Title: 'wxbot：在笔记本上开发公众号机器人',
        Description: 'serve / simulate / tunnel，一条命令跑起来',
        PicUrl: 'https://mmbiz.qpic.cn/mmbiz_png/placeholder/0',
        Url: 'https://github.com/',
      }),
    )
    .text(/^(?:骰子|roll|dice)\s*(\d{1,3})?$/i, (ctx) => {
      const sides = Math.max(2, Number(ctx.match?.[1] ?? 6));
      return `🎲 ${1 + Math.floor(Math.random() * sides)}（1–${sides}）`;
    })
    .on('image', (ctx) => `收到图片：${ctx.message.PicUrl}`)
    .on('voice', (ctx, next) => {
      const said = ctx.message.Recognition?.trim();
      // With a chat provider, what the user said goes to it, like text.
      if (said && options.provider) return chat(options.provider)(ctx, next);
      return said
        ? `你说：「${said}」`
        : `收到语音（${ctx.message.Format || '未知格式'}），没有识别文字：请在公众号后台开启语音识别。`;
    })
    .on(
      ['video', 'shortvideo'],
      (ctx) => `收到${ctx.message.MsgType === 'video' ? '视频' : '小视频'}，MediaId：${ctx.message.MediaId}`,
    )
    .on('location', (ctx) => {
      const m = ctx.message;
      return `📍 ${m.Label || '（无地名）'}\n纬度 ${fmt(m.Location_X)}，经度 ${fmt(m.Location_Y)}`;
    })
    .on('link', (ctx) => `收到链接：${ctx.message.Title}\n${ctx.message.Url}`)
    .event('subscribe', (ctx) => {
      const scene = ctx.message.EventKey?.startsWith('qrscene_')
        ? `（来自二维码场景 ${ctx.message.EventKey.slice(8)}）`
        : '';
      return `感谢关注${scene}！\n${helpText(options.providerName)}`;
    })
    .event('SCAN', (ctx) => `扫码成功，场景值：${ctx.message.EventKey}`)
    .event('CLICK', (ctx) => `你点击了菜单：${ctx.message.EventKey}`)
    .event(
      ['scancode_push', 'scancode_waitmsg'],
      (ctx) =>
        `扫码结果（${ctx.message.ScanCodeInfo?.ScanType ?? '?'}）：${ctx.message.ScanCodeInfo?.ScanResult ?? ''}`,
    )
    .event(
      ['pic_sysphoto', 'pic_photo_or_album', 'pic_weixin'],
      (ctx) => `准备接收 ${ctx.message.SendPicsInfo?.Count ?? 0} 张图片`,
    )
    .event('location_select', (ctx) => {
      const l = ctx.message.SendLocationInfo;
      return `📍 ${l?.Label || l?.Poiname || '（无地名）'}\n纬度 ${fmt(Number(l?.Location_X))}，经度 ${fmt(Number(l?.Location_Y))}`;
    })
    // unsubscribe, LOCATION (periodic reports), VIEW, job-finish and unknown events: `success`.
    .fallback(
      options.provider ? chat(options.provider) : (ctx) => (ctx.message.MsgType === 'text' ? ctx.text : undefined),
    );
  return bot;
}
