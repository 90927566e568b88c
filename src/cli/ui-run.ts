/** `wxbot ui`: the web UI against a server that is already running (wxbot's or any other). */
import { loadEnv, wechatSettings } from '../config/env.js';
import { chalkFor } from './color.js';
import type { UiCommandFlags } from './commands/ui.js';
import { startUi } from './serve-ui.js';
import { resolveSimulate } from './simulate-options.js';
import { onStopSignals } from './stop-signals.js';

export async function runUi(flags: UiCommandFlags): Promise<void> {
  const env = loadEnv();
  const cwd = process.cwd();
  const r = resolveSimulate(
    { url: flags.url, token: flags.token, aesKey: flags.aesKey, appId: flags.appId, mode: 'plain' },
    env,
    cwd,
  );
  const { appSecret } = wechatSettings({ appSecret: flags.appSecret }, env);
  const { ui, menuSource } = await startUi({
    target: { url: r.url, ...r.settings },
    flags,
    env,
    cwd,
    stderr: process.stderr,
    appSecret,
    account: flags.to,
  });
  // Before the banner: a signal sent as soon as it shows (a script, a quick Ctrl-C) is handled.
  const stop = () => {
    void ui.close().then(() => process.exit(0));
  };
  onStopSignals(stop);
  const c = chalkFor(process.stderr, env);
  const modes =
    r.settings.aesKey && r.settings.appId
      ? 'plain, compat and safe'
      : 'plain (--aes-key and --app-id for compat and safe)';
  process.stderr.write(
    [
      '',
      `  ${c.green.bold('wxbot ui')} ${c.dim('—')} WeChat in the browser`,
      '',
      `  Open     ${c.cyan(ui.url)}  ${c.dim('# this machine only; the link carries this run’s key')}`,
      `  Server   ${r.url}`,
      `  Modes    ${modes}`,
      `  Menu     ${menuSource}`,
      '',
      `  ${c.dim('The inspector lists what the phone sends; `wxbot serve --ui` also shows every request the server gets.')}`,
      '',
      '',
    ].join('\n'),
  );
}
