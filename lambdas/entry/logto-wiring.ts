/**
 * The Logto wiring custom resource's onEvent Lambda (CDK `custom_resources.Provider`). Environment read
 * and validated once per cold start; the M2M credentials come from Secrets Manager, and the webhook's
 * signing key is written to its secret as `{"signingKey": "..."}`, the shape `SecretsManagerSecrets` reads.
 *
 * IAM it needs: `secretsmanager:GetSecretValue` on both secrets, `secretsmanager:PutSecretValue` on the
 * signing-key secret (plus `kms:Decrypt`/`kms:Encrypt` when they use a customer managed key).
 */
import {
  GetSecretValueCommand,
  PutSecretValueCommand,
  ResourceNotFoundException,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { Logger } from '@aws-lambda-powertools/logger';
import * as z from 'zod';

import { LogtoManagementClient } from '../adapters/logto-management-client.ts';
import { SecretsManagerSecrets } from '../adapters/secrets.ts';
import { defaultApiIndicator, readConfig } from '../composition/config.ts';
import { makeLogtoWiringHandler } from '../handlers/logto-wiring.ts';

const env = readConfig(
  z
    .object({
      LOGTO_ENDPOINT: z.url().transform((url) => url.replace(/\/+$/, '')),
      LOGTO_API_INDICATOR: z.url().optional(),
      M2M_SECRET_ID: z.string().min(1),
      WEBHOOK_SECRET_ID: z.string().min(1),
    })
    .transform((config) => ({
      ...config,
      LOGTO_API_INDICATOR: config.LOGTO_API_INDICATOR ?? defaultApiIndicator(config.LOGTO_ENDPOINT),
    })),
  process.env,
);

const secretsManager = new SecretsManagerClient({});
const secrets = new SecretsManagerSecrets({
  m2mSecretId: env.M2M_SECRET_ID,
  webhookSecretId: env.WEBHOOK_SECRET_ID,
  client: secretsManager,
});

/**
 * Writes the key unless the secret already holds it, so a re-deploy adds no secret version and the
 * webhook Lambda's cached value stays current. A secret created empty has no value yet (not found).
 */
async function storeSigningKey(signingKey: string): Promise<void> {
  let current: string | undefined;
  try {
    const { SecretString } = await secretsManager.send(new GetSecretValueCommand({ SecretId: env.WEBHOOK_SECRET_ID }));
    current = SecretString;
  } catch (error) {
    if (!(error instanceof ResourceNotFoundException)) throw error;
  }
  const wanted = { signingKey };
  if (current !== undefined && holdsKey(current, signingKey)) return;
  await secretsManager.send(new PutSecretValueCommand({ SecretId: env.WEBHOOK_SECRET_ID, SecretString: JSON.stringify(wanted) }));
}

const holdsKey = (secretString: string, signingKey: string): boolean => {
  try {
    return (JSON.parse(secretString) as { signingKey?: unknown }).signingKey === signingKey;
  } catch {
    return false;
  }
};

export const handler = makeLogtoWiringHandler({
  api: new LogtoManagementClient({
    endpoint: env.LOGTO_ENDPOINT,
    apiIndicator: env.LOGTO_API_INDICATOR,
    credentials: () => secrets.m2mCredentials(),
  }),
  storeSigningKey,
  log: new Logger({ serviceName: 'logto-invitations', persistentKeys: { component: 'logto-wiring' } }),
  logtoEndpoint: env.LOGTO_ENDPOINT,
});
