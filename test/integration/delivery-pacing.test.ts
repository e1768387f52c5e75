/**
 * The job queue's pacing counts sends, not messages: a delivery takes its turn once it has claimed its
 * send, so a redelivered duplicate (SQS delivers at least once) or a send already settled takes none, and
 * the queue keeps to the rate SES and Logto allow with every turn a real email.
 */
import type { SQSEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeJobsHandler } from '../../lambdas/handlers/jobs.ts';
import type { Job } from '../../lambdas/domain/ports.ts';
import { startLocalStack, type LocalStack } from '../../local/stack.ts';
import { adminToken, client, inbox } from '../support/local-stack.ts';

let stack: LocalStack;

beforeAll(async () => {
  stack = await startLocalStack({ jobDelayScale: 0, logLevel: 'SILENT', sesEventDelayMs: 0 });
});

afterAll(async () => {
  await stack?.close();
});

const sqsEvent = (jobs: readonly Job[]): SQSEvent => ({
  Records: jobs.map((job, i) => ({
    messageId: `m-${i}`,
    receiptHandle: `r-${i}`,
    body: JSON.stringify(job),
    attributes: { ApproximateReceiveCount: '1', SentTimestamp: '0', SenderId: 'local', ApproximateFirstReceiveTimestamp: '0' },
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:local:000000000000:jobs',
    awsRegion: 'local',
  })),
});

describe('pacing the queued sends', () => {
  it('takes one turn per email: duplicates of a delivery, and deliveries already sent, take none', async () => {
    // Prepare: a batch whose first emails wait in the queue (the queue's own consumer is stopped)
    await stack.jobs.stop();
    const admin = client(stack.apiUrl, await adminToken(stack));
    const emails = ['paced-1@example.com', 'paced-2@example.com', 'paced-3@example.com'];
    const reply = await admin.post('/v1/invitations/batch', { invitations: emails.map((email) => ({ email })) });
    const deliveries = stack.jobs.pending.map((message) => message.job).filter((job) => job.kind === 'deliver');
    let turns = 0;
    const handler = makeJobsHandler({
      invitations: stack.service.invitations,
      pacer: { take: async () => void (turns += 1) },
      log: { info: () => undefined, warn: () => undefined, error: () => undefined },
      maxReceives: 8,
    });

    // Act: every delivery three times over, as a queue delivering at least once may hand them over; then all again
    const first = await handler(sqsEvent([...deliveries, ...deliveries, ...deliveries]));
    const turnsFirst = turns;
    const second = await handler(sqsEvent(deliveries));

    // Assess
    expect(reply.body.accepted).toBe(3);
    expect(deliveries).toHaveLength(3);
    expect(first.batchItemFailures).toEqual([]);
    expect(second.batchItemFailures).toEqual([]);
    expect(turnsFirst).toBe(3);
    expect(turns).toBe(3);
    for (const email of emails) expect((await inbox(stack, email)).length, email).toBe(1);
  });
});
