/** `/api/users` (packages/core/src/routes/admin-user/{basics,search,role}.ts). */
import { z } from 'zod';

import { fail } from '../errors.ts';
import { managementApiPayload } from '../hooks.ts';
import { type Context, type Router, guardBody, json, listReply, newestFirst, param } from '../http.ts';
import { type Role, type User, tenantId, toUserInfo, toUserResponse } from '../model.ts';
import { assertLegacyPassword, hashPassword, isPasswordValid, passwordAlgorithms } from '../passwords.ts';
import { searchPredicate, withSearch } from '../search.ts';
import type { RouteDeps } from './types.ts';

// Logto's identifier patterns (@logto/core-kit).
const emailPattern = /^\S+@\S+\.\S+$/;
const phonePattern = /^\d+$/;
const usernamePattern = /^[A-Z_a-z]\w*$/;

const jsonObject = z.record(z.string(), z.unknown());
const profile = z
  .object({
    familyName: z.string(),
    givenName: z.string(),
    middleName: z.string(),
    nickname: z.string(),
    preferredUsername: z.string(),
    profile: z.string(),
    website: z.string(),
    gender: z.string(),
    birthdate: z.string(),
    zoneinfo: z.string(),
    locale: z.string(),
    address: z
      .object({
        formatted: z.string(),
        streetAddress: z.string(),
        locality: z.string(),
        region: z.string(),
        postalCode: z.string(),
        country: z.string(),
      })
      .partial(),
  })
  .partial();

const createBody = z
  .object({
    primaryPhone: z.string().regex(phonePattern),
    primaryEmail: z.string().regex(emailPattern),
    username: z.string().regex(usernamePattern),
    password: z.string().min(1),
    passwordDigest: z.string().max(256),
    passwordAlgorithm: z.enum(passwordAlgorithms),
    name: z.string(),
    avatar: z.union([z.url(), z.literal('')]).nullable(),
    customData: jsonObject,
    profile,
  })
  .partial();

const passwordBody = z.object({ password: z.string().min(1) });

const toRoleEntity = (role: Role) => ({ tenantId, ...role });

export function userRoutes(router: Router, { store, library, hooks }: RouteDeps) {
  const { state } = store;

  const fireDataHook = (ctx: Context, event: string, status: number, fields: Record<string, unknown>) =>
    ctx.afterResponse(() => hooks.trigger(event, managementApiPayload(event, ctx, status, fields)));

  router.get('/users', (ctx) =>
    withSearch(ctx, (search) => {
      const matches = searchPredicate<User>(search, ['id', 'primaryEmail', 'primaryPhone', 'username', 'name']);
      return listReply(ctx, newestFirst(state.users.filter(matches)).map(toUserInfo));
    }),
  );

  router.get('/users/:userId', (ctx) => json(200, toUserResponse(library.findUser(param(ctx, 'userId')))));

  // As in Logto, the password is not checked against the sign-in experience's policy here.
  router.post('/users', (ctx) => {
    const body = guardBody(createBody, ctx);
    if (body.password && body.passwordDigest) fail('user.password_and_digest');
    if (body.passwordDigest && !body.passwordAlgorithm) fail('user.password_algorithm_required');
    const taken = (predicate: (user: User) => boolean) => state.users.some(predicate);
    if (body.username && taken((user) => user.username === body.username)) {
      fail('user.username_already_in_use', { status: 422 });
    }
    if (body.primaryEmail && library.findUserByEmail(body.primaryEmail)) fail('user.email_already_in_use', { status: 422 });
    if (body.primaryPhone && taken((user) => user.primaryPhone === body.primaryPhone)) {
      fail('user.phone_already_in_use', { status: 422 });
    }
    if (body.passwordAlgorithm === 'Legacy') assertLegacyPassword(body.passwordDigest);

    const user = toUserResponse(library.createUser(body));
    fireDataHook(ctx, 'User.Created', 200, { data: user });
    return json(200, user);
  });

  router.get('/users/:userId/custom-data', (ctx) => json(200, library.findUser(param(ctx, 'userId')).customData));

  router.patch('/users/:userId/custom-data', (ctx) => {
    const { customData } = guardBody(z.object({ customData: jsonObject }), ctx);
    const user = library.findUser(param(ctx, 'userId'));
    // Logto updates jsonb columns with `||`: a shallow merge, top-level keys replaced.
    store.update(() => {
      user.customData = { ...user.customData, ...customData };
      user.updatedAt = Date.now();
    });
    fireDataHook(ctx, 'User.Data.Updated', 200, { data: user.customData });
    return json(200, user.customData);
  });

  // Logto signs a suspended user out; the stand-in keeps no sessions, and refuses the user's next sign-in.
  router.patch('/users/:userId/is-suspended', (ctx) => {
    const { isSuspended } = guardBody(z.object({ isSuspended: z.boolean() }), ctx);
    const user = library.findUser(param(ctx, 'userId'));
    store.update(() => {
      user.isSuspended = isSuspended;
      user.updatedAt = Date.now();
    });
    const body = toUserResponse(user);
    fireDataHook(ctx, 'User.SuspensionStatus.Updated', 200, { data: body });
    return json(200, body);
  });

  // As in Logto, the password is set as given: the sign-in experience's policy is not applied here.
  router.patch('/users/:userId/password', (ctx) => {
    const { password } = guardBody(passwordBody, ctx);
    const user = library.findUser(param(ctx, 'userId'));
    store.update(() => {
      user.passwordDigest = hashPassword(password);
      user.passwordAlgorithm = 'scrypt';
      user.updatedAt = Date.now();
    });
    const body = toUserResponse(user);
    fireDataHook(ctx, 'User.Data.Updated', 200, { data: body });
    return json(200, body);
  });

  router.post('/users/:userId/password/verify', (ctx) => {
    const { password } = guardBody(passwordBody, ctx);
    const user = library.findUser(param(ctx, 'userId'));
    const { passwordDigest, passwordAlgorithm } = user;
    if (!passwordDigest || !passwordAlgorithm || !isPasswordValid(password, passwordDigest, passwordAlgorithm)) {
      fail('session.invalid_credentials', { status: 422 });
    }
    // Logto re-hashes a password kept in another algorithm with its default one once it verified.
    if (passwordAlgorithm !== 'scrypt') {
      store.update(() => {
        user.passwordDigest = hashPassword(password);
        user.passwordAlgorithm = 'scrypt';
      });
    }
    return json(204);
  });

  router.delete('/users/:userId', (ctx) => {
    const user = library.findUser(param(ctx, 'userId'));
    store.update((draft) => {
      const others = <T extends { userId: string }>(rows: T[]) => rows.filter((row) => row.userId !== user.id);
      draft.users = draft.users.filter((candidate) => candidate.id !== user.id);
      draft.userRoles = others(draft.userRoles);
      draft.organizationUsers = others(draft.organizationUsers);
      draft.organizationUserRoles = others(draft.organizationUserRoles);
    });
    fireDataHook(ctx, 'User.Deleted', 204, { data: toUserInfo(user) });
    return json(204);
  });

  router.get('/users/:userId/roles', (ctx) => {
    const user = library.findUser(param(ctx, 'userId'));
    return withSearch(ctx, (search) => {
      const matches = searchPredicate<Role>(search, ['id', 'name', 'description']);
      const held = new Set(state.userRoles.filter((row) => row.userId === user.id).map((row) => row.roleId));
      const roles = state.roles.filter((role) => held.has(role.id) && role.type === 'User' && matches(role));
      return listReply(ctx, roles.map(toRoleEntity));
    });
  });

  router.post('/users/:userId/roles', (ctx) => {
    const { roleIds } = guardBody(z.object({ roleIds: z.array(z.string().min(1)) }), ctx);
    const user = library.findUser(param(ctx, 'userId'));
    const held = new Set(state.userRoles.filter((row) => row.userId === user.id).map((row) => row.roleId));
    const toAdd = [...new Set(roleIds)].filter((roleId) => !held.has(roleId));
    // Logto checks the type of the roles it finds first, then that every one exists.
    for (const role of state.roles.filter((candidate) => toAdd.includes(candidate.id))) {
      if (role.type !== 'User') fail('user.invalid_role_type', { status: 422, vars: { roleId: role.id } });
    }
    for (const roleId of toAdd) library.findRole(roleId);
    store.update((draft) => draft.userRoles.push(...toAdd.map((roleId) => ({ userId: user.id, roleId }))));
    return json(201);
  });
}
