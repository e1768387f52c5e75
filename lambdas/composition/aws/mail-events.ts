/**
 * The mail-events function's ports in AWS. A hard bounce or a complaint ends the invitation: its
 * lifecycle stops and its links are revoked. No email goes out, no password is checked.
 */
import { noMailer, noPasswordChecker, readAwsConfig, sharedPorts, stepFunctionsScheduler } from '../aws.ts';
import type { MailEventsPorts } from '../functions/mail-events.ts';

export function awsMailEventsPorts(env: Record<string, string | undefined> = process.env): MailEventsPorts {
  const config = readAwsConfig(env);
  return {
    ...sharedPorts(config),
    passwords: noPasswordChecker('mail-events'),
    mailer: noMailer('mail-events'),
    lifecycle: stepFunctionsScheduler(config),
  };
}
