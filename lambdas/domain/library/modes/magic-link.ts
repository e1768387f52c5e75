/**
 * Option 1 of Logto's guide: the email carries a Logto one-time token; Logto registers the invitee when
 * the app's landing page signs in with it, even with registration closed.
 */
import { effectiveStatus, magicLink, type Invitation } from '../../invitation.ts';
import type { LibraryContext } from '../context.ts';
import type { TokenLedger } from '../tokens.ts';
import { raceWindowMs, type ModeStrategy } from './mode.ts';

export function createMagicLinkMode(ctx: LibraryContext, tokens: TokenLedger): ModeStrategy {
  const { identity, clock, settings } = ctx;
  const hasConsumed = async (invitation: Invitation) => invitation.tokenIds.length > 0 && (await tokens.consumed(invitation)).length > 0;

  return {
    email: 'invitation',
    preparesAtLogto: false,
    prepare: async (invitation) => invitation,
    discard: async () => undefined,
    async issue(invitation) {
      const token = await tokens.mint(invitation);
      return {
        credential: { id: token.id, ...(token.mayHaveTwin && { mayHaveTwin: true }) },
        link: magicLink(invitation.redirectUrl ?? settings.landingUrl, token.token, invitation.email),
      };
    },
    withdraw: (id) => ctx.identity.deleteOneTimeToken(id),
    revoke: tokens.revoke,
    strays: tokens.strays,
    async evidence(invitation) {
      if (!(await hasConsumed(invitation))) return undefined;
      return (await identity.findUserByEmail(invitation.email))?.id;
    },
    // A registration accepts it; past `expiresAt` too, when a token of it was consumed (Logto only allows that while the token lived).
    async admits(event, invitation) {
      if (event === 'PostSignIn') return false;
      return effectiveStatus(invitation, clock.now()) === 'pending' || (await hasConsumed(invitation));
    },
    async intruder(invitation, { consumed, revokedActive, startedAt }) {
      if (!consumed && !revokedActive) return undefined;
      const user = await identity.findUserByEmail(invitation.email);
      if (!user) return undefined;
      const registeredAfterInvite = (user.createdAt ?? Number.POSITIVE_INFINITY) >= Date.parse(invitation.createdAt) - raceWindowMs;
      const registeredJustNow = (user.createdAt ?? 0) >= startedAt - raceWindowMs;
      return registeredAfterInvite && (consumed || registeredJustNow) ? user.id : undefined;
    },
    leaked: hasConsumed,
    undo: async () => undefined,
  };
}
