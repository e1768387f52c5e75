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

export interface JobsDeps {
  invitations: Pick<InvitationLibrary, 'deliver' | 'grant' | 'schedule' | 'close' | 'suspend'>;
  log: Log;
}

export function makeJobsHandler({ invitations, log }: JobsDeps) {
  async function run(job: Job): Promise<void> {
    switch (job.kind) {
      case 'deliver':
        // Jobs queued by the first release name the send number `sendCount`.
        return invitations.deliver(job.invitationId, job.send ?? (job as { sendCount?: number }).sendCount ?? 0);
      case 'grant':
        return invitations.grant(job.invitationId);
      case 'schedule':
        return invitations.schedule(job.invitationId);
      case 'close':
        return invitations.close(job.invitationId);
      case 'suspend':
        return invitations.suspend(job.invitationId, job.userId);
    }
  }

  return async (event: SQSEvent): Promise<SQSBatchResponse> => {
    const batchItemFailures: SQSBatchResponse['batchItemFailures'] = [];
    for (const record of event.Records) {
      try {
        await run(JSON.parse(record.body) as Job);
      } catch (error) {
        const retryable = error instanceof UpstreamError;
        log[retryable ? 'warn' : 'error']('job failed', {
          messageId: record.messageId,
          error: error instanceof Error ? { name: error.name, message: error.message } : String(error),
        });
        batchItemFailures.push({ itemIdentifier: record.messageId });
      }
    }
    return { batchItemFailures };
  };
}
