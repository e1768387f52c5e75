/**
 * `npm run doctor [-- --local | --stack <StackName> [--region <region>]] [--json]`
 *
 * Checks the Logto and SES wiring of the local stack (`npm start`, the default) or of a deployed stack
 * (read from its CloudFormation outputs and secrets, with the AWS credentials of this shell). One line
 * per check; exits 1 when any check fails.
 *
 * Locally it uses what `npm start` uses: the stand-in at 127.0.0.1:4001 with the seeded M2M app, or the
 * Logto named by LOGTO_ENDPOINT, LOGTO_M2M_APP_ID, LOGTO_M2M_APP_SECRET and LOGTO_API_INDICATOR.
 */
import { parseArgs } from 'node:util';
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { z } from 'zod';

import { SecretsManagerSecrets } from '../lambdas/adapters/secrets.ts';
import { readConfig } from '../lambdas/composition/config.ts';
import { runDoctor, type DoctorTarget } from '../lambdas/doctor/checks.ts';
import { formatReport } from '../lambdas/doctor/report.ts';
import { awsTarget, localTarget, readStackOutputs } from '../lambdas/doctor/targets.ts';
import { seed } from '../local/logto-stand-in/seed.ts';
import { localPorts, localServiceEnv, localUrl } from '../local/defaults.ts';
import { templateLocales } from '../templates/index.ts';

const { values: args } = parseArgs({
  options: {
    local: { type: 'boolean', default: false },
    stack: { type: 'string' },
    region: { type: 'string' },
    json: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
  strict: true,
});

if (args.help) {
  console.log('Usage: npm run doctor [-- --local | --stack <StackName> [--region <region>]] [--json]');
  process.exit(0);
}
if (args.local && args.stack) {
  console.error('Give either --local or --stack <StackName>, not both.');
  process.exit(2);
}

/** What `npm start` uses (local/start.ts, local/stack.ts). */
const localEnv = readConfig(
  z.object({
    LOGTO_ENDPOINT: z.url().optional(),
    LOGTO_M2M_APP_ID: z.string().min(1).optional(),
    LOGTO_M2M_APP_SECRET: z.string().min(1).optional(),
    LOGTO_API_INDICATOR: z.url().default(seed.managementApiResource),
  }),
  process.env,
);

async function buildTarget(): Promise<DoctorTarget> {
  if (args.stack) {
    const region = args.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION;
    const clientConfig = { ...(region && { region }), maxAttempts: 2 };
    const cloudFormation = new CloudFormationClient(clientConfig);
    const outputs = await readStackOutputs(cloudFormation, args.stack);
    const secretsManager = new SecretsManagerClient(clientConfig);
    return awsTarget(args.stack, outputs, {
      region: await cloudFormation.config.region(),
      ses: new SESv2Client(clientConfig),
      secrets: ({ m2mSecretId, webhookSecretId }) =>
        new SecretsManagerSecrets({ m2mSecretId, webhookSecretId, client: secretsManager, maxAgeSeconds: 0 }),
    });
  }
  const realLogto = localEnv.LOGTO_ENDPOINT !== undefined;
  if (realLogto && (!localEnv.LOGTO_M2M_APP_ID || !localEnv.LOGTO_M2M_APP_SECRET)) {
    throw new Error('LOGTO_ENDPOINT is set: set LOGTO_M2M_APP_ID and LOGTO_M2M_APP_SECRET too, as for npm start.');
  }
  const sesUrl = localUrl(localPorts.ses);
  return localTarget({
    apiUrl: localUrl(localPorts.api),
    logtoUrl: localEnv.LOGTO_ENDPOINT ?? localUrl(localPorts.logto),
    sesUrl,
    apiIndicator: localEnv.LOGTO_API_INDICATOR,
    m2m: realLogto
      ? { appId: localEnv.LOGTO_M2M_APP_ID!, appSecret: localEnv.LOGTO_M2M_APP_SECRET! }
      : { appId: seed.m2mApp.id, appSecret: seed.m2mApp.secret },
    m2mSource: realLogto ? 'LOGTO_M2M_APP_ID / LOGTO_M2M_APP_SECRET' : "the stand-in's seeded M2M app",
    sesIdentity: localServiceEnv.SES_FROM,
    templatePrefix: localServiceEnv.SES_TEMPLATE_PREFIX,
    // As npm start reads them: a team's own templates directory may have other locales.
    locales: templateLocales(process.env.EMAIL_TEMPLATES_DIR),
    ses: new SESv2Client({
      endpoint: sesUrl,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      maxAttempts: 1,
    }),
  });
}

try {
  const report = await runDoctor(await buildTarget());
  console.log(args.json ? JSON.stringify(report, null, 2) : formatReport(report));
  process.exitCode = report.ok ? 0 : 1;
} catch (error) {
  console.error(`✗ ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
}
