/**
 * oidc-provider's endpoints under Logto's configuration: discovery, JWKS, the token endpoint
 * (`client_credentials` for machines; `authorization_code` with PKCE and `refresh_token` for the apps people
 * sign in to), userinfo (`/oidc/me`) and revocation, with oidc-provider's CORS (open for discovery and JWKS;
 * for the others, an origin one of the client's redirect URIs has).
 *
 * Access tokens for an API resource are JWTs of 3600 s (the resource's `accessTokenTtl`); granted scopes are
 * what was asked for ∩ what the app's M2M roles (client credentials) or the user's roles hold. Without a
 * resource, a user's access token is opaque and only good at userinfo, as in Logto.
 */
import { createHash, randomBytes } from 'node:crypto';

import { z } from 'zod';

import { checkPkceFormat, parameter, resourceIndicators, userPermissions } from '../authorization.ts';
import { oidcScopes, userClaimsFor } from '../claims.ts';
import { LogtoError, OidcError, wantsRawOidcError } from '../errors.ts';
import { type AuthorizationCode, type RefreshToken, ttl } from '../grants.ts';
import { type Context, type Handler, type Reply, type Router, guardBody, json } from '../http.ts';
import { type Application, type ApplicationSecret, type User, grantTypes, isPublicClient } from '../model.ts';
import { apiResources } from '../seed.ts';
import type { OidcDeps } from './types.ts';

const supportedGrantTypes: ReadonlySet<string> = new Set(['client_credentials', 'authorization_code', 'refresh_token']);
const noStore = { 'Cache-Control': 'no-store' };

/** RFC 6749 §2.3.1: Basic credentials are form-urlencoded before base64. */
function basicCredentials(authorization: string) {
  const decoded = Buffer.from(authorization.slice('Basic '.length), 'base64').toString();
  const separator = decoded.indexOf(':');
  try {
    return { id: decodeURIComponent(decoded.slice(0, separator)), secret: decodeURIComponent(decoded.slice(separator + 1)) };
  } catch {
    throw new OidcError('invalid_request', 'client_id and client_secret in the authorization header are not properly encoded');
  }
}

/**
 * A public client (SPA, Native: `token_endpoint_auth_method: none`) names itself with `client_id` and shows
 * no secret. For the others, Logto's client-auth middleware first looks the pair up in
 * `application_secrets` (an expired match is refused with `invalid_request`), then falls back to
 * oidc-provider's check of the app's own `secret`.
 */
function authenticateClient(ctx: Context, form: URLSearchParams, applications: Application[], secrets: ApplicationSecret[]) {
  const header = ctx.headers.authorization;
  const viaHeader = header?.startsWith('Basic ') ? basicCredentials(header) : undefined;
  const bodySecret = form.get('client_secret');
  if (viaHeader && bodySecret !== null) {
    throw new OidcError('invalid_request', 'client authentication must only be provided using one mechanism');
  }
  const credentials = viaHeader ?? { id: form.get('client_id'), secret: bodySecret };
  if (!credentials.id) throw new OidcError('invalid_request', 'no client authentication mechanism provided');

  const app = applications.find((candidate) => candidate.id === credentials.id);
  // oidc-provider: a mechanism other than the registered one fails like a wrong secret.
  if (app && isPublicClient(app)) {
    if (credentials.secret) throw new OidcError('invalid_client', 'client authentication failed');
    return app;
  }
  const issued = secrets.find((secret) => secret.applicationId === credentials.id && secret.value === credentials.secret);
  if (issued?.expiresAt != null && issued.expiresAt < Date.now()) throw new OidcError('invalid_request', 'client secret has expired');
  if (!app || !credentials.secret || (!issued && app.secret !== credentials.secret)) throw new OidcError('invalid_client', 'client authentication failed');
  return app;
}

/** oidc-provider's `validatePresence`. */
function required(form: URLSearchParams, ...names: string[]) {
  const missing = names.filter((name) => !form.get(name));
  if (missing.length === 0) return;
  const list = new Intl.ListFormat('en', { type: 'conjunction' }).format(missing.map((name) => `'${name}'`));
  throw new OidcError('invalid_request', `missing required parameter${missing.length > 1 ? 's' : ''} ${list}`);
}

/** oidc-provider's `InvalidGrant`: the reason stays in its logs, the client only learns that the grant is bad. */
const invalidGrant = () => new OidcError('invalid_grant', 'grant request is invalid');

/** Refused by the client-based CORS check: answered without `Access-Control-Allow-Origin`. */
class OriginNotAllowed extends OidcError {}

/**
 * Logto's `clientBasedCORS`: the stand-in's own origin, or the origin of one of the client's redirect URIs.
 * Requests without `Origin` (servers) are not checked.
 */
function assertOriginAllowed(ctx: Context, app: Application, baseUrl: string) {
  const origin = ctx.headers.origin;
  if (!origin || origin === new URL(baseUrl).origin) return;
  if (app.redirectUris.some((uri) => URL.canParse(uri) && new URL(uri).origin === origin)) return;
  throw new OriginNotAllowed('invalid_request', `origin ${origin} not allowed for client: ${app.id}`);
}

/** oidc-provider's CORS around an endpoint: `Access-Control-Allow-Origin` on answers and errors alike. */
function withCors(handler: Handler): Handler {
  return async (ctx) => {
    let reply: Reply;
    try {
      reply = await handler(ctx);
    } catch (error) {
      if (!(error instanceof OidcError || error instanceof LogtoError)) throw error;
      reply = { status: error.status, body: error instanceof OidcError ? error.toBody({ raw: wantsRawOidcError(ctx.url) }) : error.toBody() };
      if (error instanceof OriginNotAllowed) return { ...reply, headers: { Vary: 'Origin' } };
    }
    return { ...reply, headers: { ...reply.headers, 'Access-Control-Allow-Origin': ctx.headers.origin ?? '*', Vary: 'Origin' } };
  };
}

/** A CORS preflight: any origin may ask (the request itself is checked), as in oidc-provider. */
const preflight =
  (methods: string): Handler =>
  (ctx) => {
    if (!ctx.headers['access-control-request-method']) return { status: 404, body: 'Not Found' };
    const requestedHeaders = ctx.headers['access-control-request-headers'];
    return {
      status: 204,
      headers: {
        'Access-Control-Allow-Origin': ctx.headers.origin ?? '*',
        'Access-Control-Allow-Methods': methods,
        'Access-Control-Max-Age': '3600',
        ...(requestedHeaders ? { 'Access-Control-Allow-Headers': requestedHeaders } : {}),
        Vary: 'Origin',
      },
    };
  };

export function oidcRoutes(router: Router, { store, library, signer, baseUrl, grants }: OidcDeps) {
  const { state } = store;

  /**
   * Test support, not Logto: a signed-in user's access token for an API resource, as Logto issues one to an
   * app after the user's sign-in, without the browser. The scopes asked for are granted; Logto grants those
   * the user's roles hold.
   */
  router.post('/__standin/user-token', async (ctx) => {
    const body = guardBody(
      z.object({ userId: z.string().min(1), resource: z.string().min(1), scope: z.string().default(''), clientId: z.string().default('local-demo') }),
      ctx,
    );
    const user = library.findUser(body.userId);
    if (!apiResources[body.resource]) throw new OidcError('invalid_target', 'resource indicator is missing, or unknown');
    const scope = body.scope.split(' ').filter(Boolean).join(' ') || undefined;
    const accessToken = await signer.sign({ clientId: body.clientId, subject: user.id, audience: body.resource, scope }, ttl.accessToken);
    return json(200, { access_token: accessToken, expires_in: ttl.accessToken, token_type: 'Bearer', scope });
  });

  router.get(
    '/oidc/.well-known/openid-configuration',
    withCors(() =>
      json(200, {
        issuer: signer.issuer,
        authorization_endpoint: `${baseUrl}/oidc/auth`,
        token_endpoint: `${baseUrl}/oidc/token`,
        userinfo_endpoint: `${baseUrl}/oidc/me`,
        end_session_endpoint: `${baseUrl}/oidc/session/end`,
        revocation_endpoint: `${baseUrl}/oidc/token/revocation`,
        jwks_uri: `${baseUrl}/oidc/jwks`,
        response_types_supported: ['code'],
        response_modes_supported: ['query'],
        grant_types_supported: [...supportedGrantTypes],
        scopes_supported: [...oidcScopes],
        subject_types_supported: ['public'],
        token_endpoint_auth_methods_supported: ['none', 'client_secret_basic', 'client_secret_post'],
        code_challenge_methods_supported: ['S256'],
        id_token_signing_alg_values_supported: [signer.publicJwk.alg],
        authorization_response_iss_parameter_supported: true,
        claims_parameter_supported: false,
        request_parameter_supported: false,
        request_uri_parameter_supported: false,
      }),
    ),
  );
  router.add('OPTIONS', '/oidc/.well-known/openid-configuration', preflight('GET'));

  router.get('/oidc/jwks', withCors(() => json(200, { keys: [signer.publicJwk] })));
  router.add('OPTIONS', '/oidc/jwks', preflight('GET'));

  const findUser = (id: string) => state.users.find((user) => user.id === id);

  /** oidc-provider's `findAccount` under Logto: a deleted or suspended user's grant is no longer good. */
  const grantUser = (userId: string): User => {
    const user = findUser(userId);
    if (!user || user.isSuspended) throw invalidGrant();
    return user;
  };

  /**
   * oidc-provider's `resolveResource`: the `resource` asked for (one, and one the authorization named), or
   * the authorization's single resource when `openid` is absent (with `openid`, the token is for userinfo).
   */
  const tokenResource = (form: URLSearchParams, resources: string[], scopes: string[]) => {
    const asked = form.getAll('resource').flatMap((value) => value.split(',')).filter(Boolean);
    const resource = asked.length > 0 ? asked : scopes.includes('openid') ? [] : resources;
    if (resource.length > 1) {
      throw new OidcError('invalid_target', 'only a single resource indicator value must be requested/resolved during Access Token Request');
    }
    const [indicator] = resource;
    if (indicator !== undefined && !resources.includes(indicator)) throw new OidcError('invalid_target', 'resource indicator is missing, or unknown');
    return indicator;
  };

  interface Issue {
    app: Application;
    user: User;
    source: Pick<AuthorizationCode, 'grantId' | 'scopes' | 'nonce'>;
    /** The scopes this token request covers (the source's, or fewer on a refresh). */
    scopes: string[];
    resource: string | undefined;
    refreshToken: string | undefined;
  }

  /** oidc-provider's token response: the access token, an ID token for `openid`, the refresh token. */
  const tokenResponse = async ({ app, user, source, scopes, resource, refreshToken }: Issue): Promise<Reply> => {
    const oidcGranted = scopes.filter((scope) => oidcScopes.has(scope));
    let accessToken: string;
    let scope: string;
    if (resource) {
      // Re-read the user's roles: a role taken away since sign-in is gone from the next token.
      const held = userPermissions(state, user.id, resource);
      scope = scopes.filter((name) => held.has(name)).join(' ');
      accessToken = await signer.sign({ clientId: app.id, subject: user.id, audience: resource, scope: scope || undefined }, ttl.accessToken);
    } else {
      scope = oidcGranted.join(' ');
      accessToken = grants.issueOpaqueAccessToken({ grantId: source.grantId, clientId: app.id, userId: user.id, scopes: oidcGranted });
    }
    const idToken = scopes.includes('openid')
      ? await signer.signIdToken(
          { ...userClaimsFor(state, user, oidcGranted, 'id_token'), ...(source.nonce ? { nonce: source.nonce } : {}) },
          app.id,
          ttl.idToken,
        )
      : undefined;
    const body = { access_token: accessToken, expires_in: ttl.accessToken, id_token: idToken, refresh_token: refreshToken, scope, token_type: 'Bearer' };
    return json(200, body, noStore);
  };

  const clientCredentials = async (app: Application, form: URLSearchParams): Promise<Reply> => {
    const requested = [...new Set((form.get('scope') ?? '').split(' ').filter(Boolean))];
    const resources = form.getAll('resource');
    if (resources.length > 1) {
      throw new OidcError('invalid_target', 'only a single resource indicator value is supported for this grant type');
    }
    const [resource] = resources;
    if (resource === undefined) {
      // No resource and no default resource: oidc-provider issues an opaque token, which no API accepts.
      const scope = requested.join(' ') || undefined;
      const accessToken = randomBytes(32).toString('base64url');
      return json(200, { access_token: accessToken, expires_in: ttl.accessToken, token_type: 'Bearer', scope }, noStore);
    }
    if (!apiResources[resource]) throw new OidcError('invalid_target', 'resource indicator is missing, or unknown');

    // Permissions the app does not hold are dropped, not refused; none left means a token without scope.
    const allowed = new Set(app.grantedScopes[resource] ?? []);
    const scope = requested.filter((name) => allowed.has(name)).join(' ') || undefined;
    const accessToken = await signer.sign({ clientId: app.id, audience: resource, scope }, ttl.accessToken);
    return json(200, { access_token: accessToken, expires_in: ttl.accessToken, token_type: 'Bearer', scope }, noStore);
  };

  /**
   * oidc-provider's `authorization_code` grant, its checks in its order: the code (this client's, unexpired),
   * PKCE, the redirect URI; then it is consumed, and a second use revokes every token it led to.
   */
  const authorizationCode = async (app: Application, form: URLSearchParams): Promise<Reply> => {
    required(form, 'code', 'redirect_uri');
    const code = grants.findCode(form.get('code') ?? '');
    if (!code || code.clientId !== app.id || code.expiresAt <= Date.now()) throw invalidGrant();

    const verifier = parameter(form, 'code_verifier');
    if (verifier) checkPkceFormat(verifier, 'code_verifier');
    if (verifier || code.codeChallenge) {
      const expected = verifier && createChallenge(verifier);
      if (expected !== code.codeChallenge) throw invalidGrant();
    }
    if (code.redirectUri !== form.get('redirect_uri')) throw invalidGrant();
    if (code.consumed) {
      grants.revokeGrant(code.grantId);
      throw invalidGrant();
    }
    code.consumed = true;

    const user = grantUser(code.userId);
    const resource = tokenResource(form, code.resources, code.scopes);
    const refreshToken =
      grantTypes(app).includes('refresh_token') && code.scopes.includes('offline_access')
        ? grants.issueRefreshToken({ grantId: code.grantId, clientId: app.id, userId: user.id, scopes: code.scopes, resources: code.resources, nonce: code.nonce })
        : undefined;
    return tokenResponse({ app, user, source: code, scopes: code.scopes, resource, refreshToken });
  };

  /**
   * Logto's `rotateRefreshToken` (the default: `rotateRefreshToken: true`): a public client's refresh token is
   * replaced at every use (for up to a year of rotations); another client's once 70 % of its life has passed.
   */
  const rotates = (app: Application, token: RefreshToken) => {
    const now = Date.now();
    if (now - token.chainIssuedAt >= 365.25 * 24 * 3600 * 1000) return false;
    if (isPublicClient(app)) return true;
    return (now - token.issuedAt) / (token.expiresAt - token.issuedAt) >= 0.7;
  };

  /** oidc-provider's `refresh_token` grant; a rotated-away token used again revokes its whole grant. */
  const refreshTokenGrant = async (app: Application, form: URLSearchParams): Promise<Reply> => {
    required(form, 'refresh_token');
    const value = form.get('refresh_token') ?? '';
    const token = grants.findRefreshToken(value);
    if (!token || token.clientId !== app.id || token.expiresAt <= Date.now()) throw invalidGrant();

    const asked = parameter(form, 'scope')?.split(' ').filter(Boolean);
    const missing = asked?.filter((scope) => !token.scopes.includes(scope)) ?? [];
    if (missing.length > 0) {
      throw new OidcError('invalid_scope', `refresh token missing requested scope${missing.length > 1 ? 's' : ''}`, 400, missing.join(' '));
    }
    const user = grantUser(token.userId);
    if (token.consumed) {
      grants.revokeGrant(token.grantId);
      throw invalidGrant();
    }

    let refreshToken = value;
    if (rotates(app, token)) {
      token.consumed = true;
      refreshToken = grants.issueRefreshToken(token, token);
    }
    const scopes = asked ? [...new Set(asked)] : token.scopes;
    const resource = tokenResource(form, token.resources, scopes);
    return tokenResponse({ app, user, source: token, scopes, resource, refreshToken });
  };

  const grantHandlers = { client_credentials: clientCredentials, authorization_code: authorizationCode, refresh_token: refreshTokenGrant };

  /** The client a form authenticates, once its origin passed the CORS check. */
  const formClient = (ctx: Context, endpoint: string) => {
    if (!ctx.headers['content-type']?.startsWith('application/x-www-form-urlencoded')) {
      throw new OidcError('invalid_request', `only application/x-www-form-urlencoded content-type bodies are supported on POST ${endpoint}`);
    }
    const form = new URLSearchParams(ctx.rawBody);
    const app = authenticateClient(ctx, form, state.applications, state.applicationSecrets);
    assertOriginAllowed(ctx, app, baseUrl);
    return { form, app };
  };

  router.post(
    '/oidc/token',
    withCors(async (ctx) => {
      const { form, app } = formClient(ctx, '/token');
      const grantType = form.get('grant_type');
      if (!grantType) throw new OidcError('invalid_request', "missing required parameter 'grant_type'");
      if (!supportedGrantTypes.has(grantType)) throw new OidcError('unsupported_grant_type', 'unsupported grant_type requested');
      if (!grantTypes(app).includes(grantType)) throw new OidcError('invalid_request', 'requested grant type is not allowed for this client');
      return grantHandlers[grantType as keyof typeof grantHandlers](app, form);
    }),
  );
  router.add('OPTIONS', '/oidc/token', preflight('POST'));

  /** RFC 7009: always 200, known token or not; a refresh token takes its grant with it. */
  router.post(
    '/oidc/token/revocation',
    withCors((ctx) => {
      const { form, app } = formClient(ctx, '/token/revocation');
      required(form, 'token');
      grants.revokeToken(form.get('token') ?? '', app.id);
      return { status: 200, body: '' };
    }),
  );
  router.add('OPTIONS', '/oidc/token/revocation', preflight('POST'));

  /** Userinfo: the claims of the opaque access token's OIDC scopes, as Logto's `findAccount` gives them. */
  const userinfo: Handler = (ctx) => {
    const bearer = ctx.headers.authorization?.match(/^Bearer (.+)$/i)?.[1];
    const value = bearer ?? (ctx.method === 'POST' ? new URLSearchParams(ctx.rawBody).get('access_token') : null);
    const invalidToken = (description: string) => {
      const error = new OidcError('invalid_token', description);
      return json(error.status, error.toBody({ raw: wantsRawOidcError(ctx.url) }), {
        'WWW-Authenticate': `Bearer realm="${signer.issuer}", error="invalid_token", error_description="${description}"`,
      });
    };
    if (!value) return invalidToken('no access token provided');
    const token = grants.findOpaqueAccessToken(value);
    const user = token && findUser(token.userId);
    if (!token || !user || user.isSuspended) return invalidToken('invalid token provided');
    const app = state.applications.find((candidate) => candidate.id === token.clientId);
    if (app) assertOriginAllowed(ctx, app, baseUrl);
    if (!token.scopes.includes('openid')) throw new OidcError('insufficient_scope', 'access token missing openid scope', 403, 'openid');
    return json(200, userClaimsFor(state, user, token.scopes, 'userinfo'), noStore);
  };
  router.get('/oidc/me', withCors(userinfo));
  router.post('/oidc/me', withCors(userinfo));
  router.add('OPTIONS', '/oidc/me', preflight('GET,POST'));
}

/** RFC 7636 S256. */
function createChallenge(verifier: string) {
  return createHash('sha256').update(verifier).digest('base64url');
}
