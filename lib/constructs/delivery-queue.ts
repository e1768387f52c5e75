import { Duration } from 'aws-cdk-lib';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { ServiceFunction } from './service-function.ts';

export interface DeliveryQueueProps {
  /** The timeout of the function that drains the queue: the visibility timeout is derived from it. */
  readonly consumerTimeout: Duration;
  /** Receives before a job is parked in the dead-letter queue. */
  readonly maxReceiveCount: number;
}

export interface DrainOptions {
  /** Jobs per invocation; the handler runs them one after the other. */
  readonly batchSize: number;
  /** Concurrent invocations at most (SQS event sources allow 2 to 1000). */
  readonly maxConcurrency: number;
}

/**
 * The job queue: deliveries and grants that must happen eventually (lambdas/adapters/sqs-job-queue.ts).
 *
 * Creates `Queue` and `DeadLetterQueue` (both SSE-SQS encrypted, TLS enforced by their queue policies). The
 * visibility timeout is 6 times the consumer's timeout plus a minute (AWS's advice for Lambda consumers: a
 * message is not handed out again while an invocation may still be working on it); it is also the back-off
 * before a failed job is retried. After `maxReceiveCount` receives a job moves to the dead-letter queue, kept
 * 14 days, from where `StartMessageMoveTask` (console: "Start DLQ redrive") sends it back.
 */
export class DeliveryQueue extends Construct {
  readonly queue: sqs.Queue;
  readonly deadLetterQueue: sqs.Queue;
  private readonly consumerTimeout: Duration;

  constructor(scope: Construct, id: string, props: DeliveryQueueProps) {
    super(scope, id);
    this.consumerTimeout = props.consumerTimeout;
    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetterQueue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    this.queue = new sqs.Queue(this, 'Queue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      visibilityTimeout: Duration.seconds(props.consumerTimeout.toSeconds() * 6 + 60),
      retentionPeriod: Duration.days(4),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: props.maxReceiveCount },
    });
  }

  /**
   * Has `fn` drain the queue, reporting per-message failures (`batchItemFailures`), so one failed job does
   * not re-run the others of its batch.
   */
  drainWith(fn: ServiceFunction, options: DrainOptions): void {
    if (fn.timeout && fn.timeout.toSeconds() > this.consumerTimeout.toSeconds()) {
      throw new Error(`The job queue's visibility timeout was sized for a ${this.consumerTimeout.toSeconds()} s consumer; ${fn.node.path} runs up to ${fn.timeout.toSeconds()} s.`);
    }
    fn.addEventSource(
      new SqsEventSource(this.queue, {
        batchSize: options.batchSize,
        maxConcurrency: options.maxConcurrency,
        reportBatchItemFailures: true,
      }),
    );
  }
}
