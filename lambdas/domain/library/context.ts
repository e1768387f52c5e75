/**
 * What every part of the invitation library shares: its ports, its settings, and the three moves all state
 * changes are made of (load, a conditional read-modify-write, an audit event).
 */
import { AppError, notFound } from '../errors.ts';
import { isInvitationId, outstandingSend, type Invitation, type InvitationMode } from '../invitation.ts';
import type {
  AccessRequestStore,
  Actor,
  BatchStore,
  Clock,
  EventType,
  IdentityProvider,
  IdGenerator,
  InvitationStore,
  JobQueue,
  LifecycleScheduler,
  Mailer,
  PasswordChecker,
  RateLimiter,
} from '../ports.ts';

export interface InvitationSettings {
  appName: string;
  /** magic-link: where the link in the email points unless the invitation names an allowed `redirectUrl`. */
  landingUrl: string;
  /**
   * accept-link and provision: the app's sign-in URL, which passes `login_hint` and `first_screen` on to
   * Logto (an allowed `redirectUrl` replaces it).
   */
  signInUrl: string;
  /** accept-link: the public URL of `GET /v1/accept`. */
  acceptUrl: string;
  /** accept-link: what the form asks for. A password is checked against the tenant's password policy. */
  acceptForm: { name: boolean; password: boolean };
  /** provision: what happens to the user of an invitation that ends (revoked, expired) before its first sign-in. */
  provisionedUserOnEnd: 'suspend' | 'delete';
  /** Referrals a user may make per period, and whether an admin approves each first. */
  referrals: { perPeriod: number; periodDays: number; needApproval: boolean };
  /** URL prefixes an invitation's `redirectUrl` must start with. */
  redirectAllowList: string[];
  /** Lower-case domains invitations may go to; empty allows every domain. */
  allowedEmailDomains: string[];
  defaultExpiresIn: number;
  defaultLocale: string;
  supportedLocales: readonly string[];
  defaultMode: InvitationMode;
  /** How long a worker may hold a send before its outcome counts as unknown. */
  sendLeaseSeconds: number;
  /** How long before `expiresAt` the one reminder goes out (at half the lifetime for shorter invitations). */
  reminderBeforeExpirySeconds: number;
}

export interface InvitationDeps {
  store: InvitationStore;
  batches: BatchStore;
  accessRequests: AccessRequestStore;
  identity: IdentityProvider;
  passwords: PasswordChecker;
  limiter: RateLimiter;
  mailer: Mailer;
  jobs: JobQueue;
  lifecycle: LifecycleScheduler;
  clock: Clock;
  ids: IdGenerator;
  settings: InvitationSettings;
}

/** Delay before the job queue retries work that failed for a reason that may pass. */
export const retryDelaySeconds = 30;

export const systemActor: Actor = { type: 'system' };

export function createContext(deps: InvitationDeps) {
  const { store, clock } = deps;

  const record = (invitationId: string, type: EventType, actor: Actor, data?: Record<string, unknown>) =>
    store.appendEvent(invitationId, { type, at: clock.now().toISOString(), actor, ...(data && { data }) });

  async function load(id: string): Promise<Invitation> {
    const invitation = isInvitationId(id) ? await store.get(id) : undefined;
    if (!invitation) throw notFound(id);
    return invitation;
  }

  /** The invitation's read-modify-write (see {@link versionedUpdate}). */
  const update = versionedUpdate<Invitation>({
    load,
    replace: (next, expected) => store.replace(next, expected),
    clock,
    conflict: () => new AppError('invitation.write_conflict', 503, 'The invitation is changing too fast; try again.'),
  });

  /**
   * The invitation leaving `pending` for good (or for `undeliverable`): `fields` applied, and a send that
   * was asked for but is not in flight settled as cancelled, so nothing reads `queued` with nothing queued.
   * A send in flight settles itself (its email may be accepted yet, and then it counts).
   */
  function ended(invitation: Invitation, fields: Partial<Invitation>): Invitation {
    const { delivery } = invitation;
    const request = outstandingSend(invitation);
    const inFlight = delivery.attempt !== undefined && Date.parse(delivery.attempt.until) > clock.now().getTime();
    if (!request || inFlight) return { ...invitation, ...fields };
    const status = delivery.status === 'queued' ? 'failed' : delivery.status;
    return {
      ...invitation,
      ...fields,
      delivery: { ...delivery, status, lastError: 'delivery.cancelled', settled: request.number, attempt: undefined },
    };
  }

  return { ...deps, record, load, update, ended };
}

export type LibraryContext = ReturnType<typeof createContext>;

/**
 * Read-modify-write with a store's optimistic lock (`version`). `change` returns the next state, or undefined
 * to leave the item as it is; it is re-run on the fresh state after a conflict, so of two writers racing, the
 * loser decides again on what the winner wrote.
 */
export function versionedUpdate<T extends { version: number; updatedAt: string }>(deps: {
  load: (id: string) => Promise<T>;
  replace: (next: T, expectedVersion: number) => Promise<boolean>;
  clock: Clock;
  conflict: () => Error;
}) {
  return async (id: string, change: (current: T) => T | undefined): Promise<{ before: T; after: T; changed: boolean }> => {
    for (let attempt = 0; attempt < 10; attempt += 1) {
      const before = await deps.load(id);
      const next = change(before);
      if (!next) return { before, after: before, changed: false };
      const after = { ...next, version: before.version + 1, updatedAt: deps.clock.now().toISOString() };
      if (await deps.replace(after, before.version)) return { before, after, changed: true };
    }
    throw deps.conflict();
  };
}
