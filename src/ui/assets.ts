/**
 * The page's files: the HTML shell, its stylesheet and the compiled scripts of src/ui/web (in dist/ui/web
 * next to this module). Nothing comes from the internet: fonts are the system's (Noto CJK, PingFang…).
 */
import { readFile } from 'node:fs/promises';

// dist/ui/web next to the compiled module; from the sources (tests run them through tsx) the same
// compiled files, which `npm run build` writes.
const WEB_DIRS = [new URL('./web/', import.meta.url), new URL('../../dist/ui/web/', import.meta.url)];

// The tab's icon, inline: without one the browser asks for /favicon.ico and logs the 404 on every load.
const ICON =
  "data:image/svg+xml,<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 32 32'>" +
  "<rect width='32' height='32' rx='7' fill='%2307c160'/>" +
  "<path d='M16 8c-5 0-9 3.1-9 7 0 2.2 1.3 4.1 3.3 5.4L9.5 24l4-2.1c.8.2 1.6.3 2.5.3 5 0 9-3.1 9-7s-4-7-9-7z' fill='white'/></svg>";

export const PAGE_HTML = `<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>wxbot ui</title>
<link rel="icon" href="${ICON}">
<link rel="stylesheet" href="/app.css">
<script type="module" src="/web/main.js"></script>
</head>
<body>
<div id="app"><p class="boot">wxbot ui…</p></div>
</body>
</html>
`;

export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  // Reply pictures (news covers, user images) are the bot's content, from wherever the bot points.
  'img-src * data:',
  "style-src 'self'",
  "script-src 'self'",
  "connect-src 'self'",
  "frame-ancestors 'none'",
  "form-action 'none'",
  "base-uri 'none'",
].join('; ');

const scripts = new Map<string, Promise<string | undefined>>();

/** A compiled script of the page by file name (`main.js`), or undefined; read once per run. */
export function webScript(name: string): Promise<string | undefined> {
  if (!/^[a-z][a-z0-9-]*\.js$/.test(name)) return Promise.resolve(undefined);
  let p = scripts.get(name);
  if (!p) {
    p = readFile(new URL(name, WEB_DIRS[0]), 'utf8').catch(() =>
      readFile(new URL(name, WEB_DIRS[1]), 'utf8').catch(() => undefined),
    );
    scripts.set(name, p);
  }
  return p;
}

export { PAGE_CSS } from './page-css.js';
