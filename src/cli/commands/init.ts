import { Command } from 'commander';
import { CliError } from '../errors.js';

// Placeholder until the command lands; replaced wholesale by its issue.
export default function initCommand(): Command {
  return new Command('init').allowUnknownOption().action(() => {
    throw new CliError('wxbot init is not implemented yet');
  });
}
