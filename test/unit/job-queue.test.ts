/**
 * The local job queue behaves like SQS with a Lambda consumer: failed items come back after a backoff,
 * a throwing handler fails the whole batch, the dead-letter list catches what keeps failing, and the
 * queue survives a restart through its file.
 */
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { LocalJobQueue } from '../../local/job-queue.ts';

const job = (invitationId: string) => ({ kind: 'grant' as const, invitationId });
const ids = (event: SQSEvent) => event.Records.map((record) => (JSON.parse(record.body) as { invitationId: string }).invitationId);

describe('LocalJobQueue', () => {
  it('runs due jobs, retries reported failures, and dead-letters after maxReceives', async () => {
    // Prepare
    const queue = new LocalJobQueue({ delayScale: 0, maxReceives: 2 });
    const seen: string[][] = [];
    queue.start(async (event): Promise<SQSBatchResponse> => {
      seen.push(ids(event));
      return { batchItemFailures: event.Records.filter((r) => r.body.includes('bad')).map((r) => ({ itemIdentifier: r.messageId })) };
    });
    queue.stop();
    await queue.enqueue(job('good'));
    await queue.enqueue(job('bad'));
    // Act
    await queue.runDue(true);
    await queue.runDue(true);
    await queue.runDue(true);
    // Assess
    expect(seen).toEqual([['good', 'bad'], ['bad']]);
    expect(queue.pending).toHaveLength(0);
    expect(queue.dead.map((m) => (m.job as { invitationId: string }).invitationId)).toEqual(['bad']);
  });

  it('keeps the whole batch when the handler throws', async () => {
    const queue = new LocalJobQueue({ delayScale: 0 });
    let calls = 0;
    queue.start(async () => {
      calls += 1;
      if (calls === 1) throw new Error('crash');
      return { batchItemFailures: [] };
    });
    queue.stop();
    await queue.enqueue(job('a'));
    await queue.runDue(true);
    expect(queue.pending.map((m) => (m.job as { invitationId: string }).invitationId)).toEqual(['a']);
    await queue.runDue(true);
    expect(queue.pending).toHaveLength(0);
  });

  it('hands due jobs over in batches, a few batches at once, as an SQS event source does', async () => {
    // Prepare
    const queue = new LocalJobQueue({ delayScale: 0, batchSize: 3, maxConcurrency: 2 });
    const sizes: number[] = [];
    let running = 0;
    let most = 0;
    queue.start(async (event) => {
      sizes.push(event.Records.length);
      most = Math.max(most, (running += 1));
      await new Promise((resolve) => setTimeout(resolve, 20));
      running -= 1;
      return { batchItemFailures: [] };
    });
    queue.stop();
    await queue.enqueueAll(Array.from({ length: 8 }, (_, i) => job(`j${i}`)));

    // Act
    await queue.runDue(true);

    // Assess
    expect(sizes).toEqual([3, 3, 2]);
    expect(most).toBe(2);
    expect(queue.pending).toHaveLength(0);
  });

  it('waits for a job delay, and keeps queued jobs across a restart', async () => {
    // Prepare
    const directory = mkdtempSync(join(tmpdir(), 'jobs-'));
    onTestFinished(() => rmSync(directory, { recursive: true, force: true }));
    const file = join(directory, 'jobs.json');
    const first = new LocalJobQueue({ file });
    await first.enqueue(job('later'), 3600);
    await first.enqueueAll([job('burst-1'), job('burst-2')]);
    // Writes are coalesced: the burst is on disk a moment later, and at the latest when the queue stops.
    await first.stop();
    const handled: string[] = [];
    // Act
    const second = new LocalJobQueue({ file });
    second.start(async (event) => {
      handled.push(...ids(event));
      return { batchItemFailures: [] };
    });
    second.stop();
    await second.runDue();
    // Assess
    expect(handled).toEqual(['burst-1', 'burst-2']);
    expect(second.pending.map((m) => (m.job as { invitationId: string }).invitationId)).toEqual(['later']);
    await second.runDue(true);
    expect(handled).toEqual(['burst-1', 'burst-2', 'later']);
  });
});
