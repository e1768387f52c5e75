/**
 * Every bad input the API promises to refuse, over HTTP on the local stack: the right status and code,
 * the fields named, and nothing written (no invitation, no email, no Logto token).
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startLocalStack, type LocalStack } from '../../local/stack.ts';
import { acceptInvitation, adminToken, client, inbox, linkIn, managementToken } from '../support/local-stack.ts';

let stack: LocalStack;
let admin: ReturnType<typeof client>;
let logto: ReturnType<typeof client>;

async function snapshot() {
  const invitations = await admin.get('/v1/invitations?limit=100');
  const mails = (await (await fetch(`${stack.sesUrl}/store`)).json()) as { emails: unknown[] };
  const tokens = await logto.get('/api/one-time-tokens?page_size=100');
  return { invitations: invitations.body.data.length, mails: mails.emails.length, tokens: tokens.body.length };
}

let before: Awaited<ReturnType<typeof snapshot>>;

beforeAll(async () => {
  stack = await startLocalStack({ jobDelayScale: 0, logLevel: 'SILENT', env: { REDIRECT_ALLOW_LIST: 'https://app.example.com' } });
  admin = client(stack.apiUrl, await adminToken(stack));
  logto = client(stack.logtoUrl, await managementToken(stack));
});

afterAll(async () => {
  await stack?.close();
});

beforeEach(async () => {
  before = await snapshot();
});

async function expectNothingWritten() {
  expect(await snapshot()).toEqual(before);
}

describe('malformed requests', () => {
  it('400 for malformed JSON', async () => {
    const reply = await admin.post('/v1/invitations', '{"email": "ada@example.com",');
    expect(reply.status).toBe(400);
    expect(reply.body).toMatchObject({ code: 'request.malformed_json', message: expect.any(String) });
    await expectNothingWritten();
  });

  it('400 for an empty body', async () => {
    const reply = await admin.post('/v1/invitations', '');
    expect(reply.status).toBe(400);
    await expectNothingWritten();
  });

  it('413 for a body over the limit', async () => {
    const reply = await admin.post('/v1/invitations', JSON.stringify({ email: 'big@example.com', metadata: { blob: 'x'.repeat(70_000) } }));
    expect(reply.status).toBe(413);
    await expectNothingWritten();
  });
});

describe('validation: 422 naming the fields', () => {
  const cases: [string, unknown, string[]][] = [
    ['a bad email', { email: 'not-an-email' }, ['email']],
    ['a missing email', {}, ['email']],
    ['wrong field types', { email: 'ada@example.com', roleIds: 'admin', notify: 'yes', expiresIn: '3600' }, ['roleIds', 'notify', 'expiresIn']],
    ['expiresIn below the range', { email: 'ada@example.com', expiresIn: 299 }, ['expiresIn']],
    ['expiresIn above the range', { email: 'ada@example.com', expiresIn: 2_592_001 }, ['expiresIn']],
    ['a fractional expiresIn', { email: 'ada@example.com', expiresIn: 3600.5 }, ['expiresIn']],
    ['metadata over 4 KB', { email: 'ada@example.com', metadata: { notes: 'x'.repeat(4100) } }, ['metadata']],
    ['metadata that is not an object', { email: 'ada@example.com', metadata: ['a'] }, ['metadata']],
    ['an unknown field', { email: 'ada@example.com', role: 'admin' }, ['role']],
    ['an inviter name with a line break', { email: 'ada@example.com', inviter: { name: 'Eve\r\nBcc: all@example.com' } }, ['inviter.name']],
    ['a redirectUrl that is not http(s)', { email: 'ada@example.com', redirectUrl: 'javascript:alert(1)' }, ['redirectUrl']],
    ['a JSON array instead of an object', [{ email: 'ada@example.com' }], ['body']],
  ];

  it.each(cases)('%s', async (_name, body, fields) => {
    const reply = await admin.post('/v1/invitations', body);
    expect(reply.status).toBe(422);
    expect(reply.body.code).toBe('request.validation_failed');
    expect(reply.body.details.map((d: { path: string }) => d.path).sort()).toEqual([...fields].sort());
    await expectNothingWritten();
  });

  it('422 invitation.redirect_not_allowed for a redirectUrl off the allow-list, look-alike hosts included', async () => {
    for (const redirectUrl of ['https://evil.example.net/landing', 'https://app.example.com.evil.net/landing', 'http://app.example.com/landing']) {
      const reply = await admin.post('/v1/invitations', { email: 'ada@example.com', redirectUrl });
      expect(reply.status, redirectUrl).toBe(422);
      expect(reply.body.code).toBe('invitation.redirect_not_allowed');
    }
    await expectNothingWritten();
  });

  it('accepts a redirectUrl on the allow-list and puts it in the link', async () => {
    const reply = await admin.post('/v1/invitations', { email: 'redirected@example.com', redirectUrl: 'https://app.example.com/welcome', notify: false });
    expect(reply.status).toBe(201);
    expect(reply.body.link).toMatch(/^https:\/\/app\.example\.com\/welcome\?type=registrationInvitation&/);
  });

  it('422 for a bad list query', async () => {
    for (const query of ['limit=0', 'limit=101', 'status=maybe', 'cursor=%%%not-a-cursor']) {
      const reply = await admin.get(`/v1/invitations?${query}`);
      expect(reply.status, query).toBe(422);
    }
  });
});

describe('authentication and authorization', () => {
  it('401 without a token, with a malformed one, or with a Basic header', async () => {
    for (const authorization of [undefined, 'Bearer not-a-jwt', 'Basic bG9jYWwtYWRtaW46bG9jYWwtYWRtaW4tc2VjcmV0']) {
      const reply = await client(stack.apiUrl).post('/v1/invitations', { email: 'ada@example.com' }, authorization ? { authorization } : {});
      expect(reply.status, String(authorization)).toBe(401);
      expect(reply.body.code).toMatch(/^auth\./);
    }
    await expectNothingWritten();
  });

  it('401 for a token issued for another audience (the Management API)', async () => {
    const reply = await client(stack.apiUrl, await managementToken(stack)).get('/v1/invitations');
    expect(reply.status).toBe(401);
  });

  it('401 for a token whose signature was tampered with', async () => {
    const token = await adminToken(stack);
    const [header, payload, signature] = token.split('.');
    const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString());
    const forged = `${header}.${Buffer.from(JSON.stringify({ ...claims, scope: 'invitations:write invitations:read', exp: claims.exp + 86_400 })).toString('base64url')}.${signature}`;
    expect((await client(stack.apiUrl, forged).get('/v1/invitations')).status).toBe(401);
  });

  it('403 for a valid token without the write scope, and reads still work', async () => {
    const reader = client(stack.apiUrl, await adminToken(stack, { scope: 'invitations:read' }));
    const refused = await reader.post('/v1/invitations', { email: 'ada@example.com' });
    expect(refused.status).toBe(403);
    expect(refused.body.code).toBe('auth.forbidden');
    expect((await reader.get('/v1/invitations')).status).toBe(200);
    await expectNothingWritten();
  });

  it('leaves health and the OpenAPI document open', async () => {
    const anonymous = client(stack.apiUrl);
    expect((await anonymous.get('/v1/health')).body).toEqual({ status: 'ok' });
    expect((await anonymous.get('/v1/openapi.json')).body.openapi).toBe('3.1.0');
  });
});

describe('unknown ids and state conflicts', () => {
  it('404 for an unknown id on every route', async () => {
    expect((await admin.get('/v1/invitations/inv_nope')).status).toBe(404);
    expect((await admin.get('/v1/invitations/inv_nope/events')).status).toBe(404);
    expect((await admin.post('/v1/invitations/inv_nope/resend')).status).toBe(404);
    expect((await admin.post('/v1/invitations/inv_nope/revoke')).status).toBe(404);
    await expectNothingWritten();
  });

  it('404 for an unknown route, 405 for a known path with the wrong method', async () => {
    expect((await admin.get('/v1/nothing-here')).status).toBe(404);
    const reply = await fetch(`${stack.apiUrl}/v1/invitations/inv_x`, { method: 'DELETE' });
    expect(reply.status).toBe(405);
  });

  it('409 invitation.already_pending for a second pending invitation, with the first one named', async () => {
    const first = await admin.post('/v1/invitations', { email: 'twice@example.com' });
    before = await snapshot();
    const second = await admin.post('/v1/invitations', { email: 'TWICE@example.com ' });
    expect(second.status).toBe(409);
    expect(second.body).toMatchObject({ code: 'invitation.already_pending', details: { invitationId: first.body.id } });
    await expectNothingWritten();
  });

  it('409 invitation.already_registered for an email that is already a Logto user', async () => {
    await logto.post('/api/users', { primaryEmail: 'member@example.com' });
    before = await snapshot();
    const reply = await admin.post('/v1/invitations', { email: 'Member@Example.com' });
    expect(reply.status).toBe(409);
    expect(reply.body.code).toBe('invitation.already_registered');
    await expectNothingWritten();
  });

  it('409 when revoking an accepted invitation, and when resending a revoked one', async () => {
    const accepted = await admin.post('/v1/invitations', { email: 'done@example.com' });
    await acceptInvitation(linkIn((await inbox(stack, 'done@example.com'))[0]!));
    await stack.standIn!.idle();
    const revoked = await admin.post('/v1/invitations', { email: 'gone@example.com' });
    await admin.post(`/v1/invitations/${revoked.body.id}/revoke`);
    before = await snapshot();

    const revokeAccepted = await admin.post(`/v1/invitations/${accepted.body.id}/revoke`);
    const resendRevoked = await admin.post(`/v1/invitations/${revoked.body.id}/resend`);
    const resendAccepted = await admin.post(`/v1/invitations/${accepted.body.id}/resend`);

    expect(revokeAccepted.status).toBe(409);
    expect(revokeAccepted.body.code).toBe('invitation.not_revocable');
    expect(resendRevoked.status).toBe(409);
    expect(resendRevoked.body.code).toBe('invitation.not_pending');
    expect(resendAccepted.status).toBe(409);
    await expectNothingWritten();
    expect((await admin.get(`/v1/invitations/${accepted.body.id}`)).body.status).toBe('accepted');
  });
});

describe('Idempotency-Key', () => {
  it('replays the first response for the same key and body, and refuses the key with another body', async () => {
    const headers = { 'idempotency-key': 'create-idem-1' };
    const first = await admin.post('/v1/invitations', { email: 'idem@example.com' }, headers);
    const replay = await admin.post('/v1/invitations', { email: 'idem@example.com' }, headers);
    const reused = await admin.post('/v1/invitations', { email: 'other@example.com' }, headers);

    expect(first.status).toBe(201);
    expect(replay.status).toBe(201);
    expect(replay.body).toEqual(first.body);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(reused.status).toBe(422);
    expect(reused.body.code).toBe('idempotency.key_reused');
    expect(await inbox(stack, 'idem@example.com')).toHaveLength(1);
    expect(await inbox(stack, 'other@example.com')).toHaveLength(0);
  });
});

describe('hostile input never reaches the table as a 500', () => {
  const longId = `inv_${'a'.repeat(3000)}`;

  it('404 for an id longer than any key can be, on every /{id} route', async () => {
    for (const [method, path] of [
      ['GET', `/v1/invitations/${longId}`],
      ['GET', `/v1/invitations/${longId}/events`],
      ['POST', `/v1/invitations/${longId}/resend`],
      ['POST', `/v1/invitations/${longId}/revoke`],
    ] as const) {
      const reply = method === 'GET' ? await admin.get(path) : await admin.post(path);
      expect(reply.status, path.slice(0, 40)).toBe(404);
      expect(reply.body).toMatchObject({ code: 'invitation.not_found', message: expect.any(String) });
    }
    await expectNothingWritten();
  });

  /** Raw JSON text: the numbers must reach the server as written. */
  const refused: [string, string, string][] = [
    ['an integer beyond 2^53', '{"big": 9007199254740993}', 'metadata.big'],
    ['1e21, an integer no double keeps exactly in every digit a caller may mean', '{"n": 1e21}', 'metadata.n'],
    ['1e400, beyond any double', '{"n": 1e400}', 'metadata.n'],
    ['a __proto__ key', '{"__proto__": {"admin": true}}', 'metadata.__proto__'],
    ['a __proto__ key deep down', '{"a": {"b": [{"__proto__": 1}]}}', 'metadata.a.b.0.__proto__'],
    ['nesting deeper than 32 levels', `${'{"a":'.repeat(33)}1${'}'.repeat(33)}`, 'metadata'],
    ['nesting 30,000 levels deep', `${'['.repeat(30_000)}${']'.repeat(30_000)}`.replace(/^\[/, '{"a":[').replace(/\]$/, ']}'), 'metadata'],
  ];

  it.each(refused)('422 naming the field for %s, nothing written', async (_name, metadata, path) => {
    const reply = await admin.post('/v1/invitations', `{"email": "hostile@example.com", "metadata": ${metadata}}`);
    expect(reply.status).toBe(422);
    expect(reply.body.code).toBe('request.validation_failed');
    expect(reply.body.details.map((detail: { path: string }) => detail.path)).toContain(path);
    await expectNothingWritten();
  });

  it('stores tiny numbers and a "constructor" key at any depth faithfully', async () => {
    const metadata = '{"tiny": 1e-300, "constructor": {"constructor": [1.5, -0.25, "x"]}, "deep": {"toString": null}}';
    const created = await admin.post('/v1/invitations', `{"email": "faithful@example.com", "notify": false, "metadata": ${metadata}}`);
    expect(created.status).toBe(201);
    const read = await admin.get(`/v1/invitations/${created.body.id}`);
    expect(read.body.metadata).toEqual(JSON.parse(metadata));
    expect(created.body.metadata).toEqual(JSON.parse(metadata));
  });
});
