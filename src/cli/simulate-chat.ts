/**
 * `wxbot simulate` with no subcommand: chat with the server as one fake user. Reads lines from
 * stdin (a terminal or a pipe), sends each, renders each reply with the same checks.
 * Exit code: 1 if any reply had problems, 3 if the server was never reachable, else 0.
 */
import { createInterface } from 'node:readline';
import { maskOpenId } from '../config/mask.js';
import { chalkFor } from './color.js';
import { CliError, EXIT } from './errors.js';
import { resolveSimulate, type SimulateFlags } from './simulate-options.js';
import { RETRY_HINT, resultJson, unreachableJson, unreachableMessage } from './simulate-run.js';

export async function runChat(flags: SimulateFlags): Promise<void> {
  const cfg = resolveSimulate(flags);
  const [{ SimulatorChat }, render] = await Promise.all([
    import('../simulate/chat.js'),
    import('./simulate-render.js'),
  ]);
  let chat: InstanceType<typeof SimulatorChat>;
  try {
    chat = new SimulatorChat({
      url: cfg.url,
      settings: cfg.settings,
      from: cfg.from,
      to: cfg.to,
      timeoutMs: cfg.timeoutMs,
      retry: cfg.retry,
    });
  } catch (err) {
    throw new CliError((err as Error).message, EXIT.usage);
  }
  const saver = flags.save ? new (await import('./simulate-save.js')).ConvoRecorder(flags.save) : undefined;
  const tty = process.stdin.isTTY === true && process.stdout.isTTY === true;
  const rl = createInterface({
    input: process.stdin,
    output: tty ? process.stdout : undefined,
    terminal: tty,
    prompt: 'you> ',
  });
  process.stderr.write(
    `Chatting with ${cfg.url} as ${maskOpenId(cfg.from)} (${cfg.settings.mode} mode). /help lists commands, /quit leaves.\n`,
  );
  const print = (s: string) => process.stdout.write(`${s}\n`);
  // Ctrl-C leaves like /quit (readline would otherwise just pause).
  rl.on('SIGINT', () => rl.close());
  let hinted = false;
  if (tty) rl.prompt();
  for await (const line of rl) {
    // A bad line (a missing argument, a latitude of 200) is an error turn: the chat goes on.
    const turn = await chat.handle(line);
    if (turn.kind === 'quit') break;
    if (turn.kind === 'help') print(turn.text);
    else if (turn.kind === 'error') process.stderr.write(`${turn.message}\n`);
    else if (turn.kind === 'unreachable') {
      if (cfg.json) print(JSON.stringify(unreachableJson(turn.error)));
      else process.stderr.write(`wxbot: ${unreachableMessage(turn.error, cfg.url, flags.url !== undefined)}\n`);
    } else if (turn.kind === 'sent') {
      const r = turn.result;
      saver?.add(turn.message, r);
      if (cfg.json) print(JSON.stringify(resultJson(r)));
      else if (cfg.raw) {
        print(r.raw ?? '');
        for (const line of render.renderFindings(r.problems, r.warnings, chalkFor(process.stderr)))
          process.stderr.write(`${line}\n`);
      } else print(`${render.renderResult(turn.message, r, cfg.settings.mode)}\n`);
      if (r.status === null && !cfg.retry && !cfg.json && !hinted) {
        hinted = true;
        process.stderr.write(`${RETRY_HINT}\n`);
      }
    }
    if (tty) rl.prompt();
  }
  rl.close();
  const s = chat.stats;
  if (s.withProblems > 0) process.exitCode = EXIT.failure;
  else if (s.sent > 0 && s.unreachable === s.sent) process.exitCode = EXIT.network;
  else process.exitCode = EXIT.ok;
}
