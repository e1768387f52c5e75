/**
 * Logto and SES failing, throttling or leaving us unsure while invitations are created and accepted:
 * no invitation is lost, no email is sent twice, and the caller learns what happened.
 */
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startLocalStack, type LocalStack } from '../../local/stack.ts';
import { acceptInvitation, adminToken, client, inbox, linkIn, managementToken } from '../support/local-stack.ts';

/** Between the mailer and aws-ses-v2-local: passes requests on, answers 503, drops the answer, or is slow. */
type SesMode = 'up' | 'down' | 'reject' | 'lose-answer' | 'slow';
let sesMode: SesMode = 'up';
let sesTarget = '';
let proxy: Server;

function startSesProxy(): Promise<string> {
  proxy = createServer((req, res) => {
    if (sesMode === 'reject') {
      res.writeHead(400, { 'content-type': 'application/json', 'x-amzn-errortype': 'MessageRejected' });
      res.end(JSON.stringify({ message: 'Email address is not verified.' }));
      return;
    }
    if (sesMode === 'down') {
      res.writeHead(503, { 'content-type': 'application/json', 'x-amzn-errortype': 'ServiceUnavailable' });
      res.end(JSON.stringify({ message: 'Service Unavailable' }));
      return;
    }
    if (sesMode === 'slow') {
      sesMode = 'up';
      setTimeout(() => proxy.emit('request', req, res), 600);
      return;
    }
    const target = new URL(req.url ?? '/', sesTarget);
    const upstream = request(target, { method: req.method, headers: req.headers }, (answer) => {
      if (sesMode === 'lose-answer') {
        // SES took the email, but the answer never reaches the mailer.
        answer.resume();
        answer.on('end', () => res.socket?.destroy());
        return;
      }
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    req.pipe(upstream);
  });
  return new Promise((resolve) => proxy.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(proxy.address() as AddressInfo).port}`)));
}

let stack: LocalStack;
let admin: ReturnType<typeof client>;
let logto: ReturnType<typeof client>;

async function injectLogtoFault(fault: { method?: string; pathPrefix: string; status: number; count: number }) {
  const reply = await fetch(`${stack.logtoUrl}/__standin/faults`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(fault),
  });
  expect(reply.ok).toBe(true);
}

const clearLogtoFaults = () => fetch(`${stack.logtoUrl}/__standin/faults`, { method: 'DELETE' });

beforeAll(async () => {
  const proxyUrl = await startSesProxy();
  stack = await startLocalStack({ jobDelayScale: 0, logLevel: 'SILENT', sesEndpointOverride: proxyUrl });
  sesTarget = stack.sesUrl;
  await stack.jobs.stop(); // the tests run the queue themselves, at the moments they choose
  admin = client(stack.apiUrl, await adminToken(stack));
  logto = client(stack.logtoUrl, await managementToken(stack));
});

afterEach(async () => {
  sesMode = 'up';
  await clearLogtoFaults();
});

afterAll(async () => {
  await stack?.close();
  await new Promise((resolve) => proxy?.close(resolve));
});

describe('Logto failing', () => {
  it('503 with nothing written when Logto is down before the invitation exists', async () => {
    // Prepare: the registered-user check fails every time
    await injectLogtoFault({ method: 'GET', pathPrefix: '/api/users', status: 503, count: 100 });
    // Act
    const reply = await admin.post('/v1/invitations', { email: 'early@example.com' });
    // Assess
    expect(reply.status).toBe(503);
    expect(reply.body.code).toBe('logto.unavailable');
    expect(reply.headers.get('retry-after')).toBeTruthy();
    await clearLogtoFaults();
    expect((await admin.get('/v1/invitations?email=early@example.com')).body.data).toHaveLength(0);
  });

  it('retries a throttling Logto and succeeds within the request', async () => {
    await injectLogtoFault({ method: 'POST', pathPrefix: '/api/one-time-tokens', status: 429, count: 2 });
    const reply = await admin.post('/v1/invitations', { email: 'throttled@example.com' });
    expect(reply.status).toBe(201);
    expect(reply.body.delivery).toMatchObject({ status: 'sent', sendCount: 1 });
    expect(await inbox(stack, 'throttled@example.com')).toHaveLength(1);
  });

  it('keeps the invitation queued when Logto cannot mint the token, then delivers it once', async () => {
    // Prepare
    const email = 'logto-down@example.com';
    await injectLogtoFault({ method: 'POST', pathPrefix: '/api/one-time-tokens', status: 503, count: 1000 });

    // Act
    const created = await admin.post('/v1/invitations', { email });

    // Assess: accepted for delivery, not sent, retry queued
    expect(created.status).toBe(201);
    expect(created.body.delivery).toMatchObject({ status: 'queued', sendCount: 0, lastError: 'logto.unavailable' });
    expect(await inbox(stack, email)).toHaveLength(0);
    expect(stack.jobs.pending.some((m) => m.job.kind === 'deliver' && m.job.invitationId === created.body.id)).toBe(true);

    // Act: Logto comes back; the queue runs, and then delivers the same job once more (SQS delivers at least once)
    await clearLogtoFaults();
    await stack.jobs.runDue(true);
    await stack.jobs.enqueue({ kind: 'deliver', invitationId: created.body.id, send: 1 });
    await stack.jobs.runDue(true);

    // Assess
    expect(await inbox(stack, email)).toHaveLength(1);
    expect((await admin.get(`/v1/invitations/${created.body.id}`)).body.delivery).toMatchObject({ status: 'sent', sendCount: 1 });
  });
});

describe('SES failing', () => {
  it('counts an email that was in flight when a revoke landed, and its link is dead', async () => {
    // Prepare
    const email = 'in-flight@example.com';
    const created = await admin.post('/v1/invitations', { email });
    sesMode = 'slow';

    // Act: the resend's email is on its way to SES when the revoke lands
    const resending = admin.post(`/v1/invitations/${created.body.id}/resend`);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const revoked = await admin.post(`/v1/invitations/${created.body.id}/revoke`);
    const resent = await resending;

    // Assess
    expect(revoked.status).toBe(200);
    expect(resent.status).toBe(409);
    const mails = await inbox(stack, email);
    expect(mails).toHaveLength(2);
    const invitation = (await admin.get(`/v1/invitations/${created.body.id}`)).body;
    expect(invitation).toMatchObject({ status: 'revoked', delivery: { sendCount: 2 } });
    const events = (await admin.get(`/v1/invitations/${created.body.id}/events`)).body as { type: string }[];
    expect(events.map((event) => event.type).filter((type) => type !== 'delivered')).toEqual(['created', 'sent', 'revoked', 'resent']);
    expect((await acceptInvitation(linkIn(mails[1]!))).final.status).toBeGreaterThanOrEqual(400);
  });

  it('queues when SES is down, revokes the unsent token, and sends exactly once when SES is back', async () => {
    // Prepare
    const email = 'ses-down@example.com';
    sesMode = 'down';

    // Act
    const created = await admin.post('/v1/invitations', { email });

    // Assess
    expect(created.status).toBe(201);
    expect(created.body.delivery).toMatchObject({ status: 'queued', sendCount: 0, lastError: 'ses.unavailable' });
    const tokens = (await logto.get(`/api/one-time-tokens?email=${encodeURIComponent(email)}`)).body as { status: string }[];
    expect(tokens.map((token) => token.status)).toEqual(['revoked']);

    // Act: SES comes back; the job may run more than once
    sesMode = 'up';
    await stack.jobs.runDue(true);
    await stack.jobs.enqueue({ kind: 'deliver', invitationId: created.body.id, send: 1 });
    await stack.jobs.runDue(true);

    // Assess
    const mails = await inbox(stack, email);
    expect(mails).toHaveLength(1);
    expect((await admin.get(`/v1/invitations/${created.body.id}`)).body.delivery).toMatchObject({ status: 'sent', sendCount: 1 });
    // and the link in it works
    await acceptInvitation(linkIn(mails[0]!));
    await stack.standIn!.idle();
    expect((await admin.get(`/v1/invitations/${created.body.id}`)).body.status).toBe('accepted');
  });

  it('records a refusal for good as failed, without queueing a retry', async () => {
    // Prepare
    const email = 'ses-refuses@example.com';
    sesMode = 'reject';
    // Act
    const created = await admin.post('/v1/invitations', { email });
    // Assess
    expect(created.status).toBe(201);
    expect(created.body.delivery).toMatchObject({ status: 'failed', sendCount: 0, lastError: 'ses.rejected' });
    expect(stack.jobs.pending.some((m) => m.job.kind === 'deliver' && m.job.invitationId === created.body.id)).toBe(false);
    const events = (await admin.get(`/v1/invitations/${created.body.id}/events`)).body as { type: string }[];
    expect(events.map((event) => event.type)).toEqual(['created', 'delivery_failed']);
  });

  it('never sends again on its own when SES may have taken the email but did not answer', async () => {
    // Prepare
    const email = 'ses-unsure@example.com';
    sesMode = 'lose-answer';

    // Act
    const created = await admin.post('/v1/invitations', { email });
    sesMode = 'up';
    await stack.jobs.runDue(true);

    // Assess: one email arrived; we do not know it, so we say so and do not repeat it
    expect(created.status).toBe(201);
    expect(created.body.delivery).toMatchObject({ status: 'failed', lastError: 'delivery.outcome_unknown' });
    expect(await inbox(stack, email)).toHaveLength(1);

    // an admin can resend deliberately
    const resent = await admin.post(`/v1/invitations/${created.body.id}/resend`);
    expect(resent.body.delivery).toMatchObject({ status: 'sent' });
    expect(await inbox(stack, email)).toHaveLength(2);
  });
});

describe('grants failing after acceptance', () => {
  it('accepts at once and assigns the roles when Logto recovers', async () => {
    // Prepare
    const email = 'grant-later@example.com';
    const created = await admin.post('/v1/invitations', { email, roleIds: ['role-editor'] });
    await injectLogtoFault({ method: 'POST', pathPrefix: '/api/users/', status: 503, count: 1000 });

    // Act
    await acceptInvitation(linkIn((await inbox(stack, email))[0]!));
    await stack.standIn!.idle();

    // Assess: accepted, role not yet granted, a grant job queued
    const accepted = await admin.get(`/v1/invitations/${created.body.id}`);
    expect(accepted.body.status).toBe('accepted');
    const userId = accepted.body.acceptedUserId as string;
    expect(stack.jobs.pending.some((m) => m.job.kind === 'grant' && m.job.invitationId === created.body.id)).toBe(true);

    // Act: Logto recovers
    await clearLogtoFaults();
    await stack.jobs.runDue(true);

    // Assess
    const roles = (await logto.get(`/api/users/${userId}/roles`)).body as { id: string }[];
    expect(roles.map((role) => role.id)).toContain('role-editor');
    const events = (await admin.get(`/v1/invitations/${created.body.id}/events`)).body as { type: string }[];
    expect(events.map((event) => event.type)).toContain('granted');
  });
});
