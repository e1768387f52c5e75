/**
 * `npm run bench -- bundles`: each Lambda bundled as it deploys (ServiceFunction's esbuild settings) beside
 * its SDK floor (the bare SDK clients it calls, bundled alone the same way), and what the difference is made
 * of, by package. The target (issue 9) is a bundle within 100 KB of its floor. Prints figures; asserts
 * nothing. `--quick` changes nothing here: bundling all of them takes seconds.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bundleFloor, bundleFunction, bytesByPackage, entryNames, kb, printTable, sdkFloors } from './_floor/functions.ts';

const targetExcessBytes = 100 * 1024;
const topContributors = 8;

const dir = mkdtempSync(join(tmpdir(), 'bench-bundles-'));
try {
  const rows: string[][] = [];
  const details: string[] = [];
  for (const name of entryNames()) {
    const [fn, floor] = await Promise.all([bundleFunction(name, dir), bundleFloor(name, dir)]);
    const excess = fn.bytes - floor.bytes;
    rows.push([name, kb(fn.bytes), kb(floor.bytes), kb(excess), excess <= targetExcessBytes ? 'met' : 'NOT met']);

    const inFunction = bytesByPackage(fn.metafile);
    const inFloor = bytesByPackage(floor.metafile);
    const beyond = [...inFunction]
      .map(([pkg, bytes]) => [pkg, bytes - (inFloor.get(pkg) ?? 0)] as const)
      .filter(([, bytes]) => bytes > 0)
      .sort((a, b) => b[1] - a[1]);
    const unused = [...inFunction.keys()].filter((pkg) => pkg.startsWith('@aws-sdk/client-') && !(pkg in sdkFloors[name]!));
    details.push(
      `${name}: ${beyond
        .slice(0, topContributors)
        .map(([pkg, bytes]) => `${pkg} ${kb(bytes)}`)
        .join(', ')}${beyond.length > topContributors ? `, ${beyond.length - topContributors} more ${kb(beyond.slice(topContributors).reduce((sum, [, bytes]) => sum + bytes, 0))}` : ''}` +
        (unused.length > 0 ? `\n  bundles SDK clients it never calls: ${unused.join(', ')}` : ''),
    );
  }

  const header = ['function', 'bundle KB', 'SDK floor KB', 'beyond floor KB', 'within 100 KB'];
  printTable(header, rows);
  console.log('\nbeyond the floor, by package (KB of minified output):');
  for (const detail of details) console.log(detail);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
