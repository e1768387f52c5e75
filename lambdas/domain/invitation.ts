/**
 * The invitation and its status rules. Pure TypeScript: no AWS, no HTTP, no `process.env`.
 */

export const invitationStatuses = ['pending', 'accepted', 'expired', 'revoked', 'undeliverable'] as const;
export type InvitationStatus = (typeof invitationStatuses)[number];

/** Statuses an invitation never leaves. */
export const finalStatuses: ReadonlySet<InvitationStatus> = new Set(['accepted', 'expired', 'revoked']);

export const invitationModes = ['magic-link', 'accept-link', 'provision'] as const;
export type InvitationMode = (typeof invitationModes)[number];

/**
 * `skipped`: created with `notify: false`, the link went to the caller instead of an email. `queued` is what
 * an invitation reads while a send it asked for has not reached an outcome; stored, it only means "no
 * send has settled yet".
 */
export const deliveryStatuses = ['queued', 'sent', 'delivered', 'bounced', 'complained', 'failed', 'skipped'] as const;
export type DeliveryStatus = (typeof deliveryStatuses)[number];

export interface Inviter {
  id?: string;
  name?: string;
  email?: string;
}

/** Who did something to an invitation, as the audit trail names them. */
export interface Actor {
  /** `user`: a signed-in user of the app (a referral). */
  type: 'admin' | 'system' | 'invitee' | 'user';
  id?: string;
  name?: string;
}

/** A send asked for (the first email, a resend, the reminder): numbered, so each happens at most once. */
export interface SendRequest {
  number: number;
  reminder?: boolean;
  /** Named in the audit event once the email is out. */
  by: Actor;
}

export interface Delivery {
  /** The outcome of the latest send that settled; read through {@link deliveryView}. */
  status: DeliveryStatus;
  /** Emails the mail service accepted for this invitation. */
  sendCount: number;
  lastSentAt?: string;
  /** The last error that left the delivery queued or failed (a code such as `ses.unavailable`). */
  lastError?: string;
  /** The mail service's id of the latest email it accepted: its delivery events are matched against it. */
  messageId?: string;
  /** The latest send asked for; it is outstanding while its number is above `settled`. */
  request?: SendRequest;
  /** Number of the latest send that reached an outcome (sent, failed, cancelled). */
  settled: number;
  /**
   * A send in flight: claimed before a token is minted, cleared when the send settles. Found after `until`,
   * it means the outcome is unknown (the worker died or the call timed out), and the send is not repeated.
   */
  attempt?: { number: number; until: string };
}

/** Roles and memberships that Logto must grant once the invitee is registered. */
export type GrantStatus = 'pending' | 'done';

/** The invitation as stored. `status` is the stored status: read it through {@link effectiveStatus}. */
export interface Invitation {
  id: string;
  email: string;
  status: InvitationStatus;
  mode: InvitationMode;
  roleIds: string[];
  organizationIds: string[];
  organizationRoleIds: string[];
  locale: string;
  metadata: Record<string, unknown>;
  /** The invitee's name, as the inviter gave it (provision: the Logto user's name; accept-link: the form's default). */
  name?: string;
  inviter: Inviter;
  redirectUrl?: string;
  reminder: boolean;
  createdAt: string;
  updatedAt: string;
  expiresAt: string;
  delivery: Delivery;
  /**
   * Every credential minted for the invitation's links that may still be live, recorded before it can reach
   * an email and removed once confirmed dead: Logto one-time token ids (magic-link), SHA-256 hashes of our
   * accept tokens (accept-link). Whoever ends the invitation revokes them all.
   */
  tokenIds: string[];
  /** provision: the Logto user created with the invitation. */
  provisionedUserId?: string;
  /** provision: the inviter set a password (at Logto only; this flag is all we keep of it). */
  passwordSet?: boolean;
  /** accept-link: when the invitee first submitted the form, so we may have created a user for the email. */
  acceptClaimedAt?: string;
  /** provision: what was done to the provisioned user when the invitation ended without a sign-in. */
  accountClosed?: 'suspended' | 'deleted';
  /**
   * A token of this invitation may have an unrecorded twin (its mint was retried after an unknown outcome):
   * whoever ends the invitation sweeps once more a while later, when Logto is done with that attempt.
   */
  mayHaveStrays?: boolean;
  /** Logto users suspended because they registered through a link of this invitation after it ended. */
  blockedUserIds?: string[];
  acceptedAt?: string;
  acceptedUserId?: string;
  revokedAt?: string;
  /** Set when the one reminder was claimed. */
  remindedAt?: string;
  grants?: GrantStatus;
  /** The batch it was created in (`POST /v1/invitations/batch`). */
  batchId?: string;
  /** Incremented on every write: the store's optimistic lock. */
  version: number;
}

/** A pending invitation past `expiresAt` reads as expired, before any timer has run. */
export function effectiveStatus(invitation: Pick<Invitation, 'status' | 'expiresAt'>, now: Date): InvitationStatus {
  if (invitation.status === 'pending' && Date.parse(invitation.expiresAt) <= now.getTime()) return 'expired';
  return invitation.status;
}

export function isFinal(status: InvitationStatus): boolean {
  return finalStatuses.has(status);
}

/** The send asked for that has not settled yet, if any. */
export function outstandingSend(invitation: Pick<Invitation, 'delivery'>): SendRequest | undefined {
  const { request, settled } = invitation.delivery;
  return request && request.number > settled ? request : undefined;
}

/** Opaque to callers, but never longer than a key can be: anything else is an unknown id. */
export function isInvitationId(id: string): boolean {
  return /^[\w-]{1,128}$/.test(id);
}

/**
 * The shipped locale nearest to a BCP 47 tag: the tag itself, else its language (`de-CH` -> `de`), else
 * `fallback`. Case and `_` separators are forgiven.
 */
export function nearestLocale(tag: string, supported: readonly string[], fallback: string): string {
  const wanted = tag.trim().toLowerCase().replaceAll('_', '-');
  const match = (candidate: string) => supported.find((locale) => locale.toLowerCase() === candidate);
  return match(wanted) ?? match(wanted.split('-')[0] ?? '') ?? fallback;
}

/** Logto's limit (`primary_email varchar(128)`), and so ours: a longer address was never invited. */
export const maxEmailLength = 128;

/** Lower-cased and trimmed: Logto compares one-time-token emails as exact strings. */
export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

/** The link in the email, as Logto's guide describes it. */
export function magicLink(landingUrl: string, token: string, email: string): string {
  const url = new URL(landingUrl);
  url.searchParams.set('type', 'registrationInvitation');
  url.searchParams.set('token', token);
  url.searchParams.set('email', email);
  return url.toString();
}

/**
 * The app's sign-in URL with Logto's authentication parameters: `login_hint` pre-fills the email,
 * `first_screen` (`identifier:sign_in`, `reset_password`, ...) opens the screen that fits the account.
 */
export function signInLink(signInUrl: string, email: string, firstScreen: FirstScreen): string {
  const url = new URL(signInUrl);
  url.searchParams.set('login_hint', email);
  url.searchParams.set('first_screen', firstScreen);
  return url.toString();
}

/** Logto's `first_screen` values we send (`FirstScreen` in packages/schemas/src/consts/oidc.ts). */
export type FirstScreen = 'identifier:sign_in' | 'reset_password';

/** The invitation as the API shows it: computed status, internal fields left out. */
export interface InvitationView {
  id: string;
  batchId?: string;
  email: string;
  status: InvitationStatus;
  mode: InvitationMode;
  roleIds: string[];
  organizationIds: string[];
  organizationRoleIds: string[];
  locale: string;
  metadata: Record<string, unknown>;
  name?: string;
  inviter: Inviter;
  redirectUrl?: string;
  reminder: boolean;
  createdAt: string;
  updatedAt: string;
  expiresAt: string;
  delivery: { status: DeliveryStatus; sendCount: number; lastSentAt?: string; lastError?: string };
  acceptedAt?: string;
  acceptedUserId?: string;
  revokedAt?: string;
}

/** What the API shows of the delivery: `queued` while a send of a pending invitation is outstanding. */
export function deliveryView(invitation: Pick<Invitation, 'status' | 'expiresAt' | 'delivery'>, now: Date): InvitationView['delivery'] {
  const { status, sendCount, lastSentAt, lastError } = invitation.delivery;
  const queued = effectiveStatus(invitation, now) === 'pending' && outstandingSend(invitation) !== undefined;
  return { status: queued ? 'queued' : status, sendCount, ...(lastSentAt && { lastSentAt }), ...(lastError && { lastError }) };
}

/** Where an invitation of a batch stands, for the batch's progress bar. */
export const batchProgressKeys = ['queued', 'sent', 'failed', 'accepted', 'ended'] as const;
export type BatchProgressKey = (typeof batchProgressKeys)[number];

/**
 * `accepted`; `ended` (revoked or expired unaccepted); `failed` (undeliverable, or its latest send failed);
 * `sent` (the email is out: sent or delivered); `queued` (a send not yet settled).
 */
export function batchProgressOf(invitation: Pick<Invitation, 'status' | 'expiresAt' | 'delivery'>, now: Date): BatchProgressKey {
  const status = effectiveStatus(invitation, now);
  if (status === 'accepted') return 'accepted';
  if (status === 'revoked' || status === 'expired') return 'ended';
  const delivery = deliveryView(invitation, now).status;
  if (status === 'undeliverable' || delivery === 'failed' || delivery === 'bounced' || delivery === 'complained') return 'failed';
  return delivery === 'queued' ? 'queued' : 'sent';
}

export function toView(invitation: Invitation, now: Date): InvitationView {
  const {
    version: _version,
    tokenIds: _tokenIds,
    blockedUserIds: _blocked,
    mayHaveStrays: _strays,
    grants: _grants,
    remindedAt: _remindedAt,
    delivery: _delivery,
    provisionedUserId: _provisioned,
    passwordSet: _passwordSet,
    acceptClaimedAt: _claimed,
    accountClosed: _closed,
    ...rest
  } = invitation;
  return { ...rest, status: effectiveStatus(invitation, now), delivery: deliveryView(invitation, now) };
}
