import { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CliError, EXIT } from '../errors.js';

interface InitOptions {
  force?: boolean;
  name?: string;
  appId?: string;
  json?: boolean;
  wxbotSpec?: string;
}

// Why the dependency is what it is, for the line that shows it (npm install must find it).
const SOURCE_NOTE: Record<string, string> = {
  registry: ' (the npm registry, as this wxbot was installed)',
  directory: ' (the directory this wxbot runs from: it is not on the registry; --wxbot-spec to change it)',
};

const PACKAGE_ROOT = new URL('../../../', import.meta.url);

function ownVersion(): string {
  return (JSON.parse(readFileSync(new URL('package.json', PACKAGE_ROOT), 'utf8')) as { version: string }).version;
}

export default function initCommand(): Command {
  return new Command('init')
    .description(
      'Scaffold a bot project: package.json, bot.mjs, .env with a fresh Token and EncodingAESKey, .gitignore, README, tests/hello.convo',
    )
    .argument('[dir]', 'where to create it', '.')
    .option('-f, --force', 'overwrite files that already exist')
    .option('--name <name>', 'npm package name (default: the directory name)')
    .option('--app-id <id>', 'your 开发者ID(AppID), wx… (default: a placeholder to replace in .env)')
    .option(
      '--wxbot-spec <spec>',
      'the wxbot dependency to write into package.json (default: ^version from a registry install, else file:<this wxbot>)',
    )
    .option('--json', 'print one JSON object (files, entry, wxbotSpec; never the secrets)')
    .addHelpText(
      'after',
      '\nExamples:\n  $ wxbot init my-bot && cd my-bot && npm install && npm run dev\n  $ wxbot init . --force\n' +
        '  $ wxbot init my-bot --wxbot-spec ^0.1.0',
    )
    .action(async (dir: string, opts: InitOptions) => {
      const { scaffoldProject, InitError, wxbotSource } = await import('../../init/index.js');
      if (opts.wxbotSpec !== undefined && opts.wxbotSpec.trim() === '') {
        throw new CliError('--wxbot-spec needs a value, e.g. ^0.1.0 or file:../wxbot', EXIT.usage);
      }
      const source = opts.wxbotSpec
        ? { spec: opts.wxbotSpec.trim(), kind: 'given' }
        : wxbotSource(fileURLToPath(PACKAGE_ROOT), ownVersion());
      if (opts.appId !== undefined && !/^wx[0-9a-f]{16}$/i.test(opts.appId)) {
        throw new CliError(`--app-id must look like wx followed by 16 hex characters, got "${opts.appId}"`, EXIT.usage);
      }
      let result;
      try {
        result = await scaffoldProject(dir, {
          force: opts.force,
          name: opts.name,
          appId: opts.appId,
          wxbotSpec: source.spec,
        });
      } catch (err) {
        // Something --force cannot fix: a usage error, like any other unusable argument.
        if (err instanceof InitError && err.code === 'BLOCKED') {
          throw new CliError(
            `${err.message}. Nothing was written; move what is in the way, or pick another directory.`,
            EXIT.usage,
          );
        }
        if (err instanceof InitError) {
          throw new CliError(
            `${err.message}; nothing was written. Use --force to overwrite, or pick another directory.`,
            EXIT.failure,
          );
        }
        throw err;
      }
      if (opts.json) {
        const { dir: d, name, entry, files } = result;
        process.stdout.write(`${JSON.stringify({ dir: d, name, entry, files, wxbotSpec: source.spec })}\n`);
        return;
      }
      const shown = relative(process.cwd(), result.dir) || '.';
      const lines = [
        `Created ${result.name} in ${shown}/`,
        ...result.files.map((f) => `  ${f.overwritten ? 'overwrote' : 'created  '} ${f.path}`),
      ];
      lines.push('', `package.json depends on wxbot ${source.spec}${SOURCE_NOTE[source.kind] ?? ''}.`);
      lines.push('A fresh Token and EncodingAESKey are in .env (keep it secret; it is in .gitignore).');
      if (!opts.appId)
        lines.push('Put your 开发者ID(AppID) into WECHAT_APP_ID in .env before choosing 安全模式 in the console.');
      lines.push('', 'Next:');
      if (shown !== '.') lines.push(`  cd ${shown}`);
      lines.push(
        '  npm install',
        '  npm run dev                      # serve the bot on http://127.0.0.1:5050/wechat',
        '  npx wxbot simulate text 你好      # talk to it like WeChat would',
        '  npm test                         # the conversation tests in tests/*.convo',
        '  npm run tunnel                   # public URL + what to paste into the console',
      );
      process.stdout.write(`${lines.join('\n')}\n`);
    });
}
