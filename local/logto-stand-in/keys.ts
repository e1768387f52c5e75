import { randomUUID } from 'node:crypto';

import {
  type CryptoKey,
  type JWK,
  type JWTPayload,
  calculateJwkThumbprint,
  compactVerify,
  exportJWK,
  generateKeyPair,
  importJWK,
  jwtVerify,
  SignJWT,
} from 'jose';

import type { SigningKey } from './model.ts';

/** Creates a key pair like Logto's OIDC private key (EC P-384 by default, or RSA). */
export async function generateSigningKey(alg: SigningKey['alg']): Promise<SigningKey> {
  const { privateKey } = await generateKeyPair(alg, { extractable: true });
  const privateJwk = await exportJWK(privateKey);
  return { alg, kid: await calculateJwkThumbprint(privateJwk), privateJwk };
}

export interface AccessTokenClaims {
  clientId: string;
  /** A user's id for a user's token; the client's own id (client credentials) when absent. */
  subject?: string;
  audience: string;
  /** Space-separated permissions; omitted from the token when empty, like oidc-provider. */
  scope: string | undefined;
}

/** Signs access tokens the way Logto (oidc-provider) does and verifies the ones it issued. */
export class TokenSigner {
  private constructor(
    private readonly key: SigningKey,
    private readonly privateKey: CryptoKey,
    private readonly publicKey: CryptoKey,
    readonly issuer: string,
  ) {}

  static async create(key: SigningKey, issuer: string) {
    const { d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, ...publicJwk } = key.privateJwk;
    const [privateKey, publicKey] = await Promise.all([
      importJWK(key.privateJwk, key.alg) as Promise<CryptoKey>,
      importJWK(publicJwk, key.alg) as Promise<CryptoKey>,
    ]);
    return new TokenSigner(key, privateKey, publicKey, issuer);
  }

  get publicJwk(): JWK {
    const { kty, crv, x, y, n, e } = this.key.privateJwk;
    const material = kty === 'EC' ? { kty, crv, x, y } : { kty, n, e };
    return { ...material, kid: this.key.kid, alg: this.key.alg, use: 'sig' };
  }

  async sign({ clientId, subject, audience, scope }: AccessTokenClaims, expiresIn: number): Promise<string> {
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({ jti: randomUUID(), sub: subject ?? clientId, client_id: clientId, ...(scope ? { scope } : {}) })
      .setProtectedHeader({ alg: this.key.alg, typ: 'at+jwt', kid: this.key.kid })
      .setIssuedAt(now)
      .setExpirationTime(now + expiresIn)
      .setIssuer(this.issuer)
      .setAudience(audience)
      .sign(this.privateKey);
  }

  /**
   * An ID token as oidc-provider issues one at the token endpoint: header `{alg, kid}` (no `typ`), `aud` the
   * client, `sub` the user; the user claims and `nonce` come in `claims`.
   */
  async signIdToken(claims: JWTPayload & { sub: string }, clientId: string, expiresIn: number): Promise<string> {
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT(claims)
      .setProtectedHeader({ alg: this.key.alg, kid: this.key.kid })
      .setIssuedAt(now)
      .setExpirationTime(now + expiresIn)
      .setIssuer(this.issuer)
      .setAudience(clientId)
      .sign(this.privateKey);
  }

  /**
   * An `id_token_hint` as oidc-provider's end-session endpoint validates it: signed by us, from this issuer,
   * for `clientId`; an expired one is still a good hint.
   */
  async verifyIdTokenHint(token: string, clientId: string): Promise<JWTPayload> {
    const { payload } = await compactVerify(token, this.publicKey);
    const claims = JSON.parse(new TextDecoder().decode(payload)) as JWTPayload;
    if (claims.iss !== this.issuer || claims.aud !== clientId) throw new Error('id_token_hint is not from this issuer for this client');
    return claims;
  }

  /** Throws (jose's error) unless the token is ours, unexpired and meant for `audience`. */
  async verify(token: string, audience: string): Promise<JWTPayload> {
    const { payload } = await jwtVerify(token, this.publicKey, { issuer: this.issuer, audience });
    return payload;
  }
}
