/**
 * The page is plain DOM, no view library: nothing to install or bundle, and the one part that needs
 * care (the inspector's list of thousands of rows) manages its own few elements anyway. `h` keeps
 * element building short; text always goes in as text nodes, never as HTML.
 */

type Attrs = Record<string, string | number | boolean | undefined | ((e: Event) => void)>;
export type Child = Node | string | null | undefined | false;

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs = {},
  ...children: (Child | Child[])[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [name, v] of Object.entries(attrs)) {
    if (v === undefined || v === false) continue;
    if (typeof v === 'function') el.addEventListener(name.replace(/^on/, ''), v);
    else if (name === 'class') el.className = String(v);
    else if (name === 'testid') el.dataset.testid = String(v);
    else el.setAttribute(name, v === true ? '' : String(v));
  }
  for (const c of children.flat()) if (c !== null && c !== undefined && c !== false) el.append(c);
  return el;
}

/** Only http(s) links become clickable: a bot's `javascript:` href must not run in this page. */
export function safeUrl(url: unknown): string | undefined {
  return typeof url === 'string' && /^https?:\/\//i.test(url.trim()) ? url.trim() : undefined;
}

export function shortId(openId: string): string {
  return openId.length > 10 ? `…${openId.slice(-6)}` : openId;
}
