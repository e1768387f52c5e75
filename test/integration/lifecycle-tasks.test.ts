/**
 * The lifecycle's task handler and the SES mail-events handler, driven as Step Functions and EventBridge
 * would drive them, against the local stack (real dynalite, aws-ses-v2-local and the Logto stand-in).
 */
import type { EventBridgeEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalStack, type LocalStack } from '../../local/stack.ts';
import { acceptInvitation, adminToken, auditTrail, client, inbox, linkIn, managementToken } from '../support/local-stack.ts';

let stack: LocalStack;
let admin: ReturnType<typeof client>;
let logto: ReturnType<typeof client>;
const clock = { offsetMs: 0, now: () => new Date(Date.now() + clock.offsetMs) };

beforeAll(async () => {
  stack = await startLocalStack({ jobDelayScale: 0, logLevel: 'SILENT', clock });
  admin = client(stack.apiUrl, await adminToken(stack));
  logto = client(stack.logtoUrl, await managementToken(stack));
});

afterAll(async () => {
  await stack?.close();
});

const task = (action: 'reconcile' | 'remind' | 'expire', invitationId: string) => stack.service.lifecycle({ action, invitationId });

describe('reconcile', () => {
  it('accepts an invitation whose webhook never arrived, from the token consumed at Logto', async () => {
    // Prepare: the webhook is switched off, so Logto registers the invitee silently
    const email = 'silent@example.com';
    const created = await admin.post('/v1/invitations', { email, roleIds: ['role-member'] });
    const disable = await fetch(`${stack.logtoUrl}/api/hooks/${stack.webhook.id}`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${await managementToken(stack)}`, 'content-type': 'application/json' },
      body: JSON.stringify({ enabled: false }),
    });
    expect(disable.ok).toBe(true);
    try {
      await acceptInvitation(linkIn((await inbox(stack, email))[0]!));
      await stack.standIn!.idle();
      expect((await admin.get(`/v1/invitations/${created.body.id}`)).body.status).toBe('pending');

      // Act
      const result = await task('reconcile', created.body.id);

      // Assess
      expect(result).toEqual({ status: 'accepted' });
      const invitation = (await admin.get(`/v1/invitations/${created.body.id}`)).body;
      expect(invitation.status).toBe('accepted');
      const roles = (await logto.get(`/api/users/${invitation.acceptedUserId}/roles`)).body as { id: string }[];
      expect(roles.map((role) => role.id)).toContain('role-member');
    } finally {
      await fetch(`${stack.logtoUrl}/api/hooks/${stack.webhook.id}`, {
        method: 'PATCH',
        headers: { authorization: `Bearer ${await managementToken(stack)}`, 'content-type': 'application/json' },
        body: JSON.stringify({ enabled: true }),
      });
    }
  });

  it('leaves a pending invitation pending', async () => {
    const created = await admin.post('/v1/invitations', { email: 'waiting@example.com' });
    expect(await task('reconcile', created.body.id)).toEqual({ status: 'pending' });
  });
});

describe('remind', () => {
  it('sends one reminder with a fresh link and revokes the first one; a retried task sends nothing more', async () => {
    // Prepare
    const email = 'remind-me@example.com';
    const created = await admin.post('/v1/invitations', { email });
    const first = linkIn((await inbox(stack, email))[0]!);

    // Act
    const result = await task('remind', created.body.id);
    await task('remind', created.body.id);

    // Assess
    expect(result).toEqual({ status: 'pending' });
    const mails = await inbox(stack, email);
    expect(mails).toHaveLength(2);
    expect(mails[1]!.subject).not.toBe(mails[0]!.subject);
    expect((await acceptInvitation(first)).final.status).toBeGreaterThanOrEqual(400);
    expect(await auditTrail(admin, created.body.id)).toEqual(['created', 'sent', 'reminded']);
    await acceptInvitation(linkIn(mails[1]!));
    await stack.standIn!.idle();
    expect((await admin.get(`/v1/invitations/${created.body.id}`)).body.status).toBe('accepted');
  });

  it('does not remind when the invitation asked for no reminder', async () => {
    const created = await admin.post('/v1/invitations', { email: 'no-reminder@example.com', reminder: false });
    await task('remind', created.body.id);
    expect(await inbox(stack, 'no-reminder@example.com')).toHaveLength(1);
  });
});

describe('expire', () => {
  it('reads expired past expiresAt before any task ran, then revokes the token and stores expired', async () => {
    // Prepare
    const email = 'expiring@example.com';
    const created = await admin.post('/v1/invitations', { email, expiresIn: 300 });
    const link = linkIn((await inbox(stack, email))[0]!);
    expect(await task('expire', created.body.id)).toEqual({ status: 'pending' });

    // Act: time passes
    clock.offsetMs = 301_000;
    try {
      const before = (await admin.get(`/v1/invitations/${created.body.id}`)).body;
      const listed = (await admin.get(`/v1/invitations?status=expired`)).body.data as { id: string }[];
      const result = await task('expire', created.body.id);

      // Assess
      expect(before.status).toBe('expired');
      expect(listed.map((i) => i.id)).toContain(created.body.id);
      expect(result).toEqual({ status: 'expired' });
      expect((await admin.post(`/v1/invitations/${created.body.id}/resend`)).status).toBe(409);
      const events = (await admin.get(`/v1/invitations/${created.body.id}/events`)).body as { type: string }[];
      expect(events.at(-1)!.type).toBe('expired');
      // a new invitation for the same email is allowed
      expect((await admin.post('/v1/invitations', { email, notify: false })).status).toBe(201);
    } finally {
      clock.offsetMs = 0;
    }
    // the old link is dead at Logto, whatever Logto's own clock says
    expect((await acceptInvitation(link)).final.status).toBeGreaterThanOrEqual(400);
  });
});

describe('SES mail events', () => {
  /** The event SES publishes about the latest email it took for `invitationId`. */
  const sesEvent = async (invitationId: string, eventType: string, extra: object = {}) => {
    const { email } = (await admin.get(`/v1/invitations/${invitationId}`)).body;
    const messageId = (await inbox(stack, email)).at(-1)!.messageId;
    return {
      version: '0',
      id: 'event-1',
      'detail-type': `Email ${eventType}`,
      source: 'aws.ses',
      account: '000000000000',
      time: new Date().toISOString(),
      region: 'us-east-1',
      resources: [],
      detail: { eventType, mail: { messageId, tags: { invitationId: [invitationId] } }, ...extra },
    } as EventBridgeEvent<string, unknown>;
  };

  it('records a delivery', async () => {
    const created = await admin.post('/v1/invitations', { email: 'delivered@example.com' });
    await stack.service.mailEvents(await sesEvent(created.body.id, 'Delivery'));
    expect((await admin.get(`/v1/invitations/${created.body.id}`)).body.delivery.status).toBe('delivered');
  });

  it('makes an invitation undeliverable on a permanent bounce, and no reminder follows', async () => {
    const created = await admin.post('/v1/invitations', { email: 'bounce@example.com' });
    await stack.service.mailEvents(await sesEvent(created.body.id, 'Bounce', { bounce: { bounceType: 'Permanent' } }));
    const invitation = (await admin.get(`/v1/invitations/${created.body.id}`)).body;
    expect(invitation).toMatchObject({ status: 'undeliverable', delivery: { status: 'bounced' } });
    await task('remind', created.body.id);
    expect(await inbox(stack, 'bounce@example.com')).toHaveLength(1);
  });

  it('keeps a pending invitation pending on a transient bounce', async () => {
    const created = await admin.post('/v1/invitations', { email: 'soft-bounce@example.com' });
    await stack.service.mailEvents(await sesEvent(created.body.id, 'Bounce', { bounce: { bounceType: 'Transient' } }));
    const invitation = (await admin.get(`/v1/invitations/${created.body.id}`)).body;
    expect(invitation).toMatchObject({ status: 'pending', delivery: { status: 'sent' } });
    const events = (await admin.get(`/v1/invitations/${created.body.id}/events`)).body as { type: string }[];
    expect(events.at(-1)!.type).toBe('bounced');
  });

  it('makes an invitation undeliverable on a complaint', async () => {
    const created = await admin.post('/v1/invitations', { email: 'complaint@example.com' });
    await stack.service.mailEvents(await sesEvent(created.body.id, 'Complaint'));
    expect((await admin.get(`/v1/invitations/${created.body.id}`)).body).toMatchObject({
      status: 'undeliverable',
      delivery: { status: 'complained' },
    });
  });
});
