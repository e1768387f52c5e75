/**
 * Recommendations from existing users on the local stack, over HTTP: a signed-in user (a user's access
 * token with `invitations:refer`) invites someone into no more than they hold, within a quota, and, where
 * the deployment says so, held for an admin's approval.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalStack, type LocalStack } from '../../local/stack.ts';
import { adminToken, client, inbox, logtoView } from '../support/local-stack.ts';

let direct: LocalStack;
let held: LocalStack;
let counter = 0;

beforeAll(async () => {
  [direct, held] = await Promise.all([
    startLocalStack({ jobDelayScale: 0, logLevel: 'SILENT', env: { REFERRALS_PER_PERIOD: '2', REFERRAL_PERIOD_DAYS: '30' } }),
    startLocalStack({ jobDelayScale: 0, logLevel: 'SILENT', env: { REFERRALS_NEED_APPROVAL: 'true' } }),
  ]);
});

afterAll(async () => {
  await Promise.all([direct?.close(), held?.close()]);
});

/** A Logto user holding `role-member`, and `orgrole-viewer` in `org-acme`, with a token of theirs. */
async function referrer(stack: LocalStack, scope = 'invitations:refer') {
  const logto = (await logtoView(stack)).logto;
  const user = (await logto.post('/api/users', { primaryEmail: `referrer-${(counter += 1)}@example.com`, name: `Referrer ${counter}` })).body;
  await logto.post(`/api/users/${user.id}/roles`, { roleIds: ['role-member'] });
  await logto.post('/api/organizations/org-acme/users', { userIds: [user.id] });
  await logto.post(`/api/organizations/org-acme/users/${user.id}/roles`, { organizationRoleIds: ['orgrole-viewer'] });
  const minted = await fetch(`${stack.logtoUrl}/__standin/user-token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ userId: user.id, resource: stack.adminAudience, scope }),
  });
  const { access_token: token } = (await minted.json()) as { access_token: string };
  return { user, api: client(stack.apiUrl, token) };
}

const email = (label: string) => `${label}-${(counter += 1)}@example.com`;

describe('referrals', () => {
  it('invites into what the referrer holds, names the referrer as inviter and in the audit trail', async () => {
    // Prepare
    const { user, api } = await referrer(direct);
    const admin = client(direct.apiUrl, await adminToken(direct));
    const friend = email('friend');

    // Act
    const referred = await api.post('/v1/referrals', {
      email: friend,
      name: 'Friend',
      roleIds: ['role-member'],
      organizationIds: ['org-acme'],
      organizationRoleIds: ['orgrole-viewer'],
    });

    // Assess
    expect(referred.status).toBe(201);
    expect(referred.body).toMatchObject({ email: friend, status: 'pending', inviter: { id: user.id, name: user.name }, roleIds: ['role-member'] });
    const events = (await admin.get(`/v1/invitations/${referred.body.id}/events`)).body as { type: string; actor: unknown; data?: unknown }[];
    expect(events[0]).toEqual(expect.objectContaining({ type: 'created', actor: { type: 'user', id: user.id }, data: { referrerId: user.id } }));
    expect((await inbox(direct, friend))[0]!.subject).toContain(user.name);
  });

  it('refuses a role, an organization or an organization role the referrer does not hold, and counts nothing', async () => {
    // Prepare
    const { api } = await referrer(direct);

    // Act
    const role = await api.post('/v1/referrals', { email: email('r'), roleIds: ['role-editor'] });
    const organization = await api.post('/v1/referrals', { email: email('o'), organizationIds: ['org-globex'] });
    const organizationRole = await api.post('/v1/referrals', { email: email('or'), organizationIds: ['org-acme'], organizationRoleIds: ['orgrole-admin'] });
    const allowed = await Promise.all([api.post('/v1/referrals', { email: email('ok1') }), api.post('/v1/referrals', { email: email('ok2') })]);

    // Assess
    expect([role.status, organization.status, organizationRole.status]).toEqual([403, 403, 403]);
    expect(role.body).toMatchObject({ code: 'referral.not_held', details: [{ path: 'roleIds', id: 'role-editor' }] });
    expect(organization.body.details).toEqual([{ path: 'organizationIds', id: 'org-globex' }]);
    expect(organizationRole.body.details).toEqual([{ path: 'organizationRoleIds', id: 'orgrole-admin', organizationId: 'org-acme' }]);
    // The refusals cost no quota: both referrals of the period still go through.
    expect(allowed.map((reply) => reply.status)).toEqual([201, 201]);
  });

  it('holds to the quota per period (every attempt counts, a conflict too)', async () => {
    // Prepare
    const { api } = await referrer(direct);
    const admin = client(direct.apiUrl, await adminToken(direct));
    const taken = email('taken');
    await admin.post('/v1/invitations', { email: taken });

    // Act
    const conflict = await api.post('/v1/referrals', { email: taken });
    const first = await api.post('/v1/referrals', { email: email('q1') });
    const over = await api.post('/v1/referrals', { email: email('q2') });

    // Assess: a pending email answers as for an admin, and it counted
    expect(conflict.status).toBe(409);
    expect(conflict.body.code).toBe('invitation.already_pending');
    expect(first.status).toBe(201);
    expect(over.status).toBe(429);
    expect(over.body).toMatchObject({ code: 'referral.quota_exceeded', details: { limit: 2, periodDays: 30 } });
  });

  it('answers a registered email as for an admin, and refuses tokens without invitations:refer', async () => {
    // Prepare
    const { api } = await referrer(direct);
    const { api: withoutScope } = await referrer(direct, 'invitations:read');
    const adminApi = client(direct.apiUrl, await adminToken(direct));
    const registered = email('registered');
    await (await logtoView(direct)).logto.post('/api/users', { primaryEmail: registered });

    // Act
    const toRegistered = await api.post('/v1/referrals', { email: registered });
    const noScope = await withoutScope.post('/v1/referrals', { email: email('noscope') });
    const adminToken_ = await adminApi.post('/v1/referrals', { email: email('admin') });

    // Assess
    expect(toRegistered.status).toBe(409);
    expect(toRegistered.body.code).toBe('invitation.already_registered');
    expect(noScope.status).toBe(403);
    expect(adminToken_.status).toBe(403);
  });

  it('holds referrals for approval where the deployment says so; the approval invites with what was referred', async () => {
    // Prepare
    const { user, api } = await referrer(held);
    const admin = client(held.apiUrl, await adminToken(held));
    const friend = email('held');

    // Act
    const referred = await api.post('/v1/referrals', { email: friend, name: 'Held Friend', roleIds: ['role-member'], message: 'A colleague.' });
    const before = await admin.get(`/v1/invitations?email=${encodeURIComponent(friend)}`);
    const [request] = ((await admin.get('/v1/access-requests?status=pending&limit=100')).body.data as { id: string; email: string }[]).filter(
      (candidate) => candidate.email === friend,
    );
    const approved = await admin.post(`/v1/access-requests/${request!.id}/approve`, {});

    // Assess
    expect(referred.status).toBe(202);
    expect(referred.body).toMatchObject({ status: 'held' });
    expect(before.body.data).toHaveLength(0);
    expect(request).toMatchObject({ name: 'Held Friend', message: 'A colleague.', referral: { referrerId: user.id, roleIds: ['role-member'] } });
    expect(approved.status).toBe(201);
    expect(approved.body).toMatchObject({ email: friend, roleIds: ['role-member'], inviter: { id: user.id } });
    const events = (await admin.get(`/v1/invitations/${approved.body.id}/events`)).body as { type: string; data?: unknown }[];
    expect(events[0]).toMatchObject({ type: 'created', data: { accessRequestId: request!.id, referrerId: user.id } });
  });
});
