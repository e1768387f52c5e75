/** The jobs function's handler over its ports: the library, the pacer of its sends, and the queue's receives before a message is dead-lettered. */
import type { Log } from '../../handlers/http/respond.ts';
import { makeJobsHandler } from '../../handlers/jobs.ts';
import type { Pacer } from '../../handlers/pacing.ts';
import { buildInvitations, type InvitationPorts } from '../invitations.ts';

export interface JobsPorts extends InvitationPorts {
  /** The job queue's receives before a message is dead-lettered. */
  jobMaxReceives: number;
  /** Paces the queue's sends (see handlers/pacing.ts). */
  deliveryPacer: Pacer;
  log: Log;
}

export function buildJobs(ports: JobsPorts, invitations = buildInvitations(ports)) {
  return makeJobsHandler({ invitations, pacer: ports.deliveryPacer, log: ports.log, maxReceives: ports.jobMaxReceives });
}
