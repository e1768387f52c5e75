/**
 * Collecting who to invite: asking (`POST /v1/access-requests`, open to anyone, the same answer for every
 * email) and its form, the admins' list, approval and decline, and referrals by signed-in users.
 */
import { createHash } from 'node:crypto';
import { AppError } from '../domain/errors.ts';
import { toView, type Invitation } from '../domain/invitation.ts';
import type { InvitationLibrary } from '../domain/invitations.ts';
import type { AccessRequest, Clock, RateLimiter } from '../domain/ports.ts';
import { browserLocale } from './http/accept-page.ts';
import { formToken, formTokenAge, requestAnswerPage, requestFormPage } from './http/request-access-page.ts';
import { header, json, parse, parseJsonBody, rawBody, validationError, withHeaders, type Log } from './http/respond.ts';
import type { Call, RouteHandlers } from './http/route-handler.ts';
import { accessRequestBody, accessRequestQuery, approveAccessRequestBody, referralBody } from './http/schemas.ts';

export interface CollectingRouteDeps {
  invitations: Pick<InvitationLibrary, 'accessRequests' | 'refer'>;
  clock: Clock;
  log: Log;
  accessRequests: AccessRequestOptions;
}

/** How `POST /v1/access-requests` keeps bots and floods out. */
export interface AccessRequestOptions {
  limiter: RateLimiter;
  /** Signs the form's tokens; read once per cold start. */
  formKey: () => Promise<string>;
  perIpPerHour: number;
  perEmailPerDay: number;
  minFillSeconds: number;
  frameAncestors: readonly string[];
  appName: string;
  /** Counts each outcome (`stored_or_duplicate`, `dropped_bot`, `dropped_email_limit`, `rate_limited`), e.g. as a metric. */
  count?: (outcome: string) => void;
}

/** A request is a few short fields: anything bigger is refused before it is parsed. */
const maxAccessRequestBytes = 4 * 1024;

/** The one answer to every acceptable request, whatever became of it. */
const received = { status: 'received', message: 'Thank you. If this address can be invited, an email will follow.' } as const;

const hashed = (value: string) => createHash('sha256').update(value, 'utf8').digest('base64url');

/** The request as the API shows it: without the store's lock and the approval lease. */
const requestView = ({ version: _version, approving: _approving, ...request }: AccessRequest) => request;

export function makeCollectingRoutes(deps: CollectingRouteDeps): RouteHandlers {
  const { invitations, clock, log } = deps;
  const view = (invitation: Invitation) => toView(invitation, clock.now());
  const id = (call: Call) => call.params.id ?? '';
  const requestsOptions = deps.accessRequests;
  const formOptions = { appName: requestsOptions.appName, frameAncestors: requestsOptions.frameAncestors };
  let formKey: Promise<string> | undefined;
  const signingKey = () =>
    (formKey ??= requestsOptions.formKey().catch((error: unknown) => {
      formKey = undefined;
      throw error;
    }));

  /**
   * A bot, as far as we can tell cheaply: it filled the honeypot, or posted the form without the token it
   * was shown with, with a forged one, or faster than a person types. API callers send no token.
   */
  async function looksLikeBot(input: { website?: string; t?: string }, fromForm: boolean, now: Date): Promise<boolean> {
    if ((input.website ?? '') !== '') return true;
    if (input.t === undefined) return fromForm;
    const age = formTokenAge(await signingKey(), input.t, now);
    return age === undefined || age < requestsOptions.minFillSeconds * 1000 || age > 24 * 3600 * 1000;
  }

  return {
    'GET /v1/request-access': async ({ event }) => {
      const locale = event.queryStringParameters?.lang ?? browserLocale(header(event, 'accept-language'));
      return requestFormPage(formOptions, locale, { token: formToken(await signingKey(), clock.now()) });
    },
    /**
     * The same answer whether the email is new, waiting, invited or a user: the request never asks Logto,
     * and a duplicate, a bot or an email over its daily limit is dropped silently. Only the IP's limit
     * shows (429), and it says nothing about any email.
     */
    'POST /v1/access-requests': async ({ event }) => {
      const fromForm = /application\/x-www-form-urlencoded/i.test(header(event, 'content-type') ?? '');
      const text = rawBody(event);
      if (Buffer.byteLength(text, 'utf8') > maxAccessRequestBytes) {
        throw new AppError('request.too_large', 413, `The body must be at most ${maxAccessRequestBytes} bytes.`);
      }
      const locale = browserLocale(header(event, 'accept-language'));
      const raw = fromForm ? Object.fromEntries(new URLSearchParams(text)) : parseJsonBody(event);
      const parsed = accessRequestBody.safeParse(raw);
      if (!parsed.success) {
        if (!fromForm) throw validationError(parsed.error, 'body');
        const fields = new Set(parsed.error.issues.map((issue) => String(issue.path[0])));
        const form = raw as Record<string, string>;
        return requestFormPage(
          formOptions,
          locale,
          {
            token: form.t ?? formToken(await signingKey(), clock.now()),
            email: form.email ?? '',
            name: form.name ?? '',
            message: form.message ?? '',
            problems: (['email', 'name', 'message'] as const).filter((field) => fields.has(field)),
          },
          422,
        );
      }
      const input = parsed.data;
      const now = clock.now();
      if (!(await requestsOptions.limiter.hit(`ip:${hashed(event.requestContext.http.sourceIp)}`, requestsOptions.perIpPerHour, 3600, now))) {
        requestsOptions.count?.('rate_limited');
        return fromForm
          ? withHeaders(requestAnswerPage(formOptions, locale, 'tooMany', 429), { 'retry-after': '3600' })
          : json(429, { code: 'access_request.rate_limited', message: 'Too many requests from this address; try again later.' }, { 'retry-after': '3600' });
      }
      const bot = await looksLikeBot(input, fromForm, now);
      const allowed = !bot && (await requestsOptions.limiter.hit(`email:${hashed(input.email)}`, requestsOptions.perEmailPerDay, 86_400, now));
      if (allowed) {
        await invitations.accessRequests.submit({ email: input.email, ...(input.name && { name: input.name }), ...(input.message && { message: input.message }) });
      }
      const outcome = bot ? 'dropped_bot' : allowed ? 'stored_or_duplicate' : 'dropped_email_limit';
      requestsOptions.count?.(outcome);
      log.info('access request', { outcome });
      return fromForm ? requestAnswerPage(formOptions, locale, 'received', 202) : json(202, received);
    },
    'GET /v1/access-requests': async ({ event }) => {
      const query = parse(accessRequestQuery, event.queryStringParameters ?? {}, 'query');
      const page = await invitations.accessRequests.list(query);
      return json(200, { data: page.items.map(requestView), nextCursor: page.nextCursor ?? null });
    },
    'POST /v1/access-requests/{id}/approve': async (call) => {
      const body = rawBody(call.event).trim() === '' ? {} : parseJsonBody(call.event);
      const options = parse(approveAccessRequestBody, body, 'body');
      return json(201, view(await invitations.accessRequests.approve(id(call), options, call.actor)));
    },
    'POST /v1/referrals': async ({ event, actor }) => {
      const body = parse(referralBody, parseJsonBody(event), 'body');
      const referred = await invitations.refer(body, { ...actor, id: actor.id! });
      if ('held' in referred) {
        return json(202, { status: 'held', message: 'Thank you. An admin looks at your referral before anyone is invited.' });
      }
      return json(201, view(referred.invitation));
    },
    'POST /v1/access-requests/{id}/decline': async (call) => json(200, requestView(await invitations.accessRequests.decline(id(call), call.actor))),
  };
}
