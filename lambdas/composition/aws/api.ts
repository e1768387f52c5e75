/**
 * The api function's ports in AWS: everything, as creating, resending and revoking invitations, access
 * requests and the accept form (which checks passwords against Logto's policy) are all requests to it.
 */
import { createAccessTokenVerifier } from '../../adapters/access-token-verifier.ts';
import { LogtoPasswordChecker } from '../../adapters/logto-password-checker.ts';
import { createPwnedPasswords } from '../../adapters/pwned-passwords.ts';
import { readAwsConfig, sesMailer, sharedPorts, stepFunctionsScheduler } from '../aws.ts';
import { accessRequestLimitsOf } from '../config.ts';
import type { ApiPorts } from '../functions/api.ts';
import { countAccessRequest } from '../observability.ts';

export function awsApiPorts(env: Record<string, string | undefined> = process.env): ApiPorts {
  const config = readAwsConfig(env);
  const ports = sharedPorts(config);
  return {
    ...ports,
    passwords: new LogtoPasswordChecker({
      readPolicy: () => ports.identity.getPasswordPolicy(),
      pwned: createPwnedPasswords({ rangeUrl: config.PWNED_RANGE_URL }),
    }),
    mailer: sesMailer(config),
    lifecycle: stepFunctionsScheduler(config),
    verifier: createAccessTokenVerifier({ issuer: config.ADMIN_ISSUER, audience: config.ADMIN_AUDIENCE }),
    accessRequestLimits: { ...accessRequestLimitsOf(config), count: countAccessRequest },
  };
}
