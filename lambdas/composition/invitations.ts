/**
 * The invitation library over a function's ports: what every handler's composition starts from (the AWS
 * composition once per function, the local stack once for all of them).
 */
import { randomBytes } from 'node:crypto';
import { createInvitationLibrary, type InvitationLibrary, type InvitationSettings } from '../domain/invitations.ts';
import type {
  AccessRequestStore,
  BatchStore,
  Clock,
  IdentityProvider,
  InvitationStore,
  JobQueue,
  LifecycleScheduler,
  Mailer,
  PasswordChecker,
  RateLimiter,
} from '../domain/ports.ts';

/** What the library needs, whichever handler calls it. */
export interface InvitationPorts {
  store: InvitationStore & BatchStore & AccessRequestStore & RateLimiter;
  identity: IdentityProvider;
  passwords: PasswordChecker;
  mailer: Mailer;
  jobs: JobQueue;
  lifecycle: LifecycleScheduler;
  settings: InvitationSettings;
  clock?: Clock;
}

export const systemClock: Clock = { now: () => new Date() };

/** The ports' clock, or the system's. */
export const clockOf = (ports: { clock?: Clock }): Clock => ports.clock ?? systemClock;

/** `inv_` and 128 random bits, base64url: unguessable and safe in a URL path. */
export function newInvitationId(): string {
  return `inv_${randomBytes(16).toString('base64url')}`;
}

export function buildInvitations(ports: InvitationPorts): InvitationLibrary {
  return createInvitationLibrary({
    store: ports.store,
    batches: ports.store,
    accessRequests: ports.store,
    limiter: ports.store,
    identity: ports.identity,
    passwords: ports.passwords,
    mailer: ports.mailer,
    jobs: ports.jobs,
    lifecycle: ports.lifecycle,
    clock: clockOf(ports),
    ids: {
      invitationId: newInvitationId,
      accessRequestId: () => `req_${randomBytes(16).toString('base64url')}`,
      secret: () => randomBytes(32).toString('base64url'),
    },
    settings: ports.settings,
  });
}
