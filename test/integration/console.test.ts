/**
 * The admin console as a browser gets it from the local stack, over HTTP: the same handler the console
 * Lambda runs, behind the local API Gateway adapter, serving a build laid out as Vite writes it.
 */
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scopes } from '../../lambdas/handlers/http/routes.ts';
import { seed, startLogtoStandIn, type StandIn } from '../../local/logto-stand-in/index.ts';
import { startLocalStack, type LocalStack } from '../../local/stack.ts';
import { writeConsoleBuild, type ConsoleBuild } from '../support/console-build.ts';
import { client } from '../support/local-stack.ts';

let build: ConsoleBuild;
let stack: LocalStack;

beforeAll(async () => {
  build = writeConsoleBuild();
  stack = await startLocalStack({ logLevel: 'SILENT', consoleDirectory: build.directory });
});

afterAll(async () => {
  await stack?.close();
  if (build) rmSync(build.directory, { recursive: true, force: true });
});

/** A request as a browser sends it, without decompressing: what came over the wire, as it came. */
async function get(path: string, headers: Record<string, string> = {}, base = stack.apiUrl) {
  const response = await fetch(`${base}${path}`, { headers: { 'accept-encoding': 'identity', ...headers }, redirect: 'manual' });
  return { status: response.status, headers: response.headers, body: Buffer.from(await response.arrayBuffer()) };
}

const expectedPolicy = (logto: string) =>
  `default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: https:; connect-src 'self' ${logto}; ` +
  `object-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'self' ${logto}`;

describe('the console page', () => {
  it('serves index.html at /console and /console/, revalidated every time, under a strict policy', async () => {
    // Act
    const page = await get('/console');
    const slashed = await get('/console/');

    // Assess
    for (const reply of [page, slashed]) {
      expect(reply.status).toBe(200);
      expect(reply.body.equals(build.files['index.html']!)).toBe(true);
      expect(reply.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(reply.headers.get('cache-control')).toBe('no-cache');
      expect(reply.headers.get('content-security-policy')).toBe(expectedPolicy(stack.logtoUrl));
      expect(reply.headers.get('x-content-type-options')).toBe('nosniff');
      expect(reply.headers.get('referrer-policy')).toBe('same-origin');
    }
  });

  it("answers the SPA's own routes (an invitation, the sign-in callback) with index.html, for its router", async () => {
    // Act
    const replies = await Promise.all(['/console/invitations/inv_abc', '/console/callback?code=abc&state=xyz&iss=x', '/console/access-requests'].map((path) => get(path)));

    // Assess
    for (const reply of replies) {
      expect([reply.status, reply.headers.get('content-type'), reply.headers.get('cache-control')]).toEqual([200, 'text/html; charset=utf-8', 'no-cache']);
      expect(reply.body.equals(build.files['index.html']!)).toBe(true);
      expect(reply.headers.get('content-security-policy')).toContain("script-src 'self'");
    }
  });

  it('answers a request with the ETag it has with 304 and no body', async () => {
    // Prepare
    const first = await get('/console');

    // Act
    const again = await get('/console', { 'if-none-match': first.headers.get('etag')! });

    // Assess
    expect(first.headers.get('etag')).toMatch(/^W\/"[\w-]{22}"$/);
    expect([again.status, again.body.length]).toEqual([304, 0]);
  });
});

describe('the build files', () => {
  it('serves each file with its content type; hashed assets cached for good, other files revalidated', async () => {
    // Act
    const script = await get('/console/assets/index-B1lE_z5V.js');
    const style = await get('/console/assets/index-DhHulbqH.css');
    const icon = await get('/console/favicon.svg');
    const image = await get('/console/assets/logo-Cx3p9s0a.png');

    // Assess
    const immutable = 'public, max-age=31536000, immutable';
    expect([script.status, script.headers.get('content-type'), script.headers.get('cache-control')]).toEqual([200, 'text/javascript; charset=utf-8', immutable]);
    expect([style.headers.get('content-type'), style.headers.get('cache-control')]).toEqual(['text/css; charset=utf-8', immutable]);
    expect([icon.headers.get('content-type'), icon.headers.get('cache-control')]).toEqual(['image/svg+xml', 'no-cache']);
    expect([image.headers.get('content-type'), image.headers.get('cache-control')]).toEqual(['image/png', immutable]);
    expect(script.body.equals(build.files['assets/index-B1lE_z5V.js']!)).toBe(true);
    // Bytes that are not UTF-8 come through unchanged.
    expect(image.body.equals(build.files['assets/logo-Cx3p9s0a.png']!)).toBe(true);
    for (const reply of [script, style, icon, image]) {
      expect(reply.headers.get('x-content-type-options')).toBe('nosniff');
      // The page's policy governs the page; a script needs none of its own.
      expect(reply.headers.get('content-security-policy')).toBeNull();
    }
  });

  it('compresses the script for a browser that accepts brotli or gzip (API Gateway does not)', async () => {
    // Act
    const brotli = await fetch(`${stack.apiUrl}/console/assets/index-B1lE_z5V.js`, { headers: { 'accept-encoding': 'gzip, br' } });
    const gzip = await fetch(`${stack.apiUrl}/console/assets/index-B1lE_z5V.js`, { headers: { 'accept-encoding': 'gzip, br;q=0' } });
    const small = await get('/console/assets/index-DhHulbqH.css', { 'accept-encoding': 'br' });

    // Assess: fetch decompresses; the header says what came over the wire.
    expect([brotli.headers.get('content-encoding'), brotli.headers.get('vary')]).toEqual(['br', 'accept-encoding']);
    expect(gzip.headers.get('content-encoding')).toBe('gzip');
    expect(Buffer.from(await brotli.arrayBuffer()).equals(build.files['assets/index-B1lE_z5V.js']!)).toBe(true);
    expect(Buffer.from(await gzip.arrayBuffer()).equals(build.files['assets/index-B1lE_z5V.js']!)).toBe(true);
    // A file of a few bytes is not worth it.
    expect(small.headers.get('content-encoding')).toBeNull();
  });

  it('answers a missing asset with 404, never with the page (a stale page must not run HTML as its script)', async () => {
    // Act
    const missing = await get('/console/assets/index-OLDHASH1.js');
    const traversal = await get('/console/assets/..%2F..%2F..%2Fpackage.json');

    // Assess
    for (const reply of [missing, traversal]) {
      expect([reply.status, reply.headers.get('content-type')]).toEqual([404, 'application/json; charset=utf-8']);
      expect(JSON.parse(reply.body.toString())).toEqual({ code: 'console.not_found', message: 'No such file of the admin console.' });
    }
  });

  it('serves nothing from outside the build, however the path is spelled', async () => {
    // Act
    // (`/console/../x` and `/console/%2e%2e/x` never leave the client: URL parsing resolves them to `/x`.)
    const replies = await Promise.all(['/console/..%2Fpackage.json', '/console/..%2F..%2Fpackage.json', '/console//etc/passwd'].map((path) => get(path)));

    // Assess: the page (its router shows "not found"), never the file.
    for (const reply of replies) {
      expect([reply.status, reply.headers.get('content-type')]).toEqual([200, 'text/html; charset=utf-8']);
      expect(reply.body.equals(build.files['index.html']!)).toBe(true);
    }
  });

  it('serves a new build once it is written, without a restart (npm run build:console while npm start runs)', async () => {
    // Prepare
    const rebuilt = '<!doctype html><html lang="en"><head><title>rebuilt</title></head><body></body></html>\n';
    const original = readFileSync(join(build.directory, 'index.html'));

    // Act
    writeFileSync(join(build.directory, 'index.html'), rebuilt);
    writeFileSync(join(build.directory, 'assets/index-NEWHASH1.js'), 'export {};\n');
    const page = await get('/console');
    const script = await get('/console/assets/index-NEWHASH1.js');
    writeFileSync(join(build.directory, 'index.html'), original);

    // Assess
    expect(page.body.toString()).toBe(rebuilt);
    expect(script.status).toBe(200);
  });
});

describe('config.json', () => {
  it('tells the SPA where to sign in: the stand-in, its console app, the admin API and its scopes, this origin', async () => {
    // Act
    const reply = await client(stack.apiUrl).get('/console/config.json');

    // Assess
    expect(reply.status).toBe(200);
    expect(reply.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(reply.headers.get('cache-control')).toBe('no-cache');
    expect(reply.body).toEqual({
      configured: true,
      logtoEndpoint: stack.logtoUrl,
      appId: seed.consoleApp.id,
      resource: stack.adminAudience,
      scopes: [scopes.read, scopes.write],
      apiBaseUrl: '',
    });
  });

  it('is enough to sign an admin in at the stand-in on this random port and call the API with the token', async () => {
    // Prepare: what @logto/browser does with the config (authorization code + PKCE), from this page's origin.
    const config = (await client(stack.apiUrl).get('/console/config.json')).body;
    const redirectUri = `${stack.consoleUrl}/callback`;
    const verifier = randomBytes(64).toString('base64url');
    const authorize = new URL(`${config.logtoEndpoint}/oidc/auth`);
    authorize.search = new URLSearchParams({
      client_id: config.appId,
      redirect_uri: redirectUri,
      code_challenge: createHash('sha256').update(verifier).digest('base64url'),
      code_challenge_method: 'S256',
      state: 'console-state',
      response_type: 'code',
      prompt: 'consent',
      scope: ['openid', 'offline_access', 'profile', ...config.scopes].join(' '),
      resource: config.resource,
    }).toString();
    let cookie = '';
    const step = async (url: string, init: RequestInit = {}) => {
      const response = await fetch(url, { ...init, headers: { ...(init.headers as Record<string, string>), cookie }, redirect: 'manual' });
      cookie = [cookie, ...response.headers.getSetCookie().map((line) => line.split(';')[0])].filter(Boolean).join('; ');
      return { response, text: await response.text(), location: response.headers.get('location') && new URL(response.headers.get('location')!, url).href };
    };

    // Act
    const toSignIn = await step(authorize.href);
    const form = await step(toSignIn.location!);
    const hidden = Object.fromEntries([...form.text.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)"/g)].map((match) => [match[1]!, match[2]!]));
    const action = new URL(/<form[^>]*action="([^"]+)"/.exec(form.text)![1]!, toSignIn.location!).href;
    const signedIn = await step(action, {
      method: 'POST',
      body: new URLSearchParams({ ...hidden, identifier: seed.adminUser.username, password: seed.adminUser.password }),
    });
    const callback = new URL(signedIn.location!);
    const token = await fetch(`${config.logtoEndpoint}/oidc/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: new URL(stack.apiUrl).origin },
      body: new URLSearchParams({
        client_id: config.appId,
        code: callback.searchParams.get('code')!,
        code_verifier: verifier,
        redirect_uri: redirectUri,
        grant_type: 'authorization_code',
        resource: config.resource,
      }),
    });
    const tokens = (await token.json()) as { access_token: string; scope: string };
    const listed = await client(stack.apiUrl, tokens.access_token).get('/v1/invitations');

    // Assess
    expect(toSignIn.response.status).toBe(303);
    expect(`${callback.origin}${callback.pathname}`).toBe(redirectUri);
    expect(token.status).toBe(200);
    // The page's origin may call Logto's token endpoint (CORS), as the policy's connect-src lets it.
    expect(token.headers.get('access-control-allow-origin')).toBe(new URL(stack.apiUrl).origin);
    expect(tokens.scope).toBe(config.scopes.join(' '));
    expect(listed.status).toBe(200);
  });
});

describe('a stack whose console is neither built nor configured (a real Logto without LOGTO_CONSOLE_APP_ID)', () => {
  let logto: StandIn;
  let bare: LocalStack;

  beforeAll(async () => {
    // Prepare: a Logto the stack treats as real (the stand-in, started on its own), and no build.
    logto = await startLogtoStandIn({ port: 0 });
    const missing = join(writeConsoleBuild().directory, 'not-built');
    bare = await startLocalStack({
      logLevel: 'SILENT',
      consoleDirectory: missing,
      realLogto: { endpoint: logto.url, appId: seed.m2mApp.id, appSecret: seed.m2mApp.secret, adminAudience: seed.adminClient.resource },
    });
  });

  afterAll(async () => {
    await bare?.close();
    await logto?.close();
  });

  it('says in config.json that there is no Logto app for it, and how to set one', async () => {
    // Act
    const reply = await client(bare.apiUrl).get('/console/config.json');

    // Assess
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({ configured: false, reason: expect.stringContaining('LOGTO_CONSOLE_APP_ID') });
    expect(reply.body.reason).toContain(`${bare.apiUrl}/console/callback`);
  });

  it('answers every page with 503 and the command that builds it', async () => {
    // Act
    const replies = await Promise.all(['/console', '/console/invitations/inv_abc', '/console/assets/index-B1lE_z5V.js'].map((path) => get(path, {}, bare.apiUrl).then((reply) => ({ ...reply, path }))),
    );

    // Assess
    for (const reply of replies) {
      expect([reply.path, reply.status, reply.headers.get('content-type')]).toEqual([reply.path, 503, 'text/html; charset=utf-8']);
      expect(reply.body.toString()).toMatch(/<h1>The admin console is not built<\/h1>[\s\S]*run <code>npm run build:console<\/code>/);
      expect(reply.headers.get('cache-control')).toBe('no-store');
      expect(reply.headers.get('content-security-policy')).toBe(expectedPolicy(logto.url));
    }
  });
});
