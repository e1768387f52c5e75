/**
 * What the use cases need from the outside world. Adapters implement these; the domain never imports them.
 */
import type { Actor, Invitation, InvitationStatus } from './invitation.ts';

export type { Actor } from './invitation.ts';

export interface ListQuery {
  /** Effective status: `expired` includes stored-pending invitations past `expiresAt`, `pending` excludes them. */
  status?: InvitationStatus;
  email?: string;
  limit: number;
  cursor?: string;
}

export interface ListPage {
  items: Invitation[];
  nextCursor?: string;
}

export type EventType =
  | 'created'
  | 'sent'
  | 'delivery_failed'
  | 'delivered'
  | 'bounced'
  | 'complained'
  | 'reminded'
  | 'resent'
  | 'accepted'
  | 'granted'
  /** A role, organization or organization role of the invitation that Logto refused (e.g. it does not exist). */
  | 'grant_skipped'
  | 'expired'
  | 'revoked'
  /** Someone registered through a link of this invitation after it ended: the user was suspended. */
  | 'registration_blocked'
  /** provision: the invitation ended before the first sign-in, so its Logto user was suspended or deleted. */
  | 'account_closed';

export interface InvitationEvent {
  type: EventType;
  at: string;
  actor: Actor;
  data?: Record<string, unknown>;
}

/** Invitations, their audit trail, idempotency records and webhook de-duplication, in one table. */
export interface InvitationStore {
  get(id: string): Promise<Invitation | undefined>;
  /**
   * Inserts a new invitation and claims its email's pending slot, with conditional single-item writes.
   * Throws `AppError('invitation.already_pending', 409, ..., { invitationId })` when another invitation for
   * the email is pending and not past `expiresAt` at `now`; a stale slot (its invitation final, expired
   * or missing) is taken over.
   */
  create(invitation: Invitation, now: Date, events?: readonly InvitationEvent[]): Promise<void>;
  /** The first of `create`'s two steps: the email's pending slot for `invitationId`, or the 409. */
  reserve(email: string, invitationId: string, now: Date): Promise<void>;
  /** The second: the invitation and its first audit events, written together. */
  insertReserved(invitation: Invitation, events: readonly InvitationEvent[]): Promise<void>;
  /** Undoes `reserve` for a create refused after it (the slot stays if another took it over). */
  releaseReservation(email: string, invitationId: string): Promise<void>;
  /**
   * Replaces the invitation if its stored `version` is still `expectedVersion`; returns false otherwise.
   * `next.version` must be `expectedVersion + 1`. Releases the email's pending slot when `next` leaves pending.
   */
  replace(next: Invitation, expectedVersion: number): Promise<boolean>;
  /** The invitation holding the email's pending slot, when it is stored as pending (it may be past `expiresAt`). */
  findPendingByEmail(email: string): Promise<Invitation | undefined>;
  /** Newest first, without a table scan. */
  list(query: ListQuery, now: Date): Promise<ListPage>;
  appendEvent(invitationId: string, event: InvitationEvent): Promise<void>;
  /** Oldest first. */
  listEvents(invitationId: string): Promise<InvitationEvent[]>;
}

/** A batch of invitations (`POST /v1/invitations/batch`), as recorded once its rows were created. */
export interface Batch {
  id: string;
  createdAt: string;
  createdBy: Actor;
  /** Rows sent, rows that became invitations, rows rejected. */
  rows: number;
  accepted: number;
  rejected: number;
}

/** A batch's invitations, as far as its progress needs them. */
export type BatchMember = Pick<Invitation, 'id' | 'status' | 'expiresAt' | 'delivery'>;

export interface BatchStore {
  /** Records the batch (a retried batch records it again, with its counts as they are now). */
  putBatch(batch: Batch): Promise<void>;
  getBatch(id: string): Promise<Batch | undefined>;
  /** Every invitation created in the batch, through an index that holds only what progress reads. */
  batchMembers(id: string): Promise<BatchMember[]>;
}

export const accessRequestStatuses = ['pending', 'approved', 'declined'] as const;
export type AccessRequestStatus = (typeof accessRequestStatuses)[number];

/** Someone asked to be invited (the public form, or a team's own website calling the API). */
export interface AccessRequest {
  id: string;
  email: string;
  name?: string;
  message?: string;
  status: AccessRequestStatus;
  createdAt: string;
  updatedAt: string;
  /** The invitation its approval created. */
  invitationId?: string;
  decidedBy?: Actor;
  decidedAt?: string;
  /** An approval under way: another waits until it settles, or until `until` if its worker died. */
  approving?: { until: string };
  /** A referral held for approval: who referred, and what they asked to pass on. */
  referral?: { referrerId: string; referrerName?: string; roleIds: string[]; organizationIds: string[]; organizationRoleIds: string[]; locale?: string };
  /** Incremented on every write: the store's optimistic lock. */
  version: number;
}

export interface AccessRequestPage {
  items: AccessRequest[];
  nextCursor?: string;
}

/** Access requests, in the invitations table. */
export interface AccessRequestStore {
  /** Stores a new request unless the email has a pending one (then false, and nothing is written). */
  createAccessRequest(request: AccessRequest): Promise<boolean>;
  getAccessRequest(id: string): Promise<AccessRequest | undefined>;
  /** Like {@link InvitationStore.replace}; frees the email for a new request when `next` leaves pending. */
  replaceAccessRequest(next: AccessRequest, expectedVersion: number): Promise<boolean>;
  /** Newest first, without a table scan. */
  listAccessRequests(query: { status?: AccessRequestStatus; limit: number; cursor?: string }): Promise<AccessRequestPage>;
}

/** Fixed-window counters (per IP, per email, per referrer). */
export interface RateLimiter {
  /** Counts one hit of `key` in the current window of `windowSeconds`; false when that makes more than `limit`. */
  hit(key: string, limit: number, windowSeconds: number, now: Date): Promise<boolean>;
}

export interface StoredResponse {
  statusCode: number;
  body: string;
  headers: Record<string, string>;
}

export type IdempotencyBegin =
  | { state: 'new' }
  | { state: 'in_progress' }
  | { state: 'mismatch' }
  | { state: 'done'; response: StoredResponse };

/** `Idempotency-Key` records: the same key and request within 24 h gets the first response. */
export interface IdempotencyStore {
  /** Claims the key for a request (identified by a hash of method, path and body) or reports what holds it. */
  begin(key: string, requestHash: string, now: Date): Promise<IdempotencyBegin>;
  complete(key: string, response: StoredResponse, now: Date): Promise<void>;
  /** Frees the key after a failure that the caller may retry (5xx). */
  release(key: string): Promise<void>;
}

/** Remembers processed webhook deliveries so duplicates are ignored. */
export interface DeliveryLog {
  /** True when `key` was recorded before. */
  seen(key: string): Promise<boolean>;
  remember(key: string, now: Date): Promise<void>;
}

/** Which email: an invitation to register (magic-link, accept-link) or word that an account is ready (provision). */
export type { EmailKind } from '../../templates/invitation-contract.ts';
import type { EmailKind } from '../../templates/invitation-contract.ts';

export interface InvitationEmail {
  kind: EmailKind;
  /** Tagged on the message, so the mail service's delivery, bounce and complaint events find the invitation. */
  invitationId: string;
  to: string;
  locale: string;
  appName: string;
  inviterName: string;
  /** Expiry, already formatted for the locale. */
  expiresAt: string;
  link: string;
  reminder?: boolean;
}

/**
 * Sends the templated invitation email. Throws `UpstreamError` (503) when the mail service is unavailable
 * or throttling (`ambiguous` when the email may have been accepted anyway), `AppError` 4xx when it refused
 * the message for good.
 */
export interface Mailer {
  sendInvitation(email: InvitationEmail): Promise<{ messageId: string }>;
  /**
   * The email {@link sendInvitation} would send, rendered by the mail service from the same template with the
   * same data, and not sent. Throws `UpstreamError` (503) when the mail service is unavailable or throttling.
   */
  renderInvitation(email: InvitationEmail): Promise<RenderedEmail>;
}

/** An email as the mail service renders it. */
export interface RenderedEmail {
  subject: string;
  html: string;
  text: string;
}

export type OneTimeTokenStatus = 'active' | 'consumed' | 'revoked' | 'expired';

export interface OneTimeToken {
  id: string;
  email: string;
  token: string;
  status: OneTimeTokenStatus;
  /** Epoch milliseconds, as Logto returns it. */
  expiresAt: number;
  /**
   * Set on a token minted by a retried request whose earlier attempt may have reached Logto: a twin token
   * (never seen by anyone) may exist, now or once Logto gets to that attempt.
   */
  mayHaveTwin?: boolean;
}

export interface IdentityUser {
  id: string;
  primaryEmail: string | null;
  name?: string | null;
  /** Epoch milliseconds, as Logto returns it. */
  createdAt?: number;
  /** Epoch milliseconds of the user's latest sign-in; null: never signed in. */
  lastSignInAt?: number | null;
  isSuspended?: boolean;
}

/** What a Logto user holds: global roles, and organizations with the organization roles held in each. */
export interface UserGrants {
  roleIds: string[];
  organizations: Array<{ id: string; roleIds: string[] }>;
}

/** What the tenant's sign-in experience asks of a password (`passwordPolicy`), as far as a form can show it. */
export interface PasswordPolicy {
  minLength: number;
  maxLength: number;
  /** How many of lower case, upper case, digits and symbols a password must mix. */
  requiredCharacterTypes: number;
}

/** Logto's verdict on a password (`code`s such as `password_rejected.too_short`, with their interpolation). */
export type PasswordCheck = { ok: true } | { ok: false; issues: Array<{ code: string; interpolation?: Record<string, unknown> }> };

/** The tenant's password policy, applied before a user with a password is created (Logto's Management API does not). */
export interface PasswordChecker {
  policy(): Promise<PasswordPolicy>;
  /** `user`: the details the account is created with, for the policy's rule against passwords containing them. Throws `UpstreamError`. */
  check(password: string, user: { email: string; name?: string }): Promise<PasswordCheck>;
}

/** A role, organization or organization role, as a picker shows it. */
export interface DirectoryEntry {
  id: string;
  name: string;
  description: string | null;
}

export interface DirectoryQuery {
  /**
   * Logto's own case-insensitive substring match: over id and name, and the description too for roles and
   * organization roles.
   */
  search?: string;
  /** At most this many entries are read. */
  limit: number;
}

export interface DirectoryPage {
  /** In Logto's order. */
  entries: DirectoryEntry[];
  /** Logto holds more that match than `limit`: they were not read. */
  truncated: boolean;
}

/**
 * Logto's Management API, as the use cases need it. Retries 429 and 5xx itself; throws `UpstreamError`
 * (`logto.unavailable`) once retries are spent, and `LogtoApiError` (an AppError carrying Logto's code)
 * for refusals.
 */
export interface IdentityProvider {
  createOneTimeToken(input: { email: string; expiresIn: number; jitOrganizationIds: string[] }): Promise<OneTimeToken>;
  getOneTimeToken(id: string): Promise<OneTimeToken | undefined>;
  /** The email's tokens whose stored status is `active` (an expired one may be among them). */
  listActiveOneTimeTokens(email: string): Promise<OneTimeToken[]>;
  /**
   * Revokes the token if it is active. Idempotent: a token already revoked, consumed, expired or gone is
   * not an error. Returns the status it found (`undefined`: gone), so `consumed` tells that it was used.
   */
  revokeOneTimeToken(id: string): Promise<OneTimeTokenStatus | undefined>;
  /** Deletes a token whose link went nowhere (a create refused after minting it). Idempotent. */
  deleteOneTimeToken(id: string): Promise<void>;
  findUserByEmail(email: string): Promise<IdentityUser | undefined>;
  /** Which of the emails (lower-cased) are a user's primary email: one call per 100 addresses. */
  findRegisteredEmails(emails: readonly string[]): Promise<Set<string>>;
  /** The password goes to Logto only; it is never logged. */
  createUser(input: { primaryEmail: string; name?: string; password?: string; customData?: Record<string, unknown> }): Promise<IdentityUser>;
  getUser(id: string): Promise<IdentityUser | undefined>;
  /** What the user holds (a referrer may pass on no more). */
  getUserGrants(userId: string): Promise<UserGrants>;
  /** Idempotent: a user already gone is not an error. */
  deleteUser(id: string): Promise<void>;
  /** Already-held roles are ignored by Logto. */
  assignRoles(userId: string, roleIds: string[]): Promise<void>;
  /** Idempotent: an existing member stays a member. */
  addOrganizationMember(organizationId: string, userId: string): Promise<void>;
  assignOrganizationRoles(organizationId: string, userId: string, organizationRoleIds: string[]): Promise<void>;
  /** Merges into the user's customData. */
  mergeCustomData(userId: string, customData: Record<string, unknown>): Promise<void>;
  /** Idempotent; signs the user out. */
  suspendUser(userId: string): Promise<void>;
  /** The tenant's User roles (what `roleIds` names), read a hundred a call. */
  listUserRoles(query: DirectoryQuery): Promise<DirectoryPage>;
  /** The tenant's organizations (what `organizationIds` names), read a hundred a call. */
  listOrganizations(query: DirectoryQuery): Promise<DirectoryPage>;
  /**
   * The organization template's roles that a user can hold (what `organizationRoleIds` names; machine-to-machine
   * ones are left out), read a hundred a call.
   */
  listOrganizationRoles(query: DirectoryQuery): Promise<DirectoryPage>;
}

export type Job =
  /** Send number `send` of the invitation (its request says whether it is the reminder). */
  | { kind: 'deliver'; invitationId: string; send: number }
  | { kind: 'grant'; invitationId: string }
  | { kind: 'schedule'; invitationId: string }
  /** Revoke the tokens of an ended invitation that Logto could not be asked to revoke at once. */
  | { kind: 'close'; invitationId: string }
  | { kind: 'suspend'; invitationId: string; userId: string }
  /**
   * Queued when a batch starts storing rows, due after any request has ended: if the batch was never
   * recorded (its request died between storing rows and queueing their emails), their first emails are
   * queued again. A recorded batch queued them all itself: the job then ends at once.
   */
  | { kind: 'redrive-batch'; batchId: string };

/** The input of one lifecycle execution (ISO 8601 times). */
export interface LifecycleStart {
  invitationId: string;
  /** Absent: no reminder (not wanted, not emailed, or too late for one). */
  remindAt?: string;
  expiresAt: string;
}

/**
 * Runs each invitation's lifecycle (reminder, expiry, reconciliation): Step Functions in AWS, the same
 * definition on aws-local-stepfunctions locally. Throws `UpstreamError` when a start may succeed later.
 */
export interface LifecycleScheduler {
  /** Idempotent: one execution per invitation, named by its id. */
  start(input: LifecycleStart): Promise<void>;
  /** Idempotent: stopping a finished or unknown execution is fine. */
  stop(invitationId: string): Promise<void>;
}

/** Work that must happen eventually: retried with backoff, never lost. */
export interface JobQueue {
  enqueue(job: Job, delaySeconds?: number): Promise<void>;
  /** Several jobs at once (SQS: ten per call); all queued, or `UpstreamError`. */
  enqueueAll(jobs: readonly Job[]): Promise<void>;
}

export interface Clock {
  now(): Date;
}

export interface IdGenerator {
  invitationId(): string;
  /** `req_` and 128 random bits. */
  accessRequestId(): string;
  /** 256 random bits, base64url: the secret of an accept link. */
  secret(): string;
}
