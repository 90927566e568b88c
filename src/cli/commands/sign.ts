import { Command } from 'commander';
import { CliError } from '../errors.js';

// Placeholder until the command lands; replaced wholesale by its issue.
export default function signCommand(): Command {
  return new Command('sign').allowUnknownOption().action(() => {
    throw new CliError('wxbot sign is not implemented yet');
  });
}
