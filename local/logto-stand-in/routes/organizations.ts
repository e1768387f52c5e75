/**
 * `/api/organizations` and `/api/organization-roles` (packages/core/src/routes/organization/*): the seeded
 * organizations, their members and the members' organization roles.
 */
import { z } from 'zod';

import { fail } from '../errors.ts';
import { managementApiPayload } from '../hooks.ts';
import { type Context, type Router, guardBody, json, listReply, param } from '../http.ts';
import { type OrganizationRole, tenantId, toUserInfo } from '../model.ts';
import type { RouteDeps } from './types.ts';

const toOrganizationRoleResponse = (role: OrganizationRole) => ({ tenantId, ...role, scopes: [], resourceScopes: [] });

export function organizationRoutes(router: Router, { store, library, hooks }: RouteDeps) {
  const { state } = store;

  const rolesOf = (organizationId: string, userId: string) => {
    const ids = state.organizationUserRoles
      .filter((row) => row.organizationId === organizationId && row.userId === userId)
      .map((row) => row.organizationRoleId);
    return state.organizationRoles.filter((role) => ids.includes(role.id));
  };

  /** Logto checks membership before any `/organizations/:id/users/:userId/roles` route. */
  const requireMembership = (ctx: Context) => {
    const ids = { organizationId: param(ctx, 'id'), userId: param(ctx, 'userId') };
    if (!library.isOrganizationMember(ids.organizationId, ids.userId)) {
      fail('organization.require_membership', { status: 422 });
    }
    return ids;
  };

  // packages/core/src/routes/admin-user/organization.ts: every organization of the user, with its roles there (no paging).
  router.get('/users/:userId/organizations', (ctx) => {
    const user = library.findUser(param(ctx, 'userId'));
    const organizationIds = new Set(state.organizationUsers.filter((row) => row.userId === user.id).map((row) => row.organizationId));
    return json(
      200,
      state.organizations
        .filter((org) => organizationIds.has(org.id))
        .map((org) => ({ tenantId, ...org, organizationRoles: rolesOf(org.id, user.id).map(({ id, name }) => ({ id, name })) })),
    );
  });

  router.get('/organizations', (ctx) => listReply(ctx, state.organizations.map((org) => ({ tenantId, ...org }))));

  router.get('/organizations/:id/users', (ctx) => {
    const organizationId = param(ctx, 'id');
    const memberIds = new Set(state.organizationUsers.filter((row) => row.organizationId === organizationId).map((row) => row.userId));
    const members = state.users
      .filter((user) => memberIds.has(user.id))
      .map((user) => ({
        ...toUserInfo(user),
        organizationRoles: rolesOf(organizationId, user.id).map(({ id, name }) => ({ id, name })),
      }));
    return listReply(ctx, members);
  });

  router.post('/organizations/:id/users', (ctx) => {
    const { userIds } = guardBody(z.object({ userIds: z.array(z.string().min(1)).nonempty() }), ctx);
    const organizationId = param(ctx, 'id');
    library.addOrganizationUsers(organizationId, userIds);
    ctx.afterResponse(() =>
      hooks.trigger(
        'Organization.Membership.Updated',
        managementApiPayload('Organization.Membership.Updated', ctx, 201, { organizationId }),
      ),
    );
    return json(201, { userIds });
  });

  router.get('/organizations/:id/users/:userId/roles', (ctx) => {
    const { organizationId, userId } = requireMembership(ctx);
    return listReply(ctx, rolesOf(organizationId, userId).map((role) => ({ tenantId, ...role })), { optional: true });
  });

  router.post('/organizations/:id/users/:userId/roles', (ctx) => {
    const { organizationId, userId } = requireMembership(ctx);
    const { organizationRoleIds = [] } = guardBody(z.object({ organizationRoleIds: z.array(z.string().min(1)).optional() }), ctx);
    const roleIds = [...new Set(organizationRoleIds)];
    if (!roleIds.every((roleId) => state.organizationRoles.some((role) => role.id === roleId))) {
      fail('entity.relation_foreign_key_not_found', { status: 422 });
    }
    // Insert with `on conflict do nothing`: roles already held stay as they are.
    const held = new Set(rolesOf(organizationId, userId).map((role) => role.id));
    store.update((draft) =>
      draft.organizationUserRoles.push(
        ...roleIds.filter((id) => !held.has(id)).map((organizationRoleId) => ({ organizationId, userId, organizationRoleId })),
      ),
    );
    return json(201, { organizationRoleIds: roleIds });
  });

  router.get('/organization-roles', (ctx) => listReply(ctx, state.organizationRoles.map(toOrganizationRoleResponse)));
}
