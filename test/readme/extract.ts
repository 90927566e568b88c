/**
 * Pulls the shell commands out of the documentation's code blocks (README*.md, and every .md file under docs/), so
 * tests can hold the docs to what the suite (or .ci/run) really runs.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface ReadmeCommand {
  /** The command line as written (prompt and trailing comment removed). */
  line: string;
  /** 1-based line in its file where it starts. */
  at: number;
  /** The file it is in, relative to the repository root (`docs/cli/serve.md`). */
  file: string;
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

export function readmeCommands(text: string, file = 'README.md'): ReadmeCommand[] {
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
    const cmd: ReadmeCommand = { line: line.replace(/\\$/, '').trim(), at: i + 1, file };
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

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface DocFile {
  /** Relative to the repository root, with `/` separators. */
  path: string;
  text: string;
}

/** The documentation: README*.md at the root and every .md file under docs/, in a stable order. */
export function docFiles(): DocFile[] {
  const paths = readdirSync(REPO_ROOT).filter((f) => /^README.*\.md$/.test(f));
  const walk = (dir: string): void => {
    for (const e of readdirSync(join(REPO_ROOT, dir), { withFileTypes: true })) {
      const rel = `${dir}/${e.name}`;
      if (e.isDirectory()) walk(rel);
      else if (e.name.endsWith('.md')) paths.push(rel);
    }
  };
  walk('docs');
  return paths.sort().map((path) => ({ path, text: readFileSync(join(REPO_ROOT, path), 'utf8') }));
}

/** Every shell command of every documentation file. */
export function docCommands(files: DocFile[] = docFiles()): ReadmeCommand[] {
  return files.flatMap((f) => readmeCommands(f.text, f.path));
}

/** The file whose text contains `marker` (the first one, in docFiles order), for tests that read a block after it. */
export function docContaining(marker: string, files: DocFile[] = docFiles()): DocFile | undefined {
  return files.find((f) => f.text.includes(marker));
}

/** The first fenced block in `lang` after `marker`, on the first page that contains the marker. */
export function blockAfter(marker: string, lang: string, files: DocFile[] = docFiles()): string {
  const doc = docContaining(marker, files);
  if (!doc) throw new Error(`no page of the docs has ${marker}`);
  const open = doc.text.indexOf(`\`\`\`${lang}\n`, doc.text.indexOf(marker));
  if (open < 0) throw new Error(`${doc.path}: no ${lang} block follows ${marker}`);
  const start = open + lang.length + 4;
  return doc.text.slice(start, doc.text.indexOf('\n```', start));
}

export interface CodeBlock {
  /** The page, relative to the repository root. */
  file: string;
  /** The fence's language (`js`, `ts`…). */
  lang: string;
  /** The code, without the fences and without the indentation the fence has (a block inside a list). */
  code: string;
  /** 1-based line in the page of the code's first line. */
  at: number;
  /** The `<!-- … -->` comment right before the block (blank lines between allowed), if any. */
  comment?: string;
}

/** Every fenced block of a page in one of `langs`. */
export function codeBlocks(text: string, file: string, langs: ReadonlySet<string>): CodeBlock[] {
  const out: CodeBlock[] = [];
  const lines = text.split('\n');
  let comment = '';
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)(```+|~~~+)\s*(\S*)/.exec(lines[i]!);
    if (!open) {
      // The comment lines just before a block (a comment may span lines); prose in between resets it.
      const raw = lines[i]!;
      if (raw.includes('<!--')) comment = `${raw}\n`;
      else if (comment && !comment.includes('-->')) comment += `${raw}\n`;
      else if (raw.trim() !== '') comment = '';
      continue;
    }
    const [, indent, fence, lang] = open;
    let end = i + 1;
    while (end < lines.length && !lines[end]!.trimStart().startsWith(fence!)) end++;
    if (langs.has(lang!)) {
      const body = lines
        .slice(i + 1, end)
        .map((l) => (l.startsWith(indent!) ? l.slice(indent!.length) : l.trimStart()));
      const block: CodeBlock = { file, lang: lang!, code: body.join('\n'), at: i + 2 };
      if (comment) block.comment = comment.trim();
      out.push(block);
    }
    comment = '';
    i = end;
  }
  return out;
}
