import { Command } from 'commander';
import { readFile } from 'node:fs/promises';
import { CliError, EXIT } from '../errors.js';

interface MenuFlags {
  appId?: string;
  appSecret?: string;
  apiBase?: string;
  json?: boolean;
  dryRun?: boolean;
}

const EXAMPLES = `
Examples:
  $ wxbot menu create menu.json --dry-run     # validate only, nothing is sent
  $ wxbot menu create menu.json
  $ wxbot menu get > menu.json                # the output is a valid input for create
  $ wxbot menu create menu.json --json
  $ wxbot menu delete
  $ wxbot menu delete --json
  $ WECHAT_API_BASE=http://127.0.0.1:8080 wxbot menu get --json`;

// Each subcommand's help ends with its own examples: the lines of EXAMPLES that run it.
function examplesOf(name: string): string {
  const lines = EXAMPLES.split('\n').filter((l) => l.includes(`wxbot menu ${name}`));
  return `\nExamples:\n${lines.join('\n')}`;
}

function withAccount(cmd: Command): Command {
  return cmd
    .option('--app-id <id>', 'AppID (default: WECHAT_APP_ID from the environment or .env)')
    .option('--app-secret <secret>', 'AppSecret (default: WECHAT_APP_SECRET)')
    .option('--api-base <url>', 'WeChat API base URL (default: WECHAT_API_BASE or https://api.weixin.qq.com)')
    .option('--json', 'print JSON only')
    .addHelpText('after', examplesOf(cmd.name()));
}

// Heavy parts (undici, the API client) load here, inside the action.
async function api(flags: MenuFlags) {
  const { loadEnv, wechatSettings } = await import('../../config/index.js');
  const { createWechatApi } = await import('../../wechat-api/index.js');
  const env = loadEnv();
  const { appId, appSecret } = wechatSettings({ appId: flags.appId, appSecret: flags.appSecret }, env);
  if (!appId || !appSecret) {
    throw new CliError(
      'menus need the account: set WECHAT_APP_ID and WECHAT_APP_SECRET (flags, environment or .env)',
      EXIT.usage,
    );
  }
  return createWechatApi({ appId, appSecret, apiBase: flags.apiBase ?? env.WECHAT_API_BASE });
}

async function run(action: () => Promise<void>): Promise<void> {
  const { WechatApiError } = await import('../../wechat-api/index.js');
  try {
    await action();
  } catch (err) {
    if (!(err instanceof WechatApiError)) throw err;
    const network = err.code === 'WECHAT_NETWORK' || err.code === 'WECHAT_HTTP';
    throw new CliError(err.message, network ? EXIT.network : err.code === 'WECHAT_CONFIG' ? EXIT.usage : EXIT.failure);
  }
}

async function readMenuFile(file: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new CliError(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new CliError(`${file} is not valid JSON: ${(err as Error).message}`);
  }
}

const out = (s: string) => process.stdout.write(`${s}\n`);

export default function menuCommand(): Command {
  const menu = new Command('menu')
    .description('Get, create or delete the custom menu of the Official Account (protocol.md §6.4)')
    .addHelpText('after', EXAMPLES);

  menu.addCommand(
    withAccount(new Command('get').description('print the current menu as JSON')).action((flags: MenuFlags) =>
      run(async () => {
        const { getMenu } = await import('../../wechat-api/index.js');
        const current = await getMenu(await api(flags));
        if (!current) process.stderr.write('no custom menu is set\n');
        if (flags.json) out(JSON.stringify(current ?? null));
        else if (current) out(JSON.stringify(current.menu, null, 2));
        if (current?.conditionalmenu?.length && !flags.json) {
          process.stderr.write(`(${current.conditionalmenu.length} personalised menu(s) not shown; see --json)\n`);
        }
      }),
    ),
  );

  menu.addCommand(
    withAccount(new Command('create').description('validate <file>, then replace the menu with it'))
      .argument('<file>', 'menu JSON: {"button": [...]}')
      .option('--dry-run', 'validate the file and stop')
      .action((file: string, flags: MenuFlags) =>
        run(async () => {
          const { createMenu, validateMenu } = await import('../../wechat-api/index.js');
          const input = await readMenuFile(file);
          const problems = validateMenu(input);
          if (problems.length > 0) {
            if (flags.json) out(JSON.stringify({ ok: false, problems }));
            else for (const p of problems) process.stderr.write(`  ${p.path}: ${p.message}\n`);
            throw new CliError(`${file}: ${problems.length} problem(s); nothing was sent`, EXIT.failure, {
              resultPrinted: flags.json,
            });
          }
          if (!flags.dryRun) await createMenu(await api(flags), input);
          if (flags.json) out(JSON.stringify({ ok: true, sent: !flags.dryRun }));
          else out(flags.dryRun ? `${file} is a valid menu (not sent: --dry-run)` : `menu created from ${file}`);
        }),
      ),
  );

  menu.addCommand(
    withAccount(new Command('delete').description('delete the menu (personalised menus too)')).action(
      (flags: MenuFlags) =>
        run(async () => {
          const { deleteMenu } = await import('../../wechat-api/index.js');
          await deleteMenu(await api(flags));
          out(flags.json ? JSON.stringify({ ok: true }) : 'menu deleted');
        }),
    ),
  );

  return menu;
}
