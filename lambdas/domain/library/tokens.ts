/**
 * The token ledger: minting Logto one-time tokens for an invitation and finding out what became of them.
 * The rule it serves (DESIGN.md, "Token accounting"): every token is recorded on the invitation before it
 * can reach an email, and whoever ends the invitation revokes every recorded token plus any stray one
 * Logto still lists for the email.
 */
import { UpstreamError } from '../errors.ts';
import { type Invitation } from '../invitation.ts';
import type { OneTimeToken } from '../ports.ts';
import type { LibraryContext } from './context.ts';

/**
 * A token minted for an invitation expires with it (its `expiresIn` is the remaining lifetime), so its
 * `expiresAt` matches the invitation's, give or take the clock difference between Logto and us. That is
 * how a stray token (minted, then never recorded because its minter died or its answer was lost) is told
 * apart from the tokens of other invitations and other software for the same email.
 */
const fingerprintToleranceMs = 60_000;

export interface Revoked {
  /** Logto confirmed these dead (revoked now, or already revoked, consumed, expired or gone). */
  dead: string[];
  /** Used by the invitee before we revoked it: they registered (or signed in) with it. */
  consumed: string[];
  /** At least one was still active, so a consumption could have raced our revocation. */
  revokedActive: boolean;
  /** Logto could not be asked about some: they stay recorded, and someone asks again. */
  failed: boolean;
}

export function createTokenLedger(ctx: LibraryContext) {
  const { identity, clock, store } = ctx;

  /** The token lives exactly as long as the invitation (at least one second). */
  function mint(invitation: Invitation): Promise<OneTimeToken> {
    const remaining = Math.ceil((Date.parse(invitation.expiresAt) - clock.now().getTime()) / 1000);
    return identity.createOneTimeToken({
      email: invitation.email,
      expiresIn: Math.max(remaining, 1),
      jitOrganizationIds: invitation.organizationIds,
    });
  }

  /** Revokes each token still active and reports what Logto had. Only Logto being unavailable is tolerated. */
  async function revoke(tokenIds: readonly string[]): Promise<Revoked> {
    const result: Revoked = { dead: [], consumed: [], revokedActive: false, failed: false };
    await Promise.all(
      tokenIds.map(async (id) => {
        try {
          const before = await identity.revokeOneTimeToken(id);
          result.dead.push(id);
          if (before === 'consumed') result.consumed.push(id);
          if (before === 'active') result.revokedActive = true;
        } catch (error) {
          if (!(error instanceof UpstreamError)) throw error;
          result.failed = true;
        }
      }),
    );
    return result;
  }

  /**
   * Active tokens Logto lists for the invitation's email that look minted for it but were never recorded.
   * A token of the email's current pending invitation (another one) is never among them.
   */
  async function strays(invitation: Invitation): Promise<string[]> {
    const mintedFor = (token: OneTimeToken, other: Invitation) => Math.abs(token.expiresAt - Date.parse(other.expiresAt)) <= fingerprintToleranceMs;
    const active = await identity.listActiveOneTimeTokens(invitation.email);
    let found = active.filter((token) => !invitation.tokenIds.includes(token.id) && mintedFor(token, invitation));
    if (found.length === 0) return [];
    const current = await store.findPendingByEmail(invitation.email);
    if (current && current.id !== invitation.id) {
      found = found.filter((token) => !current.tokenIds.includes(token.id) && !mintedFor(token, current));
    }
    return found.map((token) => token.id);
  }

  /** The recorded tokens Logto says were consumed: the invitee registered with one of them. */
  async function consumed(invitation: Invitation): Promise<string[]> {
    const tokens = await Promise.all(invitation.tokenIds.map((id) => identity.getOneTimeToken(id)));
    return tokens.filter((token) => token?.status === 'consumed').map((token) => token!.id);
  }

  return { mint, revoke, strays, consumed };
}

export type TokenLedger = ReturnType<typeof createTokenLedger>;
