/**
 * The invitation and its status rules. Pure TypeScript: no AWS, no HTTP, no `process.env`.
 */

export const invitationStatuses = ['pending', 'accepted', 'expired', 'revoked', 'undeliverable'] as const;
export type InvitationStatus = (typeof invitationStatuses)[number];

/** Statuses an invitation never leaves. */
export const finalStatuses: ReadonlySet<InvitationStatus> = new Set(['accepted', 'expired', 'revoked']);

export const invitationModes = ['magic-link', 'accept-link', 'provision'] as const;
export type InvitationMode = (typeof invitationModes)[number];

/** `skipped`: created with `notify: false`, the link went to the caller instead of an email. */
export const deliveryStatuses = ['queued', 'sent', 'delivered', 'bounced', 'complained', 'failed', 'skipped'] as const;
export type DeliveryStatus = (typeof deliveryStatuses)[number];

export interface Inviter {
  id?: string;
  name?: string;
  email?: string;
}

export interface Delivery {
  status: DeliveryStatus;
  /** Emails actually handed to the mail service for this invitation. */
  sendCount: number;
  lastSentAt?: string;
  /** The last error that left the delivery queued or failed (a code such as `ses.unavailable`). */
  lastError?: string;
  /**
   * A send in flight: claimed before the mail service is called, cleared after. Found after `until`, it
   * means the outcome is unknown (the worker died or the call timed out), and the send is not repeated.
   */
  attempt?: { sendCount: number; until: string };
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
  inviter: Inviter;
  redirectUrl?: string;
  reminder: boolean;
  createdAt: string;
  updatedAt: string;
  expiresAt: string;
  delivery: Delivery;
  /** Id of the Logto one-time token behind the current link. */
  tokenId?: string;
  acceptedAt?: string;
  acceptedUserId?: string;
  revokedAt?: string;
  /** Set when the one reminder was claimed. */
  remindedAt?: string;
  grants?: GrantStatus;
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

/** The invitation as the API shows it: computed status, internal fields left out. */
export interface InvitationView {
  id: string;
  email: string;
  status: InvitationStatus;
  mode: InvitationMode;
  roleIds: string[];
  organizationIds: string[];
  organizationRoleIds: string[];
  locale: string;
  metadata: Record<string, unknown>;
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

export function toView(invitation: Invitation, now: Date): InvitationView {
  const { version: _version, tokenId: _tokenId, grants: _grants, remindedAt: _remindedAt, delivery, ...rest } = invitation;
  const { attempt: _attempt, ...deliveryView } = delivery;
  return { ...rest, status: effectiveStatus(invitation, now), delivery: deliveryView };
}
