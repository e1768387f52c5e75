/**
 * The lifecycle function's ports in AWS. Reminders send email. It runs inside the lifecycle that an
 * acceptance found by reconciling would stop: it has neither the state machine's ARN nor the grant, and
 * that stop is best effort (acceptance.ts), so the scheduler refuses it, as the Step Functions scheduler
 * without an ARN did. No task checks a password.
 */
import { noPasswordChecker, noScheduler, readAwsConfig, sesMailer, sharedPorts } from '../aws.ts';
import type { LifecyclePorts } from '../functions/lifecycle.ts';

export function awsLifecyclePorts(env: Record<string, string | undefined> = process.env): LifecyclePorts {
  const config = readAwsConfig(env);
  return { ...sharedPorts(config), passwords: noPasswordChecker('lifecycle'), mailer: sesMailer(config), lifecycle: noScheduler('lifecycle') };
}
