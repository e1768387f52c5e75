/**
 * One strategy per invitation mode (the three options of Logto's invitation guide): what exists before the
 * invitation is stored, what the email links to, what counts as acceptance, and what ending it undoes. The
 * use cases ask the invitation's strategy and never switch on `mode` themselves.
 */
import type { Invitation } from '../../invitation.ts';
import type { EmailKind } from '../../ports.ts';
import type { Revoked } from '../tokens.ts';

/**
 * A user Logto created this long before we revoked a credential that was still live may have got in with
 * it in the moment between our read and our revocation. Covers the clock difference between Logto and us.
 */
export const raceWindowMs = 60_000;

/** The Logto webhook events that may tell us an invitee accepted. */
export type LogtoEvent = 'PostRegister' | 'User.Created' | 'PostSignIn';

/** A link for one email (or for the caller of a `notify: false` create). */
export interface Issued {
  /** Recorded on the invitation before the link can reach anyone; absent when the link carries no secret. */
  credential?: { id: string; mayHaveTwin?: boolean };
  link: string;
}

/** What closing an ended invitation's credentials found at Logto. */
export interface CloseFindings {
  /** A credential had been used before we revoked it. */
  consumed: boolean;
  /** A credential was still active when we revoked it, so a use could have raced the revocation. */
  revokedActive: boolean;
  /** When the closing began (epoch ms). */
  startedAt: number;
}

export interface ModeStrategy {
  /** The email this mode sends (the reminder is the same email, marked as a reminder). */
  readonly email: EmailKind;
  /**
   * Runs before the invitation is stored, and may refuse it: what must exist at Logto first (provision:
   * the user, with the inviter's password, which goes nowhere else). Returns the invitation to store.
   */
  prepare(invitation: Invitation, secrets: { password?: string }): Promise<Invitation>;
  /** {@link prepare} makes something at Logto, so it must wait until the create's conflicts are ruled out. */
  readonly preparesAtLogto: boolean;
  /** The prepared invitation could not be stored: what {@link prepare} created is undone. */
  discard(invitation: Invitation): Promise<void>;
  /** Mints the link of one email. */
  issue(invitation: Invitation): Promise<Issued>;
  /** Removes a credential whose link went nowhere (a create refused after it was minted): no trace is left. */
  withdraw(credentialId: string): Promise<void>;
  /** Kills recorded credentials and reports what they had been. */
  revoke(credentialIds: readonly string[]): Promise<Revoked>;
  /** Credentials minted for the invitation that never made it onto its record. */
  strays(invitation: Invitation): Promise<string[]>;
  /** The Logto user who accepted without our hearing of it (a consumed token, a first sign-in), if any. */
  evidence(invitation: Invitation): Promise<string | undefined>;
  /** Whether Logto's `event` for `userId` accepts this invitation, stored as pending. */
  admits(event: LogtoEvent, invitation: Invitation, userId: string): Promise<boolean>;
  /** Someone who got in through a link of the invitation as it ended without acceptance: to be blocked. */
  intruder(invitation: Invitation, findings: CloseFindings): Promise<string | undefined>;
  /** Whether a registration may have come through a link of this ended invitation. */
  leaked(invitation: Invitation): Promise<boolean>;
  /**
   * The invitation ended without acceptance and its credentials are dead: what else to undo at Logto
   * (provision: its user). Idempotent; throws `UpstreamError` when it must be tried again later.
   */
  undo(invitation: Invitation): Promise<void>;
}

/** Credentials that are ours alone (not Logto's): revoking one is dropping it from the record. */
export const dropped = async (credentialIds: readonly string[]): Promise<Revoked> => ({
  dead: [...credentialIds],
  consumed: [],
  revokedActive: false,
  failed: false,
});
