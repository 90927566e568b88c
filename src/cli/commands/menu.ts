import { Command } from 'commander';
import { CliError } from '../errors.js';

// Placeholder until the command lands; replaced wholesale by its issue.
export default function menuCommand(): Command {
  return new Command('menu').allowUnknownOption().action(() => {
    throw new CliError('wxbot menu is not implemented yet');
  });
}
