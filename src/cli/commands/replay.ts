import { Command } from 'commander';
import { CliError } from '../errors.js';

// Placeholder until the command lands; replaced wholesale by its issue.
export default function replayCommand(): Command {
  return new Command('replay').allowUnknownOption().action(() => {
    throw new CliError('wxbot replay is not implemented yet');
  });
}
