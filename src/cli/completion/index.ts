/** Shell completion scripts generated from the real command tree. */
import type { Command } from 'commander';
import { bashScript } from './bash.js';
import { fishScript } from './fish.js';
import { commandSpec } from './spec.js';
import { zshScript } from './zsh.js';

export const SHELLS = ['bash', 'zsh', 'fish'] as const;
export type Shell = (typeof SHELLS)[number];

const GENERATORS = { bash: bashScript, zsh: zshScript, fish: fishScript } satisfies Record<Shell, unknown>;

export function isShell(s: string): s is Shell {
  return (SHELLS as readonly string[]).includes(s);
}

/** The completion script for `shell`, for the program as built (every command loaded). */
export function completionScript(shell: Shell, program: Command, version: string): string {
  return GENERATORS[shell](commandSpec(program), version);
}

export { allCommands, commandSpec, type CommandSpec, type OptionSpec } from './spec.js';
