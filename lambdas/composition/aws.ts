/**
 * The AWS composition: configuration read and validated once per cold start, SDK clients created once at
 * module scope, secrets from Secrets Manager (cached, never in environment variables).
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SFNClient } from '@aws-sdk/client-sfn';
import { SQSClient } from '@aws-sdk/client-sqs';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import * as z from 'zod';
import { createAccessTokenVerifier } from '../adapters/access-token-verifier.ts';
import { DynamoInvitationStore } from '../adapters/dynamo-store.ts';
import { LogtoPasswordChecker } from '../adapters/logto-password-checker.ts';
import { createPwnedPasswords } from '../adapters/pwned-passwords.ts';
import { LogtoManagementClient } from '../adapters/logto-management-client.ts';
import { SecretsManagerSecrets } from '../adapters/secrets.ts';
import { createSesMailerClient, SesMailer } from '../adapters/ses-mailer.ts';
import { SqsJobQueue } from '../adapters/sqs-job-queue.ts';
import { StepFunctionsScheduler } from '../adapters/step-functions-scheduler.ts';
import { createPacer } from '../handlers/pacing.ts';
import { accessRequestLimitsOf, deliveryRateOf, envSchema, invitationSettings, mailerSettingsOf, readConfig } from './config.ts';
import { countAccessRequest, countEvent, logger, tracer } from './observability.ts';
import { buildService } from './service.ts';

export const awsEnvSchema = z.intersection(
  envSchema,
  z.object({
    M2M_SECRET_ID: z.string().min(1),
    WEBHOOK_SECRET_ID: z.string().min(1),
    JOB_QUEUE_URL: z.url(),
    /** The queue's `maxReceiveCount`: the last attempt at a send marks it failed before it is dead-lettered. */
    JOB_MAX_RECEIVES: z.coerce.number().int().min(1).default(5),
    /** The job queue's consumers at most (the event source's maximum concurrency): each paces itself at its share. */
    DELIVERY_CONCURRENCY: z.coerce.number().int().min(1).default(2),
    /** Set on the functions that start or stop lifecycles (API, webhook, jobs, mail events). */
    LIFECYCLE_STATE_MACHINE_ARN: z.string().startsWith('arn:').optional(),
  }),
);

/** The store, counting every audit event it records as a CloudWatch metric. */
class MeteredInvitationStore extends DynamoInvitationStore {
  override async appendEvent(...args: Parameters<DynamoInvitationStore['appendEvent']>): Promise<void> {
    await super.appendEvent(...args);
    countEvent(args[1].type);
  }

  override async insertReserved(...args: Parameters<DynamoInvitationStore['insertReserved']>): Promise<void> {
    await super.insertReserved(...args);
    for (const event of args[1]) countEvent(event.type);
  }
}

export function buildAwsService(env: Record<string, string | undefined> = process.env) {
  const config = readConfig(awsEnvSchema, env);
  const secrets = new SecretsManagerSecrets({
    m2mSecretId: config.M2M_SECRET_ID,
    webhookSecretId: config.WEBHOOK_SECRET_ID,
    client: tracer.captureAWSv3Client(new SecretsManagerClient({})),
  });
  const identity = new LogtoManagementClient({
    endpoint: config.LOGTO_ENDPOINT,
    apiIndicator: config.LOGTO_API_INDICATOR,
    credentials: () => secrets.m2mCredentials(),
  });
  const mailer = new SesMailer({
    // One attempt: an SDK retry after a timeout could send an accepted email twice (see SesMailer).
    client: tracer.captureAWSv3Client(createSesMailerClient()),
    ...mailerSettingsOf(config),
  });
  return buildService({
    store: new MeteredInvitationStore({
      client: tracer.captureAWSv3Client(new DynamoDBClient({})),
      tableName: config.TABLE_NAME,
      retentionDays: config.RETENTION_DAYS,
    }),
    identity,
    passwords: new LogtoPasswordChecker({
      readPolicy: () => identity.getPasswordPolicy(),
      pwned: createPwnedPasswords({ rangeUrl: config.PWNED_RANGE_URL }),
    }),
    mailer,
    jobs: new SqsJobQueue({ client: tracer.captureAWSv3Client(new SQSClient({})), queueUrl: config.JOB_QUEUE_URL }),
    lifecycle: new StepFunctionsScheduler({
      client: tracer.captureAWSv3Client(new SFNClient({})),
      stateMachineArn: config.LIFECYCLE_STATE_MACHINE_ARN,
    }),
    verifier: createAccessTokenVerifier({ issuer: config.ADMIN_ISSUER, audience: config.ADMIN_AUDIENCE }),
    webhookSigningKey: (options) => secrets.webhookSigningKey(options),
    settings: invitationSettings(config),
    jobMaxReceives: config.JOB_MAX_RECEIVES,
    deliveryPacer: createPacer({ rate: async () => deliveryRateOf(config, await mailer.maxSendRate()), consumers: config.DELIVERY_CONCURRENCY }),
    accessRequestLimits: { ...accessRequestLimitsOf(config), count: countAccessRequest },
    log: logger,
  });
}
