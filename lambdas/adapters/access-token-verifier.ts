/**
 * Verifies the Logto access tokens that admin callers present to our API. Logto signs with EC keys by
 * default (ES384), which API Gateway's JWT authorizer cannot check, so verification happens here, against
 * Logto's JWKS (fetched on first use, cached, refetched for an unknown `kid` after a cooldown).
 */
import {
  createRemoteJWKSet,
  errors,
  jwtVerify,
  type JWTPayload,
  type JWTVerifyGetKey,
} from 'jose';

import { AppError, UpstreamError } from '../domain/errors.ts';

/** Every algorithm Logto can sign with (EC and RSA keys); `none` and HMAC are never accepted. */
const acceptedAlgorithms = ['ES256', 'ES384', 'ES512', 'RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512'];

export interface AccessTokenVerifierOptions {
  /** Logto's issuer: `{LOGTO_ENDPOINT}/oidc`. */
  issuer: string;
  /** Our API resource indicator, which Logto puts in `aud`. */
  audience: string;
  /** @default `${issuer}/jwks` */
  jwksUrl?: string;
  /** A key getter replacing the remote JWKS (tests). */
  jwks?: JWTVerifyGetKey;
  /** @default 5 */
  clockToleranceSeconds?: number;
  /**
   * Required `typ` header. Logto access tokens carry `at+jwt` (RFC 9068); requiring it keeps ID tokens
   * and other JWTs out. `false` skips the check. @default 'at+jwt'
   */
  typ?: string | false;
}

export interface VerifiedCaller {
  /** `sub`: the user id, or the M2M app id for client-credentials tokens. */
  subject: string;
  clientId?: string;
  scopes: string[];
  claims: JWTPayload;
}

export interface AccessTokenVerifier {
  /**
   * Throws `AppError` 401 (`auth.missing_token`, `auth.invalid_authorization_header`, `auth.invalid_token`,
   * `auth.token_expired`), 403 `auth.forbidden` with `{ requiredScope }`, or `UpstreamError`
   * `auth.jwks_unavailable` (503) when Logto's keys cannot be fetched. Messages never include the token.
   */
  verify(authorizationHeader: string | undefined, requiredScope: string): Promise<VerifiedCaller>;
}

const bearerPattern = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;

export function createAccessTokenVerifier(options: AccessTokenVerifierOptions): AccessTokenVerifier {
  // Module-lifetime cache: one JWKS fetch per cold start, plus refetches for keys it has not seen.
  const keys =
    options.jwks ??
    createRemoteJWKSet(new URL(options.jwksUrl ?? `${options.issuer.replace(/\/+$/, '')}/jwks`), {
      cooldownDuration: 30_000,
      cacheMaxAge: 10 * 60_000,
      timeoutDuration: 3000,
    });
  const typ = options.typ ?? 'at+jwt';

  return {
    async verify(authorizationHeader, requiredScope) {
      if (authorizationHeader === undefined || authorizationHeader.trim() === '') {
        throw new AppError('auth.missing_token', 401, 'An Authorization header with a Bearer token is required.');
      }
      const token = bearerPattern.exec(authorizationHeader)?.[1];
      if (token === undefined) {
        throw new AppError('auth.invalid_authorization_header', 401, 'The Authorization header must be "Bearer <access token>".');
      }

      let payload: JWTPayload;
      try {
        ({ payload } = await jwtVerify(token, keys, {
          issuer: options.issuer,
          audience: options.audience,
          algorithms: acceptedAlgorithms,
          clockTolerance: options.clockToleranceSeconds ?? 5,
          requiredClaims: ['exp', 'sub'],
          ...(typ === false ? {} : { typ }),
        }));
      } catch (error) {
        throw toAuthError(error);
      }

      const scopes = typeof payload.scope === 'string' ? payload.scope.split(' ').filter(Boolean) : [];
      if (!scopes.includes(requiredScope)) {
        throw new AppError('auth.forbidden', 403, `The access token lacks the scope ${requiredScope}.`, { requiredScope });
      }
      return {
        subject: payload.sub as string,
        ...(typeof payload.client_id === 'string' ? { clientId: payload.client_id } : {}),
        scopes,
        claims: payload,
      };
    },
  };
}

const toAuthError = (error: unknown): AppError => {
  if (error instanceof errors.JWTExpired) {
    return new AppError('auth.token_expired', 401, 'The access token has expired.');
  }
  if (error instanceof errors.JWTClaimValidationFailed) {
    // `claim` names the failing claim (iss, aud, nbf, ...); jose's messages never quote the token.
    return new AppError('auth.invalid_token', 401, `The access token was rejected: invalid ${error.claim} claim.`);
  }
  if (error instanceof errors.JWKSTimeout || isJwksFetchFailure(error)) {
    return new UpstreamError('auth.jwks_unavailable', 'Logto signing keys could not be fetched.');
  }
  if (error instanceof errors.JWKSNoMatchingKey || error instanceof errors.JWKSMultipleMatchingKeys) {
    return new AppError('auth.invalid_token', 401, 'The access token was signed with an unknown key.');
  }
  if (error instanceof errors.JOSEError) {
    return new AppError('auth.invalid_token', 401, 'The access token is malformed or its signature is invalid.');
  }
  return new AppError('auth.invalid_token', 401, 'The access token could not be verified.');
};

/** A JWKS endpoint that cannot be reached, answers other than 200, or serves no valid key set. */
const isJwksFetchFailure = (error: unknown): boolean =>
  error instanceof errors.JWKSInvalid ||
  (error instanceof errors.JOSEError && error.code === 'ERR_JOSE_GENERIC' && /JSON Web Key Set/i.test(error.message)) ||
  (error instanceof TypeError && error.message === 'fetch failed');
