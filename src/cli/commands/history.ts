import { Command } from 'commander';
import { CliError } from '../errors.js';

// Placeholder until the command lands; replaced wholesale by its issue.
export default function historyCommand(): Command {
  return new Command('history').allowUnknownOption().action(() => {
    throw new CliError('wxbot history is not implemented yet');
  });
}
