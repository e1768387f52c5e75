/**
 * The M2M credentials secret's rotation Lambda, invoked by Secrets Manager once per rotation step.
 * Environment read and validated once per cold start; the secret comes in the event (`SecretId`).
 *
 * IAM it needs: `secretsmanager:DescribeSecret`, `GetSecretValue`, `PutSecretValue` and
 * `UpdateSecretVersionStage` on the M2M secret only (plus its KMS key, when it has its own).
 */
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { Logger } from '@aws-lambda-powertools/logger';
import * as z from 'zod';

import { LogtoManagementClient } from '../adapters/logto-management-client.ts';
import { defaultApiIndicator, readConfig } from '../composition/config.ts';
import { makeM2mRotationHandler } from '../handlers/m2m-rotation.ts';

const env = readConfig(
  z
    .object({
      LOGTO_ENDPOINT: z.url().transform((url) => url.replace(/\/+$/, '')),
      LOGTO_API_INDICATOR: z.url().optional(),
    })
    .transform((config) => ({
      ...config,
      LOGTO_API_INDICATOR: config.LOGTO_API_INDICATOR ?? defaultApiIndicator(config.LOGTO_ENDPOINT),
    })),
  process.env,
);

export const handler = makeM2mRotationHandler({
  secretsManager: new SecretsManagerClient({}),
  // One client per set of credentials: a token obtained with the current secret must not vouch for the new one.
  logtoAs: (credentials) =>
    new LogtoManagementClient({ endpoint: env.LOGTO_ENDPOINT, apiIndicator: env.LOGTO_API_INDICATOR, credentials: async () => credentials }),
  log: new Logger({ serviceName: 'logto-invitations', persistentKeys: { component: 'm2m-rotation' } }),
});
