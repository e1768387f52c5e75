#!/usr/bin/env node
// The CLI's `bin`. The published package has no cli/ sources, only the compiled CLI in dist/, which plain
// Node runs. A checkout of the repository runs its TypeScript through tsx (a dev dependency), so what runs
// there is always the code in front of you, never a stale build left in dist/.
import { existsSync } from 'node:fs';

const checkout = existsSync(new URL('../cli/main.ts', import.meta.url));
if (checkout) {
  const { register } = await import('tsx/esm/api');
  register();
}
const [from, ext] = checkout ? ['../cli/', 'ts'] : ['../dist/cli/', 'js'];
const { main } = await import(new URL(`${from}main.${ext}`, import.meta.url).href);
const { processIo } = await import(new URL(`${from}io.${ext}`, import.meta.url).href);
process.exitCode = await main(process.argv.slice(2), processIo());
