/**
 * A batch whose request dies after storing rows but before queueing their emails (here: SQS refusing the
 * SendMessageBatch) still sends every email, once: the batch queued its `redrive-batch` job before storing
 * anything, and that job, finding no batch record (the request never finished), queues the first sends again.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalStack, type LocalStack } from '../../local/stack.ts';
import { adminToken, client, inbox } from '../support/local-stack.ts';

let stack: LocalStack;

beforeAll(async () => {
  stack = await startLocalStack({ jobDelayScale: 0, logLevel: 'SILENT', sesEventDelayMs: 0 });
});

afterAll(async () => {
  await stack?.close();
});

const drain = async () => {
  for (let round = 0; round < 5 && stack.jobs.pending.length > 0; round++) await stack.jobs.runDue(true);
};

describe('a batch whose request died before queueing its emails', () => {
  it('sends each stored row its email once, through the redrive job', async () => {
    // Prepare: the queue's own consumer stopped (the test drives it), and SQS refusing the first group's emails
    await stack.jobs.stop();
    const admin = client(stack.apiUrl, await adminToken(stack));
    const emails = Array.from({ length: 12 }, (_, i) => `redrive-${i}@example.com`);
    stack.jobs.refuseNextBatchSends(1);

    // Act: the batch fails mid-way; later the queue runs what it holds
    const reply = await admin.post('/v1/invitations/batch', { invitations: emails.map((email) => ({ email })) });
    const stored = (await admin.get('/v1/invitations?limit=100')).body.data.filter((invitation: { email: string }) => emails.includes(invitation.email));
    const heldJobs = stack.jobs.pending.map((message) => message.job.kind);
    await drain();

    // Assess: the rows that were stored got one email each, and nothing is left queued
    expect(reply.status).toBeGreaterThanOrEqual(500);
    expect(stored.length).toBeGreaterThan(0);
    expect(heldJobs).toContain('redrive-batch');
    for (const invitation of stored) expect((await inbox(stack, invitation.email)).length, invitation.email).toBe(1);
    for (const invitation of stored) expect((await admin.get(`/v1/invitations/${invitation.id}`)).body.delivery.status).not.toBe('queued');
    expect(stack.jobs.pending).toHaveLength(0);
    expect(stack.jobs.dead).toHaveLength(0);
  });

  it('does nothing more for a batch that finished: it queued its emails itself', async () => {
    // Prepare
    await stack.jobs.stop();
    const admin = client(stack.apiUrl, await adminToken(stack));
    const emails = ['finished-1@example.com', 'finished-2@example.com'];

    // Act
    const reply = await admin.post('/v1/invitations/batch', { invitations: emails.map((email) => ({ email })) });
    const before = stack.jobs.pending.map((message) => message.job.kind).sort();
    await stack.jobs.runDue(true);
    const after = stack.jobs.pending.length;

    // Assess: two deliveries queued by the batch, its redrive ran beside them and queued nothing, one email each
    expect(reply.status).toBe(202);
    expect(before).toEqual(['deliver', 'deliver', 'redrive-batch']);
    expect(after).toBe(0);
    for (const email of emails) expect((await inbox(stack, email)).length, email).toBe(1);
    expect(stack.jobs.pending).toHaveLength(0);
  });
});
