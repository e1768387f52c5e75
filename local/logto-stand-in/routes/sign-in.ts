/**
 * `GET /oidc/auth` and the sign-in page, in place of oidc-provider's authorization endpoint and Logto's
 * experience app.
 *
 * The request is checked as oidc-provider checks it (client, redirect URI, response type, prompt, scopes,
 * PKCE, resources); then one of:
 * - With `one_time_token` + `login_hint`, the whole sign-in happens in that request, as Logto's hosted
 *   magic-link page and experience API do it: verify (and so consume) the token for a `SignIn`
 *   interaction, sign in the user with that email or, when there is none, register one even if registration
 *   is closed, join the token's `jitOrganizationIds`, fire the hooks, and redirect to the app with a code.
 * - With `login_hint` alone, the hint stands for an email the user proved (the verification code step is not
 *   modelled): an existing user signs in unless `signInMode` is `Register`; a new one registers unless it is
 *   `SignIn` (403 `auth.forbidden`, Logto's answer when registration is off).
 * - Otherwise the browser's session (the `_session` cookie) signs in again without a page unless
 *   `prompt=login`; without one it is sent (303) to the sign-in page, `/sign-in`, which takes a username or
 *   email and a password, starts the session and redirects to the app with a code.
 *
 * An invalid `first_screen` or `interaction_mode` drops the authentication parameters as Logto does (see
 * {@link authenticationParameters}). Each `/oidc/auth` request, answered or refused, is recorded for
 * `GET /__standin/sign-ins`.
 */
import { authorizationResponse, checkAuthorizationRequest, grantedScopes, parameter } from '../authorization.ts';
import { LogtoError, OidcError, fail } from '../errors.ts';
import { type AuthorizationRequest, type Session, cookieNames, ttl } from '../grants.ts';
import { type InteractionMetadata, interactionDataPayload, interactionHookPayload } from '../hooks.ts';
import { type Context, type Reply, type Router, cookie, html, readCookie, seeOther } from '../http.ts';
import * as ids from '../ids.ts';
import { type Application, type InteractionEvent, type JsonObject, type SignInRecord, type User, toUserInfo } from '../model.ts';
import { sessionNotFoundPage, signInPage } from '../pages.ts';
import { isPasswordValid } from '../passwords.ts';
import type { OidcDeps } from './types.ts';

const { session: sessionCookie, interaction: interactionCookie } = cookieNames;
/** Logto's sign-in page; the interaction cookie is scoped to it, as oidc-provider scopes it to the interaction URL. */
const signInPath = '/sign-in';

interface Outcome {
  user: User;
  interactionEvent: InteractionEvent;
  /** Data hook events and their payload fields, in the order Logto appends them. */
  dataHooks: Array<[event: string, fields: JsonObject]>;
}

/** What the request came to: the interaction and its user, or the refusal's code. */
type Result = Pick<SignInRecord, 'interactionEvent' | 'userId' | 'error'>;

/** `FirstScreen` (packages/schemas/src/consts/oidc.ts), with its deprecated `signIn`. */
const firstScreens: ReadonlySet<string> = new Set([
  'sign_in',
  'register',
  'reset_password',
  'identifier:sign_in',
  'identifier:register',
  'single_sign_on',
  'signIn',
]);
/** The deprecated `interaction_mode` (`InteractionMode`). */
const interactionModes: ReadonlySet<string> = new Set(['signIn', 'signUp']);

/**
 * The authentication parameters the sign-in uses. Logto reads them with
 * `trySafe(() => extraParamsObjectGuard.parse(params)) ?? {}` (packages/core/src/oidc/init.ts): one value
 * outside its enum (`first_screen`, `interaction_mode`) makes it drop them all, `login_hint` and
 * `one_time_token` included, and open its default sign-in page (the token stays unused).
 */
function authenticationParameters(query: URLSearchParams): { loginHint?: string; oneTimeToken?: string } {
  const enums = [
    ['first_screen', firstScreens],
    ['interaction_mode', interactionModes],
  ] as const;
  const valid = enums.every(([name, allowed]) => {
    const value = parameter(query, name);
    return value === undefined || allowed.has(value);
  });
  return valid ? { loginHint: parameter(query, 'login_hint'), oneTimeToken: parameter(query, 'one_time_token') } : {};
}

const errorCode = (error: unknown) =>
  error instanceof LogtoError ? error.code : error instanceof OidcError ? error.error : 'internal_server_error';

export function signInRoutes(router: Router, { store, library, hooks, signer, baseUrl, grants }: OidcDeps) {
  const { state } = store;

  /** Errors found once the redirect URI is trusted go back to the app, as OAuth 2.0 requires (with `iss`). */
  const redirectWithError = (redirectUri: string, error: OidcError, oauthState: string | null): { reply: Reply; result: Result } => {
    const location = authorizationResponse(redirectUri, signer.issuer, {
      error: error.error,
      error_description: error.description,
      state: oauthState ?? undefined,
    });
    return { reply: { status: 302, headers: { Location: location } }, result: { error: error.error } };
  };

  const findClient = (query: URLSearchParams): { app: Application; redirectUri: string } => {
    const app = state.applications.find((candidate) => candidate.id === query.get('client_id') && candidate.type !== 'MachineToMachine');
    if (!app) throw new OidcError('invalid_client', 'client is invalid', 400);
    const redirectUri = query.get('redirect_uri');
    if (!redirectUri) throw new OidcError('invalid_request', "missing required parameter 'redirect_uri'");
    if (!app.redirectUris.includes(redirectUri)) {
      throw new OidcError('invalid_redirect_uri', "redirect_uri did not match any of the client's registered redirect_uris");
    }
    return { app, redirectUri };
  };

  const membershipHooks = (organizationIds: string[]): Outcome['dataHooks'] =>
    organizationIds.map((organizationId) => ['Organization.Membership.Updated', { organizationId }]);

  const register = (email: string, jitOrganizationIds: string[]): Outcome => {
    const user = library.createUser({ primaryEmail: email });
    const created = toUserInfo(user);
    const joined = library.provisionJitOrganizations(user.id, jitOrganizationIds);
    return { user, interactionEvent: 'Register', dataHooks: [...membershipHooks(joined), ['User.Created', { data: created }]] };
  };

  // Logto's experience interaction refuses a suspended user (401 `user.suspended`).
  const signIn = (user: User, jitOrganizationIds: string[]): Outcome => {
    if (user.isSuspended) fail('user.suspended', { status: 401 });
    return {
      user,
      interactionEvent: 'SignIn',
      dataHooks: membershipHooks(library.provisionJitOrganizations(user.id, jitOrganizationIds)),
    };
  };

  const withOneTimeToken = (token: string, email: string): Outcome => {
    const { context } = library.consumeOneTimeToken(token, email, 'SignIn');
    const existing = library.findUserByEmail(email);
    return existing ? signIn(existing, context.jitOrganizationIds ?? []) : register(email, context.jitOrganizationIds ?? []);
  };

  const withVerifiedEmail = (email: string): Outcome => {
    const existing = library.findUserByEmail(email);
    const allowed = existing ? state.signInMode !== 'Register' : state.signInMode !== 'SignIn';
    if (!allowed) fail('auth.forbidden', { status: 403 });
    return existing ? signIn(existing, []) : register(email, []);
  };

  /** The end of every interaction: `lastSignInAt`, then the hooks once the response is out. */
  const complete = (ctx: Context, app: Application, { user, interactionEvent, dataHooks }: Outcome) => {
    store.update(() => {
      user.lastSignInAt = Date.now();
      user.updatedAt = user.lastSignInAt;
    });
    const meta: InteractionMetadata = { interactionEvent, sessionId: ids.standardId(), application: app, userAgent: ctx.userAgent, ip: ctx.ip };
    const hookEvent = interactionEvent === 'Register' ? 'PostRegister' : 'PostSignIn';
    // Payloads are built now, so `User.Created` shows the user as created and `Post*` as signed in.
    const payloads = [
      ...dataHooks.map(([event, fields]) => [event, interactionDataPayload(event, meta, fields)] as const),
      [hookEvent, interactionHookPayload(hookEvent, meta, user)] as const,
    ];
    ctx.afterResponse(() => {
      for (const [event, payload] of payloads) hooks.trigger(event, payload);
    });
  };

  /** The redirect to the app with a code for what `user` was granted. */
  const codeResponse = (request: AuthorizationRequest, user: User, session?: Session) => {
    const code = grants.issueCode(
      {
        clientId: request.clientId,
        redirectUri: request.redirectUri,
        userId: user.id,
        codeChallenge: request.codeChallenge,
        scopes: grantedScopes(state, request, user.id),
        resources: request.resources,
        nonce: request.nonce,
      },
      session,
    );
    return authorizationResponse(request.redirectUri, signer.issuer, { code, state: request.state });
  };

  /** The browser's session, if it still stands for a user who may sign in. */
  const currentSession = (ctx: Context) => {
    const session = grants.findSession(readCookie(ctx, sessionCookie));
    const user = session && state.users.find((candidate) => candidate.id === session.userId && !candidate.isSuspended);
    return session && user ? { session, user } : undefined;
  };

  const authorize = (ctx: Context): { reply: Reply; result: Result } => {
    const query = ctx.url.searchParams;
    const { app, redirectUri } = findClient(query);
    let checked: ReturnType<typeof checkAuthorizationRequest>;
    try {
      checked = checkAuthorizationRequest(app, redirectUri, query);
    } catch (error) {
      if (error instanceof OidcError) return redirectWithError(redirectUri, error, query.get('state'));
      throw error;
    }
    const { request, prompts } = checked;

    const { loginHint, oneTimeToken } = authenticationParameters(query);
    if (oneTimeToken && !loginHint) {
      fail('guard.invalid_input', { vars: { type: 'query' }, details: 'login_hint is required with one_time_token: the stand-in has no magic-link page' });
    }
    if (loginHint) {
      const outcome = oneTimeToken ? withOneTimeToken(oneTimeToken, loginHint) : withVerifiedEmail(loginHint);
      complete(ctx, app, outcome);
      return {
        reply: { status: 302, headers: { Location: codeResponse(request, outcome.user) } },
        result: { interactionEvent: outcome.interactionEvent, userId: outcome.user.id },
      };
    }

    // A signed-in browser gets its code at once: Logto's consent prompt is answered by its auto-consent.
    const current = currentSession(ctx);
    if (current && !prompts.has('login')) {
      return {
        reply: { status: 302, headers: { Location: codeResponse(request, current.user, current.session) } },
        result: { userId: current.user.id },
      };
    }
    if (prompts.has('none')) return redirectWithError(redirectUri, new OidcError('login_required', 'End-User authentication is required'), query.get('state'));

    const interaction = grants.startInteraction(request);
    const page = new URL(signInPath, baseUrl);
    page.searchParams.set('app_id', app.id);
    const setCookie = cookie(interactionCookie, interaction.uid, { path: signInPath, maxAgeSeconds: ttl.interaction });
    return { reply: seeOther(page.href, { 'Set-Cookie': setCookie }), result: {} };
  };

  router.get('/oidc/auth', (ctx) => {
    const query = ctx.url.searchParams;
    const record = (result: Result) =>
      store.update((draft) =>
        draft.signIns.push({
          clientId: query.get('client_id'),
          loginHint: query.get('login_hint'),
          firstScreen: query.get('first_screen'),
          oneTimeToken: Boolean(query.get('one_time_token')),
          ...result,
          at: Date.now(),
        }),
      );
    try {
      const { reply, result } = authorize(ctx);
      record(result);
      return reply;
    } catch (error) {
      record({ error: errorCode(error) });
      throw error;
    }
  });

  /** The interaction the browser is in, and its app. */
  const pendingInteraction = (ctx: Context) => {
    const interaction = grants.findInteraction(readCookie(ctx, interactionCookie));
    const app = interaction && state.applications.find((candidate) => candidate.id === interaction.request.clientId);
    return interaction && app ? { interaction, app } : undefined;
  };

  router.get(signInPath, (ctx) => {
    const pending = pendingInteraction(ctx);
    if (!pending) return html(400, sessionNotFoundPage());
    return html(200, signInPage({ appName: pending.app.name }));
  });

  /**
   * The form's submission, as Logto's experience API takes a password sign-in: the user by username
   * (case-sensitive, Logto's default) or email (case-insensitive), its password, refused with
   * `session.invalid_credentials` (422) for any mismatch and `user.suspended` (401), shown on the page again.
   */
  router.post(signInPath, (ctx) => {
    const pending = pendingInteraction(ctx);
    if (!pending) return html(400, sessionNotFoundPage());
    const { interaction, app } = pending;
    const form = new URLSearchParams(ctx.rawBody);
    const identifier = (form.get('identifier') ?? '').trim();
    const password = form.get('password') ?? '';
    const user = identifier.includes('@')
      ? library.findUserByEmail(identifier)
      : state.users.find((candidate) => candidate.username === identifier);
    const verified =
      user?.passwordDigest && user.passwordAlgorithm && password && isPasswordValid(password, user.passwordDigest, user.passwordAlgorithm);
    const again = (status: number, error: string) => html(status, signInPage({ appName: app.name, identifier, error }));
    if (!user || !verified) return again(422, 'Incorrect account or password. Please check your input.');
    if (user.isSuspended) return again(401, 'This account has been suspended.');

    complete(ctx, app, signIn(user, []));
    const session = grants.startSession(user.id, readCookie(ctx, sessionCookie));
    grants.endInteraction(interaction.uid);
    return seeOther(codeResponse(interaction.request, user, session), {
      'Set-Cookie': [
        cookie(sessionCookie, session.id, { maxAgeSeconds: ttl.session }),
        cookie(interactionCookie, '', { path: signInPath, maxAgeSeconds: 0 }),
      ],
    });
  });
}
