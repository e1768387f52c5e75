/**
 * `GET /oidc/auth`: the whole browser sign-in in one request, since the stand-in has no sign-in pages.
 *
 * With `one_time_token` + `login_hint` it does what Logto's hosted magic-link page and experience API do:
 * verify (and so consume) the token for a `SignIn` interaction, sign in the user with that email or, when
 * there is none, register one even if registration is closed, join the token's `jitOrganizationIds`, fire
 * the hooks, and redirect to the app with a code.
 *
 * Without a token, `login_hint` stands for an email the user proved (the verification code step is not
 * modelled): an existing user signs in unless `signInMode` is `Register`; a new one registers unless it is
 * `SignIn` (403 `auth.forbidden`, Logto's answer when registration is off).
 *
 * `first_screen` picks the page Logto opens first; with no pages, every valid value leads to the same
 * sign-in, and an invalid one drops the other parameters as Logto does (see {@link authenticationParameters}).
 * Each request, answered or refused, is recorded for `GET /__standin/sign-ins`.
 */
import { randomBytes } from 'node:crypto';

import { LogtoError, OidcError, fail } from '../errors.ts';
import { type InteractionMetadata, interactionDataPayload, interactionHookPayload } from '../hooks.ts';
import { type Context, type Reply, type Router } from '../http.ts';
import * as ids from '../ids.ts';
import { type Application, type InteractionEvent, type JsonObject, type SignInRecord, type User, toUserInfo } from '../model.ts';
import type { RouteDeps } from './types.ts';

interface Outcome {
  user: User;
  interactionEvent: InteractionEvent;
  /** Data hook events and their payload fields, in the order Logto appends them. */
  dataHooks: Array<[event: string, fields: JsonObject]>;
}

/** What the request came to: the interaction and its user, or the refusal's code. */
type Result = Pick<SignInRecord, 'interactionEvent' | 'userId' | 'error'>;

/** Errors found once the redirect URI is trusted go back to the app, as OAuth 2.0 requires. */
function redirectWithError(redirectUri: string, error: OidcError, state: string | null): { reply: Reply; result: Result } {
  const location = new URL(redirectUri);
  location.searchParams.set('error', error.error);
  location.searchParams.set('error_description', error.description);
  if (state !== null) location.searchParams.set('state', state);
  return { reply: { status: 302, headers: { Location: location.href } }, result: { error: error.error } };
}

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

/** An empty parameter counts as absent (RFC 6749 §3.1; oidc-provider keeps `params[key] || undefined`). */
const parameter = (query: URLSearchParams, name: string) => query.get(name) || undefined;

/**
 * The authentication parameters the sign-in uses. Logto reads them with
 * `trySafe(() => extraParamsObjectGuard.parse(params)) ?? {}` (packages/core/src/oidc/init.ts): one value
 * outside its enum (`first_screen`, `interaction_mode`) makes it drop them all, `login_hint` and
 * `one_time_token` included, and open its default sign-in page. The stand-in has no page to open, so it
 * refuses such a request (the token stays unused, as it would in Logto).
 */
function authenticationParameters(query: URLSearchParams) {
  const enums = [
    ['first_screen', firstScreens],
    ['interaction_mode', interactionModes],
  ] as const;
  for (const [name, allowed] of enums) {
    const value = parameter(query, name);
    if (value === undefined || allowed.has(value)) continue;
    fail('guard.invalid_input', {
      vars: { type: 'query' },
      details:
        `${name} \`${value}\` is not one of Logto's values: Logto then ignores every authentication parameter ` +
        '(login_hint, one_time_token, ...) and opens its default sign-in page, which the stand-in does not have',
    });
  }
  const loginHint =
    parameter(query, 'login_hint') ??
    fail('guard.invalid_input', { vars: { type: 'query' }, details: 'login_hint is required: the stand-in has no sign-in page' });
  return { loginHint, oneTimeToken: parameter(query, 'one_time_token') };
}

const errorCode = (error: unknown) =>
  error instanceof LogtoError ? error.code : error instanceof OidcError ? error.error : 'internal_server_error';

export function signInRoutes(router: Router, { store, library, hooks }: RouteDeps) {
  const { state } = store;

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
    return signedIn(user, jitOrganizationIds);
  };

  const signedIn = (user: User, jitOrganizationIds: string[]): Outcome => ({
    user,
    interactionEvent: 'SignIn',
    dataHooks: membershipHooks(library.provisionJitOrganizations(user.id, jitOrganizationIds)),
  });

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

  const fireHooks = (ctx: Context, app: Application, { user, interactionEvent, dataHooks }: Outcome) => {
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

  const authorize = (ctx: Context): { reply: Reply; result: Result } => {
    const query = ctx.url.searchParams;
    const { app, redirectUri } = findClient(query);
    const oauthState = query.get('state');
    const responseType = query.get('response_type');
    if (!responseType) {
      return redirectWithError(redirectUri, new OidcError('invalid_request', "missing required parameter 'response_type'"), oauthState);
    }
    if (responseType !== 'code') {
      return redirectWithError(redirectUri, new OidcError('unsupported_response_type', 'unsupported response_type requested'), oauthState);
    }

    const { loginHint: email, oneTimeToken } = authenticationParameters(query);
    const outcome = oneTimeToken ? withOneTimeToken(oneTimeToken, email) : withVerifiedEmail(email);
    store.update(() => {
      outcome.user.lastSignInAt = Date.now();
      outcome.user.updatedAt = outcome.user.lastSignInAt;
    });
    fireHooks(ctx, app, outcome);

    const location = new URL(redirectUri);
    location.searchParams.set('code', randomBytes(32).toString('base64url'));
    if (oauthState !== null) location.searchParams.set('state', oauthState);
    return {
      reply: { status: 302, headers: { Location: location.href } },
      result: { interactionEvent: outcome.interactionEvent, userId: outcome.user.id },
    };
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
}
