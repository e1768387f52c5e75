/**
 * `npm run bench [-- --quick] [-- name ...]`: runs every benchmark in this folder, one fresh process each,
 * one after another (so they do not compete for the machine), and passes the flags on. `--quick` asks each
 * for a run under two minutes in all. Benchmarks print figures; none asserts a time.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const folder = fileURLToPath(new URL('.', import.meta.url));
const flags = process.argv.slice(2).filter((arg) => arg.startsWith('--'));
const wanted = process.argv.slice(2).filter((arg) => !arg.startsWith('--'));
const benches = readdirSync(folder)
  .filter((file) => file.endsWith('.ts') && file !== 'index.ts' && !file.startsWith('_'))
  .map((file) => file.slice(0, -3))
  .filter((name) => wanted.length === 0 || wanted.includes(name))
  .sort();

console.log(`# npm run bench ${flags.join(' ')}: ${benches.join(', ')}  (${new Date().toISOString()}, node ${process.version})`);
let failed = 0;
for (const name of benches) {
  console.log(`\n## ${name}`);
  const started = Date.now();
  const run = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', `${folder}${name}.ts`, ...flags], { stdio: 'inherit' });
  console.log(`(${name}: ${((Date.now() - started) / 1000).toFixed(1)} s${run.status === 0 ? '' : `, exit ${run.status ?? run.signal}`})`);
  if (run.status !== 0) failed += 1;
}
process.exitCode = failed > 0 ? 1 : 0;
