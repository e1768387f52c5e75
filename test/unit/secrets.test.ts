/**
 * SecretsManagerSecrets against a local HTTP endpoint speaking Secrets Manager's JSON protocol
 * (GetSecretValue), so the real SDK client and Powertools' provider run unchanged.
 */
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SecretsManagerSecrets } from '../../lambdas/adapters/secrets.ts';
import { AppError, UpstreamError } from '../../lambdas/domain/errors.ts';

const secrets = new Map<string, string>();
const calls: string[] = [];
let down = false;
let server: Server;
let endpoint: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      const { SecretId } = JSON.parse(body) as { SecretId: string };
      calls.push(`${req.headers['x-amz-target']} ${SecretId}`);
      res.setHeader('content-type', 'application/x-amz-json-1.1');
      if (down) {
        res.writeHead(500).end(JSON.stringify({ __type: 'InternalServiceError', message: 'down' }));
      } else if (!secrets.has(SecretId)) {
        res.writeHead(400).end(JSON.stringify({ __type: 'ResourceNotFoundException', message: 'no such secret' }));
      } else {
        res.writeHead(200).end(JSON.stringify({ ARN: `arn:${SecretId}`, Name: SecretId, SecretString: secrets.get(SecretId), VersionId: 'v1' }));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise((resolve) => server.close(resolve)));

beforeEach(() => {
  secrets.clear();
  calls.length = 0;
  down = false;
});

const make = () =>
  new SecretsManagerSecrets({
    m2mSecretId: 'm2m',
    webhookSecretId: 'hook',
    client: new SecretsManagerClient({
      endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      maxAttempts: 1,
    }),
  });

describe('SecretsManagerSecrets', () => {
  it('reads both secrets once and serves them from the cache afterwards', async () => {
    // Prepare
    secrets.set('m2m', JSON.stringify({ appId: 'app', appSecret: 'shh' }));
    secrets.set('hook', JSON.stringify({ signingKey: 'key-1' }));
    const subject = make();
    // Act
    const first = await subject.m2mCredentials();
    await subject.m2mCredentials();
    const key = await subject.webhookSigningKey();
    await subject.webhookSigningKey();
    // Assess
    expect(first).toEqual({ appId: 'app', appSecret: 'shh' });
    expect(key).toBe('key-1');
    expect(calls).toEqual(['secretsmanager.GetSecretValue m2m', 'secretsmanager.GetSecretValue hook']);
  });

  it('reads the signing key again when asked for a fresh one (a key rotated at Logto)', async () => {
    secrets.set('hook', JSON.stringify({ signingKey: 'key-1' }));
    const subject = make();
    expect(await subject.webhookSigningKey()).toBe('key-1');
    secrets.set('hook', JSON.stringify({ signingKey: 'key-2' }));
    expect(await subject.webhookSigningKey()).toBe('key-1');
    expect(await subject.webhookSigningKey({ fresh: true })).toBe('key-2');
    expect(await subject.webhookSigningKey()).toBe('key-2');
    expect(calls).toHaveLength(2);
  });

  it('names the secret and the bad fields, never the value, when the shape is wrong', async () => {
    secrets.set('m2m', JSON.stringify({ appId: 'app', secret: 'very-secret-value' }));
    const error = await make().m2mCredentials().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe('secrets.invalid');
    expect((error as AppError).message).toContain('m2m');
    expect((error as AppError).message).toContain('appSecret');
    expect((error as AppError).message).not.toContain('very-secret-value');
  });

  it('does not quote a secret that is not JSON', async () => {
    secrets.set('hook', 'plain-signing-key-value');
    const error = (await make().webhookSigningKey().catch((e: unknown) => e)) as AppError;
    expect(error.code).toBe('secrets.invalid');
    expect(error.message).not.toContain('plain-signing-key-value');
  });

  it('reports Secrets Manager failing as a retryable upstream error', async () => {
    down = true;
    const error = await make().m2mCredentials().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UpstreamError);
    expect((error as UpstreamError).code).toBe('secrets.unavailable');
  });
});
