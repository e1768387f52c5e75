/**
 * Option 2 of Logto's guide: the email links to our own accept page (`GET /v1/accept?token=`); its form
 * POSTs, and we create the Logto user. The token is ours: 256 random bits after the invitation id, single
 * use, as long-lived as the invitation; only its SHA-256 is recorded, so the table never holds a live link.
 */
import { createHash } from 'node:crypto';
import type { LibraryContext } from '../context.ts';
import { dropped, raceWindowMs, type ModeStrategy } from './mode.ts';

/** What the record holds of an accept token. */
export const acceptTokenHash = (token: string): string => createHash('sha256').update(token, 'utf8').digest('hex');

/** The invitation an accept token names (`<invitationId>.<secret>`); undefined for anything else. */
export function invitationIdOf(token: string): string | undefined {
  const match = /^([\w-]{1,128})\.([\w-]{43})$/.exec(token);
  return match?.[1];
}

export function createAcceptLinkMode(ctx: LibraryContext): ModeStrategy {
  const { identity, ids, settings } = ctx;
  return {
    email: 'accept-link',
    preparesAtLogto: false,
    prepare: async (invitation) => invitation,
    discard: async () => undefined,
    async issue(invitation) {
      const token = `${invitation.id}.${ids.secret()}`;
      const link = new URL(settings.acceptUrl);
      link.searchParams.set('token', token);
      return { credential: { id: acceptTokenHash(token) }, link: link.toString() };
    },
    withdraw: async () => undefined,
    revoke: dropped,
    strays: async () => [],
    // The invitee submitted the form (we may have created their user and lost the rest): the user of the email accepts it.
    async evidence(invitation) {
      if (!invitation.acceptClaimedAt) return undefined;
      return (await identity.findUserByEmail(invitation.email))?.id;
    },
    // Acceptance is the form's POST, never a webhook (our own user creation fires `User.Created`).
    admits: async () => false,
    // The form's request removes a user it created for an invitation that ended meanwhile; one whose
    // creation Logto finished after the request gave up is found here: created since the form was submitted.
    async intruder(invitation, { startedAt }) {
      if (!invitation.acceptClaimedAt) return undefined;
      const user = await identity.findUserByEmail(invitation.email);
      const since = Math.min(Date.parse(invitation.acceptClaimedAt), startedAt) - raceWindowMs;
      return user && (user.createdAt ?? 0) >= since ? user.id : undefined;
    },
    leaked: async () => false,
    undo: async () => undefined,
  };
}
