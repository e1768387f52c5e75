/**
 * Every handler over one set of ports: the local stack runs them all in one process with its local
 * adapters, so the handlers that run locally are exactly the ones deployed. In AWS each function builds
 * only its own (lambdas/composition/functions/, from the ports of aws.ts), so it bundles only what its
 * handler reaches.
 */
import { buildApi, type ApiPorts } from './functions/api.ts';
import { buildJobs, type JobsPorts } from './functions/jobs.ts';
import { buildLifecycle } from './functions/lifecycle.ts';
import { buildMailEvents, type MailEventsPorts } from './functions/mail-events.ts';
import { buildWebhook, type WebhookPorts } from './functions/webhook.ts';
import { buildInvitations } from './invitations.ts';

export type ServicePorts = ApiPorts & WebhookPorts & JobsPorts & MailEventsPorts;

export function buildService(ports: ServicePorts) {
  const invitations = buildInvitations(ports);
  return {
    invitations,
    api: buildApi(ports, invitations),
    webhook: buildWebhook(ports, invitations),
    jobs: buildJobs(ports, invitations),
    lifecycle: buildLifecycle(ports, invitations),
    mailEvents: buildMailEvents(ports, invitations),
  };
}

export type Service = ReturnType<typeof buildService>;
