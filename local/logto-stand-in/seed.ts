import type { Application, SigningKey, StandInState, User } from './model.ts';

/**
 * What a fresh stand-in holds. Others code against these values (local stack, tests): change them with care.
 */
export const seed = {
  /** An M2M app that may get tokens for our own admin API (what an admin's client would hold). */
  adminClient: {
    id: 'local-admin',
    secret: 'local-admin-secret',
    resource: 'https://invitations.local/api',
    scopes: ['invitations:read', 'invitations:write'],
  },
  /** The invitations service's M2M app for the Management API (`scope=all`). */
  m2mApp: { id: 'local-invitations-m2m', secret: 'local-invitations-m2m-secret' },
  /** The Management API indicator of a self-hosted Logto. */
  managementApiResource: 'https://default.logto.app/api',
  /** The web app whose sign-in consumes invitation tokens; redirect URI `${apiBaseUrl}/demo/callback`. */
  demoApp: { id: 'local-demo', name: 'Local demo app' },
  /**
   * The admin console: a single-page app (a public client: no secret, PKCE) signing admins in with
   * `@logto/browser`. Its URIs follow the invitations API's base URL (see {@link consoleUris}).
   */
  consoleApp: { id: 'local-console', name: 'Local admin console' },
  /** A person who may use the console: holds {@link seed.consoleAdminRole}, so its tokens carry the admin scopes. */
  adminUser: {
    id: 'localadmin01',
    username: 'admin',
    primaryEmail: 'admin@example.com',
    password: 'local-admin-password',
    name: 'Local admin',
  },
  /** The user role granting the admin API's permissions (Logto: a User role with the resource's scopes). */
  consoleAdminRole: 'role-invitations-console-admin',
  roles: [
    { id: 'role-member', name: 'member', description: 'Member', type: 'User' },
    { id: 'role-editor', name: 'editor', description: 'Editor', type: 'User' },
    {
      id: 'role-invitations-console-admin',
      name: 'invitations-console-admin',
      description: 'User role holding invitations:read and invitations:write (what a console admin holds)',
      type: 'User',
    },
    {
      id: 'role-management-api',
      name: 'Logto Management API access',
      description: 'Machine-to-machine role holding the Management API `all` permission',
      type: 'MachineToMachine',
    },
    {
      id: 'role-invitations-admin',
      name: 'invitations-admin',
      description: 'Machine-to-machine role holding invitations:read and invitations:write',
      type: 'MachineToMachine',
    },
  ],
  organizations: [
    { id: 'org-acme', name: 'Acme' },
    { id: 'org-globex', name: 'Globex' },
  ],
  organizationRoles: [
    { id: 'orgrole-admin', name: 'admin' },
    { id: 'orgrole-viewer', name: 'viewer' },
  ],
} as const;

/**
 * The console's redirect URIs: `/console/callback` under the API's base URL and under its `localhost` twin
 * (a browser may open either), and `/console` after sign-out. With the default base URL these are
 * `http://127.0.0.1:4000/console/callback`, `http://localhost:4000/console/callback` and `http://127.0.0.1:4000/console`.
 */
export function consoleUris(apiBaseUrl: string) {
  const bases = [...new Set([apiBaseUrl, apiBaseUrl.replace('//127.0.0.1:', '//localhost:')])];
  return {
    redirectUris: bases.map((base) => `${base}/console/callback`),
    postLogoutRedirectUris: bases.map((base) => `${base}/console`),
  };
}

/**
 * The admin's scrypt digest of `seed.adminUser.password` (see passwords.ts), computed once: hashing at every
 * start would cost each test tens of milliseconds.
 */
const adminPasswordDigest =
  '40cf18b2e3c3442732e0100ca5a93632:5a5c0a7fbc0ab59217b08817a0a67e0e194b473e0a9df2cf6859d1b4e4a03daa';

function consoleApp(apiBaseUrl: string, now: number): Application {
  return {
    id: seed.consoleApp.id,
    name: seed.consoleApp.name,
    // A public client never authenticates with a secret (Logto stores one all the same).
    secret: '',
    description: null,
    type: 'SPA',
    ...consoleUris(apiBaseUrl),
    grantedScopes: {},
    roleIds: [],
    createdAt: now,
  };
}

function adminUser(now: number): User {
  const { id, username, primaryEmail, name } = seed.adminUser;
  return {
    id,
    username,
    primaryEmail,
    primaryPhone: null,
    name,
    avatar: null,
    customData: {},
    identities: {},
    profile: {},
    applicationId: null,
    isSuspended: false,
    lastSignInAt: null,
    createdAt: now,
    updatedAt: now,
    passwordDigest: adminPasswordDigest,
    passwordAlgorithm: 'scrypt',
  };
}

/**
 * Brings a data file written before the console was seeded up to date: adds the console app, its admin role
 * and the admin user (unless its username or email is taken), and points the console's URIs at `apiBaseUrl`.
 */
export function seedConsole(state: StandInState, apiBaseUrl: string, now = Date.now()) {
  for (const app of state.applications) app.postLogoutRedirectUris ??= [];
  const existing = state.applications.find((app) => app.id === seed.consoleApp.id);
  if (existing) Object.assign(existing, consoleUris(apiBaseUrl));
  else state.applications.push(consoleApp(apiBaseUrl, now));

  const role = seed.roles.find((candidate) => candidate.id === seed.consoleAdminRole);
  if (role && !state.roles.some((candidate) => candidate.id === role.id)) state.roles.push({ ...role, isDefault: false });

  const { id, username, primaryEmail } = seed.adminUser;
  const taken = state.users.some(
    (user) => user.id === id || user.username === username || user.primaryEmail?.toLowerCase() === primaryEmail,
  );
  if (taken) return;
  state.users.push(adminUser(now));
  state.userRoles.push({ userId: id, roleId: seed.consoleAdminRole });
}

/** The initial state: seeded entities and the console's admin user; no other users, no tokens or hooks. */
export function seedState(apiBaseUrl: string, signingKey: SigningKey, now = Date.now()): StandInState {
  const m2mApp = (id: string, secret: string, name: string, roleId: string, resource: string, scopes: readonly string[]) =>
    ({
      id,
      name,
      secret,
      description: null,
      type: 'MachineToMachine',
      redirectUris: [],
      postLogoutRedirectUris: [],
      grantedScopes: { [resource]: [...scopes] },
      roleIds: [roleId],
      createdAt: now,
    }) satisfies Application;

  const state: StandInState = {
    version: 1,
    signingKey,
    signInMode: 'SignInAndRegister',
    // Logto seeds an empty policy: every rule at its default.
    passwordPolicy: {},
    users: [],
    userRoles: [],
    roles: seed.roles.map((role) => ({ ...role, isDefault: false })),
    organizations: seed.organizations.map((org) => ({
      ...org,
      description: null,
      customData: {},
      isMfaRequired: false,
      branding: {},
      createdAt: now,
    })),
    organizationRoles: seed.organizationRoles.map((role) => ({ ...role, description: null, type: 'User' })),
    organizationUsers: [],
    organizationUserRoles: [],
    applications: [
      {
        id: seed.demoApp.id,
        name: seed.demoApp.name,
        secret: 'local-demo-secret',
        description: null,
        type: 'Traditional',
        redirectUris: [`${apiBaseUrl}/demo/callback`],
        postLogoutRedirectUris: [],
        grantedScopes: {},
        roleIds: [],
        createdAt: now,
      },
      m2mApp(seed.m2mApp.id, seed.m2mApp.secret, 'Local invitations service', 'role-management-api', seed.managementApiResource, ['all']),
      m2mApp(
        seed.adminClient.id,
        seed.adminClient.secret,
        'Local admin client',
        'role-invitations-admin',
        seed.adminClient.resource,
        seed.adminClient.scopes,
      ),
    ],
    applicationSecrets: [],
    oneTimeTokens: [],
    hooks: [],
    hookDeliveries: [],
    signIns: [],
  };
  seedConsole(state, apiBaseUrl, now);
  return state;
}

/** API resources (indicator -> permissions) that tokens may be issued for. */
export const apiResources: Record<string, readonly string[]> = {
  [seed.managementApiResource]: ['all'],
  [seed.adminClient.resource]: seed.adminClient.scopes,
};

/**
 * Per user role, the API resource permissions it holds (Logto's `roles_scopes`). Roles are seeded, and so
 * are their permissions.
 */
export const userRolePermissions: Record<string, Record<string, readonly string[]>> = {
  [seed.consoleAdminRole]: { [seed.adminClient.resource]: seed.adminClient.scopes },
};
