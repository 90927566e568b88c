import { Command } from 'commander';
import { CliError, EXIT } from '../errors.js';
import { readJsonFile } from '../json-file.js';
import { type AccountFlags, accountApi, out, runWechat as run, withAccountOptions } from '../wechat-account.js';

interface MenuFlags extends AccountFlags {
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
  return withAccountOptions(cmd).addHelpText('after', examplesOf(cmd.name()));
}

// Heavy parts (undici, the API client) load inside the action.
const api = async (flags: MenuFlags) => (await accountApi(flags, 'menus')).api;

const readMenuFile = (file: string) => readJsonFile(file, file, EXIT.failure);

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
