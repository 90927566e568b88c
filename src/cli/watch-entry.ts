import { watch, type FSWatcher } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Bot } from '../bot/bot.js';
import { loadEntry } from './load-entry.js';

export interface WatchHooks {
  /** Gets the new bot; returns the files to watch from now on. */
  onReload(bot: Bot, files: string[]): string[];
  onError(err: unknown): void;
}

const IGNORED = /(^|[\\/])(node_modules|\.git|\.wxbot|dist)([\\/]|$)/;

/**
 * Re-imports the entry when it or a local module it imports changes (watching their directories,
 * since editors replace files on save), debounced; a failed reload keeps the running bot.
 */
export function watchEntry(entry: string, cwd: string, files: string[], hooks: WatchHooks): () => void {
  let watchers: FSWatcher[] = [];
  let timer: NodeJS.Timeout | undefined;
  let watched = new Set<string>();

  const arm = (list: string[]) => {
    for (const w of watchers) w.close();
    watched = new Set(list.map((f) => resolve(f)));
    const dirs = new Set([...watched].map((f) => dirname(f)));
    watchers = [...dirs].map((dir) =>
      watch(dir, (_event, name) => {
        if (!name || IGNORED.test(name)) return;
        if (!watched.has(resolve(dir, name.toString()))) return;
        clearTimeout(timer);
        timer = setTimeout(reload, 100);
      }),
    );
  };

  const reload = async () => {
    try {
      const e = await loadEntry(entry, cwd, true);
      arm(hooks.onReload(e.bot, e.files));
    } catch (err) {
      hooks.onError(err);
    }
  };

  arm(files);
  return () => {
    clearTimeout(timer);
    for (const w of watchers) w.close();
  };
}
