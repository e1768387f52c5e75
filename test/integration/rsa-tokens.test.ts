/**
 * A Logto tenant that rotated its signing keys to RSA (`signingKeyAlgorithm: RSA`): the API accepts its
 * RS256 access tokens just as it accepts the default ES384 ones.
 */
import { decodeProtectedHeader } from 'jose';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startLocalStack, type LocalStack } from '../../local/stack.ts';
import { adminToken, client } from '../support/local-stack.ts';

let stack: LocalStack;

beforeAll(async () => {
  stack = await startLocalStack({ standInSigningAlg: 'RS256', logLevel: 'SILENT' });
});

afterAll(async () => {
  await stack?.close();
});

it('creates and reads invitations with RS256 admin tokens', async () => {
  // Prepare
  const token = await adminToken(stack);
  expect(decodeProtectedHeader(token).alg).toBe('RS256');
  const admin = client(stack.apiUrl, token);
  // Act
  const created = await admin.post('/v1/invitations', { email: 'rsa@example.com', notify: false });
  const read = await admin.get(`/v1/invitations/${created.body.id}`);
  // Assess
  expect(created.status).toBe(201);
  expect(read.body.email).toBe('rsa@example.com');
  expect((await client(stack.apiUrl, await adminToken(stack, { scope: 'invitations:read' })).post('/v1/invitations', { email: 'x@example.com' })).status).toBe(403);
});
