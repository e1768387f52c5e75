/**
 * Faults by share (the knobs `STANDIN_FAULTS` and `SES_FAULTS` turn in `npm start`): the stand-in and the
 * local SES fail or slow a seeded share of the calls they match, and the whole pipeline, run under them,
 * still sends every invitation exactly once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalStack, type LocalStack } from '../../local/stack.ts';
import { adminToken, clearLogtoFaults, client, inbox, injectLogtoFault, managementToken } from '../support/local-stack.ts';

let stack: LocalStack;

beforeAll(async () => {
  stack = await startLocalStack({
    jobDelayScale: 0,
    logLevel: 'SILENT',
    sesEventDelayMs: 0,
    // Pacing has its own test (batches.test.ts): here SES and Logto allow more than the machine can send.
    sesMaxSendRate: 1000,
    env: { LOGTO_REQUESTS_PER_SECOND: '1000' },
    standInFaults: [
      { method: 'POST', pathPrefix: '/api/one-time-tokens', status: 500, share: 0.1, seed: 11 },
      { method: 'GET', pathPrefix: '/api/users', status: 429, share: 0.05, seed: 12 },
      { pathPrefix: '/api/', delayMs: 40, share: 0.2, seed: 13 },
    ],
    sesFaults: [
      { status: 429, share: 0.1, seed: 21 },
      { status: 503, share: 0.05, seed: 22 },
      { delayMs: 30, share: 0.2, seed: 23 },
    ],
  });
});

afterAll(async () => {
  await stack?.close();
});

describe('faults by share', () => {
  it("fails the seeded share of the stand-in's matching calls, the same ones for the same seed", async () => {
    // Prepare
    const token = await managementToken(stack);
    const pattern = async () => {
      await injectLogtoFault(stack, { method: 'GET', pathPrefix: '/api/roles', status: 500, share: 0.5, seed: 7 } as never);
      const statuses: number[] = [];
      for (let i = 0; i < 40; i += 1) statuses.push((await fetch(`${stack.logtoUrl}/api/roles`, { headers: { authorization: `Bearer ${token}` } })).status);
      await clearLogtoFaults(stack);
      return statuses;
    };

    // Act
    const first = await pattern();
    const second = await pattern();

    // Assess
    const failed = first.filter((status) => status === 500).length;
    expect(failed).toBeGreaterThan(8);
    expect(failed).toBeLessThan(32);
    expect(second).toEqual(first);
  });

  it('fails the local SES for a share of sends, and clears', async () => {
    // Prepare
    await fetch(`${stack.sesUrl}/__ses/faults`, { method: 'POST', body: JSON.stringify({ status: 429, count: 1 }) });
    const admin = client(stack.apiUrl, await adminToken(stack));

    // Act: the first send meets the throttle and is queued; the queue sends it
    const created = await admin.post('/v1/invitations', { email: 'throttled-once@example.com' });
    const queued = created.body.delivery;
    // The stack's own share faults may throttle a retry too: the queue retries until it is out.
    for (let round = 0; round < 20 && stack.jobs.pending.length > 0; round += 1) await stack.jobs.runDue(true);
    const after = (await admin.get(`/v1/invitations/${created.body.id}`)).body.delivery;

    // Assess
    expect(queued).toMatchObject({ status: 'queued', lastError: 'ses.throttled' });
    expect(after).toMatchObject({ sendCount: 1 });
    expect(await inbox(stack, 'throttled-once@example.com')).toHaveLength(1);
  });

  it('sends every invitation exactly once through failing and slow Logto and SES calls', async () => {
    // Prepare
    const admin = client(stack.apiUrl, await adminToken(stack));
    const emails = Array.from({ length: 30 }, (_, i) => `under-faults-${i}@example.com`);

    // Act: create (a 503 before anything is stored is retried with the same key), then drain the queue
    const ids: string[] = [];
    for (const email of emails) {
      for (let attempt = 0; ; attempt += 1) {
        const reply = await fetch(`${stack.apiUrl}/v1/invitations`, {
          method: 'POST',
          headers: { authorization: `Bearer ${await adminToken(stack)}`, 'content-type': 'application/json', 'idempotency-key': `faults-${email}` },
          body: JSON.stringify({ email, reminder: false }),
        });
        if (reply.status === 201) {
          ids.push(((await reply.json()) as { id: string }).id);
          break;
        }
        expect(reply.status).toBe(503);
        expect(attempt).toBeLessThan(5);
      }
    }
    for (let round = 0; round < 30 && stack.jobs.pending.length > 0; round += 1) await stack.jobs.runDue(true);
    await stack.ses.idle();

    // Assess
    expect(stack.jobs.pending).toEqual([]);
    for (const [i, id] of ids.entries()) {
      const invitation = (await admin.get(`/v1/invitations/${id}`)).body;
      expect(invitation.delivery.sendCount, emails[i]).toBe(1);
      expect(['sent', 'delivered'], emails[i]).toContain(invitation.delivery.status);
      expect(await inbox(stack, emails[i]!), emails[i]).toHaveLength(1);
      const sends = ((await admin.get(`/v1/invitations/${id}/events`)).body as { type: string }[]).filter((event) => event.type === 'sent');
      expect(sends, emails[i]).toHaveLength(1);
    }
  }, 120_000);
});

describe('a bulk of 1,000 under faults', () => {
  it('is sent exactly once per invitation, though Logto and SES fail a share of calls and every job is delivered three times', async () => {
    // Prepare
    const admin = client(stack.apiUrl, await adminToken(stack));
    const emails = Array.from({ length: 1000 }, (_, i) => `bulk-${i}@example.com`);

    // Act: the batch (a 503 is retried with the same key: the same batch), then the queue drained with
    // each of its deliveries queued twice more, as SQS may deliver a message more than once.
    let reply: Awaited<ReturnType<typeof admin.post>>;
    for (let attempt = 0; ; attempt += 1) {
      reply = await admin.post('/v1/invitations/batch', { invitations: emails.map((email) => ({ email, reminder: false })) }, { 'idempotency-key': 'bulk-under-faults' });
      if (reply.status === 202) break;
      expect(reply.status).toBe(503);
      expect(attempt).toBeLessThan(5);
    }
    const deliveries = (reply.body.invitations as { id: string }[]).map(({ id }) => ({ kind: 'deliver' as const, invitationId: id, send: 1 }));
    await stack.jobs.enqueueAll([...deliveries, ...deliveries]);
    for (let round = 0; round < 40 && stack.jobs.pending.length > 0; round += 1) await stack.jobs.runDue(true);
    await stack.ses.idle();

    // Assess: nothing lost, nothing twice
    expect(reply.body).toMatchObject({ rows: 1000, accepted: 1000, rejected: [] });
    expect(stack.jobs.pending).toEqual([]);
    const progress = (await admin.get(`/v1/invitations/batches/${reply.body.batchId}`)).body;
    expect(progress).toMatchObject({ progress: { queued: 0, sent: 1000, failed: 0 }, done: true });
    const store = (await (await fetch(`${stack.sesUrl}/store`)).json()) as { emails: { destination: { to: string[] } }[] };
    const received = new Map<string, number>();
    for (const mail of store.emails) for (const to of mail.destination.to) received.set(to, (received.get(to) ?? 0) + 1);
    expect(emails.filter((email) => received.get(email) !== 1)).toEqual([]);
  }, 300_000);
});

describe('a send the job queue gives up on', () => {
  let small: LocalStack;

  beforeAll(async () => {
    small = await startLocalStack({ jobDelayScale: 0, logLevel: 'SILENT', jobMaxReceives: 3, sesFaults: [{ status: 503, count: 4 }] });
  });

  afterAll(async () => {
    await small?.close();
  });

  it('reads failed (not queued for ever) once its last attempt failed, and is dead-lettered; a resend then works', async () => {
    // Prepare: SES fails the request's send and the queue's three attempts
    const admin = client(small.apiUrl, await adminToken(small));
    const created = await admin.post('/v1/invitations', { email: 'given-up@example.com', reminder: false });

    // Act
    for (let round = 0; round < 5 && small.jobs.pending.length > 0; round += 1) await small.jobs.runDue(true);
    const given = (await admin.get(`/v1/invitations/${created.body.id}`)).body;
    const resent = await admin.post(`/v1/invitations/${created.body.id}/resend`);

    // Assess
    expect(created.body.delivery.status).toBe('queued');
    expect(small.jobs.pending).toEqual([]);
    expect(small.jobs.dead.map((message) => message.job)).toEqual([{ kind: 'deliver', invitationId: created.body.id, send: 1 }]);
    expect(given.delivery).toMatchObject({ status: 'failed', sendCount: 0, lastError: 'delivery.retries_exhausted:ses.unavailable' });
    const events = (await admin.get(`/v1/invitations/${created.body.id}/events`)).body as { type: string; data?: Record<string, unknown> }[];
    expect(events.filter((event) => event.type === 'delivery_failed').at(-1)?.data).toMatchObject({ error: 'delivery.retries_exhausted:ses.unavailable', send: 1 });
    expect(resent.status).toBe(200);
    expect(resent.body.delivery).toMatchObject({ status: 'sent', sendCount: 1 });
    expect(await inbox(small, 'given-up@example.com')).toHaveLength(1);
  });
});
