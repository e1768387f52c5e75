/**
 * What the bundle and module-load benchmarks share: each Lambda of `lambdas/entry/` bundled exactly as
 * `ServiceFunction` bundles it, and its SDK floor, the bare AWS SDK clients and commands that function
 * calls, bundled alone with the same settings. A function can weigh no less than its floor; what it weighs
 * beyond that is the cost of everything else it bundles.
 */
import { build, type Metafile } from 'esbuild';
import { mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { serviceEsbuildOptions } from '../../lib/constructs/service-function.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const entryFolder = join(root, 'lambdas/entry');

/** SDK v3 package -> the client class, the commands and the other values the function takes from it. */
type SdkUse = Record<string, readonly string[]>;

const store = { '@aws-sdk/client-dynamodb': ['DynamoDBClient', 'GetItemCommand', 'PutItemCommand', 'UpdateItemCommand', 'DeleteItemCommand', 'QueryCommand', 'paginateQuery'] };
const m2mSecret = { '@aws-sdk/client-secrets-manager': ['SecretsManagerClient', 'GetSecretValueCommand'] };
const mail = { '@aws-sdk/client-sesv2': ['SESv2Client', 'SendEmailCommand'] };
const queue = { '@aws-sdk/client-sqs': ['SQSClient', 'SendMessageCommand'] };
const startStop = { '@aws-sdk/client-sfn': ['SFNClient', 'StartExecutionCommand', 'StopExecutionCommand'] };

/**
 * What each function calls, traced through its handler and the invitation library (and matching the IAM
 * grants of lib/constructs/functions.ts): every service function reads the M2M secret (Logto), the store
 * and may queue a job. The lifecycle function sends reminders but never starts or stops a lifecycle (it
 * runs inside one: it has neither the state machine's ARN nor the grant); the webhook and mail events
 * send no email. The console function serves files and calls nothing.
 */
export const sdkFloors: Record<string, SdkUse> = {
  api: { ...store, ...m2mSecret, ...mail, ...queue, ...startStop },
  webhook: { ...store, ...m2mSecret, ...queue, ...startStop },
  jobs: { ...store, ...m2mSecret, ...mail, ...queue, ...startStop },
  'mail-events': { ...store, ...m2mSecret, ...queue, ...startStop },
  lifecycle: { ...store, ...m2mSecret, ...mail, ...queue },
  'logto-wiring': {
    '@aws-sdk/client-secrets-manager': ['SecretsManagerClient', 'GetSecretValueCommand', 'PutSecretValueCommand', 'ResourceNotFoundException'],
  },
  console: {},
  'm2m-rotation': {
    '@aws-sdk/client-secrets-manager': [
      'SecretsManagerClient',
      'DescribeSecretCommand',
      'GetSecretValueCommand',
      'PutSecretValueCommand',
      'UpdateSecretVersionStageCommand',
    ],
  },
};

/** The entries under lambdas/entry, by name (`api`, `mail-events`, ...). */
export function entryNames(): string[] {
  return readdirSync(entryFolder)
    .filter((file) => file.endsWith('.ts'))
    .map((file) => file.slice(0, -3))
    .sort();
}

/**
 * The floor's entry: imports exactly the function's SDK values and creates each client once at module
 * scope, as the function does, so loading it costs what loading those clients costs.
 */
export function floorSource(use: SdkUse): string {
  const lines: string[] = [];
  const kept: string[] = [];
  const clients: string[] = [];
  for (const [pkg, names] of Object.entries(use)) {
    lines.push(`import { ${names.join(', ')} } from '${pkg}';`);
    kept.push(...names);
    clients.push(...names.filter((name) => name.endsWith('Client')).map((name) => `new ${name}({})`));
  }
  lines.push(`export const clients = [${clients.join(', ')}];`);
  lines.push(`export const kept = [${kept.join(', ')}];`);
  lines.push('export const handler = async () => clients.length + kept.length;');
  return `${lines.join('\n')}\n`;
}

export interface Bundle {
  /** The bundle, `index.mjs` as deployed. */
  file: string;
  bytes: number;
  metafile: Metafile;
}

async function bundle(entryPoint: string, outdir: string): Promise<Bundle> {
  mkdirSync(outdir, { recursive: true });
  const file = join(outdir, 'index.mjs');
  const result = await build({
    ...serviceEsbuildOptions(),
    entryPoints: [entryPoint],
    outfile: file,
    metafile: true,
    // The bundle's own summary would interleave with the figures; errors still throw.
    logLevel: 'error',
    // Resolved from the project, wherever the output goes.
    absWorkingDir: root,
    nodePaths: [join(root, 'node_modules')],
  });
  return { file, bytes: statSync(file).size, metafile: result.metafile };
}

/** The function `name` of lambdas/entry, bundled into `dir/<name>/index.mjs`. */
export function bundleFunction(name: string, dir: string): Promise<Bundle> {
  return bundle(join(entryFolder, `${name}.ts`), join(dir, name));
}

/** The SDK floor of `name`, bundled into `dir/<name>.floor/index.mjs`. */
export function bundleFloor(name: string, dir: string): Promise<Bundle> {
  const use = sdkFloors[name];
  if (!use) throw new Error(`No SDK floor is declared for lambdas/entry/${name}.ts: add it to sdkFloors (bench/_floor/functions.ts).`);
  const outdir = join(dir, `${name}.floor`);
  mkdirSync(outdir, { recursive: true });
  const entry = join(outdir, 'entry.mjs');
  writeFileSync(entry, floorSource(use));
  return bundle(entry, outdir);
}

/** `../main/node_modules/@aws-sdk/client-sqs/dist-es/...` -> `@aws-sdk/client-sqs`; project files by folder (`lambdas/adapters`). */
export function packageOf(input: string): string {
  const path = input.replaceAll('\\', '/');
  const at = path.lastIndexOf('node_modules/');
  if (at >= 0) {
    const [scope, name] = path.slice(at + 'node_modules/'.length).split('/');
    return scope!.startsWith('@') ? `${scope}/${name}` : scope!;
  }
  const parts = path.split('/');
  return `(project) ${parts.length > 2 ? parts.slice(0, 2).join('/') : parts[0]}`;
}

/** Bytes in the output, by package. */
export function bytesByPackage(metafile: Metafile): Map<string, number> {
  const sizes = new Map<string, number>();
  for (const output of Object.values(metafile.outputs)) {
    for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
      const pkg = packageOf(input);
      sizes.set(pkg, (sizes.get(pkg) ?? 0) + bytesInOutput);
    }
  }
  return sizes;
}

export const kb = (bytes: number): string => (bytes / 1024).toFixed(1);

/** Prints a table: the first column left-aligned, the figures right-aligned. */
export function printTable(header: string[], rows: string[][]): void {
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]!.length)));
  const line = (cells: string[]) => cells.map((cell, column) => (column === 0 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!))).join('  ');
  for (const row of [header, ...rows]) console.log(line(row));
}
