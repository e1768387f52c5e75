/**
 * The package as a team gets it from npm: `npm pack` (which builds dist/), then installed into a fresh
 * CDK TypeScript app laid out as `cdk init app --language typescript` lays one out (CommonJS, NodeNext),
 * compiled with plain `tsc`, synthesized offline by the CDK CLI running plain `node`, and the CLI run from
 * it with `npx`. No tsx and nothing of this checkout's node_modules but the CDK CLI: the app gets only
 * what the package's own `dependencies` bring, from the npm cache when it has them.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { esmRequireBanner } from '../../lib/constructs/service-function.ts';

const projectRoot = fileURLToPath(new URL('../..', import.meta.url));
const cdkCli = join(projectRoot, 'node_modules/aws-cdk/bin/cdk');
const versionOf = (name: string) =>
  (JSON.parse(readFileSync(join(projectRoot, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;
const cdkJson = JSON.parse(readFileSync(join(projectRoot, 'cdk.json'), 'utf8')) as { context: Record<string, unknown> };

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * A shell's environment without what `npm test` adds (npm_* settings of this package, which a nested npm
 * would take for its own) or any AWS or CDK setting of this machine; this Node first on the PATH.
 */
function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!/^(npm_|AWS_|CDK_|INIT_CWD$)/i.test(key)) env[key] = value;
  }
  return {
    ...env,
    PATH: [dirname(process.execPath), process.env.PATH].join(delimiter),
    CDK_DISABLE_CLI_TELEMETRY: 'true',
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_CONFIG_FILE: join(tmpdir(), 'no-aws-config'),
    AWS_SHARED_CREDENTIALS_FILE: join(tmpdir(), 'no-aws-credentials'),
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
}

function run(command: string, args: readonly string[], cwd: string): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, [...args], { cwd, env: cleanEnv() });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

async function succeed(command: string, args: readonly string[], cwd: string): Promise<Run> {
  const result = await run(command, args, cwd);
  if (result.code !== 0) throw new Error(`${command} ${args.join(' ')} exited ${result.code}:\n${result.stderr}\n${result.stdout}`);
  return result;
}

/** What a team writes: its own stack, the construct inside it with the props the README shows. */
const app = `import { App, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { InvitationService } from 'logto-invitations';

class AuthStack extends Stack {
  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);
    new InvitationService(this, 'Invitations', {
      logtoEndpoint: 'https://acme.logto.app',
      adminAudience: 'https://invitations.acme.example/api',
      landingUrl: 'https://app.acme.example/invitation',
      sesFromAddress: 'Acme <invitations@acme.example>',
    });
  }
}

const app = new App();
new AuthStack(app, 'Auth', { env: { account: '123456789012', region: 'eu-central-1' } });
`;

/** Compiles only if the declarations are the real props: were they \`any\`, the expected error would be missing. */
const typesCheck = `import type { InvitationServiceProps } from 'logto-invitations';

// @ts-expect-error: logtoEndpoint, adminAudience and sesFromAddress are required
export const incomplete: InvitationServiceProps = { landingUrl: 'https://app.acme.example/invitation' };
`;

let scratch: string;
let files: string[];
let synth: Run;
let template: { Resources: Record<string, { Type: string; Properties: Record<string, any>; Metadata?: Record<string, string> }> };

beforeAll(async () => {
  scratch = mkdtempSync(join(tmpdir(), 'package-test-'));
  const packDir = join(scratch, 'pack');
  const appDir = join(scratch, 'acme-auth');
  mkdirSync(packDir);
  mkdirSync(join(appDir, 'bin'), { recursive: true });

  await succeed('npm', ['pack', '--pack-destination', packDir], projectRoot);
  const [tarball] = readdirSync(packDir).filter((name) => name.endsWith('.tgz'));
  files = (await succeed('tar', ['-tzf', join(packDir, tarball!)], scratch)).stdout
    .split('\n')
    .filter(Boolean)
    .map((path) => path.replace(/^package\//, ''));

  // As `cdk init app --language typescript` writes it, but compiled with tsc and run with plain node.
  writeFileSync(join(appDir, 'package.json'), JSON.stringify({ name: 'acme-auth', version: '0.1.0', private: true }, null, 2));
  writeFileSync(
    join(appDir, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        target: 'ES2022',
        module: 'NodeNext',
        moduleResolution: 'NodeNext',
        lib: ['es2022'],
        strict: true,
        skipLibCheck: true,
        rootDir: '.',
        outDir: 'build',
        types: ['node'],
      },
      include: ['bin'],
    }),
  );
  const featureFlags = Object.fromEntries(Object.entries(cdkJson.context).filter(([key]) => key.startsWith('@aws-cdk')));
  writeFileSync(join(appDir, 'cdk.json'), JSON.stringify({ app: 'node build/bin/app.js', context: featureFlags }, null, 2));
  writeFileSync(join(appDir, 'bin/app.ts'), app);
  writeFileSync(join(appDir, 'bin/types-check.ts'), typesCheck);

  await succeed(
    'npm',
    [
      'install',
      '--prefer-offline',
      '--no-audit',
      '--no-fund',
      join(packDir, tarball!),
      ...['aws-cdk-lib', 'constructs', 'typescript', '@types/node'].map((name) => `${name}@${versionOf(name)}`),
    ],
    appDir,
  );
  await succeed(process.execPath, [join(appDir, 'node_modules/typescript/bin/tsc'), '-p', '.'], appDir);
  synth = await run(process.execPath, [cdkCli, 'synth', '--no-notices', '-q', '-o', 'cdk.out'], appDir);
  template = JSON.parse(readFileSync(join(appDir, 'cdk.out/Auth.template.json'), 'utf8'));
}, 240_000);

afterAll(() => {
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

const resourcesOf = (type: string) => Object.values(template.Resources).filter((resource) => resource.Type === type);

describe('npm pack', () => {
  it('ships compiled JavaScript with declarations, the Lambda sources, the templates and the bin', () => {
    expect(files).toEqual(expect.arrayContaining(['dist/lib/index.js', 'dist/lib/index.d.ts', 'dist/cli/main.js', 'bin/logto-invitations.mjs']));
    const lambdaEntries = readdirSync(join(projectRoot, 'lambdas/entry')).map((name) => `lambdas/entry/${name}`);
    expect(lambdaEntries.length).toBeGreaterThan(0);
    expect(files).toEqual(expect.arrayContaining(lambdaEntries));
    expect(files).toEqual(expect.arrayContaining(['templates/invitation/en/body.html', 'templates/invitation-contract.ts']));
    expect(files.filter((path) => path.endsWith('.ts') && !path.endsWith('.d.ts')).every((path) => /^(lambdas|templates)\//.test(path))).toBe(true);
  });

  it('ships nothing else: no tests, no local stack or data, no benchmarks, no synth output', () => {
    const allowed = /^(dist\/|lambdas\/|templates\/|console\/dist\/|bin\/logto-invitations\.mjs$|cli\/README\.md$|README\.md$|LICENSE$|package\.json$)/;
    expect(files.filter((path) => !allowed.test(path))).toEqual([]);
    expect(files.filter((path) => /(^|\/)(test|\.local|cdk\.out[^/]*)\//.test(path) || /\.test\.ts$/.test(path))).toEqual([]);
  });
});

describe('in a CDK TypeScript app', () => {
  it('synthesizes offline, bundling every function from the shipped sources, the shipped console and every email template', () => {
    expect(synth.code, synth.stderr).toBe(0);
    const functions = resourcesOf('AWS::Lambda::Function').filter((fn) => fn.Properties.Runtime === 'nodejs24.x');
    expect(functions).toHaveLength(7);
    const assets = functions.map((fn) => join(scratch, 'acme-auth/cdk.out', fn.Metadata!['aws:asset:path']!));
    for (const asset of assets) expect(readFileSync(join(asset, 'index.mjs'), 'utf8').startsWith(esmRequireBanner)).toBe(true);
    // The console function carries the console as the package shipped it.
    const withConsole = assets.filter((asset) => existsSync(join(asset, 'console/index.html')));
    expect(withConsole).toHaveLength(1);
    expect(readFileSync(join(withConsole[0]!, 'console/index.html'), 'utf8')).toBe(readFileSync(join(projectRoot, 'console/dist/index.html'), 'utf8'));
    const emails = Object.fromEntries(
      resourcesOf('AWS::SES::Template').map(({ Properties: { Template } }) => [/(invitation|accept-link|account-ready)-[a-z]{2}$/.exec(Template.TemplateName)?.[0], Template.HtmlPart]),
    );
    expect(Object.keys(emails).sort()).toEqual(['accept-link-de', 'accept-link-en', 'account-ready-de', 'account-ready-en', 'invitation-de', 'invitation-en']);
    expect(emails['invitation-de']).toBe(readFileSync(join(projectRoot, 'templates/invitation/de/body.html'), 'utf8'));
  });

  it('puts the CLI on the path: npx logto-invitations --help', async () => {
    const appDir = join(scratch, 'acme-auth');
    const help = await run('npx', ['logto-invitations', '--help'], appDir);
    const version = await run('npx', ['logto-invitations', '--version'], appDir);

    expect([help.code, help.stderr]).toEqual([0, '']);
    expect(help.stdout).toMatch(/^Usage: logto-invitations <command>/);
    expect(help.stdout).toMatch(/^ {2}doctor /m);
    expect(version.stdout.trim()).toBe(JSON.parse(readFileSync(join(projectRoot, 'package.json'), 'utf8')).version);
  });

  it('runs the compiled doctor with the dependencies the package declares', async () => {
    // Against the local stack's ports: whether anything answers there or not, a report comes back.
    const doctor = await run('npx', ['logto-invitations', 'doctor', '--json'], join(scratch, 'acme-auth'));

    expect(doctor.stderr).toBe('');
    expect([0, 6]).toContain(doctor.code);
    const report = JSON.parse(doctor.stdout) as { results: { id: string }[] };
    expect(report.results.map((check) => check.id)).toContain('api.health');
  });
});
