/**
 * `npm run doctor`: checks that a deployment (or the local stack) is wired the way the service needs, and
 * says for each thing what is wrong and what to do. Read-only except for one test delivery Logto sends to
 * the webhook (a sample `PostSignIn`, which the receiver verifies and ignores).
 *
 * Each check answers on its own line; a check whose premise failed (no token, no hook) is skipped with the
 * reason rather than failing a second time. Logto is asked directly with `fetch`, one attempt each, so
 * what is printed is what Logto answered.
 */
import { timingSafeEqual } from 'node:crypto';
import {
  GetAccountCommand,
  GetEmailIdentityCommand,
  GetEmailTemplateCommand,
  type SESv2Client,
} from '@aws-sdk/client-sesv2';
import * as z from 'zod';

import type { M2mCredentials } from '../adapters/logto-management-client.ts';
import { hookSchema, webhookEvents, type LogtoHook } from '../adapters/logto-webhooks.ts';
import { emailKinds, invitationTemplateName } from '../../templates/invitation-contract.ts';

export type CheckStatus = 'pass' | 'fail' | 'warn' | 'skip';

export type CheckId =
  | 'api.health'
  | 'logto.token'
  | 'logto.management_api'
  | 'logto.registration_disabled'
  | 'webhook.registered'
  | 'webhook.enabled'
  | 'webhook.events'
  | 'webhook.signing_key'
  | 'webhook.delivery'
  | 'ses.account'
  | 'ses.identity'
  | 'ses.templates';

export interface CheckResult {
  id: CheckId;
  /** What is checked, e.g. "Webhook signing key". */
  title: string;
  status: CheckStatus;
  /** What was found. */
  detail: string;
  /** What to do about a failure or a warning. */
  fix?: string;
}

/** Where the doctor looks: the local stack or a deployed stack, with everything it needs resolved. */
export interface DoctorTarget {
  kind: 'local' | 'aws';
  /** Printed above the results, e.g. "stack Invitations (eu-west-1)". */
  description: string;
  /** The invitations API's base URL (no trailing slash). */
  apiUrl: string;
  /** The URL Logto must deliver to: `${apiUrl}/v1/webhooks/logto`. */
  webhookUrl: string;
  /** The hook registered at deploy time, when known (the stack's output); else the hook is found by URL. */
  hookId?: string;
  logto: {
    endpoint: string;
    apiIndicator: string;
    credentials: () => Promise<M2mCredentials>;
    /** Where the credentials come from, for messages (a secret ARN, an env variable...). */
    credentialsSource: string;
  };
  /**
   * The key the service verifies deliveries with, when it can be read from here (in AWS, the signing-key
   * secret). Without it, the key is judged by whether the API accepts Logto's test delivery.
   */
  webhookSigningKey?: { read: () => Promise<string>; source: string };
  ses: {
    client: SESv2Client;
    /** The sending identity: a domain or an address (an address's domain is tried too). */
    identity: string;
    templatePrefix: string;
    locales: readonly string[];
  };
  /** @default globalThis.fetch */
  fetch?: typeof fetch;
  /** Time limit of each HTTP request. @default 5000 */
  timeoutMs?: number;
}

/** What the doctor reports: the target and one result per check, in order. */
export interface DoctorReport {
  target: string;
  results: CheckResult[];
  ok: boolean;
}

const titles: Record<CheckId, string> = {
  'api.health': 'Invitations API',
  'logto.token': 'M2M credentials',
  'logto.management_api': 'Management API access',
  'logto.registration_disabled': 'Registration disabled at Logto',
  'webhook.registered': 'Webhook registered',
  'webhook.enabled': 'Webhook enabled',
  'webhook.events': 'Webhook events',
  'webhook.signing_key': 'Webhook signing key',
  'webhook.delivery': 'Webhook delivery',
  'ses.account': 'SES account',
  'ses.identity': 'SES sending identity',
  'ses.templates': 'SES templates',
};

const result = (id: CheckId, status: CheckStatus, detail: string, fix?: string): CheckResult => ({
  id,
  title: titles[id],
  status,
  detail,
  ...(fix !== undefined && { fix }),
});

type HttpReply = { kind: 'reply'; status: number; body: unknown } | { kind: 'unreachable'; reason: string };

const tokenGuard = z.object({ access_token: z.string().min(1), scope: z.string().optional() });
const oauthErrorGuard = z.object({ error: z.string(), error_description: z.string().optional() });
const logtoErrorGuard = z.object({ code: z.string(), message: z.string().optional(), data: z.unknown().optional() });
const signInExperienceGuard = z.object({ signInMode: z.string() });
const testDeliveryFailureGuard = z.object({
  responseStatus: z.number().optional(),
  responseBody: z.string().optional(),
});

export async function runDoctor(target: DoctorTarget): Promise<DoctorReport> {
  const doFetch = target.fetch ?? globalThis.fetch;
  const timeoutMs = target.timeoutMs ?? 5000;
  const local = target.kind === 'local';

  async function http(url: string, init: RequestInit = {}): Promise<HttpReply> {
    try {
      const response = await doFetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) });
      const text = await response.text();
      let body: unknown = text;
      try {
        body = text === '' ? undefined : JSON.parse(text);
      } catch {
        // not JSON: keep the text
      }
      return { kind: 'reply', status: response.status, body };
    } catch (error) {
      return { kind: 'unreachable', reason: networkReason(error) };
    }
  }

  const results: CheckResult[] = [];
  const add = (check: CheckResult) => {
    results.push(check);
    return check;
  };

  add(await checkApi());
  const token = await checkToken();
  add(token.result);
  const logto = (path: string, init: RequestInit = {}) =>
    http(`${target.logto.endpoint}${path}`, {
      ...init,
      headers: {
        authorization: `Bearer ${token.accessToken}`,
        accept: 'application/json',
        ...(init.body !== undefined && { 'content-type': 'application/json' }),
      },
    });

  const logtoChecks = ['logto.registration_disabled', 'webhook.registered', 'webhook.enabled', 'webhook.events', 'webhook.signing_key', 'webhook.delivery'] as const;
  if (token.accessToken === undefined) {
    for (const id of ['logto.management_api', ...logtoChecks] as const) add(result(id, 'skip', 'skipped: needs working M2M credentials'));
  } else if (add(await checkManagementAccess(logto, token.scope)).status !== 'pass') {
    for (const id of logtoChecks) add(result(id, 'skip', 'skipped: needs Management API access'));
  } else {
    add(await checkRegistration(logto));
    for (const check of await checkWebhook(logto)) add(check);
  }
  for (const check of await checkSes()) add(check);

  const order = Object.keys(titles) as CheckId[];
  results.sort((a, b) => order.indexOf(a.id) - order.indexOf(b.id));
  return { target: target.description, results, ok: results.every((check) => check.status !== 'fail') };

  async function checkApi(): Promise<CheckResult> {
    const url = `${target.apiUrl}/v1/health`;
    const reply = await http(url);
    if (reply.kind === 'unreachable') {
      return result(
        'api.health',
        'fail',
        `nothing answers at ${url} (${reply.reason})`,
        local ? 'Start the local stack: npm start.' : "Check the stack's ApiUrl output and that the deployment finished.",
      );
    }
    if (reply.status !== 200) {
      return result('api.health', 'fail', `GET ${url} answered ${reply.status}`, 'Look at the API function\'s logs.');
    }
    return result('api.health', 'pass', `answers at ${target.apiUrl}`);
  }

  async function checkToken(): Promise<{ result: CheckResult; accessToken?: string; scope?: string }> {
    let credentials: M2mCredentials;
    try {
      credentials = await target.logto.credentials();
    } catch (error) {
      return {
        result: result(
          'logto.token',
          'fail',
          `could not read them from ${target.logto.credentialsSource}: ${errorMessage(error)}`,
          `Store the M2M app's credentials there as {"appId": "...", "appSecret": "..."} (Logto Console > Applications > your M2M app).`,
        ),
      };
    }
    const basic = Buffer.from(`${encodeURIComponent(credentials.appId)}:${encodeURIComponent(credentials.appSecret)}`).toString('base64');
    const reply = await http(`${target.logto.endpoint}/oidc/token`, {
      method: 'POST',
      headers: { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: new URLSearchParams({ grant_type: 'client_credentials', resource: target.logto.apiIndicator, scope: 'all' }).toString(),
    });
    if (reply.kind === 'unreachable') {
      return {
        result: result(
          'logto.token',
          'fail',
          `Logto does not answer at ${target.logto.endpoint} (${reply.reason})`,
          local
            ? 'Start the local stack (npm start), or set LOGTO_ENDPOINT to the Logto it uses.'
            : 'Check the LogtoEndpoint output and that Logto is up and reachable from here.',
        ),
      };
    }
    const token = tokenGuard.safeParse(reply.body);
    if (reply.status === 200 && token.success) {
      const scope = token.data.scope ?? '';
      return {
        result: result('logto.token', 'pass', `app ${credentials.appId} got a token for ${target.logto.apiIndicator} (scope "${scope}")`),
        accessToken: token.data.access_token,
        scope,
      };
    }
    const oauth = oauthErrorGuard.safeParse(reply.body);
    const error = oauth.success ? oauth.data.error : `HTTP ${reply.status}`;
    const description = oauth.success && oauth.data.error_description ? `: ${oauth.data.error_description}` : '';
    if (error === 'invalid_client') {
      return {
        result: result(
          'logto.token',
          'fail',
          `Logto refused app ${credentials.appId} (${reply.status} invalid_client${description})`,
          `The app id or secret in ${target.logto.credentialsSource} is wrong: copy both from Logto Console > Applications > your M2M app.`,
        ),
      };
    }
    if (error === 'invalid_target') {
      return {
        result: result(
          'logto.token',
          'fail',
          `${target.logto.apiIndicator} is not an API resource of this Logto (invalid_target${description})`,
          'Use https://default.logto.app/api for a self-hosted Logto, https://{tenant-id}.logto.app/api for Logto Cloud.',
        ),
      };
    }
    return {
      result: result(
        'logto.token',
        'fail',
        `the token request failed (${reply.status} ${error}${description})`,
        'Check that the app is a machine-to-machine app and that Logto is healthy.',
      ),
    };
  }

  async function checkManagementAccess(logto: (path: string) => Promise<HttpReply>, scope: string | undefined): Promise<CheckResult> {
    const reply = await logto('/api/users?page=1&page_size=1');
    if (reply.kind === 'unreachable') {
      return result('logto.management_api', 'fail', `GET /api/users did not answer (${reply.reason})`, 'Check that Logto is healthy.');
    }
    if (reply.status === 200) return result('logto.management_api', 'pass', 'GET /api/users succeeds');
    const roleFix =
      'Give the M2M app a machine-to-machine role holding the Management API "all" permission (Logto Console > Roles, then Applications > your app > Roles).';
    if (reply.status === 401 || reply.status === 403) {
      return result(
        'logto.management_api',
        'fail',
        `GET /api/users answered ${reply.status} ${logtoCode(reply.body)} (token scope "${scope ?? ''}")`,
        roleFix,
      );
    }
    return result('logto.management_api', 'fail', `GET /api/users answered ${reply.status} ${logtoCode(reply.body)}`, 'Check that Logto is healthy.');
  }

  async function checkRegistration(logto: (path: string) => Promise<HttpReply>): Promise<CheckResult> {
    const reply = await logto('/api/sign-in-exp');
    const experience = reply.kind === 'reply' && reply.status === 200 ? signInExperienceGuard.safeParse(reply.body) : undefined;
    if (!experience?.success) {
      const why = reply.kind === 'unreachable' ? reply.reason : `${reply.status} ${logtoCode(reply.body)}`;
      return result('logto.registration_disabled', 'fail', `GET /api/sign-in-exp failed (${why})`, 'Check that Logto is healthy.');
    }
    const mode = experience.data.signInMode;
    if (mode === 'SignIn') {
      return result('logto.registration_disabled', 'pass', 'signInMode is SignIn: only invitations register new users');
    }
    return result(
      'logto.registration_disabled',
      'warn',
      `signInMode is ${mode}: anyone can create an account on Logto's sign-in page without an invitation`,
      [
        'Turn off "Enable user registration" in Logto Console > Sign-in experience > Sign-up and sign-in',
        local ? 'or PATCH /api/sign-in-exp {"signInMode":"SignIn"}' : 'or deploy with registration disabled (the wiring switches signInMode to SignIn)',
      ].join(', ') + '.',
    );
  }

  async function checkWebhook(logto: (path: string, init?: RequestInit) => Promise<HttpReply>): Promise<CheckResult[]> {
    const reRegister = local
      ? 'Restart npm start: it registers the hook and reads its key at start-up.'
      : 'Re-run the deploy-time wiring (cdk deploy after changing its hook name), or fix the hook in Logto Console > Webhooks.';
    const listed = await logto('/api/hooks?page=1&page_size=100');
    const hooks = listed.kind === 'reply' && listed.status === 200 ? z.array(hookSchema).safeParse(listed.body) : undefined;
    const skipRest = (why: string) =>
      (['webhook.enabled', 'webhook.events', 'webhook.signing_key', 'webhook.delivery'] as const).map((id) => result(id, 'skip', `skipped: ${why}`));
    if (!hooks?.success) {
      const why = listed.kind === 'unreachable' ? listed.reason : `${listed.status} ${logtoCode(listed.body)}`;
      return [result('webhook.registered', 'fail', `GET /api/hooks failed (${why})`, 'Check that Logto is healthy.'), ...skipRest('the hooks could not be listed')];
    }
    const atUrl = hooks.data.filter((hook) => hook.config.url === target.webhookUrl);
    const hook = target.hookId !== undefined ? hooks.data.find((candidate) => candidate.id === target.hookId) : atUrl[0];
    if (!hook) {
      const others = hooks.data.slice(0, 3).map((other) => `${other.name || other.id} -> ${other.config.url}`);
      const detail =
        target.hookId !== undefined
          ? `hook ${target.hookId} (the stack's output) no longer exists at Logto`
          : `no hook at Logto delivers to ${target.webhookUrl}`;
      return [
        result('webhook.registered', 'fail', others.length > 0 ? `${detail} (hooks there: ${others.join('; ')})` : detail, reRegister),
        ...skipRest('no hook'),
      ];
    }
    const checks: CheckResult[] = [];
    const duplicates = atUrl.filter((other) => other.id !== hook.id);
    if (hook.config.url !== target.webhookUrl) {
      checks.push(result('webhook.registered', 'fail', `hook ${hook.id} delivers to ${hook.config.url}, not to ${target.webhookUrl}`, reRegister));
    } else if (duplicates.length > 0) {
      checks.push(
        result(
          'webhook.registered',
          'warn',
          `hook ${hook.id} and ${duplicates.length} more (${duplicates.map((other) => other.id).join(', ')}) deliver to ${target.webhookUrl}: each event arrives once per hook, and only one key verifies`,
          `Delete the extra hook(s) in Logto Console > Webhooks (keep ${hook.id}).`,
        ),
      );
    } else {
      checks.push(result('webhook.registered', 'pass', `hook ${hook.id} ("${hook.name}") delivers to ${hook.config.url}`));
    }

    checks.push(
      hook.enabled
        ? result('webhook.enabled', 'pass', `hook ${hook.id} is enabled`)
        : result(
            'webhook.enabled',
            'fail',
            `hook ${hook.id} is disabled: Logto sends nothing, so acceptances are only noticed by the periodic reconcile`,
            `Enable it in Logto Console > Webhooks > ${hook.name || hook.id}${local ? ', or restart npm start' : ''}.`,
          ),
    );

    const subscribed = hook.events ?? [];
    const missing = webhookEvents.filter((event) => !subscribed.includes(event));
    checks.push(
      missing.length === 0
        ? result('webhook.events', 'pass', `subscribed to ${webhookEvents.join(', ')}`)
        : result(
            'webhook.events',
            'fail',
            `hook ${hook.id} is not subscribed to ${missing.join(', ')} (it has: ${subscribed.join(', ') || 'none'})`,
            `Add ${missing.join(', ')} to the hook in Logto Console > Webhooks${local ? ', or restart npm start' : ', or re-run the deploy-time wiring'}.`,
          ),
    );

    const delivery = await testDelivery(logto, hook);
    checks.push(await checkSigningKey(hook, delivery), delivery.result);
    return checks;
  }

  /** Logto signs a sample `PostSignIn` with the hook's key and posts it to the hook's URL; the receiver ignores it. */
  async function testDelivery(
    logto: (path: string, init?: RequestInit) => Promise<HttpReply>,
    hook: LogtoHook,
  ): Promise<{ result: CheckResult; badSignature: boolean; accepted: boolean }> {
    const reply = await logto(`/api/hooks/${encodeURIComponent(hook.id)}/test`, {
      method: 'POST',
      body: JSON.stringify({ events: ['PostSignIn'], config: hook.config }),
    });
    if (reply.kind === 'unreachable') {
      return { result: result('webhook.delivery', 'fail', `Logto did not answer the test request (${reply.reason})`, 'Check that Logto is healthy.'), badSignature: false, accepted: false };
    }
    if (reply.status === 204 || reply.status === 200) {
      return { result: result('webhook.delivery', 'pass', `the API accepted Logto's signed test delivery to ${hook.config.url}`), badSignature: false, accepted: true };
    }
    const code = logtoCode(reply.body);
    const data = testDeliveryFailureGuard.safeParse(logtoErrorGuard.safeParse(reply.body).data?.data);
    if (code === 'hook.endpoint_responded_with_error' && data.success) {
      const answered = `${data.data.responseStatus ?? '?'} ${receiverCode(data.data.responseBody)}`.trim();
      const badSignature = data.data.responseStatus === 401 && answered.includes('webhook.invalid_signature');
      return {
        result: result(
          'webhook.delivery',
          'fail',
          `the API answered Logto's test delivery with ${answered}`,
          badSignature ? 'See the signing key line.' : "Look at the webhook function's logs.",
        ),
        badSignature,
        accepted: false,
      };
    }
    if (code === 'hook.send_test_payload_failed') {
      return {
        result: result(
          'webhook.delivery',
          'fail',
          `Logto could not reach ${hook.config.url} (${logtoErrorGuard.safeParse(reply.body).data?.message ?? code})`,
          'Logto must be able to reach the API: check its URL and the network between them.',
        ),
        badSignature: false,
        accepted: false,
      };
    }
    return {
      result: result('webhook.delivery', 'fail', `POST /api/hooks/${hook.id}/test answered ${reply.status} ${code}`, 'Check that Logto is healthy.'),
      badSignature: false,
      accepted: false,
    };
  }

  async function checkSigningKey(hook: LogtoHook, delivery: { badSignature: boolean; accepted: boolean }): Promise<CheckResult> {
    const fixKey = local
      ? 'Restart npm start: it reads the hook\'s current key at start-up.'
      : `Copy the hook's signing key (Logto Console > Webhooks > ${hook.name || hook.id} > Signing key) into ${target.webhookSigningKey?.source ?? 'the signing-key secret'} as {"signingKey": "..."}, or re-run the deploy-time wiring.`;
    if (target.webhookSigningKey) {
      let held: string;
      try {
        held = await target.webhookSigningKey.read();
      } catch (error) {
        return result('webhook.signing_key', 'fail', `could not read the service's key from ${target.webhookSigningKey.source}: ${errorMessage(error)}`, fixKey);
      }
      return sameSecret(held, hook.signingKey)
        ? result('webhook.signing_key', 'pass', `${target.webhookSigningKey.source} holds hook ${hook.id}'s key`)
        : result(
            'webhook.signing_key',
            'fail',
            `${target.webhookSigningKey.source} holds another key than hook ${hook.id}: every delivery is refused as wrongly signed`,
            fixKey,
          );
    }
    if (delivery.accepted) {
      return result('webhook.signing_key', 'pass', `the API verified a delivery signed with hook ${hook.id}'s key`);
    }
    if (delivery.badSignature) {
      return result(
        'webhook.signing_key',
        'fail',
        `the API refused a delivery signed with hook ${hook.id}'s key (401 webhook.invalid_signature): it holds another key`,
        fixKey,
      );
    }
    return result('webhook.signing_key', 'skip', 'could not tell: the test delivery failed for another reason (next line)');
  }

  async function checkSes(): Promise<CheckResult[]> {
    const { client, identity, templatePrefix, locales } = target.ses;
    const checks: CheckResult[] = [];

    try {
      const account = await client.send(new GetAccountCommand({}));
      if (account.ProductionAccessEnabled !== true) {
        checks.push(
          result(
            'ses.account',
            'fail',
            'the account is in the SES sandbox: mail goes only to verified addresses, so invitations to anyone else are refused',
            'Request production access: SES console > Account dashboard > Request production access (in the stack\'s region).',
          ),
        );
      } else if (account.SendingEnabled !== true) {
        checks.push(
          result(
            'ses.account',
            'fail',
            `sending is paused for the account (enforcement status ${account.EnforcementStatus ?? 'unknown'})`,
            'See SES console > Account dashboard; resume with `aws sesv2 put-account-sending-attributes --sending-enabled` once the cause is fixed.',
          ),
        );
      } else {
        const quota = account.SendQuota?.Max24HourSend;
        checks.push(result('ses.account', 'pass', `out of the sandbox, sending enabled${quota !== undefined ? ` (${quota} emails / 24 h)` : ''}`));
      }
    } catch (error) {
      checks.push(
        local && httpStatus(error) === 400
          ? result('ses.account', 'skip', 'skipped: the local SES (aws-ses-v2-local) reports an account only when AWS_SES_ACCOUNT is set in its environment')
          : result('ses.account', 'fail', `GetAccount failed: ${errorMessage(error)}`, awsAccessFix(local)),
      );
    }

    checks.push(await checkIdentity(client, identity));

    const missing: string[] = [];
    const failures: string[] = [];
    const names = emailKinds.flatMap((kind) => locales.map((locale) => invitationTemplateName(templatePrefix, locale, kind)));
    for (const name of names) {
      try {
        await client.send(new GetEmailTemplateCommand({ TemplateName: name }));
      } catch (error) {
        if (httpStatus(error) === 404 || (error as { name?: string }).name === 'NotFoundException') missing.push(name);
        else failures.push(`${name}: ${errorMessage(error)}`);
      }
    }
    if (failures.length > 0) {
      checks.push(result('ses.templates', 'fail', `GetEmailTemplate failed (${failures.join('; ')})`, awsAccessFix(local)));
    } else if (missing.length > 0) {
      checks.push(
        result(
          'ses.templates',
          'fail',
          `missing: ${missing.join(', ')}: ${missing.length === names.length ? 'no email can be sent' : 'those emails cannot be sent'}`,
          local ? 'Restart npm start: it creates the templates.' : 'Re-deploy: the stack creates one template per locale from templates/.',
        ),
      );
    } else {
      checks.push(result('ses.templates', 'pass', names.join(', ')));
    }
    return checks;
  }

  async function checkIdentity(client: SESv2Client, identity: string): Promise<CheckResult> {
    const address = /<([^>]+)>/.exec(identity)?.[1] ?? identity.trim();
    const domain = address.includes('@') ? address.slice(address.lastIndexOf('@') + 1) : undefined;
    for (const candidate of domain ? [address, domain] : [address]) {
      try {
        const found = await client.send(new GetEmailIdentityCommand({ EmailIdentity: candidate }));
        return found.VerifiedForSendingStatus === true
          ? result('ses.identity', 'pass', `${candidate} is verified for sending`)
          : result(
              'ses.identity',
              'fail',
              `${candidate} is not verified for sending (status ${found.VerificationStatus ?? 'unknown'})`,
              found.IdentityType === 'DOMAIN'
                ? 'Publish the DKIM CNAME records SES shows for the domain (SES console > Identities), then wait for verification.'
                : 'Click the link SES emailed to the address, or verify its domain instead.',
            );
      } catch (error) {
        if (local && httpStatus(error) === 404 && (error as { name?: string }).name !== 'NotFoundException') {
          return result('ses.identity', 'skip', 'skipped: the local SES (aws-ses-v2-local) has no identities and accepts any sender');
        }
        if (httpStatus(error) === 404 || (error as { name?: string }).name === 'NotFoundException') continue;
        return result('ses.identity', 'fail', `GetEmailIdentity failed: ${errorMessage(error)}`, awsAccessFix(local));
      }
    }
    return result(
      'ses.identity',
      'fail',
      domain ? `neither ${address} nor ${domain} is an SES identity in this region` : `${address} is not an SES identity in this region`,
      'Create and verify the identity in SES console > Identities (in the stack\'s region).',
    );
  }
}

/** Constant time, so the comparison says nothing about where two keys differ. */
function sameSecret(a: string, b: string): boolean {
  const left = Buffer.from(a, 'utf8');
  const right = Buffer.from(b, 'utf8');
  return left.length === right.length && timingSafeEqual(left, right);
}

function logtoCode(body: unknown): string {
  return logtoErrorGuard.safeParse(body).data?.code ?? '';
}

/** The receiver's `{code}` inside Logto's report of the test delivery. */
function receiverCode(responseBody: string | undefined): string {
  if (!responseBody) return '';
  try {
    return z.object({ code: z.string() }).safeParse(JSON.parse(responseBody)).data?.code ?? '';
  } catch {
    return '';
  }
}

function httpStatus(error: unknown): number | undefined {
  return (error as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata?.httpStatusCode;
}

function networkReason(error: unknown): string {
  if ((error as { name?: string }).name === 'TimeoutError') return 'timed out';
  for (let current: unknown = error, depth = 0; current && depth < 4; depth += 1) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    current = (current as { cause?: unknown }).cause;
  }
  return error instanceof Error ? error.message : String(error);
}

function errorMessage(error: unknown): string {
  if (error instanceof Error) {
    const code = networkReason(error);
    return error.message && error.message !== 'UnknownError' ? error.message : `${error.name} (${code})`;
  }
  return String(error);
}

const awsAccessFix = (local: boolean) =>
  local ? 'Is the local SES running (npm start)?' : 'Check the AWS credentials and region this runs with (ses:GetAccount, ses:GetEmailIdentity, ses:GetEmailTemplate).';
