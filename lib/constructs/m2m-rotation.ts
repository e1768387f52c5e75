import { Duration, type RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { ServiceFunction, type ServiceEntry } from './service-function.ts';

export interface M2mRotationProps {
  /** The M2M credentials secret (`{"appId", "appSecret"}`); it must hold working credentials. */
  readonly secret: secretsmanager.ISecret;
  /** `LOGTO_ENDPOINT` and `LOGTO_API_INDICATOR`. */
  readonly environment: Record<string, string>;
  /** Whole days, 1 to 1000. */
  readonly every: Duration;
  readonly logRetention: logs.RetentionDays;
  readonly removalPolicy: RemovalPolicy;
}

/** Deploy and rotation only: a few Management API calls with bounded retries (10 s each at most). */
export const m2mRotationSpec = {
  entry: 'm2m-rotation',
  memorySize: 256,
  timeout: Duration.minutes(1),
  description: 'logto-invitations: rotates the M2M app secret through Logto',
} as const satisfies { entry: ServiceEntry; memorySize: number; timeout: Duration; description: string };

/**
 * Rotates the M2M credentials secret through Logto's application secrets API (handler:
 * `lambdas/handlers/m2m-rotation.ts`): a new Logto secret becomes AWSCURRENT, the previous one stays valid
 * (functions cache credentials for 5 minutes), and older ones are deleted at Logto.
 *
 * Creates `Handler` (a {@link ServiceFunction} with its role and log group; invocable by Secrets Manager for
 * this secret only) and `Schedule` (the secret's rotation schedule). The first deploy with rotation on
 * rotates once, at once: a broken setup shows in the function's log that day, not a month later.
 *
 * The schedule is the L1 `CfnRotationSchedule`, not `secret.addRotationSchedule()`: that one also grants
 * `secretsmanager:GetRandomPassword` on `*`, which this rotation does not use (Logto generates the value).
 */
export class M2mRotation extends Construct {
  readonly handler: ServiceFunction;
  readonly schedule: secretsmanager.CfnRotationSchedule;

  constructor(scope: Construct, id: string, props: M2mRotationProps) {
    super(scope, id);
    const days = props.every.toHours() / 24;
    if (!Number.isInteger(days) || days < 1 || days > 1000) {
      throw new Error(`InvitationService: m2mRotation must be whole days from 1 to 1000 (Secrets Manager), got ${props.every.toHumanString()}.`);
    }

    this.handler = new ServiceFunction(this, 'Handler', {
      ...m2mRotationSpec,
      entry: m2mRotationSpec.entry,
      environment: props.environment,
      logRetention: props.logRetention,
      removalPolicy: props.removalPolicy,
    });
    this.handler.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'RotateM2mSecret',
        actions: [
          'secretsmanager:DescribeSecret',
          'secretsmanager:GetSecretValue',
          'secretsmanager:PutSecretValue',
          'secretsmanager:UpdateSecretVersionStage',
        ],
        resources: [props.secret.secretArn],
      }),
    );
    props.secret.encryptionKey?.grant(this.handler, 'kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey*');
    // Only Secrets Manager, and only for this secret (confused-deputy guard).
    this.handler.addPermission('InvokedBySecretsManager', {
      principal: new iam.ServicePrincipal('secretsmanager.amazonaws.com'),
      sourceArn: props.secret.secretArn,
    });

    this.schedule = new secretsmanager.CfnRotationSchedule(this, 'Schedule', {
      secretId: props.secret.secretArn,
      rotationLambdaArn: this.handler.functionArn,
      rotationRules: { automaticallyAfterDays: days },
      rotateImmediatelyOnUpdate: true,
    });
    // Secrets Manager invokes the function when the schedule is created: its role and permission come first.
    this.schedule.node.addDependency(this.handler.home);
  }
}
