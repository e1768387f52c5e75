/**
 * The Logto stand-in over real HTTP: what the local stack and the other integration tests rely on it to do
 * the way Logto does.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { type IncomingHttpHeaders, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { createRemoteJWKSet, jwtVerify } from 'jose';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { type StandIn, type StandInOptions, seed, startLogtoStandIn } from '../../local/logto-stand-in/index.ts';

interface HttpResult {
  status: number;
  headers: Headers;
  body: any;
}

const started: StandIn[] = [];
const cleanups: Array<() => Promise<void>> = [];

afterEach(async () => {
  await Promise.all(started.splice(0).map((standIn) => standIn.close()));
  await Promise.all(cleanups.splice(0).map((cleanup) => cleanup()));
});

async function start(options: Partial<StandInOptions> = {}) {
  const standIn = await startLogtoStandIn({ port: 0, ...options });
  started.push(standIn);
  return standIn;
}

async function call(url: string, init: RequestInit = {}): Promise<HttpResult> {
  const response = await fetch(url, { redirect: 'manual', ...init });
  const text = await response.text();
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    // not JSON: keep the text
  }
  return { status: response.status, headers: response.headers, body };
}

function requestToken(standIn: StandIn, client: { id: string; secret: string }, form: Record<string, string>) {
  return call(`${standIn.url}/oidc/token`, {
    method: 'POST',
    headers: { authorization: `Basic ${Buffer.from(`${client.id}:${client.secret}`).toString('base64')}` },
    body: new URLSearchParams(form),
  });
}

async function managementToken(standIn: StandIn) {
  const { body } = await requestToken(standIn, seed.m2mApp, {
    grant_type: 'client_credentials',
    resource: seed.managementApiResource,
    scope: 'all',
  });
  return body.access_token as string;
}

/** A Management API client authenticated like the invitations service. */
async function managementApi(standIn: StandIn) {
  const token = await managementToken(standIn);
  return (method: string, path: string, body?: unknown) =>
    call(`${standIn.url}/api${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
}

interface ReceivedHook {
  headers: IncomingHttpHeaders;
  rawBody: string;
  payload: any;
}

/** A webhook endpoint that records what it receives and answers `status`. */
async function startReceiver(status = 204) {
  const received: ReceivedHook[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const rawBody = Buffer.concat(chunks).toString('utf8');
      received.push({ headers: req.headers, rawBody, payload: JSON.parse(rawBody) });
      res.statusCode = receiver.status;
      res.end(receiver.status >= 400 ? 'receiver refused' : undefined);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const receiver = { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/logto`, received, status };
  cleanups.push(() => new Promise((resolve) => server.close(() => resolve())));
  return receiver;
}

const isSignedWith = (signingKey: string, hook: ReceivedHook) => {
  const expected = createHmac('sha256', signingKey).update(hook.rawBody).digest();
  const actual = Buffer.from(String(hook.headers['logto-signature-sha-256']), 'hex');
  return actual.length === expected.length && timingSafeEqual(actual, expected);
};

describe('token endpoint and JWKS', () => {
  it.each(['ES384', 'RS256'] as const)('issues %s access tokens that verify against the published JWKS', async (signingAlg) => {
    // Prepare
    const standIn = await start({ signingAlg });

    // Act
    const { status, body } = await requestToken(standIn, seed.adminClient, {
      grant_type: 'client_credentials',
      resource: seed.adminClient.resource,
      scope: 'invitations:read invitations:write all unknown:scope',
    });

    // Assess
    expect(status).toBe(200);
    expect(body).toMatchObject({ expires_in: 3600, token_type: 'Bearer', scope: 'invitations:read invitations:write' });
    const discovery = (await call(`${standIn.url}/oidc/.well-known/openid-configuration`)).body;
    expect(discovery).toMatchObject({ issuer: standIn.issuer, token_endpoint: `${standIn.url}/oidc/token` });
    const { payload, protectedHeader } = await jwtVerify(body.access_token, createRemoteJWKSet(new URL(discovery.jwks_uri)), {
      issuer: standIn.issuer,
      audience: seed.adminClient.resource,
    });
    expect(protectedHeader).toMatchObject({ alg: signingAlg, typ: 'at+jwt' });
    expect(payload).toMatchObject({ sub: seed.adminClient.id, client_id: seed.adminClient.id, scope: 'invitations:read invitations:write' });
    expect(typeof payload.jti).toBe('string');
    expect(payload.exp! - payload.iat!).toBe(3600);
    const jwks = (await call(discovery.jwks_uri)).body;
    expect(jwks.keys).toEqual([expect.objectContaining({ kid: protectedHeader.kid, alg: signingAlg, use: 'sig' })]);
    expect(jwks.keys[0]).not.toHaveProperty('d');
  });

  it('accepts client credentials in the body and grants only the permissions the app holds', async () => {
    // Prepare
    const standIn = await start();

    // Act
    const { status, body } = await call(`${standIn.url}/oidc/token`, {
      method: 'POST',
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: seed.adminClient.id,
        client_secret: seed.adminClient.secret,
        resource: seed.managementApiResource,
        scope: 'all',
      }),
    });

    // Assess: a token without scope, which the Management API refuses
    expect(status).toBe(200);
    expect(body.scope).toBeUndefined();
    const refused = await call(`${standIn.url}/api/users`, { headers: { authorization: `Bearer ${body.access_token}` } });
    expect(refused.status).toBe(403);
    expect(refused.body.code).toBe('auth.forbidden');
  });

  it('answers OIDC errors for bad clients, resources and grants', async () => {
    // Prepare
    const standIn = await start();
    const form = { grant_type: 'client_credentials', resource: seed.managementApiResource, scope: 'all' };

    // Act
    const wrongSecret = await requestToken(standIn, { id: seed.m2mApp.id, secret: 'nope' }, form);
    const unknownResource = await requestToken(standIn, seed.m2mApp, { ...form, resource: 'https://unknown.example/api' });
    const unsupportedGrant = await requestToken(standIn, seed.m2mApp, { ...form, grant_type: 'password' });
    const webApp = await requestToken(standIn, { id: seed.demoApp.id, secret: 'local-demo-secret' }, form);

    // Assess
    expect([wrongSecret.status, wrongSecret.body.error]).toEqual([401, 'invalid_client']);
    expect([unknownResource.status, unknownResource.body.error]).toEqual([400, 'invalid_target']);
    expect([unsupportedGrant.status, unsupportedGrant.body.error]).toEqual([400, 'unsupported_grant_type']);
    expect([webApp.status, webApp.body]).toEqual([
      400,
      { code: 'oidc.invalid_request', message: 'Request is invalid.', error: 'invalid_request', error_description: 'requested grant type is not allowed for this client' },
    ]);
  });

  it('guards the Management API with Logto auth error codes', async () => {
    // Prepare
    const standIn = await start();
    const other = await start();
    const foreignToken = await managementToken(other);

    // Act
    const missing = await call(`${standIn.url}/api/users`);
    const basic = await call(`${standIn.url}/api/users`, { headers: { authorization: 'Basic abc' } });
    const foreign = await call(`${standIn.url}/api/users`, { headers: { authorization: `Bearer ${foreignToken}` } });

    // Assess
    expect([missing.status, missing.body.code]).toEqual([401, 'auth.authorization_header_missing']);
    expect([basic.status, basic.body.code]).toEqual([401, 'auth.authorization_token_type_not_supported']);
    expect([foreign.status, foreign.body.code]).toEqual([401, 'auth.unauthorized']);
  });
});

describe('one-time tokens', () => {
  let standIn: StandIn;
  let api: Awaited<ReturnType<typeof managementApi>>;

  beforeEach(async () => {
    standIn = await start();
    api = await managementApi(standIn);
  });

  it('creates a token with a 32-character secret, a 600 s default lifetime and only known context keys', async () => {
    // Prepare
    const before = Date.now();

    // Act
    const created = await api('POST', '/one-time-tokens', {
      email: 'ada@example.com',
      context: { jitOrganizationIds: ['org-acme'], invitationId: 'inv-1' },
    });

    // Assess
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ email: 'ada@example.com', status: 'active', context: { jitOrganizationIds: ['org-acme'] } });
    expect(created.body.context).not.toHaveProperty('invitationId');
    expect(created.body.token).toMatch(/^[A-Za-z0-9]{32}$/);
    expect(created.body.createdAt).toBeGreaterThanOrEqual(before);
    expect(created.body.expiresAt - created.body.createdAt).toBe(600_000);
    const read = await api('GET', `/one-time-tokens/${created.body.id}`);
    expect(read.body).toEqual(created.body);
  });

  it('refuses invalid input and unknown IDs with Logto error codes', async () => {
    // Act
    const tooLong = await api('POST', '/one-time-tokens', { email: `${'a'.repeat(120)}@example.com` });
    const unknown = await api('GET', '/one-time-tokens/nope');
    const badPage = await api('GET', '/one-time-tokens?page=0');

    // Assess
    expect([tooLong.status, tooLong.body.code]).toEqual([400, 'guard.invalid_input']);
    expect(unknown.status).toBe(404);
    expect(unknown.body).toEqual({ code: 'entity.not_exists_with_id', message: 'The one_time_tokens with ID `nope` does not exist.' });
    expect([badPage.status, badPage.body.code]).toEqual([400, 'guard.invalid_pagination']);
  });

  it('lists by email, newest first, with a Total-Number that ignores the filters', async () => {
    // Prepare
    const first = (await api('POST', '/one-time-tokens', { email: 'a@example.com' })).body;
    const second = (await api('POST', '/one-time-tokens', { email: 'a@example.com' })).body;
    await api('POST', '/one-time-tokens', { email: 'b@example.com' });

    // Act
    const page = await api('GET', '/one-time-tokens?email=a@example.com&page=1&page_size=20');

    // Assess
    expect(page.body.map((token: { id: string }) => token.id)).toEqual([second.id, first.id]);
    expect(page.headers.get('total-number')).toBe('3');
  });

  it('revokes, refuses reactivation, refuses the revoked token at verification, and deletes', async () => {
    // Prepare
    const { id, token } = (await api('POST', '/one-time-tokens', { email: 'c@example.com' })).body;

    // Act
    const revoked = await api('PUT', `/one-time-tokens/${id}/status`, { status: 'revoked' });
    const reactivated = await api('PUT', `/one-time-tokens/${id}/status`, { status: 'active' });
    const verified = await api('POST', '/one-time-tokens/verify', { token, email: 'c@example.com' });
    const deleted = await api('DELETE', `/one-time-tokens/${id}`);
    const deletedAgain = await api('DELETE', `/one-time-tokens/${id}`);

    // Assess
    expect([revoked.status, revoked.body.status]).toEqual([200, 'revoked']);
    expect([reactivated.status, reactivated.body.code]).toEqual([400, 'one_time_token.cannot_reactivate_token']);
    expect([verified.status, verified.body.code]).toEqual([400, 'one_time_token.token_revoked']);
    expect(deleted.status).toBe(204);
    expect([deletedAgain.status, deletedAgain.body.code]).toEqual([404, 'entity.not_found']);
  });

  it('reports a lapsed token as expired when read, and refuses it', async () => {
    // Prepare
    const { id, token } = (await api('POST', '/one-time-tokens', { email: 'd@example.com', expiresIn: 1 })).body;
    await new Promise((resolve) => setTimeout(resolve, 1100));

    // Act
    const read = await api('GET', `/one-time-tokens/${id}`);
    const verified = await api('POST', '/one-time-tokens/verify', { token, email: 'd@example.com' });

    // Assess
    expect(read.body.status).toBe('expired');
    expect([verified.status, verified.body.code]).toEqual([400, 'one_time_token.token_expired']);
  });
});

describe('users, roles and organizations', () => {
  let standIn: StandIn;
  let api: Awaited<ReturnType<typeof managementApi>>;

  beforeEach(async () => {
    standIn = await start();
    api = await managementApi(standIn);
  });

  it('creates a user with Logto fields and refuses a duplicate email whatever its case', async () => {
    // Act
    const created = await api('POST', '/users', { primaryEmail: 'Grace@Example.com', name: 'Grace', customData: { team: 'a' } });
    const duplicate = await api('POST', '/users', { primaryEmail: 'grace@example.com' });

    // Assess
    expect(created.status).toBe(200);
    expect(created.body).toMatchObject({
      username: null,
      primaryEmail: 'Grace@Example.com',
      primaryPhone: null,
      name: 'Grace',
      avatar: null,
      customData: { team: 'a' },
      identities: {},
      lastSignInAt: null,
      profile: {},
      applicationId: null,
      isSuspended: false,
      hasPassword: false,
    });
    expect(created.body.id).toMatch(/^[a-z0-9]{12}$/);
    expect(created.body.updatedAt).toBe(created.body.createdAt);
    expect([duplicate.status, duplicate.body.code]).toEqual([422, 'user.email_already_in_use']);
  });

  it('finds users by email with exact and like modes, case-insensitive unless asked', async () => {
    // Prepare
    const { id } = (await api('POST', '/users', { primaryEmail: 'Linus@Example.com' })).body;
    await api('POST', '/users', { primaryEmail: 'other@example.org' });

    // Act
    const exact = await api('GET', '/users?search.primaryEmail=linus@example.com&mode.primaryEmail=exact');
    const caseSensitive = await api('GET', '/users?search.primaryEmail=linus@example.com&mode.primaryEmail=exact&isCaseSensitive=true');
    const like = await api('GET', `/users?search.primaryEmail=${encodeURIComponent('%@example.com')}`);
    const badField = await api('GET', '/users?search.password=x');

    // Assess
    expect(exact.body.map((user: { id: string }) => user.id)).toEqual([id]);
    expect(exact.body[0]).not.toHaveProperty('hasPassword');
    expect(caseSensitive.body).toEqual([]);
    // The seeded console admin (admin@example.com) matches the pattern too.
    expect(like.body.map((user: { id: string }) => user.id)).toEqual([id, seed.adminUser.id]);
    expect(like.headers.get('total-number')).toBe('2');
    expect([badField.status, badField.body.code]).toEqual([400, 'request.invalid_input']);
  });

  it('merges custom data shallowly and answers entity.not_found for unknown users', async () => {
    // Prepare
    const { id } = (await api('POST', '/users', { customData: { keep: 1, nested: { a: 1 } } })).body;

    // Act
    const patched = await api('PATCH', `/users/${id}/custom-data`, { customData: { nested: { b: 2 }, added: true } });
    const unknown = await api('GET', '/users/nobody');

    // Assess
    expect(patched.body).toEqual({ keep: 1, nested: { b: 2 }, added: true });
    expect((await api('GET', `/users/${id}/custom-data`)).body).toEqual(patched.body);
    expect([unknown.status, unknown.body.code]).toEqual([404, 'entity.not_found']);
  });

  it('assigns user roles idempotently and refuses machine-to-machine and unknown roles', async () => {
    // Prepare
    const { id } = (await api('POST', '/users', { primaryEmail: 'r@example.com' })).body;
    const userRoles = (await api('GET', '/roles?type=User')).body;
    const m2mRole = (await api('GET', '/roles?type=MachineToMachine')).body[0];

    // Act
    const first = await api('POST', `/users/${id}/roles`, { roleIds: ['role-member'] });
    const again = await api('POST', `/users/${id}/roles`, { roleIds: ['role-member', 'role-editor'] });
    const m2m = await api('POST', `/users/${id}/roles`, { roleIds: [m2mRole.id] });
    const unknown = await api('POST', `/users/${id}/roles`, { roleIds: ['role-nope'] });

    // Assess
    expect(userRoles.every((role: { type: string }) => role.type === 'User')).toBe(true);
    expect(userRoles.map((role: { id: string }) => role.id)).toEqual(expect.arrayContaining(['role-member', 'role-editor']));
    expect([first.status, again.status]).toEqual([201, 201]);
    const held = (await api('GET', `/users/${id}/roles`)).body.map((role: { id: string }) => role.id);
    expect(held.sort()).toEqual(['role-editor', 'role-member']);
    expect([m2m.status, m2m.body.code]).toEqual([422, 'user.invalid_role_type']);
    expect([unknown.status, unknown.body.code]).toEqual([404, 'entity.not_exists_with_id']);
  });

  it('adds organization members idempotently and gives organization roles to members only', async () => {
    // Prepare
    const { id } = (await api('POST', '/users', { primaryEmail: 'o@example.com' })).body;

    // Act
    const beforeMembership = await api('POST', `/organizations/org-acme/users/${id}/roles`, { organizationRoleIds: ['orgrole-admin'] });
    const added = await api('POST', '/organizations/org-acme/users', { userIds: [id] });
    const addedAgain = await api('POST', '/organizations/org-acme/users', { userIds: [id] });
    const unknownUser = await api('POST', '/organizations/org-acme/users', { userIds: ['nobody'] });
    const role = await api('POST', `/organizations/org-acme/users/${id}/roles`, { organizationRoleIds: ['orgrole-admin'] });

    // Assess
    expect([beforeMembership.status, beforeMembership.body.code]).toEqual([422, 'organization.require_membership']);
    expect([added.status, addedAgain.status]).toEqual([201, 201]);
    expect([unknownUser.status, unknownUser.body.code]).toEqual([422, 'entity.relation_foreign_key_not_found']);
    expect(role.status).toBe(201);
    const members = (await api('GET', '/organizations/org-acme/users')).body;
    expect(members).toEqual([expect.objectContaining({ id, organizationRoles: [{ id: 'orgrole-admin', name: 'admin' }] })]);
    const organizations = (await api('GET', '/organizations')).body.map((org: { id: string }) => org.id);
    expect(organizations).toEqual(['org-acme', 'org-globex']);
  });

  it('lists roles, organizations and organization roles in pages with Logto\'s headers and searches', async () => {
    // Prepare
    for (let i = 0; i < 23; i += 1) {
      const created = await api('POST', '/organizations', { name: `Team ${String(i).padStart(2, '0')}`, description: i === 3 ? 'the third' : undefined });
      expect([created.status, created.body.id]).toEqual([201, expect.stringMatching(/^[a-z0-9]{12}$/)]);
    }

    // Act
    const userRoles = await api('GET', '/roles?type=User&page=1&page_size=2');
    const searchedRoles = await api('GET', `/roles?type=User&search=${encodeURIComponent('%EDIT%')}`);
    const badSearch = await api('GET', '/roles?search.secret=x');
    const firstPage = await api('GET', '/organizations?page_size=20');
    const secondPage = await api('GET', '/organizations?page=2&page_size=20');
    const keyword = await api('GET', '/organizations?q=team%200');
    const organizationRoles = await api('GET', '/organization-roles?q=VIEW');
    const tooLarge = await api('GET', '/organizations?page_size=101');

    // Assess
    expect(userRoles.body.map((role: { id: string }) => role.id)).toEqual(['role-member', 'role-editor']);
    expect(userRoles.headers.get('total-number')).toBe('3');
    expect(searchedRoles.body.map((role: { id: string }) => role.id)).toEqual(['role-editor']);
    expect(searchedRoles.headers.get('total-number')).toBe('1');
    expect([badSearch.status, badSearch.body.code]).toEqual([400, 'request.invalid_input']);
    expect(firstPage.headers.get('total-number')).toBe('25');
    expect(firstPage.body).toHaveLength(20);
    expect(secondPage.body.map((org: { name: string }) => org.name)).toEqual(['Team 18', 'Team 19', 'Team 20', 'Team 21', 'Team 22']);
    expect(secondPage.headers.get('link')).toContain('rel="prev"');
    expect(keyword.body.map((org: { name: string }) => org.name)).toEqual(Array.from({ length: 10 }, (_, i) => `Team 0${i}`));
    expect(keyword.headers.get('total-number')).toBe('10');
    expect(keyword.body.find((org: { name: string }) => org.name === 'Team 03').description).toBe('the third');
    expect(organizationRoles.body).toEqual([expect.objectContaining({ id: 'orgrole-viewer', name: 'viewer', description: null, type: 'User' })]);
    expect([tooLarge.status, tooLarge.body.code]).toEqual([400, 'guard.invalid_pagination']);
  });
});

describe('passwords', () => {
  let standIn: StandIn;
  let api: Awaited<ReturnType<typeof managementApi>>;
  let dataFile: string;

  beforeEach(async () => {
    const directory = await mkdtemp(join(tmpdir(), 'logto-stand-in-'));
    cleanups.push(() => rm(directory, { recursive: true, force: true }));
    dataFile = join(directory, 'logto.json');
    standIn = await start({ dataFile });
    api = await managementApi(standIn);
  });

  it('stores a password as a salted digest that no response, list, webhook or log shows', async () => {
    // Prepare
    const password = 'Corr3ct-Horse-Battery';
    const receiver = await startReceiver();
    await api('POST', '/hooks', { events: ['User.Created'], config: { url: receiver.url } });

    // Act
    const created = await api('POST', '/users', { primaryEmail: 'pw@example.com', password });
    const twin = await api('POST', '/users', { primaryEmail: 'twin@example.com', password });
    const read = await api('GET', `/users/${created.body.id}?includePasswordHash=true`);
    const listed = await api('GET', '/users?search.primaryEmail=pw@example.com&mode.primaryEmail=exact');
    await standIn.idle();
    const deliveries = await call(`${standIn.url}/__standin/hook-deliveries`);

    // Assess
    expect([created.status, created.body.hasPassword, twin.body.hasPassword, read.body.hasPassword]).toEqual([200, true, true, true]);
    const saved = JSON.parse(await readFile(dataFile, 'utf8'));
    const digests = saved.users
      .filter((user: { id: string }) => user.id !== seed.adminUser.id)
      .map((user: { passwordDigest: string }) => user.passwordDigest);
    expect(digests).toEqual([expect.stringMatching(/^[0-9a-f]{32}:[0-9a-f]{64}$/), expect.stringMatching(/^[0-9a-f]{32}:[0-9a-f]{64}$/)]);
    expect(digests[0]).not.toBe(digests[1]);
    const shown = [created, twin, read, listed, deliveries].map((result) => JSON.stringify(result.body));
    shown.push(...receiver.received.map((delivery) => delivery.rawBody));
    for (const text of shown) {
      expect(text).not.toContain(password);
      for (const digest of digests) expect(text).not.toContain(digest.split(':')[1]);
      expect(text).not.toMatch(/passwordDigest|passwordAlgorithm/);
    }
    expect(JSON.stringify(saved)).not.toContain(password);
  });

  it('refuses a password with a digest, a digest without its algorithm and a malformed legacy digest, and keeps an imported one', async () => {
    // Act
    const both = await api('POST', '/users', { primaryEmail: 'both@example.com', password: 'x', passwordDigest: 'abc', passwordAlgorithm: 'MD5' });
    const noAlgorithm = await api('POST', '/users', { primaryEmail: 'noalg@example.com', passwordDigest: 'abc' });
    const badLegacy = await api('POST', '/users', { primaryEmail: 'legacy@example.com', passwordDigest: 'not json', passwordAlgorithm: 'Legacy' });
    const unknownHash = await api('POST', '/users', {
      primaryEmail: 'legacy@example.com',
      passwordDigest: JSON.stringify(['nohash', ['salt', '@'], 'abc']),
      passwordAlgorithm: 'Legacy',
    });
    const legacy = await api('POST', '/users', {
      primaryEmail: 'legacy@example.com',
      passwordDigest: JSON.stringify(['sha256', ['salt', '@'], 'abc']),
      passwordAlgorithm: 'Legacy',
    });
    const bcrypt = await api('POST', '/users', {
      primaryEmail: 'imported@example.com',
      passwordDigest: '$2a$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy',
      passwordAlgorithm: 'Bcrypt',
    });

    // Assess
    expect(both.status).toBe(400);
    expect(both.body).toMatchObject({ code: 'user.password_and_digest', message: 'You cannot set both plain text password and password digest.' });
    expect([noAlgorithm.status, noAlgorithm.body.code]).toEqual([400, 'user.password_algorithm_required']);
    expect([badLegacy.status, badLegacy.body.code]).toEqual([400, 'password.invalid_legacy_password_format']);
    expect([unknownHash.status, unknownHash.body.code]).toEqual([400, 'password.unsupported_legacy_hash_algorithm']);
    expect([legacy.status, legacy.body.hasPassword]).toEqual([200, true]);
    expect([bcrypt.status, bcrypt.body.hasPassword]).toEqual([200, true]);
    const emails = (await api('GET', '/users')).body.map((user: { primaryEmail: string }) => user.primaryEmail);
    expect(emails.sort()).toEqual([seed.adminUser.primaryEmail, 'imported@example.com', 'legacy@example.com']);
  });
  it('sets and verifies passwords: the one stored verifies, another does not, an imported SHA256 digest too', async () => {
    // Prepare
    const receiver = await startReceiver();
    await api('POST', '/hooks', { events: ['User.Data.Updated'], config: { url: receiver.url } });
    const withPassword = (await api('POST', '/users', { primaryEmail: 'a@example.com', password: 'First-Passw0rd' })).body;
    const without = (await api('POST', '/users', { primaryEmail: 'b@example.com' })).body;
    const sha256 = createHash('sha256').update('Imported-Passw0rd').digest('hex');
    const imported = (await api('POST', '/users', { primaryEmail: 'c@example.com', passwordDigest: sha256, passwordAlgorithm: 'SHA256' })).body;
    const verify = (id: string, password: string) => api('POST', `/users/${id}/password/verify`, { password });

    // Act
    const first = await verify(withPassword.id, 'First-Passw0rd');
    const wrong = await verify(withPassword.id, 'first-passw0rd');
    const none = await verify(without.id, 'anything');
    const set = await api('PATCH', `/users/${without.id}/password`, { password: 'Second-Passw0rd' });
    const second = await verify(without.id, 'Second-Passw0rd');
    const importedOk = await verify(imported.id, 'Imported-Passw0rd');
    const importedWrong = await verify(imported.id, 'Imported-Passw0rd!');
    const unknown = await verify('nobody', 'x');
    await standIn.idle();

    // Assess
    expect([first.status, second.status, importedOk.status]).toEqual([204, 204, 204]);
    expect([wrong.status, wrong.body.code]).toEqual([422, 'session.invalid_credentials']);
    expect([none.status, none.body.code]).toEqual([422, 'session.invalid_credentials']);
    expect([importedWrong.status, importedWrong.body.code]).toEqual([422, 'session.invalid_credentials']);
    expect([unknown.status, unknown.body.code]).toEqual([404, 'entity.not_found']);
    expect([set.status, set.body.hasPassword]).toEqual([200, true]);
    expect(receiver.received.map(({ payload }) => [payload.event, payload.matchedRoute, payload.data.id])).toEqual([
      ['User.Data.Updated', '/users/:userId/password', without.id],
    ]);
    expect(receiver.received[0]!.rawBody).not.toContain('Second-Passw0rd');
  });
});

describe('password policy', () => {
  let standIn: StandIn;
  let api: Awaited<ReturnType<typeof managementApi>>;

  const setPolicy = (passwordPolicy: unknown) => api('PATCH', '/sign-in-exp', { passwordPolicy });
  const check = (password: string, userId?: string) => api('POST', '/sign-in-exp/default/check-password', { password, userId });

  beforeEach(async () => {
    standIn = await start();
    api = await managementApi(standIn);
  });

  it('starts from the empty policy Logto seeds and replaces it whole on PATCH, groups left out back at their defaults', async () => {
    // Act
    const initial = await api('GET', '/sign-in-exp');
    const first = await setPolicy({ length: { min: 10 }, rejects: { words: ['acme'] }, unknown: true });
    const second = await setPolicy({ characterTypes: { min: 3 } });
    const invalid = await setPolicy({ characterTypes: { min: 5 } });
    const modeOnly = await api('PATCH', '/sign-in-exp', { signInMode: 'SignIn' });

    // Assess
    expect(initial.body.passwordPolicy).toEqual({});
    expect(first.body.passwordPolicy).toEqual({
      length: { min: 10, max: 256 },
      rejects: { pwned: true, repetitionAndSequence: true, userInfo: true, words: ['acme'] },
    });
    expect(second.body.passwordPolicy).toEqual({ characterTypes: { min: 3 } });
    expect([invalid.status, invalid.body.code]).toEqual([400, 'guard.invalid_input']);
    expect(modeOnly.body.passwordPolicy).toEqual({ characterTypes: { min: 3 } });
    expect((await api('GET', '/sign-in-exp')).body.passwordPolicy).toEqual({ characterTypes: { min: 3 } });
  });

  it("gives Logto's verdicts on the cases of Logto's own integration test", async () => {
    // Prepare
    await setPolicy({ length: { min: 8, max: 64 }, characterTypes: { min: 3 }, rejects: { pwned: true, repetitionAndSequence: true, userInfo: true } });
    const user = (await api('POST', '/users', { name: 'Johnny' })).body;

    // Act
    const results = await Promise.all(['123', 'johnny13', '123456aA', 'Xq7#mRt9!wLp'].map((password) => check(password, user.id)));

    // Assess
    const codes = results.map(({ body }) => body.issues?.map((issue: { code: string }) => issue.code));
    expect(codes).toEqual([
      ['password_rejected.too_short', 'password_rejected.character_types', 'password_rejected.restricted.sequence'],
      ['password_rejected.character_types', 'password_rejected.restricted.user_info'],
      ['password_rejected.pwned', 'password_rejected.restricted.sequence'],
      undefined,
    ]);
    expect(results.map(({ status }) => status)).toEqual([400, 400, 400, 200]);
    expect(results[3]!.body).toEqual({ result: true });
    expect(results[0]!.body).toEqual({
      result: false,
      issues: [
        { code: 'password_rejected.too_short', interpolation: { min: 8 } },
        { code: 'password_rejected.character_types', interpolation: { min: 3 } },
        { code: 'password_rejected.restricted.sequence' },
      ],
    });
  });

  it.each([
    { rule: 'length (too short)', policy: {}, rejected: 'aB3$x', issue: { code: 'password_rejected.too_short', interpolation: { min: 8 } }, accepted: 'aB3$xYz!' },
    {
      rule: 'length (too long)',
      policy: { length: { min: 8, max: 16 } },
      rejected: 'Tr0ub4dor&3horse!',
      issue: { code: 'password_rejected.too_long', interpolation: { max: 16 } },
      accepted: 'Tr0ub4dor&3horse',
    },
    {
      rule: 'character types',
      policy: { characterTypes: { min: 3 } },
      rejected: 'correcthorse',
      issue: { code: 'password_rejected.character_types', interpolation: { min: 3 } },
      accepted: 'Correcthorse7',
    },
    { rule: 'unsupported characters', policy: {}, rejected: 'pässwörd-long', issue: { code: 'password_rejected.unsupported_characters' }, accepted: 'passwOrd-long' },
    { rule: 'pwned (the built-in list)', policy: {}, rejected: 'Password1', issue: { code: 'password_rejected.pwned' }, accepted: 'Password1!x' },
    // At the edge: restricted phrases may cover all but 3 characters of a password, not more.
    { rule: 'repetition', policy: {}, rejected: 'aaaaaa7#', issue: { code: 'password_rejected.restricted.repetition' }, accepted: 'aaaaa7#Q' },
    { rule: 'sequence', policy: {}, rejected: 'abcdef7#', issue: { code: 'password_rejected.restricted.sequence' }, accepted: 'abcde7#Q' },
    {
      rule: 'custom words',
      policy: { rejects: { words: ['Acme'] } },
      rejected: 'acmeACME12',
      issue: { code: 'password_rejected.restricted.words' },
      accepted: 'acme-X7#mRt9q',
    },
    { rule: 'user info', policy: {}, rejected: 'silverhand42', issue: { code: 'password_rejected.restricted.user_info' }, accepted: 'silverhand-X7#mRt9' },
  ])('checks $rule, accepting a password that passes', async ({ policy, rejected, issue, accepted }) => {
    // Prepare
    await setPolicy(policy);
    const user = (await api('POST', '/users', { name: 'Johnny Silverhand', primaryEmail: 'jsilver@example.com' })).body;

    // Act
    const refused = await check(rejected, user.id);
    const passed = await check(accepted, user.id);

    // Assess
    expect([refused.status, refused.body]).toEqual([400, { result: false, issues: [issue] }]);
    expect([passed.status, passed.body]).toEqual([200, { result: true }]);
  });

  it('needs a userId while the policy rejects user info, and refuses an unknown one', async () => {
    // Act
    const withoutUser = await check('Xq7#mRt9!wLp');
    const unknownUser = await check('Xq7#mRt9!wLp', 'nobody');
    await setPolicy({ rejects: { userInfo: false } });
    const withoutUserInfoRule = await check('Xq7#mRt9!wLp');

    // Assess
    expect(withoutUser.status).toBe(400);
    expect(withoutUser.body).toMatchObject({
      code: 'request.invalid_input',
      data: { message: 'User information data is required to check user information.' },
    });
    expect([unknownUser.status, unknownUser.body.code]).toEqual([404, 'entity.not_found']);
    expect([withoutUserInfoRule.status, withoutUserInfoRule.body]).toEqual([200, { result: true }]);
  });
});

describe('webhooks', () => {
  let standIn: StandIn;
  let api: Awaited<ReturnType<typeof managementApi>>;

  beforeEach(async () => {
    standIn = await start();
    api = await managementApi(standIn);
  });

  it('delivers User.Created signed with the hook key to enabled subscribed hooks only', async () => {
    // Prepare
    const receiver = await startReceiver();
    const hook = (
      await api('POST', '/hooks', {
        name: 'invitations',
        events: ['User.Created', 'PostRegister'],
        config: { url: receiver.url, headers: { 'x-extra': 'yes' } },
      })
    ).body;
    await api('POST', '/hooks', { name: 'off', events: ['User.Created'], config: { url: receiver.url }, enabled: false });
    await api('POST', '/hooks', { name: 'other', events: ['PostSignIn'], config: { url: receiver.url } });

    // Act
    const user = (await api('POST', '/users', { primaryEmail: 'hooked@example.com' })).body;
    await standIn.idle();

    // Assess
    expect(hook.signingKey).toMatch(/^[A-Za-z0-9]{32}$/);
    expect(receiver.received).toHaveLength(1);
    const [delivery] = receiver.received;
    expect(isSignedWith(hook.signingKey, delivery!)).toBe(true);
    expect(delivery!.headers).toMatchObject({
      'content-type': 'application/json',
      'user-agent': 'Logto (https://logto.io/)',
      'x-extra': 'yes',
    });
    expect(delivery!.payload).toMatchObject({
      hookId: hook.id,
      event: 'User.Created',
      path: '/users',
      method: 'POST',
      status: 200,
      matchedRoute: '/users',
      data: { id: user.id, primaryEmail: 'hooked@example.com', hasPassword: false },
    });
    expect(new Date(delivery!.payload.createdAt).toISOString()).toBe(delivery!.payload.createdAt);
    const log = (await call(`${standIn.url}/__standin/hook-deliveries`)).body;
    expect(log).toEqual([expect.objectContaining({ hookId: hook.id, event: 'User.Created', url: receiver.url, status: 204 })]);
  });

  it('signs with the rotated key, and records a failed delivery once, without retry', async () => {
    // Prepare
    const receiver = await startReceiver(500);
    const hook = (await api('POST', '/hooks', { events: ['User.Created'], config: { url: receiver.url } })).body;
    const rotated = (await api('PATCH', `/hooks/${hook.id}/signing-key`)).body;

    // Act
    await api('POST', '/users', {});
    await standIn.idle();

    // Assess
    expect(rotated.signingKey).not.toBe(hook.signingKey);
    expect(receiver.received).toHaveLength(1);
    expect(isSignedWith(rotated.signingKey, receiver.received[0]!)).toBe(true);
    const log = (await call(`${standIn.url}/__standin/hook-deliveries`)).body;
    expect(log).toEqual([expect.objectContaining({ status: 500 })]);
  });

  it('sends test payloads and reports an endpoint error as 422', async () => {
    // Prepare
    const receiver = await startReceiver();
    const hook = (await api('POST', '/hooks', { events: ['PostRegister'], config: { url: receiver.url } })).body;

    // Act
    const ok = await api('POST', `/hooks/${hook.id}/test`, { events: ['PostRegister'], config: { url: receiver.url } });
    receiver.status = 503;
    const failing = await api('POST', `/hooks/${hook.id}/test`, { events: ['PostRegister'], config: { url: receiver.url } });
    const noEvents = await api('POST', '/hooks', { config: { url: receiver.url } });

    // Assess
    expect(ok.status).toBe(204);
    expect(receiver.received[0]!.payload).toMatchObject({ hookId: hook.id, event: 'PostRegister', userId: 'fake-id' });
    expect(failing.status).toBe(422);
    expect(failing.body).toMatchObject({ code: 'hook.endpoint_responded_with_error', data: { responseStatus: 503 } });
    expect([noEvents.status, noEvents.body.code]).toEqual([400, 'hook.missing_events']);
  });
});

describe('sign-in with a one-time token while registration is closed', () => {
  const redirectUri = 'http://127.0.0.1:4000/demo/callback';
  let standIn: StandIn;
  let api: Awaited<ReturnType<typeof managementApi>>;

  const signIn = (params: Record<string, string>) =>
    call(
      `${standIn.url}/oidc/auth?${new URLSearchParams({ client_id: seed.demoApp.id, redirect_uri: redirectUri, response_type: 'code', scope: 'openid', ...params })}`,
    );

  beforeEach(async () => {
    standIn = await start();
    api = await managementApi(standIn);
    const closed = await api('PATCH', '/sign-in-exp', { signInMode: 'SignIn' });
    expect(closed.body.signInMode).toBe('SignIn');
  });

  it('refuses to register a new email without a token', async () => {
    // Act
    const refused = await signIn({ login_hint: 'walk-in@example.com', state: 's' });

    // Assess
    expect([refused.status, refused.body.code]).toEqual([403, 'auth.forbidden']);
    expect((await api('GET', '/users?search.primaryEmail=walk-in@example.com&mode.primaryEmail=exact')).body).toEqual([]);
  });

  it('registers the invitee, consumes the token, joins its organizations, fires the hooks, and refuses a second use', async () => {
    // Prepare
    const receiver = await startReceiver();
    const hook = (
      await api('POST', '/hooks', { events: ['PostRegister', 'User.Created', 'Organization.Membership.Updated'], config: { url: receiver.url } })
    ).body;
    const email = 'invitee@example.com';
    const ott = (await api('POST', '/one-time-tokens', { email, context: { jitOrganizationIds: ['org-acme'] } })).body;

    // Act
    const response = await signIn({ one_time_token: ott.token, login_hint: email, state: 'xyz' });
    await standIn.idle();
    const secondUse = await signIn({ one_time_token: ott.token, login_hint: email, state: 'xyz' });

    // Assess
    expect(response.status).toBe(302);
    const location = new URL(response.headers.get('location')!);
    expect(`${location.origin}${location.pathname}`).toBe(redirectUri);
    expect(location.searchParams.get('state')).toBe('xyz');
    expect(location.searchParams.get('code')).toBeTruthy();

    const [user] = (await api('GET', `/users?search.primaryEmail=${email}&mode.primaryEmail=exact`)).body;
    expect(user).toMatchObject({ primaryEmail: email });
    expect(user.lastSignInAt).toBeGreaterThan(0);
    expect((await api('GET', `/one-time-tokens/${ott.id}`)).body.status).toBe('consumed');
    const members = (await api('GET', '/organizations/org-acme/users')).body;
    expect(members.map((member: { id: string }) => member.id)).toEqual([user.id]);

    const byEvent = new Map(receiver.received.map((delivery) => [delivery.payload.event, delivery]));
    expect([...byEvent.keys()].sort()).toEqual(['Organization.Membership.Updated', 'PostRegister', 'User.Created']);
    expect(receiver.received.every((delivery) => isSignedWith(hook.signingKey, delivery))).toBe(true);
    expect(byEvent.get('PostRegister')!.payload).toMatchObject({
      hookId: hook.id,
      interactionEvent: 'Register',
      userId: user.id,
      user: { id: user.id, primaryEmail: email },
      application: { id: seed.demoApp.id, type: 'Traditional', name: 'Local demo app' },
    });
    expect(byEvent.get('User.Created')!.payload).toMatchObject({
      interactionEvent: 'Register',
      applicationId: seed.demoApp.id,
      data: { id: user.id, primaryEmail: email, lastSignInAt: null },
    });
    expect(byEvent.get('Organization.Membership.Updated')!.payload).toMatchObject({ organizationId: 'org-acme' });

    expect([secondUse.status, secondUse.body.code]).toEqual([400, 'one_time_token.token_consumed']);
  });

  it('signs in an existing user with a token: lastSignInAt is set and PostSignIn carries it, in Logto\'s payload shape', async () => {
    // Prepare
    const receiver = await startReceiver();
    const hook = (await api('POST', '/hooks', { events: ['PostSignIn', 'PostRegister'], config: { url: receiver.url } })).body;
    const user = (await api('POST', '/users', { primaryEmail: 'member@example.com', password: 'Corr3ct-Horse-Battery' })).body;
    const ott = (await api('POST', '/one-time-tokens', { email: 'member@example.com' })).body;
    const before = Date.now();

    // Act
    const response = await signIn({ one_time_token: ott.token, login_hint: 'member@example.com', first_screen: 'sign_in' });
    await standIn.idle();

    // Assess
    expect(response.status).toBe(302);
    const signedIn = (await api('GET', `/users/${user.id}`)).body;
    expect(user.lastSignInAt).toBeNull();
    expect(signedIn.lastSignInAt).toBeGreaterThanOrEqual(before);
    expect(receiver.received.map((delivery) => delivery.payload.event)).toEqual(['PostSignIn']);
    const { payload } = receiver.received[0]!;
    expect(Object.keys(payload).sort()).toEqual(
      ['application', 'createdAt', 'event', 'hookId', 'interactionEvent', 'sessionId', 'user', 'userAgent', 'userId', 'userIp'].sort(),
    );
    expect(payload).toMatchObject({
      hookId: hook.id,
      event: 'PostSignIn',
      interactionEvent: 'SignIn',
      userId: user.id,
      application: { id: seed.demoApp.id, type: 'Traditional', name: 'Local demo app', description: null },
    });
    const { hasPassword, ...userInfo } = signedIn;
    expect(hasPassword).toBe(true);
    expect(payload.user).toEqual(userInfo);
    expect(new Date(payload.createdAt).toISOString()).toBe(payload.createdAt);
  });

  it('records each /oidc/auth request in /__standin/sign-ins, newest last, for every first_screen value', async () => {
    // Prepare
    const email = 'screens@example.com';
    const user = (await api('POST', '/users', { primaryEmail: email })).body;
    const ott = (await api('POST', '/one-time-tokens', { email })).body;
    const firstScreens = ['sign_in', 'register', 'reset_password', 'identifier:sign_in', 'identifier:register', 'single_sign_on'];
    const before = Date.now();

    // Act
    const statuses = [];
    for (const firstScreen of firstScreens) statuses.push((await signIn({ login_hint: email, first_screen: firstScreen })).status);
    const unknownScreen = await signIn({ login_hint: email, first_screen: 'password', one_time_token: ott.token });
    const withToken = await signIn({ login_hint: email, first_screen: 'identifier:sign_in', one_time_token: ott.token });
    const noHint = await signIn({});
    const log = (await call(`${standIn.url}/__standin/sign-ins`)).body;

    // Assess
    expect(statuses).toEqual(firstScreens.map(() => 302));
    // An unknown first_screen makes Logto drop every authentication parameter and open its sign-in page.
    const signInPage = `${standIn.url}/sign-in?app_id=${seed.demoApp.id}`;
    expect([unknownScreen.status, unknownScreen.headers.get('location')]).toEqual([303, signInPage]);
    expect(withToken.status).toBe(302);
    expect([noHint.status, noHint.headers.get('location')]).toEqual([303, signInPage]);
    const signedIn = { clientId: seed.demoApp.id, loginHint: email, interactionEvent: 'SignIn', userId: user.id };
    expect(log).toEqual([
      ...firstScreens.map((firstScreen) => ({ ...signedIn, firstScreen, oneTimeToken: false, at: expect.any(Number) })),
      { clientId: seed.demoApp.id, loginHint: email, firstScreen: 'password', oneTimeToken: true, at: expect.any(Number) },
      { ...signedIn, firstScreen: 'identifier:sign_in', oneTimeToken: true, at: expect.any(Number) },
      { clientId: seed.demoApp.id, loginHint: null, firstScreen: null, oneTimeToken: false, at: expect.any(Number) },
    ]);
    const times = log.map((entry: { at: number }) => entry.at);
    expect(times[0]).toBeGreaterThanOrEqual(before);
    expect([...times].sort((a, b) => a - b)).toEqual(times);
    expect(JSON.stringify(log)).not.toContain(ott.token);
  });

  it('suspends a user (PATCH is-suspended), whose next sign-in is refused with user.suspended', async () => {
    // Prepare
    const receiver = await startReceiver();
    await api('POST', '/hooks', { events: ['PostSignIn', 'User.SuspensionStatus.Updated'], config: { url: receiver.url } });
    const user = (await api('POST', '/users', { primaryEmail: 'suspect@example.com' })).body;
    const ott = (await api('POST', '/one-time-tokens', { email: 'suspect@example.com' })).body;

    // Act
    const suspended = await api('PATCH', `/users/${user.id}/is-suspended`, { isSuspended: true });
    const refused = await signIn({ one_time_token: ott.token, login_hint: 'suspect@example.com' });
    const refusedWithoutToken = await signIn({ login_hint: 'suspect@example.com', first_screen: 'identifier:sign_in' });
    await standIn.idle();

    // Assess
    expect([suspended.status, suspended.body.isSuspended]).toEqual([200, true]);
    expect([refused.status, refused.body.code]).toEqual([401, 'user.suspended']);
    expect([refusedWithoutToken.status, refusedWithoutToken.body.code]).toEqual([401, 'user.suspended']);
    expect(receiver.received.map(({ payload }) => [payload.event, payload.data.id, payload.data.isSuspended])).toEqual([
      ['User.SuspensionStatus.Updated', user.id, true],
    ]);
    expect((await api('GET', `/users/${user.id}`)).body.lastSignInAt).toBeNull();
    const log = (await call(`${standIn.url}/__standin/sign-ins`)).body;
    expect(log.map((entry: { error?: string }) => entry.error)).toEqual(['user.suspended', 'user.suspended']);
    expect((await api('PATCH', '/users/nobody/is-suspended', { isSuspended: true })).status).toBe(404);
  });

  it('refuses a mismatched email, an unknown token and an unregistered redirect URI', async () => {
    // Prepare
    const ott = (await api('POST', '/one-time-tokens', { email: 'exact@example.com' })).body;

    // Act
    const mismatch = await signIn({ one_time_token: ott.token, login_hint: 'Exact@example.com' });
    const unknown = await signIn({ one_time_token: 'not-a-token', login_hint: 'exact@example.com' });
    const badRedirect = await signIn({ one_time_token: ott.token, login_hint: 'exact@example.com', redirect_uri: 'https://evil.example/cb' });

    // Assess
    expect([mismatch.status, mismatch.body.code]).toEqual([400, 'one_time_token.email_mismatch']);
    expect([unknown.status, unknown.body.code]).toEqual([404, 'one_time_token.token_not_found']);
    expect([badRedirect.status, badRedirect.body.error]).toEqual([400, 'invalid_redirect_uri']);
    expect((await api('GET', `/one-time-tokens/${ott.id}`)).body.status).toBe('active');
  });

  it('validates the sign-in mode', async () => {
    // Act
    const invalid = await api('PATCH', '/sign-in-exp', { signInMode: 'Nope' });

    // Assess
    expect([invalid.status, invalid.body.code]).toEqual([400, 'guard.invalid_input']);
    expect((await api('GET', '/sign-in-exp')).body.signInMode).toBe('SignIn');
  });
});

describe('persistence', () => {
  it('keeps state and the signing key across a restart with the same data file', async () => {
    // Prepare
    const directory = await mkdtemp(join(tmpdir(), 'logto-stand-in-'));
    cleanups.push(() => rm(directory, { recursive: true, force: true }));
    const dataFile = join(directory, 'nested', 'logto.json');
    const first = await startLogtoStandIn({ port: 0, dataFile });
    const port = Number(new URL(first.url).port);
    const api = await managementApi(first);
    const token = await managementToken(first);
    const user = (await api('POST', '/users', { primaryEmail: 'kept@example.com' })).body;
    const ott = (await api('POST', '/one-time-tokens', { email: 'kept@example.com' })).body;
    await api('PATCH', '/sign-in-exp', { signInMode: 'SignIn' });
    const kid = (await call(`${first.url}/oidc/jwks`)).body.keys[0].kid;
    await first.close();
    // Let fetch's pooled keep-alive sockets notice that the first server closed them before reusing the port.
    await new Promise((resolve) => setTimeout(resolve, 50));

    // Act
    const second = await start({ port, dataFile });
    const reuse = (path: string) => call(`${second.url}/api${path}`, { headers: { authorization: `Bearer ${token}` } });

    // Assess
    expect((await call(`${second.url}/oidc/jwks`)).body.keys[0].kid).toBe(kid);
    expect((await reuse(`/users/${user.id}`)).body.primaryEmail).toBe('kept@example.com');
    expect((await reuse(`/one-time-tokens/${ott.id}`)).body.token).toBe(ott.token);
    expect((await reuse('/sign-in-exp')).body.signInMode).toBe('SignIn');
    const saved = JSON.parse(await readFile(dataFile, 'utf8'));
    expect(saved.users.map((entry: { id: string }) => entry.id)).toEqual([seed.adminUser.id, user.id]);
  });

  it('keeps the password policy and the sign-in log across a restart, and loads a data file written before they existed', async () => {
    // Prepare
    const directory = await mkdtemp(join(tmpdir(), 'logto-stand-in-'));
    cleanups.push(() => rm(directory, { recursive: true, force: true }));
    const dataFile = join(directory, 'logto.json');
    const first = await startLogtoStandIn({ port: 0, dataFile });
    const firstApi = await managementApi(first);
    const user = (await firstApi('POST', '/users', { primaryEmail: 'old@example.com', password: 'Corr3ct-Horse-Battery' })).body;
    await firstApi('PATCH', '/sign-in-exp', { passwordPolicy: { length: { min: 12 } } });
    const signInQuery = {
      client_id: seed.demoApp.id,
      redirect_uri: 'http://127.0.0.1:4000/demo/callback',
      response_type: 'code',
      login_hint: 'old@example.com',
    };
    expect((await call(`${first.url}/oidc/auth?${new URLSearchParams(signInQuery)}`)).status).toBe(302);
    await first.close();
    const kept = JSON.parse(await readFile(dataFile, 'utf8'));
    const old = structuredClone(kept);
    delete old.passwordPolicy;
    delete old.signIns;
    for (const entry of old.users) delete entry.passwordAlgorithm;
    const oldFile = join(directory, 'old.json');
    await writeFile(oldFile, JSON.stringify(old));

    // Act
    const restarted = await start({ dataFile });
    const restartedApi = await managementApi(restarted);
    const fromOld = await start({ dataFile: oldFile });
    const oldApi = await managementApi(fromOld);

    // Assess
    expect(kept.passwordPolicy).toEqual({ length: { min: 12, max: 256 } });
    expect(kept.signIns).toEqual([expect.objectContaining({ loginHint: 'old@example.com', interactionEvent: 'SignIn' })]);
    expect((await restartedApi('GET', '/sign-in-exp')).body.passwordPolicy).toEqual({ length: { min: 12, max: 256 } });
    expect((await call(`${restarted.url}/__standin/sign-ins`)).body).toHaveLength(1);
    expect((await oldApi('GET', '/sign-in-exp')).body.passwordPolicy).toEqual({});
    expect((await call(`${fromOld.url}/__standin/sign-ins`)).body).toEqual([]);
    expect((await oldApi('GET', `/users/${user.id}`)).body.hasPassword).toBe(true);
    const verdict = await oldApi('POST', '/sign-in-exp/default/check-password', { password: 'short', userId: user.id });
    expect(verdict.body.issues).toEqual([{ code: 'password_rejected.too_short', interpolation: { min: 8 } }]);
  });
});

describe('fault injection', () => {
  it('fails the next matching requests with the given status, then serves normally', async () => {
    // Prepare
    const standIn = await start();
    const api = await managementApi(standIn);
    await call(`${standIn.url}/__standin/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ method: 'GET', pathPrefix: '/api/users', status: 503, count: 2 }),
    });
    await call(`${standIn.url}/__standin/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ pathPrefix: '/oidc/token', status: 429, count: 1 }),
    });

    // Act
    const statuses = [(await api('GET', '/users')).status, (await api('GET', '/users')).status, (await api('GET', '/users')).status];
    const limited = await requestToken(standIn, seed.m2mApp, { grant_type: 'client_credentials', resource: seed.managementApiResource });

    // Assess
    expect(statuses).toEqual([503, 503, 200]);
    expect([limited.status, limited.headers.get('retry-after'), limited.body.code]).toEqual([429, '1', 'request.rate_limited']);
  });

  it('delays matching requests and forgets faults once cleared', async () => {
    // Prepare
    const standIn = await start();
    const api = await managementApi(standIn);
    const addFault = (fault: object) =>
      call(`${standIn.url}/__standin/faults`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(fault),
      });
    await addFault({ pathPrefix: '/api/roles', delayMs: 300 });
    await addFault({ pathPrefix: '/api/organizations', status: 500, count: 5 });

    // Act
    const startedAt = Date.now();
    const delayed = await api('GET', '/roles');
    const elapsed = Date.now() - startedAt;
    await call(`${standIn.url}/__standin/faults`, { method: 'DELETE' });
    const afterClear = await api('GET', '/organizations');

    // Assess
    expect(delayed.status).toBe(200);
    expect(elapsed).toBeGreaterThanOrEqual(290);
    expect(afterClear.status).toBe(200);
  });
});
