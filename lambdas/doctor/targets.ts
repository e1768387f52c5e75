/**
 * Where the doctor looks. `localTarget` describes the local stack from its URLs; `awsTarget` a deployed
 * stack from its CloudFormation outputs, reading the secrets the service itself reads.
 */
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import type { SESv2Client } from '@aws-sdk/client-sesv2';

import type { M2mCredentials } from '../adapters/logto-management-client.ts';
import type { ServiceSecrets } from '../adapters/secrets.ts';
import { defaultApiIndicator } from '../composition/config.ts';
import { supportedLocales } from '../../templates/invitation-contract.ts';
import type { DoctorTarget } from './checks.ts';

/** The route Logto posts to (lambdas/handlers/http/routes.ts). */
export const webhookPath = '/v1/webhooks/logto';

const trimSlashes = (url: string) => url.replace(/\/+$/, '');

export interface LocalTargetOptions {
  apiUrl: string;
  logtoUrl: string;
  sesUrl: string;
  apiIndicator: string;
  m2m: M2mCredentials;
  /** Named in messages about the credentials. */
  m2mSource: string;
  sesIdentity: string;
  templatePrefix: string;
  /** The locales there must be templates for. @default the shipped ones */
  locales?: readonly string[];
  /** The key the local service holds, when this runs in its process; otherwise judged by a test delivery. */
  webhookSigningKey?: () => Promise<string>;
  ses: SESv2Client;
}

export function localTarget(options: LocalTargetOptions): DoctorTarget {
  const apiUrl = trimSlashes(options.apiUrl);
  return {
    kind: 'local',
    description: `local stack (API ${apiUrl}, Logto ${options.logtoUrl}, SES ${options.sesUrl})`,
    apiUrl,
    webhookUrl: `${apiUrl}${webhookPath}`,
    logto: {
      endpoint: trimSlashes(options.logtoUrl),
      apiIndicator: options.apiIndicator,
      credentials: async () => options.m2m,
      credentialsSource: options.m2mSource,
    },
    ...(options.webhookSigningKey && { webhookSigningKey: { read: options.webhookSigningKey, source: 'the local service' } }),
    ses: { client: options.ses, identity: options.sesIdentity, templatePrefix: options.templatePrefix, locales: options.locales ?? supportedLocales },
  };
}

/**
 * The stack outputs the doctor reads (lib/stack.ts). Outputs defined inside a construct get a hash suffix
 * (`InvitationServiceApiUrl1A2B3C4D`); those are found too.
 */
export const stackOutputKeys = {
  apiUrl: 'ApiUrl',
  webhookUrl: 'WebhookUrl',
  logtoEndpoint: 'LogtoEndpoint',
  logtoApiIndicator: 'LogtoApiIndicator',
  m2mSecretArn: 'M2mSecretArn',
  webhookSecretArn: 'WebhookSecretArn',
  sesIdentity: 'SesIdentity',
  sesTemplatePrefix: 'SesTemplatePrefix',
  emailLocales: 'EmailLocales',
  hookId: 'LogtoWebhookId',
} as const;

const required = ['apiUrl', 'logtoEndpoint', 'm2mSecretArn', 'webhookSecretArn', 'sesIdentity', 'sesTemplatePrefix'] as const;

export function outputValue(outputs: Record<string, string>, key: string): string | undefined {
  if (outputs[key] !== undefined) return outputs[key];
  const hashed = new RegExp(`^[A-Za-z0-9]*${key}[0-9A-F]{8}$`);
  const matches = Object.keys(outputs).filter((name) => hashed.test(name));
  if (matches.length > 1) throw new Error(`Several stack outputs look like ${key}: ${matches.join(', ')}.`);
  return matches[0] === undefined ? undefined : outputs[matches[0]];
}

export interface AwsTargetDeps {
  /** Secrets Manager over the two secret ARNs (SecretsManagerSecrets in the CLI; StaticSecrets in tests). */
  secrets: (ids: { m2mSecretId: string; webhookSecretId: string }) => ServiceSecrets;
  ses: SESv2Client;
  region: string;
}

/** Builds the target from a stack's outputs; a missing output fails naming it. */
export function awsTarget(stackName: string, outputs: Record<string, string>, deps: AwsTargetDeps): DoctorTarget {
  const values = Object.fromEntries(
    Object.entries(stackOutputKeys).map(([name, key]) => [name, outputValue(outputs, key)]),
  ) as Record<keyof typeof stackOutputKeys, string | undefined>;
  const missing = required.filter((name) => !values[name]).map((name) => stackOutputKeys[name]);
  if (missing.length > 0) {
    throw new Error(
      `Stack ${stackName} has no output ${missing.join(', ')} (has: ${Object.keys(outputs).join(', ') || 'none'}). Deploy the current version of the stack.`,
    );
  }
  const get = (name: (typeof required)[number]) => values[name] as string;
  const apiUrl = trimSlashes(get('apiUrl'));
  const logtoEndpoint = trimSlashes(get('logtoEndpoint'));
  const m2mSecretId = get('m2mSecretArn');
  const webhookSecretId = get('webhookSecretArn');
  const secrets = deps.secrets({ m2mSecretId, webhookSecretId });
  return {
    kind: 'aws',
    description: `stack ${stackName} (${deps.region})`,
    apiUrl,
    webhookUrl: values.webhookUrl ?? `${apiUrl}${webhookPath}`,
    ...(values.hookId && { hookId: values.hookId }),
    logto: {
      endpoint: logtoEndpoint,
      apiIndicator: values.logtoApiIndicator ?? defaultApiIndicator(logtoEndpoint),
      credentials: () => secrets.m2mCredentials(),
      credentialsSource: `secret ${m2mSecretId}`,
    },
    webhookSigningKey: { read: () => secrets.webhookSigningKey(), source: `secret ${webhookSecretId}` },
    // Stacks deployed before EmailLocales existed have the shipped locales.
    ses: { client: deps.ses, identity: get('sesIdentity'), templatePrefix: get('sesTemplatePrefix'), locales: values.emailLocales?.split(',') ?? supportedLocales },
  };
}

/** `DescribeStacks` outputs as a map; an unknown stack fails naming the region. */
export async function readStackOutputs(client: CloudFormationClient, stackName: string): Promise<Record<string, string>> {
  let stack;
  try {
    stack = (await client.send(new DescribeStacksCommand({ StackName: stackName }))).Stacks?.[0];
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new Error(`Could not read stack ${stackName} in ${await client.config.region()}: ${message}`, { cause: error });
  }
  if (!stack) throw new Error(`Stack ${stackName} was not found in ${await client.config.region()}.`);
  return Object.fromEntries(
    (stack.Outputs ?? []).flatMap((output) => (output.OutputKey && output.OutputValue !== undefined ? [[output.OutputKey, output.OutputValue]] : [])),
  );
}
