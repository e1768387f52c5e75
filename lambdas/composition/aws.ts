/**
 * The AWS composition's shared parts: configuration read and validated once per cold start, SDK clients
 * created once at module scope, secrets from Secrets Manager (cached, never in environment variables).
 * Each function's ports are built in aws/<function>.ts from these, with only the adapters its handler
 * reaches, and a function bundles only what its ports import: keep adapters with import-time effects
 * (such as `@logto/core-kit`, which builds its zod schemas on import) out of this module.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SFNClient } from '@aws-sdk/client-sfn';
import { SQSClient } from '@aws-sdk/client-sqs';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import * as z from 'zod';
import { DynamoInvitationStore } from '../adapters/dynamo-store.ts';
import { LogtoManagementClient } from '../adapters/logto-management-client.ts';
import { SecretsManagerSecrets } from '../adapters/secrets.ts';
import { createSesMailerClient, SesMailer } from '../adapters/ses-mailer.ts';
import { SqsJobQueue } from '../adapters/sqs-job-queue.ts';
import { StepFunctionsScheduler } from '../adapters/step-functions-scheduler.ts';
import type { LifecycleScheduler, Mailer, PasswordChecker } from '../domain/ports.ts';
import { envSchema, invitationSettings, mailerSettingsOf, readConfig } from './config.ts';
import { countEvent, logger } from './observability.ts';

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

export type AwsConfig = z.output<typeof awsEnvSchema>;

/** Parses the function's environment; throws naming every bad or missing variable (the cold start fails). */
export const readAwsConfig = (env: Record<string, string | undefined>): AwsConfig => readConfig(awsEnvSchema, env);

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

/**
 * What every service function's handler reaches: the store, Logto (with the M2M secret), the job queue,
 * the settings and the logger. `secrets` also holds the webhook's signing key, which only the webhook reads.
 */
export function sharedPorts(config: AwsConfig) {
  const secrets = new SecretsManagerSecrets({
    m2mSecretId: config.M2M_SECRET_ID,
    webhookSecretId: config.WEBHOOK_SECRET_ID,
    client: new SecretsManagerClient({}),
  });
  return {
    secrets,
    store: new MeteredInvitationStore({
      client: new DynamoDBClient({}),
      tableName: config.TABLE_NAME,
      retentionDays: config.RETENTION_DAYS,
    }),
    identity: new LogtoManagementClient({
      endpoint: config.LOGTO_ENDPOINT,
      apiIndicator: config.LOGTO_API_INDICATOR,
      credentials: () => secrets.m2mCredentials(),
    }),
    jobs: new SqsJobQueue({ client: new SQSClient({}), queueUrl: config.JOB_QUEUE_URL }),
    settings: invitationSettings(config),
    log: logger,
  };
}

/** Sends the invitation emails (SES v2, one attempt per call), and reads the account's send rate. */
export function sesMailer(config: AwsConfig): SesMailer {
  // One attempt: an SDK retry after a timeout could send an accepted email twice (see SesMailer).
  return new SesMailer({ client: createSesMailerClient(), ...mailerSettingsOf(config) });
}

/** Starts and stops lifecycle executions (Step Functions). */
export function stepFunctionsScheduler(config: AwsConfig): LifecycleScheduler {
  return new StepFunctionsScheduler({
    client: new SFNClient({}),
    stateMachineArn: config.LIFECYCLE_STATE_MACHINE_ARN,
  });
}

/**
 * A port the function's handler cannot reach (each function's ports say why): it fails as the adapter
 * would, with a rejected promise, naming the port, and it bundles nothing.
 */
const notWired = (port: string, fn: string) => async (): Promise<never> => {
  throw new Error(`The ${port} is not wired in the ${fn} function.`);
};

export const noMailer = (fn: string): Mailer => ({ sendInvitation: notWired('mailer', fn), renderInvitation: notWired('mailer', fn) });

export const noPasswordChecker = (fn: string): PasswordChecker => ({
  policy: notWired('password checker', fn),
  check: notWired('password checker', fn),
});

export const noScheduler = (fn: string): LifecycleScheduler => ({
  start: notWired('lifecycle scheduler', fn),
  stop: notWired('lifecycle scheduler', fn),
});
