import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { defineCommand } from '../command.ts';
import { exitCodes } from '../errors.ts';

/**
 * `npm run doctor`'s script, run as it is: the CLI adds a front door, not a second doctor. The compiled CLI
 * (dist/cli/, in the published package) runs the compiled script beside it with plain Node; the TypeScript
 * CLI of a checkout runs the TypeScript script through tsx.
 */
const compiled = !import.meta.url.endsWith('.ts');
const script = fileURLToPath(new URL(`../../scripts/doctor.${compiled ? 'js' : 'ts'}`, import.meta.url));
const nodeArgs = compiled ? [] : ['--import', import.meta.resolve('tsx')];

/** The script's own exit codes (0 all good, 1 a check failed or it could not run, 2 bad usage) in the CLI's terms. */
const exitCodeOf = (code: number | null) => (code === 0 ? exitCodes.ok : code === 2 ? exitCodes.usage : exitCodes.doctorFailed);

export const doctor = defineCommand({
  spec: {
    name: 'doctor',
    summary: "Check the service's wiring: Logto, its webhook, SES",
    args: [],
    description: [
      'M2M credentials, Management API access, registration closed, the webhook and its signing key, SES templates: the same checks as `npm run doctor`, against the local stack by default (npm start, on 127.0.0.1:4000-4005), or a deployed stack read from its CloudFormation outputs with the AWS credentials of this shell. Exits 6 when a check fails.',
    ],
    options: {
      local: { type: 'boolean', description: 'The local stack (the default)' },
      stack: { type: 'string', value: 'name', description: 'A deployed CloudFormation stack' },
      region: { type: 'string', value: 'region', description: "The stack's region (default: $AWS_REGION)" },
      json: { type: 'boolean', description: 'Print the report as JSON' },
    },
    examples: ['logto-invitations doctor', 'logto-invitations doctor --stack Invitations --region eu-central-1'],
  },
  run(_context, { values }) {
    const args = [
      ...(values.local ? ['--local'] : []),
      ...(values.stack !== undefined ? ['--stack', values.stack] : []),
      ...(values.region !== undefined ? ['--region', values.region] : []),
      ...(values.json ? ['--json'] : []),
    ];
    // Its own process: the script reads its own argv and sets its own exit code.
    const child = spawn(process.execPath, [...nodeArgs, script, ...args], { stdio: 'inherit' });
    return new Promise((resolve, reject) => {
      child.once('error', reject);
      child.once('exit', (code) => resolve(exitCodeOf(code)));
    });
  },
});
