import { Command } from 'commander';
import { CliError } from '../errors.js';

// Placeholder until the command lands; replaced wholesale by its issue.
export default function simulateCommand(): Command {
  return new Command('simulate').allowUnknownOption().action(() => {
    throw new CliError('wxbot simulate is not implemented yet');
  });
}
