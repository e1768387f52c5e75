/**
 * The webhook function's ports in AWS. A registration or sign-in accepts an invitation (stopping its
 * lifecycle, revoking its links, granting; retries go to the job queue) or blocks the user: nothing it
 * does sends an email or checks a password.
 */
import { noMailer, noPasswordChecker, readAwsConfig, sharedPorts, stepFunctionsScheduler } from '../aws.ts';
import type { WebhookPorts } from '../functions/webhook.ts';

export function awsWebhookPorts(env: Record<string, string | undefined> = process.env): WebhookPorts {
  const config = readAwsConfig(env);
  const ports = sharedPorts(config);
  return {
    ...ports,
    passwords: noPasswordChecker('webhook'),
    mailer: noMailer('webhook'),
    lifecycle: stepFunctionsScheduler(config),
    webhookSigningKey: (options) => ports.secrets.webhookSigningKey(options),
  };
}
