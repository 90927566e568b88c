// The bot `wxbot init` writes, loaded against this checkout's sources (the same classes as the runner).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Bot } from '../../src/bot/bot.js';
import { botModule } from '../../src/init/templates.js';

const SRC = fileURLToPath(new URL('../../src/index.ts', import.meta.url));

export async function scaffoldBot(): Promise<Bot> {
  const dir = mkdtempSync(join(tmpdir(), 'wxbot-scaffold-bot-'));
  try {
    const file = join(dir, 'bot.mjs');
    writeFileSync(file, botModule().replace("from 'wxbot'", `from ${JSON.stringify(pathToFileURL(SRC).href)}`));
    return ((await import(pathToFileURL(file).href)) as { default: Bot }).default;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
