import type { Application, SigningKey, StandInState } from './model.ts';

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
  roles: [
    { id: 'role-member', name: 'member', description: 'Member', type: 'User' },
    { id: 'role-editor', name: 'editor', description: 'Editor', type: 'User' },
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

/** The initial state: seeded entities, no users, tokens or hooks. */
export function seedState(apiBaseUrl: string, signingKey: SigningKey, now = Date.now()): StandInState {
  const m2mApp = (id: string, secret: string, name: string, roleId: string, resource: string, scopes: readonly string[]) =>
    ({
      id,
      name,
      secret,
      description: null,
      type: 'MachineToMachine',
      redirectUris: [],
      grantedScopes: { [resource]: [...scopes] },
      roleIds: [roleId],
      createdAt: now,
    }) satisfies Application;

  return {
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
}

/** API resources (indicator -> permissions) that tokens may be issued for. */
export const apiResources: Record<string, readonly string[]> = {
  [seed.managementApiResource]: ['all'],
  [seed.adminClient.resource]: seed.adminClient.scopes,
};
