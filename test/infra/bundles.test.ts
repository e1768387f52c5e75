/**
 * Each Lambda bundles only what its handler reaches: esbuild keeps whatever an entry imports, so one
 * shared import of an adapter puts its SDK client (and its load time) into every function. Bundled with
 * the deploy's own esbuild settings (the bundle benchmark's helpers).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleFunction, bytesByPackage, entryNames, sdkFloors } from '../../bench/_floor/functions.ts';

const dir = mkdtempSync(join(tmpdir(), 'bundles-test-'));
const packages = new Map<string, string[]>();

beforeAll(async () => {
  for (const name of entryNames()) packages.set(name, [...bytesByPackage((await bundleFunction(name, dir)).metafile).keys()]);
}, 120_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('function bundles', () => {
  it('hold exactly the SDK clients each function calls', () => {
    for (const [name, held] of packages) {
      expect({ name, clients: held.filter((pkg) => pkg.startsWith('@aws-sdk/client-')).sort() }).toEqual({
        name,
        clients: Object.keys(sdkFloors[name]!).sort(),
      });
    }
  });

  it("leave the API's own dependencies (the token verifier's jose, Logto's password policy) to the API", () => {
    for (const [name, held] of packages) {
      const apiOnly = held.filter((pkg) => ['jose', '@logto/core-kit'].includes(pkg)).sort();
      expect({ name, apiOnly }).toEqual({ name, apiOnly: name === 'api' ? ['@logto/core-kit', 'jose'] : [] });
    }
  });

  it('give the console function its own code and nothing else: no library, no zod, no SDK, no middleware', () => {
    expect(packages.get('console')!.filter((pkg) => !pkg.startsWith('(project) lambdas/'))).toEqual([]);
    expect(packages.get('console')!.sort()).toEqual(['(project) lambdas/adapters', '(project) lambdas/composition', '(project) lambdas/entry', '(project) lambdas/handlers']);
  });

  it('carry no X-Ray SDK: active tracing records the invocation (observability.ts says why)', () => {
    for (const [name, held] of packages) expect({ name, xray: held.includes('aws-xray-sdk-core') }).toEqual({ name, xray: false });
  });
});
