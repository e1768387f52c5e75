/**
 * Entities as Logto stores them (packages/schemas/tables/*.sql), field names exact, times in epoch ms,
 * and the views its routes answer with.
 */
import type { JWK } from 'jose';

import type { PartialPasswordPolicy } from './password-policy.ts';
import type { PasswordAlgorithm } from './passwords.ts';

/** Every entity of a Logto OSS instance carries this tenant. */
export const tenantId = 'default';

export type JsonObject = Record<string, unknown>;

export interface User {
  id: string;
  username: string | null;
  primaryEmail: string | null;
  primaryPhone: string | null;
  name: string | null;
  avatar: string | null;
  customData: JsonObject;
  identities: JsonObject;
  profile: JsonObject;
  applicationId: string | null;
  isSuspended: boolean;
  lastSignInAt: number | null;
  createdAt: number;
  updatedAt: number;
  /**
   * Logto's `passwordEncrypted`: the stand-in's scrypt hash of a plain password, or an imported digest as
   * given. Never leaves the stand-in.
   */
  passwordDigest: string | null;
  /** Logto's `passwordEncryptionMethod`; absent in data files written before it was modelled (then scrypt). */
  passwordAlgorithm: PasswordAlgorithm | null;
}

/** Logto's `userInfoSelectFields`: what user lists and webhook payloads carry. */
export const toUserInfo = (user: User) => ({
  id: user.id,
  username: user.username,
  primaryEmail: user.primaryEmail,
  primaryPhone: user.primaryPhone,
  name: user.name,
  avatar: user.avatar,
  customData: user.customData,
  identities: user.identities,
  lastSignInAt: user.lastSignInAt,
  createdAt: user.createdAt,
  updatedAt: user.updatedAt,
  profile: user.profile,
  applicationId: user.applicationId,
  isSuspended: user.isSuspended,
});

/** `GET /users/:id` and `POST /users` add `hasPassword` (`Boolean(passwordEncrypted)`) to the user info. */
export const toUserResponse = (user: User) => ({ ...toUserInfo(user), hasPassword: Boolean(user.passwordDigest) });

export type OneTimeTokenStatus = 'active' | 'consumed' | 'revoked' | 'expired';
export const oneTimeTokenStatuses = ['active', 'consumed', 'revoked', 'expired'] as const;
export const interactionEvents = ['SignIn', 'Register', 'ForgotPassword'] as const;
export type InteractionEvent = (typeof interactionEvents)[number];

export interface OneTimeToken {
  id: string;
  email: string;
  token: string;
  context: { jitOrganizationIds?: string[]; interactionEvent?: InteractionEvent };
  /** The stored status; reads report `expired` for an active token past `expiresAt`. */
  status: OneTimeTokenStatus;
  createdAt: number;
  expiresAt: number;
}

/** Logto computes `expired` in its select (the stored row may still say `active`). */
export const toOneTimeTokenResponse = (token: OneTimeToken, now = Date.now()) => ({
  tenantId,
  ...token,
  status: token.status === 'active' && token.expiresAt < now ? 'expired' : token.status,
});

export type RoleType = 'User' | 'MachineToMachine';

export interface Role {
  id: string;
  name: string;
  description: string;
  type: RoleType;
  isDefault: boolean;
}

export interface Organization {
  id: string;
  name: string;
  description: string | null;
  customData: JsonObject;
  isMfaRequired: boolean;
  branding: JsonObject;
  createdAt: number;
}

export interface OrganizationRole {
  id: string;
  name: string;
  description: string | null;
  type: RoleType;
}

export type ApplicationType = 'Traditional' | 'MachineToMachine' | 'SPA' | 'Native';

export interface Application {
  id: string;
  name: string;
  secret: string;
  description: string | null;
  type: ApplicationType;
  redirectUris: string[];
  /** Where RP-initiated logout may send the user back to; absent in data files written before it was modelled. */
  postLogoutRedirectUris: string[];
  /** Per API resource indicator, the permissions its M2M roles grant (what client credentials may get). */
  grantedScopes: Record<string, string[]>;
  /** Its machine-to-machine roles. */
  roleIds: string[];
  createdAt: number;
}

/**
 * Logto's `getConstantClientMetadata`: SPA and Native apps are public clients (`token_endpoint_auth_method:
 * none`, so PKCE is required), Traditional and M2M apps authenticate with a secret (`client_secret_basic`).
 */
export const isPublicClient = (app: Pick<Application, 'type'>) => app.type === 'SPA' || app.type === 'Native';

/** The grant types Logto allows an application of its type at the token endpoint. */
export const grantTypes = (app: Pick<Application, 'type'>) =>
  app.type === 'MachineToMachine' ? ['client_credentials'] : ['authorization_code', 'refresh_token'];

/** The fields of an application that webhook payloads carry. */
export const toApplicationSummary = ({ id, type, name, description }: Application) => ({ id, type, name, description });

export const toApplicationResponse = (app: Application) => ({
  tenantId,
  id: app.id,
  name: app.name,
  secret: app.secret,
  description: app.description,
  type: app.type,
  oidcClientMetadata: { redirectUris: app.redirectUris, postLogoutRedirectUris: app.postLogoutRedirectUris },
  customClientMetadata: {},
  protectedAppMetadata: null,
  customData: {},
  isThirdParty: false,
  createdAt: app.createdAt,
});

/**
 * A row of `application_secrets` (packages/schemas/tables/application_secrets.sql): any unexpired one
 * authenticates its app at the token endpoint, beside the app's own (legacy) `secret`.
 */
export interface ApplicationSecret {
  applicationId: string;
  /** Unique within the application. */
  name: string;
  value: string;
  createdAt: number;
  expiresAt: number | null;
}

export const toApplicationSecretResponse = (secret: ApplicationSecret) => ({ tenantId, ...secret });

export interface HookConfig {
  url: string;
  headers?: Record<string, string>;
  retries?: number;
}

export interface Hook {
  id: string;
  name: string;
  /** Deprecated single-event form, still accepted by Logto. */
  event: string | null;
  events: string[];
  config: HookConfig;
  signingKey: string;
  enabled: boolean;
  createdAt: number;
}

export const toHookResponse = (hook: Hook) => ({ tenantId, ...hook });

export type SignInMode = 'SignIn' | 'Register' | 'SignInAndRegister';
export const signInModes = ['SignIn', 'Register', 'SignInAndRegister'] as const;

export interface HookDelivery {
  hookId: string;
  event: string;
  url: string;
  /** The endpoint's HTTP status, when it answered. */
  status?: number;
  /** Why no answer came (network error, 10 s timeout). */
  error?: string;
  /** Epoch ms when the delivery finished. */
  at: number;
  payload: JsonObject;
}

export interface SigningKey {
  alg: 'ES384' | 'RS256';
  kid: string;
  privateJwk: JWK;
}

/** One `GET /oidc/auth` request, for tests to see which authentication parameters an app passed. */
export interface SignInRecord {
  clientId: string | null;
  loginHint: string | null;
  /** As given, valid or not. */
  firstScreen: string | null;
  /** Whether a `one_time_token` was given (its value is not recorded). */
  oneTimeToken: boolean;
  /** The interaction that completed, and its user. */
  interactionEvent?: InteractionEvent;
  userId?: string;
  /** Why the request was refused: a Logto error code (`user.suspended`) or an OAuth one (`invalid_client`). */
  error?: string;
  /** Epoch ms when it was answered. */
  at: number;
}

/** Everything the stand-in knows; persisted as one JSON document. */
export interface StandInState {
  version: 1;
  signingKey: SigningKey;
  signInMode: SignInMode;
  /** The sign-in experience's `passwordPolicy` as Logto stores it; absent in older data files. */
  passwordPolicy: PartialPasswordPolicy;
  users: User[];
  userRoles: Array<{ userId: string; roleId: string }>;
  roles: Role[];
  organizations: Organization[];
  organizationRoles: OrganizationRole[];
  organizationUsers: Array<{ organizationId: string; userId: string }>;
  organizationUserRoles: Array<{ organizationId: string; userId: string; organizationRoleId: string }>;
  applications: Application[];
  /** Absent in data files written before application secrets were modelled. */
  applicationSecrets: ApplicationSecret[];
  oneTimeTokens: OneTimeToken[];
  hooks: Hook[];
  hookDeliveries: HookDelivery[];
  /** Absent in data files written before sign-ins were recorded. */
  signIns: SignInRecord[];
}
