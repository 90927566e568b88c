/** Pieces shared by the bash and zsh scripts: both shells read the same `case` syntax and quoting. */
import type { CommandSpec, ValueKind } from './spec.js';

/** A single-quoted shell word. */
export const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** The `case "$1|$2"` pattern for one command path and one word. */
export const key = (c: CommandSpec, x: string | number) => q(`${c.path.join(' ')}|${x}`);

export type Arm = [patterns: string[], body: string];

/** A function `name path word` that runs the body of the first matching arm, else `fallback`. */
export function caseFn(name: string, comment: string, arms: Arm[], fallback: string): string {
  const lines = arms.filter(([p]) => p.length).map(([p, body]) => `    ${p.join('|')}) ${body} ;;`);
  return [`# ${comment}`, `${name}() {`, '  case "$1|$2" in', ...lines, `    *) ${fallback} ;;`, '  esac', '}'].join(
    '\n',
  );
}

/** The option's long and short spellings, as case patterns for command `c`. */
export function flagKeys(c: CommandSpec, o: { long?: string; short?: string }): string[] {
  return [o.long, o.short].filter((f): f is string => !!f).map((f) => key(c, f));
}

/** How a value completes, as the word the scripts' `offer` function reads; undefined for free text. */
export function offerWord(v: ValueKind): string | undefined {
  if (v === 'free') return undefined;
  return v === 'files' ? 'files' : `choices ${v.choices.join(' ')}`;
}

/** Arms for the value of every option that has files or fixed choices. */
export function valueArms(all: CommandSpec[], body: (word: string) => string): Arm[] {
  return all.flatMap((c) =>
    c.options.flatMap((o): Arm[] => {
      const w = o.value && offerWord(o.value);
      return w ? [[flagKeys(c, o), body(w)]] : [];
    }),
  );
}

/** Arms for positional argument n (0-based); a variadic last argument also takes every later position. */
export function argArms(all: CommandSpec[], body: (word: string) => string): Arm[] {
  return all.flatMap((c) =>
    c.args.flatMap((a, i): Arm[] => {
      const w = offerWord(a.value);
      return w ? [[[key(c, i), ...(a.variadic ? [`${q(`${c.path.join(' ')}|`)}*`] : [])], body(w)]] : [];
    }),
  );
}

/** Arms naming the subcommand (or alias) a word selects. */
export function subArms(all: CommandSpec[], body: (name: string) => string): Arm[] {
  return all.flatMap((c) => c.commands.map((s): Arm => [[s.name, ...s.aliases].map((w) => key(c, w)), body(s.name)]));
}

/** Arms that succeed for every option that reads the next word. */
export function takesValueArms(all: CommandSpec[]): Arm[] {
  return all.map((c): Arm => [c.options.filter((o) => o.value).flatMap((o) => flagKeys(c, o)), 'return 0']);
}
