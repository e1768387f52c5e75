/**
 * Logto Management API adapter: the {@link IdentityProvider} port on Logto's typed client, `createApiClient`
 * from `@logto/api/management` (openapi-fetch over Logto's OpenAPI document).
 *
 * Typed: each call's path, path parameters, query and body are checked by `tsc` against Logto's OpenAPI
 * types. openapi-fetch infers a call's options from the literal it is given and so lets an unknown field
 * through: bodies and queries also go through `satisfies` ({@link JsonBody}, {@link JsonQuery}), and the
 * zod guards of responses are built with {@link logtoObject}. So a field that Logto renames, drops or
 * retypes fails `tsc`; the guards still check every response at run time.
 *
 * Ours, around it: openapi-fetch builds the request and reads the answer, and each call hands it our
 * transport as its per-request `fetch` and our token cache as `getToken`. So the token is requested once for
 * concurrent calls, and dropped and fetched again once when Logto answers 401; 429, 5xx, network errors and
 * timeouts are retried with exponential backoff and full jitter, `Retry-After` honoured, within a total time
 * budget (default 10 s, the token request included) so a Lambda never hangs on Logto; and a request whose
 * earlier attempt may have taken effect is only sent again when doing so is harmless (`replaySafe`). A typed
 * client is made per call (a few closures) so that its `getToken` spends that call's budget.
 *
 * Queries are written by {@link logtoQuery}: Logto reads flat keys with URLSearchParams, and its
 * `search_params` is an exploded form object whose keys (`search.primaryEmail`) are query keys, which
 * openapi-fetch would send as a deep object (`search_params[search.primaryEmail]=`).
 *
 * Hand-written: the token request (`/oidc/token` is OAuth, outside the Management API document, and
 * @logto/api's `ClientCredentials` uses the global `fetch`, without single-flight or a way to drop a refused
 * token), and {@link LogtoManagementClient.request}, the untyped door for deploy-time wiring.
 */
import { setTimeout as sleepFor } from 'node:timers/promises';

import { createApiClient } from '@logto/api/management';
// Types only (no code in the bundle): openapi-fetch's `Client` is how Logto's path types are reached.
import type { Client } from 'openapi-fetch';
import * as z from 'zod';

import { AppError, UpstreamError } from '../domain/errors.ts';
import type { DirectoryEntry, DirectoryPage, DirectoryQuery, IdentityProvider, IdentityUser, OneTimeToken, UserGrants } from '../domain/ports.ts';

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

type ManagementApi = ReturnType<typeof createApiClient>;
/** Logto's OpenAPI paths (@logto/api does not export them by name). */
type LogtoPaths = ManagementApi extends Client<infer Paths> ? Paths : never;
type OperationMethod = 'get' | 'post' | 'put' | 'patch' | 'delete';
type Operation<P extends keyof LogtoPaths, M extends OperationMethod> = LogtoPaths[P][M];
/** The JSON body Logto declares for an operation. */
type JsonBody<P extends keyof LogtoPaths, M extends OperationMethod> =
  Operation<P, M> extends { requestBody?: { content: { 'application/json': infer Body } } } ? Body : never;
/** The query parameters Logto declares for an operation. */
type JsonQuery<P extends keyof LogtoPaths, M extends OperationMethod> =
  Operation<P, M> extends { parameters: { query?: infer Query } } ? NonNullable<Query> : never;
/** The JSON body of Logto's answer with `Status` to an operation. */
type JsonAnswer<P extends keyof LogtoPaths, M extends OperationMethod, Status extends number> =
  Operation<P, M> extends { responses: Record<Status, { content: { 'application/json': infer Body } }> } ? Body : never;

type LogtoUser = JsonAnswer<'/api/users/{userId}', 'get', 200>;
type LogtoOneTimeToken = JsonAnswer<'/api/one-time-tokens/{id}', 'get', 200>;
type LogtoSignInExperience = JsonAnswer<'/api/sign-in-exp', 'get', 200>;
type LogtoUserRole = JsonAnswer<'/api/users/{userId}/roles', 'get', 200>[number];
type LogtoUserOrganization = JsonAnswer<'/api/users/{userId}/organizations', 'get', 200>[number];
type LogtoRole = JsonAnswer<'/api/roles', 'get', 200>[number];
type LogtoOrganization = JsonAnswer<'/api/organizations', 'get', 200>[number];
type LogtoOrganizationRole = JsonAnswer<'/api/organization-roles', 'get', 200>[number];

/**
 * `z.object(shape)` reading fields of `Logto`, a type of Logto's OpenAPI document: `tsc` fails when a field
 * is not declared there, or Logto declares values for it that its schema would refuse.
 */
const logtoObject =
  <Logto>() =>
  <Shape extends z.ZodRawShape>(
    shape: Shape & { [K in keyof Shape]: K extends keyof Logto ? (Logto[K] extends z.input<Shape[K]> ? unknown : never) : never },
  ) =>
    z.object(shape);

const tokenResponseGuard = z.object({
  access_token: z.string().min(1),
  expires_in: z.number().positive(),
});

const oneTimeTokenGuard = logtoObject<LogtoOneTimeToken>()({
  id: z.string(),
  email: z.string(),
  token: z.string(),
  status: z.enum(['active', 'consumed', 'revoked', 'expired']),
  expiresAt: z.number(),
});

const userGuard = logtoObject<LogtoUser>()({
  id: z.string(),
  primaryEmail: z.string().nullable(),
  name: z.string().nullable().optional(),
  createdAt: z.number().optional(),
  lastSignInAt: z.number().nullable().optional(),
  isSuspended: z.boolean().optional(),
});

const userRolesGuard = z.array(logtoObject<LogtoUserRole>()({ id: z.string() }));
const userOrganizationsGuard = z.array(
  logtoObject<LogtoUserOrganization>()({ id: z.string(), organizationRoles: z.array(z.object({ id: z.string() })) }),
);

const rolesGuard = z.array(logtoObject<LogtoRole>()({ id: z.string(), name: z.string(), description: z.string() }));
const organizationsGuard = z.array(
  logtoObject<LogtoOrganization>()({ id: z.string(), name: z.string(), description: z.string().nullable() }),
);
const organizationRolesGuard = z.array(
  logtoObject<LogtoOrganizationRole>()({
    id: z.string(),
    name: z.string(),
    description: z.string().nullable(),
    type: z.enum(['User', 'MachineToMachine']),
  }),
);

const toIdentityUser = (user: z.infer<typeof userGuard>): IdentityUser => ({
  id: user.id,
  primaryEmail: user.primaryEmail,
  ...(user.name !== undefined && { name: user.name }),
  ...(user.createdAt !== undefined && { createdAt: user.createdAt }),
  ...(user.lastSignInAt !== undefined && { lastSignInAt: user.lastSignInAt }),
  ...(user.isSuspended !== undefined && { isSuspended: user.isSuspended }),
});

/** The sign-in experience's `passwordPolicy` as stored: Logto fills in what is missing when it checks (so does the checker). */
const signInExperienceGuard = logtoObject<LogtoSignInExperience>()({
  passwordPolicy: z.record(z.string(), z.unknown()).optional(),
});

const logtoErrorGuard = z.object({ code: z.string().min(1), message: z.string().optional(), data: z.unknown().optional() });
const oauthErrorGuard = z.object({ error: z.string().min(1), error_description: z.string().optional() });

/** Logto's codes for a user that does not exist (`pool.one`'s not-found, and `buildFindEntityById`'s). */
const userMissingCodes = ['entity.not_found', 'entity.not_exists_with_id'];

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

/** One call of the client, however many requests and attempts it takes. */
interface Call {
  /** Epoch milliseconds by which the call, token request included, must be over. */
  readonly deadline: number;
  /**
   * May be sent again after an attempt whose outcome is unknown (a timeout or reset after sending, a 5xx
   * other than 503). True for reads and for writes that Logto makes idempotent; each POST says why.
   */
  readonly replaySafe: boolean;
  /** An earlier attempt of this call may have taken effect at Logto. */
  afterUnknownOutcome: boolean;
  /** The token the latest request carried. */
  token?: string;
}

interface Reply {
  status: number;
  body: unknown;
  headers: Headers;
  /** An earlier attempt of this call may have taken effect at Logto. */
  afterUnknownOutcome: boolean;
}

/** Logto's answer, its body read within the attempt's time limit. */
interface Answer {
  status: number;
  headers: Headers;
  text: string;
}

type Attempt = ({ kind: 'response' } & Answer) | { kind: 'failure'; mayHaveBeenSent: boolean; reason: string };

/** What a call of the typed client resolves to, as far as this adapter reads it. */
interface TypedResult {
  data?: unknown;
  error?: unknown;
  response: Response;
}

type Transport = (request: Request) => Promise<Response>;

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
    const reply = await this.#typed(
      // A replay after an unknown outcome may leave a second active token for the email. Its secret was
      // never seen by anyone (it only existed in the lost response), and Logto refuses every token but the
      // exact one presented: a retry beats failing the send, and the token says it may have a twin.
      { replaySafe: true },
      (api, fetch) =>
        api.POST('/api/one-time-tokens', {
          // No `interactionEvent`: the hosted sign-in verifies the token during SignIn, and a `Register`
          // event would make that verification fail.
          body: {
            email: input.email,
            expiresIn: input.expiresIn,
            context: { jitOrganizationIds: input.jitOrganizationIds },
          } satisfies JsonBody<'/api/one-time-tokens', 'post'>,
          fetch,
        }),
    );
    const token = toOneTimeToken(parse(oneTimeTokenGuard, this.#expectOk(reply, 'POST /api/one-time-tokens')));
    return reply.afterUnknownOutcome ? { ...token, mayHaveTwin: true } : token;
  }

  async getOneTimeToken(id: string): Promise<OneTimeToken | undefined> {
    const reply = await this.#typed({ replaySafe: true }, (api, fetch) =>
      api.GET('/api/one-time-tokens/{id}', { params: { path: { id: requireId(id) } }, fetch }),
    );
    if (isNotFound(reply, ['entity.not_exists_with_id'])) {
      return undefined;
    }
    return toOneTimeToken(parse(oneTimeTokenGuard, this.#expectOk(reply, 'GET /api/one-time-tokens/{id}')));
  }

  /** Pages through `GET /api/one-time-tokens?email=&status=active` (its `Total-Number` ignores the filters). */
  async listActiveOneTimeTokens(email: string): Promise<OneTimeToken[]> {
    const pageSize = 100;
    const found: OneTimeToken[] = [];
    for (let page = 1; ; page += 1) {
      const reply = await this.#typed({ replaySafe: true }, (api, fetch) =>
        api.GET('/api/one-time-tokens', {
          params: {
            query: { email, status: 'active', page, page_size: pageSize } satisfies JsonQuery<'/api/one-time-tokens', 'get'>,
          },
          querySerializer: logtoQuery,
          fetch,
        }),
      );
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
    const reply = await this.#typed({ replaySafe: true }, (api, fetch) =>
      api.PUT('/api/one-time-tokens/{id}/status', {
        params: { path: { id: requireId(id) } },
        body: { status: 'revoked' } satisfies JsonBody<'/api/one-time-tokens/{id}/status', 'put'>,
        fetch,
      }),
    );
    if (isNotFound(reply, ['entity.not_exists_with_id'])) {
      return undefined;
    }
    this.#expectOk(reply, 'PUT /api/one-time-tokens/{id}/status');
    return 'active';
  }

  /** Deletes the token (one whose link went nowhere); one already gone is fine. */
  async deleteOneTimeToken(id: string): Promise<void> {
    const reply = await this.#typed({ replaySafe: true }, (api, fetch) =>
      api.DELETE('/api/one-time-tokens/{id}', { params: { path: { id: requireId(id) } }, fetch }),
    );
    if (isNotFound(reply, ['entity.not_exists_with_id', 'entity.not_found'])) return;
    this.#expectOk(reply, 'DELETE /api/one-time-tokens/{id}');
  }

  /** Case-insensitive exact match on `primaryEmail` (Logto lower-cases both sides). */
  async findUserByEmail(email: string): Promise<IdentityUser | undefined> {
    const reply = await this.#typed({ replaySafe: true }, (api, fetch) =>
      api.GET('/api/users', {
        params: {
          query: {
            search_params: { 'search.primaryEmail': email, 'mode.primaryEmail': 'exact' },
          } satisfies JsonQuery<'/api/users', 'get'>,
        },
        querySerializer: logtoQuery,
        fetch,
      }),
    );
    const users = parse(z.array(userGuard), this.#expectOk(reply, 'GET /api/users'));
    return users[0] && toIdentityUser(users[0]);
  }

  /**
   * Which of `emails` are a user's primary email (lower-cased): Logto's multi-value exact search, up to
   * 100 addresses per call (`search.primaryEmail` repeated; exact mode compares case-insensitively).
   */
  async findRegisteredEmails(emails: readonly string[]): Promise<Set<string>> {
    const registered = new Set<string>();
    const wanted = [...new Set(emails.map((email) => email.toLowerCase()))];
    for (let start = 0; start < wanted.length; start += emailsPerSearch) {
      const chunk = wanted.slice(start, start + emailsPerSearch);
      const reply = await this.#typed({ replaySafe: true }, (api, fetch) =>
        api.GET('/api/users', {
          params: {
            // Logto's document types a search value as one string; its search reads every repeated one.
            query: {
              search_params: { 'search.primaryEmail': chunk as unknown as string, 'mode.primaryEmail': 'exact' },
              page_size: emailsPerSearch,
            } satisfies JsonQuery<'/api/users', 'get'>,
          },
          querySerializer: logtoQuery,
          fetch,
        }),
      );
      for (const user of parse(z.array(userGuard), this.#expectOk(reply, 'GET /api/users'))) {
        if (user.primaryEmail) registered.add(user.primaryEmail.toLowerCase());
      }
    }
    return registered;
  }

  /**
   * Creates the user. When an earlier attempt timed out or failed after sending, the retry may meet
   * `user.email_already_in_use`: the user is then looked up by email and returned, since it is most
   * likely the one the lost attempt created (callers check for an existing user before creating one).
   * Logto does not hold the password to the sign-in experience's policy here: see {@link checkPassword}.
   */
  async createUser(input: {
    primaryEmail: string;
    name?: string;
    password?: string;
    customData?: Record<string, unknown>;
  }): Promise<IdentityUser> {
    const reply = await this.#typed(
      // Logto refuses a second user with the same email, so a replay cannot create a duplicate.
      { replaySafe: true },
      (api, fetch) =>
        api.POST('/api/users', {
          body: {
            primaryEmail: input.primaryEmail,
            name: input.name,
            password: input.password,
            customData: input.customData,
          } satisfies JsonBody<'/api/users', 'post'>,
          fetch,
        }),
    );
    if (reply.afterUnknownOutcome && replyCode(reply) === 'user.email_already_in_use') {
      const existing = await this.findUserByEmail(input.primaryEmail);
      if (existing) {
        return existing;
      }
    }
    return toIdentityUser(parse(userGuard, this.#expectOk(reply, 'POST /api/users', input.password)));
  }

  async getUser(id: string): Promise<IdentityUser | undefined> {
    const reply = await this.#typed({ replaySafe: true }, (api, fetch) =>
      api.GET('/api/users/{userId}', { params: { path: { userId: requireId(id) } }, fetch }),
    );
    if (isNotFound(reply, userMissingCodes)) {
      return undefined;
    }
    return toIdentityUser(parse(userGuard, this.#expectOk(reply, 'GET /api/users/{userId}')));
  }

  /**
   * The user's global roles and organizations with the roles held in each: unpaged, as Logto answers both
   * routes without page parameters. The two reads are independent, so they go at once.
   */
  async getUserGrants(userId: string): Promise<UserGrants> {
    const path = { userId: requireId(userId) };
    const [roles, organizations] = await Promise.all([
      this.#typed({ replaySafe: true }, (api, fetch) => api.GET('/api/users/{userId}/roles', { params: { path }, fetch })),
      this.#typed({ replaySafe: true }, (api, fetch) => api.GET('/api/users/{userId}/organizations', { params: { path }, fetch })),
    ]);
    return {
      roleIds: parse(userRolesGuard, this.#expectOk(roles, 'GET /api/users/{userId}/roles')).map((role) => role.id),
      organizations: parse(userOrganizationsGuard, this.#expectOk(organizations, 'GET /api/users/{userId}/organizations')).map((org) => ({
        id: org.id,
        roleIds: org.organizationRoles.map((role) => role.id),
      })),
    };
  }

  /** Logto also signs the user out. A user already gone (a replay after an unknown outcome, too) is done. */
  async deleteUser(id: string): Promise<void> {
    const reply = await this.#typed({ replaySafe: true }, (api, fetch) =>
      api.DELETE('/api/users/{userId}', { params: { path: { userId: requireId(id) } }, fetch }),
    );
    if (isNotFound(reply, userMissingCodes)) {
      return;
    }
    this.#expectOk(reply, 'DELETE /api/users/{userId}');
  }

  /** The sign-in experience's `passwordPolicy`, as Logto stores it (`{}` on a fresh tenant: every rule at its default). */
  async getPasswordPolicy(): Promise<Record<string, unknown>> {
    const reply = await this.#typed({ replaySafe: true }, (api, fetch) => api.GET('/api/sign-in-exp', { fetch }));
    return parse(signInExperienceGuard, this.#expectOk(reply, 'GET /api/sign-in-exp')).passwordPolicy ?? {};
  }

  async assignRoles(userId: string, roleIds: string[]): Promise<void> {
    if (roleIds.length === 0) {
      return;
    }
    const reply = await this.#typed(
      // Logto skips roles the user already holds.
      { replaySafe: true },
      (api, fetch) =>
        api.POST('/api/users/{userId}/roles', {
          params: { path: { userId: requireId(userId) } },
          body: { roleIds } satisfies JsonBody<'/api/users/{userId}/roles', 'post'>,
          fetch,
        }),
    );
    this.#expectOk(reply, 'POST /api/users/{userId}/roles');
  }

  async addOrganizationMember(organizationId: string, userId: string): Promise<void> {
    const reply = await this.#typed(
      // Logto inserts memberships with ON CONFLICT DO NOTHING.
      { replaySafe: true },
      (api, fetch) =>
        api.POST('/api/organizations/{id}/users', {
          params: { path: { id: requireId(organizationId) } },
          body: { userIds: [userId] } satisfies JsonBody<'/api/organizations/{id}/users', 'post'>,
          fetch,
        }),
    );
    this.#expectOk(reply, 'POST /api/organizations/{id}/users');
  }

  /** The user must be a member first (Logto: 422 `organization.require_membership`). */
  async assignOrganizationRoles(organizationId: string, userId: string, organizationRoleIds: string[]): Promise<void> {
    if (organizationRoleIds.length === 0) {
      return;
    }
    const reply = await this.#typed(
      // Logto inserts role relations with ON CONFLICT DO NOTHING.
      { replaySafe: true },
      (api, fetch) =>
        api.POST('/api/organizations/{id}/users/{userId}/roles', {
          params: { path: { id: requireId(organizationId), userId: requireId(userId) } },
          body: { organizationRoleIds } satisfies JsonBody<'/api/organizations/{id}/users/{userId}/roles', 'post'>,
          fetch,
        }),
    );
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
    const reply = await this.#typed({ replaySafe: true }, (api, fetch) =>
      api.PATCH('/api/users/{userId}/custom-data', {
        params: { path: { userId: requireId(userId) } },
        body: { customData } satisfies JsonBody<'/api/users/{userId}/custom-data', 'patch'>,
        fetch,
      }),
    );
    this.#expectOk(reply, 'PATCH /api/users/{userId}/custom-data');
  }

  /** `PATCH /api/users/{userId}/is-suspended`: Logto also signs the user out. Setting it twice is harmless. */
  async suspendUser(userId: string): Promise<void> {
    const reply = await this.#typed({ replaySafe: true }, (api, fetch) =>
      api.PATCH('/api/users/{userId}/is-suspended', {
        params: { path: { userId: requireId(userId) } },
        body: { isSuspended: true } satisfies JsonBody<'/api/users/{userId}/is-suspended', 'patch'>,
        fetch,
      }),
    );
    this.#expectOk(reply, 'PATCH /api/users/{userId}/is-suspended');
  }

  /** `GET /api/roles?type=User`, searched with Logto's `search=%…%` (over id, name and description). */
  async listUserRoles(query: DirectoryQuery): Promise<DirectoryPage> {
    return this.#directory(query, 'GET /api/roles', rolesGuard, (page, api, fetch) =>
      api.GET('/api/roles', {
        params: {
          query: {
            type: 'User',
            page,
            page_size: logtoMaxPageSize,
            ...(query.search && { search_params: { search: `%${likeLiteral(query.search)}%` } }),
          } satisfies JsonQuery<'/api/roles', 'get'>,
        },
        querySerializer: logtoQuery,
        fetch,
      }),
    );
  }

  /** `GET /api/organizations`, searched with Logto's `q` (`ilike '%q%'` over id and name). */
  async listOrganizations(query: DirectoryQuery): Promise<DirectoryPage> {
    return this.#directory(query, 'GET /api/organizations', organizationsGuard, (page, api, fetch) =>
      api.GET('/api/organizations', {
        params: { query: keywordPage(page, query) satisfies JsonQuery<'/api/organizations', 'get'> },
        querySerializer: logtoQuery,
        fetch,
      }),
    );
  }

  /**
   * `GET /api/organization-roles`, searched with Logto's `q` (over id, name and description). Logto cannot
   * filter them by type: the machine-to-machine ones are left out here, after paging.
   */
  async listOrganizationRoles(query: DirectoryQuery): Promise<DirectoryPage> {
    return this.#directory(
      query,
      'GET /api/organization-roles',
      organizationRolesGuard,
      (page, api, fetch) =>
        api.GET('/api/organization-roles', {
          params: { query: keywordPage(page, query) satisfies JsonQuery<'/api/organization-roles', 'get'> },
          querySerializer: logtoQuery,
          fetch,
        }),
      (role) => role.type === 'User',
    );
  }

  /**
   * Pages through a Logto list, a hundred at a time, until `query.limit` entries are read or Logto has no
   * more. The first page's `Total-Number` tells how many pages to read (then at once) and whether the bound
   * cut the list; without it, pages are read one after another until one comes back short. An entry met
   * twice (the list shifted between pages) is kept once.
   */
  async #directory<Item extends DirectoryEntry>(
    query: DirectoryQuery,
    route: string,
    guard: z.ZodType<Item[]>,
    page: (page: number, api: ManagementApi, fetch: Transport) => Promise<TypedResult>,
    keep: (item: Item) => boolean = () => true,
  ): Promise<DirectoryPage> {
    const readPage = async (number: number) => {
      const reply = await this.#typed({ replaySafe: true }, (api, fetch) => page(number, api, fetch));
      return { items: parse(guard, this.#expectOk(reply, route)), total: totalNumber(reply.headers) };
    };
    const pagesAllowed = Math.max(1, Math.ceil(query.limit / logtoMaxPageSize));
    const first = await readPage(1);
    const pages = [first.items];
    let more: boolean;
    if (first.total !== undefined) {
      const pagesThere = Math.ceil(first.total / logtoMaxPageSize);
      const rest = Array.from({ length: Math.min(pagesThere, pagesAllowed) - 1 }, (_, i) => i + 2);
      pages.push(...(await Promise.all(rest.map(async (number) => (await readPage(number)).items))));
      more = first.total > pagesAllowed * logtoMaxPageSize;
    } else {
      let last = first.items;
      while (last.length === logtoMaxPageSize && pages.length < pagesAllowed) {
        last = (await readPage(pages.length + 1)).items;
        pages.push(last);
      }
      more = last.length === logtoMaxPageSize;
    }
    const seen = new Set<string>();
    const read = pages.flat().filter((item) => !seen.has(item.id) && seen.add(item.id));
    const entries = read
      .slice(0, query.limit)
      .filter(keep)
      .map(({ id, name, description }) => ({ id, name, description }));
    return { entries, truncated: more || read.length > query.limit };
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
    if (!pathname.startsWith('/api/')) {
      throw new AppError('logto.invalid_path', 500, 'Management API paths start with /api/.');
    }
    const call = this.#startCall(method !== 'POST');
    const json = body === undefined ? undefined : JSON.stringify(body);
    const answer = await this.#withTokenRefresh(
      call,
      async () => {
        call.token = await this.#accessToken(call.deadline);
        const headers = new Headers({ authorization: `Bearer ${call.token}` });
        if (json !== undefined) headers.set('content-type', 'application/json');
        return this.#send(call, method, `${this.#endpoint}${path}`, headers, json);
      },
      (sent) => sent.status,
    );
    const reply = { status: answer.status, body: parseBody(answer.text), headers: answer.headers, afterUnknownOutcome: call.afterUnknownOutcome };
    return this.#expectOk(reply, `${method} ${pathname}`);
  }

  #startCall(replaySafe: boolean): Call {
    return { deadline: this.#now() + this.#budgetMs, replaySafe, afterUnknownOutcome: false };
  }

  /**
   * One call on Logto's typed client: `invoke` makes it on a client whose `getToken` is our cache within
   * this call's budget, passing `fetch` (our transport) as the per-request fetch.
   */
  async #typed(options: { replaySafe: boolean }, invoke: (api: ManagementApi, fetch: Transport) => Promise<TypedResult>): Promise<Reply> {
    const call = this.#startCall(options.replaySafe);
    const api = createApiClient({
      baseUrl: this.#endpoint,
      getToken: async () => {
        call.token = await this.#accessToken(call.deadline);
        return call.token;
      },
    });
    const transport: Transport = async (request) => {
      const body = request.body === null ? undefined : await request.text();
      return toFetchResponse(await this.#send(call, request.method, request.url, request.headers, body));
    };
    const { data, error, response } = await this.#withTokenRefresh(
      call,
      async () => invoke(api, transport),
      (result) => result.response.status,
    );
    return { status: response.status, body: response.ok ? data : error, headers: response.headers, afterUnknownOutcome: call.afterUnknownOutcome };
  }

  /** Runs `send`; when Logto refuses its token (revoked, or the signing keys rotated), drops it and runs `send` once more. */
  async #withTokenRefresh<T>(call: Call, send: () => Promise<T>, statusOf: (result: T) => number): Promise<T> {
    const result = await send();
    if (statusOf(result) !== 401 || call.token === undefined) {
      return result;
    }
    this.#forgetToken(call.token);
    return send();
  }

  /** One request of `call`, with its retries. */
  async #send(call: Call, method: string, url: string, headers: Headers, body: string | undefined): Promise<Answer> {
    const sent = new Headers(headers);
    sent.set('accept', 'application/json');
    const { answer, afterUnknownOutcome } = await this.#withRetries(method, new URL(url).pathname, call.replaySafe, call.deadline, (signal) =>
      this.#fetch(url, { method, headers: sent, body, signal }),
    );
    call.afterUnknownOutcome ||= afterUnknownOutcome;
    return answer;
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
    const { answer } = await this.#withRetries('POST', '/oidc/token', true, deadline, (signal) =>
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
    const body = parseBody(answer.text);
    if (answer.status !== 200) {
      const oauth = oauthErrorGuard.safeParse(body);
      const reason = oauth.success ? oauth.data.error : `http_${answer.status}`;
      const description = oauth.success && oauth.data.error_description ? `: ${oauth.data.error_description}` : '';
      throw new LogtoApiError(
        `oidc.${reason}`,
        answer.status,
        `Logto refused the Management API token request (${answer.status} ${reason}${description}).`,
        undefined,
        502,
      );
    }
    const { access_token: value, expires_in: expiresIn } = parse(tokenResponseGuard, body);
    const lifetimeMs = expiresIn * 1000;
    this.#token = { value, refreshAt: startedAt + lifetimeMs - Math.min(60_000, lifetimeMs / 2) };
    return value;
  }

  /**
   * Sends until Logto answers something other than 429/5xx, attempts or budget run out, or an unknown
   * outcome makes a further attempt unsafe. The body is read within the attempt's time limit.
   */
  async #withRetries(
    method: string,
    path: string,
    replaySafe: boolean,
    deadline: number,
    send: (signal: AbortSignal) => Promise<Response>,
  ): Promise<{ answer: Answer; afterUnknownOutcome: boolean }> {
    let afterUnknownOutcome = false;
    let lastProblem = '';
    let throttled = false;
    for (let attempt = 1; ; attempt += 1) {
      const result = await this.#attempt(send, deadline);
      let retryAfterMs: number | undefined;
      let outcomeUnknown: boolean;
      if (result.kind === 'response') {
        if (result.status !== 429 && result.status < 500) {
          return { answer: { status: result.status, headers: result.headers, text: result.text }, afterUnknownOutcome };
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

  /** The body of a 2xx, or the refusal as a {@link LogtoApiError}, `secret` (what the request carried) blotted out of it. */
  #expectOk(reply: Reply, route: string, secret?: string): unknown {
    if (reply.status >= 200 && reply.status < 300) {
      return reply.body;
    }
    const parsed = logtoErrorGuard.safeParse(reply.body);
    if (parsed.success) {
      const { code, message, data } = parsed.data;
      throw new LogtoApiError(
        code,
        reply.status,
        redact(`Logto refused ${route} (${reply.status} ${code}): ${message ?? ''}`.trim(), secret),
        redact(data, secret),
      );
    }
    throw new LogtoApiError('unrecognized_error', reply.status, `Logto refused ${route} with ${reply.status} and no Logto error body.`);
  }
}

/** openapi-fetch encodes path parameters itself; an empty one would address another route. */
const requireId = (value: string): string => {
  if (value.length === 0) {
    throw new AppError('logto.invalid_id', 500, 'An empty id was passed to the Logto client.');
  }
  return value;
};

/** Logto's largest page (`koaPagination`'s `maxPageSize`), and so the most addresses one multi-value search can find. */
const logtoMaxPageSize = 100;
const emailsPerSearch = logtoMaxPageSize;

/** `text` matched literally inside Logto's `like` / `ilike` patterns: its `%`, `_` and backslashes escaped. */
const likeLiteral = (text: string): string => text.replace(/[\\%_]/g, '\\$&');

/** One page of a list Logto searches with `q` (`ilike '%q%'`): organizations, organization roles. */
const keywordPage = (page: number, query: DirectoryQuery) => ({
  page,
  page_size: logtoMaxPageSize,
  ...(query.search && { q: likeLiteral(query.search) }),
});

/** Logto's `Total-Number` header, when it is a count. */
const totalNumber = (headers: Headers): number | undefined => {
  const value = headers.get('total-number');
  return value !== null && /^\d+$/.test(value) ? Number(value) : undefined;
};

/**
 * A query string as Logto reads it (URLSearchParams: every reserved character encoded, since a raw `+`
 * would arrive as a space). `search_params` is an exploded form object: its keys are the query keys.
 */
const logtoQuery = (query: Record<string, unknown>): string => {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    const entries = key === 'search_params' && typeof value === 'object' && value !== null ? Object.entries(value) : [[key, value]];
    for (const [name, item] of entries) {
      for (const one of Array.isArray(item) ? item : [item]) if (one !== undefined) params.append(String(name), String(one));
    }
  }
  return params.toString();
};

/** Statuses whose response carries no body. */
const nullBodyStatuses = new Set([204, 205, 304]);

/**
 * The answer as openapi-fetch reads it. It parses a 2xx body as JSON and would throw on anything else
 * (Koa answers a bodiless 201 with the text `Created`), so such a body is handed over as none.
 */
const toFetchResponse = ({ status, headers, text }: Answer): Response => {
  const forwarded = new Headers(headers);
  // The text is decoded already, and its length is its own.
  forwarded.delete('content-encoding');
  forwarded.delete('content-length');
  const bodiless = nullBodyStatuses.has(status) || (status < 300 && !isJson(text));
  if (bodiless) {
    forwarded.set('content-length', '0');
  }
  return new Response(bodiless ? null : text, { status, headers: forwarded });
};

const isJson = (text: string): boolean => {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
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

/** `value` with `secret` replaced wherever it occurs in its strings: a Logto error may quote what it was sent. */
const redact = <T>(value: T, secret: string | undefined): T => {
  if (!secret) {
    return value;
  }
  const blot = (item: unknown): unknown => {
    if (typeof item === 'string') return item.replaceAll(secret, '[redacted]');
    if (Array.isArray(item)) return item.map(blot);
    if (item !== null && typeof item === 'object') return Object.fromEntries(Object.entries(item).map(([key, entry]) => [blot(key), blot(entry)]));
    return item;
  };
  return blot(value) as T;
};

const replyCode = (reply: Reply): string | undefined => {
  const parsed = logtoErrorGuard.safeParse(reply.body);
  return parsed.success ? parsed.data.code : undefined;
};

/** A 404 with one of Logto's codes for a missing entity (not, say, a proxy's 404 for a wrong path). */
const isNotFound = (reply: Reply, codes: readonly string[]): boolean => {
  const code = replyCode(reply);
  return reply.status === 404 && code !== undefined && codes.includes(code);
};

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
