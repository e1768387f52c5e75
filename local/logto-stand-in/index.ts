/**
 * A local stand-in for Logto: an HTTP server speaking the parts of Logto's API this product uses (OIDC
 * discovery, token endpoint, JWKS, userinfo, revocation and RP-initiated logout; a sign-in page for browser
 * sign-ins with authorization code + PKCE; a one-request sign-in that consumes one-time tokens; the
 * Management API; webhooks),
 * with Logto's status codes, error codes and field names. The local stack and the integration tests run
 * against it over real HTTP.
 */
import { type IncomingMessage, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

import { LogtoError, OidcError, fail, wantsRawOidcError } from './errors.ts';
import { GrantStore } from './grants.ts';
import { HookDispatcher } from './hooks.ts';
import { type Context, type Reply, Router } from './http.ts';
import { TokenSigner, generateSigningKey } from './keys.ts';
import { createLibrary } from './library.ts';
import { applicationSecretRoutes } from './routes/application-secrets.ts';
import { hookRoutes } from './routes/hooks.ts';
import { oidcRoutes } from './routes/oidc.ts';
import { oneTimeTokenRoutes } from './routes/one-time-tokens.ts';
import { organizationRoutes } from './routes/organizations.ts';
import { roleRoutes } from './routes/roles.ts';
import { sessionRoutes } from './routes/session.ts';
import { settingRoutes } from './routes/settings.ts';
import { signInRoutes } from './routes/sign-in.ts';
import { Faults, faultSpec, RequestCounts, testSupportRoutes } from './routes/test-support.ts';
import type { OidcDeps, RouteDeps } from './routes/types.ts';
import { userRoutes } from './routes/users.ts';
import { seed, seedConsole, seedState } from './seed.ts';
import { Store } from './store.ts';

export { seed } from './seed.ts';

export interface StandInOptions {
  /** 0 picks a free port. */
  port: number;
  /** @default '127.0.0.1' */
  host?: string;
  /**
   * When set, state (signing key included, so issued tokens stay valid) is loaded from this JSON file and
   * written back after each change, atomically, so a restart loses nothing.
   */
  dataFile?: string;
  /** Algorithm of the key pair generated on first start. @default 'ES384' (Logto's default) */
  signingAlg?: 'ES384' | 'RS256';
  /** Faults in force from the start, as `POST /__standin/faults` takes them (e.g. `{pathPrefix, status, share}`). */
  faults?: unknown[];
  /** The invitations API; the demo app's redirect URI is `${apiBaseUrl}/demo/callback`. @default 'http://127.0.0.1:4000' */
  apiBaseUrl?: string;
}

export interface StandIn {
  /** e.g. `http://127.0.0.1:4001` */
  url: string;
  /** `${url}/oidc` */
  issuer: string;
  close(): Promise<void>;
  /** Resolves when every webhook delivery started so far has finished (tests await it). */
  idle(): Promise<void>;
}

export async function startLogtoStandIn(options: StandInOptions): Promise<StandIn> {
  const host = options.host ?? '127.0.0.1';
  const signingAlg = options.signingAlg ?? 'ES384';
  const apiBaseUrl = options.apiBaseUrl ?? 'http://127.0.0.1:4000';

  const store = await Store.open(options.dataFile, async () => seedState(apiBaseUrl, await generateSigningKey(signingAlg)));
  const newKey = store.state.signingKey.alg === signingAlg ? undefined : await generateSigningKey(signingAlg);
  store.update((state) => {
    // Data files written before these were modelled.
    state.applicationSecrets ??= [];
    state.passwordPolicy ??= {};
    state.signIns ??= [];
    for (const user of state.users) {
      user.passwordDigest ??= null;
      user.passwordAlgorithm ??= user.passwordDigest ? 'scrypt' : null;
    }
    // Asked for another algorithm than the saved key's: rotate (tokens signed with the old key stop verifying).
    if (newKey) state.signingKey = newKey;
    // The redirect URI follows the configured API, whatever an earlier run saved.
    const demoApp = state.applications.find((app) => app.id === seed.demoApp.id);
    if (demoApp) demoApp.redirectUris = [`${apiBaseUrl}/demo/callback`];
    // Written before the console was seeded, or for another API base URL.
    seedConsole(state, apiBaseUrl);
  });

  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, host, resolve);
  });
  const { port } = server.address() as AddressInfo;
  const urlHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  const url = `http://${urlHost}:${port}`;

  const signer = await TokenSigner.create(store.state.signingKey, `${url}/oidc`);
  const hooks = new HookDispatcher(store);
  const deps: RouteDeps = { store, library: createLibrary(store), hooks };
  const faults = new Faults();
  const requests = new RequestCounts();
  for (const fault of options.faults ?? []) faults.add(faultSpec.parse(fault));

  // Logto mounts its Management API under /api: its routes, and webhook payloads, see paths without it.
  const managementApi = new Router();
  for (const register of [oneTimeTokenRoutes, userRoutes, roleRoutes, organizationRoutes, hookRoutes, settingRoutes, applicationSecretRoutes]) {
    register(managementApi, deps);
  }
  const root = new Router();
  const oidcDeps: OidcDeps = { ...deps, signer, baseUrl: url, grants: new GrantStore() };
  for (const register of [oidcRoutes, signInRoutes, sessionRoutes]) register(root, oidcDeps);
  testSupportRoutes(root, deps, faults, requests);

  /** Logto's `koaAuth` for the Management API: a JWT from this issuer for its indicator with `all`. */
  const authenticate = async (authorization: string | undefined) => {
    if (!authorization) fail('auth.authorization_header_missing', { status: 401 });
    if (!authorization.startsWith('Bearer')) {
      fail('auth.authorization_token_type_not_supported', { status: 401, data: { supportedTypes: ['Bearer'] } });
    }
    const claims = await signer
      .verify(authorization.slice('Bearer '.length), seed.managementApiResource)
      .catch(() => fail('auth.unauthorized', { status: 401 }));
    if (!claims.sub) fail('auth.jwt_sub_missing', { status: 401 });
    const scopes = typeof claims.scope === 'string' ? claims.scope.split(' ') : [];
    if (!scopes.includes('all')) fail('auth.forbidden', { status: 403 });
  };

  const route = async (req: IncomingMessage, afterResponse: Array<() => void>): Promise<Reply> => {
    const method = req.method ?? 'GET';
    const requestUrl = new URL(req.url ?? '/', url);
    // Read the whole request first: an injected delay then stands for a slow server, which (like Logto)
    // still carries the request out when the client has given up meanwhile.
    const rawBody = await readBody(req);
    const isManagementApi = requestUrl.pathname.startsWith('/api/');
    if (isManagementApi || requestUrl.pathname === '/oidc/token') {
      requests.count(method, requestUrl.pathname);
      const injected = await faults.apply(method, requestUrl.pathname);
      if (injected) return injected;
    }
    if (isManagementApi) await authenticate(req.headers.authorization);

    const path = isManagementApi ? requestUrl.pathname.slice('/api'.length) : requestUrl.pathname;
    const match = (isManagementApi ? managementApi : root).match(method, path);
    if (!match) return { status: 404, body: 'Not Found' };
    const ctx: Context = {
      method,
      url: requestUrl,
      path,
      matchedRoute: match.pattern,
      params: match.params,
      headers: req.headers,
      rawBody,
      ip: req.socket.remoteAddress ?? '',
      userAgent: req.headers['user-agent'],
      afterResponse: (task) => afterResponse.push(task),
    };
    return match.handler(ctx);
  };

  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const afterResponse: Array<() => void> = [];
    route(req, afterResponse)
      .catch((error: unknown) => {
        // A refused request fires no webhooks.
        afterResponse.length = 0;
        return errorReply(error, new URL(req.url ?? '/', url));
      })
      .then((reply) => {
        send(res, reply);
        for (const task of afterResponse) task();
      });
  });

  return {
    url,
    issuer: signer.issuer,
    idle: () => hooks.idle(),
    async close() {
      await hooks.idle();
      await new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      });
    },
  };
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function errorReply(error: unknown, requestUrl: URL): Reply {
  if (error instanceof OidcError) return { status: error.status, body: error.toBody({ raw: wantsRawOidcError(requestUrl) }) };
  if (error instanceof LogtoError) return { status: error.status, body: error.toBody() };
  // Like Logto: details go to the log, never to the caller.
  console.error('[logto-stand-in]', error);
  return { status: 500, body: { message: 'Internal server error.' } };
}

function send(res: ServerResponse, { status, body, headers = {} }: Reply) {
  res.statusCode = status;
  for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
  if (body === undefined || status === 204) {
    res.end();
  } else if (typeof body === 'string') {
    if (!res.hasHeader('Content-Type')) res.setHeader('Content-Type', 'text/plain; charset=utf-8');
    res.end(body);
  } else {
    res.setHeader('Content-Type', 'application/json; charset=utf-8');
    res.end(JSON.stringify(body));
  }
}
