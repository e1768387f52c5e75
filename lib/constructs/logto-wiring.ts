import { CustomResource, type RemovalPolicy } from 'aws-cdk-lib';
import type { IDependable } from 'constructs';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import { webhookEvents } from '../../lambdas/adapters/logto-webhooks.ts';
import { acknowledgeWildcardResource } from './acknowledge.ts';
import type { ServiceFunction } from './service-function.ts';

export interface LogtoWiringProps {
  /** `lambdas/entry/logto-wiring.ts`: M2M secret read, webhook secret write. */
  readonly handler: ServiceFunction;
  /** Where Logto posts its webhooks: `${api.url}v1/webhooks/logto`. */
  readonly webhookUrl: string;
  /** The hook's name at Logto; unique per deployment so two stacks on one tenant keep their own hooks. */
  readonly hookName: string;
  /** Also switch the tenant to `signInMode: SignIn` (registration only through invitations). */
  readonly disableRegistration: boolean;
  /** Resources that must exist before Logto is told the URL (the API stage and its routes). */
  readonly after: readonly IDependable[];
  readonly logRetention: logs.RetentionDays;
  readonly removalPolicy: RemovalPolicy;
}

/**
 * Registers (or updates) the Logto webhook at deploy time and stores its signing key in the webhook secret;
 * removes the hook when the stack is deleted. Idempotent: the handler finds an existing hook by URL or
 * name, so a re-deploy or a retried event never creates a second one.
 *
 * Creates `Provider` (the CDK custom resource provider framework: its `framework-onEvent` function with its own
 * `ProviderRole` and `ProviderLogs`) and `Webhook` (`Custom::LogtoWebhook`, properties `webhookUrl`,
 * `hookName`, `events`, `disableRegistration`; attribute `HookId`).
 */
export class LogtoWiring extends Construct {
  readonly resource: CustomResource;
  /** The hook's id at Logto. */
  readonly hookId: string;

  constructor(scope: Construct, id: string, props: LogtoWiringProps) {
    super(scope, id);
    const logGroup = new logs.LogGroup(this, 'ProviderLogs', { retention: props.logRetention, removalPolicy: props.removalPolicy });
    const role = new iam.Role(this, 'ProviderRole', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'logto-invitations: CDK custom resource provider framework (invokes the Logto wiring function)',
    });
    logGroup.grantWrite(role);
    const provider = new cr.Provider(this, 'Provider', {
      onEventHandler: props.handler,
      logGroup,
      frameworkOnEventRole: role,
    });
    acknowledgeWildcardResource(
      role,
      `${props.handler.functionArn}:*`,
      "The provider framework's grant: lambda:InvokeFunction on the Logto wiring function and its versions (ARN:*); nothing else.",
    );
    this.resource = new CustomResource(this, 'Webhook', {
      serviceToken: provider.serviceToken,
      resourceType: 'Custom::LogtoWebhook',
      properties: {
        webhookUrl: props.webhookUrl,
        hookName: props.hookName,
        events: [...webhookEvents],
        disableRegistration: props.disableRegistration ? 'true' : 'false',
      },
    });
    for (const dependency of props.after) this.resource.node.addDependency(dependency);
    this.hookId = this.resource.getAttString('HookId');
  }
}
