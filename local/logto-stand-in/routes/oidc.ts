/**
 * The OIDC endpoints machine clients use: discovery, JWKS and the token endpoint's `client_credentials`
 * grant, answering like oidc-provider under Logto's configuration (resource indicators, JWT access tokens
 * of 3600 s, granted scopes = requested ∩ what the app's M2M roles hold for that resource).
 */
import { randomBytes } from 'node:crypto';

import { OidcError } from '../errors.ts';
import { z } from 'zod';

import { type Context, type Router, guardBody, json } from '../http.ts';
import type { TokenSigner } from '../keys.ts';
import type { Application, ApplicationSecret } from '../model.ts';
import { apiResources } from '../seed.ts';
import type { RouteDeps } from './types.ts';

const accessTokenTtlSeconds = 3600;

export interface OidcDeps extends RouteDeps {
  signer: TokenSigner;
  /** The stand-in's base URL, e.g. `http://127.0.0.1:4001`. */
  baseUrl: string;
}

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
 * Logto's client-auth middleware first looks the pair up in `application_secrets` (an expired match is
 * refused with `invalid_request`), then falls back to oidc-provider's check of the app's own `secret`.
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
  const issued = secrets.find((secret) => secret.applicationId === credentials.id && secret.value === credentials.secret);
  if (issued?.expiresAt != null && issued.expiresAt < Date.now()) throw new OidcError('invalid_request', 'client secret has expired');
  if (!app || (!issued && app.secret !== credentials.secret)) throw new OidcError('invalid_client', 'client authentication failed');
  return app;
}

export function oidcRoutes(router: Router, { store, library, signer, baseUrl }: OidcDeps) {
  /**
   * Test support, not Logto: a signed-in user's access token for an API resource, as Logto issues one to an
   * app after the user's sign-in (the authorization-code grant is not modelled). The scopes asked for are
   * granted; Logto grants those the user's roles hold.
   */
  router.post('/__standin/user-token', async (ctx) => {
    const body = guardBody(
      z.object({ userId: z.string().min(1), resource: z.string().min(1), scope: z.string().default(''), clientId: z.string().default('local-demo') }),
      ctx,
    );
    const user = library.findUser(body.userId);
    if (!apiResources[body.resource]) throw new OidcError('invalid_target', 'resource indicator is missing, or unknown');
    const scope = body.scope.split(' ').filter(Boolean).join(' ') || undefined;
    const accessToken = await signer.sign({ clientId: body.clientId, subject: user.id, audience: body.resource, scope }, accessTokenTtlSeconds);
    return json(200, { access_token: accessToken, expires_in: accessTokenTtlSeconds, token_type: 'Bearer', scope });
  });

  router.get('/oidc/.well-known/openid-configuration', () =>
    json(200, {
      issuer: signer.issuer,
      authorization_endpoint: `${baseUrl}/oidc/auth`,
      token_endpoint: `${baseUrl}/oidc/token`,
      jwks_uri: `${baseUrl}/oidc/jwks`,
      response_types_supported: ['code'],
      grant_types_supported: ['client_credentials'],
      token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
      id_token_signing_alg_values_supported: [signer.publicJwk.alg],
    }),
  );

  router.get('/oidc/jwks', () => json(200, { keys: [signer.publicJwk] }));

  router.post('/oidc/token', async (ctx) => {
    if (!ctx.headers['content-type']?.startsWith('application/x-www-form-urlencoded')) {
      throw new OidcError('invalid_request', 'only application/x-www-form-urlencoded content-type bodies are supported on POST /token');
    }
    const form = new URLSearchParams(ctx.rawBody);
    const app = authenticateClient(ctx, form, store.state.applications, store.state.applicationSecrets);

    const grantType = form.get('grant_type');
    if (!grantType) throw new OidcError('invalid_request', "missing required parameter 'grant_type'");
    if (grantType !== 'client_credentials') throw new OidcError('unsupported_grant_type', 'unsupported grant_type requested');
    if (app.type !== 'MachineToMachine') {
      throw new OidcError('unauthorized_client', 'requested grant type is not allowed for this client');
    }

    const requested = [...new Set((form.get('scope') ?? '').split(' ').filter(Boolean))];
    const resources = form.getAll('resource');
    const headers = { 'Cache-Control': 'no-store' };
    if (resources.length > 1) {
      throw new OidcError('invalid_target', 'only a single resource indicator value is supported for this grant type');
    }
    const [resource] = resources;
    if (resource === undefined) {
      // No resource and no default resource: oidc-provider issues an opaque token, which no API accepts.
      const scope = requested.join(' ') || undefined;
      const accessToken = randomBytes(32).toString('base64url');
      return json(200, { access_token: accessToken, expires_in: accessTokenTtlSeconds, token_type: 'Bearer', scope }, headers);
    }
    if (!apiResources[resource]) throw new OidcError('invalid_target', 'resource indicator is missing, or unknown');

    // Permissions the app does not hold are dropped, not refused; none left means a token without scope.
    const allowed = new Set(app.grantedScopes[resource] ?? []);
    const scope = requested.filter((name) => allowed.has(name)).join(' ') || undefined;
    const accessToken = await signer.sign({ clientId: app.id, audience: resource, scope }, accessTokenTtlSeconds);
    return json(200, { access_token: accessToken, expires_in: accessTokenTtlSeconds, token_type: 'Bearer', scope }, headers);
  });
}
