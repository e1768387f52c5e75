import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createLocalJWKSet, exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createAccessTokenVerifier, type AccessTokenVerifier } from '../../lambdas/adapters/access-token-verifier.ts';
import { AppError } from '../../lambdas/domain/errors.ts';

const audience = 'https://invitations.local/api';

interface SigningKey {
  kid: string;
  alg: string;
  privateKey: CryptoKey;
  publicJwk: JWK;
}

const makeKey = async (alg: string, kid: string): Promise<SigningKey> => {
  const { privateKey, publicKey } = await generateKeyPair(alg);
  return { kid, alg, privateKey, publicJwk: { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' } };
};

let jwksUrl: string;
let issuer: string;
let jwksFetches = 0;
let closeServer: () => Promise<void>;
let ecKey: SigningKey;
let rsaKey: SigningKey;
let verifier: AccessTokenVerifier;

beforeAll(async () => {
  ecKey = await makeKey('ES384', 'ec-1');
  rsaKey = await makeKey('RS256', 'rsa-1');
  const server = createServer((request, response) => {
    if (request.url === '/oidc/jwks') {
      jwksFetches += 1;
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ keys: [ecKey.publicJwk, rsaKey.publicJwk] }));
      return;
    }
    response.writeHead(404);
    response.end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  issuer = `${base}/oidc`;
  jwksUrl = `${base}/oidc/jwks`;
  closeServer = async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  verifier = createAccessTokenVerifier({ issuer, audience });
});

afterAll(async () => {
  await closeServer();
});

const sign = async (
  key: SigningKey,
  overrides: {
    claims?: Record<string, unknown>;
    header?: Record<string, unknown>;
    expiresIn?: string | number;
    issuer?: string;
    audience?: string;
  } = {},
) =>
  new SignJWT({ scope: 'invitations:read invitations:write', client_id: 'admin-app', ...overrides.claims })
    .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'at+jwt', ...overrides.header })
    .setIssuer(overrides.issuer ?? issuer)
    .setAudience(overrides.audience ?? audience)
    .setSubject('user-1')
    .setIssuedAt()
    .setExpirationTime(overrides.expiresIn ?? '1h')
    .sign(key.privateKey);

const failure = async (promise: Promise<unknown>) => {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(AppError);
  return error as AppError;
};

describe('createAccessTokenVerifier', () => {
  it('accepts a valid ES384 token (Logto default keys) and reads subject, client and scopes', async () => {
    // Prepare
    const token = await sign(ecKey);

    // Act
    const caller = await verifier.verify(`Bearer ${token}`, 'invitations:write');

    // Assess
    expect(caller.subject).toBe('user-1');
    expect(caller.clientId).toBe('admin-app');
    expect(caller.scopes).toEqual(['invitations:read', 'invitations:write']);
    expect(caller.claims.aud).toBe(audience);
  });

  it('accepts a valid RS256 token', async () => {
    // Prepare
    const token = await sign(rsaKey);

    // Act
    const caller = await verifier.verify(`bearer ${token}`, 'invitations:read');

    // Assess
    expect(caller.subject).toBe('user-1');
  });

  it('fetches the JWKS once and serves later verifications from its cache', async () => {
    // Prepare
    const fresh = createAccessTokenVerifier({ issuer, audience, jwksUrl });
    const before = jwksFetches;

    // Act
    await fresh.verify(`Bearer ${await sign(ecKey)}`, 'invitations:read');
    await fresh.verify(`Bearer ${await sign(rsaKey)}`, 'invitations:read');

    // Assess
    expect(jwksFetches - before).toBe(1);
  });

  it('rejects an expired token with auth.token_expired', async () => {
    // Prepare
    const token = await sign(ecKey, { expiresIn: Math.floor(Date.now() / 1000) - 60 });

    // Act
    const error = await failure(verifier.verify(`Bearer ${token}`, 'invitations:read'));

    // Assess
    expect(error).toMatchObject({ code: 'auth.token_expired', status: 401 });
    expect(error.message).not.toContain(token);
  });

  it('rejects a token for another audience', async () => {
    // Prepare
    const token = await sign(ecKey, { audience: 'https://default.logto.app/api' });

    // Act
    const error = await failure(verifier.verify(`Bearer ${token}`, 'invitations:read'));

    // Assess
    expect(error).toMatchObject({ code: 'auth.invalid_token', status: 401 });
    expect(error.message).toContain('aud');
  });

  it('rejects a token from another issuer', async () => {
    // Prepare
    const token = await sign(ecKey, { issuer: 'https://evil.example.com/oidc' });

    // Act
    const error = await failure(verifier.verify(`Bearer ${token}`, 'invitations:read'));

    // Assess
    expect(error).toMatchObject({ code: 'auth.invalid_token', status: 401 });
    expect(error.message).toContain('iss');
  });

  it('rejects a token whose signature does not match the published key', async () => {
    // Prepare
    const impostor = await makeKey('ES384', ecKey.kid);
    const token = await sign(impostor);

    // Act
    const error = await failure(verifier.verify(`Bearer ${token}`, 'invitations:read'));

    // Assess
    expect(error).toMatchObject({ code: 'auth.invalid_token', status: 401 });
    expect(error.message).not.toContain(token);
  });

  it('rejects a token signed with a key the JWKS does not hold', async () => {
    // Prepare
    const stranger = await makeKey('ES384', 'unknown-kid');
    const token = await sign(stranger);

    // Act
    const error = await failure(verifier.verify(`Bearer ${token}`, 'invitations:read'));

    // Assess
    expect(error).toMatchObject({ code: 'auth.invalid_token', status: 401 });
    expect(error.message).toContain('unknown key');
  });

  it('rejects a JWT that is not an access token (typ JWT, as ID tokens carry)', async () => {
    // Prepare
    const token = await sign(ecKey, { header: { typ: 'JWT' } });

    // Act
    const error = await failure(verifier.verify(`Bearer ${token}`, 'invitations:read'));

    // Assess
    expect(error).toMatchObject({ code: 'auth.invalid_token', status: 401 });
  });

  it('rejects an HMAC-signed token even when its secret is known to the caller', async () => {
    // Prepare
    const token = await new SignJWT({ scope: 'invitations:read' })
      .setProtectedHeader({ alg: 'HS256', typ: 'at+jwt' })
      .setIssuer(issuer)
      .setAudience(audience)
      .setSubject('user-1')
      .setExpirationTime('1h')
      .sign(new TextEncoder().encode('a-shared-secret-of-enough-length!!'));

    // Act
    const error = await failure(verifier.verify(`Bearer ${token}`, 'invitations:read'));

    // Assess
    expect(error).toMatchObject({ code: 'auth.invalid_token', status: 401 });
  });

  it('asks for a token when the header is missing', async () => {
    // Act
    const error = await failure(verifier.verify(undefined, 'invitations:read'));

    // Assess
    expect(error).toMatchObject({ code: 'auth.missing_token', status: 401 });
  });

  it('refuses a Basic header without echoing it', async () => {
    // Prepare
    const header = `Basic ${Buffer.from('admin:hunter2').toString('base64')}`;

    // Act
    const error = await failure(verifier.verify(header, 'invitations:read'));

    // Assess
    expect(error).toMatchObject({ code: 'auth.invalid_authorization_header', status: 401 });
    expect(error.message).not.toContain(header.slice(6));
  });

  it('refuses a malformed bearer token', async () => {
    // Act
    const error = await failure(verifier.verify('Bearer not-a-jwt', 'invitations:read'));

    // Assess
    expect(error).toMatchObject({ code: 'auth.invalid_token', status: 401 });
  });

  it('answers 403 auth.forbidden naming the scope a valid token lacks', async () => {
    // Prepare
    const token = await sign(ecKey, { claims: { scope: 'invitations:read' } });

    // Act
    const error = await failure(verifier.verify(`Bearer ${token}`, 'invitations:write'));

    // Assess
    expect(error).toMatchObject({ code: 'auth.forbidden', status: 403, details: { requiredScope: 'invitations:write' } });
  });

  it('reports unreachable signing keys as 503, not as a bad token', async () => {
    // Prepare
    const offline = createAccessTokenVerifier({ issuer, audience, jwksUrl: 'http://127.0.0.1:9/oidc/jwks' });

    // Act
    const error = await failure(offline.verify(`Bearer ${await sign(ecKey)}`, 'invitations:read'));

    // Assess
    expect(error).toMatchObject({ code: 'auth.jwks_unavailable', status: 503 });
  });

  it('uses an injected key getter instead of the remote JWKS', async () => {
    // Prepare
    const local = createAccessTokenVerifier({ issuer, audience, jwks: createLocalJWKSet({ keys: [rsaKey.publicJwk] }) });

    // Act
    const caller = await local.verify(`Bearer ${await sign(rsaKey)}`, 'invitations:read');
    const error = await failure(local.verify(`Bearer ${await sign(ecKey)}`, 'invitations:read'));

    // Assess
    expect(caller.subject).toBe('user-1');
    expect(error.status).toBe(401);
  });
});
