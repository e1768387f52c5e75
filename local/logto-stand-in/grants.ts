/**
 * What oidc-provider keeps for browser sign-ins (its adapter models: `Interaction`, `Session`, `Grant`,
 * `AuthorizationCode`, `RefreshToken`, opaque `AccessToken`), held in memory with oidc-provider's lifetimes
 * under Logto's configuration. Every kind is pruned of expired entries when a new one is added, so a
 * long-running stand-in does not grow without bound. A restart forgets them all (everyone signs in again);
 * JWT access and ID tokens stay verifiable since the signing key is persisted.
 */
import { randomBytes } from 'node:crypto';

import * as ids from './ids.ts';

/** oidc-provider's cookie names: the browser's session, and the pending sign-in page's interaction. */
export const cookieNames = { session: '_session', interaction: '_interaction' } as const;

/** Lifetimes in seconds: oidc-provider's defaults and Logto's `ttl` (packages/core/src/oidc/init.ts). */
export const ttl = {
  /** oidc-provider's default; Logto does not change it. */
  authorizationCode: 60,
  accessToken: 3600,
  /** `customClientMetadataDefault.idTokenTtl`. */
  idToken: 3600,
  /** `customClientMetadataDefault.refreshTokenTtlInDays` (14). */
  refreshToken: 14 * 24 * 3600,
  interaction: 3600,
  /** `defaults.sessionTtl`. */
  session: 14 * 24 * 3600,
} as const;

/** The parts of an authorization request that outlive it (in the interaction, the code and its tokens). */
export interface AuthorizationRequest {
  clientId: string;
  redirectUri: string;
  state: string | undefined;
  /** Requested scopes, deduplicated; `offline_access` already dropped when oidc-provider would drop it. */
  scopes: string[];
  /** RFC 8707 resource indicators, checked to be known API resources. */
  resources: string[];
  nonce: string | undefined;
  codeChallenge: string | undefined;
}

/** A sign-in page's pending request, found by the `_interaction` cookie. */
export interface Interaction {
  uid: string;
  request: AuthorizationRequest;
  expiresAt: number;
}

/** A user's authorization of one client, which the codes and tokens it led to share (revoked together). */
interface GrantBound {
  grantId: string;
  clientId: string;
  userId: string;
}

export interface AuthorizationCode extends GrantBound {
  redirectUri: string;
  codeChallenge: string | undefined;
  /** What was granted: the OIDC scopes and, per resource, the permissions the user held. */
  scopes: string[];
  resources: string[];
  nonce: string | undefined;
  expiresAt: number;
  consumed: boolean;
}

export interface RefreshToken extends GrantBound {
  scopes: string[];
  resources: string[];
  nonce: string | undefined;
  /** When the first token of its rotation chain was issued (epoch ms). */
  chainIssuedAt: number;
  issuedAt: number;
  expiresAt: number;
  consumed: boolean;
}

/** An access token without audience: usable at the userinfo endpoint only. */
export interface OpaqueAccessToken extends GrantBound {
  scopes: string[];
  expiresAt: number;
}

/** The browser's sign-in, found by the `_session` cookie. */
export interface Session {
  id: string;
  userId: string;
  expiresAt: number;
  /** Per client: the grant used and whether it outlives a logout (it does when `offline_access` was granted). */
  authorizations: Map<string, { grantId: string; persistsLogout: boolean }>;
}

/** The details a logout page's confirmation form refers to (oidc-provider keeps them in the session). */
export interface LogoutRequest {
  xsrf: string;
  clientId: string | undefined;
  postLogoutRedirectUri: string | undefined;
  state: string | undefined;
  expiresAt: number;
}

type Expiring = { expiresAt: number };

/** A map whose expired entries are dropped whenever one is added. */
class ExpiringMap<T extends Expiring> {
  private readonly entries = new Map<string, T>();

  add(key: string, value: T) {
    const now = Date.now();
    for (const [candidate, entry] of this.entries) if (entry.expiresAt <= now) this.entries.delete(candidate);
    this.entries.set(key, value);
  }

  /** The entry, expired or not (callers tell the two apart, as oidc-provider does). */
  get = (key: string) => this.entries.get(key);
  /** The entry unless it has expired. */
  live(key: string | undefined): T | undefined {
    const entry = key === undefined ? undefined : this.entries.get(key);
    return entry && entry.expiresAt > Date.now() ? entry : undefined;
  }
  delete = (key: string) => this.entries.delete(key);
  deleteWhere(matches: (value: T) => boolean) {
    for (const [key, value] of this.entries) if (matches(value)) this.entries.delete(key);
  }
}

/** oidc-provider's token values: 43 characters of base64url. */
const tokenValue = () => randomBytes(32).toString('base64url');
const inSeconds = (seconds: number) => Date.now() + seconds * 1000;

export class GrantStore {
  private readonly interactions = new ExpiringMap<Interaction>();
  private readonly sessions = new ExpiringMap<Session>();
  private readonly codes = new ExpiringMap<AuthorizationCode>();
  private readonly refreshTokens = new ExpiringMap<RefreshToken>();
  private readonly accessTokens = new ExpiringMap<OpaqueAccessToken>();
  private readonly logouts = new ExpiringMap<LogoutRequest>();

  startInteraction(request: AuthorizationRequest): Interaction {
    const interaction = { uid: ids.standardId(), request, expiresAt: inSeconds(ttl.interaction) };
    this.interactions.add(interaction.uid, interaction);
    return interaction;
  }

  findInteraction = (uid: string | undefined) => this.interactions.live(uid);

  endInteraction(uid: string) {
    this.interactions.delete(uid);
  }

  /** A new session for `userId` (a sign-in replaces whatever session the browser had). */
  startSession(userId: string, previous?: string): Session {
    if (previous !== undefined) this.sessions.delete(previous);
    const session: Session = { id: tokenValue(), userId, expiresAt: inSeconds(ttl.session), authorizations: new Map() };
    this.sessions.add(session.id, session);
    return session;
  }

  findSession = (id: string | undefined) => this.sessions.live(id);

  /**
   * Ends the session. Like oidc-provider's logout, it revokes the grants of its clients unless they hold
   * `offline_access` (those refresh tokens outlive the session; the SDK revokes its own before signing out).
   */
  endSession(session: Session) {
    for (const { grantId, persistsLogout } of session.authorizations.values()) if (!persistsLogout) this.revokeGrant(grantId);
    this.sessions.delete(session.id);
  }

  /**
   * Issues a code. Within a session a client keeps one grant (oidc-provider's `loadExistingGrant`);
   * without one (the one-request sign-ins) each code starts its own.
   */
  issueCode(fields: Omit<AuthorizationCode, 'grantId' | 'expiresAt' | 'consumed'>, session?: Session): string {
    const grantId = session?.authorizations.get(fields.clientId)?.grantId ?? ids.standardId();
    if (session) session.authorizations.set(fields.clientId, { grantId, persistsLogout: fields.scopes.includes('offline_access') });
    const value = tokenValue();
    this.codes.add(value, { ...fields, grantId, expiresAt: inSeconds(ttl.authorizationCode), consumed: false });
    return value;
  }

  findCode = (value: string) => this.codes.get(value);

  issueRefreshToken(fields: GrantBound & Pick<RefreshToken, 'scopes' | 'resources' | 'nonce'>, rotated?: RefreshToken): string {
    const now = Date.now();
    const value = tokenValue();
    this.refreshTokens.add(value, {
      ...fields,
      chainIssuedAt: rotated?.chainIssuedAt ?? now,
      issuedAt: now,
      // A rotated SPA refresh token keeps its predecessor's expiry (Logto's `refreshTokenTtl` default).
      expiresAt: rotated?.expiresAt ?? inSeconds(ttl.refreshToken),
      consumed: false,
    });
    return value;
  }

  findRefreshToken = (value: string) => this.refreshTokens.get(value);

  issueOpaqueAccessToken(fields: GrantBound & Pick<OpaqueAccessToken, 'scopes'>): string {
    const value = tokenValue();
    this.accessTokens.add(value, { ...fields, expiresAt: inSeconds(ttl.accessToken) });
    return value;
  }

  findOpaqueAccessToken = (value: string) => this.accessTokens.live(value);

  /** Revokes everything a grant led to: codes, refresh tokens, opaque access tokens (JWTs cannot be recalled). */
  revokeGrant(grantId: string) {
    const ofGrant = (entry: GrantBound) => entry.grantId === grantId;
    this.codes.deleteWhere(ofGrant);
    this.refreshTokens.deleteWhere(ofGrant);
    this.accessTokens.deleteWhere(ofGrant);
  }

  /** Revocation endpoint: a refresh token takes its grant with it, an access token goes alone. */
  revokeToken(value: string, clientId: string) {
    const refreshToken = this.refreshTokens.get(value);
    if (refreshToken?.clientId === clientId) return this.revokeGrant(refreshToken.grantId);
    if (this.accessTokens.get(value)?.clientId === clientId) this.accessTokens.delete(value);
  }

  startLogout(fields: Omit<LogoutRequest, 'xsrf' | 'expiresAt'>): LogoutRequest {
    const logout = { ...fields, xsrf: tokenValue(), expiresAt: inSeconds(ttl.interaction) };
    this.logouts.add(logout.xsrf, logout);
    return logout;
  }

  /** The logout the confirmation form's `xsrf` refers to, used up by the call. */
  takeLogout(xsrf: string): LogoutRequest | undefined {
    const logout = this.logouts.live(xsrf);
    this.logouts.delete(xsrf);
    return logout;
  }
}
