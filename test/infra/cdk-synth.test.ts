/**
 * `npx cdk synth` as CI runs it from a fresh clone: offline, no AWS credentials, the real esbuild bundles
 * and cdk-nag as a validation plugin (an unacknowledged finding would fail it). The console's build is a
 * stand-in (`consoleAssetsDirectory`): these tests do not wait for Vite.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { esmRequireBanner } from '../../lib/constructs/service-function.ts';
import { writeConsoleBuild, type ConsoleBuild } from '../support/console-build.ts';
import { cdkSynth, type CliResult } from './cli.ts';

let result: CliResult;
let consoleBuild: ConsoleBuild;
let template: { Resources: Record<string, { Type: string; Properties: Record<string, any>; Metadata?: Record<string, string> }> };

beforeAll(async () => {
  consoleBuild = writeConsoleBuild();
  result = await cdkSynth(['-c', `consoleAssetsDirectory=${consoleBuild.directory}`]);
  const path = join(result.outdir, 'LogtoInvitations.template.json');
  if (existsSync(path)) template = JSON.parse(readFileSync(path, 'utf8'));
}, 180_000);

describe('cdk synth, offline', () => {
  it('succeeds with cdk-nag passing and no warnings', () => {
    expect([result.code, result.stderr.includes('Synthesis finished with errors')]).toEqual([0, false]);
    const noise = result.stderr
      .split('\n')
      .filter((line) => line.trim() && !/^(Bundling asset|\s*\.\.\.|⚡ Done in)/.test(line.trim()));
    expect(noise).toEqual([]);
    const report = JSON.parse(readFileSync(join(result.outdir, 'validation-report.json'), 'utf8')) as { pluginReports: unknown[] };
    expect(report.pluginReports).toEqual([]);
  });

  it('bundles every function as one ESM file with the createRequire banner and the AWS SDK inside', () => {
    const functions = Object.values(template.Resources).filter(
      (resource) => resource.Type === 'AWS::Lambda::Function' && resource.Properties.Runtime === 'nodejs24.x',
    );
    expect(functions.length).toBe(7);
    for (const fn of functions) {
      const asset = join(result.outdir, fn.Metadata!['aws:asset:path']!);
      const isConsole = existsSync(join(asset, 'console'));
      const code = readFileSync(join(asset, 'index.mjs'), 'utf8');
      expect(code.startsWith(esmRequireBanner)).toBe(true);
      // Everything bundled (the AWS SDK too, not taken from the runtime): Node's built-ins are the only imports left.
      const imports = [...code.matchAll(/(?:^|[;}\n])\s*import\s*[^;"'()]*?\bfrom\s*["']([^"']+)["']/g)].map((match) => match[1]);
      expect(imports.length).toBeGreaterThan(0);
      expect(imports.filter((specifier) => !specifier!.startsWith('node:'))).toEqual([]);
      // Every function but the console reads a secret; the console calls no AWS service at all.
      expect(code.includes('secretsmanager')).toBe(!isConsole);
      // Well inside Lambda's 250 MB, and small enough for a quick cold start.
      expect(statSync(join(asset, 'index.mjs')).size).toBeLessThan(3 * 1024 * 1024);
    }
  });

  it("puts the console's build beside the console function's bundle, and into no other", () => {
    const withConsole = Object.values(template.Resources)
      .filter((resource) => resource.Type === 'AWS::Lambda::Function' && resource.Properties.Runtime === 'nodejs24.x')
      .map((fn) => join(result.outdir, fn.Metadata!['aws:asset:path']!))
      .filter((asset) => existsSync(join(asset, 'console')));
    expect(withConsole.length).toBe(1);
    for (const [path, body] of Object.entries(consoleBuild.files)) expect(readFileSync(join(withConsole[0]!, 'console', path)).equals(body)).toBe(true);
    // Small: the handler alone, no library.
    expect(statSync(join(withConsole[0]!, 'index.mjs')).size).toBeLessThan(20 * 1024);
  });
});
