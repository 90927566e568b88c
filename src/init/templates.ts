/**
 * The files of a new bot project. Plain functions of their inputs so tests can read them
 * without touching the disk; `scaffold.ts` decides where they go.
 */
export interface TemplateInput {
  /** npm package name of the new project. */
  name: string;
  /** The wxbot dependency: a version range, or a `file:` spec (see wxbot-spec.ts). */
  wxbotSpec: string;
  token: string;
  encodingAESKey: string;
  /** The account's AppID, or PLACEHOLDER_APP_ID until the user has it. */
  appId: string;
  entry: string;
}

/**
 * `wxbot serve` needs an AppID beside an EncodingAESKey (it checks the AppID inside every encrypted
 * message), so a fresh project gets an obvious placeholder; `wxbot tunnel` recognises it and says to
 * replace it before choosing 安全模式.
 */
export const PLACEHOLDER_APP_ID = 'wx0000000000000000';

export function packageJson(t: TemplateInput): string {
  const pkg = {
    name: t.name,
    version: '0.1.0',
    private: true,
    type: 'module',
    description: 'A WeChat Official Account (公众号) bot built with wxbot',
    scripts: {
      dev: `wxbot serve ${t.entry} --watch`,
      start: `wxbot serve ${t.entry}`,
      // The development loop with a real account: reloads on save like `dev`.
      tunnel: `wxbot tunnel ${t.entry} --watch`,
      try: 'wxbot simulate text 你好',
      test: `wxbot test --bot ${t.entry}`,
    },
    engines: { node: '>=20.18' },
    dependencies: { wxbot: t.wxbotSpec },
  };
  return `${JSON.stringify(pkg, null, 2)}\n`;
}

export function botModule(): string {
  return `// Your bot: one line per thing it understands. \`npm run dev\` serves it and reloads on save;
// \`npx wxbot simulate text 你好\` talks to it like WeChat would. Docs: the wxbot README.
import { chat, createBot, loadEnv, newsReply, providerFromEnv } from 'wxbot';

const bot = createBot();

// Keywords: the exact text (trimmed), several at once, or a RegExp (ctx.match holds the groups).
bot.text('你好', () => '你好！我是你的公众号机器人。发送「帮助」看看我能做什么。');
bot.text(['帮助', 'help'], () => [
  '我能做这些：',
  '· 你好 —— 打个招呼',
  '· 复读 <文字> —— 我重复你的话',
  '· 发图片、语音或位置 —— 我告诉你收到了什么',
  '· 其他任何话 —— 交给聊天机器人（在 .env 里配置 OPENAI_API_KEY 或 TULING_KEY）',
].join('\\n'));
bot.text(/^复读\\s*(.+)$/s, (ctx) => ctx.match?.[1] ?? '');

// Message types: images, voice, locations, links... each with WeChat's own field names.
bot.on('image', (ctx) => \`收到一张图片：\${ctx.message.PicUrl}\`);
bot.on('voice', (ctx) => (ctx.message.Recognition ? \`你说的是：\${ctx.message.Recognition}\` : '收到一段语音。'));
bot.on('location', (ctx) => \`你在 \${ctx.message.Label}（\${ctx.message.Location_X}, \${ctx.message.Location_Y}）\`);

// Events: follows, menu clicks, QR-code scans.
bot.event('subscribe', () => '感谢关注！发送「帮助」看看我能做什么。');
bot.click('ABOUT', () => newsReply({
  Title: '关于这个机器人',
  Description: '用 wxbot 搭建',
  Url: 'https://github.com/',
}));

// Everything else: a chat provider when one is configured in .env, otherwise a friendly default.
// Events and media without words (a QR scan, a video) get the same answer either way.
const configured = providerFromEnv(loadEnv());
const talk = configured ? chat(configured.provider) : (ctx) => \`你说：\${ctx.text}\`;
bot.fallback((ctx, next) => (ctx.text ? talk(ctx, next) : '嗯？我听不太懂'));

export default bot;
`;
}

export function envFile(t: TemplateInput): string {
  return `# Secrets for this bot. Never commit this file (.gitignore already lists it).
# Paste WECHAT_TOKEN and WECHAT_AES_KEY into 公众号后台 → 设置与开发 → 基本配置 → 服务器配置.
WECHAT_TOKEN=${t.token}
WECHAT_AES_KEY=${t.encodingAESKey}

# 开发者ID(AppID) from the same page: needed for 安全模式 (safe mode) and the WeChat API.
${t.appId === PLACEHOLDER_APP_ID ? '# Placeholder: replace it with your own before choosing 安全模式 in the console.\n' : ''}WECHAT_APP_ID=${t.appId}
# WECHAT_APP_SECRET=...

# \`wxbot tunnel\` (https://dashboard.ngrok.com/get-started/your-authtoken)
# NGROK_AUTHTOKEN=...

# A chat provider for messages no keyword matches (pick one).
# OPENAI_API_KEY=...
# OPENAI_BASE_URL=https://api.deepseek.com/v1
# OPENAI_MODEL=deepseek-chat
# TULING_KEY=...
`;
}

export function gitignore(): string {
  return `node_modules/
.env
.wxbot/
`;
}

export function readme(t: TemplateInput): string {
  return `# ${t.name}

A WeChat Official Account (公众号) bot built with [wxbot](https://www.npmjs.com/package/wxbot).

## Run it

\`\`\`sh
npm install
npm run dev                     # serves ${t.entry} on http://127.0.0.1:5050/wechat, reloads on save
npx wxbot simulate text 你好     # in another terminal: talk to it like WeChat would
npx wxbot ui                    # or in the browser: a phone that shows replies as WeChat does, and every request
\`\`\`

## Connect it to your Official Account

\`\`\`sh
npm run tunnel                  # public HTTPS URL + a self-check + exactly what to paste in the console; reloads on save
\`\`\`

\`wxbot tunnel\` needs an ngrok auth token (\`NGROK_AUTHTOKEN\` in \`.env\`), or use your own tunnel
(frp, cpolar, 花生壳): \`npx wxbot tunnel ${t.entry} --public-url https://your.host\`.

## Files

- \`${t.entry}\` — the bot: keywords, message types, events, and a chat fallback.
- \`tests/hello.convo\` — a conversation test: \`> \` what a user sends, \`< \` what the bot must answer.
  \`npm test\` runs it (\`wxbot test\`); add files next to it for everything your bot should keep doing.
- \`.env\` — Token and EncodingAESKey generated for you (keep it secret), AppID, provider keys.
- \`.wxbot/\` — recent exchanges (\`npx wxbot history\`, \`npx wxbot replay <id>\`); not committed.
`;
}

/** The conversation `npm test` runs out of the box: one turn for each thing botModule() does. */
export function helloConvo(): string {
  return `# 问候
# Lines starting with # are comments; the first one names the conversation.
> 你好
< 你好！我是你的公众号机器人。发送「帮助」看看我能做什么。

> 复读 hello
< hello

> [subscribe]
< ~感谢关注

> [click ABOUT]
< [news] 关于这个机器人

> [image https://example.com/a.jpg]
< /^收到一张图片/

> [location 39.9 116.4 天安门]
< *

> [scan 42]
< 嗯？我听不太懂
`;
}
