/**
 * What to type into 公众号后台 → 设置与开发 → 基本配置 → 服务器配置, derived from the running
 * server's settings. Pure data plus a plain-text box; colouring is the CLI's business.
 */
import { maskSecret } from '../config/mask.js';

export type ConsoleEncryptionMode = 'plain' | 'compat' | 'safe';

export const CONSOLE_MODE_LABELS: Record<ConsoleEncryptionMode, string> = {
  plain: '明文模式 (plaintext)',
  compat: '兼容模式 (compatible)',
  safe: '安全模式 (safe, recommended)',
};

export interface ConsoleSettings {
  /** 服务器地址(URL): public, with the path. */
  url: string;
  /** 令牌(Token): masked (`Qx…a9`) unless `secretsShown` or generated for this run. */
  token: string;
  /** 消息加解密密钥(EncodingAESKey), masked unless `secretsShown`; the console wants one even in plaintext mode. */
  encodingAESKey: string | null;
  /** Where the user finds the masked values (`WECHAT_TOKEN in .env`, `--token`), by field. */
  from: { token: string | null; encodingAESKey: string | null };
  /** True when the configured Token and EncodingAESKey are shown in full (`--show-secrets`). */
  secretsShown: boolean;
  /** 消息加解密方式 to choose. */
  mode: ConsoleEncryptionMode;
  modeLabel: string;
  /** 开发者ID(AppID) the server checks encrypted messages against, when configured. */
  appId: string | null;
  /** Reminders in words (AppID, IP whitelist, what to click). */
  notes: string[];
}

export interface SettingsInput {
  url: string;
  token: string;
  aesKey?: string;
  appId?: string;
  /** The token was generated for this run (nothing configured). */
  tokenGenerated?: boolean;
  /** Where the Token and the key are set (a flag or a variable), said beside their masked values. */
  tokenFrom?: string;
  aesKeyFrom?: string;
  /** Show the configured Token and key in full; otherwise they are masked like every other output's. */
  showSecrets?: boolean;
}

/** `wxbot init` writes this until the user fills in the real 开发者ID. */
export function isPlaceholderAppId(appId: string | undefined): boolean {
  return !!appId && /^wx0{16}$/.test(appId);
}

/** Safe mode needs both the key and the real AppID (the AppID inside every message is checked). */
export function consoleSettings(s: SettingsInput): ConsoleSettings {
  const placeholder = isPlaceholderAppId(s.appId);
  const mode: ConsoleEncryptionMode = s.aesKey && s.appId && !placeholder ? 'safe' : 'plain';
  const notes: string[] = [];
  if (s.tokenGenerated) {
    notes.push(
      `This Token was generated for this run only: add WECHAT_TOKEN=${s.token} to .env, or the console and the server disagree after a restart.`,
    );
  }
  if (placeholder) {
    notes.push(
      `WECHAT_APP_ID is still the placeholder ${s.appId}: put your 开发者ID(AppID) from the same page in .env and restart to use 安全模式; until then choose 明文模式.`,
    );
  } else if (s.aesKey && !s.appId) {
    notes.push(
      'Set WECHAT_APP_ID (开发者ID, on the same page) and restart to use 安全模式; until then choose 明文模式.',
    );
  }
  const masked = !s.showSecrets && (!s.tokenGenerated || s.aesKey);
  if (masked) {
    notes.push(
      "A configured Token and EncodingAESKey are masked here, as in all of wxbot's output: copy them from where the box says, or run again with --show-secrets to print them here.",
    );
  }
  if (!s.aesKey) {
    notes.push(
      'No EncodingAESKey configured: click 随机生成 in the console, or run `wxbot keys` and set WECHAT_AES_KEY and WECHAT_APP_ID for 安全模式.',
    );
  }
  if (s.appId && !placeholder)
    notes.push(`AppID checked in encrypted messages: ${s.appId} (must match 开发者ID(AppID) on that page).`);
  notes.push(
    'Calling the WeChat API from this machine (menus, customer-service messages)? Add its public IP to IP白名单 on the same page and set WECHAT_APP_ID / WECHAT_APP_SECRET.',
  );
  notes.push(
    'Click 提交 (submit): WeChat sends the GET check to the URL now, so keep this running; then click 启用 (enable).',
  );
  const show = (v: string) => (s.showSecrets ? v : maskSecret(v));
  return {
    url: s.url,
    token: s.tokenGenerated ? s.token : show(s.token),
    encodingAESKey: s.aesKey ? show(s.aesKey) : null,
    from: {
      token: s.tokenGenerated ? null : (s.tokenFrom ?? 'WECHAT_TOKEN'),
      encodingAESKey: s.aesKey ? (s.aesKeyFrom ?? 'WECHAT_AES_KEY') : null,
    },
    secretsShown: s.showSecrets === true,
    mode,
    modeLabel: CONSOLE_MODE_LABELS[mode],
    appId: s.appId && !placeholder ? s.appId : null,
    notes,
  };
}

// CJK characters take two terminal columns; the box must still line up.
export function displayWidth(s: string): number {
  let w = 0;
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    w +=
      (c >= 0x1100 && c <= 0x115f) ||
      (c >= 0x2e80 && c <= 0xa4cf) ||
      (c >= 0xac00 && c <= 0xd7a3) ||
      (c >= 0xf900 && c <= 0xfaff) ||
      (c >= 0xfe30 && c <= 0xfe4f) ||
      (c >= 0xff00 && c <= 0xff60) ||
      (c >= 0xffe0 && c <= 0xffe6) ||
      (c >= 0x1f300 && c <= 0x1faff)
        ? 2
        : 1;
  }
  return w;
}

function pad(s: string, width: number): string {
  return s + ' '.repeat(Math.max(0, width - displayWidth(s)));
}

function wrap(text: string, width: number, indent: string): string[] {
  const out: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line && displayWidth(line) + 1 + displayWidth(word) > width) {
      out.push(line);
      line = indent + word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) out.push(line);
  return out;
}

/** A masked value is no use to paste: the row says where the real one is first, the masked one to check it by. */
function withSource(value: string, from: string | null, shown: boolean): string {
  return shown || !from ? value : `copy ${from} (${value})`;
}

/** The box a user copies from: one field a line, labelled as the console labels it. */
export function renderPasteBox(c: ConsoleSettings): string {
  const title = '公众号后台 → 设置与开发 → 基本配置 → 服务器配置 (修改配置)';
  const rows: [string, string][] = [
    ['服务器地址(URL)', c.url],
    ['令牌(Token)', withSource(c.token, c.from.token, c.secretsShown)],
    [
      '消息加解密密钥(EncodingAESKey)',
      c.encodingAESKey
        ? withSource(c.encodingAESKey, c.from.encodingAESKey, c.secretsShown)
        : '(click 随机生成 in the console)',
    ],
    ['消息加解密方式', c.modeLabel],
  ];
  const labelWidth = Math.max(...rows.map(([l]) => displayWidth(l)));
  const lines = [
    title,
    '',
    ...rows.map(([l, v]) => `${pad(l, labelWidth)}  ${v}`),
    '',
    ...c.notes.flatMap((n) => wrap(`• ${n}`, 78, '  ')),
  ];
  const width = Math.max(...lines.map(displayWidth));
  const bar = '─'.repeat(width + 2);
  return [`┌${bar}┐`, ...lines.map((l) => `│ ${pad(l, width)} │`), `└${bar}┘`].join('\n');
}
