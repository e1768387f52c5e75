/**
 * Wires the use cases to the handlers. Both compositions (AWS and the local stack) call this with their
 * own adapters, so the handlers that run locally are exactly the ones deployed.
 */
import { randomBytes } from 'node:crypto';
import { createInvitationLibrary, type InvitationSettings } from '../domain/invitations.ts';
import type {
  AccessRequestStore,
  BatchStore,
  Clock,
  DeliveryLog,
  IdempotencyStore,
  IdentityProvider,
  InvitationStore,
  JobQueue,
  LifecycleScheduler,
  Mailer,
  PasswordChecker,
  RateLimiter,
} from '../domain/ports.ts';
import { makeApiHandler, type AccessRequestOptions, type TokenVerifier } from '../handlers/api.ts';
import type { Log } from '../handlers/http/respond.ts';
import { openApiDocument } from '../handlers/http/openapi.ts';
import { makeJobsHandler } from '../handlers/jobs.ts';
import { makeLifecycleHandler } from '../handlers/lifecycle.ts';
import type { Pacer } from '../handlers/pacing.ts';
import { makeMailEventsHandler } from '../handlers/mail-events.ts';
import { makeWebhookHandler } from '../handlers/webhook.ts';

export interface ServicePorts {
  store: InvitationStore & BatchStore & IdempotencyStore & DeliveryLog & AccessRequestStore & RateLimiter & { accessFormKey(): Promise<string> };
  accessRequestLimits: Pick<AccessRequestOptions, 'perIpPerHour' | 'perEmailPerDay' | 'minFillSeconds' | 'frameAncestors'> &
    Partial<Pick<AccessRequestOptions, 'count'>>;
  identity: IdentityProvider;
  passwords: PasswordChecker;
  mailer: Mailer;
  jobs: JobQueue;
  lifecycle: LifecycleScheduler;
  verifier: TokenVerifier;
  webhookSigningKey: (options?: { fresh?: boolean }) => Promise<string>;
  settings: InvitationSettings;
  /** The job queue's receives before a message is dead-lettered. */
  jobMaxReceives: number;
  /** Paces the queue's sends (see handlers/pacing.ts). */
  deliveryPacer: Pacer;
  log: Log;
  clock?: Clock;
}

export const systemClock: Clock = { now: () => new Date() };

/** `inv_` and 128 random bits, base64url: unguessable and safe in a URL path. */
export function newInvitationId(): string {
  return `inv_${randomBytes(16).toString('base64url')}`;
}

export function buildService(ports: ServicePorts) {
  const clock = ports.clock ?? systemClock;
  const invitations = createInvitationLibrary({
    store: ports.store,
    batches: ports.store,
    accessRequests: ports.store,
    limiter: ports.store,
    identity: ports.identity,
    passwords: ports.passwords,
    mailer: ports.mailer,
    jobs: ports.jobs,
    lifecycle: ports.lifecycle,
    clock,
    ids: {
      invitationId: newInvitationId,
      accessRequestId: () => `req_${randomBytes(16).toString('base64url')}`,
      secret: () => randomBytes(32).toString('base64url'),
    },
    settings: ports.settings,
  });
  // Built on the first request for it, not at every function's cold start.
  let openapi: ReturnType<typeof openApiDocument> | undefined;
  return {
    invitations,
    api: makeApiHandler({
      invitations,
      verifier: ports.verifier,
      idempotency: ports.store,
      clock,
      log: ports.log,
      openapi: () => (openapi ??= openApiDocument()),
      acceptUrl: ports.settings.acceptUrl,
      accessRequests: {
        limiter: ports.store,
        formKey: () => ports.store.accessFormKey(),
        ...ports.accessRequestLimits,
        appName: ports.settings.appName,
      },
    }),
    webhook: makeWebhookHandler({
      invitations,
      deliveries: ports.store,
      signingKey: ports.webhookSigningKey,
      clock,
      log: ports.log,
    }),
    jobs: makeJobsHandler({ invitations, pacer: ports.deliveryPacer, log: ports.log, maxReceives: ports.jobMaxReceives }),
    lifecycle: makeLifecycleHandler({ invitations }),
    mailEvents: makeMailEventsHandler({ invitations, log: ports.log }),
  };
}

export type Service = ReturnType<typeof buildService>;
