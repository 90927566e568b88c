/**
 * The `wxbot` entry. Only the command being run is imported: start-up stays close to bare
 * `node`, and heavy modules (undici, ngrok, ioredis) load inside the command that needs them.
 */
import { endOnClosedPipe, handleError } from './errors.js';
import { maskStream, processMask } from './output-mask.js';
import { COMMANDS, createProgram, withUsageErrors } from './program.js';

export async function main(argv: string[] = process.argv): Promise<void> {
  const name = argv[2];
  const args = argv.slice(2);
  const mask = processMask(args, process.env, process.cwd());
  maskStream(process.stdout, mask);
  maskStream(process.stderr, mask);
  endOnClosedPipe(process.stdout);
  endOnClosedPipe(process.stderr);
  const program = createProgram();
  for (const [cmd, [summary, load]] of Object.entries(COMMANDS)) {
    if (cmd === name || (name === 'help' && argv[3] === cmd)) {
      const mod = await load();
      program.addCommand(withUsageErrors(mod.default()));
    } else {
      // Listed in help without importing it.
      program.command(cmd).summary(summary).description(summary).allowUnknownOption().helpOption(false);
    }
  }
  await program.parseAsync(argv);
}

main().catch(handleError);
