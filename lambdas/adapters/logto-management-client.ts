/**
 * Logto Management API adapter: the {@link IdentityProvider} port over plain `fetch`.
 *
 * Why not `@logto/api/management` (1.42): its `createApiClient` takes no `fetch`, so timeouts, retries and
 * the 401 token refresh would wrap every call from outside anyway; its `ClientCredentials` fetches tokens
 * with the global `fetch`, without single-flight or a way to drop a refused token; and its generated type for
 * `GET /api/users` declares `search_params: {[key]: string}`, which openapi-fetch serialises as a deep object,
 * not the flat `search.primaryEmail=` keys Logto parses. What it would leave us is typed paths for nine
 * calls, at the price of a dependency (openapi-fetch) in every bundle. So the calls are written here, each
 * against Logto's route source (packages/core/src/routes), with responses checked by zod.
 *
 * Retries: 429, 5xx, network errors and timeouts, exponential backoff with full jitter, `Retry-After`
 * honoured, within a total time budget (default 10 s) so a Lambda never hangs on Logto. A request whose
 * earlier attempt may have taken effect is only sent again when doing so is harmless (see `replaySafe`).
 */
import { setTimeout as sleepFor } from 'node:timers/promises';
import { z } from 'zod';

import { AppError, UpstreamError } from '../domain/errors.ts';
import type { IdentityProvider, IdentityUser, OneTimeToken } from '../domain/ports.ts';

export interface M2mCredentials {
  appId: string;
  appSecret: string;
}

export interface RetryOptions {
  /** Attempts per call, the first included. @default 4 */
  attempts?: number;
  /** Cap of the first backoff; it doubles per retry. @default 200 */
  baseDelayMs?: number;
  /** Largest backoff between two attempts (a longer `Retry-After` is still honoured within the budget). @default 2000 */
  maxDelayMs?: number;
  /** Total time one call may take, token request, attempts and waits included. @default 10000 */
  budgetMs?: number;
}

export interface LogtoManagementClientOptions {
  /** Logto's base URL, e.g. `https://tenant.logto.app` (without `/api`). */
  endpoint: string;
  /** The Management API resource: `https://{tenantId}.logto.app/api`, or `https://default.logto.app/api` for OSS. */
  apiIndicator: string;
  /** Read for every token request, so a rotated secret is picked up (cache it at the source). */
  credentials: () => Promise<M2mCredentials>;
  fetch?: typeof fetch;
  retry?: RetryOptions;
  sleep?: (ms: number) => Promise<void>;
  /** Time limit of one attempt (also bounded by what is left of the budget). @default 5000 */
  timeoutMs?: number;
  /** Epoch milliseconds; for tests of token expiry. @default Date.now */
  now?: () => number;
}

/**
 * Logto refused a request. `code` is `logto.<Logto's code>` (e.g. `logto.user.email_already_in_use`);
 * `logtoCode` and `logtoStatus` are Logto's own. The status the caller of our API sees:
 * - Logto 404, 409, 422 keep their status (a referenced entity is missing, a conflict, a refusal);
 * - other 4xx (400 `guard.invalid_input`, ...) become 422: Logto refused data we passed on;
 * - 401/403, and any refusal of the token request, become 502 and are not exposed: our M2M app's
 *   credentials or permissions are wrong, which is no caller's fault and no business of theirs.
 */
export class LogtoApiError extends AppError {
  constructor(
    readonly logtoCode: string,
    readonly logtoStatus: number,
    message: string,
    readonly logtoData?: unknown,
    status: number = toCallerStatus(logtoStatus),
  ) {
    super(`logto.${logtoCode}`, status, message);
    this.name = 'LogtoApiError';
  }
}

/**
 * True when `error` is a {@link LogtoApiError} with Logto's `code`; a code ending in `.` matches a family
 * (`one_time_token.`).
 */
export const isLogtoError = (error: unknown, code?: string): error is LogtoApiError =>
  error instanceof LogtoApiError &&
  (code === undefined || (code.endsWith('.') ? error.logtoCode.startsWith(code) : error.logtoCode === code));

const toCallerStatus = (logtoStatus: number): number => {
  if (logtoStatus === 401 || logtoStatus === 403) {
    return 502;
  }
  if (logtoStatus === 404 || logtoStatus === 409 || logtoStatus === 422) {
    return logtoStatus;
  }
  return logtoStatus >= 400 && logtoStatus < 500 ? 422 : 502;
};

const tokenResponseGuard = z.object({
  access_token: z.string().min(1),
  expires_in: z.number().positive(),
});

const oneTimeTokenGuard = z.object({
  id: z.string(),
  email: z.string(),
  token: z.string(),
  status: z.enum(['active', 'consumed', 'revoked', 'expired']),
  expiresAt: z.number(),
});

const userGuard = z.object({ id: z.string(), primaryEmail: z.string().nullable(), createdAt: z.number().optional() });

const toIdentityUser = (user: z.infer<typeof userGuard>): IdentityUser => ({
  id: user.id,
  primaryEmail: user.primaryEmail,
  ...(user.createdAt !== undefined && { createdAt: user.createdAt }),
});

const logtoErrorGuard = z.object({ code: z.string().min(1), message: z.string().optional(), data: z.unknown().optional() });
const oauthErrorGuard = z.object({ error: z.string().min(1), error_description: z.string().optional() });

/** Error codes of a connection that failed before the request could reach Logto. */
const notSentCodes = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'UND_ERR_CONNECT_TIMEOUT',
]);

/** An attempt is not started with less time than this left in the budget. */
const minAttemptMs = 100;

export type ManagementMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
type Method = ManagementMethod;

interface Call {
  method: Method;
  /** Path with its segments already encoded, e.g. `/api/users/abc/roles`. */
  path: string;
  /** Encoded query string, without `?`. */
  query?: string;
  body?: unknown;
  /**
   * May be sent again after an attempt whose outcome is unknown (a timeout or reset after sending, a 5xx
   * other than 503). True for reads and for writes that Logto makes idempotent; each POST says why.
   */
  replaySafe: boolean;
}

interface Reply {
  status: number;
  body: unknown;
  /** An earlier attempt of this call may have taken effect at Logto. */
  afterUnknownOutcome: boolean;
}

type Attempt =
  | { kind: 'response'; status: number; headers: Headers; text: string }
  | { kind: 'failure'; mayHaveBeenSent: boolean; reason: string };

export class LogtoManagementClient implements IdentityProvider {
  readonly #endpoint: string;
  readonly #apiIndicator: string;
  readonly #credentials: () => Promise<M2mCredentials>;
  readonly #fetch: typeof fetch;
  readonly #sleep: (ms: number) => Promise<void>;
  readonly #now: () => number;
  readonly #timeoutMs: number;
  readonly #attempts: number;
  readonly #baseDelayMs: number;
  readonly #maxDelayMs: number;
  readonly #budgetMs: number;
  #token: { value: string; refreshAt: number } | undefined;
  #tokenInFlight: Promise<string> | undefined;

  constructor(options: LogtoManagementClientOptions) {
    this.#endpoint = options.endpoint.replace(/\/+$/, '');
    this.#apiIndicator = options.apiIndicator;
    this.#credentials = options.credentials;
    this.#fetch = options.fetch ?? globalThis.fetch;
    this.#sleep = options.sleep ?? ((ms) => sleepFor(ms));
    this.#now = options.now ?? Date.now;
    this.#timeoutMs = options.timeoutMs ?? 5000;
    this.#attempts = Math.max(1, options.retry?.attempts ?? 4);
    this.#baseDelayMs = options.retry?.baseDelayMs ?? 200;
    this.#maxDelayMs = options.retry?.maxDelayMs ?? 2000;
    this.#budgetMs = options.retry?.budgetMs ?? 10_000;
  }

  async createOneTimeToken(input: {
    email: string;
    expiresIn: number;
    jitOrganizationIds: string[];
  }): Promise<OneTimeToken> {
    const reply = await this.#execute({
      method: 'POST',
      path: '/api/one-time-tokens',
      // No `interactionEvent`: the hosted sign-in verifies the token during SignIn, and a `Register`
      // event would make that verification fail.
      body: { email: input.email, expiresIn: input.expiresIn, context: { jitOrganizationIds: input.jitOrganizationIds } },
      // A replay after an unknown outcome may leave a second active token for the email. Its secret was
      // never seen by anyone (it only existed in the lost response), and Logto refuses every token but the
      // exact one presented: a retry beats failing the send, and the token says it may have a twin.
      replaySafe: true,
    });
    const token = toOneTimeToken(parse(oneTimeTokenGuard, this.#expectOk(reply, 'POST /api/one-time-tokens')));
    return reply.afterUnknownOutcome ? { ...token, mayHaveTwin: true } : token;
  }

  async getOneTimeToken(id: string): Promise<OneTimeToken | undefined> {
    const path = `/api/one-time-tokens/${segment(id)}`;
    const reply = await this.#execute({ method: 'GET', path, replaySafe: true });
    if (isNotFound(reply)) {
      return undefined;
    }
    return toOneTimeToken(parse(oneTimeTokenGuard, this.#expectOk(reply, 'GET /api/one-time-tokens/{id}')));
  }

  /** Pages through `GET /api/one-time-tokens?email=&status=active` (its `Total-Number` ignores the filters). */
  async listActiveOneTimeTokens(email: string): Promise<OneTimeToken[]> {
    const pageSize = 100;
    const found: OneTimeToken[] = [];
    for (let page = 1; ; page += 1) {
      const query = new URLSearchParams({ email, status: 'active', page: String(page), page_size: String(pageSize) });
      const reply = await this.#execute({ method: 'GET', path: '/api/one-time-tokens', query: query.toString(), replaySafe: true });
      const tokens = parse(z.array(oneTimeTokenGuard), this.#expectOk(reply, 'GET /api/one-time-tokens')).map(toOneTimeToken);
      found.push(...tokens);
      if (tokens.length < pageSize) return found;
    }
  }

  /**
   * Revokes the token if it is still active, and returns the status it had. Logto's `PUT .../status`
   * refuses only `active`: it overwrites any other status, so revoking a consumed token would erase the
   * evidence that the invitee registered. Hence the read first, and a PUT only for an active token (a
   * consumption between the two calls is still overwritten: callers that revoked an active token look for
   * a user registered meanwhile).
   */
  async revokeOneTimeToken(id: string): Promise<OneTimeToken['status'] | undefined> {
    const current = await this.getOneTimeToken(id);
    if (current?.status !== 'active') {
      return current?.status;
    }
    const reply = await this.#execute({
      method: 'PUT',
      path: `/api/one-time-tokens/${segment(id)}/status`,
      body: { status: 'revoked' },
      replaySafe: true,
    });
    if (isNotFound(reply)) {
      return undefined;
    }
    this.#expectOk(reply, 'PUT /api/one-time-tokens/{id}/status');
    return 'active';
  }

  /** Case-insensitive exact match on `primaryEmail` (Logto lower-cases both sides). */
  async findUserByEmail(email: string): Promise<IdentityUser | undefined> {
    // Logto parses the query with URLSearchParams: a raw `+` would arrive as a space, so encode it all.
    const query = new URLSearchParams({ 'search.primaryEmail': email, 'mode.primaryEmail': 'exact' });
    const reply = await this.#execute({ method: 'GET', path: '/api/users', query: query.toString(), replaySafe: true });
    const users = parse(z.array(userGuard), this.#expectOk(reply, 'GET /api/users'));
    return users[0] && toIdentityUser(users[0]);
  }

  /**
   * Creates the user. When an earlier attempt timed out or failed after sending, the retry may meet
   * `user.email_already_in_use`: the user is then looked up by email and returned, since it is most
   * likely the one the lost attempt created (callers check for an existing user before creating one).
   */
  async createUser(input: {
    primaryEmail: string;
    name?: string;
    customData?: Record<string, unknown>;
  }): Promise<IdentityUser> {
    const reply = await this.#execute({
      method: 'POST',
      path: '/api/users',
      body: { primaryEmail: input.primaryEmail, name: input.name, customData: input.customData },
      // Logto refuses a second user with the same email, so a replay cannot create a duplicate.
      replaySafe: true,
    });
    if (reply.afterUnknownOutcome && replyCode(reply) === 'user.email_already_in_use') {
      const existing = await this.findUserByEmail(input.primaryEmail);
      if (existing) {
        return existing;
      }
    }
    return toIdentityUser(parse(userGuard, this.#expectOk(reply, 'POST /api/users')));
  }

  async assignRoles(userId: string, roleIds: string[]): Promise<void> {
    if (roleIds.length === 0) {
      return;
    }
    const reply = await this.#execute({
      method: 'POST',
      path: `/api/users/${segment(userId)}/roles`,
      body: { roleIds },
      // Logto skips roles the user already holds.
      replaySafe: true,
    });
    this.#expectOk(reply, 'POST /api/users/{id}/roles');
  }

  async addOrganizationMember(organizationId: string, userId: string): Promise<void> {
    const reply = await this.#execute({
      method: 'POST',
      path: `/api/organizations/${segment(organizationId)}/users`,
      body: { userIds: [userId] },
      // Logto inserts memberships with ON CONFLICT DO NOTHING.
      replaySafe: true,
    });
    this.#expectOk(reply, 'POST /api/organizations/{id}/users');
  }

  /** The user must be a member first (Logto: 422 `organization.require_membership`). */
  async assignOrganizationRoles(organizationId: string, userId: string, organizationRoleIds: string[]): Promise<void> {
    if (organizationRoleIds.length === 0) {
      return;
    }
    const reply = await this.#execute({
      method: 'POST',
      path: `/api/organizations/${segment(organizationId)}/users/${segment(userId)}/roles`,
      body: { organizationRoleIds },
      // Logto inserts role relations with ON CONFLICT DO NOTHING.
      replaySafe: true,
    });
    this.#expectOk(reply, 'POST /api/organizations/{id}/users/{userId}/roles');
  }

  /**
   * Shallow merge: Logto applies `customData = customData || patch` (jsonb), so each top-level key given
   * replaces the stored one (a nested object is replaced, not merged) and other keys stay.
   */
  async mergeCustomData(userId: string, customData: Record<string, unknown>): Promise<void> {
    if (Object.keys(customData).length === 0) {
      return;
    }
    const reply = await this.#execute({
      method: 'PATCH',
      path: `/api/users/${segment(userId)}/custom-data`,
      body: { customData },
      replaySafe: true,
    });
    this.#expectOk(reply, 'PATCH /api/users/{id}/custom-data');
  }

  /** `PATCH /api/users/{id}/is-suspended`: Logto also signs the user out. Setting it twice is harmless. */
  async suspendUser(userId: string): Promise<void> {
    const reply = await this.#execute({
      method: 'PATCH',
      path: `/api/users/${segment(userId)}/is-suspended`,
      body: { isSuspended: true },
      replaySafe: true,
    });
    this.#expectOk(reply, 'PATCH /api/users/{id}/is-suspended');
  }

  /**
   * A Management API call outside the port (deploy-time wiring: hooks, sign-in experience), with the same
   * token, retries and errors. `path` starts with `/api/` and may carry an encoded query. A POST is not
   * sent again after an attempt with an unknown outcome (it fails with an `ambiguous` UpstreamError, so a
   * caller can look for what it created); other methods are. Returns the parsed body of a 2xx, unchecked.
   */
  async request(method: ManagementMethod, path: string, body?: unknown): Promise<unknown> {
    const queryAt = path.indexOf('?');
    const pathname = queryAt === -1 ? path : path.slice(0, queryAt);
    const query = queryAt === -1 ? undefined : path.slice(queryAt + 1);
    if (!pathname.startsWith('/api/')) {
      throw new AppError('logto.invalid_path', 500, 'Management API paths start with /api/.');
    }
    const reply = await this.#execute({ method, path: pathname, query, body, replaySafe: method !== 'POST' });
    return this.#expectOk(reply, `${method} ${pathname}`);
  }

  /** One Management API call: token, attempts, backoff, and one token refresh on 401. */
  async #execute(call: Call): Promise<Reply> {
    const deadline = this.#now() + this.#budgetMs;
    const url = `${this.#endpoint}${call.path}${call.query ? `?${call.query}` : ''}`;
    const body = call.body === undefined ? undefined : JSON.stringify(call.body);
    let refreshed = false;
    let afterUnknownOutcome = false;
    for (;;) {
      const token = await this.#accessToken(deadline);
      const reply = await this.#withRetries(call.method, call.path, call.replaySafe, deadline, (signal) =>
        this.#fetch(url, {
          method: call.method,
          headers: {
            authorization: `Bearer ${token}`,
            accept: 'application/json',
            ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          },
          body,
          signal,
        }),
      );
      afterUnknownOutcome ||= reply.afterUnknownOutcome;
      if (reply.status === 401 && !refreshed) {
        // The token was revoked or the signing keys rotated: fetch a new one, once.
        refreshed = true;
        this.#forgetToken(token);
        continue;
      }
      return { ...reply, afterUnknownOutcome };
    }
  }

  async #accessToken(deadline: number): Promise<string> {
    if (this.#token && this.#now() < this.#token.refreshAt) {
      return this.#token.value;
    }
    // Concurrent callers share one token request.
    this.#tokenInFlight ??= this.#requestToken(deadline).finally(() => {
      this.#tokenInFlight = undefined;
    });
    return this.#tokenInFlight;
  }

  #forgetToken(value: string): void {
    if (this.#token?.value === value) {
      this.#token = undefined;
    }
  }

  async #requestToken(deadline: number): Promise<string> {
    const { appId, appSecret } = await this.#credentials();
    // RFC 6749 2.3.1: id and secret are form-encoded before the Basic encoding.
    const basic = Buffer.from(`${encodeURIComponent(appId)}:${encodeURIComponent(appSecret)}`).toString('base64');
    const form = new URLSearchParams({
      grant_type: 'client_credentials',
      resource: this.#apiIndicator,
      scope: 'all',
    }).toString();
    const startedAt = this.#now();
    // Issuing a token has no lasting effect: always safe to ask again.
    const reply = await this.#withRetries('POST', '/oidc/token', true, deadline, (signal) =>
      this.#fetch(`${this.#endpoint}/oidc/token`, {
        method: 'POST',
        headers: {
          authorization: `Basic ${basic}`,
          'content-type': 'application/x-www-form-urlencoded',
          accept: 'application/json',
        },
        body: form,
        signal,
      }),
    );
    if (reply.status !== 200) {
      const oauth = oauthErrorGuard.safeParse(reply.body);
      const reason = oauth.success ? oauth.data.error : `http_${reply.status}`;
      const description = oauth.success && oauth.data.error_description ? `: ${oauth.data.error_description}` : '';
      throw new LogtoApiError(
        `oidc.${reason}`,
        reply.status,
        `Logto refused the Management API token request (${reply.status} ${reason}${description}).`,
        undefined,
        502,
      );
    }
    const { access_token: value, expires_in: expiresIn } = parse(tokenResponseGuard, reply.body);
    const lifetimeMs = expiresIn * 1000;
    this.#token = { value, refreshAt: startedAt + lifetimeMs - Math.min(60_000, lifetimeMs / 2) };
    return value;
  }

  /**
   * Sends until Logto answers something other than 429/5xx, attempts or budget run out, or an unknown
   * outcome makes a further attempt unsafe. The body is read within the attempt's time limit.
   */
  async #withRetries(
    method: Method,
    path: string,
    replaySafe: boolean,
    deadline: number,
    send: (signal: AbortSignal) => Promise<Response>,
  ): Promise<Reply> {
    let afterUnknownOutcome = false;
    let lastProblem = '';
    let throttled = false;
    for (let attempt = 1; ; attempt += 1) {
      const result = await this.#attempt(send, deadline);
      let retryAfterMs: number | undefined;
      let outcomeUnknown: boolean;
      if (result.kind === 'response') {
        if (result.status !== 429 && result.status < 500) {
          return { status: result.status, body: parseBody(result.text), afterUnknownOutcome };
        }
        throttled = result.status === 429;
        // 429 and 503 mean Logto (or its gateway) turned the request away before handling it.
        outcomeUnknown = result.status !== 429 && result.status !== 503;
        retryAfterMs = parseRetryAfter(result.headers.get('retry-after'), this.#now());
        lastProblem = `HTTP ${result.status}`;
      } else {
        throttled = false;
        outcomeUnknown = result.mayHaveBeenSent;
        lastProblem = result.reason;
      }
      afterUnknownOutcome ||= outcomeUnknown && method !== 'GET';
      const fail = (why: string) =>
        new UpstreamError(
          throttled ? 'logto.throttled' : 'logto.unavailable',
          `Logto ${method} ${path} failed after ${attempt} attempt(s) (${lastProblem}); ${why}.`,
          afterUnknownOutcome,
        );
      if (outcomeUnknown && !replaySafe) {
        throw fail('its outcome is unknown and it is not safe to send again');
      }
      if (attempt >= this.#attempts) {
        throw fail('no attempts left');
      }
      const backoffCap = Math.min(this.#maxDelayMs, this.#baseDelayMs * 2 ** (attempt - 1));
      const waitMs = Math.max(Math.random() * backoffCap, retryAfterMs ?? 0);
      if (this.#now() + waitMs + minAttemptMs > deadline) {
        throw fail(
          retryAfterMs !== undefined && retryAfterMs >= waitMs
            ? `Retry-After (${Math.ceil(retryAfterMs / 1000)} s) exceeds the time budget`
            : 'the time budget is spent',
        );
      }
      await this.#sleep(Math.round(waitMs));
    }
  }

  async #attempt(send: (signal: AbortSignal) => Promise<Response>, deadline: number): Promise<Attempt> {
    const timeoutMs = Math.min(this.#timeoutMs, deadline - this.#now());
    if (timeoutMs < minAttemptMs) {
      return { kind: 'failure', mayHaveBeenSent: false, reason: 'no time left for an attempt' };
    }
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), timeoutMs);
    try {
      const response = await send(controller.signal);
      const text = await response.text();
      return { kind: 'response', status: response.status, headers: response.headers, text };
    } catch (error) {
      if (controller.signal.aborted) {
        // The request may have been sent and processed, only the answer was too slow.
        return { kind: 'failure', mayHaveBeenSent: true, reason: `timed out after ${timeoutMs} ms` };
      }
      const code = networkErrorCode(error);
      return {
        kind: 'failure',
        mayHaveBeenSent: code === undefined || !notSentCodes.has(code),
        reason: `network error ${code ?? 'unknown'}`,
      };
    } finally {
      clearTimeout(timer);
    }
  }

  #expectOk(reply: Reply, route: string): unknown {
    if (reply.status >= 200 && reply.status < 300) {
      return reply.body;
    }
    const parsed = logtoErrorGuard.safeParse(reply.body);
    if (parsed.success) {
      const { code, message, data } = parsed.data;
      throw new LogtoApiError(code, reply.status, `Logto refused ${route} (${reply.status} ${code}): ${message ?? ''}`.trim(), data);
    }
    throw new LogtoApiError('unrecognized_error', reply.status, `Logto refused ${route} with ${reply.status} and no Logto error body.`);
  }
}

const segment = (value: string): string => {
  if (value.length === 0) {
    throw new AppError('logto.invalid_id', 500, 'An empty id was passed to the Logto client.');
  }
  return encodeURIComponent(value);
};

const parseBody = (text: string): unknown => {
  if (text.length === 0) {
    return undefined;
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
};

const replyCode = (reply: Reply): string | undefined => {
  const parsed = logtoErrorGuard.safeParse(reply.body);
  return parsed.success ? parsed.data.code : undefined;
};

const isNotFound = (reply: Reply): boolean => reply.status === 404 && replyCode(reply) === 'entity.not_exists_with_id';

const parse = <T>(guard: z.ZodType<T>, body: unknown): T => {
  const result = guard.safeParse(body);
  if (!result.success) {
    const fields = [...new Set(result.error.issues.map((issue) => issue.path.join('.') || '(root)'))].join(', ');
    throw new AppError('logto.unexpected_response', 502, `Logto answered with an unexpected shape (${fields}).`);
  }
  return result.data;
};

const toOneTimeToken = (token: z.infer<typeof oneTimeTokenGuard>): OneTimeToken => ({
  id: token.id,
  email: token.email,
  token: token.token,
  status: token.status,
  expiresAt: token.expiresAt,
});

/** `Retry-After` as seconds or an HTTP date, in milliseconds from now. */
const parseRetryAfter = (value: string | null, now: number): number | undefined => {
  if (value === null || value.trim() === '') {
    return undefined;
  }
  if (/^\d+$/.test(value.trim())) {
    return Number(value.trim()) * 1000;
  }
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
};

const networkErrorCode = (error: unknown): string | undefined => {
  for (let current: unknown = error, depth = 0; current && depth < 4; depth += 1) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') {
      return code;
    }
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
};
