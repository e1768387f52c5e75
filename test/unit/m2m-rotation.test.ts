/**
 * The M2M rotation handler's four steps, run the way Secrets Manager runs them, against a local HTTP endpoint
 * speaking Secrets Manager's JSON protocol (versions and staging labels, so the real SDK client runs
 * unchanged) and the Logto stand-in over HTTP.
 */
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import { type StandIn, seed, startLogtoStandIn } from '../../local/logto-stand-in/index.ts';
import { clientCredentials } from '../support/local-stack.ts';
import { LogtoManagementClient, type M2mCredentials } from '../../lambdas/adapters/logto-management-client.ts';
import { makeM2mRotationHandler, rotatedSecretName, rotationSteps } from '../../lambdas/handlers/m2m-rotation.ts';

interface Version {
  value: string | undefined;
  stages: string[];
}

/** One secret's versions, as Secrets Manager keeps them: each staging label on at most one version. */
const versions = new Map<string, Version>();
const secretId = 'arn:aws:secretsmanager:eu-central-1:123456789012:secret:m2m-AbCdEf';
let failNextPut = false;
let server: Server;
let endpoint: string;

const takeLabel = (label: string) => {
  for (const version of versions.values()) version.stages = version.stages.filter((stage) => stage !== label);
};
const versionWith = (label: string) => [...versions.entries()].find(([, version]) => version.stages.includes(label));

class AwsError extends Error {
  constructor(
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

function secretsManager(operation: string, input: Record<string, any>): unknown {
  if (input.SecretId !== secretId) throw new AwsError('ResourceNotFoundException', "Secrets Manager can't find the specified secret.");
  switch (operation) {
    case 'DescribeSecret':
      return {
        ARN: secretId,
        Name: 'm2m',
        RotationEnabled: true,
        VersionIdsToStages: Object.fromEntries([...versions].filter(([, v]) => v.stages.length > 0).map(([id, v]) => [id, v.stages])),
      };
    case 'GetSecretValue': {
      const found = input.VersionId ? [input.VersionId, versions.get(input.VersionId)] : versionWith(input.VersionStage ?? 'AWSCURRENT');
      const [id, version] = (found ?? []) as [string?, Version?];
      if (!id || !version || version.value === undefined || (input.VersionStage && !version.stages.includes(input.VersionStage))) {
        throw new AwsError('ResourceNotFoundException', "Secrets Manager can't find the specified secret value.");
      }
      return { ARN: secretId, Name: 'm2m', VersionId: id, SecretString: version.value, VersionStages: version.stages };
    }
    case 'PutSecretValue': {
      if (failNextPut) {
        failNextPut = false;
        throw new AwsError('InternalServiceError', 'injected');
      }
      const existing = versions.get(input.ClientRequestToken);
      if (existing?.value !== undefined) {
        if (existing.value !== input.SecretString) throw new AwsError('ResourceExistsException', 'version exists with another value');
        return { ARN: secretId, VersionId: input.ClientRequestToken, VersionStages: existing.stages };
      }
      const stages: string[] = input.VersionStages ?? ['AWSCURRENT'];
      stages.forEach(takeLabel);
      versions.set(input.ClientRequestToken, { value: input.SecretString, stages });
      return { ARN: secretId, VersionId: input.ClientRequestToken, VersionStages: stages };
    }
    case 'UpdateSecretVersionStage': {
      const holder = versionWith(input.VersionStage);
      if (holder && holder[0] !== input.RemoveFromVersionId && holder[0] !== input.MoveToVersionId) {
        throw new AwsError('InvalidParameterException', `${input.VersionStage} is on another version`);
      }
      const target = versions.get(input.MoveToVersionId);
      if (!target) throw new AwsError('ResourceNotFoundException', 'no such version');
      if (input.VersionStage === 'AWSCURRENT' && holder && holder[0] !== input.MoveToVersionId) {
        takeLabel('AWSPREVIOUS');
        holder[1].stages.push('AWSPREVIOUS');
      }
      takeLabel(input.VersionStage);
      target.stages.push(input.VersionStage);
      return { ARN: secretId, Name: 'm2m' };
    }
    default:
      throw new AwsError('InvalidRequestException', `not modelled: ${operation}`);
  }
}

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      const operation = String(req.headers['x-amz-target']).replace('secretsmanager.', '');
      res.setHeader('content-type', 'application/x-amz-json-1.1');
      try {
        const output = JSON.stringify(secretsManager(operation, JSON.parse(body)));
        res.writeHead(200).end(output);
      } catch (error) {
        const { type, message } = error as AwsError;
        res.writeHead(type === 'InternalServiceError' ? 500 : 400).end(JSON.stringify({ __type: type, message }));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise((resolve) => server.close(resolve)));

let logto: StandIn;
const logs: unknown[] = [];

beforeEach(async () => {
  logto = await startLogtoStandIn({ port: 0 });
  versions.clear();
  logs.length = 0;
  failNextPut = false;
  versions.set('v0', { value: JSON.stringify({ appId: seed.m2mApp.id, appSecret: seed.m2mApp.secret }), stages: ['AWSCURRENT'] });
});

afterEach(async () => {
  await logto.close();
});

const logtoAs = (credentials: M2mCredentials) =>
  new LogtoManagementClient({
    endpoint: logto.url,
    apiIndicator: seed.managementApiResource,
    credentials: async () => credentials,
    retry: { attempts: 1 },
  });

let handler: ReturnType<typeof makeM2mRotationHandler>;

// The endpoint is known once the server listens.
beforeAll(() => {
  handler = makeM2mRotationHandler({
    secretsManager: new SecretsManagerClient({
      endpoint,
      region: 'eu-central-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      maxAttempts: 1,
    }),
    logtoAs,
    log: {
      info: (message, ...extra) => logs.push(['info', message, ...extra]),
      warn: (message, ...extra) => logs.push(['warn', message, ...extra]),
      error: (message, ...extra) => logs.push(['error', message, ...extra]),
    },
  });
});

const step = (name: (typeof rotationSteps)[number], token: string) =>
  handler({ SecretId: secretId, ClientRequestToken: token, Step: name });

/** What RotateSecret does: an empty AWSPENDING version for the token, then the four steps in order. */
async function rotate(token: string, between: Partial<Record<(typeof rotationSteps)[number], () => Promise<void>>> = {}) {
  takeLabel('AWSPENDING');
  versions.set(token, { value: undefined, stages: ['AWSPENDING'] });
  for (const name of rotationSteps) {
    await step(name, token);
    await between[name]?.();
  }
  // Secrets Manager removes AWSPENDING once finishSecret has succeeded.
  versions.get(token)!.stages = versions.get(token)!.stages.filter((stage) => stage !== 'AWSPENDING');
}

const stored = (label: string): M2mCredentials => JSON.parse(versionWith(label)![1].value!) as M2mCredentials;

async function getsToken({ appId, appSecret }: M2mCredentials): Promise<boolean> {
  const { status } = await clientCredentials(logto.url, { appId, appSecret, resource: seed.managementApiResource, scope: 'all' });
  return status === 200;
}

const admin = () => logtoAs({ appId: seed.m2mApp.id, appSecret: seed.m2mApp.secret });
const logtoSecretNames = async () =>
  ((await admin().request('GET', `/api/applications/${seed.m2mApp.id}/secrets`)) as Array<{ name: string }>).map((secret) => secret.name);

describe('M2M secret rotation through Logto', () => {
  it('makes the new credentials current, keeps the previous ones working, and never logs a secret value', async () => {
    // Act
    await rotate('token-1');
    // Assess
    const current = stored('AWSCURRENT');
    expect(versionWith('AWSCURRENT')![0]).toBe('token-1');
    expect(versionWith('AWSPREVIOUS')![0]).toBe('v0');
    expect(current.appId).toBe(seed.m2mApp.id);
    expect(current.appSecret).not.toBe(seed.m2mApp.secret);
    expect(await getsToken(current)).toBe(true);
    expect(await getsToken(stored('AWSPREVIOUS'))).toBe(true);
    expect(await logtoSecretNames()).toEqual([rotatedSecretName('token-1')]);
    const logged = JSON.stringify(logs);
    expect(logged).not.toContain(current.appSecret);
    expect(logged).not.toContain(seed.m2mApp.secret);
    // The seeded app authenticates with a legacy secret, which this API cannot delete: the log says so.
    expect(logs.some((entry) => (entry as string[])[0] === 'warn' && String((entry as string[])[1]).includes('legacy secret'))).toBe(true);
  });

  it('deletes at Logto the secrets older than the previous one, keeping CURRENT and PREVIOUS valid', async () => {
    await rotate('token-1');
    const first = stored('AWSCURRENT');
    await rotate('token-2');
    // PREVIOUS (token-1) must stay valid: warm functions may still hold it.
    expect(await logtoSecretNames()).toEqual([rotatedSecretName('token-1'), rotatedSecretName('token-2')]);
    expect(await getsToken(first)).toBe(true);

    await rotate('token-3');

    expect(await logtoSecretNames()).toEqual([rotatedSecretName('token-2'), rotatedSecretName('token-3')]);
    expect(await getsToken(first)).toBe(false);
    expect(await getsToken(stored('AWSPREVIOUS'))).toBe(true);
    expect(await getsToken(stored('AWSCURRENT'))).toBe(true);
  });

  it('creates nothing twice when a step is retried, even after Logto created the secret and storing it failed', async () => {
    takeLabel('AWSPENDING');
    versions.set('token-1', { value: undefined, stages: ['AWSPENDING'] });
    failNextPut = true;

    await expect(step('createSecret', 'token-1')).rejects.toThrow();
    await step('createSecret', 'token-1');
    const pending = versions.get('token-1')!.value;
    await step('createSecret', 'token-1');
    await step('setSecret', 'token-1');
    await step('testSecret', 'token-1');
    await step('finishSecret', 'token-1');
    await step('finishSecret', 'token-1');

    expect(versions.get('token-1')!.value).toBe(pending);
    expect(await logtoSecretNames()).toEqual([rotatedSecretName('token-1')]);
    expect(versionWith('AWSCURRENT')![0]).toBe('token-1');
    expect(versionWith('AWSPREVIOUS')![0]).toBe('v0');
    expect(await getsToken(stored('AWSCURRENT'))).toBe(true);
  });

  it('leaves AWSCURRENT untouched when the new credentials fail the test', async () => {
    const before = versions.get('v0')!.value;
    const rotation = rotate('token-1', {
      // Logto loses the new secret between creation and test.
      setSecret: async () => {
        await admin().request('DELETE', `/api/applications/${seed.m2mApp.id}/secrets/${rotatedSecretName('token-1')}`);
      },
    });

    await expect(rotation).rejects.toThrow();

    expect(versionWith('AWSCURRENT')).toEqual(['v0', { value: before, stages: ['AWSCURRENT'] }]);
    expect(versionWith('AWSPREVIOUS')).toBeUndefined();
    expect(await getsToken(stored('AWSCURRENT'))).toBe(true);
  });

  it('refuses a version that is not pending, and an unfilled current secret, naming no value', async () => {
    await expect(step('createSecret', 'unknown-token')).rejects.toThrow(/not staged for rotation/);
    versions.set('v0', { value: JSON.stringify({ appId: '', appSecret: '' }), stages: ['AWSCURRENT'] });
    versions.set('token-1', { value: undefined, stages: ['AWSPENDING'] });
    await expect(step('createSecret', 'token-1')).rejects.toThrow(/appId, appSecret/);
  });
});
