/**
 * The whole invitation loop on the local stack, over HTTP: an admin invites, SES (aws-ses-v2-local) holds
 * the email, the invitee clicks through the demo landing page into the Logto stand-in's sign-in, Logto
 * registers them and calls our webhook, and the invitation reads `accepted` with its grants applied.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalStack, type LocalStack } from '../../local/stack.ts';
import { acceptInvitation, adminToken, auditTrail, client, inbox, linkIn, managementToken } from '../support/local-stack.ts';

let stack: LocalStack;
let admin: ReturnType<typeof client>;
let logto: ReturnType<typeof client>;

beforeAll(async () => {
  stack = await startLocalStack({ jobDelayScale: 0, logLevel: 'SILENT' });
  admin = client(stack.apiUrl, await adminToken(stack));
  logto = client(stack.logtoUrl, await managementToken(stack));
});

afterAll(async () => {
  await stack?.close();
});

describe('the invitation loop', () => {
  it('invites, emails a magic link, registers the invitee at Logto through it, and reads accepted', async () => {
    // Prepare: public registration is closed at Logto
    const email = 'ada@example.com';
    expect((await logto.get('/api/sign-in-exp')).body.signInMode).toBe('SignIn');

    // Act: create
    const created = await admin.post('/v1/invitations', {
      email: '  Ada@Example.com ',
      roleIds: ['role-member'],
      organizationIds: ['org-acme'],
      organizationRoleIds: ['orgrole-admin'],
      metadata: { team: 'research' },
      inviter: { name: 'Grace' },
    });

    // Assess: stored pending, emailed once
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ email, status: 'pending', mode: 'magic-link', delivery: { status: 'sent', sendCount: 1 } });
    expect(created.body).not.toHaveProperty('link');
    const mails = await inbox(stack, email);
    expect(mails).toHaveLength(1);
    expect(mails[0]!.subject).toContain('Acme Workspace');
    expect(mails[0]!.body.html).toContain('Grace');
    const link = linkIn(mails[0]!);
    expect(link.origin + link.pathname).toBe(`${stack.apiUrl}/demo/landing`);
    expect(link.searchParams.get('email')).toBe(email);

    // Act: the invitee clicks through
    const { hops, final } = await acceptInvitation(link);
    await stack.standIn!.idle();

    // Assess: Logto signed them in and redirected to the app's callback with a code
    expect(hops.some((hop) => hop.startsWith(`${stack.logtoUrl}/oidc/auth`))).toBe(true);
    expect(final.status).toBe(200);
    expect(new URL(hops.at(-1)!).searchParams.get('code')).toBeTruthy();

    const accepted = await admin.get(`/v1/invitations/${created.body.id}`);
    expect(accepted.body).toMatchObject({ status: 'accepted', acceptedAt: expect.any(String), acceptedUserId: expect.any(String) });

    // Assess: the user exists at Logto with what the invitation carried
    const users = await logto.get(`/api/users?search.primaryEmail=${encodeURIComponent(email)}&mode.primaryEmail=exact`);
    expect(users.body).toHaveLength(1);
    const userId = users.body[0].id;
    expect(userId).toBe(accepted.body.acceptedUserId);
    expect((await logto.get(`/api/users/${userId}/roles`)).body.map((role: { id: string }) => role.id)).toContain('role-member');
    expect((await logto.get(`/api/organizations/org-acme/users`)).body.map((user: { id: string }) => user.id)).toContain(userId);
    const orgRoles = await logto.get(`/api/organizations/org-acme/users/${userId}/roles`);
    expect(orgRoles.body.map((role: { id: string }) => role.id)).toContain('orgrole-admin');
    expect((await logto.get(`/api/users/${userId}`)).body.customData).toMatchObject({ team: 'research' });

    // Assess: the audit trail tells the story in order
    expect(await auditTrail(admin, created.body.id)).toEqual(['created', 'sent', 'accepted', 'granted']);

    // Assess: the link was single-use
    const again = await fetch(link.toString().replace('/demo/landing', '/demo/accept'), { redirect: 'follow' });
    expect(again.status).toBeGreaterThanOrEqual(400);
  });

  it('returns the link instead of emailing it with notify: false', async () => {
    // Act
    const created = await admin.post('/v1/invitations', { email: 'no-mail@example.com', notify: false });
    // Assess
    expect(created.status).toBe(201);
    expect(created.body.delivery).toMatchObject({ status: 'skipped', sendCount: 0 });
    const link = new URL(created.body.link);
    expect(link.searchParams.get('type')).toBe('registrationInvitation');
    expect(link.searchParams.get('email')).toBe('no-mail@example.com');
    expect(await inbox(stack, 'no-mail@example.com')).toHaveLength(0);
    await acceptInvitation(link);
    await stack.standIn!.idle();
    expect((await admin.get(`/v1/invitations/${created.body.id}`)).body.status).toBe('accepted');
    expect((await admin.get(`/v1/invitations/${created.body.id}`)).body).not.toHaveProperty('link');
  });

  it('resends with a new link and kills the old one at Logto', async () => {
    // Prepare
    const email = 'resend@example.com';
    const created = await admin.post('/v1/invitations', { email });
    const [first] = await inbox(stack, email);

    // Act
    const resent = await admin.post(`/v1/invitations/${created.body.id}/resend`);

    // Assess
    expect(resent.status).toBe(200);
    expect(resent.body.delivery).toMatchObject({ status: 'sent', sendCount: 2 });
    const mails = await inbox(stack, email);
    expect(mails).toHaveLength(2);
    const oldLink = linkIn(first!);
    const newLink = linkIn(mails[1]!);
    expect(newLink.searchParams.get('token')).not.toBe(oldLink.searchParams.get('token'));
    const refused = await acceptInvitation(oldLink);
    expect(refused.final.status).toBeGreaterThanOrEqual(400);
    expect((await admin.get(`/v1/invitations/${created.body.id}`)).body.status).toBe('pending');
    await acceptInvitation(newLink);
    await stack.standIn!.idle();
    expect((await admin.get(`/v1/invitations/${created.body.id}`)).body.status).toBe('accepted');
  });

  it('revokes: the link stops working at Logto at once, and revoking again changes nothing', async () => {
    // Prepare
    const email = 'revoke@example.com';
    const created = await admin.post('/v1/invitations', { email });
    const link = linkIn((await inbox(stack, email))[0]!);

    // Act
    const revoked = await admin.post(`/v1/invitations/${created.body.id}/revoke`);
    const again = await admin.post(`/v1/invitations/${created.body.id}/revoke`);

    // Assess
    expect(revoked.status).toBe(200);
    expect(revoked.body).toMatchObject({ status: 'revoked', revokedAt: expect.any(String) });
    expect(again.body.revokedAt).toBe(revoked.body.revokedAt);
    const refused = await acceptInvitation(link);
    expect(refused.final.status).toBeGreaterThanOrEqual(400);
    const users = await logto.get(`/api/users?search.primaryEmail=${encodeURIComponent(email)}&mode.primaryEmail=exact`);
    expect(users.body).toHaveLength(0);
    // a new invitation for the same email is allowed once the old one is revoked
    expect((await admin.post('/v1/invitations', { email })).status).toBe(201);
  });

  it('lists newest first with a status filter and a cursor', async () => {
    // Prepare
    const ids: string[] = [];
    for (let i = 0; i < 5; i += 1) {
      ids.push((await admin.post('/v1/invitations', { email: `list-${i}@example.org`, notify: false })).body.id);
    }
    await admin.post(`/v1/invitations/${ids[1]}/revoke`);

    // Act
    const first = await admin.get('/v1/invitations?status=pending&limit=2');
    const second = await admin.get(`/v1/invitations?status=pending&limit=2&cursor=${encodeURIComponent(first.body.nextCursor)}`);
    const revoked = await admin.get('/v1/invitations?status=revoked&limit=100');
    const byEmail = await admin.get('/v1/invitations?email=LIST-3@example.org');

    // Assess
    expect(first.body.data.map((i: { id: string }) => i.id)).toEqual([ids[4], ids[3]]);
    expect(second.body.data.map((i: { id: string }) => i.id)).toEqual([ids[2], ids[0]]);
    expect(revoked.body.data.map((i: { id: string }) => i.id)).toContain(ids[1]);
    expect(byEmail.body.data.map((i: { id: string }) => i.id)).toEqual([ids[3]]);
  });
});
