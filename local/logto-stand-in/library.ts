/**
 * Logic shared by several routes and the sign-in endpoint, over the store (Logto's `libraries/` and
 * `queries/`). Lookups fail the way Logto's queries do, which is not uniform: users are read with a plain
 * `pool.one` (404 `entity.not_found`), most other entities with `buildFindEntityById`
 * (404 `entity.not_exists_with_id` naming the table).
 */
import { fail } from './errors.ts';
import * as ids from './ids.ts';
import type { InteractionEvent, JsonObject, OneTimeToken, OneTimeTokenStatus, User } from './model.ts';
import { type ImportedPasswordAlgorithm, hashPassword } from './passwords.ts';
import type { Store } from './store.ts';

export interface NewUser {
  primaryEmail?: string | null;
  primaryPhone?: string | null;
  username?: string | null;
  name?: string | null;
  avatar?: string | null;
  /** A plain password, hashed here; it wins over an imported digest (callers refuse both at once). */
  password?: string;
  /** An imported digest, stored as given when it comes with its algorithm. */
  passwordDigest?: string;
  passwordAlgorithm?: ImportedPasswordAlgorithm;
  customData?: JsonObject;
  profile?: JsonObject;
}

export type Library = ReturnType<typeof createLibrary>;

export function createLibrary(store: Store) {
  const { state } = store;

  const notExistsWithId = (table: string, id: string): never =>
    fail('entity.not_exists_with_id', { status: 404, vars: { name: table, id } });

  const findUser = (id: string) => state.users.find((user) => user.id === id) ?? fail('entity.not_found', { status: 404 });

  /** Logto compares emails with `lower(primary_email) = lower($1)`. */
  const findUserByEmail = (email: string) => {
    const wanted = email.toLowerCase();
    return state.users.find((user) => user.primaryEmail?.toLowerCase() === wanted);
  };

  const findRole = (id: string) => state.roles.find((role) => role.id === id) ?? notExistsWithId('roles', id);
  const findHook = (id: string) => state.hooks.find((hook) => hook.id === id) ?? notExistsWithId('hooks', id);
  const findApplication = (id: string) => state.applications.find((app) => app.id === id) ?? notExistsWithId('applications', id);
  const findOneTimeToken = (id: string) =>
    state.oneTimeTokens.find((token) => token.id === id) ?? notExistsWithId('one_time_tokens', id);

  const createUser = (input: NewUser): User => {
    const now = Date.now();
    // Logto's order: a plain password, else a digest with its algorithm, else none.
    const password = input.password
      ? { passwordDigest: hashPassword(input.password), passwordAlgorithm: 'scrypt' as const }
      : input.passwordDigest && input.passwordAlgorithm
        ? { passwordDigest: input.passwordDigest, passwordAlgorithm: input.passwordAlgorithm }
        : { passwordDigest: null, passwordAlgorithm: null };
    const user: User = {
      id: ids.userId(),
      username: input.username ?? null,
      primaryEmail: input.primaryEmail ?? null,
      primaryPhone: input.primaryPhone ?? null,
      name: input.name ?? null,
      avatar: input.avatar ?? null,
      customData: input.customData ?? {},
      identities: {},
      profile: input.profile ?? {},
      applicationId: null,
      isSuspended: false,
      lastSignInAt: null,
      createdAt: now,
      updatedAt: now,
      ...password,
    };
    store.update((draft) => draft.users.push(user));
    return user;
  };

  /** Adds members (existing ones are left alone, like `on conflict do nothing`); returns the newly added. */
  const addOrganizationUsers = (organizationId: string, userIds: readonly string[]) => {
    const isKnown =
      state.organizations.some((org) => org.id === organizationId) && userIds.every((id) => state.users.some((user) => user.id === id));
    if (!isKnown) fail('entity.relation_foreign_key_not_found', { status: 422 });

    const added = [...new Set(userIds)].filter((userId) => !isOrganizationMember(organizationId, userId));
    store.update((draft) => draft.organizationUsers.push(...added.map((userId) => ({ organizationId, userId }))));
    return added;
  };

  /**
   * Just-in-time membership from a one-time token's `jitOrganizationIds`: unknown organizations are
   * skipped (Logto selects the existing ones first). Returns the organizations the user newly joined.
   */
  const provisionJitOrganizations = (userId: string, organizationIds: readonly string[]) => {
    const added = [...new Set(organizationIds)].filter(
      (organizationId) =>
        state.organizations.some((org) => org.id === organizationId) && !isOrganizationMember(organizationId, userId),
    );
    store.update((draft) => draft.organizationUsers.push(...added.map((organizationId) => ({ organizationId, userId }))));
    return added;
  };

  const isOrganizationMember = (organizationId: string, userId: string) =>
    state.organizationUsers.some((member) => member.organizationId === organizationId && member.userId === userId);

  const setOneTimeTokenStatus = (token: OneTimeToken, status: OneTimeTokenStatus) =>
    store.update(() => {
      token.status = status;
      return token;
    });

  /**
   * Logto's `checkOneTimeToken` + consumption (`verifyOneTimeToken`), in Logto's order of checks. An
   * expired token still stored as active is marked `expired` on the way out.
   */
  const consumeOneTimeToken = (tokenValue: string, email: string, interactionEvent?: InteractionEvent) => {
    const token =
      state.oneTimeTokens.find((candidate) => candidate.token === tokenValue) ??
      fail('one_time_token.token_not_found', { status: 404, vars: { token: tokenValue } });

    if (token.email !== email) fail('one_time_token.email_mismatch');
    if (token.expiresAt <= Date.now() || token.status === 'expired') {
      if (token.status === 'active') setOneTimeTokenStatus(token, 'expired');
      fail('one_time_token.token_expired');
    }
    if (token.status === 'consumed') fail('one_time_token.token_consumed');
    if (token.status === 'revoked') fail('one_time_token.token_revoked');
    if (interactionEvent && token.context.interactionEvent && token.context.interactionEvent !== interactionEvent) {
      fail('one_time_token.interaction_event_mismatch');
    }
    return setOneTimeTokenStatus(token, 'consumed');
  };

  return {
    findUser,
    findUserByEmail,
    findRole,
    findHook,
    findApplication,
    findOneTimeToken,
    createUser,
    addOrganizationUsers,
    provisionJitOrganizations,
    isOrganizationMember,
    setOneTimeTokenStatus,
    consumeOneTimeToken,
  };
}
