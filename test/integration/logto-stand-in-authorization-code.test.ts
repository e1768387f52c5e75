/**
 * The Logto stand-in's browser sign-in for the admin console, over real HTTP, driven the way Logto's browser
 * SDK drives it. The requests are built as the SDK's source builds them
 * (logto-io/js: `packages/js/src/core/sign-in.ts` `generateSignInUri`, `fetch-token.ts`
 * `fetchTokenByAuthorizationCode` / `fetchTokenByRefreshToken`, `sign-out.ts` `generateSignOutUri`,
 * `packages/browser/src/utils/generators.ts` for PKCE, `packages/client/src/adapter/defaults.ts`
 * `verifyIdToken`, `packages/client/src/client.ts` for which call carries which parameter); its errors are
 * read with the SDK's own requester (`createRequester`, which `@logto/browser` re-exports).
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { createRemoteJWKSet, decodeJwt, jwtVerify } from 'jose';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

import { LogtoRequestError, createRequester } from '@logto/browser';

import { type StandIn, seed, startLogtoStandIn } from '../../local/logto-stand-in/index.ts';

const clientId = seed.consoleApp.id;
const redirectUri = 'http://127.0.0.1:4000/console/callback';
const postLogoutRedirectUri = 'http://127.0.0.1:4000/console';
const resource = seed.adminClient.resource;
/** The console's `LogtoConfig.scopes`; the SDK adds `openid offline_access profile` (`withReservedScopes`). */
const apiScopes = ['invitations:read', 'invitations:write'];
const admin = seed.adminUser;
/** Every `invalid_grant`, as Logto's `koaOidcErrorHandler` answers it over oidc-provider's body. */
const invalidGrant = {
  code: 'oidc.invalid_grant',
  message: 'Grant request is invalid.',
  error_uri: 'https://openid.sh/debug/invalid_grant',
  error: 'invalid_grant',
  error_description: 'grant request is invalid',
};

interface Discovery {
  issuer: string;
  authorization_endpoint: string;
  token_endpoint: string;
  userinfo_endpoint: string;
  end_session_endpoint: string;
  revocation_endpoint: string;
  jwks_uri: string;
}

interface Page {
  status: number;
  location: string | null;
  headers: Headers;
  text: string;
}

/** A browser's part: cookies kept per name (paths ignored), redirects not followed. */
class Browser {
  private readonly jar = new Map<string, string>();

  async request(url: string, init: RequestInit = {}): Promise<Page> {
    const headers = new Headers(init.headers);
    if (this.jar.size > 0) headers.set('cookie', [...this.jar].map(([name, value]) => `${name}=${value}`).join('; '));
    const response = await fetch(url, { ...init, headers, redirect: 'manual' });
    for (const line of response.headers.getSetCookie()) {
      const [pair = '', ...attributes] = line.split(';');
      const name = pair.slice(0, pair.indexOf('='));
      if (attributes.some((attribute) => attribute.trim().toLowerCase() === 'max-age=0')) this.jar.delete(name);
      else this.jar.set(name, pair.slice(pair.indexOf('=') + 1));
    }
    const location = response.headers.get('location');
    return { status: response.status, location: location && new URL(location, url).href, headers: response.headers, text: await response.text() };
  }

  /** Submits a page's only form with `fields` added to its hidden inputs. */
  submit(page: Page, pageUrl: string, fields: Record<string, string> = {}) {
    const action = /<form[^>]*action="([^"]+)"/.exec(page.text)?.[1];
    if (!action) throw new Error(`no form on the page: ${page.text}`);
    const hidden = Object.fromEntries([...page.text.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)"/g)].map((match) => [match[1], match[2]]));
    return this.request(new URL(action, pageUrl).href, { method: 'POST', body: new URLSearchParams({ ...hidden, ...fields }) });
  }

  has = (name: string) => this.jar.has(name);
}

/** `generateCodeVerifier` / `generateCodeChallenge`: 64 random bytes in base64url, and its S256. */
function pkce() {
  const verifier = randomBytes(64).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

interface SignInOptions {
  challenge: string;
  state: string;
  prompt?: string;
  extra?: Record<string, string>;
}

/** `generateSignInUri` with the console's config: reserved scopes first, then the API's, then `resource`. */
function signInUri(discovery: Discovery, { challenge, state, prompt = 'consent', extra = {} }: SignInOptions) {
  const params = new URLSearchParams({
    client_id: clientId,
    redirect_uri: redirectUri,
    code_challenge: challenge,
    code_challenge_method: 'S256',
    state,
    response_type: 'code',
    prompt,
  });
  params.append('scope', ['openid', 'offline_access', 'profile', ...apiScopes].join(' '));
  params.append('resource', resource);
  for (const [key, value] of Object.entries(extra)) params.set(key, value);
  return `${discovery.authorization_endpoint}?${params}`;
}

async function tokenRequest(discovery: Discovery, form: Record<string, string>, headers: Record<string, string> = {}) {
  const response = await fetch(discovery.token_endpoint, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(form).toString(),
  });
  return { status: response.status, headers: response.headers, body: (await response.json()) as Record<string, any> };
}

/** `fetchTokenByAuthorizationCode` as `handleSignInCallback` calls it: no `resource`. */
const exchangeCode = (discovery: Discovery, code: string, verifier: string, extra: Record<string, string> = {}) =>
  tokenRequest(discovery, { client_id: clientId, code, code_verifier: verifier, redirect_uri: redirectUri, grant_type: 'authorization_code', ...extra });

/** `fetchTokenByRefreshToken` as `getAccessToken(resource)` calls it (`null`: `getAccessToken()`, no resource). */
const refresh = (discovery: Discovery, refreshToken: string, forResource: string | null = resource) =>
  tokenRequest(discovery, {
    client_id: clientId,
    refresh_token: refreshToken,
    grant_type: 'refresh_token',
    ...(forResource ? { resource: forResource } : {}),
  });

/** `verifyIdToken`: the JWKS, `aud` = app id, the issuer, 300 s of clock tolerance, and `iat` near now. */
async function verifyIdToken(discovery: Discovery, idToken: string) {
  const { payload, protectedHeader } = await jwtVerify(idToken, createRemoteJWKSet(new URL(discovery.jwks_uri)), {
    audience: clientId,
    issuer: discovery.issuer,
    clockTolerance: 300,
  });
  expect(Math.abs((payload.iat ?? 0) - Date.now() / 1000)).toBeLessThan(300);
  return { payload, protectedHeader };
}

const started: StandIn[] = [];
const cleanups: Array<() => Promise<void>> = [];

afterEach(async () => {
  vi.useRealTimers();
  await Promise.all(started.splice(0).map((standIn) => standIn.close()));
  await Promise.all(cleanups.splice(0).map((cleanup) => cleanup()));
});

async function start(dataFile?: string) {
  const standIn = await startLogtoStandIn({ port: 0, dataFile });
  started.push(standIn);
  const discovery = (await (await fetch(`${standIn.url}/oidc/.well-known/openid-configuration`)).json()) as Discovery;
  return { standIn, discovery };
}

/** A Management API call as the invitations service makes it. */
async function managementApi(standIn: StandIn, method: string, path: string, body?: unknown) {
  const token = await fetch(`${standIn.url}/oidc/token`, {
    method: 'POST',
    headers: { authorization: `Basic ${Buffer.from(`${seed.m2mApp.id}:${seed.m2mApp.secret}`).toString('base64')}` },
    body: new URLSearchParams({ grant_type: 'client_credentials', resource: seed.managementApiResource, scope: 'all' }),
  });
  const { access_token: accessToken } = (await token.json()) as { access_token: string };
  const response = await fetch(`${standIn.url}/api${path}`, {
    method,
    headers: { authorization: `Bearer ${accessToken}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return (await response.json()) as any;
}

/** Follows `/oidc/auth` to the sign-in page and submits it; returns the page the browser ends on. */
async function signInWithPassword(browser: Browser, discovery: Discovery, options: SignInOptions, identifier: string, password: string) {
  const authorize = await browser.request(signInUri(discovery, options));
  expect(authorize.status).toBe(303);
  const form = await browser.request(authorize.location!);
  expect(form.status).toBe(200);
  return { authorize, form, submitted: await browser.submit(form, authorize.location!, { identifier, password }) };
}

/** Signs the admin in and exchanges the code the SDK's way. */
async function signInAdmin(browser: Browser, discovery: Discovery) {
  const { verifier, challenge } = pkce();
  const { submitted } = await signInWithPassword(browser, discovery, { challenge, state: 'state-1' }, admin.username, admin.password);
  const code = new URL(submitted.location!).searchParams.get('code')!;
  const tokens = await exchangeCode(discovery, code, verifier);
  expect(tokens.status).toBe(200);
  return tokens.body;
}

/** The stand-in and a browser with no cookies, for each test of the describes that use them. */
let standIn: StandIn;
let discovery: Discovery;
let browser: Browser;
async function startWithBrowser() {
  ({ standIn, discovery } = await start());
  browser = new Browser();
}

describe('discovery', () => {
  it('advertises every endpoint and method @logto/browser reads', async () => {
    // Act
    const { standIn, discovery } = await start();

    // Assess
    expect(discovery).toMatchObject({
      issuer: standIn.issuer,
      authorization_endpoint: `${standIn.url}/oidc/auth`,
      token_endpoint: `${standIn.url}/oidc/token`,
      userinfo_endpoint: `${standIn.url}/oidc/me`,
      end_session_endpoint: `${standIn.url}/oidc/session/end`,
      revocation_endpoint: `${standIn.url}/oidc/token/revocation`,
      jwks_uri: `${standIn.url}/oidc/jwks`,
      code_challenge_methods_supported: ['S256'],
      authorization_response_iss_parameter_supported: true,
      token_endpoint_auth_methods_supported: expect.arrayContaining(['none']),
      grant_types_supported: expect.arrayContaining(['authorization_code', 'refresh_token', 'client_credentials']),
      scopes_supported: expect.arrayContaining(['openid', 'offline_access', 'profile']),
    });
  });
});

describe('authorization code with PKCE for the console (local-console, a SPA)', () => {
  beforeEach(startWithBrowser);

  it('signs the admin in on an accessible sign-in page and redirects with code, state and iss', async () => {
    // Prepare
    const { challenge } = pkce();

    // Act
    const { authorize, form, submitted } = await signInWithPassword(browser, discovery, { challenge, state: 'xyz' }, admin.username, admin.password);

    // Assess
    expect(authorize.location).toBe(`${standIn.url}/sign-in?app_id=${clientId}`);
    expect(form.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(form.text).toContain('<html lang="en">');
    expect(form.text).toMatch(/<label for="identifier">Username or email<\/label>\s*<input id="identifier" name="identifier"[^>]*autocomplete="username"/);
    expect(form.text).toMatch(/<label for="password">Password<\/label>\s*<input id="password" name="password" type="password"/);
    expect(form.text).not.toContain('<script');
    expect(submitted.status).toBe(303);
    const callback = new URL(submitted.location!);
    expect(`${callback.origin}${callback.pathname}`).toBe(redirectUri);
    expect(callback.searchParams.get('state')).toBe('xyz');
    expect(callback.searchParams.get('iss')).toBe(standIn.issuer);
    expect(callback.searchParams.get('code')).toMatch(/^[\w-]{43}$/);
    expect(browser.has('_session')).toBe(true);
    expect((await managementApi(standIn, 'GET', `/users/${admin.id}`)).lastSignInAt).toBeGreaterThan(0);
  });

  it('exchanges the code as handleSignInCallback does: an ID token for the console, an opaque token and a refresh token', async () => {
    // Prepare
    const { verifier, challenge } = pkce();
    const { submitted } = await signInWithPassword(
      browser,
      discovery,
      { challenge, state: 's', extra: { nonce: 'n-0S6_WzA2Mj' } },
      admin.primaryEmail.toUpperCase(),
      admin.password,
    );

    // Act
    const tokens = await exchangeCode(discovery, new URL(submitted.location!).searchParams.get('code')!, verifier);

    // Assess
    expect(tokens.status).toBe(200);
    expect(tokens.headers.get('cache-control')).toBe('no-store');
    expect(tokens.body).toEqual({
      access_token: expect.stringMatching(/^[\w-]{43}$/),
      expires_in: 3600,
      id_token: expect.any(String),
      refresh_token: expect.stringMatching(/^[\w-]{43}$/),
      scope: 'openid offline_access profile',
      token_type: 'Bearer',
    });
    const { payload, protectedHeader } = await verifyIdToken(discovery, tokens.body.id_token);
    expect(protectedHeader).toEqual({ alg: 'ES384', kid: expect.any(String) });
    expect(payload).toMatchObject({ sub: admin.id, aud: clientId, nonce: 'n-0S6_WzA2Mj', username: admin.username, name: admin.name, picture: null });
    expect(payload.exp! - payload.iat!).toBe(3600);
    expect(payload).not.toHaveProperty('at_hash');
    expect(payload).not.toHaveProperty('email');
  });

  it("gives getAccessToken(resource) a JWT for the admin API with the admin's scopes, rotating the refresh token", async () => {
    // Prepare
    const first = await signInAdmin(browser, discovery);

    // Act
    const refreshed = await refresh(discovery, first.refresh_token);

    // Assess
    expect(refreshed.status).toBe(200);
    expect(refreshed.body).toMatchObject({ expires_in: 3600, scope: apiScopes.join(' '), token_type: 'Bearer' });
    const { payload, protectedHeader } = await jwtVerify(refreshed.body.access_token, createRemoteJWKSet(new URL(discovery.jwks_uri)), {
      issuer: standIn.issuer,
      audience: resource,
    });
    expect(protectedHeader).toMatchObject({ alg: 'ES384', typ: 'at+jwt' });
    expect(payload).toMatchObject({ sub: admin.id, client_id: clientId, scope: apiScopes.join(' ') });
    expect(Object.keys(payload).sort()).toEqual(['aud', 'client_id', 'exp', 'iat', 'iss', 'jti', 'scope', 'sub']);
    expect(refreshed.body.refresh_token).not.toBe(first.refresh_token);
    expect((await verifyIdToken(discovery, refreshed.body.id_token)).payload.sub).toBe(admin.id);
  });

  it('refuses a rotated-away refresh token, and its reuse revokes the refresh token that replaced it', async () => {
    // Prepare
    const first = await signInAdmin(browser, discovery);
    const second = await refresh(discovery, first.refresh_token);

    // Act
    const reused = await refresh(discovery, first.refresh_token);
    const successor = await refresh(discovery, second.body.refresh_token);

    // Assess
    expect([reused.status, reused.body]).toEqual([400, invalidGrant]);
    expect([successor.status, successor.body.error]).toEqual([400, 'invalid_grant']);
  });

  it('issues the JWT at the code exchange when the token request names the resource, and the opaque token serves userinfo', async () => {
    // Prepare
    const { verifier, challenge } = pkce();
    const { submitted } = await signInWithPassword(browser, discovery, { challenge, state: 's' }, admin.username, admin.password);
    const code = new URL(submitted.location!).searchParams.get('code')!;

    // Act
    const withResource = await exchangeCode(discovery, code, verifier, { resource });
    const userinfoToken = (await refresh(discovery, withResource.body.refresh_token, null)).body.access_token;
    const userinfo = await fetch(discovery.userinfo_endpoint, { headers: { authorization: `Bearer ${userinfoToken}` } });
    const withJwt = await fetch(discovery.userinfo_endpoint, { headers: { authorization: `Bearer ${withResource.body.access_token}` } });

    // Assess
    expect(withResource.body.scope).toBe(apiScopes.join(' '));
    expect(decodeJwt(withResource.body.access_token)).toMatchObject({ aud: resource, sub: admin.id, scope: apiScopes.join(' ') });
    expect(userinfo.status).toBe(200);
    expect(await userinfo.json()).toMatchObject({ sub: admin.id, username: admin.username, name: admin.name });
    expect([withJwt.status, ((await withJwt.json()) as { error: string }).error]).toEqual([401, 'invalid_token']);
    expect(withJwt.headers.get('www-authenticate')).toContain('error="invalid_token"');
  });

  it('grants only the permissions the user holds: a user without the admin role gets a token without scope', async () => {
    // Prepare
    await managementApi(standIn, 'POST', '/users', { username: 'viewer', password: 'Viewer-Passw0rd' });
    const { verifier, challenge } = pkce();
    const { submitted } = await signInWithPassword(browser, discovery, { challenge, state: 's' }, 'viewer', 'Viewer-Passw0rd');
    const tokens = await exchangeCode(discovery, new URL(submitted.location!).searchParams.get('code')!, verifier);

    // Act
    const refreshed = await refresh(discovery, tokens.body.refresh_token);

    // Assess
    expect(refreshed.status).toBe(200);
    expect(refreshed.body.scope).toBe('');
    const { payload } = await jwtVerify(refreshed.body.access_token, createRemoteJWKSet(new URL(discovery.jwks_uri)), { audience: resource });
    expect(payload).not.toHaveProperty('scope');
  });

  it('refuses a wrong verifier and a wrong redirect_uri without using the code up; a replayed code also revokes its tokens', async () => {
    // Prepare
    const { verifier, challenge } = pkce();
    const { submitted } = await signInWithPassword(browser, discovery, { challenge, state: 's' }, admin.username, admin.password);
    const code = new URL(submitted.location!).searchParams.get('code')!;

    // Act
    const wrongVerifier = await exchangeCode(discovery, code, pkce().verifier);
    const noVerifier = await tokenRequest(discovery, { client_id: clientId, code, redirect_uri: redirectUri, grant_type: 'authorization_code' });
    const wrongRedirect = await exchangeCode(discovery, code, verifier, { redirect_uri: 'http://localhost:4000/console/callback' });
    const exchanged = await exchangeCode(discovery, code, verifier);
    const replayed = await exchangeCode(discovery, code, verifier);
    const afterReplay = await refresh(discovery, exchanged.body.refresh_token);

    // Assess
    expect([wrongVerifier.status, wrongVerifier.body]).toEqual([400, invalidGrant]);
    expect([noVerifier.status, noVerifier.body]).toEqual([400, invalidGrant]);
    expect([wrongRedirect.status, wrongRedirect.body]).toEqual([400, invalidGrant]);
    expect(exchanged.status).toBe(200);
    expect([replayed.status, replayed.body]).toEqual([400, invalidGrant]);
    expect([afterReplay.status, afterReplay.body]).toEqual([400, invalidGrant]);
  });

  it('refuses a code after its 60 s, and one presented by another client', async () => {
    // Prepare
    const { verifier, challenge } = pkce();
    const { submitted } = await signInWithPassword(browser, discovery, { challenge, state: 's' }, admin.username, admin.password);
    const code = new URL(submitted.location!).searchParams.get('code')!;
    const basic = `Basic ${Buffer.from(`${seed.demoApp.id}:local-demo-secret`).toString('base64')}`;

    // Act
    const otherClient = await tokenRequest(
      discovery,
      { code, code_verifier: verifier, redirect_uri: redirectUri, grant_type: 'authorization_code' },
      { authorization: basic },
    );
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() + 61_000 });
    const late = await exchangeCode(discovery, code, verifier);

    // Assess
    expect([otherClient.status, otherClient.body.error]).toEqual([400, 'invalid_grant']);
    expect([late.status, late.body.error]).toEqual([400, 'invalid_grant']);
  });

  it("answers errors in Logto's shape, which the SDK's requester turns into LogtoRequestError with the OIDC code", async () => {
    // Prepare
    // The requester logs every refusal it reads.
    const quiet = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    cleanups.push(async () => quiet.mockRestore());
    const requester = createRequester(fetch);
    const first = await signInAdmin(browser, discovery);
    const form = (extra: Record<string, string>) => ({
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ client_id: clientId, grant_type: 'refresh_token', ...extra }).toString(),
    });

    // Act
    const thrown = await requester(discovery.token_endpoint, form({ refresh_token: 'not-a-refresh-token' })).catch((error: unknown) => error);
    const raw = await tokenRequest({ ...discovery, token_endpoint: `${discovery.token_endpoint}?parse_error=false` }, { client_id: clientId, grant_type: 'refresh_token', refresh_token: 'x' });
    const widened = await tokenRequest(discovery, { client_id: clientId, grant_type: 'refresh_token', refresh_token: first.refresh_token, resource, scope: 'invitations:read invitations:delete' });

    // Assess
    expect(thrown).toBeInstanceOf(LogtoRequestError);
    expect(thrown).toMatchObject({ code: 'oidc.invalid_grant', message: 'Grant request is invalid.' });
    expect(await (thrown as LogtoRequestError).cause?.json()).toEqual(invalidGrant);
    expect([raw.status, raw.body]).toEqual([400, { error: 'invalid_grant', error_description: 'grant request is invalid' }]);
    // oidc-provider names the scopes at issue; Logto's phrase keeps its placeholder (it passes i18next only the code).
    expect([widened.status, widened.body]).toEqual([
      400,
      {
        code: 'oidc.invalid_scope',
        message: 'Invalid scope: {{error_description}}.',
        error: 'invalid_scope',
        error_description: 'refresh token missing requested scope',
        scope: 'invitations:delete',
      },
    ]);
  });

  it('authenticates the public client by client_id alone: a secret, or no client_id, is refused', async () => {
    // Act
    const withSecret = await tokenRequest(discovery, { client_id: clientId, client_secret: 'guess', grant_type: 'refresh_token', refresh_token: 'x' });
    const anonymous = await tokenRequest(discovery, { grant_type: 'refresh_token', refresh_token: 'x' });
    const clientCredentials = await tokenRequest(discovery, { client_id: clientId, grant_type: 'client_credentials', resource });

    // Assess
    expect([withSecret.status, withSecret.body]).toEqual([
      401,
      { code: 'oidc.invalid_client', message: 'An OIDC error occurred: oidc.invalid_client.', error: 'invalid_client', error_description: 'client authentication failed' },
    ]);
    expect([anonymous.status, anonymous.body.error_description]).toEqual([400, 'no client authentication mechanism provided']);
    expect([clientCredentials.status, clientCredentials.body.error_description]).toEqual([400, 'requested grant type is not allowed for this client']);
  });

  it('shows the form again, with the error and without a redirect, for a wrong password or an unknown user', async () => {
    // Prepare
    const { challenge } = pkce();

    // Act
    const { authorize, submitted: wrongPassword } = await signInWithPassword(browser, discovery, { challenge, state: 's' }, admin.username, 'not-it');
    const unknown = await browser.submit(wrongPassword, authorize.location!, { identifier: 'nobody', password: admin.password });
    const caseChanged = await browser.submit(wrongPassword, authorize.location!, { identifier: admin.username.toUpperCase(), password: admin.password });
    const right = await browser.submit(wrongPassword, authorize.location!, { identifier: admin.username, password: admin.password });

    // Assess
    for (const refused of [wrongPassword, unknown, caseChanged]) {
      expect([refused.status, refused.location]).toEqual([422, null]);
      expect(refused.text).toContain('<p id="sign-in-error" class="error" role="alert">Incorrect account or password. Please check your input.</p>');
      expect(refused.text).toContain('aria-describedby="sign-in-error"');
    }
    expect(wrongPassword.text).toContain(`value="${admin.username}"`);
    expect(right.status).toBe(303);
    expect(new URL(right.location!).searchParams.get('code')).toBeTruthy();
  });

  it('refuses a suspended user on the page, and a form with no sign-in pending', async () => {
    // Prepare
    await managementApi(standIn, 'PATCH', `/users/${admin.id}/is-suspended`, { isSuspended: true });
    const { challenge } = pkce();

    // Act
    const { submitted } = await signInWithPassword(browser, discovery, { challenge, state: 's' }, admin.username, admin.password);
    const stray = await new Browser().request(`${standIn.url}/sign-in`, { method: 'POST', body: new URLSearchParams({ identifier: 'admin', password: 'x' }) });

    // Assess
    expect([submitted.status, submitted.location]).toEqual([401, null]);
    expect(submitted.text).toContain('This account has been suspended.');
    expect(stray.status).toBe(400);
    expect(stray.text).toContain('Session not found');
  });

  it('checks the request as oidc-provider does: PKCE required and S256 only, registered redirect URIs, known resources', async () => {
    // Prepare
    const { challenge } = pkce();
    const authorize = (extra: Record<string, string>) => browser.request(signInUri(discovery, { challenge, state: 'st', extra }));
    const query = new URL(signInUri(discovery, { challenge, state: 'st' })).searchParams;
    query.delete('code_challenge');
    query.delete('code_challenge_method');

    // Act
    const noPkce = await browser.request(`${discovery.authorization_endpoint}?${query}`);
    const plain = await authorize({ code_challenge_method: 'plain' });
    const unknownResource = await authorize({ resource: 'https://unknown.example/api' });
    const badPrompt = await authorize({ prompt: 'select_account' });
    const unregistered = await authorize({ redirect_uri: 'http://127.0.0.1:4000/elsewhere' });

    // Assess
    const errorOf = (page: Page) => {
      const location = new URL(page.location!);
      return [page.status, `${location.origin}${location.pathname}`, Object.fromEntries(location.searchParams)];
    };
    const redirected = (error: string, description: string) => [302, redirectUri, { error, error_description: description, state: 'st', iss: standIn.issuer }];
    expect(errorOf(noPkce)).toEqual(redirected('invalid_request', 'Authorization Server policy requires PKCE to be used for this request'));
    expect(errorOf(plain)).toEqual(redirected('invalid_request', 'not supported value of code_challenge_method'));
    expect(errorOf(unknownResource)).toEqual(redirected('invalid_target', 'resource indicator is missing, or unknown'));
    expect(errorOf(badPrompt)).toEqual(redirected('invalid_request', 'unsupported prompt value requested'));
    expect([unregistered.status, unregistered.location, JSON.parse(unregistered.text).error]).toEqual([400, null, 'invalid_redirect_uri']);
  });

  it('keeps the browser signed in: the next /oidc/auth skips the form unless prompt=login; prompt=none needs a session', async () => {
    // Prepare
    const noSession = await browser.request(signInUri(discovery, { challenge: pkce().challenge, state: 'n', prompt: 'none' }));
    await signInAdmin(browser, discovery);
    const { verifier, challenge } = pkce();

    // Act
    const again = await browser.request(signInUri(discovery, { challenge, state: 'again' }));
    const silent = await browser.request(signInUri(discovery, { challenge: pkce().challenge, state: 'silent', prompt: 'none' }));
    const forced = await browser.request(signInUri(discovery, { challenge: pkce().challenge, state: 'forced', prompt: 'login' }));

    // Assess
    expect(new URL(noSession.location!).searchParams.get('error')).toBe('login_required');
    expect(again.status).toBe(302);
    const callback = new URL(again.location!);
    expect(callback.searchParams.get('state')).toBe('again');
    const tokens = await exchangeCode(discovery, callback.searchParams.get('code')!, verifier);
    expect((await verifyIdToken(discovery, tokens.body.id_token)).payload.sub).toBe(admin.id);
    expect(new URL(silent.location!).searchParams.get('code')).toBeTruthy();
    expect([forced.status, forced.location]).toEqual([303, `${standIn.url}/sign-in?app_id=${clientId}`]);
  });
});

describe('sign-out', () => {
  beforeEach(startWithBrowser);

  it('signs out as signOut does: revokes the refresh token, then the logout page ends the session and returns to the console', async () => {
    // Prepare
    const tokens = await signInAdmin(browser, discovery);
    const revoked = await fetch(discovery.revocation_endpoint, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ client_id: clientId, token: tokens.refresh_token }).toString(),
    });
    // generateSignOutUri: client_id and post_logout_redirect_uri only.
    const signOutUri = `${discovery.end_session_endpoint}?${new URLSearchParams({ client_id: clientId, post_logout_redirect_uri: postLogoutRedirectUri })}`;

    // Act
    const logoutPage = await browser.request(signOutUri);
    const confirmed = await browser.submit(logoutPage, signOutUri);
    const next = await browser.request(signInUri(discovery, { challenge: pkce().challenge, state: 'after' }));

    // Assess
    expect([revoked.status, await revoked.text()]).toEqual([200, '']);
    expect((await refresh(discovery, tokens.refresh_token)).body.error).toBe('invalid_grant');
    expect(logoutPage.status).toBe(200);
    expect(logoutPage.text).toContain(`onload="document.getElementById('op.logoutForm').submit();"`);
    expect([confirmed.status, confirmed.location]).toEqual([303, postLogoutRedirectUri]);
    expect(browser.has('_session')).toBe(false);
    expect([next.status, next.location]).toEqual([303, `${standIn.url}/sign-in?app_id=${clientId}`]);
  });

  it('takes an id_token_hint and state, keeps offline_access tokens past logout, and ends at the success page without a redirect URI', async () => {
    // Prepare
    const tokens = await signInAdmin(browser, discovery);
    const withHint = `${discovery.end_session_endpoint}?${new URLSearchParams({ id_token_hint: tokens.id_token, post_logout_redirect_uri: postLogoutRedirectUri, state: 'bye' })}`;
    const other = new Browser();
    await signInAdmin(other, discovery);
    const plain = `${discovery.end_session_endpoint}?${new URLSearchParams({ client_id: clientId })}`;

    // Act
    const confirmed = await browser.submit(await browser.request(withHint), withHint);
    const stillRefreshes = await refresh(discovery, tokens.refresh_token);
    const toSuccess = await other.submit(await other.request(plain), plain);
    const success = await other.request(toSuccess.location!);

    // Assess
    expect(confirmed.location).toBe(`${postLogoutRedirectUri}?state=bye`);
    expect(stillRefreshes.status).toBe(200);
    expect([toSuccess.status, toSuccess.location]).toEqual([303, `${standIn.url}/oidc/session/end/success`]);
    expect(success.text).toContain('You have successfully signed out.');
  });

  it('refuses an unregistered post_logout_redirect_uri, a hint for another client, and a confirmation without its form', async () => {
    // Prepare
    const tokens = await signInAdmin(browser, discovery);
    const endSession = (params: Record<string, string>) => browser.request(`${discovery.end_session_endpoint}?${new URLSearchParams(params)}`);

    // Act
    const unregistered = await endSession({ client_id: clientId, post_logout_redirect_uri: 'https://evil.example/' });
    const mismatch = await endSession({ client_id: seed.demoApp.id, id_token_hint: tokens.id_token });
    const forged = await browser.request(`${standIn.url}/oidc/session/end/confirm`, { method: 'POST', body: new URLSearchParams({ xsrf: 'guess', logout: 'yes' }) });

    // Assess
    expect([unregistered.status, JSON.parse(unregistered.text)]).toEqual([
      400,
      { code: 'oidc.invalid_request', message: 'Request is invalid.', error: 'invalid_request', error_description: 'post_logout_redirect_uri not registered' },
    ]);
    expect(JSON.parse(mismatch.text).error_description).toBe('client_id does not match the provided id_token_hint');
    expect([forged.status, JSON.parse(forged.text).error_description]).toEqual([400, 'could not find logout details']);
    expect(browser.has('_session')).toBe(true);
  });
});

describe('CORS for a console on another origin', () => {
  it("answers the console's origin on discovery, JWKS, token and userinfo, and refuses an origin the client does not have", async () => {
    // Prepare
    const { discovery } = await start();
    const origin = 'http://127.0.0.1:4000';
    // Act
    const discovered = await fetch(`${discovery.issuer}/.well-known/openid-configuration`, { headers: { origin } });
    const token = await tokenRequest(discovery, { client_id: clientId, grant_type: 'refresh_token', refresh_token: 'unknown' }, { origin });
    const foreign = await tokenRequest(discovery, { client_id: clientId, grant_type: 'refresh_token', refresh_token: 'unknown' }, { origin: 'https://evil.example' });
    const preflight = await fetch(discovery.userinfo_endpoint, {
      method: 'OPTIONS',
      headers: { origin, 'access-control-request-method': 'GET', 'access-control-request-headers': 'authorization' },
    });

    // Assess
    expect(discovered.headers.get('access-control-allow-origin')).toBe(origin);
    expect([token.status, token.headers.get('access-control-allow-origin')]).toEqual([400, origin]);
    expect([foreign.status, foreign.headers.get('access-control-allow-origin'), foreign.body.error_description]).toEqual([
      400,
      null,
      `origin https://evil.example not allowed for client: ${clientId}`,
    ]);
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe(origin);
    expect(preflight.headers.get('access-control-allow-headers')).toBe('authorization');
  });
});

describe('seeding', () => {
  it("gives an older data file the console app, its admin role and the admin user, and points the console's URIs at the API", async () => {
    // Prepare
    const directory = await mkdtemp(join(tmpdir(), 'logto-stand-in-'));
    cleanups.push(() => rm(directory, { recursive: true, force: true }));
    const dataFile = join(directory, 'logto.json');
    const first = await startLogtoStandIn({ port: 0, dataFile });
    await first.close();
    const old = JSON.parse(await readFile(dataFile, 'utf8'));
    old.applications = old.applications.filter((app: { id: string }) => app.id !== clientId);
    for (const app of old.applications) delete app.postLogoutRedirectUris;
    old.roles = old.roles.filter((role: { id: string }) => role.id !== seed.consoleAdminRole);
    old.users = [];
    old.userRoles = [];
    await writeFile(dataFile, JSON.stringify(old));

    // Act
    const standIn = await startLogtoStandIn({ port: 0, dataFile, apiBaseUrl: 'http://127.0.0.1:4555' });
    started.push(standIn);
    const app = await managementApi(standIn, 'GET', `/applications/${clientId}`);
    const roles = await managementApi(standIn, 'GET', `/users/${admin.id}/roles`);

    // Assess
    expect(app).toMatchObject({
      type: 'SPA',
      oidcClientMetadata: {
        redirectUris: ['http://127.0.0.1:4555/console/callback', 'http://localhost:4555/console/callback'],
        postLogoutRedirectUris: ['http://127.0.0.1:4555/console', 'http://localhost:4555/console'],
      },
    });
    expect(roles.map((role: { id: string }) => role.id)).toEqual([seed.consoleAdminRole]);
  });
});
