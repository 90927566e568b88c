import { Command } from 'commander';
import { CliError } from '../errors.js';

// Placeholder until the command lands; replaced wholesale by its issue.
export default function chatCommand(): Command {
  return new Command('chat').allowUnknownOption().action(() => {
    throw new CliError('wxbot chat is not implemented yet');
  });
}
