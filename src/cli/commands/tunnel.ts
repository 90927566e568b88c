import { Command } from 'commander';
import { CliError } from '../errors.js';

// Placeholder until the command lands; replaced wholesale by its issue.
export default function tunnelCommand(): Command {
  return new Command('tunnel').allowUnknownOption().action(() => {
    throw new CliError('wxbot tunnel is not implemented yet');
  });
}
