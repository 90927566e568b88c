import { Argument, Command } from 'commander';
import { basename } from 'node:path';
import { CliError, EXIT } from '../errors.js';

const SHELLS = ['bash', 'zsh', 'fish'];

const HELP_AFTER = `
The script is generated from the commands of this wxbot version: regenerate it after upgrading.
Without <shell>, the shell named by $SHELL.

Install:
  bash   wxbot completion bash > ~/.local/share/bash-completion/completions/wxbot
         (or in ~/.bashrc: source <(wxbot completion bash))
  zsh    wxbot completion zsh > ~/.zfunc/_wxbot
         and in ~/.zshrc, before compinit: fpath=(~/.zfunc $fpath)
         (or in ~/.zshrc, after compinit: source <(wxbot completion zsh))
  fish   wxbot completion fish > ~/.config/fish/completions/wxbot.fish
Then open a new shell.

Examples:
  $ wxbot completion bash > ~/.local/share/bash-completion/completions/wxbot
  $ wxbot completion zsh > ~/.zfunc/_wxbot
  $ wxbot completion fish > ~/.config/fish/completions/wxbot.fish
  $ wxbot completion                 # for the shell in $SHELL, printed to stdout`;

function shellFromEnv(): string {
  const name = basename(process.env.SHELL ?? '');
  if (SHELLS.includes(name)) return name;
  throw new CliError(
    `which shell? ${process.env.SHELL ? `SHELL=${process.env.SHELL} is not one wxbot completes` : 'SHELL is not set'}: pass bash, zsh or fish (wxbot completion bash)`,
    EXIT.usage,
  );
}

export default function completionCommand(): Command {
  return new Command('completion')
    .description(
      'Print a shell completion script for bash, zsh or fish: commands, subcommands, options and their fixed values',
    )
    .addArgument(new Argument('[shell]', 'bash, zsh or fish (default: from $SHELL)').choices(SHELLS))
    .addHelpText('after', HELP_AFTER)
    .action(async (shell: string | undefined) => {
      // The one command that loads every other: it reads their real definitions.
      const [{ loadFullProgram, packageVersion }, { completionScript, isShell }] = await Promise.all([
        import('../program.js'),
        import('../completion/index.js'),
      ]);
      const chosen = shell ?? shellFromEnv();
      if (!isShell(chosen)) throw new CliError(`unknown shell "${chosen}": pass bash, zsh or fish`, EXIT.usage);
      process.stdout.write(completionScript(chosen, await loadFullProgram(), packageVersion()));
    });
}
