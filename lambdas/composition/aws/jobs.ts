/**
 * The jobs function's ports in AWS. Deliveries send email (paced by the account's SES send rate), a queued start starts a lifecycle, and a
 * delivery that finds an older link used accepts the invitation (and stops its lifecycle); no job checks
 * a password.
 */
import { noPasswordChecker, readAwsConfig, sesMailer, sharedPorts, stepFunctionsScheduler } from '../aws.ts';
import { createPacer } from '../../handlers/pacing.ts';
import { deliveryRateOf } from '../config.ts';
import type { JobsPorts } from '../functions/jobs.ts';

export function awsJobsPorts(env: Record<string, string | undefined> = process.env): JobsPorts {
  const config = readAwsConfig(env);
  const mailer = sesMailer(config);
  return {
    ...sharedPorts(config),
    passwords: noPasswordChecker('jobs'),
    mailer,
    lifecycle: stepFunctionsScheduler(config),
    jobMaxReceives: config.JOB_MAX_RECEIVES,
    deliveryPacer: createPacer({ rate: async () => deliveryRateOf(config, await mailer.maxSendRate()), consumers: config.DELIVERY_CONCURRENCY }),
  };
}
