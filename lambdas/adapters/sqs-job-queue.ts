/** The job queue in AWS: SQS with a dead-letter queue; the jobs Lambda drains it. */
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { UpstreamError } from '../domain/errors.ts';
import type { Job, JobQueue } from '../domain/ports.ts';

/** SQS caps a message's delay at 15 minutes. */
const maxDelaySeconds = 900;

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
}
