/**
 * When wxbot uses colour (clig.dev, no-color.org): only on a terminal, never with NO_COLOR set
 * (non-empty) or TERM=dumb; FORCE_COLOR (chalk's convention) forces it, e.g. for CI logs.
 * chalk's default instance ignores NO_COLOR and looks at stdout even for stderr text, so every
 * coloured output gets its own instance from here, for the stream it is written to.
 */
import { Chalk, type ChalkInstance } from 'chalk';

type Level = 0 | 1 | 2 | 3;
interface Stream {
  isTTY?: boolean;
  getColorDepth?: () => number;
}
type Env = Record<string, string | undefined>;

export function colorLevel(stream: Stream, env: Env = process.env): Level {
  const force = env.FORCE_COLOR;
  if (force !== undefined) {
    if (force === '0' || force === 'false') return 0;
    const n = Number(force);
    return n >= 1 && n <= 3 ? (n as Level) : 1;
  }
  if (env.NO_COLOR || env.TERM === 'dumb' || stream.isTTY !== true) return 0;
  const depth = stream.getColorDepth?.() ?? 4;
  return depth >= 24 ? 3 : depth >= 8 ? 2 : 1;
}

/** A chalk instance that colours only when text written to `stream` should be coloured. */
export function chalkFor(stream: Stream, env: Env = process.env): ChalkInstance {
  return new Chalk({ level: colorLevel(stream, env) });
}
