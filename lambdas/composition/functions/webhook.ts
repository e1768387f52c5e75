/** The webhook function's handler over its ports: the library, the delivery log and the hook's signing key. */
import type { DeliveryLog } from '../../domain/ports.ts';
import type { Log } from '../../handlers/http/respond.ts';
import { makeWebhookHandler } from '../../handlers/webhook.ts';
import { buildInvitations, clockOf, type InvitationPorts } from '../invitations.ts';

export interface WebhookPorts extends InvitationPorts {
  store: InvitationPorts['store'] & DeliveryLog;
  webhookSigningKey: (options?: { fresh?: boolean }) => Promise<string>;
  log: Log;
}

export function buildWebhook(ports: WebhookPorts, invitations = buildInvitations(ports)) {
  return makeWebhookHandler({
    invitations,
    deliveries: ports.store,
    signingKey: ports.webhookSigningKey,
    clock: clockOf(ports),
    log: ports.log,
  });
}
