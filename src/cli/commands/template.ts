import { Command } from 'commander';
import { isAppId } from '../../config/values.js';
import { CliError, EXIT } from '../errors.js';
import { type AccountFlags, accountApi, out, runWechat, withAccountOptions } from '../wechat-account.js';

interface SendFlags extends AccountFlags {
  to: string;
  template: string;
  data: string[];
  color: string[];
  url?: string;
  miniprogram?: string;
  check: boolean;
}

const EXAMPLES = `
Examples:
  $ wxbot template list
  $ wxbot template list --json
  $ wxbot template send --to OPENID --template TEMPLATE_ID --data first=您的订单已发货 --data keyword1=123 --data keyword2=顺丰 --data remark=感谢惠顾
  $ wxbot template send --to OPENID --template TEMPLATE_ID --data time=明天10点 --url https://example.com/order/123 --json`;

function examplesOf(name: string): string {
  const lines = EXAMPLES.split('\n').filter((l) => l.includes(`wxbot template ${name}`));
  return `\nExamples:\n${lines.join('\n')}`;
}

const collect = (v: string, prev: string[]) => [...prev, v];

/** `key=value` pairs (the value may hold `=`). */
function pairs(list: string[], flag: string): Record<string, string> {
  const outp: Record<string, string> = {};
  for (const item of list) {
    const i = item.indexOf('=');
    if (i <= 0) throw new CliError(`${flag} ${item}: write key=value`, EXIT.usage);
    outp[item.slice(0, i)] = item.slice(i + 1);
  }
  return outp;
}

async function send(flags: SendFlags): Promise<void> {
  const lib = await import('../../wechat-api/index.js');
  const values = pairs(flags.data, '--data');
  const colors = pairs(flags.color, '--color');
  if (Object.keys(values).length === 0)
    throw new CliError('give the template fields with --data key=value (one per field)', EXIT.usage);
  const orphans = Object.keys(colors).filter((k) => !Object.hasOwn(values, k));
  if (orphans.length > 0) {
    throw new CliError(
      `--color ${orphans.join(', ')}: no --data gives that field (a colour belongs to a field you send); nothing was sent`,
      EXIT.usage,
    );
  }
  const data: Record<string, { value: string; color?: string }> = {};
  for (const [k, value] of Object.entries(values)) data[k] = colors[k] ? { value, color: colors[k] } : { value };
  let miniprogram: { appid: string; pagepath?: string } | undefined;
  if (flags.miniprogram) {
    const [appid, ...path] = flags.miniprogram.split(':');
    if (!isAppId(appid!)) {
      throw new CliError(
        `--miniprogram ${flags.miniprogram}: write the mini program's AppID (wx and 16 hex characters), then :pagepath if any; nothing was sent`,
        EXIT.usage,
      );
    }
    miniprogram = path.length ? { appid: appid!, pagepath: path.join(':') } : { appid: appid! };
  }
  const { api } = await accountApi(flags, 'template messages');
  let template: { content: string } | undefined;
  if (flags.check) {
    template = (await lib.listTemplates(api)).find((t) => t.template_id === flags.template);
    if (!template) {
      throw new CliError(
        `template ${flags.template} is not one of this account's templates (see wxbot template list); nothing was sent`,
      );
    }
  }
  const message = { touser: flags.to, template_id: flags.template, url: flags.url, miniprogram, data };
  try {
    const msgid = await lib.sendTemplateMessage(api, message, template);
    out(
      flags.json
        ? JSON.stringify({ ok: true, msgid })
        : `sent; msgid ${msgid} (its TEMPLATESENDJOBFINISH event reports delivery)`,
    );
  } catch (err) {
    if (err instanceof lib.TemplateValidationError && flags.json) {
      out(JSON.stringify({ ok: false, problems: err.problems }));
      throw new CliError(err.message, EXIT.failure, { resultPrinted: true });
    }
    throw err;
  }
}

export default function templateCommand(): Command {
  const template = new Command('template')
    .description("List the account's message templates, or send a template message")
    .addHelpText('after', EXAMPLES);

  template.addCommand(
    withAccountOptions(new Command('list').description('list the templates with their fields'))
      .addHelpText('after', examplesOf('list'))
      .action((flags: AccountFlags) =>
        runWechat(async () => {
          const { listTemplates, templateFields } = await import('../../wechat-api/index.js');
          const { api } = await accountApi(flags, 'template lists');
          const list = await listTemplates(api);
          if (flags.json) {
            out(
              JSON.stringify({ ok: true, templates: list.map((t) => ({ ...t, fields: templateFields(t.content) })) }),
            );
            return;
          }
          for (const t of list) out(`${t.template_id}\t${t.title}\t${templateFields(t.content).join(',')}`);
          process.stderr.write(`${list.length} template(s)\n`);
        }),
      ),
  );

  template.addCommand(
    withAccountOptions(
      new Command('send').description('send a template message; the fields are checked against the template first'),
    )
      .requiredOption('--to <openid>', "the follower's OpenID")
      .requiredOption('--template <id>', 'the template_id')
      .option('--data <key=value>', 'a field of the template (repeat for each)', collect, [])
      .option('--color <key=#RRGGBB>', "a field's colour (repeat)", collect, [])
      .option('--url <url>', 'opened when the message is tapped')
      .option('--miniprogram <appid:pagepath>', 'open a mini program page instead')
      .option('--no-check', 'send without checking the fields against the template list')
      .addHelpText('after', examplesOf('send'))
      .action((flags: SendFlags) => runWechat(() => send(flags))),
  );

  return template;
}
