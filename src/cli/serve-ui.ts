/**
 * Starting the UI for `wxbot ui`, `wxbot serve --ui` and `wxbot tunnel --ui`: its port, and the custom
 * menu the phone shows (a file, else the account's menu when an AppSecret is set). Loaded only when
 * the UI is asked for.
 */
import { join, resolve } from 'node:path';
import { DEV_SESSION_DIR } from '../config/dev-session.js';
import type { Env } from '../config/env.js';
import type { RunningServer } from '../server/start.js';
import type { Exchange } from '../server/types.js';
import type { UiTarget } from '../ui/phone.js';
import { DEFAULT_UI_PORT, startUiServer, type UiServer } from '../ui/server.js';
import type { MenuButtonSpec } from '../ui/wire.js';
import { CliError, EXIT } from './errors.js';
import { readJsonFile } from './json-file.js';
import type { ServeSettings } from './serve-settings.js';

export interface UiFlags {
  ui?: boolean;
  uiPort?: string;
  menu?: string;
}

type MenuSpec = { button: MenuButtonSpec[] };

/** A menu file checked as `wxbot menu create` checks it, every problem listed. */
export async function readMenuFile(file: string, cwd: string): Promise<MenuSpec> {
  const json = await readJsonFile(resolve(cwd, file), `the menu file ${file}`, EXIT.usage);
  const { menuForCreate, validateMenu } = await import('../wechat-api/menu-validate.js');
  const problems = validateMenu(json);
  if (problems.length > 0) {
    const list = problems.map((p) => `  ${p.path}: ${p.message}`).join('\n');
    throw new CliError(`the menu file ${file} has ${problems.length} problem(s):\n${list}`, EXIT.usage);
  }
  return menuForCreate(json) as MenuSpec;
}

/** The account's current menu (`wxbot menu get`), or undefined with a warning when it cannot be read. */
async function accountMenu(
  appId: string,
  appSecret: string,
  env: Env,
  warn: (s: string) => void,
): Promise<MenuSpec | undefined> {
  try {
    const { createWechatApi, getMenu } = await import('../wechat-api/index.js');
    const current = await getMenu(createWechatApi({ appId, appSecret, apiBase: env.WECHAT_API_BASE }));
    if (!current)
      warn('wxbot: ui: the account has no custom menu; the phone shows none (--menu menu.json to try one)\n');
    return current?.menu as MenuSpec | undefined;
  } catch (err) {
    warn(
      `wxbot: ui: could not read the account's menu (${(err as Error).message}); the phone shows none (--menu menu.json to try one)\n`,
    );
    return undefined;
  }
}

export function uiPort(flags: UiFlags): number {
  if (flags.uiPort === undefined) return DEFAULT_UI_PORT;
  const n = Number(flags.uiPort);
  if (!Number.isInteger(n) || n < 0 || n > 65535)
    throw new CliError(`--ui-port must be an integer from 0 to 65535, got "${flags.uiPort}"`, EXIT.usage);
  return n;
}

export interface StartUiOptions {
  target: UiTarget;
  flags: UiFlags;
  env: Env;
  cwd: string;
  stderr: NodeJS.WritableStream;
  appSecret?: string;
  account?: string;
  timeoutMs?: number;
  onWatched?: (watched: boolean) => void;
}

export async function startUi(o: StartUiOptions): Promise<{ ui: UiServer; menuSource: string }> {
  const port = uiPort(o.flags);
  let menu: MenuSpec | undefined;
  let menuSource = 'none (--menu menu.json to show one)';
  if (o.flags.menu) {
    menu = await readMenuFile(o.flags.menu, o.cwd);
    menuSource = o.flags.menu;
  } else if (o.target.appId && o.appSecret) {
    menu = await accountMenu(o.target.appId, o.appSecret, o.env, (s) => o.stderr.write(s));
    if (menu) menuSource = "the account's menu (wxbot menu get)";
  }
  try {
    const ui = await startUiServer({
      target: o.target,
      port,
      menu: menu ?? null,
      menuSource,
      account: o.account,
      timeoutMs: o.timeoutMs,
      onWatched: o.onWatched,
      // Placeholder media_ids of local development: `wxbot serve` keeps their files there.
      mediaDir: join(o.cwd, DEV_SESSION_DIR, 'media'),
    });
    return { ui, menuSource };
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'EADDRINUSE')
      throw new CliError(
        `the UI port ${port} is already in use: pass --ui-port <another> (or --ui-port 0 for any free port)`,
      );
    throw err;
  }
}

/**
 * `wxbot serve --ui`: the web UI next to the running server. Its inspector sees every request while a
 * page is open (all the time when the history records anyway): without a watcher the server does no
 * work for it.
 */
export async function attachUi(
  server: RunningServer,
  s: ServeSettings,
  flags: UiFlags,
  env: Env,
  cwd: string,
  stderr: NodeJS.WritableStream,
  history: ((x: Exchange) => void) | undefined,
): Promise<{ url: string; close(): Promise<void> }> {
  let observe: ((x: Exchange) => void) | undefined;
  const watch = (on: boolean) => {
    const ui = on ? observe : undefined;
    server.handler.setOnExchange(
      ui && history
        ? (x) => {
            history(x);
            ui(x);
          }
        : (ui ?? history),
    );
  };
  const { ui } = await startUi({
    target: { url: server.url, token: s.token, aesKey: s.aesKey, appId: s.appId },
    flags,
    env,
    cwd,
    stderr,
    appSecret: s.appSecret,
    onWatched: (watched) => watch(watched || history !== undefined),
  });
  observe = (x) => ui.observe(x);
  if (history) watch(true);
  return { url: ui.url, close: () => ui.close() };
}
