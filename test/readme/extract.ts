/**
 * Pulls the shell commands out of README.md's code blocks, so tests can hold the README to what
 * the suite (or .ci/run) really runs.
 */
import { readFileSync } from 'node:fs';

export interface ReadmeCommand {
  /** The command line as written (prompt and trailing comment removed). */
  line: string;
  /** 1-based line in README.md where it starts. */
  at: number;
  /** Files named by a `<!-- covered by: … -->` comment right before the code block, if any. */
  coveredBy?: string[];
}

// `<!-- covered by: test/cli/x.test.ts (what it runs), .ci/run -->` names the files that run a block.
const COVERED_BY = /<!--\s*covered by:([\s\S]*?)-->/;

const SHELL_BLOCKS = new Set(['sh', 'bash', 'console', 'shell']);

/** Removes a trailing `# comment` that is outside quotes. */
export function stripComment(line: string): string {
  let quote = '';
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quote) {
      if (c === quote) quote = '';
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '#' && (i === 0 || /\s/.test(line[i - 1]!))) return line.slice(0, i).trimEnd();
  }
  return line.trimEnd();
}

export function readmeCommands(text: string): ReadmeCommand[] {
  const out: ReadmeCommand[] = [];
  const lines = text.split('\n');
  let lang: string | undefined;
  let pending: ReadmeCommand | undefined;
  let comment = '';
  let coveredBy: string[] | undefined;
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i]!;
    const fence = /^\s*```(\S*)/.exec(raw);
    if (lang === undefined && !fence) {
      // Collect the comment lines just before a block (a comment may span lines).
      if (raw.includes('<!--')) comment = `${raw}\n`;
      else if (comment && !comment.includes('-->')) comment += `${raw}\n`;
      else if (raw.trim() !== '') comment = '';
      continue;
    }
    if (fence) {
      if (lang === undefined) {
        const m = COVERED_BY.exec(comment);
        coveredBy = m ? [...m[1]!.matchAll(/(?:test\/[\w/.-]+\.(?:ts|mjs)|\.ci\/run)/g)].map((x) => x[0]) : undefined;
        comment = '';
      }
      lang = lang === undefined ? fence[1]! : undefined;
      // A shell block with `$ ` prompts shows output too: read it as a console transcript.
      if (lang !== undefined && SHELL_BLOCKS.has(lang) && promptedBlock(lines, i + 1)) lang = 'console';
      continue;
    }
    if (lang === undefined || !SHELL_BLOCKS.has(lang)) continue;
    let line = raw.trim();
    if (pending) {
      pending.line += ` ${stripComment(line).replace(/\\$/, '').trim()}`;
      if (!line.endsWith('\\')) {
        out.push(pending);
        pending = undefined;
      }
      continue;
    }
    if (lang === 'console') {
      if (!line.startsWith('$ ')) continue; // output
      line = line.slice(2);
    }
    line = stripComment(line);
    if (line === '' || line.startsWith('#')) continue;
    // A bare assignment is .env content, not a command.
    if (/^[A-Z][A-Z0-9_]*=\S*$/.test(line)) continue;
    const cmd: ReadmeCommand = { line: line.replace(/\\$/, '').trim(), at: i + 1 };
    if (coveredBy) cmd.coveredBy = coveredBy;
    if (line.endsWith('\\')) pending = cmd;
    else out.push(cmd);
  }
  return out;
}

function promptedBlock(lines: string[], from: number): boolean {
  for (let j = from; j < lines.length && !/^\s*```/.test(lines[j]!); j++)
    if (lines[j]!.trimStart().startsWith('$ ')) return true;
  return false;
}

/**
 * Every `wxbot …` invocation inside a command line (also after `npx`, in `$( … )`, after `&&`),
 * as its argument words up to the next shell operator.
 */
export function wxbotInvocations(line: string): string[][] {
  const words = shellWords(line);
  const found: string[][] = [];
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    if (w !== 'wxbot' && !w.endsWith('/bin/wxbot.js')) continue;
    const args: string[] = [];
    for (let j = i + 1; j < words.length; j++) {
      const a = words[j]!;
      if (OPERATORS.has(a)) break;
      args.push(a);
    }
    found.push(args);
  }
  return found;
}

const OPERATORS = new Set(['|', '||', '&&', ';', '&', '>', '>>', '<', ')', '2>', '2>&1']);

/** Splits a command line into words: quotes removed, `$(` and operators as their own words. */
export function shellWords(input: string): string[] {
  // A quoted command substitution is still a command: "$(wxbot sign …)" reads as $( wxbot sign … ).
  const line = input.replace(/"\$\(([^)]*)\)"/g, ' $( $1 ) ');
  const words: string[] = [];
  let cur = '';
  let has = false;
  let quote = '';
  const flush = () => {
    if (has) words.push(cur);
    cur = '';
    has = false;
  };
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quote) {
      if (c === quote) quote = '';
      else cur += c;
      has = true;
      continue;
    }
    if (c === '"' || c === "'") {
      quote = c;
      has = true;
    } else if (/\s/.test(c)) flush();
    else if (c === '$' && line[i + 1] === '(') {
      flush();
      words.push('$(');
      i++;
    } else if (c === ')' || c === '|' || c === ';' || c === '&' || c === '>' || c === '<') {
      flush();
      let op = c;
      while (i + 1 < line.length && '|&>'.includes(line[i + 1]!) && (op + line[i + 1]).length <= 2) op += line[++i];
      words.push(op);
    } else {
      cur += c;
      has = true;
    }
  }
  flush();
  return words;
}

export function readReadme(): string {
  return readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
}
