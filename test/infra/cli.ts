/** Runs the CDK CLI the way CI does: offline, no AWS credentials or profile, no telemetry, no notices. */
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const projectRoot = fileURLToPath(new URL('../..', import.meta.url));

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
  outdir: string;
}

export function cdkSynth(extraArgs: string[] = []): Promise<CliResult> {
  const outdir = mkdtempSync(join(tmpdir(), 'cdk-out-'));
  const home = mkdtempSync(join(tmpdir(), 'cdk-home-'));
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    // No credentials, profile, region or account from the developer's machine.
    if (!/^(AWS_|CDK_)/.test(key)) env[key] = value;
  }
  Object.assign(env, {
    HOME: home,
    CDK_DISABLE_CLI_TELEMETRY: 'true',
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_CONFIG_FILE: join(home, 'none'),
    AWS_SHARED_CREDENTIALS_FILE: join(home, 'none'),
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    CI: 'true',
  });
  return new Promise((resolve, reject) => {
    const child = spawn('npx', ['cdk', 'synth', '--no-notices', '-q', '-o', outdir, ...extraArgs], { cwd: projectRoot, env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr, outdir }));
  });
}
