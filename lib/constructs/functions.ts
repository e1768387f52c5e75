import { Duration, type RemovalPolicy } from 'aws-cdk-lib';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { Email } from './email.ts';
import { ServiceFunction, type BindableTable, type ServiceEntry, type ServiceFunctionProps } from './service-function.ts';

/** Function sizes, with the reason for each. Memory also buys CPU (and so cold-start time). */
export const functionSpecs = {
  /** Admin callers wait on it; creating an invitation calls Logto twice and SES once within the request. API Gateway gives up at 30 s. */
  api: { entry: 'api', memorySize: 1024, timeout: Duration.seconds(29), description: 'logto-invitations: admin API, health, OpenAPI' },
  /** Logto waits 10 s for a webhook and never retries it: a short cold start matters more than cost here. */
  webhook: { entry: 'webhook', memorySize: 1024, timeout: Duration.seconds(30), description: 'logto-invitations: Logto webhook receiver (HMAC-verified)' },
  /** A batch of deliveries one after the other, each up to a Logto call and a 13 s SES attempt. */
  jobs: { entry: 'jobs', memorySize: 512, timeout: Duration.seconds(60), description: 'logto-invitations: job queue worker (deliveries, grants)' },
  /** One DynamoDB update per SES event. */
  mailEvents: { entry: 'mail-events', memorySize: 256, timeout: Duration.seconds(30), description: 'logto-invitations: SES delivery, bounce and complaint events' },
  /** One task of an invitation's lifecycle: reads Logto, may send a reminder or revoke a token. */
  lifecycle: { entry: 'lifecycle', memorySize: 512, timeout: Duration.seconds(60), description: 'logto-invitations: lifecycle tasks (reconcile, remind, expire)' },
  /** Deploy time only: a few Management API calls with bounded retries. */
  logtoWiring: { entry: 'logto-wiring', memorySize: 256, timeout: Duration.minutes(2), description: 'logto-invitations: registers the Logto webhook at deploy time' },
  /** Static files read into memory once, each compressed once: 256 MB buys the CPU to do that at a cold start quickly. */
  console: { entry: 'console', memorySize: 256, timeout: Duration.seconds(10), description: 'logto-invitations: admin console (static files, config.json)' },
} as const satisfies Record<string, { entry: ServiceEntry; memorySize: number; timeout: Duration; description: string }>;

export type FunctionName = keyof typeof functionSpecs;

export interface ServiceFunctionsProps {
  /** The service's configuration (lambdas/composition/config.ts), for every function but the Logto wiring. */
  readonly environment: Record<string, string>;
  /** The job queue's `maxReceiveCount`. */
  readonly jobMaxReceives: number;
  /** The Logto wiring's configuration: `LOGTO_ENDPOINT`, `LOGTO_API_INDICATOR` (secret ids are added here). */
  readonly wiringEnvironment: Record<string, string>;
  readonly table: BindableTable;
  readonly m2mSecret: ISecret;
  readonly webhookSecret: ISecret;
  readonly jobQueue: IQueue;
  readonly email: Email;
  /**
   * The admin console: its build (copied into its bundle), and where it signs admins in: `LOGTO_ENDPOINT`,
   * `ADMIN_AUDIENCE` and, when the team has a Logto app for it, `CONSOLE_APP_ID`. Ids only.
   */
  readonly console: { readonly assetsDirectory: string; readonly environment: Record<string, string> };
  readonly logRetention: logs.RetentionDays;
  readonly removalPolicy: RemovalPolicy;
}

/**
 * The seven Lambdas and, in one place, what each may do (no `*` action anywhere; every resource named):
 *
 * | function | table | M2M secret | webhook secret | SES send | job queue |
 * | --- | --- | --- | --- | --- | --- |
 * | `Api` | RW | read | - | yes | send |
 * | `Webhook` | RW | read | read | - | send |
 * | `Jobs` | RW | read | - | yes, and the send quota | consume (event source), send |
 * | `MailEvents` | RW | read | - | - | send |
 * | `Lifecycle` | RW | read | - | yes | send |
 * | `LogtoWiring` | - | read | read, write (PutSecretValue) | - | - |
 * | `Console` | - | - | - | - | - |
 *
 * `Api`, `Webhook`, `Jobs` and `MailEvents` also start and stop lifecycle executions (granted by the
 * lifecycle construct). Jobs queue follow-up work (a retried token revocation, a suspension); MailEvents
 * revokes an undeliverable invitation's tokens at Logto. `Console` serves static files and ids: it may only log.
 */
export class ServiceFunctions extends Construct {
  readonly api: ServiceFunction;
  readonly webhook: ServiceFunction;
  readonly jobs: ServiceFunction;
  readonly mailEvents: ServiceFunction;
  readonly lifecycle: ServiceFunction;
  readonly logtoWiring: ServiceFunction;
  readonly console: ServiceFunction;

  constructor(scope: Construct, id: string, props: ServiceFunctionsProps) {
    super(scope, id);
    const secretIds = { M2M_SECRET_ID: props.m2mSecret.secretArn, WEBHOOK_SECRET_ID: props.webhookSecret.secretArn };
    const make = (constructId: string, name: FunctionName, environment: Record<string, string>, bundledDirectory?: ServiceFunctionProps['bundledDirectory']) =>
      new ServiceFunction(this, constructId, {
        ...functionSpecs[name],
        environment,
        logRetention: props.logRetention,
        removalPolicy: props.removalPolicy,
        ...(bundledDirectory && { bundledDirectory }),
      });
    const service = (constructId: string, name: FunctionName) => {
      const fn = make(constructId, name, {
        ...props.environment,
        ...props.email.environment(),
        ...secretIds,
        JOB_QUEUE_URL: props.jobQueue.queueUrl,
        JOB_MAX_RECEIVES: String(props.jobMaxReceives),
      });
      // Every service function builds the whole composition, so each gets TABLE_NAME; the grant decides.
      fn.bindTable(props.table, { accessMode: 'RW' });
      return fn;
    };

    this.api = service('Api', 'api');
    this.api.grantSecretRead(props.m2mSecret);
    props.email.grantSend(this.api);
    props.email.grantRenderPreview(this.api);
    this.api.grantSendJobs(props.jobQueue);

    this.webhook = service('Webhook', 'webhook');
    this.webhook.grantSecretRead(props.webhookSecret);
    this.webhook.grantSecretRead(props.m2mSecret);
    this.webhook.grantSendJobs(props.jobQueue);

    this.jobs = service('Jobs', 'jobs');
    this.jobs.grantSecretRead(props.m2mSecret);
    props.email.grantSend(this.jobs);
    props.email.grantReadSendQuota(this.jobs);
    this.jobs.grantSendJobs(props.jobQueue);

    this.mailEvents = service('MailEvents', 'mailEvents');
    this.mailEvents.grantSecretRead(props.m2mSecret);
    this.mailEvents.grantSendJobs(props.jobQueue);

    this.lifecycle = service('Lifecycle', 'lifecycle');
    this.lifecycle.grantSecretRead(props.m2mSecret);
    props.email.grantSend(this.lifecycle);
    this.lifecycle.grantSendJobs(props.jobQueue);

    this.logtoWiring = make('LogtoWiring', 'logtoWiring', { ...props.wiringEnvironment, ...secretIds });
    this.logtoWiring.grantSecretRead(props.m2mSecret);
    // It reads the stored key first, so a re-deploy with an unchanged key adds no secret version.
    this.logtoWiring.grantSecretRead(props.webhookSecret);
    this.logtoWiring.grantSecretWrite(props.webhookSecret);

    // No grant at all: the files travel in its bundle (as `console/`, where lambdas/entry/console.ts reads them).
    this.console = make('Console', 'console', props.console.environment, { source: props.console.assetsDirectory, into: 'console' });
  }

  /** By construct id, e.g. for alarms. */
  all(): Record<string, ServiceFunction> {
    return {
      Api: this.api,
      Webhook: this.webhook,
      Jobs: this.jobs,
      MailEvents: this.mailEvents,
      Lifecycle: this.lifecycle,
      LogtoWiring: this.logtoWiring,
      Console: this.console,
    };
  }
}
