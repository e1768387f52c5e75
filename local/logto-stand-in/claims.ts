/**
 * User claims for ID tokens and the userinfo endpoint, as Logto's `findAccount().claims()` builds them
 * (packages/core/src/oidc/scope.ts): each granted scope maps to claims by `@logto/core-kit`'s tables
 * (`idTokenClaims` for ID tokens, `userClaims` for userinfo, which adds the extended claims), values read
 * from the user the way `getUserClaimsData` reads them.
 */
import { type UserClaim, UserScope, idTokenClaims, userClaims } from '@logto/core-kit';

import type { JsonObject, StandInState, User } from './model.ts';

/** Scopes oidc-provider knows besides resource permissions: `openid`, `offline_access` and Logto's claim scopes. */
export const oidcScopes: ReadonlySet<string> = new Set(['openid', 'offline_access', ...Object.values(UserScope)]);

/** Claims read straight from a user column (Logto's `claimToUserKey`). */
const userColumns: Partial<Record<UserClaim, keyof User>> = {
  name: 'name',
  picture: 'avatar',
  username: 'username',
  email: 'primaryEmail',
  phone_number: 'primaryPhone',
  custom_data: 'customData',
  identities: 'identities',
  created_at: 'createdAt',
  updated_at: 'updatedAt',
};

/** Claims read from `user.profile` (snake_case claim, camelCase key). */
const profileClaims: ReadonlySet<string> = new Set([
  'family_name',
  'given_name',
  'middle_name',
  'nickname',
  'profile',
  'website',
  'gender',
  'birthdate',
  'zoneinfo',
  'locale',
  'address',
]);

const camelCase = (claim: string) => claim.replace(/_(\w)/g, (_, letter: string) => letter.toUpperCase());

function claimValue(state: StandInState, user: User, claim: UserClaim): unknown {
  const organizationIds = () =>
    state.organizationUsers.filter((member) => member.userId === user.id).map((member) => member.organizationId);
  switch (claim) {
    case 'email_verified':
      return Boolean(user.primaryEmail);
    case 'phone_number_verified':
      return Boolean(user.primaryPhone);
    case 'preferred_username':
      return (user.profile.preferredUsername as string | undefined) ?? user.username ?? undefined;
    case 'roles': {
      const roleIds = new Set(state.userRoles.filter((row) => row.userId === user.id).map((row) => row.roleId));
      return state.roles.filter((role) => roleIds.has(role.id)).map((role) => role.name);
    }
    case 'organizations':
      return organizationIds();
    case 'organization_data':
      return state.organizations
        .filter((org) => organizationIds().includes(org.id))
        .map(({ id, name, description }) => ({ id, name, description }));
    case 'organization_roles':
      return state.organizationUserRoles
        .filter((row) => row.userId === user.id)
        .map((row) => `${row.organizationId}:${state.organizationRoles.find((role) => role.id === row.organizationRoleId)?.name}`);
    case 'sso_identities':
      return [];
    default: {
      const column = userColumns[claim];
      if (column) return user[column];
      return profileClaims.has(claim) ? user.profile[camelCase(claim)] : undefined;
    }
  }
}

/**
 * `sub` and the claims `scopes` grant, for an ID token or the userinfo endpoint. Absent values are left out;
 * `name` and `picture` stay `null` when unset, as in Logto.
 */
export function userClaimsFor(state: StandInState, user: User, scopes: readonly string[], use: 'id_token' | 'userinfo'): JsonObject & { sub: string } {
  const table: Readonly<Record<string, readonly UserClaim[]>> = use === 'id_token' ? idTokenClaims : userClaims;
  const claims: JsonObject & { sub: string } = { sub: user.id };
  for (const claim of new Set(scopes.flatMap((scope) => table[scope] ?? []))) {
    const value = claimValue(state, user, claim);
    if (value !== undefined) claims[claim] = value;
  }
  return claims;
}
