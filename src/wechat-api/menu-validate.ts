/**
 * Checks a custom menu against protocol.md §6.4 before anything is sent, and reports every problem
 * with its JSON path (`$.button[1].sub_button[0].name`), so one run fixes them all.
 */

export interface MenuButton {
  type?: string;
  name: string;
  key?: string;
  url?: string;
  media_id?: string;
  article_id?: string;
  appid?: string;
  pagepath?: string;
  sub_button?: MenuButton[];
}

export interface Menu {
  button: MenuButton[];
}

export interface MenuProblem {
  path: string;
  message: string;
}

// Which field each button type needs (the url of a miniprogram is the fallback for old clients).
const REQUIRED: Readonly<Record<string, readonly string[]>> = {
  click: ['key'],
  scancode_push: ['key'],
  scancode_waitmsg: ['key'],
  pic_sysphoto: ['key'],
  pic_photo_or_album: ['key'],
  pic_weixin: ['key'],
  location_select: ['key'],
  view: ['url'],
  miniprogram: ['url', 'appid', 'pagepath'],
  media_id: ['media_id'],
  view_limited: ['media_id'],
  article_id: ['article_id'],
  article_view_limited: ['article_id'],
};
export const MENU_BUTTON_TYPES: readonly string[] = Object.keys(REQUIRED);

const BYTE_LIMITS: Readonly<Record<string, number>> = { key: 128, url: 1024 };
const NAME_BYTES_TOP = 16;
const NAME_BYTES_SUB = 60;

const bytes = (s: string) => Buffer.byteLength(s, 'utf8');
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The menu to send from a file's JSON: `{ "button": [...] }`, or what `menu get` printed
 * (`{ "menu": { "button": [...] } }`). Returns the problems; the menu is usable when there are none.
 */
export function validateMenu(input: unknown): MenuProblem[] {
  const problems: MenuProblem[] = [];
  const add = (path: string, message: string) => problems.push({ path, message });
  const { menu, base } = unwrap(input);
  if (!isObject(menu)) {
    add('$', 'a menu is a JSON object with a "button" array');
    return problems;
  }
  const buttons = menu.button;
  if (!Array.isArray(buttons)) {
    add(`${base}.button`, 'missing: the "button" array (1 to 3 buttons)');
    return problems;
  }
  if (buttons.length < 1 || buttons.length > 3)
    add(`${base}.button`, `has ${buttons.length} buttons; a menu has 1 to 3`);
  for (const [i, b] of buttons.entries()) checkButton(b, `${base}.button[${i}]`, true, add);
  return problems;
}

function checkButton(b: unknown, path: string, top: boolean, add: (path: string, message: string) => void): void {
  if (!isObject(b)) {
    add(path, 'a button is a JSON object');
    return;
  }
  const limit = top ? NAME_BYTES_TOP : NAME_BYTES_SUB;
  if (typeof b.name !== 'string' || b.name === '') add(`${path}.name`, 'missing: every button needs a name');
  else if (bytes(b.name) > limit)
    add(
      `${path}.name`,
      `is ${bytes(b.name)} bytes; ${top ? 'a top-level button' : 'a sub-button'} name has at most ${limit} (UTF-8: a Chinese character is 3)`,
    );

  const subs = b.sub_button;
  if (subs !== undefined && !Array.isArray(subs)) {
    add(`${path}.sub_button`, 'must be an array');
    return;
  }
  // `menu get` prints "sub_button": [] on every leaf; only a non-empty list makes a container.
  if (Array.isArray(subs) && subs.length > 0) {
    if (!top) {
      add(`${path}.sub_button`, 'sub-buttons cannot have sub-buttons (menus are two levels deep)');
      return;
    }
    if (b.type !== undefined) add(`${path}.type`, 'a button with sub_button has no type');
    if (subs.length > 5) add(`${path}.sub_button`, `has ${subs.length} sub-buttons; at most 5`);
    for (const [j, s] of subs.entries()) checkButton(s, `${path}.sub_button[${j}]`, false, add);
    return;
  }
  if (Array.isArray(subs) && b.type === undefined) {
    add(`${path}.sub_button`, 'is empty: give it 1 to 5 sub-buttons, or give the button a type');
    return;
  }
  if (b.type === undefined) {
    add(`${path}.type`, 'missing: a button without sub_button needs a type');
    return;
  }
  if (typeof b.type !== 'string' || !(b.type in REQUIRED)) {
    add(`${path}.type`, `unknown type ${JSON.stringify(b.type)}; one of ${MENU_BUTTON_TYPES.join(', ')}`);
    return;
  }
  for (const field of REQUIRED[b.type] ?? []) {
    const v = b[field];
    if (v === undefined || v === '') add(`${path}.${field}`, `missing: a ${b.type} button needs "${field}"`);
    else if (typeof v !== 'string') add(`${path}.${field}`, `is ${JSON.stringify(v)}; write it as a string ("${v}")`);
  }
  if (typeof b.url === 'string' && b.url !== '' && !isWebUrl(b.url)) {
    add(`${path}.url`, 'must be an http:// or https:// URL with a host, e.g. https://example.com/page');
  }
  for (const [field, max] of Object.entries(BYTE_LIMITS)) {
    const v = b[field];
    if (typeof v === 'string' && bytes(v) > max) add(`${path}.${field}`, `is ${bytes(v)} bytes; at most ${max}`);
  }
}

function isWebUrl(s: string): boolean {
  try {
    const u = new URL(s);
    return (u.protocol === 'http:' || u.protocol === 'https:') && u.hostname !== '';
  } catch {
    return false;
  }
}

function unwrap(input: unknown): { menu: unknown; base: string } {
  if (isObject(input) && input.button === undefined && isObject(input.menu))
    return { menu: input.menu, base: '$.menu' };
  return { menu: input, base: '$' };
}

/**
 * The body for menu/create from a validated file: unwrapped from `menu get`'s shape, and without
 * the empty `sub_button` arrays that `menu get` adds to every leaf.
 */
export function menuForCreate(input: unknown): Menu {
  const { menu } = unwrap(input);
  const clean = (b: MenuButton): MenuButton => {
    const { sub_button, ...rest } = b;
    return sub_button && sub_button.length > 0 ? { ...rest, sub_button: sub_button.map(clean) } : rest;
  };
  return { button: (menu as Menu).button.map(clean) };
}
