import { RemovalPolicy, SecretValue, Validations } from 'aws-cdk-lib';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';

export interface SecretsProps {
  /** An existing secret holding `{"appId": "...", "appSecret": "..."}`; created (empty) when absent. */
  readonly m2mSecret?: secretsmanager.ISecret;
  /** True when the M2M secret gets a rotation schedule (the `M2mRotation` construct). @default false */
  readonly m2mRotated?: boolean;
  readonly removalPolicy: RemovalPolicy;
}

/**
 * The service's two secrets. Functions receive their ARNs (`M2M_SECRET_ID`, `WEBHOOK_SECRET_ID`), never values.
 *
 * Creates `WebhookSigningKey` (JSON `{"signingKey"}`: a random placeholder until the Logto wiring stores the
 * key Logto generated for our hook) and, unless one is given, `M2mCredentials` (JSON
 * `{"appId": "", "appSecret": ""}` for the team to fill with the Logto M2M app's credentials: until then the
 * service answers `secrets.invalid`, naming the secret and the empty fields, never a value).
 */
export class Secrets extends Construct {
  readonly m2mCredentials: secretsmanager.ISecret;
  readonly webhookSigningKey: secretsmanager.Secret;
  /** True when this construct created the M2M secret (it is empty until filled). */
  readonly m2mCreated: boolean;

  constructor(scope: Construct, id: string, props: SecretsProps) {
    super(scope, id);
    this.m2mCreated = props.m2mSecret === undefined;
    this.m2mCredentials =
      props.m2mSecret ??
      new secretsmanager.Secret(this, 'M2mCredentials', {
        description: 'logto-invitations: the Logto M2M app (Management API access) as {"appId","appSecret"}. Fill it in.',
        // Empty placeholders, not credentials: the template carries no secret.
        secretObjectValue: { appId: SecretValue.unsafePlainText(''), appSecret: SecretValue.unsafePlainText('') },
        removalPolicy: props.removalPolicy,
      });

    this.webhookSigningKey = new secretsmanager.Secret(this, 'WebhookSigningKey', {
      description: "logto-invitations: the signing key of the Logto webhook as {\"signingKey\"}; written by the deploy-time Logto wiring.",
      generateSecretString: {
        secretStringTemplate: '{}',
        generateStringKey: 'signingKey',
        excludePunctuation: true,
        passwordLength: 64,
      },
      removalPolicy: props.removalPolicy,
    });

    if (this.m2mCredentials instanceof secretsmanager.Secret && !props.m2mRotated) {
      Validations.of(this.m2mCredentials).acknowledge({
        id: 'AwsSolutions-SMG4',
        reason:
          "Rotation (through Logto's application secrets API) is off: either this secret is still empty as created (a rotation needs the working credentials it does not hold yet: fill it, then deploy with wireLogto: true, which turns rotation on every 30 days), or m2mRotation is false by choice (then rotate by hand: a new secret in the Logto Console, then this secret).",
      });
    }
    Validations.of(this.webhookSigningKey).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'Logto generates the webhook signing key and keeps one key per hook: a rotation must go through Logto (PATCH /api/hooks/{id}/signing-key) and deliveries signed with the old key fail until the cached value expires. The deploy-time Logto wiring owns this key; no Secrets Manager rotation Lambda can do it atomically.',
    });
  }
}
