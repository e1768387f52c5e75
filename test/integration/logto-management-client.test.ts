import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

import { LogtoManagementClient, isLogtoError } from '../../lambdas/adapters/logto-management-client.ts';
import { LogtoPasswordChecker } from '../../lambdas/adapters/logto-password-checker.ts';
import { createPwnedPasswords } from '../../lambdas/adapters/pwned-passwords.ts';
import { UpstreamError } from '../../lambdas/domain/errors.ts';
import { seed, startLogtoStandIn, type StandIn } from '../../local/logto-stand-in/index.ts';

let standIn: StandIn;
const sleeps: number[] = [];

const makeClient = (extra: Partial<ConstructorParameters<typeof LogtoManagementClient>[0]> = {}) =>
  new LogtoManagementClient({
    endpoint: standIn.url,
    apiIndicator: seed.managementApiResource,
    credentials: async () => ({ appId: seed.m2mApp.id, appSecret: seed.m2mApp.secret }),
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    ...extra,
  });

const injectFault = async (fault: { method?: string; pathPrefix: string; status?: number; count: number; delayMs?: number }) => {
  const response = await fetch(`${standIn.url}/__standin/faults`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(fault),
  });
  expect(response.status).toBe(201);
};

let sequence = 0;
const uniqueEmail = (prefix: string) => `${prefix}-${Date.now().toString(36)}-${(sequence += 1)}@example.com`;

beforeAll(async () => {
  standIn = await startLogtoStandIn({ port: 0 });
});

afterEach(async () => {
  sleeps.length = 0;
  await fetch(`${standIn.url}/__standin/faults`, { method: 'DELETE' });
});

afterAll(async () => {
  await standIn.close();
});

describe('LogtoManagementClient against the Logto stand-in', () => {
  it('mints, reads and revokes a one-time token, and a second revoke is a no-op', async () => {
    // Prepare
    const client = makeClient();
    const email = uniqueEmail('invitee');

    // Act
    const minted = await client.createOneTimeToken({ email, expiresIn: 3600, jitOrganizationIds: ['org-acme'] });
    const read = await client.getOneTimeToken(minted.id);
    await client.revokeOneTimeToken(minted.id);
    await client.revokeOneTimeToken(minted.id);
    const after = await client.getOneTimeToken(minted.id);

    // Assess
    expect(minted).toMatchObject({ email, status: 'active' });
    expect(minted.token.length).toBeGreaterThanOrEqual(32);
    expect(minted.expiresAt).toBeGreaterThan(Date.now() + 3500 * 1000);
    expect(read).toEqual(minted);
    expect(after?.status).toBe('revoked');
  });

  it('reads an unknown token as undefined and revokes it without error', async () => {
    // Prepare
    const client = makeClient();

    // Act
    const token = await client.getOneTimeToken('no-such-token');
    await client.revokeOneTimeToken('no-such-token');

    // Assess
    expect(token).toBeUndefined();
  });

  it('keeps a consumed token consumed when asked to revoke it', async () => {
    // Prepare
    const client = makeClient();
    const email = uniqueEmail('consumed');
    const minted = await client.createOneTimeToken({ email, expiresIn: 3600, jitOrganizationIds: [] });
    // Test-only: consume the token the way Logto's sign-in does (product code never calls verify).
    await client.request('POST', '/api/one-time-tokens/verify', { token: minted.token, email });

    // Act
    await client.revokeOneTimeToken(minted.id);

    // Assess
    expect((await client.getOneTimeToken(minted.id))?.status).toBe('consumed');
  });

  it('creates a user, finds it by email (case-insensitively, with +), and refuses a second one', async () => {
    // Prepare
    const client = makeClient();
    const email = uniqueEmail('a+b');

    // Act
    const created = await client.createUser({ primaryEmail: email, name: 'Ada', customData: { source: 'test' } });
    const found = await client.findUserByEmail(email.toUpperCase());
    const missing = await client.findUserByEmail(email.replace('a+b', 'a b'));
    const duplicate = await client.createUser({ primaryEmail: email }).catch((caught: unknown) => caught);

    // Assess
    expect(created.primaryEmail).toBe(email);
    expect(found).toEqual(created);
    expect(missing).toBeUndefined();
    expect(isLogtoError(duplicate, 'user.email_already_in_use')).toBe(true);
  });

  it('grants roles, membership and organization roles idempotently and merges customData', async () => {
    // Prepare
    const client = makeClient();
    const user = await client.createUser({ primaryEmail: uniqueEmail('grant'), customData: { keep: 1, replace: 'old' } });

    // Act
    for (let run = 0; run < 2; run += 1) {
      await client.assignRoles(user.id, ['role-member']);
      await client.addOrganizationMember('org-acme', user.id);
      await client.assignOrganizationRoles('org-acme', user.id, ['orgrole-admin']);
      await client.mergeCustomData(user.id, { replace: 'new', invitation: { id: 'inv-1' } });
    }

    // Assess
    const roles = (await client.request('GET', `/api/users/${user.id}/roles`)) as Array<{ id: string }>;
    expect(roles.map((role) => role.id)).toEqual(['role-member']);
    const orgRoles = (await client.request('GET', `/api/organizations/org-acme/users/${user.id}/roles`)) as Array<{ id: string }>;
    expect(orgRoles.map((role) => role.id)).toEqual(['orgrole-admin']);
    expect(await client.request('GET', `/api/users/${user.id}/custom-data`)).toEqual({
      keep: 1,
      replace: 'new',
      invitation: { id: 'inv-1' },
    });
  });

  it('surfaces Logto refusals as typed errors', async () => {
    // Prepare
    const client = makeClient();
    const user = await client.createUser({ primaryEmail: uniqueEmail('refused') });

    // Act
    const notMember = await client.assignOrganizationRoles('org-globex', user.id, ['orgrole-viewer']).catch((caught: unknown) => caught);
    const machineRole = await client.assignRoles(user.id, ['role-management-api']).catch((caught: unknown) => caught);

    // Assess
    expect(isLogtoError(notMember, 'organization.require_membership')).toBe(true);
    expect(notMember).toMatchObject({ status: 422 });
    expect(isLogtoError(machineRole, 'user.invalid_role_type')).toBe(true);
  });

  it('rides out injected 503s and a 429 with backoff', async () => {
    // Prepare
    const client = makeClient();
    const minted = await client.createOneTimeToken({ email: uniqueEmail('retry'), expiresIn: 600, jitOrganizationIds: [] });
    await injectFault({ method: 'GET', pathPrefix: '/api/one-time-tokens', status: 503, count: 2 });
    await injectFault({ method: 'GET', pathPrefix: '/api/one-time-tokens', status: 429, count: 1 });

    // Act
    const read = await client.getOneTimeToken(minted.id);

    // Assess
    expect(read?.id).toBe(minted.id);
    expect(sleeps).toHaveLength(3);
    expect(sleeps[2]).toBeGreaterThanOrEqual(1000);
  });

  it('gives up with logto.unavailable when faults outlast the attempts', async () => {
    // Prepare
    const client = makeClient({ retry: { attempts: 3 } });
    await injectFault({ pathPrefix: '/api/users', status: 500, count: 5 });

    // Act
    const error = await client.findUserByEmail(uniqueEmail('down')).catch((caught: unknown) => caught);

    // Assess
    expect(error).toBeInstanceOf(UpstreamError);
    expect(error).toMatchObject({ code: 'logto.unavailable', status: 503 });
    expect(sleeps).toHaveLength(2);
  });

  it('fetches a new token after a 401 and carries on', async () => {
    // Prepare
    const client = makeClient();
    await client.findUserByEmail(uniqueEmail('warm-up'));
    await injectFault({ pathPrefix: '/api/users', status: 401, count: 1 });

    // Act
    const found = await client.findUserByEmail(uniqueEmail('after-401'));

    // Assess
    expect(found).toBeUndefined();
    expect(sleeps).toEqual([]);
  });

  it('retries the token request itself when the token endpoint fails', async () => {
    // Prepare
    const client = makeClient();
    await injectFault({ pathPrefix: '/oidc/token', status: 503, count: 1 });

    // Act
    const found = await client.findUserByEmail(uniqueEmail('token-retry'));

    // Assess
    expect(found).toBeUndefined();
    expect(sleeps).toHaveLength(1);
  });

  it('sends a create again after an attempt timed out, and the user exists once', async () => {
    // Prepare
    const seen: string[] = [];
    const recordingFetch: typeof fetch = async (input, init) => {
      const response = await fetch(input, init);
      seen.push(`${init?.method ?? 'GET'} ${new URL(String(input)).pathname} ${response.status}`);
      return response;
    };
    const client = makeClient({ timeoutMs: 300, fetch: recordingFetch });
    const email = uniqueEmail('slow');
    // Like Logto, the stand-in finishes the delayed request after its client gave up; the retry gets there
    // first and creates the user, and the late original is refused as email_already_in_use (the unit tests
    // cover the other order: a lost attempt that did create the user).
    await injectFault({ method: 'POST', pathPrefix: '/api/users', delayMs: 500, count: 1 });

    // Act
    const created = await client.createUser({ primaryEmail: email });

    // Assess
    expect(created.primaryEmail).toBe(email);
    expect(sleeps).toHaveLength(1);
    expect(seen.filter((line) => line.startsWith('POST /api/users'))).toEqual(['POST /api/users 200']);
    const users = await client.request('GET', `/api/users?${new URLSearchParams({ 'search.primaryEmail': email, 'mode.primaryEmail': 'exact' })}`);
    expect(users).toHaveLength(1);
  });

  it('creates a user with a password, reads it, and deletes it (a second delete is a no-op)', async () => {
    // Prepare
    const client = makeClient();
    const email = uniqueEmail('password');
    const withoutPassword = await client.createUser({ primaryEmail: uniqueEmail('no-password') });

    // Act
    const created = await client.createUser({ primaryEmail: email, name: 'Pat', password: 'Sturdy-Correct-Horse-42' });
    const read = await client.getUser(created.id);
    const atLogto = (await client.request('GET', `/api/users/${created.id}`)) as { hasPassword?: boolean };
    await client.deleteUser(created.id);
    await client.deleteUser(created.id);

    // Assess
    expect(read).toEqual(created);
    expect(read).toMatchObject({ primaryEmail: email, lastSignInAt: null, isSuspended: false });
    expect(atLogto.hasPassword).toBe(true);
    expect(((await client.request('GET', `/api/users/${withoutPassword.id}`)) as { hasPassword?: boolean }).hasPassword).toBe(false);
    expect(await client.getUser(created.id)).toBeUndefined();
    expect(await client.findUserByEmail(email)).toBeUndefined();
  });

  it('reads a suspended user as suspended, and an unknown one as undefined', async () => {
    // Prepare
    const client = makeClient();
    const user = await client.createUser({ primaryEmail: uniqueEmail('suspended') });
    await client.suspendUser(user.id);

    // Act
    const read = await client.getUser(user.id);
    const found = await client.findUserByEmail(user.primaryEmail!);
    const unknown = await client.getUser('no-such-user');

    // Assess
    expect(read).toMatchObject({ id: user.id, isSuspended: true, lastSignInAt: null });
    expect(found).toEqual(read);
    expect(unknown).toBeUndefined();
  });

  it('rejects wrong M2M credentials with a non-exposed error', async () => {
    // Prepare
    const client = makeClient({ credentials: async () => ({ appId: seed.m2mApp.id, appSecret: 'wrong' }) });

    // Act
    const error = await client.findUserByEmail(uniqueEmail('denied')).catch((caught: unknown) => caught);

    // Assess
    expect(error).toMatchObject({ code: 'logto.oidc.invalid_client', status: 502, expose: false });
  });
});

describe('LogtoManagementClient.getUserGrants against the Logto stand-in', () => {
  it("reads a user's roles and organizations with the roles held in each, and nothing for a newcomer", async () => {
    // Prepare
    const client = makeClient();
    const holder = await client.createUser({ primaryEmail: uniqueEmail('grants') });
    const newcomer = await client.createUser({ primaryEmail: uniqueEmail('newcomer') });
    await client.assignRoles(holder.id, ['role-member']);
    await client.addOrganizationMember('org-acme', holder.id);
    await client.assignOrganizationRoles('org-acme', holder.id, ['orgrole-viewer']);

    // Act
    const [held, none] = await Promise.all([client.getUserGrants(holder.id), client.getUserGrants(newcomer.id)]);

    // Assess
    expect(held).toEqual({ roleIds: ['role-member'], organizations: [{ id: 'org-acme', roleIds: ['orgrole-viewer'] }] });
    expect(none).toEqual({ roleIds: [], organizations: [] });
  });
});

describe("the password policy: Logto's checker over the stand-in's policy and breached-password list", () => {
  const strict = {
    length: { min: 12, max: 64 },
    characterTypes: { min: 3 },
    rejects: { pwned: true, repetitionAndSequence: true, userInfo: false, words: [] },
  };
  const setPolicy = async (passwordPolicy: unknown) => makeClient().request('PATCH', '/api/sign-in-exp', { passwordPolicy });
  const checker = () => {
    const client = makeClient();
    return new LogtoPasswordChecker({
      readPolicy: () => client.getPasswordPolicy(),
      pwned: createPwnedPasswords({ rangeUrl: `${standIn.url}/__standin/pwned-passwords/range/` }),
      cacheMs: 0,
    });
  };

  afterEach(async () => {
    // Back to what Logto seeds: an empty policy, every rule at its default.
    await setPolicy({});
  });

  it("reads Logto's defaults from a fresh tenant, and the policy once it is set", async () => {
    // Prepare
    const before = await checker().policy();

    // Act
    await setPolicy(strict);
    const after = await checker().policy();

    // Assess
    expect(before).toEqual({ minLength: 8, maxLength: 256, requiredCharacterTypes: 1 });
    expect(after).toEqual({ minLength: 12, maxLength: 64, requiredCharacterTypes: 3 });
  });

  it('gives the verdict both ways under the policy, as Logto does', async () => {
    // Prepare
    await setPolicy(strict);

    // Act
    const accepted = await checker().check('Sturdy-Correct-Horse-42', { email: 'sam@example.com' });
    const rejected = await checker().check('short1', { email: 'sam@example.com' });

    // Assess
    expect(accepted).toEqual({ ok: true });
    expect(rejected).toEqual({
      ok: false,
      issues: expect.arrayContaining([
        { code: 'password_rejected.too_short', interpolation: { min: 12 } },
        { code: 'password_rejected.character_types', interpolation: { min: 3 } },
      ]),
    });
  });

  it("applies the default policy's user-info and breached-password rules before any user exists", async () => {
    // Act
    const echoingName = await checker().check('jordanjordan', { email: 'jordan@example.com', name: 'Jordan' });
    const breached = await checker().check('Password123', { email: 'sam@example.com' });
    const fine = await checker().check('Sturdy-Correct-Horse-42', { email: 'jordan@example.com', name: 'Jordan' });

    // Assess
    expect(echoingName).toEqual({ ok: false, issues: expect.arrayContaining([{ code: 'password_rejected.restricted.user_info' }]) });
    expect(breached).toEqual({ ok: false, issues: expect.arrayContaining([{ code: 'password_rejected.pwned' }]) });
    expect(fine).toEqual({ ok: true });
  });
});
