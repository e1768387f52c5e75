/**
 * `GET /api/roles` (packages/core/src/routes/role.ts): seeded roles with their featured users and apps,
 * filtered by `type` and Logto's search (`search=%editor%` over id, name and description), always paged
 * (`koaPagination()`), `Total-Number` counting the filtered roles.
 */
import { z } from 'zod';

import { type Router, guardQuery, listReply } from '../http.ts';
import { type Role, tenantId } from '../model.ts';
import { searchPredicate, withSearch } from '../search.ts';
import type { RouteDeps } from './types.ts';

const featuredLimit = 3;

export function roleRoutes(router: Router, { store }: RouteDeps) {
  const { state } = store;

  router.get('/roles', (ctx) => {
    const { type } = guardQuery(z.object({ type: z.enum(['User', 'MachineToMachine']).optional() }), ctx);
    return withSearch(ctx, (search) => {
      const matches = searchPredicate<Role>(search, ['id', 'name', 'description']);
      const roles = state.roles
        .filter((role) => (type === undefined || role.type === type) && matches(role))
        .map((role) => {
          const userIds = state.userRoles.filter((row) => row.roleId === role.id).map((row) => row.userId);
          const applications = state.applications.filter((app) => app.roleIds.includes(role.id));
          return {
            tenantId,
            ...role,
            usersCount: userIds.length,
            featuredUsers: state.users
              .filter((user) => userIds.slice(0, featuredLimit).includes(user.id))
              .map(({ id, avatar, name }) => ({ id, avatar, name })),
            applicationsCount: applications.length,
            featuredApplications: applications.slice(0, featuredLimit).map(({ id, name, type }) => ({ id, name, type })),
          };
        });
      return listReply(ctx, roles);
    });
  });
}
