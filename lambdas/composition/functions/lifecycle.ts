/** The lifecycle function's handler (the state machine's tasks) over the library. */
import { makeLifecycleHandler } from '../../handlers/lifecycle.ts';
import { buildInvitations, type InvitationPorts } from '../invitations.ts';

export type LifecyclePorts = InvitationPorts;

export function buildLifecycle(ports: LifecyclePorts, invitations = buildInvitations(ports)) {
  return makeLifecycleHandler({ invitations });
}
