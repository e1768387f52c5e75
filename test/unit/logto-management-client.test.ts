import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';

import { LogtoApiError, LogtoManagementClient, isLogtoError } from '../../lambdas/adapters/logto-management-client.ts';
import { UpstreamError } from '../../lambdas/domain/errors.ts';

interface Recorded {
  method: string;
  url: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

type ApiHandler = (request: Recorded, response: ServerResponse) => void | Promise<void>;

const json = (response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
  response.writeHead(status, { 'content-type': 'application/json', ...headers });
  response.end(JSON.stringify(body));
};

const credentials = { appId: 'm2m-app', appSecret: 's3cr3t-value' };
const apiIndicator = 'https://default.logto.app/api';

/** A stand-in for Logto on a real port: `/oidc/token` issues `tok-1`, `tok-2`, ...; `/api/*` goes to `api`. */
const startFakeLogto = async (options: {
  api: ApiHandler;
  token?: (request: Recorded, response: ServerResponse, count: number) => void | Promise<void>;
}) => {
  const requests: Recorded[] = [];
  const tokenRequests: Recorded[] = [];
  const server = createServer((incoming, response) => {
    const chunks: Buffer[] = [];
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
    incoming.on('end', () => {
      const url = incoming.url ?? '/';
      const recorded: Recorded = {
        method: incoming.method ?? 'GET',
        url,
        path: url.split('?')[0] ?? url,
        headers: incoming.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      if (recorded.path === '/oidc/token') {
        tokenRequests.push(recorded);
        const count = tokenRequests.length;
        void (options.token ?? ((_, res, n) => json(res, 200, { access_token: `tok-${n}`, expires_in: 3600, token_type: 'Bearer', scope: 'all' })))(
          recorded,
          response,
          count,
        );
        return;
      }
      requests.push(recorded);
      void options.api(recorded, response);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const close = async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  servers.push(close);
  return { url: `http://127.0.0.1:${port}`, requests, tokenRequests, close };
};

const servers: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map(async (close) => close()));
});

const makeClient = (endpoint: string, extra: Partial<ConstructorParameters<typeof LogtoManagementClient>[0]> = {}) => {
  const sleeps: number[] = [];
  const client = new LogtoManagementClient({
    endpoint,
    apiIndicator,
    credentials: async () => credentials,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    ...extra,
  });
  return { client, sleeps };
};

const activeToken = (id: string, status = 'active') => ({
  tenantId: 'default',
  id,
  email: 'invitee@example.com',
  token: 'secret-token-value',
  context: { jitOrganizationIds: [] },
  status,
  createdAt: 1_795_635_489_063,
  expiresAt: 1_795_636_089_063,
});

const user = (id: string, primaryEmail: string) => ({ id, primaryEmail, username: null, customData: {}, profile: {} });

const tokenHeader = (request: Recorded) => request.headers.authorization;

describe('LogtoManagementClient: the Management API token', () => {
  it('requests a client-credentials token with Basic auth and reuses it for later calls', async () => {
    // Prepare
    const logto = await startFakeLogto({ api: (_, res) => json(res, 200, []) });
    const { client } = makeClient(logto.url);

    // Act
    await client.findUserByEmail('one@example.com');
    await client.findUserByEmail('two@example.com');

    // Assess
    expect(logto.tokenRequests).toHaveLength(1);
    const tokenRequest = logto.tokenRequests[0]!;
    expect(tokenRequest.method).toBe('POST');
    expect(tokenRequest.headers.authorization).toBe(`Basic ${Buffer.from('m2m-app:s3cr3t-value').toString('base64')}`);
    expect(Object.fromEntries(new URLSearchParams(tokenRequest.body))).toEqual({
      grant_type: 'client_credentials',
      resource: apiIndicator,
      scope: 'all',
    });
    expect(logto.requests.map(tokenHeader)).toEqual(['Bearer tok-1', 'Bearer tok-1']);
  });

  it('refreshes the token about 60 s before it expires', async () => {
    // Prepare
    let now = 1_000_000;
    const logto = await startFakeLogto({ api: (_, res) => json(res, 200, []) });
    const { client } = makeClient(logto.url, { now: () => now });
    await client.findUserByEmail('a@example.com');

    // Act
    now += (3600 - 61) * 1000;
    await client.findUserByEmail('a@example.com');
    now += 2000;
    await client.findUserByEmail('a@example.com');

    // Assess
    expect(logto.tokenRequests).toHaveLength(2);
    expect(logto.requests.map(tokenHeader)).toEqual(['Bearer tok-1', 'Bearer tok-1', 'Bearer tok-2']);
  });

  it('shares one token request among concurrent calls', async () => {
    // Prepare
    const logto = await startFakeLogto({
      api: (_, res) => json(res, 200, []),
      token: async (_, res, n) => {
        await new Promise((resolve) => setTimeout(resolve, 50));
        json(res, 200, { access_token: `tok-${n}`, expires_in: 3600 });
      },
    });
    const { client } = makeClient(logto.url);

    // Act
    await Promise.all(Array.from({ length: 5 }, async (_, i) => client.findUserByEmail(`u${i}@example.com`)));

    // Assess
    expect(logto.tokenRequests).toHaveLength(1);
    expect(new Set(logto.requests.map(tokenHeader))).toEqual(new Set(['Bearer tok-1']));
  });

  it('drops the token after a 401 from the API and retries once with a new one', async () => {
    // Prepare
    const logto = await startFakeLogto({
      api: (req, res) =>
        tokenHeader(req) === 'Bearer tok-1'
          ? json(res, 401, { code: 'auth.unauthorized', message: 'Unauthorized' })
          : json(res, 200, [user('u1', 'a@example.com')]),
    });
    const { client } = makeClient(logto.url);

    // Act
    const found = await client.findUserByEmail('a@example.com');

    // Assess
    expect(found).toEqual({ id: 'u1', primaryEmail: 'a@example.com' });
    expect(logto.tokenRequests).toHaveLength(2);
    expect(logto.requests.map(tokenHeader)).toEqual(['Bearer tok-1', 'Bearer tok-2']);
  });

  it('gives up after the second 401 with a non-exposed 502', async () => {
    // Prepare
    const logto = await startFakeLogto({ api: (_, res) => json(res, 401, { code: 'auth.unauthorized', message: 'Unauthorized' }) });
    const { client } = makeClient(logto.url);

    // Act
    const error = await client.findUserByEmail('a@example.com').catch((caught: unknown) => caught);

    // Assess
    expect(error).toBeInstanceOf(LogtoApiError);
    expect(error).toMatchObject({ code: 'logto.auth.unauthorized', status: 502, logtoStatus: 401, expose: false });
    expect(logto.requests).toHaveLength(2);
  });

  it('reports a refused token request without the secret', async () => {
    // Prepare
    const logto = await startFakeLogto({
      api: (_, res) => json(res, 200, []),
      token: (_, res) => json(res, 401, { error: 'invalid_client', error_description: 'client authentication failed' }),
    });
    const { client } = makeClient(logto.url);

    // Act
    const error = await client.findUserByEmail('a@example.com').catch((caught: unknown) => caught);

    // Assess
    expect(error).toMatchObject({ code: 'logto.oidc.invalid_client', status: 502, expose: false });
    expect(String((error as Error).message)).not.toContain(credentials.appSecret);
    expect(logto.requests).toHaveLength(0);
  });
});

describe('LogtoManagementClient: retries', () => {
  it('retries a 429, waiting at least its Retry-After, then succeeds', async () => {
    // Prepare
    let calls = 0;
    const logto = await startFakeLogto({
      api: (_, res) => {
        calls += 1;
        if (calls === 1) {
          json(res, 429, { code: 'request.too_many_requests', message: 'Slow down' }, { 'retry-after': '2' });
        } else {
          json(res, 200, [user('u1', 'a@example.com')]);
        }
      },
    });
    const { client, sleeps } = makeClient(logto.url);

    // Act
    const found = await client.findUserByEmail('a@example.com');

    // Assess
    expect(found?.id).toBe('u1');
    expect(logto.requests).toHaveLength(2);
    expect(sleeps).toHaveLength(1);
    expect(sleeps[0]).toBeGreaterThanOrEqual(2000);
  });

  it('retries a 503 with a jittered backoff below the cap, then succeeds', async () => {
    // Prepare
    let calls = 0;
    const logto = await startFakeLogto({
      api: (_, res) => {
        calls += 1;
        if (calls <= 2) {
          json(res, 503, { code: 'unavailable', message: 'down' });
        } else {
          json(res, 200, []);
        }
      },
    });
    const { client, sleeps } = makeClient(logto.url, { retry: { baseDelayMs: 100, maxDelayMs: 150 } });

    // Act
    const found = await client.findUserByEmail('nobody@example.com');

    // Assess
    expect(found).toBeUndefined();
    expect(logto.requests).toHaveLength(3);
    expect(sleeps).toHaveLength(2);
    expect(sleeps[0]).toBeLessThanOrEqual(100);
    expect(sleeps[1]).toBeLessThanOrEqual(150);
  });

  it('gives up after the configured attempts with UpstreamError logto.unavailable', async () => {
    // Prepare
    const logto = await startFakeLogto({ api: (_, res) => json(res, 503, { code: 'unavailable', message: 'down' }) });
    const { client, sleeps } = makeClient(logto.url, { retry: { attempts: 3 } });

    // Act
    const error = await client.getOneTimeToken('t1').catch((caught: unknown) => caught);

    // Assess
    expect(error).toBeInstanceOf(UpstreamError);
    expect(error).toMatchObject({ code: 'logto.unavailable', status: 503, ambiguous: false });
    expect(logto.requests).toHaveLength(3);
    expect(sleeps).toHaveLength(2);
  });

  it('reports logto.throttled when 429s outlast the attempts', async () => {
    // Prepare
    const logto = await startFakeLogto({ api: (_, res) => json(res, 429, { code: 'too_many_requests', message: 'no' }) });
    const { client } = makeClient(logto.url);

    // Act
    const error = await client.getOneTimeToken('t1').catch((caught: unknown) => caught);

    // Assess
    expect(error).toMatchObject({ code: 'logto.throttled', status: 503 });
    expect(logto.requests).toHaveLength(4);
  });

  it('gives up at once when Retry-After exceeds the time budget', async () => {
    // Prepare
    const logto = await startFakeLogto({
      api: (_, res) => json(res, 429, { code: 'too_many_requests', message: 'no' }, { 'retry-after': '60' }),
    });
    const { client, sleeps } = makeClient(logto.url);

    // Act
    const error = await client.getOneTimeToken('t1').catch((caught: unknown) => caught);

    // Assess
    expect(error).toMatchObject({ code: 'logto.throttled' });
    expect((error as Error).message).toContain('Retry-After');
    expect(logto.requests).toHaveLength(1);
    expect(sleeps).toEqual([]);
  });

  it('does not retry a 4xx refusal and surfaces Logto code and status', async () => {
    // Prepare
    const logto = await startFakeLogto({
      api: (_, res) => json(res, 422, { code: 'user.email_already_in_use', message: 'This email is associated with an existing account.' }),
    });
    const { client, sleeps } = makeClient(logto.url);

    // Act
    const error = await client.createUser({ primaryEmail: 'taken@example.com' }).catch((caught: unknown) => caught);

    // Assess
    expect(error).toBeInstanceOf(LogtoApiError);
    expect(error).toMatchObject({
      code: 'logto.user.email_already_in_use',
      logtoCode: 'user.email_already_in_use',
      logtoStatus: 422,
      status: 422,
    });
    expect(isLogtoError(error, 'user.email_already_in_use')).toBe(true);
    expect(isLogtoError(error, 'user.')).toBe(true);
    expect(isLogtoError(error, 'one_time_token.')).toBe(false);
    expect(logto.requests).toHaveLength(1);
    expect(sleeps).toEqual([]);
  });

  it('maps a 400 guard error to 422', async () => {
    // Prepare
    const logto = await startFakeLogto({ api: (_, res) => json(res, 400, { code: 'guard.invalid_input', message: 'Request body is invalid.' }) });
    const { client } = makeClient(logto.url);

    // Act
    const error = await client.createOneTimeToken({ email: 'a@example.com', expiresIn: 0, jitOrganizationIds: [] }).catch((caught: unknown) => caught);

    // Assess
    expect(error).toMatchObject({ code: 'logto.guard.invalid_input', status: 422, logtoStatus: 400 });
  });

  it('retries a GET that timed out', async () => {
    // Prepare
    let calls = 0;
    const logto = await startFakeLogto({
      api: (_, res) => {
        calls += 1;
        if (calls > 1) {
          json(res, 200, activeToken('t1'));
        }
      },
    });
    const { client } = makeClient(logto.url, { timeoutMs: 150 });

    // Act
    const token = await client.getOneTimeToken('t1');

    // Assess
    expect(token?.id).toBe('t1');
    expect(logto.requests).toHaveLength(2);
  });

  it('retries when Logto cannot be reached, and reports the outcome as certain', async () => {
    // Prepare
    const logto = await startFakeLogto({ api: (_, res) => json(res, 200, []) });
    await logto.close();
    const { client, sleeps } = makeClient(logto.url, { retry: { attempts: 2 } });

    // Act
    const error = await client.findUserByEmail('a@example.com').catch((caught: unknown) => caught);

    // Assess
    expect(error).toMatchObject({ code: 'logto.unavailable', ambiguous: false });
    expect((error as Error).message).toContain('ECONNREFUSED');
    expect(sleeps).toHaveLength(1);
  });
});

describe('LogtoManagementClient: one-time tokens', () => {
  it('creates a token with only jitOrganizationIds in its context', async () => {
    // Prepare
    const logto = await startFakeLogto({ api: (_, res) => json(res, 201, activeToken('t1')) });
    const { client } = makeClient(logto.url);

    // Act
    const token = await client.createOneTimeToken({ email: 'invitee@example.com', expiresIn: 86_400, jitOrganizationIds: ['org-acme'] });

    // Assess
    expect(token).toEqual({
      id: 't1',
      email: 'invitee@example.com',
      token: 'secret-token-value',
      status: 'active',
      expiresAt: 1_795_636_089_063,
    });
    const request = logto.requests[0]!;
    expect(`${request.method} ${request.path}`).toBe('POST /api/one-time-tokens');
    expect(JSON.parse(request.body)).toEqual({
      email: 'invitee@example.com',
      expiresIn: 86_400,
      context: { jitOrganizationIds: ['org-acme'] },
    });
  });

  it('reads an unknown token as undefined', async () => {
    // Prepare
    const logto = await startFakeLogto({
      api: (_, res) => json(res, 404, { code: 'entity.not_exists_with_id', message: 'The one_time_tokens with ID `nope` does not exist.' }),
    });
    const { client } = makeClient(logto.url);

    // Act
    const token = await client.getOneTimeToken('nope');

    // Assess
    expect(token).toBeUndefined();
    expect(logto.requests[0]?.path).toBe('/api/one-time-tokens/nope');
  });

  it('does not take a 404 without Logto code for a missing token', async () => {
    // Prepare
    const logto = await startFakeLogto({
      api: (_, res) => {
        res.writeHead(404, { 'content-type': 'text/plain' });
        res.end('Not Found');
      },
    });
    const { client } = makeClient(logto.url);

    // Act
    const error = await client.getOneTimeToken('t1').catch((caught: unknown) => caught);

    // Assess
    expect(error).toMatchObject({ code: 'logto.unrecognized_error', logtoStatus: 404 });
  });

  it('revokes an active token with PUT status revoked', async () => {
    // Prepare
    const logto = await startFakeLogto({
      api: (req, res) => json(res, 200, activeToken('t1', req.method === 'PUT' ? 'revoked' : 'active')),
    });
    const { client } = makeClient(logto.url);

    // Act
    const before = await client.revokeOneTimeToken('t1');

    // Assess
    expect(before).toBe('active');
    expect(logto.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      'GET /api/one-time-tokens/t1',
      'PUT /api/one-time-tokens/t1/status',
    ]);
    expect(JSON.parse(logto.requests[1]!.body)).toEqual({ status: 'revoked' });
  });

  it.each(['consumed', 'revoked', 'expired'])('leaves a %s token alone (Logto would overwrite its status)', async (status) => {
    // Prepare
    const logto = await startFakeLogto({ api: (_, res) => json(res, 200, activeToken('t1', status)) });
    const { client } = makeClient(logto.url);

    // Act
    const before = await client.revokeOneTimeToken('t1');

    // Assess: and says what it found, so a consumed one tells that the invitee registered
    expect(before).toBe(status);
    expect(logto.requests.map((r) => r.method)).toEqual(['GET']);
  });

  it('lists the active tokens of an email, page by page', async () => {
    // Prepare: 100 on the first page, 1 on the second
    const logto = await startFakeLogto({
      api: (req, res) => {
        const page = new URL(req.url, 'http://x').searchParams.get('page');
        json(res, 200, page === '1' ? Array.from({ length: 100 }, (_, i) => activeToken(`t${i}`)) : [activeToken('t100')]);
      },
    });
    const { client } = makeClient(logto.url);

    // Act
    const tokens = await client.listActiveOneTimeTokens('a+b@example.com');

    // Assess
    expect(tokens).toHaveLength(101);
    expect(logto.requests.map((r) => r.url)).toEqual([
      '/api/one-time-tokens?email=a%2Bb%40example.com&status=active&page=1&page_size=100',
      '/api/one-time-tokens?email=a%2Bb%40example.com&status=active&page=2&page_size=100',
    ]);
  });

  it('marks a token minted by a request retried after a timeout as possibly having a twin', async () => {
    // Prepare: the first POST is answered too late
    let posts = 0;
    const logto = await startFakeLogto({
      api: async (_, res) => {
        posts += 1;
        if (posts === 1) await new Promise((resolve) => setTimeout(resolve, 300));
        json(res, 201, activeToken(`t${posts}`));
      },
    });
    const { client } = makeClient(logto.url, { timeoutMs: 150 });

    // Act
    const token = await client.createOneTimeToken({ email: 'invitee@example.com', expiresIn: 60, jitOrganizationIds: [] });

    // Assess
    expect(token).toMatchObject({ id: 't2', mayHaveTwin: true });
  });

  it('treats a token that is gone, before or during the revoke, as revoked', async () => {
    // Prepare
    const notFound = { code: 'entity.not_exists_with_id', message: 'gone' };
    const logto = await startFakeLogto({
      api: (req, res) =>
        req.path.endsWith('/gone') || req.method === 'PUT' ? json(res, 404, notFound) : json(res, 200, activeToken('t1')),
    });
    const { client } = makeClient(logto.url);

    // Act
    await client.revokeOneTimeToken('gone');
    await client.revokeOneTimeToken('t1');

    // Assess
    expect(logto.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      'GET /api/one-time-tokens/gone',
      'GET /api/one-time-tokens/t1',
      'PUT /api/one-time-tokens/t1/status',
    ]);
  });
});

describe('LogtoManagementClient: users, roles, organizations', () => {
  it('suspends a user with PATCH is-suspended', async () => {
    const logto = await startFakeLogto({ api: (_, res) => json(res, 200, { ...user('u1', 'a@example.com'), isSuspended: true }) });
    const { client } = makeClient(logto.url);
    await client.suspendUser('u1');
    expect(logto.requests.map((r) => `${r.method} ${r.path} ${r.body}`)).toEqual(['PATCH /api/users/u1/is-suspended {"isSuspended":true}']);
  });

  it('searches users by exact email, encoding + and @', async () => {
    // Prepare
    const logto = await startFakeLogto({ api: (_, res) => json(res, 200, [user('u1', 'a+b@example.com')]) });
    const { client } = makeClient(logto.url);

    // Act
    const found = await client.findUserByEmail('a+b@example.com');

    // Assess
    expect(found).toEqual({ id: 'u1', primaryEmail: 'a+b@example.com' });
    const request = logto.requests[0]!;
    expect(request.url).toBe('/api/users?search.primaryEmail=a%2Bb%40example.com&mode.primaryEmail=exact');
    expect(new URL(request.url, 'http://x').searchParams.get('search.primaryEmail')).toBe('a+b@example.com');
  });

  it('creates a user and returns its id', async () => {
    // Prepare
    const logto = await startFakeLogto({ api: (_, res) => json(res, 200, user('u9', 'new@example.com')) });
    const { client } = makeClient(logto.url);

    // Act
    const created = await client.createUser({ primaryEmail: 'new@example.com', name: 'New', customData: { team: 'x' } });

    // Assess
    expect(created).toEqual({ id: 'u9', primaryEmail: 'new@example.com' });
    expect(JSON.parse(logto.requests[0]!.body)).toEqual({ primaryEmail: 'new@example.com', name: 'New', customData: { team: 'x' } });
  });

  it('returns the existing user when a retry after a timeout meets email_already_in_use', async () => {
    // Prepare
    let posts = 0;
    const logto = await startFakeLogto({
      api: (req, res) => {
        if (req.method === 'GET') {
          json(res, 200, [user('u-lost', 'slow@example.com')]);
          return;
        }
        posts += 1;
        if (posts > 1) {
          json(res, 422, { code: 'user.email_already_in_use', message: 'taken' });
        }
      },
    });
    const { client } = makeClient(logto.url, { timeoutMs: 150 });

    // Act
    const created = await client.createUser({ primaryEmail: 'slow@example.com' });

    // Assess
    expect(created).toEqual({ id: 'u-lost', primaryEmail: 'slow@example.com' });
    expect(logto.requests.map((r) => r.method)).toEqual(['POST', 'POST', 'GET']);
  });

  it('assigns roles, membership, organization roles and merges customData on the right routes', async () => {
    // Prepare
    const logto = await startFakeLogto({ api: (req, res) => json(res, req.method === 'PATCH' ? 200 : 201, {}) });
    const { client } = makeClient(logto.url);

    // Act
    await client.assignRoles('u 1', ['role-member']);
    await client.addOrganizationMember('org-acme', 'u 1');
    await client.assignOrganizationRoles('org-acme', 'u 1', ['orgrole-admin']);
    await client.mergeCustomData('u 1', { invitation: { id: 'inv1' } });

    // Assess
    expect(logto.requests.map((r) => [`${r.method} ${r.path}`, JSON.parse(r.body)])).toEqual([
      ['POST /api/users/u%201/roles', { roleIds: ['role-member'] }],
      ['POST /api/organizations/org-acme/users', { userIds: ['u 1'] }],
      ['POST /api/organizations/org-acme/users/u%201/roles', { organizationRoleIds: ['orgrole-admin'] }],
      ['PATCH /api/users/u%201/custom-data', { customData: { invitation: { id: 'inv1' } } }],
    ]);
  });

  it('skips role calls for empty lists', async () => {
    // Prepare
    const logto = await startFakeLogto({ api: (_, res) => json(res, 201, {}) });
    const { client } = makeClient(logto.url);

    // Act
    await client.assignRoles('u1', []);
    await client.assignOrganizationRoles('org-acme', 'u1', []);

    // Assess
    expect(logto.requests).toHaveLength(0);
    expect(logto.tokenRequests).toHaveLength(0);
  });

  it('surfaces organization.require_membership as a typed error', async () => {
    // Prepare
    const logto = await startFakeLogto({
      api: (_, res) => json(res, 422, { code: 'organization.require_membership', message: 'The user must be a member.' }),
    });
    const { client } = makeClient(logto.url);

    // Act
    const error = await client.assignOrganizationRoles('org-acme', 'u1', ['orgrole-admin']).catch((caught: unknown) => caught);

    // Assess
    expect(isLogtoError(error, 'organization.require_membership')).toBe(true);
  });
});

describe('LogtoManagementClient: the directory (roles, organizations, organization roles)', () => {
  /** A Logto list of `total` items answered as koaPagination does: `page`, `page_size`, `Total-Number` (unless left out). */
  const pagedLogto = (total: number, item: (i: number) => Record<string, unknown>, options: { totalHeader?: boolean } = {}) =>
    startFakeLogto({
      api: (req, res) => {
        const query = new URL(req.url, 'http://x').searchParams;
        const page = Number(query.get('page') ?? 1);
        const size = Number(query.get('page_size') ?? 20);
        const items = Array.from({ length: Math.max(0, Math.min(size, total - (page - 1) * size)) }, (_, i) => item((page - 1) * size + i));
        json(res, 200, items, options.totalHeader === false ? {} : { 'Total-Number': String(total) });
      },
    });
  const role = (i: number) => ({ tenantId: 'default', id: `role-${i}`, name: `role ${i}`, description: `Role ${i}`, type: 'User', isDefault: false });
  const pageNumbers = (requests: Recorded[]) => requests.map((r) => Number(new URL(r.url, 'http://x').searchParams.get('page'))).sort((a, b) => a - b);

  it('reads every page of User roles, a hundred a call, as many calls as Total-Number says', async () => {
    // Prepare
    const logto = await pagedLogto(250, role);
    const { client } = makeClient(logto.url);

    // Act
    const page = await client.listUserRoles({ limit: 1000 });

    // Assess
    expect(page.truncated).toBe(false);
    expect(page.entries).toHaveLength(250);
    expect(page.entries[249]).toEqual({ id: 'role-249', name: 'role 249', description: 'Role 249' });
    expect(logto.requests.map((r) => r.path)).toEqual(['/api/roles', '/api/roles', '/api/roles']);
    expect(new URL(logto.requests[0]!.url, 'http://x').search).toBe('?type=User&page=1&page_size=100');
    expect(pageNumbers(logto.requests)).toEqual([1, 2, 3]);
  });

  it('stops at the bound and says the list was cut', async () => {
    // Prepare
    const logto = await pagedLogto(1234, role);
    const { client } = makeClient(logto.url);

    // Act
    const page = await client.listUserRoles({ limit: 1000 });

    // Assess
    expect(page.entries).toHaveLength(1000);
    expect(page.truncated).toBe(true);
    expect(pageNumbers(logto.requests)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  });

  it('without Total-Number, reads page after page until one comes back short', async () => {
    // Prepare
    const logto = await pagedLogto(201, (i) => ({ tenantId: 'default', id: `org-${i}`, name: `Org ${i}`, description: null }), { totalHeader: false });
    const { client } = makeClient(logto.url);

    // Act
    const page = await client.listOrganizations({ limit: 1000 });

    // Assess
    expect([page.entries.length, page.truncated]).toEqual([201, false]);
    expect(page.entries[0]).toEqual({ id: 'org-0', name: 'Org 0', description: null });
    expect(pageNumbers(logto.requests)).toEqual([1, 2, 3]);
  });

  it("searches with Logto's own parameters, its wildcards taken literally", async () => {
    // Prepare
    const logto = await pagedLogto(0, role);
    const { client } = makeClient(logto.url);

    // Act
    await client.listUserRoles({ search: '50%_off\\', limit: 1000 });
    await client.listOrganizations({ search: 'a&b', limit: 1000 });
    await client.listOrganizationRoles({ search: 'x_y', limit: 1000 });

    // Assess
    const queries = logto.requests.map((r) => Object.fromEntries(new URL(r.url, 'http://x').searchParams));
    expect(queries).toEqual([
      { type: 'User', page: '1', page_size: '100', search: '%50\\%\\_off\\\\%' },
      { page: '1', page_size: '100', q: 'a&b' },
      { page: '1', page_size: '100', q: 'x\\_y' },
    ]);
  });

  it('leaves out machine-to-machine organization roles, which a user cannot hold', async () => {
    // Prepare
    const logto = await pagedLogto(3, (i) => ({
      tenantId: 'default',
      id: `orgrole-${i}`,
      name: `r${i}`,
      description: i === 0 ? 'Admins' : null,
      type: i === 1 ? 'MachineToMachine' : 'User',
      scopes: [],
      resourceScopes: [],
    }));
    const { client } = makeClient(logto.url);

    // Act
    const page = await client.listOrganizationRoles({ limit: 1000 });

    // Assess
    expect(page).toEqual({
      entries: [
        { id: 'orgrole-0', name: 'r0', description: 'Admins' },
        { id: 'orgrole-2', name: 'r2', description: null },
      ],
      truncated: false,
    });
  });

  it('refuses an answer of another shape', async () => {
    // Prepare
    const logto = await startFakeLogto({ api: (_, res) => json(res, 200, [{ id: 'role-1' }], { 'Total-Number': '1' }) });
    const { client } = makeClient(logto.url);

    // Act
    const error = await client.listUserRoles({ limit: 1000 }).catch((caught: unknown) => caught);

    // Assess
    expect(error).toMatchObject({ code: 'logto.unexpected_response', status: 502 });
  });
});

describe('LogtoManagementClient.request (calls outside the port)', () => {
  it('passes the query through and returns the parsed body', async () => {
    // Prepare
    const logto = await startFakeLogto({ api: (_, res) => json(res, 200, [{ id: 'hook-1' }]) });
    const { client } = makeClient(logto.url);

    // Act
    const hooks = await client.request('GET', '/api/hooks?page=1&page_size=100');

    // Assess
    expect(hooks).toEqual([{ id: 'hook-1' }]);
    expect(logto.requests[0]?.url).toBe('/api/hooks?page=1&page_size=100');
  });

  it('does not send a POST again after a timeout, and reports it as ambiguous', async () => {
    // Prepare
    const logto = await startFakeLogto({ api: () => undefined });
    const { client } = makeClient(logto.url, { timeoutMs: 150 });

    // Act
    const error = await client.request('POST', '/api/hooks', { name: 'x' }).catch((caught: unknown) => caught);

    // Assess
    expect(error).toBeInstanceOf(UpstreamError);
    expect(error).toMatchObject({ code: 'logto.unavailable', ambiguous: true });
    expect(logto.requests).toHaveLength(1);
  });

  it('retries a PATCH that met a 502', async () => {
    // Prepare
    let calls = 0;
    const logto = await startFakeLogto({
      api: (_, res) => {
        calls += 1;
        json(res, calls === 1 ? 502 : 200, calls === 1 ? { code: 'bad_gateway' } : { id: 'hook-1' });
      },
    });
    const { client } = makeClient(logto.url);

    // Act
    const hook = await client.request('PATCH', '/api/hooks/hook-1', { enabled: true });

    // Assess
    expect(hook).toEqual({ id: 'hook-1' });
    expect(logto.requests).toHaveLength(2);
  });
});

describe('LogtoManagementClient: passwords, reading and deleting users', () => {
  const password = 'Tr0ub4dor&3-horse-staple';
  const fullUser = (id: string, primaryEmail: string) => ({ ...user(id, primaryEmail), createdAt: 1_795_635_489_063, lastSignInAt: 1_795_636_000_000, isSuspended: true });

  it('sends the password to Logto with the new user', async () => {
    // Prepare
    const logto = await startFakeLogto({ api: (_, res) => json(res, 200, user('u9', 'new@example.com')) });
    const { client } = makeClient(logto.url);

    // Act
    const created = await client.createUser({ primaryEmail: 'new@example.com', name: 'New', password });

    // Assess
    expect(created).toEqual({ id: 'u9', primaryEmail: 'new@example.com' });
    const request = logto.requests[0]!;
    expect(`${request.method} ${request.path}`).toBe('POST /api/users');
    expect(JSON.parse(request.body)).toEqual({ primaryEmail: 'new@example.com', name: 'New', password });
  });

  it('keeps the password out of a refusal, even when Logto quotes it', async () => {
    // Prepare: Logto's error echoes the password in its message and its data
    const logto = await startFakeLogto({
      api: (req, res) => {
        const sent = (JSON.parse(req.body) as { password: string }).password;
        json(res, 400, { code: 'guard.invalid_input', message: `Password "${sent}" is invalid.`, data: { issues: [{ received: sent }], [sent]: true } });
      },
    });
    const { client } = makeClient(logto.url);

    // Act
    const error = await client.createUser({ primaryEmail: 'new@example.com', password }).catch((caught: unknown) => caught);

    // Assess
    expect(error).toBeInstanceOf(LogtoApiError);
    expect(error).toMatchObject({ code: 'logto.guard.invalid_input', status: 422, logtoStatus: 400 });
    const apiError = error as LogtoApiError;
    expect(apiError.message).toContain('guard.invalid_input');
    expect(apiError.logtoData).toEqual({ issues: [{ received: '[redacted]' }], '[redacted]': true });
    const everything = JSON.stringify({ message: apiError.message, stack: apiError.stack, data: apiError.logtoData, details: apiError.details });
    expect(everything).not.toContain(password);
    expect(String(error)).not.toContain(password);
  });

  it('reads a user with its last sign-in and suspension, encoding the id', async () => {
    // Prepare
    const logto = await startFakeLogto({ api: (_, res) => json(res, 200, { ...fullUser('u 1', 'a@example.com'), hasPassword: true }) });
    const { client } = makeClient(logto.url);

    // Act
    const found = await client.getUser('u 1');

    // Assess
    expect(found).toEqual({ id: 'u 1', primaryEmail: 'a@example.com', createdAt: 1_795_635_489_063, lastSignInAt: 1_795_636_000_000, isSuspended: true });
    expect(logto.requests.map((r) => `${r.method} ${r.url}`)).toEqual(['GET /api/users/u%201']);
  });

  it('reads a user who never signed in with lastSignInAt null', async () => {
    // Prepare
    const logto = await startFakeLogto({ api: (_, res) => json(res, 200, { ...fullUser('u1', 'a@example.com'), lastSignInAt: null, isSuspended: false }) });
    const { client } = makeClient(logto.url);

    // Act
    const found = await client.getUser('u1');

    // Assess
    expect(found).toMatchObject({ lastSignInAt: null, isSuspended: false });
  });

  it('reads an unknown user as undefined', async () => {
    // Prepare: what Logto answers for a missing user (`pool.one` not found)
    const logto = await startFakeLogto({ api: (_, res) => json(res, 404, { code: 'entity.not_found', message: 'The resource does not exist.' }) });
    const { client } = makeClient(logto.url);

    // Act
    const found = await client.getUser('nobody');

    // Assess
    expect(found).toBeUndefined();
    expect(logto.requests[0]?.path).toBe('/api/users/nobody');
  });

  it('does not take a 404 without Logto code for a missing user', async () => {
    // Prepare
    const logto = await startFakeLogto({
      api: (_, res) => {
        res.writeHead(404, { 'content-type': 'text/plain' });
        res.end('Not Found');
      },
    });
    const { client } = makeClient(logto.url);

    // Act
    const error = await client.getUser('u1').catch((caught: unknown) => caught);

    // Assess
    expect(error).toMatchObject({ code: 'logto.unrecognized_error', logtoStatus: 404 });
  });

  it('finds a user by email with its last sign-in and suspension', async () => {
    // Prepare
    const logto = await startFakeLogto({ api: (_, res) => json(res, 200, [fullUser('u1', 'a@example.com')]) });
    const { client } = makeClient(logto.url);

    // Act
    const found = await client.findUserByEmail('a@example.com');

    // Assess
    expect(found).toEqual({ id: 'u1', primaryEmail: 'a@example.com', createdAt: 1_795_635_489_063, lastSignInAt: 1_795_636_000_000, isSuspended: true });
  });

  it('deletes a user, and a user already gone counts as deleted', async () => {
    // Prepare
    const logto = await startFakeLogto({
      api: (req, res) => {
        if (req.path.endsWith('/gone')) {
          json(res, 404, { code: 'entity.not_found', message: 'The resource does not exist.' });
          return;
        }
        res.writeHead(204);
        res.end();
      },
    });
    const { client } = makeClient(logto.url);

    // Act
    await client.deleteUser('u1');
    await client.deleteUser('gone');

    // Assess
    expect(logto.requests.map((r) => `${r.method} ${r.path}`)).toEqual(['DELETE /api/users/u1', 'DELETE /api/users/gone']);
  });

  it('sends a delete again after a timeout, and the replay finding the user gone is done', async () => {
    // Prepare: the first DELETE is carried out but answered too late
    let deletes = 0;
    const logto = await startFakeLogto({
      api: async (_, res) => {
        deletes += 1;
        if (deletes === 1) {
          await new Promise((resolve) => setTimeout(resolve, 300));
          res.writeHead(204);
          res.end();
          return;
        }
        json(res, 404, { code: 'entity.not_found', message: 'The resource does not exist.' });
      },
    });
    const { client } = makeClient(logto.url, { timeoutMs: 150 });

    // Act
    await client.deleteUser('u1');

    // Assess
    expect(logto.requests.map((r) => r.method)).toEqual(['DELETE', 'DELETE']);
  });

  it('surfaces a delete that Logto refused', async () => {
    // Prepare
    const logto = await startFakeLogto({ api: (_, res) => json(res, 400, { code: 'user.cannot_delete_self', message: 'You cannot delete yourself.' }) });
    const { client } = makeClient(logto.url);

    // Act
    const error = await client.deleteUser('u1').catch((caught: unknown) => caught);

    // Assess
    expect(isLogtoError(error, 'user.cannot_delete_self')).toBe(true);
  });

  it('reads the sign-in experience password policy as Logto stores it', async () => {
    // Prepare
    const passwordPolicy = {
      length: { min: 12, max: 64 },
      characterTypes: { min: 3 },
      rejects: { pwned: true, repetitionAndSequence: true, userInfo: false, words: ['acme'] },
    };
    const logto = await startFakeLogto({ api: (_, res) => json(res, 200, { id: 'default', signInMode: 'SignIn', passwordPolicy }) });
    const { client } = makeClient(logto.url);

    // Act
    const policy = await client.getPasswordPolicy();

    // Assess
    expect(policy).toEqual(passwordPolicy);
    expect(logto.requests.map((r) => `${r.method} ${r.url}`)).toEqual(['GET /api/sign-in-exp']);
  });

  it('reads a missing policy as the empty one a fresh tenant has (every rule at its default)', async () => {
    // Prepare
    const logto = await startFakeLogto({ api: (_req, res) => json(res, 200, { id: 'default', signInMode: 'SignIn' }) });
    const { client } = makeClient(logto.url);

    // Act / Assess
    expect(await client.getPasswordPolicy()).toEqual({});
  });

  it('refuses a policy Logto could not have sent', async () => {
    // Prepare
    const logto = await startFakeLogto({ api: (_, res) => json(res, 200, { passwordPolicy: 'strict' }) });
    const { client } = makeClient(logto.url);

    // Act
    const error = await client.getPasswordPolicy().catch((caught: unknown) => caught);

    // Assess
    expect(error).toMatchObject({ code: 'logto.unexpected_response', status: 502 });
    expect((error as Error).message).toContain('passwordPolicy');
  });
});

describe('LogtoManagementClient: answers the typed client must not choke on', () => {
  it("accepts a 201 whose body is Koa's text for a bodiless answer", async () => {
    // Prepare: Koa answers `ctx.status = 201` without a body with the status text
    const logto = await startFakeLogto({
      api: (_, res) => {
        res.writeHead(201, { 'content-type': 'text/plain; charset=utf-8' });
        res.end('Created');
      },
    });
    const { client } = makeClient(logto.url);

    // Act
    await client.assignRoles('u1', ['role-member']);
    await client.addOrganizationMember('org-acme', 'u1');

    // Assess
    expect(logto.requests.map((r) => `${r.method} ${r.path}`)).toEqual(['POST /api/users/u1/roles', 'POST /api/organizations/org-acme/users']);
  });

  it('takes a 2xx that is not JSON where a body is needed for an unexpected response', async () => {
    // Prepare
    const logto = await startFakeLogto({
      api: (_, res) => {
        res.writeHead(200, { 'content-type': 'text/html' });
        res.end('<html>maintenance</html>');
      },
    });
    const { client } = makeClient(logto.url);

    // Act
    const error = await client.getUser('u1').catch((caught: unknown) => caught);

    // Assess
    expect(error).toMatchObject({ code: 'logto.unexpected_response', status: 502 });
  });

  it('refuses an empty id before calling Logto', async () => {
    // Prepare
    const logto = await startFakeLogto({ api: (_, res) => json(res, 200, {}) });
    const { client } = makeClient(logto.url);

    // Act
    const error = await client.deleteUser('').catch((caught: unknown) => caught);

    // Assess
    expect(error).toMatchObject({ code: 'logto.invalid_id', status: 500 });
    expect(logto.requests).toHaveLength(0);
  });
});
