/**
 * The deploy-time Logto wiring (the custom resource's onEvent handler) against the Logto stand-in over
 * HTTP, with the signing key stored in memory and a small HTTP receiver standing in for the webhook route.
 */
import { createHmac } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

import { LogtoManagementClient } from '../../lambdas/adapters/logto-management-client.ts';
import { makeLogtoWiringHandler, type LogtoWiringProperties } from '../../lambdas/handlers/logto-wiring.ts';
import { seed, startLogtoStandIn, type StandIn } from '../../local/logto-stand-in/index.ts';
import { client, managementToken } from '../support/local-stack.ts';

interface Delivery {
  path: string;
  signature: string | undefined;
  body: string;
}

let standIn: StandIn;
let receiver: Server;
let receiverUrl: string;
const deliveries: Delivery[] = [];
let logto: ReturnType<typeof client>;

beforeAll(async () => {
  standIn = await startLogtoStandIn({ port: 0 });
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      deliveries.push({
        path: req.url ?? '',
        signature: req.headers['logto-signature-sha-256'] as string | undefined,
        body: Buffer.concat(chunks).toString('utf8'),
      });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
  logto = client(standIn.url, await managementToken({ logtoUrl: standIn.url }));
});

afterEach(async () => {
  await fetch(`${standIn.url}/__standin/faults`, { method: 'DELETE' });
  for (const hook of (await logto.get('/api/hooks')).body as { id: string }[]) {
    await fetch(`${standIn.url}/api/hooks/${hook.id}`, { method: 'DELETE', headers: { authorization: `Bearer ${await managementToken({ logtoUrl: standIn.url })}` } });
  }
  await patch('/api/sign-in-exp', { signInMode: 'SignInAndRegister' });
  deliveries.length = 0;
});

afterAll(async () => {
  await standIn?.close();
  await new Promise<void>((resolve) => (receiver ? receiver.close(() => resolve()) : resolve()));
});

async function patch(path: string, body: unknown) {
  const response = await fetch(`${standIn.url}${path}`, {
    method: 'PATCH',
    headers: { authorization: `Bearer ${await managementToken({ logtoUrl: standIn.url })}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  expect(response.status).toBe(200);
}

interface Hook {
  id: string;
  name: string;
  events: string[];
  config: { url: string };
  enabled: boolean;
  signingKey: string;
}

/** A URL nothing listens at. */
async function closedPort(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}

const hooksAtLogto = async () => (await logto.get('/api/hooks')).body as Hook[];
const signInMode = async () => (await logto.get('/api/sign-in-exp')).body.signInMode as string;

/** The handler over the stand-in, a key store that records what it was given, and a log that records everything. */
function setUp(options: { endpoint?: string; storeFails?: boolean; timeoutMs?: number; whileStoring?: () => Promise<void> } = {}) {
  const stored: string[] = [];
  const logs: string[] = [];
  const record = (level: string) => (message: string, ...extra: Record<string, unknown>[]) => {
    logs.push(JSON.stringify({ level, message, extra }));
  };
  const handler = makeLogtoWiringHandler({
    api: new LogtoManagementClient({
      endpoint: options.endpoint ?? standIn.url,
      apiIndicator: seed.managementApiResource,
      credentials: async () => ({ appId: seed.m2mApp.id, appSecret: seed.m2mApp.secret }),
      retry: { attempts: 3, budgetMs: 4000 },
      sleep: async () => undefined,
      ...(options.timeoutMs !== undefined && { timeoutMs: options.timeoutMs }),
    }),
    storeSigningKey: async (signingKey) => {
      if (options.storeFails) throw new Error('AccessDeniedException: not allowed to put the secret value');
      await options.whileStoring?.();
      stored.push(signingKey);
    },
    log: { info: record('info'), warn: record('warn'), error: record('error') },
    logtoEndpoint: options.endpoint ?? standIn.url,
    recheckDelayMs: 800,
  });
  return { handler, stored, logs };
}

const properties = (overrides: Partial<LogtoWiringProperties> = {}) => ({
  ServiceToken: 'arn:aws:lambda:eu-west-1:123456789012:function:provider',
  webhookUrl: `${receiverUrl}/v1/webhooks/logto`,
  hookName: 'logto-invitations (test stack)',
  events: ['PostRegister', 'User.Created', 'PostSignIn'],
  disableRegistration: 'false',
  ...overrides,
});

const create = (props = properties()) => ({ RequestType: 'Create', RequestId: 'r1', ResourceProperties: props });
const update = (physicalId: string, props = properties(), old = properties()) => ({
  RequestType: 'Update',
  PhysicalResourceId: physicalId,
  ResourceProperties: props,
  OldResourceProperties: old,
});
const remove = (physicalId: string) => ({ RequestType: 'Delete', PhysicalResourceId: physicalId, ResourceProperties: properties() });

describe('Logto wiring custom resource against the Logto stand-in', () => {
  it('creates an enabled hook for the three events, stores its signing key and returns only its id', async () => {
    // Prepare
    const { handler, stored, logs } = setUp();

    // Act
    const result = await handler(create());

    // Assess
    const hooks = await hooksAtLogto();
    expect(hooks).toHaveLength(1);
    const [hook] = hooks as [Hook];
    expect(result).toEqual({ PhysicalResourceId: hook.id, Data: { HookId: hook.id } });
    expect(hook).toMatchObject({ name: 'logto-invitations (test stack)', enabled: true, config: { url: `${receiverUrl}/v1/webhooks/logto` } });
    expect([...hook.events].sort()).toEqual(['PostRegister', 'PostSignIn', 'User.Created']);
    expect(stored.at(-1)).toBe(hook.signingKey);
    expect(JSON.stringify(result)).not.toContain(hook.signingKey);
    expect(logs.join('\n')).not.toContain(hook.signingKey);
    expect(logs.join('\n')).not.toContain(seed.m2mApp.secret);
  });

  it('enables a new hook only once its key is stored, so no delivery is signed with a key the receiver lacks', async () => {
    // Prepare
    const seenWhileStoring: boolean[] = [];
    const { handler } = setUp({
      whileStoring: async () => {
        seenWhileStoring.push(...(await hooksAtLogto()).map((hook) => hook.enabled));
      },
    });

    // Act
    await handler(create());

    // Assess
    expect(seenWhileStoring).toEqual([false]);
    expect((await hooksAtLogto())[0]?.enabled).toBe(true);
  });

  it('switches the tenant to signInMode SignIn when asked, and leaves it alone when not', async () => {
    // Prepare
    const { handler } = setUp();

    // Act
    await handler(create(properties({ disableRegistration: 'false' })));
    const untouched = await signInMode();
    await handler(update((await hooksAtLogto())[0]!.id, properties({ disableRegistration: 'true' })));
    const switched = await signInMode();

    // Assess
    expect(untouched).toBe('SignInAndRegister');
    expect(switched).toBe('SignIn');
  });

  it('updates the same hook when the URL changes: same physical id, no second hook, same key', async () => {
    // Prepare
    const { handler, stored } = setUp();
    const created = await handler(create());
    const newUrl = `${receiverUrl}/v2/webhooks/logto`;

    // Act
    const updated = await handler(update(created.PhysicalResourceId, properties({ webhookUrl: newUrl, hookName: 'renamed' })));

    // Assess
    const hooks = await hooksAtLogto();
    expect(updated.PhysicalResourceId).toBe(created.PhysicalResourceId);
    expect(hooks).toHaveLength(1);
    expect(hooks[0]).toMatchObject({ id: created.PhysicalResourceId, name: 'renamed', config: { url: newUrl }, enabled: true });
    expect(new Set(stored)).toEqual(new Set([hooks[0]!.signingKey]));
  });

  it('re-creates the hook when the one it had vanished, returning the new id (CloudFormation then deletes the old one)', async () => {
    // Prepare
    const { handler, stored } = setUp();
    const created = await handler(create());
    await handler(remove(created.PhysicalResourceId));

    // Act
    const updated = await handler(update(created.PhysicalResourceId));
    const oldDeleted = await handler(remove(created.PhysicalResourceId));

    // Assess
    const hooks = await hooksAtLogto();
    expect(hooks).toHaveLength(1);
    expect(updated.PhysicalResourceId).toBe(hooks[0]!.id);
    expect(updated.PhysicalResourceId).not.toBe(created.PhysicalResourceId);
    expect(oldDeleted.PhysicalResourceId).toBe(created.PhysicalResourceId);
    expect(stored.at(-1)).toBe(hooks[0]!.signingKey);
  });

  it('keeps one hook when Create runs again (a retried deployment)', async () => {
    // Prepare
    const { handler } = setUp();
    const first = await handler(create());

    // Act
    const second = await handler(create());

    // Assess
    expect(second.PhysicalResourceId).toBe(first.PhysicalResourceId);
    expect(await hooksAtLogto()).toHaveLength(1);
  });

  it('does not take over another stack\'s hook that only shares the name', async () => {
    // Prepare
    const { handler } = setUp();
    const other = await handler(create(properties({ webhookUrl: `${receiverUrl}/other-stack` })));

    // Act
    const mine = await handler(create());

    // Assess
    const hooks = await hooksAtLogto();
    expect(mine.PhysicalResourceId).not.toBe(other.PhysicalResourceId);
    expect(hooks.find((hook) => hook.id === other.PhysicalResourceId)?.config.url).toBe(`${receiverUrl}/other-stack`);
    expect(hooks).toHaveLength(2);
  });

  it('deletes the hook; a second delete succeeds; registration stays closed', async () => {
    // Prepare
    const { handler } = setUp();
    const created = await handler(create(properties({ disableRegistration: 'true' })));

    // Act
    const first = await handler(remove(created.PhysicalResourceId));
    const second = await handler(remove(created.PhysicalResourceId));

    // Assess
    expect(await hooksAtLogto()).toHaveLength(0);
    expect(first).toEqual({ PhysicalResourceId: created.PhysicalResourceId, Data: { HookId: created.PhysicalResourceId } });
    expect(second.PhysicalResourceId).toBe(created.PhysicalResourceId);
    expect(await signInMode()).toBe('SignIn');
  });

  it('answers the Delete that follows a failed Create without calling Logto', async () => {
    // Prepare
    const { handler } = setUp({ endpoint: await closedPort() });

    // Act
    const result = await handler(remove('AWSCDK::CustomResourceProviderFramework::CREATE_FAILED'));

    // Assess
    expect(result.PhysicalResourceId).toBe('AWSCDK::CustomResourceProviderFramework::CREATE_FAILED');
  });

  it('stores the key Logto signs deliveries with: a User.Created delivery verifies with it', async () => {
    // Prepare
    const { handler, stored } = setUp();
    await handler(create());

    // Act
    const user = await logto.post('/api/users', { primaryEmail: 'wired@example.com' });
    await standIn.idle();

    // Assess
    expect(user.status).toBe(200);
    const delivery = deliveries.find((candidate) => JSON.parse(candidate.body).event === 'User.Created');
    expect(delivery?.path).toBe('/v1/webhooks/logto');
    const expected = createHmac('sha256', stored.at(-1)!).update(delivery!.body).digest('hex');
    expect(delivery?.signature).toBe(expected);
  });

  it('finds the hook a timed-out create made instead of creating a second one', async () => {
    // Prepare: Logto creates the hook, but only after the client gave up waiting
    const { handler, stored, logs } = setUp({ timeoutMs: 300 });
    await fetch(`${standIn.url}/__standin/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ method: 'POST', pathPrefix: '/api/hooks', delayMs: 500, count: 1 }),
    });

    // Act
    const result = await handler(create());

    // Assess
    const hooks = await hooksAtLogto();
    expect(hooks).toHaveLength(1);
    expect(hooks[0]).toMatchObject({ id: result.PhysicalResourceId, enabled: true });
    expect(stored.at(-1)).toBe(hooks[0]!.signingKey);
    expect(logs.some((line) => line.includes('outcome unknown'))).toBe(true);
  });

  it('removes the hook it created when storing the key fails, and says which step failed', async () => {
    // Prepare
    const { handler } = setUp({ storeFails: true });

    // Act
    const outcome = handler(create());

    // Assess
    await expect(outcome).rejects.toThrow(/Create failed: could not store the signing key of webhook \w+ .*AccessDeniedException/);
    expect(await hooksAtLogto()).toHaveLength(0);
  });

  it('fails with a clear message when Logto is down', async () => {
    // Prepare
    const { handler } = setUp();
    await fetch(`${standIn.url}/__standin/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ pathPrefix: '/oidc/token', status: 503, count: 10 }),
    });

    // Act
    const outcome = handler(create());

    // Assess
    await expect(outcome).rejects.toThrow(
      new RegExp(`^Create failed: could not register the webhook .* \\(Logto ${standIn.url}\\): Logto is unreachable or failing \\(.*HTTP 503.*\\) Check the Logto endpoint`),
    );
    expect(await hooksAtLogto()).toHaveLength(0);
  });

  it('fails with a clear message when nothing listens at the Logto endpoint, also on Delete', async () => {
    // Prepare
    const endpoint = await closedPort();
    const { handler } = setUp({ endpoint });

    // Act
    const created = await handler(create()).catch((error: unknown) => error);
    const deleted = await handler(remove('some-hook-id')).catch((error: unknown) => error);

    // Assess
    expect(String(created)).toMatch(/Logto is unreachable or failing \(.*ECONNREFUSED.*\) Check the Logto endpoint/);
    expect(String(deleted)).toContain(`Delete failed: could not remove the webhook some-hook-id (Logto ${endpoint}): Logto is unreachable`);
  });

  it('names the bad properties of a malformed event', async () => {
    // Prepare
    const { handler } = setUp();

    // Act
    const outcome = handler({ RequestType: 'Create', ResourceProperties: { webhookUrl: 'not a url' } });

    // Assess
    await expect(outcome).rejects.toThrow(/ResourceProperties\.webhookUrl.*ResourceProperties\.hookName/);
  });
});
