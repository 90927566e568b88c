/** Custom menu create/get/delete (protocol.md §6.4). create validates before any request. */
import type { WechatApi } from './client.js';
import { WechatApiError } from './errors.js';
import { menuForCreate, validateMenu, type Menu, type MenuProblem } from './menu-validate.js';

export class MenuValidationError extends WechatApiError {
  readonly problems: MenuProblem[];
  constructor(problems: MenuProblem[]) {
    super(
      'MENU_INVALID',
      `the menu has ${problems.length} problem(s):\n${problems.map((p) => `  ${p.path}: ${p.message}`).join('\n')}`,
    );
    this.name = 'MenuValidationError';
    this.problems = problems;
  }
}

export interface CurrentMenu {
  /** The menu as menu/create takes it (usable as a file for `wxbot menu create`). */
  menu: Menu;
  /** Personalised menus, as WeChat returns them; not managed here. */
  conditionalmenu?: unknown[];
}

/** Validates, then creates (replacing the current menu). Throws MenuValidationError without a request. */
export async function createMenu(api: WechatApi, input: unknown): Promise<void> {
  const problems = validateMenu(input);
  if (problems.length > 0) throw new MenuValidationError(problems);
  await api.call('/cgi-bin/menu/create', { method: 'POST', body: menuForCreate(input) });
}

/** The current menu, or undefined when none is set (errcode 46003). */
export async function getMenu(api: WechatApi): Promise<CurrentMenu | undefined> {
  try {
    const res = await api.call('/cgi-bin/menu/get', { method: 'GET' });
    const menu = res.menu as Menu | undefined;
    if (!menu || !Array.isArray(menu.button)) return undefined;
    const out: CurrentMenu = { menu: menuForCreate(menu) };
    if (Array.isArray(res.conditionalmenu)) out.conditionalmenu = res.conditionalmenu;
    return out;
  } catch (err) {
    if (err instanceof WechatApiError && err.errcode === 46003) return undefined;
    throw err;
  }
}

/** Deletes the menu (and any personalised menus). */
export async function deleteMenu(api: WechatApi): Promise<void> {
  await api.call('/cgi-bin/menu/delete', { method: 'GET' });
}
