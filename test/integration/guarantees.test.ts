/**
 * The promises an invitation-only product exists to keep, each tried the way a hostile user found it
 * broken: a revoke racing a resend, two resends racing each other, a lost webhook, a role that does not
 * exist, and the small ones (locale tags, blank inviter names). Over HTTP on the local stack, with the
 * stand-in's own fault switch; the properties are checked at Logto, in the inbox and in the audit trail.
 */
import { DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startLocalStack, type LocalStack } from '../../local/stack.ts';
import {
  acceptInvitation,
  adminToken,
  clearLogtoFaults,
  client,
  inbox,
  injectLogtoFault,
  linkIn,
  logtoView,
} from '../support/local-stack.ts';

let stack: LocalStack;
let admin: ReturnType<typeof client>;
let logto: Awaited<ReturnType<typeof logtoView>>;

beforeAll(async () => {
  stack = await startLocalStack({ jobDelayScale: 0, logLevel: 'SILENT' });
  admin = client(stack.apiUrl, await adminToken(stack));
  logto = await logtoView(stack);
});

afterEach(async () => {
  await clearLogtoFaults(stack);
  await logto.setHookEnabled(stack.webhook.id, true);
});

afterAll(async () => {
  await stack?.close();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const eventTypes = async (id: string) => ((await admin.get(`/v1/invitations/${id}/events`)).body as { type: string }[]).map((e) => e.type);

/** Everything in flight has landed: webhooks delivered, queued jobs run. */
async function settle() {
  await stack.standIn!.idle();
  await stack.jobs.runDue(true);
  await stack.standIn!.idle();
}

describe('no live link for an invitation that is not pending', () => {
  it('a revoke racing a resend with a slow Logto read leaves no active token and no way in', async () => {
    // Prepare
    const email = 'race-revoke-resend@example.com';
    const { id } = (await admin.post('/v1/invitations', { email })).body;
    await injectLogtoFault(stack, { method: 'GET', pathPrefix: '/api/one-time-tokens/', delayMs: 1500 });

    // Act
    const revoking = admin.post(`/v1/invitations/${id}/revoke`);
    await sleep(100);
    const resending = admin.post(`/v1/invitations/${id}/resend`);
    const [revoked, resent] = await Promise.all([revoking, resending]);
    await settle();

    // Assess: whoever won, the invitation and Logto agree
    const invitation = (await admin.get(`/v1/invitations/${id}`)).body;
    expect(revoked.status).toBe(200);
    expect(invitation.status).toBe('revoked');
    // The resend may come first (its email goes out, then the revoke kills its link) or lose (409).
    expect([200, 409], JSON.stringify(resent.body)).toContain(resent.status);
    expect(await logto.activeTokens(email)).toEqual([]);
    const mails = await inbox(stack, email);
    for (const mail of mails) {
      expect((await acceptInvitation(linkIn(mail))).final.status).toBeGreaterThanOrEqual(400);
    }
    expect(await logto.user(email)).toBeUndefined();
    expect(invitation.delivery.sendCount).toBe(mails.length);
  });

  it('two resends at once send one email, keep the token accounted for, and never rest queued', async () => {
    // Prepare
    const email = 'race-two-resends@example.com';
    const { id } = (await admin.post('/v1/invitations', { email })).body;
    await injectLogtoFault(stack, { method: 'POST', pathPrefix: '/api/one-time-tokens', delayMs: 800 });

    // Act
    const replies = await Promise.all([admin.post(`/v1/invitations/${id}/resend`), admin.post(`/v1/invitations/${id}/resend`)]);
    await settle();

    // Assess
    expect(replies.map((reply) => reply.status).sort()).toEqual([200, 409]);
    expect(replies.find((reply) => reply.status === 409)!.body.code).toBe('invitation.delivery_in_progress');
    const invitation = (await admin.get(`/v1/invitations/${id}`)).body;
    const mails = await inbox(stack, email);
    expect(mails).toHaveLength(2);
    expect(invitation.delivery).toMatchObject({ status: 'sent', sendCount: 2 });
    expect((await eventTypes(id)).filter((type) => type === 'resent')).toHaveLength(1);

    // Act: a revoke afterwards kills the latest link too
    await admin.post(`/v1/invitations/${id}/revoke`);

    // Assess
    expect(await logto.activeTokens(email)).toEqual([]);
    expect((await acceptInvitation(linkIn(mails[1]!))).final.status).toBeGreaterThanOrEqual(400);
  });
});

describe('a lost webhook', () => {
  async function registerWithoutWebhook(email: string) {
    const { id } = (await admin.post('/v1/invitations', { email, roleIds: ['role-member'] })).body;
    await logto.setHookEnabled(stack.webhook.id, false);
    await acceptInvitation(linkIn((await inbox(stack, email))[0]!));
    await logto.setHookEnabled(stack.webhook.id, true);
    expect((await admin.get(`/v1/invitations/${id}`)).body.status).toBe('pending');
    return id as string;
  }

  it('revoke finds the consumed token: 409 already_accepted, and the grants are applied', async () => {
    // Prepare
    const email = 'lost-hook-revoke@example.com';
    const id = await registerWithoutWebhook(email);

    // Act
    const revoked = await admin.post(`/v1/invitations/${id}/revoke`);

    // Assess
    expect(revoked.status).toBe(409);
    expect(revoked.body.code).toBe('invitation.already_accepted');
    const invitation = (await admin.get(`/v1/invitations/${id}`)).body;
    const user = await logto.user(email);
    expect(invitation).toMatchObject({ status: 'accepted', acceptedUserId: user!.id });
    expect(await logto.roleIds(user!.id)).toEqual(['role-member']);
    expect(user!.isSuspended).toBe(false);
  });

  it('resend finds the consumed token: 409 already_accepted, and no new email', async () => {
    // Prepare
    const email = 'lost-hook-resend@example.com';
    const id = await registerWithoutWebhook(email);

    // Act
    const resent = await admin.post(`/v1/invitations/${id}/resend`);

    // Assess
    expect(resent.status).toBe(409);
    expect(resent.body.code).toBe('invitation.already_accepted');
    expect(await inbox(stack, email)).toHaveLength(1);
    expect((await admin.get(`/v1/invitations/${id}`)).body.status).toBe('accepted');
    expect(await logto.activeTokens(email)).toEqual([]);
  });
});

describe('grants', () => {
  it('a role that does not exist is recorded and does not block the other grants', async () => {
    // Prepare
    const email = 'unknown-role@example.com';
    const { id } = (
      await admin.post('/v1/invitations', {
        email,
        roleIds: ['role-member', 'role-does-not-exist'],
        organizationIds: ['org-acme', 'org-does-not-exist'],
        organizationRoleIds: ['orgrole-admin'],
        metadata: { team: 'research' },
      })
    ).body;

    // Act
    await acceptInvitation(linkIn((await inbox(stack, email))[0]!));
    await settle();

    // Assess: the webhook was answered 2xx, the rest was granted, the misses are in the audit trail
    const deliveries = (await (await fetch(`${stack.logtoUrl}/__standin/hook-deliveries`)).json()) as { status?: number; payload: { event: string; user?: { primaryEmail?: string } } }[];
    const mine = deliveries.filter((delivery) => delivery.payload.event === 'PostRegister' && delivery.payload.user?.primaryEmail === email);
    expect(mine.map((delivery) => delivery.status)).toEqual([200]);
    const user = (await logto.user(email))!;
    expect(await logto.roleIds(user.id)).toEqual(['role-member']);
    expect(user.customData).toMatchObject({ team: 'research' });
    const orgRoles = await logto.logto.get(`/api/organizations/org-acme/users/${user.id}/roles`);
    expect(orgRoles.body.map((role: { id: string }) => role.id)).toEqual(['orgrole-admin']);
    const events = (await admin.get(`/v1/invitations/${id}/events`)).body as { type: string; data?: Record<string, unknown> }[];
    expect(events.filter((event) => event.type === 'grant_skipped').map((event) => event.data)).toEqual([
      expect.objectContaining({ kind: 'role', id: 'role-does-not-exist' }),
      expect.objectContaining({ kind: 'organization', id: 'org-does-not-exist' }),
    ]);
    expect(events.map((event) => event.type)).toContain('granted');
  });
});

describe('invitations written by the first release', () => {
  /** An invitation as the first release stored it: metadata as a map, one `tokenId`, sends counted, not numbered. */
  async function putFirstRelease(email: string, delivery: Record<string, unknown>) {
    const id = `inv_legacy${Math.random().toString(36).slice(2)}`;
    const now = new Date();
    const expiresAt = new Date(now.getTime() + 86_400_000).toISOString();
    const dynamo = new DynamoDBClient({ endpoint: stack.dynamoUrl, region: 'us-east-1', credentials: { accessKeyId: 'l', secretAccessKey: 'l' } });
    const invitation = {
      id, email, status: 'pending', mode: 'magic-link', roleIds: [], organizationIds: [], organizationRoleIds: [], locale: 'en',
      metadata: { team: 'legacy' }, inviter: {}, reminder: true, createdAt: now.toISOString(), updatedAt: now.toISOString(), expiresAt,
      delivery, version: 1,
    };
    const item = { ...invitation, pk: `INV#${id}`, sk: 'INVITATION', kind: 'invitation', statusKey: 'pending', emailKey: email, createdKey: `${now.toISOString()}#${id}`, pendingExpiresAt: expiresAt };
    await dynamo.send(new PutItemCommand({ TableName: stack.config.TABLE_NAME, Item: marshall(item) }));
    await dynamo.send(new PutItemCommand({ TableName: stack.config.TABLE_NAME, Item: marshall({ pk: `EMAIL#${email}`, sk: 'PENDING', kind: 'pending-slot', invitationId: id }) }));
    dynamo.destroy();
    return id;
  }

  it('resends one that was sent, and delivers one left queued when its old job runs', async () => {
    // Prepare
    const sent = await putFirstRelease('legacy-sent@example.com', { status: 'sent', sendCount: 1, lastSentAt: new Date().toISOString() });
    const queued = await putFirstRelease('legacy-queued@example.com', { status: 'queued', sendCount: 0, lastError: 'ses.unavailable' });

    // Act
    const resent = await admin.post(`/v1/invitations/${sent}/resend`);
    await stack.jobs.enqueue({ kind: 'deliver', invitationId: queued, sendCount: 1 } as never);
    await stack.jobs.runDue(true);

    // Assess
    expect(resent.status).toBe(200);
    expect(resent.body).toMatchObject({ metadata: { team: 'legacy' }, delivery: { status: 'sent', sendCount: 2 } });
    expect(await inbox(stack, 'legacy-sent@example.com')).toHaveLength(1);
    expect((await admin.get(`/v1/invitations/${queued}`)).body.delivery).toMatchObject({ status: 'sent', sendCount: 1 });
    expect(await inbox(stack, 'legacy-queued@example.com')).toHaveLength(1);
  });
});

describe('what the caller sent is kept', () => {
  it('a BCP 47 tag is stored as sent and mailed in the nearest shipped language', async () => {
    const created = (await admin.post('/v1/invitations', { email: 'swiss@example.com', locale: 'de-CH' })).body;
    expect(created.locale).toBe('de-CH');
    const [mail] = await inbox(stack, 'swiss@example.com');
    expect(mail!.subject).toMatch(/Einladung|eingeladen/);
  });

  it('a blank inviter name is not mailed as a name', async () => {
    await admin.post('/v1/invitations', { email: 'blank-inviter@example.com', inviter: { name: ' ' } });
    const [mail] = await inbox(stack, 'blank-inviter@example.com');
    expect(mail!.body.text).not.toMatch(/^\s+invited you/m);
    expect(mail!.body.text).toContain(stack.config.APP_NAME);
  });
});
