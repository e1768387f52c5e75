import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { LogLevel, NodejsFunction, OutputFormat, SourceMapMode, type BundlingOptions } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { BuildOptions } from 'esbuild';
import { packagePath } from '../package-root.ts';
import { join } from 'node:path';

/** The Lambda entry points, one file each under `lambdas/entry/`. */
export type ServiceEntry = 'api' | 'webhook' | 'jobs' | 'mail-events' | 'lifecycle' | 'logto-wiring' | 'm2m-rotation' | 'console';

export interface ServiceFunctionProps {
  /** The file `lambdas/entry/<entry>.ts`; it exports `handler`. */
  readonly entry: ServiceEntry;
  readonly description: string;
  /** MB. Also buys CPU: Lambda allocates CPU in proportion to memory. */
  readonly memorySize: number;
  readonly timeout: Duration;
  /** Configuration only: ids and names of secrets, never their values. */
  readonly environment: Record<string, string>;
  readonly logRetention: logs.RetentionDays;
  /** Of the function's log group. */
  readonly removalPolicy: RemovalPolicy;
  /**
   * A directory copied into the bundle, as `<into>/` beside `index.mjs` (the built console). Part of the
   * asset: a change to it deploys a new version. @default - nothing but the bundle
   */
  readonly bundledDirectory?: { readonly source: string; readonly into: string };
}

/** The newest Node.js runtime aws-cdk-lib offers (STYLE: the newest runtime; esbuild targets the same). */
export const serviceRuntime = lambda.Runtime.NODEJS_24_X;

/**
 * esbuild emits ESM, but some dependencies are CommonJS and call `require` (for Node built-ins): in an ES
 * module that name does not exist unless we create it.
 */
export const esmRequireBanner = "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);";

/**
 * How every function is bundled. The AWS SDK v3 is bundled, not taken from the runtime, so the deployed code
 * runs the SDK version the tests ran (the SES mailer depends on its retry configuration).
 */
export const serviceBundling = {
  format: OutputFormat.ESM,
  target: 'node24',
  mainFields: ['module', 'main'],
  banner: esmRequireBanner,
  minify: true,
  sourceMap: true,
  sourceMapMode: SourceMapMode.EXTERNAL,
  sourcesContent: false,
  bundleAwsSDK: true,
  externalModules: [],
  metafile: false,
  // esbuild's per-bundle size summary is noise in `cdk synth`; its warnings and errors still show.
  logLevel: LogLevel.WARNING,
} as const satisfies BundlingOptions;

/**
 * {@link serviceBundling} as esbuild's own build options, the flags aws-lambda-nodejs passes to esbuild for
 * it (`--platform=node`, `--bundle`, ...): the bundle benchmark builds with these, so it measures what
 * deploys. Add the entry point, the output and (for the benchmark) `metafile` to them.
 */
export function serviceEsbuildOptions(): BuildOptions {
  return {
    bundle: true,
    platform: 'node',
    format: serviceBundling.format,
    target: serviceBundling.target,
    mainFields: [...serviceBundling.mainFields],
    banner: { js: serviceBundling.banner },
    minify: serviceBundling.minify,
    sourcemap: serviceBundling.sourceMapMode,
    sourcesContent: serviceBundling.sourcesContent,
    external: [...serviceBundling.externalModules],
    logLevel: serviceBundling.logLevel,
  };
}

/**
 * esbuild's commands, then a copy of `source` to `<bundle>/<into>`. With Node (which runs esbuild anyway),
 * not `cp`, so it runs wherever the CDK runs. The copy is of the local directory: local bundling only
 * (esbuild is installed with the project).
 */
function withDirectory(directory: { readonly source: string; readonly into: string }): BundlingOptions {
  const copy = (outputDir: string) =>
    `node -e "require('node:fs').cpSync(process.argv[1], process.argv[2], { recursive: true })" ${JSON.stringify(directory.source)} ${JSON.stringify(join(outputDir, directory.into))}`;
  return {
    ...serviceBundling,
    commandHooks: { beforeBundling: () => [], beforeInstall: () => [], afterBundling: (_inputDir, outputDir) => [copy(outputDir)] },
  };
}

/** What a function may do with the invitation table. */
export type TableAccess = 'RO' | 'RW';

/** The table as the functions see it: its ARN, its name and the ARNs of its indexes (no `index/*`). */
export interface BindableTable {
  readonly tableArn: string;
  readonly tableName: string;
  readonly indexArns: readonly string[];
}

/** Exactly the DynamoDB operations the store uses (dynamo-store.ts): single-item writes and Query, no Scan, no batch. */
const tableActions: Record<TableAccess, readonly string[]> = {
  RO: ['dynamodb:GetItem', 'dynamodb:Query'],
  RW: ['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'],
};

/**
 * Every Lambda of the service: a `NodejsFunction` from `lambdas/entry/<entry>.ts` with the defaults the
 * whole service shares, and typed grants that add exactly the statements a function needs.
 *
 * Creates, under a construct named `id`: `Function` (this), `Role` (its own role, with no managed policy),
 * and `Logs` (its log group, with retention). Defaults:
 * - Node.js 24 on arm64 (Graviton: about 20% cheaper per GB-second than x86);
 * - esbuild, ESM (`index.mjs`), minified, with source maps (`NODE_OPTIONS=--enable-source-maps`) and the
 *   `createRequire` banner; the AWS SDK v3 is bundled, not taken from the runtime, so the deployed code runs
 *   the SDK version the tests ran (the SES mailer depends on its retry configuration);
 * - X-Ray tracing active, JSON log format, Powertools settings in the environment.
 */
/** Where the functions' Powertools metrics land: one `Invitation<Event>` count per audit event. */
export const serviceMetrics = { namespace: 'LogtoInvitations', service: 'logto-invitations' } as const;

export class ServiceFunction extends NodejsFunction {
  /** The construct holding the function, its role and its log group. */
  readonly home: Construct;
  /** The function's log group, with retention (the same as `this.logGroup`, typed). */
  readonly logs: logs.LogGroup;
  /** The role created for this function (the same as `this.role`, typed). */
  readonly serviceRole: iam.Role;

  constructor(scope: Construct, id: string, props: ServiceFunctionProps) {
    const home = new Construct(scope, id);
    const role = new iam.Role(home, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `${props.description} (Lambda execution role)`,
    });
    const logGroup = new logs.LogGroup(home, 'Logs', {
      retention: props.logRetention,
      removalPolicy: props.removalPolicy,
    });
    super(home, 'Function', {
      entry: packagePath(`lambdas/entry/${props.entry}.ts`),
      handler: 'handler',
      description: props.description,
      runtime: serviceRuntime,
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.memorySize,
      timeout: props.timeout,
      role,
      logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      tracing: lambda.Tracing.ACTIVE,
      environment: {
        POWERTOOLS_SERVICE_NAME: serviceMetrics.service,
        POWERTOOLS_METRICS_NAMESPACE: serviceMetrics.namespace,
        POWERTOOLS_LOG_LEVEL: 'INFO',
        // Events carry invitation links (one-time tokens): never into logs.
        POWERTOOLS_LOGGER_LOG_EVENT: 'false',
        // Stack traces of the minified bundle, mapped back to the TypeScript sources.
        NODE_OPTIONS: '--enable-source-maps',
        ...props.environment,
      },
      bundling: props.bundledDirectory ? withDirectory(props.bundledDirectory) : serviceBundling,
    });
    this.home = home;
    this.logs = logGroup;
    this.serviceRole = role;
    logGroup.grantWrite(role);
    Validations.of(role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'X-Ray tracing (xray:PutTraceSegments, xray:PutTelemetryRecords): X-Ray has no resource-level permissions.',
    });
  }

  /** Sets `TABLE_NAME` and allows exactly the store's operations on the table and its named indexes. */
  bindTable(table: BindableTable, options: { readonly accessMode: TableAccess }): void {
    this.addEnvironment('TABLE_NAME', table.tableName);
    this.addToRolePolicy(
      new iam.PolicyStatement({
        sid: `InvitationTable${options.accessMode}`,
        actions: [...tableActions[options.accessMode]],
        resources: [table.tableArn, ...table.indexArns],
      }),
    );
  }

  /** `secretsmanager:GetSecretValue` on this one secret (and decrypt with its key, if it has its own). */
  grantSecretRead(secret: ISecret): void {
    this.addToRolePolicy(
      new iam.PolicyStatement({ actions: ['secretsmanager:GetSecretValue'], resources: [secret.secretArn] }),
    );
    secret.encryptionKey?.grantDecrypt(this);
  }

  /** `secretsmanager:PutSecretValue` on this one secret: write a new version, never read it. */
  grantSecretWrite(secret: ISecret): void {
    this.addToRolePolicy(
      new iam.PolicyStatement({ actions: ['secretsmanager:PutSecretValue'], resources: [secret.secretArn] }),
    );
    secret.encryptionKey?.grant(this, 'kms:Encrypt', 'kms:GenerateDataKey*');
  }

  /** `sqs:SendMessage` on this queue only (it is encrypted with SQS-managed keys: no KMS grant). */
  grantSendJobs(queue: IQueue): void {
    this.addToRolePolicy(new iam.PolicyStatement({ actions: ['sqs:SendMessage'], resources: [queue.queueArn] }));
  }
}
