import { Command } from 'commander';
import { CliError } from '../errors.js';

// Placeholder until the command lands; replaced wholesale by its issue.
export default function serveCommand(): Command {
  return new Command('serve').allowUnknownOption().action(() => {
    throw new CliError('wxbot serve is not implemented yet');
  });
}
