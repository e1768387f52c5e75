/**
 * Drains the job queue (SQS in AWS, an in-process queue locally): deliveries and grants that must happen
 * eventually. A job that fails for a reason that may pass is reported back so the queue retries it later;
 * after the queue's last attempt it lands in the dead-letter queue, never silently dropped.
 */
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { UpstreamError } from '../domain/errors.ts';
import type { InvitationLibrary } from '../domain/invitations.ts';
import type { Job } from '../domain/ports.ts';
import type { Log } from './http/respond.ts';
import type { Pacer } from './pacing.ts';

export interface JobsDeps {
  invitations: Pick<InvitationLibrary, 'deliver' | 'grant' | 'schedule' | 'close' | 'suspend' | 'abandonDelivery' | 'redriveBatch'>;
  /** Every send waits for its turn (once claimed), so the queue drains at the rate SES and Logto allow. */
  pacer: Pacer;
  log: Log;
  /** The queue's receives before a message goes to the dead-letter queue (SQS's `maxReceiveCount`). */
  maxReceives: number;
}

export function makeJobsHandler({ invitations, pacer, log, maxReceives }: JobsDeps) {
  async function run(job: Job): Promise<void> {
    switch (job.kind) {
      case 'deliver':
        // Jobs queued by the first release name the send number `sendCount`. The pacer's turn is taken once
        // the send is claimed: a redelivered duplicate, or a send already settled, takes none.
        return invitations.deliver(job.invitationId, job.send ?? (job as { sendCount?: number }).sendCount ?? 0, () => pacer.take());
      case 'grant':
        return invitations.grant(job.invitationId);
      case 'schedule':
        return invitations.schedule(job.invitationId);
      case 'close':
        return invitations.close(job.invitationId);
      case 'suspend':
        return invitations.suspend(job.invitationId, job.userId);
      case 'redrive-batch':
        return invitations.redriveBatch(job.batchId);
    }
  }

  /** The last attempt at a send failed: the invitation says so, instead of reading `queued` for ever. */
  async function giveUp(job: Job, error: unknown): Promise<void> {
    if (job.kind !== 'deliver') return;
    const reason = error instanceof UpstreamError ? error.code : 'delivery.error';
    await invitations.abandonDelivery(job.invitationId, job.send ?? 0, `delivery.retries_exhausted:${reason}`).catch((abandonError: unknown) =>
      log.error('could not mark the send failed', { invitationId: job.invitationId, error: String(abandonError) }),
    );
  }

  return async (event: SQSEvent): Promise<SQSBatchResponse> => {
    const batchItemFailures: SQSBatchResponse['batchItemFailures'] = [];
    for (const record of event.Records) {
      const job = JSON.parse(record.body) as Job;
      try {
        await run(job);
      } catch (error) {
        const retryable = error instanceof UpstreamError;
        const lastAttempt = Number(record.attributes.ApproximateReceiveCount) >= maxReceives;
        log[retryable && !lastAttempt ? 'warn' : 'error']('job failed', {
          messageId: record.messageId,
          kind: job.kind,
          lastAttempt,
          error: error instanceof Error ? { name: error.name, message: error.message } : String(error),
        });
        if (lastAttempt) await giveUp(job, error);
        // Reported either way: the last attempt's message goes to the dead-letter queue, and its alarm.
        batchItemFailures.push({ itemIdentifier: record.messageId });
      }
    }
    return { batchItemFailures };
  };
}
