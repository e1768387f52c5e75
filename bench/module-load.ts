/**
 * `npm run bench -- module-load`: how long a fresh Node process takes to import each Lambda's bundle (its
 * cold start's init phase: the module's code, its config read and its clients created), against importing
 * its SDK floor (bench/_floor/functions.ts), in the environment the function starts in. Bundle and floor
 * runs are interleaved, so a busy moment of the machine hits both. The child times `await import()` only
 * (Node's own start-up is not in it); the whole process's wall time is printed beside it. The target
 * (issue 9) is an import within 1.25x of the floor's. Prints figures; asserts nothing.
 *
 * `--quick`: 8 runs of each instead of 30.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { bundleFloor, bundleFunction, entryNames, printTable } from './_floor/functions.ts';
import { lambdaEnvironment } from './_floor/lambda-env.ts';

const runs = process.argv.includes('--quick') ? 8 : 30;
const targetRatio = 1.25;

/** Prints the milliseconds `await import()` of the file took. */
const child = `
const started = performance.now();
await import(process.argv[1]);
process.stdout.write(String(performance.now() - started));
`;

interface Timing {
  importMs: number;
  wallMs: number;
}

function load(file: string, functionName: string): Timing {
  const started = performance.now();
  const run = spawnSync(process.execPath, ['--input-type=module', '-e', child, pathToFileURL(file).href], {
    env: lambdaEnvironment(functionName),
    encoding: 'utf8',
  });
  const wallMs = performance.now() - started;
  if (run.status !== 0) throw new Error(`Importing ${file} failed (exit ${run.status ?? run.signal}):\n${run.stderr}`);
  return { importMs: Number(run.stdout), wallMs };
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};

const dir = mkdtempSync(join(tmpdir(), 'bench-module-load-'));
try {
  const names = entryNames();
  const files = await Promise.all(
    names.map(async (name) => ({ name, bundle: (await bundleFunction(name, dir)).file, floor: (await bundleFloor(name, dir)).file })),
  );
  const timings = new Map(names.map((name) => [name, { bundle: [] as Timing[], floor: [] as Timing[] }]));
  // One warm-up of each (the OS's file cache), not counted.
  for (const { name, bundle, floor } of files) {
    load(bundle, name);
    load(floor, name);
  }
  for (let run = 0; run < runs; run += 1) {
    for (const { name, bundle, floor } of files) {
      const own = timings.get(name)!;
      // Alternate which goes first, so neither always follows the other.
      const order = run % 2 === 0 ? (['bundle', 'floor'] as const) : (['floor', 'bundle'] as const);
      for (const which of order) own[which].push(load(which === 'bundle' ? bundle : floor, name));
    }
  }

  const header = ['function', 'import ms', 'floor ms', 'ratio', `within ${targetRatio}x`, 'process ms', 'floor process ms'];
  const rows = names.map((name) => {
    const { bundle, floor } = timings.get(name)!;
    const own = median(bundle.map((timing) => timing.importMs));
    const base = median(floor.map((timing) => timing.importMs));
    const ratio = own / base;
    return [
      name,
      own.toFixed(1),
      base.toFixed(1),
      `${ratio.toFixed(2)}x`,
      ratio <= targetRatio ? 'met' : 'NOT met',
      median(bundle.map((timing) => timing.wallMs)).toFixed(1),
      median(floor.map((timing) => timing.wallMs)).toFixed(1),
    ];
  });
  // Other work on the machine slows both sides of a ratio alike, but widens its spread: say how busy it was.
  console.log(`medians of ${runs} fresh processes each, interleaved; node ${process.version}, load average ${loadavg()[0]!.toFixed(2)} on ${availableParallelism()} cores`);
  printTable(header, rows);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
