/** The mail-events function's handler (SES delivery, bounce and complaint events) over the library. */
import type { Log } from '../../handlers/http/respond.ts';
import { makeMailEventsHandler } from '../../handlers/mail-events.ts';
import { buildInvitations, type InvitationPorts } from '../invitations.ts';

export interface MailEventsPorts extends InvitationPorts {
  log: Log;
}

export function buildMailEvents(ports: MailEventsPorts, invitations = buildInvitations(ports)) {
  return makeMailEventsHandler({ invitations, log: ports.log });
}
