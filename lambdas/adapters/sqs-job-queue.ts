/** The job queue in AWS: SQS with a dead-letter queue; the jobs Lambda drains it. */
import { SendMessageBatchCommand, SendMessageCommand, type SendMessageBatchRequestEntry, type SQSClient } from '@aws-sdk/client-sqs';
import { UpstreamError } from '../domain/errors.ts';
import type { Job, JobQueue } from '../domain/ports.ts';

/** SQS caps a message's delay at 15 minutes. */
const maxDelaySeconds = 900;
/** SQS's most messages per SendMessageBatch. */
const batchLimit = 10;

export class SqsJobQueue implements JobQueue {
  constructor(private readonly options: { client: SQSClient; queueUrl: string }) {}

  async enqueue(job: Job, delaySeconds = 0): Promise<void> {
    try {
      await this.options.client.send(
        new SendMessageCommand({
          QueueUrl: this.options.queueUrl,
          MessageBody: JSON.stringify(job),
          DelaySeconds: Math.min(Math.max(Math.round(delaySeconds), 0), maxDelaySeconds),
        }),
      );
    } catch (error) {
      throw new UpstreamError('queue.unavailable', `Could not queue the ${job.kind} job: ${(error as Error).name}`);
    }
  }

  /** Ten a call; entries SQS failed one by one are sent once more, and then it is an `UpstreamError`. */
  async enqueueAll(jobs: readonly Job[]): Promise<void> {
    for (let start = 0; start < jobs.length; start += batchLimit) {
      let entries: SendMessageBatchRequestEntry[] = jobs.slice(start, start + batchLimit).map((job, i) => ({ Id: String(i), MessageBody: JSON.stringify(job) }));
      for (let round = 0; entries.length > 0; round += 1) {
        let failed: string[];
        try {
          const answer = await this.options.client.send(new SendMessageBatchCommand({ QueueUrl: this.options.queueUrl, Entries: entries }));
          failed = (answer.Failed ?? []).map((entry) => entry.Id!);
        } catch (error) {
          throw new UpstreamError('queue.unavailable', `Could not queue ${entries.length} jobs: ${(error as Error).name}`);
        }
        if (failed.length > 0 && round > 0) throw new UpstreamError('queue.unavailable', `SQS refused ${failed.length} of the jobs twice.`);
        entries = entries.filter((entry) => failed.includes(entry.Id!));
      }
    }
  }
}
