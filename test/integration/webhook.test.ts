/**
 * The webhook receiver over HTTP, fed by hand-signed deliveries (with the signing key Logto generated for
 * our hook) and by the Logto stand-in itself.
 */
import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalStack, type LocalStack } from '../../local/stack.ts';
import { adminToken, client, managementToken } from '../support/local-stack.ts';

let stack: LocalStack;
let admin: ReturnType<typeof client>;
let signingKey: string;
const clock = { offsetMs: 0, now: () => new Date(Date.now() + clock.offsetMs) };

beforeAll(async () => {
  stack = await startLocalStack({ jobDelayScale: 0, logLevel: 'SILENT', clock });
  admin = client(stack.apiUrl, await adminToken(stack));
  const logto = client(stack.logtoUrl, await managementToken(stack));
  signingKey = (await logto.get(`/api/hooks/${stack.webhook.id}`)).body.signingKey;
});

afterAll(async () => {
  await stack?.close();
});

function postRegister(email: string, createdAt = new Date()) {
  return JSON.stringify({
    hookId: stack.webhook.id,
    event: 'PostRegister',
    interactionEvent: 'Register',
    createdAt: createdAt.toISOString(),
    sessionId: 'session-1',
    userId: 'user-abc',
    user: { id: 'user-abc', primaryEmail: email, username: null, name: null, customData: {}, identities: {}, profile: {} },
  });
}

function deliver(body: string, signature = createHmac('sha256', signingKey).update(body).digest('hex')) {
  return fetch(`${stack.apiUrl}/v1/webhooks/logto`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'logto-signature-sha-256': signature, 'user-agent': 'Logto (https://logto.io/)' },
    body,
  });
}

const status = async (id: string) => (await admin.get(`/v1/invitations/${id}`)).body.status as string;

describe('POST /v1/webhooks/logto', () => {
  it('refuses a bad, missing or re-keyed signature with 401 and changes nothing', async () => {
    // Prepare
    const invitation = (await admin.post('/v1/invitations', { email: 'sig@example.com', notify: false })).body;
    const body = postRegister('sig@example.com');

    // Act
    const forged = await deliver(body, createHmac('sha256', 'not-the-key').update(body).digest('hex'));
    const missing = await fetch(`${stack.apiUrl}/v1/webhooks/logto`, { method: 'POST', body, headers: { 'content-type': 'application/json' } });
    const tampered = await deliver(body.replace('sig@example.com', 'SIG@example.com'), createHmac('sha256', signingKey).update(body).digest('hex'));
    const truncated = await deliver(body, createHmac('sha256', signingKey).update(body).digest('hex').slice(0, 40));

    // Assess
    for (const reply of [forged, missing, tampered, truncated]) {
      expect(reply.status).toBe(401);
      expect(((await reply.json()) as { code: string }).code).toBe('webhook.invalid_signature');
    }
    expect(await status(invitation.id)).toBe('pending');
  });

  it('refuses a correctly signed delivery older than 5 minutes', async () => {
    const invitation = (await admin.post('/v1/invitations', { email: 'stale@example.com', notify: false })).body;
    const reply = await deliver(postRegister('stale@example.com', new Date(Date.now() - 6 * 60 * 1000)));
    expect(reply.status).toBe(401);
    expect(((await reply.json()) as { code: string }).code).toBe('webhook.stale');
    expect(await status(invitation.id)).toBe('pending');
  });

  it('accepts the matching pending invitation once and ignores the duplicate', async () => {
    // Prepare
    const invitation = (await admin.post('/v1/invitations', { email: 'hook@example.com', notify: false })).body;
    const body = postRegister('Hook@Example.com');

    // Act
    const first = await deliver(body);
    const duplicate = await deliver(body);

    // Assess
    expect(first.status).toBe(200);
    expect(await first.json()).toEqual({ status: 'accepted', invitationId: invitation.id });
    expect(duplicate.status).toBe(200);
    expect(await duplicate.json()).toEqual({ status: 'duplicate' });
    const accepted = (await admin.get(`/v1/invitations/${invitation.id}`)).body;
    expect(accepted).toMatchObject({ status: 'accepted', acceptedUserId: 'user-abc' });
    const events = (await admin.get(`/v1/invitations/${invitation.id}/events`)).body as { type: string }[];
    expect(events.filter((event) => event.type === 'accepted')).toHaveLength(1);
  });

  it('ignores registrations nobody was invited for, and events it does not handle', async () => {
    const stranger = await deliver(postRegister('stranger@example.com'));
    expect(await stranger.json()).toEqual({ status: 'ignored' });
    const other = JSON.stringify({ hookId: 'h', event: 'PostResetPassword', createdAt: new Date().toISOString() });
    expect(await (await deliver(other)).json()).toEqual({ status: 'ignored' });
  });

  it('ignores a signed registration of an address longer than any invitation can have (found by the fuzz suite)', async () => {
    const reply = await deliver(postRegister(`${'a'.repeat(4000)}@example.com`));
    expect(reply.status).toBe(200);
    expect(await reply.json()).toEqual({ status: 'ignored' });
  });

  it('400 for a signed body that is not a Logto event', async () => {
    const reply = await deliver('{"hello":"world"}');
    expect(reply.status).toBe(400);
  });

  it('does not accept a revoked invitation', async () => {
    const invitation = (await admin.post('/v1/invitations', { email: 'late@example.com', notify: false })).body;
    await admin.post(`/v1/invitations/${invitation.id}/revoke`);
    const reply = await deliver(postRegister('late@example.com'));
    expect(await reply.json()).toEqual({ status: 'ignored' });
    expect(await status(invitation.id)).toBe('revoked');
  });
});

describe('a signing key rotated at Logto', () => {
  const rotate = async () => {
    const reply = await fetch(`${stack.logtoUrl}/api/hooks/${stack.webhook.id}/signing-key`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${await managementToken(stack)}` },
    });
    return ((await reply.json()) as { signingKey: string }).signingKey;
  };
  const signed = (body: string, key: string) => createHmac('sha256', key).update(body).digest('hex');

  it('is read again on a mismatch, at most once a minute, so forgeries cannot make it be read on every call', async () => {
    // Prepare: a minute after the last re-read (earlier tests sent forged signatures), the key rotates at Logto
    clock.offsetMs += 61_000;
    const first = await rotate();
    const one = (await admin.post('/v1/invitations', { email: 'rotated-1@example.com', notify: false })).body;
    const two = (await admin.post('/v1/invitations', { email: 'rotated-2@example.com', notify: false })).body;

    // Act: a delivery signed with the new key; then the key rotates again at once
    const accepted = await deliver(postRegister('rotated-1@example.com'), signed(postRegister('rotated-1@example.com'), first));
    const second = await rotate();
    const bodyTwo = postRegister('rotated-2@example.com');
    const tooSoon = await deliver(bodyTwo, signed(bodyTwo, second));
    clock.offsetMs += 61_000;
    const later = await deliver(bodyTwo, signed(bodyTwo, second));

    // Assess
    expect(accepted.status).toBe(200);
    expect(await status(one.id)).toBe('accepted');
    expect(tooSoon.status).toBe(401);
    expect(later.status).toBe(200);
    expect(await status(two.id)).toBe('accepted');
    signingKey = second;
  });
});
