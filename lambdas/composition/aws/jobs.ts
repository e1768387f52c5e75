/**
 * The jobs function's ports in AWS. Deliveries send email, a queued start starts a lifecycle, and a
 * delivery that finds an older link used accepts the invitation (and stops its lifecycle); no job checks
 * a password.
 */
import { noPasswordChecker, readAwsConfig, sesMailer, sharedPorts, stepFunctionsScheduler } from '../aws.ts';
import type { JobsPorts } from '../functions/jobs.ts';

export function awsJobsPorts(env: Record<string, string | undefined> = process.env): JobsPorts {
  const config = readAwsConfig(env);
  return {
    ...sharedPorts(config),
    passwords: noPasswordChecker('jobs'),
    mailer: sesMailer(config),
    lifecycle: stepFunctionsScheduler(config),
    jobMaxReceives: config.JOB_MAX_RECEIVES,
  };
}
