/**
 * `/api/organizations` and `/api/organization-roles` (packages/core/src/routes/organization/*,
 * organization-role/index.ts): the organizations (seeded, or created), their members and the members'
 * organization roles. Both lists are always paged (`koaPagination()`) and take Logto's `?q=` keyword
 * (`ilike '%q%'`: organizations over id and name, organization roles over id, name and description),
 * `Total-Number` counting what matches.
 */
import { z } from 'zod';

import { fail } from '../errors.ts';
import { managementApiPayload } from '../hooks.ts';
import { type Context, type Router, guardBody, guardQuery, json, listReply, param } from '../http.ts';
import { organizationId as newOrganizationId } from '../ids.ts';
import { type Organization, type OrganizationRole, tenantId, toUserInfo } from '../model.ts';
import { keywordPredicate } from '../search.ts';
import type { RouteDeps } from './types.ts';

const keywordQuery = z.object({ q: z.string().optional() });

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

  router.get('/organizations', (ctx) => {
    const matches = keywordPredicate<Organization>(guardQuery(keywordQuery, ctx).q, ['id', 'name']);
    return listReply(ctx, state.organizations.filter(matches).map((org) => ({ tenantId, ...org })));
  });

  // SchemaRouter's POST: 201 with the organization (its id 12 characters, as `idLength: 12` makes it).
  router.post('/organizations', (ctx) => {
    const body = guardBody(
      z.object({
        name: z.string().min(1).max(128),
        description: z.string().max(256).nullable().optional(),
        customData: z.record(z.string(), z.unknown()).optional(),
        isMfaRequired: z.boolean().optional(),
      }),
      ctx,
    );
    const organization: Organization = {
      id: newOrganizationId(),
      name: body.name,
      description: body.description ?? null,
      customData: (body.customData ?? {}) as Organization['customData'],
      isMfaRequired: body.isMfaRequired ?? false,
      branding: {},
      createdAt: Date.now(),
    };
    store.update((draft) => draft.organizations.push(organization));
    const response = { tenantId, ...organization };
    ctx.afterResponse(() => hooks.trigger('Organization.Created', managementApiPayload('Organization.Created', ctx, 201, { data: response })));
    return json(201, response);
  });

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

  router.get('/organization-roles', (ctx) => {
    const matches = keywordPredicate<OrganizationRole>(guardQuery(keywordQuery, ctx).q, ['id', 'name', 'description']);
    return listReply(ctx, state.organizationRoles.filter(matches).map(toOrganizationRoleResponse));
  });
}
