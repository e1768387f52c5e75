/**
 * The local job queue: what SQS and its dead-letter queue do in AWS. Jobs wait for their delay, run
 * through the same jobs handler as SQS batches, are retried with exponential backoff when the handler
 * reports them failed, and move to a dead-letter list after `maxReceives`. Due jobs go to the handler in
 * batches, a few at once, as an SQS event source with a maximum concurrency sends them. Kept in a JSON
 * file so restarting the local stack loses no job.
 */
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { UpstreamError } from '../lambdas/domain/errors.ts';
import type { Job, JobQueue } from '../lambdas/domain/ports.ts';

interface Message {
  id: string;
  job: Job;
  dueAt: number;
  receives: number;
}

export interface LocalJobQueueOptions {
  /** Where queued jobs survive a restart; in memory only when absent. */
  file?: string;
  /** Multiplies every delay: 0 runs retries at once (tests), 1 is real time. */
  delayScale?: number;
  maxReceives?: number;
  pollMs?: number;
  /** Messages per handler call, and handler calls at once: the event source's batch size and maximum concurrency. */
  batchSize?: number;
  maxConcurrency?: number;
}

export class LocalJobQueue implements JobQueue {
  private messages: Message[] = [];
  readonly dead: Message[] = [];
  private timer: NodeJS.Timeout | undefined;
  private saving: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private handler: ((event: SQSEvent) => Promise<SQSBatchResponse>) | undefined;

  constructor(private readonly options: LocalJobQueueOptions = {}) {
    if (options.file) {
      try {
        const saved = JSON.parse(readFileSync(options.file, 'utf8')) as { messages: Message[]; dead: Message[] };
        this.messages = saved.messages;
        this.dead.push(...saved.dead);
      } catch {
        // No file yet: an empty queue.
      }
    }
  }

  private get scale() {
    return this.options.delayScale ?? 1;
  }

  async enqueue(job: Job, delaySeconds = 0): Promise<void> {
    this.messages.push({ id: randomUUID(), job, dueAt: Date.now() + delaySeconds * 1000 * this.scale, receives: 0 });
    this.save();
  }

  private refusedBatchSends = 0;

  /** Fault injection: the next `count` SendMessageBatch calls (`enqueueAll`) fail as they do when SQS is unavailable. */
  refuseNextBatchSends(count: number): void {
    this.refusedBatchSends = count;
  }

  async enqueueAll(jobs: readonly Job[]): Promise<void> {
    if (this.refusedBatchSends > 0) {
      this.refusedBatchSends -= 1;
      throw new UpstreamError('queue.unavailable', `Could not queue ${jobs.length} jobs: ServiceUnavailable`);
    }
    const now = Date.now();
    this.messages.push(...jobs.map((job) => ({ id: randomUUID(), job, dueAt: now, receives: 0 })));
    this.save();
  }

  /** Starts polling: the local equivalent of the SQS event source mapping. */
  start(handler: (event: SQSEvent) => Promise<SQSBatchResponse>): void {
    this.handler = handler;
    this.timer = setInterval(() => void this.runDue(), this.options.pollMs ?? 1000);
    this.timer.unref();
  }

  /** Stops polling; resolves once a batch still running has ended. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
    if (this.saving) this.saveNow();
  }

  get pending(): readonly Message[] {
    return this.messages;
  }

  /** Runs every job that is due now (or, with `all`, every queued job regardless of its delay). */
  async runDue(all = false): Promise<void> {
    if (this.running) return this.running;
    this.running = this.runOnce(all).finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async runOnce(all: boolean): Promise<void> {
    if (!this.handler) throw new Error('LocalJobQueue: start() it with a handler first');
    const now = Date.now();
    const due = this.messages.filter((message) => all || message.dueAt <= now);
    if (due.length === 0) return;
    this.messages = this.messages.filter((message) => !due.includes(message));
    for (const message of due) message.receives += 1;
    const size = this.options.batchSize ?? 10;
    const batches = Array.from({ length: Math.ceil(due.length / size) }, (_, i) => due.slice(i * size, (i + 1) * size));
    const failed = new Set<string>();
    let next = 0;
    const consumer = async () => {
      while (next < batches.length) {
        for (const failure of await this.deliverBatch(batches[next++]!, now)) failed.add(failure.itemIdentifier);
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.options.maxConcurrency ?? 2, batches.length) }, consumer));
    for (const message of due.filter((m) => failed.has(m.id))) {
      if (message.receives >= (this.options.maxReceives ?? 8)) {
        this.dead.push(message);
        continue;
      }
      const backoffSeconds = Math.min(300, 5 * 2 ** (message.receives - 1));
      message.dueAt = Date.now() + backoffSeconds * 1000 * this.scale;
      this.messages.push(message);
    }
    this.save();
  }

  /** Like SQS with a Lambda consumer: a handler that throws fails the whole batch, which is retried. */
  private async deliverBatch(due: Message[], now: number): Promise<SQSBatchResponse['batchItemFailures']> {
    try {
      const { batchItemFailures } = await this.handler!({
      Records: due.map((message) => ({
        messageId: message.id,
        receiptHandle: message.id,
        body: JSON.stringify(message.job),
        attributes: {
          ApproximateReceiveCount: String(message.receives),
          SentTimestamp: String(now),
          SenderId: 'local',
          ApproximateFirstReceiveTimestamp: String(now),
        },
        messageAttributes: {},
        md5OfBody: '',
        eventSource: 'aws:sqs',
        eventSourceARN: 'arn:aws:sqs:local:000000000000:jobs',
        awsRegion: 'local',
      })),
      });
      return batchItemFailures;
    } catch {
      return due.map((message) => ({ itemIdentifier: message.id }));
    }
  }

  /** Coalesced: a burst of enqueues (a batch of 1,000) writes the file once, a moment later; `stop` writes what is left. */
  private save(): void {
    if (!this.options.file || this.saving) return;
    this.saving = setTimeout(() => this.saveNow(), 50);
  }

  private saveNow(): void {
    clearTimeout(this.saving);
    this.saving = undefined;
    if (!this.options.file) return;
    mkdirSync(dirname(this.options.file), { recursive: true });
    const temporary = `${this.options.file}.tmp`;
    writeFileSync(temporary, JSON.stringify({ messages: this.messages, dead: this.dead }));
    renameSync(temporary, this.options.file);
  }
}
