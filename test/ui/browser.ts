// A real browser for the UI tests: Debian's chromium driven by playwright-core (nothing downloaded).
// Outside CI a machine without chromium skips these suites; with CI=true they fail (test/helpers/system.ts).
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { findProgram, requireProgram } from '../helpers/system.js';

/** node:test's skip option: skipped outside CI without chromium, a failure with CI=true. */
export const browserSkip = requireProgram('chromium', {
  install: 'apt-get install -y --no-install-recommends chromium fonts-noto-cjk',
}).skip;

/** Where tests leave screenshots (git-ignored). */
export const SHOTS = fileURLToPath(new URL('./screenshots/', import.meta.url));

export async function launch(): Promise<Browser> {
  const { chromium } = await import('playwright-core');
  mkdirSync(SHOTS, { recursive: true });
  return chromium.launch({
    executablePath: findProgram('chromium'),
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/**
 * A fresh context whose requests never leave this machine: anything not on 127.0.0.1 is aborted and
 * recorded (reply pictures may point at the internet; page assets must not).
 */
export async function localContext(browser: Browser): Promise<{ context: BrowserContext; foreign: string[] }> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 820 }, locale: 'zh-CN' });
  const foreign: string[] = [];
  await context.route(
    (url) => url.hostname !== '127.0.0.1',
    (route) => {
      foreign.push(`${route.request().resourceType()} ${route.request().url()}`);
      return route.abort();
    },
  );
  return { context, foreign };
}

export const shot = (name: string) => join(SHOTS, name);

/** The inspector's total (its list is virtual: the rows in the DOM are only those in view). */
export async function total(page: Page): Promise<number> {
  return Number(((await page.locator('.inspector .count').textContent()) ?? '').replace(/\D/g, '') || 0);
}

export const totalReaches = (page: Page, n: number) =>
  page
    .locator('.inspector .count')
    .filter({ hasText: `${n} 条` })
    .waitFor();

/** Types `text` in the phone's composer, sends it, and waits for its exchange in the inspector. */
export async function say(page: Page, text: string): Promise<void> {
  const before = await total(page);
  await page.getByTestId('composer').fill(text);
  await page.getByTestId('send').click();
  await totalReaches(page, before + 1);
}
