// What a Markdown page offers to links (its heading anchors, as GitHub makes them) and what it links to.
// Enough Markdown for our own pages: ATX headings, inline links, reference definitions, fenced code.

/** Lines outside fenced code blocks, with their 1-based line numbers. */
function proseLines(text: string): { line: string; at: number }[] {
  const out: { line: string; at: number }[] = [];
  let fence: string | undefined;
  text.split('\n').forEach((line, i) => {
    const f = /^\s*(```+|~~~+)/.exec(line);
    if (f) {
      if (fence === undefined) fence = f[1]![0]!;
      else if (f[1]![0] === fence) fence = undefined;
      return;
    }
    if (fence === undefined) out.push({ line, at: i + 1 });
  });
  return out;
}

/** A heading's text as GitHub renders it before making the anchor: links, code marks and tags removed. */
function headingText(raw: string): string {
  return raw
    .replace(/\s+#+\s*$/, '')
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/<[^>]+>/g, '')
    .replace(/`/g, '');
}

/**
 * GitHub's heading anchor: lower case, every character that is not a letter, mark, digit, connector
 * (`_`), hyphen or space dropped (Chinese characters are letters and stay; `，：（）「」` go), spaces
 * to hyphens.
 */
export function slug(heading: string): string {
  return headingText(heading)
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc}\- ]/gu, '')
    .replace(/ /g, '-');
}

/** Every anchor a page offers: its headings (a repeated one gets -1, -2… as on GitHub) and `<a id>`/`<a name>`. */
export function anchors(text: string): Set<string> {
  const out = new Set<string>();
  const seen = new Map<string, number>();
  for (const { line } of proseLines(text)) {
    const h = /^ {0,3}#{1,6}\s+(.*)$/.exec(line);
    if (h) {
      const base = slug(h[1]!);
      const n = seen.get(base) ?? 0;
      seen.set(base, n + 1);
      out.add(n === 0 ? base : `${base}-${n}`);
    }
    for (const a of line.matchAll(/<a\s+(?:id|name)="([^"]+)"/g)) out.add(a[1]!);
  }
  return out;
}

export interface Link {
  /** The target as written: `../cli/serve.md#flags`, `#clock-skew`, `https://…`. */
  target: string;
  /** 1-based line. */
  at: number;
}

/** Every link target of a page outside code: inline links and images, reference definitions, `<a href>`. */
export function links(text: string): Link[] {
  const out: Link[] = [];
  for (const { line, at } of proseLines(text)) {
    const prose = line.replace(/(`+)[\s\S]*?\1/g, '');
    for (const m of prose.matchAll(/\]\(\s*<?([^)\s>]*)>?(?:\s+"[^"]*")?\s*\)/g)) out.push({ target: m[1]!, at });
    const def = /^ {0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s+"[^"]*")?\s*$/.exec(prose);
    if (def) out.push({ target: def[1]!, at });
    for (const m of prose.matchAll(/<a\s[^>]*href="([^"]+)"/g)) out.push({ target: m[1]!, at });
  }
  return out;
}

/** A link that leaves the repository (a URL, an e-mail address) rather than naming a file in it. */
export function isExternal(target: string): boolean {
  return /^[a-z][a-z0-9+.-]*:/i.test(target) || target.startsWith('//');
}
