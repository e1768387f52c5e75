/**
 * The admin API and its public routes (health, OpenAPI), as one API Gateway HTTP API (payload v2) Lambda.
 * Routes stay thin: authenticate, validate with the zod schema, call one use case, shape the response.
 */
import middy from '@middy/core';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { AppError } from '../domain/errors.ts';
import { toView, type Invitation } from '../domain/invitation.ts';
import type { CreateInput, InvitationLibrary } from '../domain/invitations.ts';
import type { AccessRequest, Actor, Clock, IdempotencyStore, RateLimiter } from '../domain/ports.ts';
import { matchRoute, routeKey, scopes, type Route, type RouteKey } from './http/routes.ts';
import { errorResult, header, httpErrors, json, parse, parseJsonBody, rawBody, validationError, type HttpResult, type Log } from './http/respond.ts';
import { accessRequestBody, accessRequestQuery, approveAccessRequestBody, createInvitationBody, listQuery, referralBody } from './http/schemas.ts';
import { formToken, formTokenAge, requestAnswerPage, requestFormPage } from './http/request-access-page.ts';
import { browserLocale, formPage, problemPage, type FormState, type ProblemCode } from './http/accept-page.ts';

/** Verifies a Logto access token for a scope (see adapters/access-token-verifier.ts). */
export interface TokenVerifier {
  verify(authorization: string | undefined, requiredScope: string): Promise<{ subject: string; clientId?: string }>;
}

export interface ApiDeps {
  invitations: InvitationLibrary;
  verifier: TokenVerifier;
  idempotency: IdempotencyStore;
  clock: Clock;
  log: Log;
  openapi: () => unknown;
  /** The public URL of `GET /v1/accept`: its origin is the only one the form may be posted from. */
  acceptUrl: string;
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

/** Form bodies are small: a token, a CSRF value, a name and a password. */
const maxFormBytes = 8 * 1024;

const problemCodes = new Set<string>(['accept.invalid_link', 'accept.already_accepted', 'accept.expired', 'accept.revoked']);

interface Call {
  event: APIGatewayProxyEventV2;
  params: Record<string, string>;
  actor: Actor;
}

type RouteHandler = (call: Call) => Promise<HttpResult>;

export function makeApiHandler(deps: ApiDeps) {
  const { invitations, verifier, idempotency, clock, log } = deps;
  const view = (invitation: Invitation) => toView(invitation, clock.now());
  const id = (call: Call) => call.params.id ?? '';

  const acceptOrigin = new URL(deps.acceptUrl).origin;
  const secureCookie = new URL(deps.acceptUrl).protocol === 'https:';
  // `__Host-` binds the cookie to this origin (Secure, Path=/, no Domain); plain HTTP (the local stack) cannot have it.
  const csrfCookie = secureCookie ? '__Host-accept-csrf' : 'accept-csrf';
  const cookieAttributes = secureCookie ? 'Path=/; Secure; HttpOnly; SameSite=Strict' : 'Path=/v1/accept; HttpOnly; SameSite=Strict';

  /** The locale of a refusal: the invitation's, when the token named one, else the browser's. */
  const refusalPage = (error: unknown, event: APIGatewayProxyEventV2): HttpResult => {
    const locale = (error instanceof AppError && (error.details as { locale?: string } | undefined)?.locale) || browserLocale(header(event, 'accept-language'));
    if (error instanceof AppError && problemCodes.has(error.code)) return problemPage(error.status, error.code as ProblemCode, locale);
    if (error instanceof AppError && error.status < 500) return problemPage(error.status, 'accept.invalid_link', locale);
    const detail = { error: error instanceof Error ? { name: error.name, message: error.message } : String(error) };
    // Logto or SES unavailable is a passing condition (the page says try again); anything else is a bug.
    if (error instanceof AppError && error.status === 503) log.warn('accept page unavailable', detail);
    else log.error('accept page failed', detail);
    return { ...problemPage(503, 'accept.unavailable', locale), headers: { ...problemPage(503, 'accept.unavailable', locale).headers, 'retry-after': '5' } };
  };

  const cookieValue = (event: APIGatewayProxyEventV2, name: string) =>
    (event.cookies ?? [])
      .map((cookie) => cookie.trim())
      .find((cookie) => cookie.startsWith(`${name}=`))
      ?.slice(name.length + 1);

  /**
   * A form post is ours when the browser sends back the random value we set both as a SameSite=Strict
   * cookie and in the form (a page elsewhere can do neither), and says it comes from our origin.
   */
  const fromOurForm = (event: APIGatewayProxyEventV2, csrf: string) => {
    const cookie = cookieValue(event, csrfCookie);
    const origin = header(event, 'origin');
    const site = header(event, 'sec-fetch-site');
    if ((origin !== undefined && origin !== acceptOrigin) || (site !== undefined && site !== 'same-origin')) return false;
    return cookie !== undefined && cookie.length === csrf.length && csrf.length > 0 && timingSafeEqual(Buffer.from(cookie), Buffer.from(csrf));
  };

  const formBody = (event: APIGatewayProxyEventV2): URLSearchParams => {
    const text = rawBody(event);
    if (Buffer.byteLength(text, 'utf8') > maxFormBytes) throw new AppError('request.too_large', 413, `The form must be at most ${maxFormBytes} bytes.`);
    return new URLSearchParams(text);
  };

  const showForm = async (event: APIGatewayProxyEventV2, state: Omit<FormState, 'csrf'>, status = 200): Promise<HttpResult> => {
    const page = await invitations.acceptPage(state.token);
    const csrf = randomBytes(32).toString('base64url');
    return { ...formPage(page, { ...state, csrf }, status), cookies: [`${csrfCookie}=${csrf}; ${cookieAttributes}; Max-Age=3600`] };
  };

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

  const handlers: Partial<Record<RouteKey, RouteHandler>> = {
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
          ? { ...requestAnswerPage(formOptions, locale, 'tooMany', 429), headers: { ...requestAnswerPage(formOptions, locale, 'tooMany', 429).headers, 'retry-after': '3600' } }
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
    // Opening the page changes nothing: mail scanners follow links.
    'GET /v1/accept': async ({ event }) => {
      const token = event.queryStringParameters?.token ?? '';
      return showForm(event, { token }).catch((error: unknown) => refusalPage(error, event));
    },
    'POST /v1/accept': async ({ event }) => {
      try {
        const form = formBody(event);
        const token = form.get('token') ?? '';
        if (!fromOurForm(event, form.get('csrf') ?? '')) {
          return problemPage(403, 'accept.expired_form', browserLocale(header(event, 'accept-language')));
        }
        const name = form.get('name') ?? undefined;
        const password = form.get('password') ?? undefined;
        try {
          const { location } = await invitations.acceptSubmit({ token, ...(name !== undefined && { name }), ...(password !== undefined && { password }) });
          return { statusCode: 303, headers: { location, 'cache-control': 'no-store', 'referrer-policy': 'no-referrer' }, body: '', cookies: [`${csrfCookie}=; ${cookieAttributes}; Max-Age=0`] };
        } catch (error) {
          if (!(error instanceof AppError) || error.code !== 'accept.invalid_form') throw error;
          const problems = ((error.details as { fields?: FormState['problems'] } | undefined)?.fields ?? []).map((problem) => ({ ...problem }));
          // The name is shown again as typed; the password never is.
          return await showForm(event, { token, ...(name !== undefined && { name }), problems }, 422);
        }
      } catch (error) {
        return refusalPage(error, event);
      }
    },
    'POST /v1/invitations': async ({ event, actor }) => {
      const body = parse(createInvitationBody, parseJsonBody(event), 'body') as CreateInput;
      const { invitation, link } = await invitations.create(body, actor);
      return json(201, { ...view(invitation), ...(link && { link }) });
    },
    'GET /v1/invitations': async ({ event }) => {
      const query = parse(listQuery, event.queryStringParameters ?? {}, 'query');
      const page = await invitations.list(query);
      return json(200, { data: page.items.map(view), nextCursor: page.nextCursor ?? null });
    },
    'GET /v1/invitations/{id}': async (call) => json(200, view(await invitations.get(id(call)))),
    'GET /v1/invitations/{id}/events': async (call) => json(200, await invitations.events(id(call))),
    'POST /v1/invitations/{id}/resend': async (call) => json(200, view(await invitations.resend(id(call), call.actor))),
    'POST /v1/invitations/{id}/revoke': async (call) => json(200, view(await invitations.revoke(id(call), call.actor))),
    'GET /v1/health': async () => json(200, { status: 'ok' }),
    'GET /v1/openapi.json': async () => json(200, deps.openapi(), { 'cache-control': 'public, max-age=300' }),
  };

  async function authenticate(route: Route, event: APIGatewayProxyEventV2): Promise<Actor> {
    if ('none' in route.auth) return { type: 'system' };
    const caller = await verifier.verify(header(event, 'authorization'), route.auth.scope);
    if (route.auth.scope !== scopes.refer) return { type: 'admin', id: caller.subject };
    // A user's token names the user (`sub`) and the app it was issued to (`client_id`); an app's own token names the app twice.
    if (!caller.clientId || caller.clientId === caller.subject) {
      throw new AppError('referral.user_token_required', 403, "Referrals take a signed-in user's access token, not an application's.");
    }
    return { type: 'user', id: caller.subject };
  }

  /** The same key and request within 24 h gets the first response; a key is scoped to its caller. */
  async function idempotent(event: APIGatewayProxyEventV2, actor: Actor, run: () => Promise<HttpResult>): Promise<HttpResult> {
    const key = header(event, 'idempotency-key');
    if (event.requestContext.http.method !== 'POST' || key === undefined) return run();
    if (key.length === 0 || key.length > 255) {
      throw new AppError('idempotency.invalid_key', 422, 'Idempotency-Key must be 1 to 255 characters.');
    }
    const scopedKey = `${actor.id ?? 'anonymous'}:${key}`;
    const requestHash = createHash('sha256').update(`${event.routeKey}\n${event.rawPath}\n${withoutPassword(rawBody(event))}`).digest('hex');
    const begun = await idempotency.begin(scopedKey, requestHash, clock.now());
    if (begun.state === 'mismatch') {
      throw new AppError('idempotency.key_reused', 422, 'This Idempotency-Key was used with a different request.');
    }
    if (begun.state === 'in_progress') {
      throw new AppError('idempotency.in_progress', 409, 'A request with this Idempotency-Key is still running.');
    }
    if (begun.state === 'done') {
      return { ...begun.response, headers: { ...begun.response.headers, 'idempotent-replayed': 'true' } };
    }
    let result: HttpResult;
    try {
      result = await run();
    } catch (error) {
      // A refusal is as final as a success; only a failure that may pass frees the key for a retry.
      if (error instanceof AppError && error.status < 500) {
        const refused = errorResult(error, log);
        await idempotency.complete(scopedKey, stored(refused), clock.now());
      } else {
        await idempotency.release(scopedKey);
      }
      throw error;
    }
    await (result.statusCode < 500 ? idempotency.complete(scopedKey, stored(result), clock.now()) : idempotency.release(scopedKey));
    return result;
  }

  async function handle(event: APIGatewayProxyEventV2): Promise<HttpResult> {
    const match = resolve(event);
    const handler = handlers[routeKey(match.route)];
    if (!handler) throw new AppError('route.not_found', 404, 'No such route.');
    const actor = await authenticate(match.route, event);
    const run = () => handler({ event, params: match.pathParameters, actor });
    // Idempotency keys belong to authenticated callers: an open route (the accept form) never replays an answer.
    return 'none' in match.route.auth ? run() : idempotent(event, actor, run);
  }

  return middy<APIGatewayProxyEventV2, HttpResult>().use(httpErrors(log)).handler(handle);
}

/**
 * The body as the idempotency record fingerprints it: a `password` (provision) is left out, so not even
 * a hash of it is stored. A replay with another password gets the first response, like any replay.
 */
function withoutPassword(body: string): string {
  if (!body.includes('"password"')) return body;
  try {
    const parsed = JSON.parse(body) as unknown;
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed) || !('password' in parsed)) return body;
    const { password: _password, ...rest } = parsed as Record<string, unknown>;
    return JSON.stringify(rest);
  } catch {
    return body;
  }
}

function stored(result: HttpResult) {
  return { statusCode: result.statusCode, body: result.body, headers: (result.headers ?? {}) as Record<string, string> };
}

/** API Gateway names the route in `routeKey`; a `$default` route (or a local server) matches the path. */
function resolve(event: APIGatewayProxyEventV2): { route: Route; pathParameters: Record<string, string> } {
  const match = matchRoute(event.requestContext.http.method, event.rawPath);
  if (match && 'route' in match) return { route: match.route, pathParameters: { ...match.pathParameters, ...event.pathParameters } as Record<string, string> };
  if (match) throw new AppError('route.method_not_allowed', 405, `Use ${match.allowed.join(' or ')}.`);
  throw new AppError('route.not_found', 404, 'No such route.');
}
