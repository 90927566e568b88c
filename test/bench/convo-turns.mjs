// How long 1,000 conversation turns take in-process (issue 23: under 2 s on this machine).
// A figure to read, not a timed test: `npm run build && node test/bench/convo-turns.mjs`.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const dist = new URL('../../dist/', import.meta.url);
const { parseConvo, runConversations } = await import(new URL('index.js', dist).href);
const { botModule, helloConvo } = await import(new URL('init/templates.js', dist).href);

// The scaffold's bot, importing this checkout's build.
const dir = mkdtempSync(join(tmpdir(), 'wxbot-convo-bench-'));
writeFileSync(join(dir, 'bot.mjs'), botModule().replace("from 'wxbot'", `from '${new URL('index.js', dist).href}'`));
const { default: bot } = await import(pathToFileURL(join(dir, 'bot.mjs')).href);
rmSync(dir, { recursive: true, force: true });

const TURNS = 1000;
const body = helloConvo().split('\n').slice(1).join('\n');
const perCopy = 7;
const text = `# bench\n${Array.from({ length: Math.ceil(TURNS / perCopy) }, () => body).join('\n')}`;
const conversation = parseConvo(text, 'bench.convo');
conversation[0].turns.length = TURNS;

for (const mode of ['plain', 'safe']) {
  await runConversations(conversation, { bot, mode }); // warm-up
  const runs = [];
  for (let i = 0; i < 3; i++) {
    const start = performance.now();
    const r = await runConversations(conversation, { bot, mode });
    runs.push(performance.now() - start);
    if (!r.ok) throw new Error(`a turn failed in ${mode} mode`);
  }
  const best = Math.min(...runs);
  console.log(
    `${mode.padEnd(5)} ${TURNS} turns: best ${best.toFixed(0)} ms of 3 (${runs.map((m) => m.toFixed(0)).join(', ')}), ${Math.round((TURNS / best) * 1000)} turns/s`,
  );
}
// Cold: the first run in a fresh process, what `wxbot test` pays.
