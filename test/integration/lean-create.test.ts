/**
 * The common create in the fewest calls (counted on the wire, not timed): four DynamoDB calls, two Logto
 * calls (one for accept-link, whose link is ours) and one email; and a create refused
 * after its parallel first steps leaves nothing behind: no slot, no live token, nothing stored.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalStack, type LocalStack } from '../../local/stack.ts';
import { adminToken, clearLogtoFaults, client, inbox, injectLogtoFault, logtoView } from '../support/local-stack.ts';
import { countWire } from '../support/wire-count.ts';

let stack: LocalStack;
let admin: ReturnType<typeof client>;
let wire: ReturnType<typeof countWire>;

beforeAll(async () => {
  stack = await startLocalStack({ logLevel: 'SILENT', sesEventDelayMs: 60_000 });
  admin = client(stack.apiUrl, await adminToken(stack));
  await admin.post('/v1/invitations', { email: 'warm-up@example.com' });
  wire = countWire({ logto: stack.logtoUrl });
});

afterAll(async () => {
  wire?.stop();
  await stack?.close();
});

const activeTokens = async (email: string) => (await logtoView(stack)).activeTokens(email);

describe('a create', () => {
  it.each(['magic-link', 'accept-link'])('of %s makes 4 DynamoDB calls, at most 2 Logto calls and one email', async (mode) => {
    // Act
    wire.reset();
    const reply = await admin.post('/v1/invitations', { email: `lean-${mode}@example.com`, mode });
    const counts = wire.counts();

    // Assess
    expect(reply.status).toBe(201);
    expect(reply.body.delivery).toMatchObject({ status: 'sent', sendCount: 1 });
    const dynamo = Object.entries(counts).filter(([name]) => name.startsWith('dynamodb.'));
    expect(Object.fromEntries(dynamo)).toEqual({ 'dynamodb.PutItem': 3, 'dynamodb.BatchWriteItem': 1 });
    expect(counts['logto GET /api/users']).toBe(1);
    expect(counts['logto POST /api/one-time-tokens'] ?? 0).toBe(mode === 'magic-link' ? 1 : 0);
    expect(Object.keys(counts).filter((name) => name.startsWith('logto')).reduce((sum, name) => sum + counts[name]!, 0)).toBe(mode === 'magic-link' ? 2 : 1);
    expect(await inbox(stack, `lean-${mode}@example.com`)).toHaveLength(1);
    const trail = (await admin.get(`/v1/invitations/${reply.body.id}/events`)).body.map((event: { type: string }) => event.type);
    expect(trail).toEqual(['created', 'sent']);
  });

  it('for a registered email is 409 and leaves nothing: no slot, no token, nothing stored', async () => {
    // Prepare
    const email = 'lean-registered@example.com';
    const { logto } = await logtoView(stack);
    await logto.post('/api/users', { primaryEmail: email });

    // Act
    const refused = await admin.post('/v1/invitations', { email });

    // Assess
    expect(refused.status).toBe(409);
    expect(refused.body.code).toBe('invitation.already_registered');
    // Not even a revoked one: the token it minted at once is deleted again.
    expect((await logto.get(`/api/one-time-tokens?email=${encodeURIComponent(email)}`)).body).toEqual([]);
    expect((await admin.get(`/v1/invitations?email=${encodeURIComponent(email)}`)).body.data).toEqual([]);
    expect(await inbox(stack, email)).toHaveLength(0);
  });

  it('while Logto cannot look the user up is 503 and leaves nothing: a retry right after succeeds', async () => {
    // Prepare
    const email = 'lean-lookup-down@example.com';
    await injectLogtoFault(stack, { method: 'GET', pathPrefix: '/api/users', status: 500, count: 10 });

    // Act
    const failed = await admin.post('/v1/invitations', { email });
    await clearLogtoFaults(stack);
    const retried = await admin.post('/v1/invitations', { email });

    // Assess
    expect(failed.status).toBe(503);
    expect(retried.status).toBe(201);
    expect(await activeTokens(email)).toHaveLength(1);
    expect((await admin.get(`/v1/invitations?email=${encodeURIComponent(email)}`)).body.data.map((i: { id: string }) => i.id)).toEqual([retried.body.id]);
    expect(await inbox(stack, email)).toHaveLength(1);
  });

  it('of an email with a pending invitation is 409 and deletes the token it minted', async () => {
    const email = 'lean-pending@example.com';
    const first = await admin.post('/v1/invitations', { email });
    const second = await admin.post('/v1/invitations', { email });
    expect(second.status).toBe(409);
    expect(second.body.details).toEqual({ invitationId: first.body.id });
    expect(await activeTokens(email)).toHaveLength(1);
    expect(await inbox(stack, email)).toHaveLength(1);
  });

  it('that died mid-send leaves its send of unknown outcome to a resend, which settles it and sends anew', async () => {
    // Prepare: a create whose request was killed after writing the invitation with send 1 claimed (no job knows of it)
    const email = 'lean-died@example.com';
    const created = await admin.post('/v1/invitations', { email });
    const stored = (await stack.store.get(created.body.id))!;
    const dead = {
      ...stored,
      delivery: { ...stored.delivery, status: 'queued' as const, sendCount: 0, settled: 0, attempt: { number: 1, until: new Date(Date.now() - 1000).toISOString() } },
      version: stored.version + 1,
    };
    expect(await stack.store.replace(dead, stored.version)).toBe(true);

    // Act
    const resent = await admin.post(`/v1/invitations/${created.body.id}/resend`);

    // Assess: send 1 is recorded as of unknown outcome (it may have gone out), send 2 went out
    expect(resent.status).toBe(200);
    expect(resent.body.delivery).toMatchObject({ status: 'sent' });
    const trail = (await admin.get(`/v1/invitations/${created.body.id}/events`)).body as { type: string; data?: Record<string, unknown> }[];
    expect(trail.filter((event) => event.type === 'delivery_failed').map((event) => event.data)).toEqual([{ error: 'delivery.outcome_unknown', send: 1 }]);
    expect(trail.filter((event) => event.type === 'resent')).toHaveLength(1);
  });
});
