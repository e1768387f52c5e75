/**
 * `npm run doctor`'s checks against a local stack on random ports: all good first, then each thing broken
 * the way it breaks in real life, and the line that must say so. Last, the AWS target, built from stack
 * outputs with the secrets injected, run against the same local services.
 */
import { DeleteEmailTemplateCommand, SESv2Client } from '@aws-sdk/client-sesv2';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

import { StaticSecrets } from '../../lambdas/adapters/secrets.ts';
import { runDoctor, type CheckId, type CheckResult, type DoctorReport } from '../../lambdas/doctor/checks.ts';
import { formatReport } from '../../lambdas/doctor/report.ts';
import { awsTarget, localTarget, outputValue, type LocalTargetOptions } from '../../lambdas/doctor/targets.ts';
import { seed } from '../../local/logto-stand-in/index.ts';
import { startLocalStack, type LocalStack } from '../../local/stack.ts';
import { ensureInvitationTemplates } from '../../templates/index.ts';
import { managementToken } from '../support/local-stack.ts';

let stack: LocalStack;
let ses: SESv2Client;
/** The service's clock: moved past the webhook's once-a-minute key re-read in the rotation test. */
const clock = { offsetMs: 0, now: () => new Date(Date.now() + clock.offsetMs) };

beforeAll(async () => {
  stack = await startLocalStack({ logLevel: 'SILENT', clock });
  ses = new SESv2Client({
    endpoint: stack.sesUrl,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 1,
  });
});

afterAll(async () => {
  ses?.destroy();
  await stack?.close();
});

const target = (overrides: Partial<LocalTargetOptions> = {}) =>
  localTarget({
    apiUrl: stack.apiUrl,
    logtoUrl: stack.logtoUrl,
    sesUrl: stack.sesUrl,
    apiIndicator: stack.config.LOGTO_API_INDICATOR,
    m2m: { appId: seed.m2mApp.id, appSecret: seed.m2mApp.secret },
    m2mSource: "the stand-in's seeded M2M app",
    sesIdentity: stack.config.SES_FROM,
    templatePrefix: stack.config.SES_TEMPLATE_PREFIX,
    ses,
    ...overrides,
  });

const line = (report: DoctorReport, id: CheckId): CheckResult => {
  const found = report.results.find((check) => check.id === id);
  if (!found) throw new Error(`no ${id} in the report`);
  return found;
};

const failing = (report: DoctorReport) => report.results.filter((check) => check.status === 'fail').map((check) => check.id);

async function logto(method: string, path: string, body?: unknown) {
  const response = await fetch(`${stack.logtoUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${await managementToken(stack)}`, 'content-type': 'application/json' },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  expect(response.status).toBeLessThan(300);
  return response.json() as Promise<Record<string, unknown>>;
}

const sesAccount = (overrides: Record<string, unknown>) =>
  JSON.stringify({
    DedicatedIpAutoWarmupEnabled: false,
    Details: {
      AdditionalContactEmailAddresses: [],
      ContactLanguage: 'EN',
      MailType: 'TRANSACTIONAL',
      ReviewDetails: { CaseId: 'case-1', Status: 'GRANTED' },
      UseCaseDescription: 'invitations',
      WebsiteURL: 'https://acme.example',
    },
    EnforcementStatus: 'HEALTHY',
    ProductionAccessEnabled: true,
    SendingEnabled: true,
    SendQuota: { Max24HourSend: 50000, MaxSendRate: 14, SentLast24Hours: 0 },
    SuppressionAttributes: { SuppressedReasons: ['BOUNCE', 'COMPLAINT'] },
    ...overrides,
  });

describe('doctor on the local stack', () => {
  afterEach(async () => {
    // Undo what a test broke (the key rotation cannot be undone: that test runs last).
    delete process.env.AWS_SES_ACCOUNT;
    await logto('PATCH', `/api/hooks/${stack.webhook.id}`, { enabled: true, events: ['PostRegister', 'User.Created', 'PostSignIn'] });
    await logto('PATCH', '/api/sign-in-exp', { signInMode: 'SignIn' });
    await ensureInvitationTemplates(ses, stack.config.SES_TEMPLATE_PREFIX);
  });

  it('finds nothing wrong with a fresh stack, and skips what the local SES cannot tell (its identities)', async () => {
    // Prepare
    const doctorTarget = target();

    // Act
    const report = await runDoctor(doctorTarget);

    // Assess
    expect(report.ok).toBe(true);
    expect(report.results.map((check) => check.id)).toEqual([
      'api.health',
      'logto.token',
      'logto.management_api',
      'logto.registration_disabled',
      'webhook.registered',
      'webhook.enabled',
      'webhook.events',
      'webhook.signing_key',
      'webhook.delivery',
      'ses.account',
      'ses.identity',
      'ses.templates',
    ]);
    const skipped = report.results.filter((check) => check.status === 'skip').map((check) => check.id);
    // The local SES reports an account (its send rate is what deliveries pace themselves by); identities it has none.
    expect(skipped).toEqual(['ses.identity']);
    expect(report.results.filter((check) => check.status !== 'skip').every((check) => check.status === 'pass')).toBe(true);
    expect(line(report, 'webhook.registered').detail).toContain(stack.webhook.id);
    expect(line(report, 'ses.account')).toMatchObject({ status: 'pass', detail: 'out of the sandbox, sending enabled (1000000 emails / 24 h)' });
    expect(formatReport(report)).toMatch(/^✓ Webhook signing key: the API verified a delivery signed with hook \w+'s key$/m);
  });

  it('fails the enabled line when the hook is disabled, and the events line when it lost events', async () => {
    // Prepare
    await logto('PATCH', `/api/hooks/${stack.webhook.id}`, { enabled: false, events: ['PostRegister'] });

    // Act
    const report = await runDoctor(target());

    // Assess
    expect(failing(report)).toEqual(['webhook.enabled', 'webhook.events']);
    expect(line(report, 'webhook.enabled').detail).toContain('is disabled');
    expect(line(report, 'webhook.enabled').fix).toContain('Enable it');
    expect(line(report, 'webhook.events').detail).toContain('not subscribed to User.Created, PostSignIn');
  });

  it('warns, explaining the consequence, when registration is open', async () => {
    // Prepare
    await logto('PATCH', '/api/sign-in-exp', { signInMode: 'SignInAndRegister' });

    // Act
    const report = await runDoctor(target());

    // Assess
    const registration = line(report, 'logto.registration_disabled');
    expect(registration.status).toBe('warn');
    expect(registration.detail).toBe(
      "signInMode is SignInAndRegister: anyone can create an account on Logto's sign-in page without an invitation",
    );
    expect(registration.fix).toContain('Enable user registration');
    expect(report.ok).toBe(true);
    expect(formatReport(report)).toMatch(/^! Registration disabled at Logto: signInMode is SignInAndRegister/m);
  });

  it('fails the credentials line on a wrong M2M secret and skips what needs a token', async () => {
    // Prepare
    const doctorTarget = target({ m2m: { appId: seed.m2mApp.id, appSecret: 'not-the-secret' } });

    // Act
    const report = await runDoctor(doctorTarget);

    // Assess
    expect(failing(report)).toEqual(['logto.token']);
    expect(line(report, 'logto.token').detail).toContain('invalid_client');
    expect(line(report, 'logto.token').fix).toContain("the stand-in's seeded M2M app is wrong");
    expect(line(report, 'webhook.registered')).toMatchObject({ status: 'skip', detail: 'skipped: needs working M2M credentials' });
    expect(report.ok).toBe(false);
  });

  it('fails the credentials line on a wrong API indicator, naming the right ones', async () => {
    // Prepare
    const doctorTarget = target({ apiIndicator: 'https://acme.example/api' });

    // Act
    const report = await runDoctor(doctorTarget);

    // Assess
    expect(line(report, 'logto.token')).toMatchObject({ status: 'fail' });
    expect(line(report, 'logto.token').detail).toContain('invalid_target');
    expect(line(report, 'logto.token').fix).toContain('https://default.logto.app/api');
  });

  it('fails the Management API line for an app without the Management API role', async () => {
    // Prepare: the admin client gets tokens, but not for the Management API's `all`
    const doctorTarget = target({ m2m: { appId: seed.adminClient.id, appSecret: seed.adminClient.secret } });

    // Act
    const report = await runDoctor(doctorTarget);

    // Assess
    expect(line(report, 'logto.token').status).toBe('pass');
    expect(failing(report)).toEqual(['logto.management_api']);
    expect(line(report, 'logto.management_api').detail).toMatch(/^GET \/api\/users answered 403/);
    expect(line(report, 'logto.management_api').fix).toContain('Management API "all" permission');
    expect(line(report, 'webhook.registered').status).toBe('skip');
  });

  it('fails the account line when the SES account is in the sandbox (local SES given an account)', async () => {
    // Prepare
    process.env.AWS_SES_ACCOUNT = sesAccount({ ProductionAccessEnabled: false });

    // Act
    const report = await runDoctor(target());

    // Assess
    expect(failing(report)).toEqual(['ses.account']);
    expect(line(report, 'ses.account').detail).toContain('SES sandbox');
    expect(line(report, 'ses.account').fix).toContain('Request production access');
  });

  it('passes the account line for an account out of the sandbox, and fails it when sending is paused', async () => {
    // Prepare
    process.env.AWS_SES_ACCOUNT = sesAccount({});
    const healthy = await runDoctor(target());
    process.env.AWS_SES_ACCOUNT = sesAccount({ SendingEnabled: false, EnforcementStatus: 'SHUTDOWN' });

    // Act
    const paused = await runDoctor(target());

    // Assess
    expect(line(healthy, 'ses.account')).toMatchObject({ status: 'pass', detail: 'out of the sandbox, sending enabled (50000 emails / 24 h)' });
    expect(line(paused, 'ses.account')).toMatchObject({ status: 'fail' });
    expect(line(paused, 'ses.account').detail).toContain('SHUTDOWN');
  });

  it('fails the templates line naming a missing template', async () => {
    // Prepare
    const name = `${stack.config.SES_TEMPLATE_PREFIX}-invitation-de`;
    await ses.send(new DeleteEmailTemplateCommand({ TemplateName: name }));

    // Act
    const report = await runDoctor(target());

    // Assess
    expect(failing(report)).toEqual(['ses.templates']);
    expect(line(report, 'ses.templates').detail).toBe(`missing: ${name}: those emails cannot be sent`);
  });

  it('fails the signing key line when the service key is compared directly and differs', async () => {
    // Prepare
    const doctorTarget = target({ webhookSigningKey: async () => 'a-key-the-hook-never-had' });

    // Act
    const report = await runDoctor(doctorTarget);

    // Assess
    expect(failing(report)).toEqual(['webhook.signing_key']);
    expect(line(report, 'webhook.signing_key').detail).toBe(
      `the local service holds another key than hook ${stack.webhook.id}: every delivery is refused as wrongly signed`,
    );
  });

  it("passes again once the API has re-read a key rotated at Logto (runs last)", async () => {
    // Prepare: the key rotates at Logto, more than a minute after the API last re-read it
    await logto('PATCH', `/api/hooks/${stack.webhook.id}/signing-key`);
    clock.offsetMs += 61_000;

    // Act
    const report = await runDoctor(target());

    // Assess: the signed test delivery made the API read the new key
    expect(failing(report)).toEqual([]);
    expect(line(report, 'webhook.signing_key').status).toBe('pass');
    expect(line(report, 'webhook.delivery').status).toBe('pass');
  });
});

describe('doctor on a deployed stack (outputs and secrets injected, local services behind them)', () => {
  const secretArn = (name: string) => `arn:aws:secretsmanager:eu-west-1:123456789012:secret:${name}-AbCdEf`;

  async function outputs() {
    return {
      // Outputs defined inside a construct carry a hash suffix.
      InvitationServiceApiUrl3F2A9C1B: `${stack.apiUrl}/`,
      WebhookUrl: `${stack.apiUrl}/v1/webhooks/logto`,
      LogtoEndpoint: stack.logtoUrl,
      M2mSecretArn: secretArn('m2m'),
      WebhookSecretArn: secretArn('webhook'),
      SesIdentity: 'acme.local',
      SesTemplatePrefix: stack.config.SES_TEMPLATE_PREFIX,
      LogtoWebhookId: stack.webhook.id,
    };
  }

  const currentKey = async () => (await logto('GET', `/api/hooks/${stack.webhook.id}`)).signingKey as string;

  it('reads the stack outputs, hashed keys included, and names the ones missing', () => {
    // Prepare
    const outputsWithout = { ApiUrl: 'https://abc.execute-api.eu-west-1.amazonaws.com/', M2mSecretArn: secretArn('m2m') };

    // Act
    const build = () => awsTarget('Invitations', outputsWithout, { region: 'eu-west-1', ses, secrets: () => new StaticSecrets({ m2m: { appId: 'a', appSecret: 'b' } }) });
    const hashed = outputValue({ InvitationServiceApiUrl3F2A9C1B: 'https://x/' }, 'ApiUrl');

    // Assess
    expect(build).toThrow('Stack Invitations has no output LogtoEndpoint, WebhookSecretArn, SesIdentity, SesTemplatePrefix');
    expect(hashed).toBe('https://x/');
  });

  it('compares the signing-key secret with the hook and checks the SES account and identity for real', async () => {
    // Prepare
    const asked: unknown[] = [];
    const doctorTarget = awsTarget('Invitations', await outputs(), {
      region: 'eu-west-1',
      ses,
      secrets: (ids) => {
        asked.push(ids);
        return new StaticSecrets({ m2m: { appId: seed.m2mApp.id, appSecret: seed.m2mApp.secret }, webhookSigningKey: 'stale-key' });
      },
    });

    // Act
    const stale = await runDoctor(doctorTarget);
    const key = await currentKey();
    const fresh = await runDoctor(
      awsTarget('Invitations', await outputs(), {
        region: 'eu-west-1',
        ses,
        secrets: () => new StaticSecrets({ m2m: { appId: seed.m2mApp.id, appSecret: seed.m2mApp.secret }, webhookSigningKey: key }),
      }),
    );

    // Assess
    expect(asked).toEqual([{ m2mSecretId: secretArn('m2m'), webhookSecretId: secretArn('webhook') }]);
    expect(doctorTarget).toMatchObject({ kind: 'aws', apiUrl: stack.apiUrl, hookId: stack.webhook.id, logto: { apiIndicator: 'https://default.logto.app/api' } });
    expect(line(stale, 'webhook.signing_key')).toMatchObject({
      status: 'fail',
      detail: `secret ${secretArn('webhook')} holds another key than hook ${stack.webhook.id}: every delivery is refused as wrongly signed`,
    });
    expect(line(stale, 'webhook.signing_key').fix).toContain(`into secret ${secretArn('webhook')} as {"signingKey": "..."}`);
    expect(line(fresh, 'webhook.signing_key')).toMatchObject({ status: 'pass' });
    // The local SES has no identities: in AWS that is a failure, not a skip.
    expect(line(fresh, 'ses.account').status).toBe('pass');
    expect(line(fresh, 'ses.identity')).toMatchObject({ status: 'fail', detail: 'acme.local is not an SES identity in this region' });
  });
});
