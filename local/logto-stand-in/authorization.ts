/**
 * The authorization request as oidc-provider checks it under Logto's configuration
 * (packages/core/src/oidc/init.ts), and what a user is granted for it. Shared by the authorization endpoint
 * (which issues codes) and the token endpoint (which turns them into tokens).
 */
import { oidcScopes } from './claims.ts';
import { OidcError } from './errors.ts';
import type { AuthorizationRequest } from './grants.ts';
import { type Application, type StandInState, grantTypes, isPublicClient } from './model.ts';
import { apiResources, userRolePermissions } from './seed.ts';

/** oidc-provider's prompts under Logto's interaction policy. */
const supportedPrompts: ReadonlySet<string> = new Set(['login', 'consent', 'none']);

/** An empty parameter counts as absent (RFC 6749 §3.1; oidc-provider keeps `params[key] || undefined`). */
export const parameter = (query: URLSearchParams, name: string) => query.get(name) || undefined;

const invalidRequest = (description: string) => new OidcError('invalid_request', description);

/** oidc-provider's `pkce_format`: 43 to 128 characters of `[A-Za-z0-9._~-]`. */
export function checkPkceFormat(value: string, name: 'code_challenge' | 'code_verifier') {
  if (value.length < 43) throw invalidRequest(`${name} must be a string with a minimum length of 43 characters`);
  if (value.length > 128) throw invalidRequest(`${name} must be a string with a maximum length of 128 characters`);
  if (/[^\w.\-~]/.test(value)) throw invalidRequest(`${name} contains invalid characters`);
}

/**
 * Logto's `koaResourceParam` splits `resource=a,b` into two; each must be an absolute URI without a
 * fragment, and (Logto's `getResourceServerInfo`) an API resource of the tenant.
 */
export function resourceIndicators(params: URLSearchParams): string[] {
  const resources = params.getAll('resource').flatMap((value) => value.split(',')).filter(Boolean);
  for (const resource of resources) {
    if (!URL.canParse(resource)) throw new OidcError('invalid_target', 'resource indicator must be an absolute URI');
    if (new URL(resource).href.includes('#')) throw new OidcError('invalid_target', 'resource indicator must not contain a fragment component');
    if (!apiResources[resource]) throw new OidcError('invalid_target', 'resource indicator is missing, or unknown');
  }
  return [...new Set(resources)];
}

/**
 * The checks oidc-provider runs once the client and its redirect URI are trusted, in its order; each
 * failure is an {@link OidcError} the caller sends back to the redirect URI.
 */
export function checkAuthorizationRequest(app: Application, redirectUri: string, query: URLSearchParams) {
  const responseType = parameter(query, 'response_type');
  if (!responseType) throw invalidRequest("missing required parameter 'response_type'");
  if (responseType !== 'code') throw new OidcError('unsupported_response_type', 'unsupported response_type requested');

  const prompts = new Set((parameter(query, 'prompt') ?? '').split(' ').filter(Boolean));
  if ([...prompts].some((prompt) => !supportedPrompts.has(prompt))) throw invalidRequest('unsupported prompt value requested');
  if (prompts.has('none') && prompts.size !== 1) throw invalidRequest('prompt none must only be used alone');

  // offline_access is ignored unless the prompt includes consent and the client may refresh (OIDC Core §11).
  let scopes = [...new Set((parameter(query, 'scope') ?? '').split(' ').filter(Boolean))];
  if (!prompts.has('consent') || !grantTypes(app).includes('refresh_token')) scopes = scopes.filter((scope) => scope !== 'offline_access');

  const nonce = parameter(query, 'nonce');
  if (nonce !== undefined && !scopes.includes('openid')) throw invalidRequest('openid scope must be requested when using the nonce parameter');

  const codeChallenge = parameter(query, 'code_challenge');
  const method = parameter(query, 'code_challenge_method');
  if (!method && codeChallenge) throw invalidRequest('code_challenge_method must be provided');
  if (method && method !== 'S256') throw invalidRequest('not supported value of code_challenge_method');
  if (method && !codeChallenge) throw invalidRequest('code_challenge must be provided with code_challenge_method');
  // Logto's `pkce.required`: every client but a `client_secret_basic` one, so SPA and Native apps.
  if (!codeChallenge && isPublicClient(app)) throw invalidRequest('Authorization Server policy requires PKCE to be used for this request');
  if (codeChallenge) checkPkceFormat(codeChallenge, 'code_challenge');

  const resources = resourceIndicators(query);
  // Without a resource, only OIDC scopes are kept (oidc-provider's `filterStatics`).
  if (resources.length === 0) scopes = scopes.filter((scope) => oidcScopes.has(scope));

  const request: AuthorizationRequest = { clientId: app.id, redirectUri, state: query.get('state') ?? undefined, scopes, resources, nonce, codeChallenge };
  return { request, prompts };
}

/** The permissions a user's roles hold for an API resource (Logto's `findResourceScopes` for a user). */
export function userPermissions(state: StandInState, userId: string, resource: string): Set<string> {
  const roleIds = state.userRoles.filter((row) => row.userId === userId).map((row) => row.roleId);
  return new Set(roleIds.flatMap((roleId) => userRolePermissions[roleId]?.[resource] ?? []));
}

/**
 * What Logto's auto-consent grants a first-party app: every OIDC scope asked for, and per resource the
 * requested permissions the user's roles hold (the others are dropped, not refused).
 */
export function grantedScopes(state: StandInState, request: AuthorizationRequest, userId: string): string[] {
  const granted = new Set(request.scopes.filter((scope) => oidcScopes.has(scope)));
  for (const resource of request.resources) {
    const held = userPermissions(state, userId, resource);
    for (const scope of request.scopes) if (held.has(scope)) granted.add(scope);
  }
  return [...granted];
}

/**
 * The redirect back to the app, with `iss` (RFC 9207: oidc-provider adds it to every query response, and
 * Logto's discovery says `authorization_response_iss_parameter_supported`).
 */
export function authorizationResponse(redirectUri: string, issuer: string, fields: Record<string, string | undefined>): string {
  const location = new URL(redirectUri);
  for (const [name, value] of Object.entries({ ...fields, iss: issuer })) if (value !== undefined) location.searchParams.set(name, value);
  return location.href;
}
