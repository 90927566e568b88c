// Lists the functions in src/ longer than a number of lines (default 100), longest first:
//   node test/tools/function-lengths.mjs [lines]
// A function counts from its first line (modifiers included, its doc comment not) to its closing brace;
// nested functions are measured on their own and also count inside their parent. A function whose doc
// comment or leading comments contain `function-length:` followed by a reason is reported as excused.
// test/tools/function-lengths.test.ts runs it as the guard behind the style rule (< ~120 lines).
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const root = fileURLToPath(new URL('../..', import.meta.url));

function sources(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return sources(p);
    return e.name.endsWith('.ts') && !e.name.endsWith('.d.ts') ? [p] : [];
  });
}

function nameOf(node) {
  if (node.name) return node.name.getText();
  const p = node.parent;
  if (p && (ts.isVariableDeclaration(p) || ts.isPropertyAssignment(p) || ts.isPropertyDeclaration(p))) {
    return p.name.getText();
  }
  return '(anonymous)';
}

/** The reason stated next to the function (on it, or on the statement that declares it), if any. */
function reasonOf(node, text) {
  const holders = [node];
  for (let p = node.parent; p && !ts.isSourceFile(p) && !ts.isBlock(p); p = p.parent) holders.push(p);
  for (const h of holders) {
    for (const c of ts.getLeadingCommentRanges(text, h.getFullStart()) ?? []) {
      const m = /function-length:\s*([^\n*]+)/.exec(text.slice(c.pos, c.end));
      if (m) return m[1].trim();
    }
  }
  return undefined;
}

/** Every function in src/ longer than `limit` lines: { file, name, line, lines, reason? }. */
export function longFunctions(limit = 100, dir = join(root, 'src')) {
  const found = [];
  for (const file of sources(dir)) {
    const text = readFileSync(file, 'utf8');
    const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
    const visit = (node) => {
      if (ts.isFunctionLike(node) && 'body' in node && node.body) {
        const first = sf.getLineAndCharacterOfPosition(node.getStart(sf)).line;
        const last = sf.getLineAndCharacterOfPosition(node.getEnd()).line;
        const lines = last - first + 1;
        if (lines > limit) {
          found.push({
            file: relative(root, file),
            name: nameOf(node),
            line: first + 1,
            lines,
            reason: reasonOf(node, text),
          });
        }
      }
      ts.forEachChild(node, visit);
    };
    visit(sf);
  }
  return found.sort((a, b) => b.lines - a.lines);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const limit = Number(process.argv[2] ?? 100);
  const found = longFunctions(limit);
  for (const f of found) {
    console.log(`${String(f.lines).padStart(4)}  ${f.file}:${f.line}  ${f.name}${f.reason ? `  (${f.reason})` : ''}`);
  }
  if (found.length === 0) console.log(`no function in src/ is longer than ${limit} lines`);
}
