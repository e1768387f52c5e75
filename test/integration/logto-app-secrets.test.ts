/**
 * The stand-in's application secrets API (Logto's `/api/applications/:id/secrets`) over real HTTP: the
 * M2M rotation relies on any of an app's secrets authenticating it, and on a deleted one being refused.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { type StandIn, seed, startLogtoStandIn } from '../../local/logto-stand-in/index.ts';
import { clientCredentials } from '../support/local-stack.ts';

let logto: StandIn;

beforeEach(async () => {
  logto = await startLogtoStandIn({ port: 0 });
});

afterEach(async () => {
  await logto.close();
});

const token = (appId: string, appSecret: string) =>
  clientCredentials(logto.url, { appId, appSecret, resource: seed.managementApiResource, scope: 'all' });

async function api(method: string, path: string, body?: unknown) {
  const { body: issued } = await token(seed.m2mApp.id, seed.m2mApp.secret);
  const response = await fetch(`${logto.url}/api${path}`, {
    method,
    headers: { authorization: `Bearer ${issued.access_token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? (JSON.parse(text) as any) : undefined };
}

const secretsPath = `/applications/${seed.m2mApp.id}/secrets`;

describe('application secrets', () => {
  it('creates a secret that authenticates the app; once deleted, it is refused', async () => {
    // Prepare
    const created = await api('POST', secretsPath, { name: 'rotated-1' });
    // Act
    const withNew = await token(seed.m2mApp.id, created.body.value);
    const deleted = await api('DELETE', `${secretsPath}/rotated-1`);
    const afterDelete = await token(seed.m2mApp.id, created.body.value);
    // Assess
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ tenantId: 'default', applicationId: seed.m2mApp.id, name: 'rotated-1', expiresAt: null });
    expect(created.body.value).toMatch(/^[A-Za-z0-9]{32}$/);
    expect(typeof created.body.createdAt).toBe('number');
    expect(withNew.status).toBe(200);
    expect(withNew.body.scope).toBe('all');
    expect(deleted.status).toBe(204);
    expect(afterDelete).toEqual({
      status: 401,
      body: { code: 'oidc.invalid_client', message: 'An OIDC error occurred: oidc.invalid_client.', error: 'invalid_client', error_description: 'client authentication failed' },
    });
  });

  it('keeps the legacy secret working beside the new ones, and lists only the new ones, with their values', async () => {
    const first = await api('POST', secretsPath, { name: 'a' });
    const second = await api('POST', secretsPath, { name: 'b' });
    const listed = await api('GET', secretsPath);
    expect(listed.status).toBe(200);
    expect(listed.body.map((secret: { name: string; value: string }) => [secret.name, secret.value])).toEqual([
      ['a', first.body.value],
      ['b', second.body.value],
    ]);
    expect((await token(seed.m2mApp.id, seed.m2mApp.secret)).status).toBe(200);
    expect((await token(seed.m2mApp.id, first.body.value)).status).toBe(200);
    expect((await token(seed.m2mApp.id, second.body.value)).status).toBe(200);
    // Another app's secret does not authenticate this one.
    expect((await token(seed.adminClient.id, first.body.value)).status).toBe(401);
  });

  it('refuses a taken name, a past expiry, an unknown app, and deleting a name that does not exist', async () => {
    await api('POST', secretsPath, { name: 'a' });
    const taken = await api('POST', secretsPath, { name: 'a' });
    const past = await api('POST', secretsPath, { name: 'b', expiresAt: Date.now() - 1000 });
    const unknownList = await api('GET', '/applications/nope/secrets');
    const missing = await api('DELETE', `${secretsPath}/never-created`);
    expect([taken.status, taken.body.code]).toEqual([422, 'entity.unique_integrity_violation']);
    expect([past.status, past.body.code]).toEqual([400, 'request.invalid_input']);
    expect([unknownList.status, unknownList.body.code]).toEqual([404, 'entity.not_exists_with_id']);
    expect([missing.status, missing.body.code]).toEqual([404, 'entity.not_found']);
  });

  it('refuses an expired secret with invalid_request, as Logto does', async () => {
    const soon = await api('POST', secretsPath, { name: 'short-lived', expiresAt: Date.now() + 300 });
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(await token(seed.m2mApp.id, soon.body.value)).toEqual({
      status: 400,
      body: { code: 'oidc.invalid_request', message: 'Request is invalid.', error: 'invalid_request', error_description: 'client secret has expired' },
    });
  });
});
