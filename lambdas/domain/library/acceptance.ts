/**
 * How an invitation ends well or is kept shut: acceptance (by the webhook, or by reconciling a consumed
 * token), the grants that follow it, closing an ended invitation's tokens, and suspending anyone who still
 * got in through a link of an invitation that had ended.
 */
import { AppError, UpstreamError } from '../errors.ts';
import { effectiveStatus, maxEmailLength, type Invitation } from '../invitation.ts';
import { retryDelaySeconds, systemActor, type LibraryContext } from './context.ts';
import type { TokenLedger } from './tokens.ts';

/**
 * A user Logto created this long before we revoked a token that was still active may have registered with
 * it in the moment between our read and our revocation (Logto's status update would then have replaced
 * `consumed` with `revoked`). Covers the clock difference between Logto and us.
 */
const raceWindowMs = 60_000;

/** What a grant item is, for the audit trail. */
type GrantKind = 'role' | 'organization' | 'organizationRole' | 'customData';
interface Skipped {
  kind: GrantKind;
  id: string;
  organizationId?: string;
  code: string;
}

/** Logto refused the item for good (a missing role or organization, a refused value): not worth a retry. */
const isRefusal = (error: unknown): error is AppError =>
  error instanceof AppError && !(error instanceof UpstreamError) && error.status < 500;

export function createAcceptance(ctx: LibraryContext, tokens: TokenLedger) {
  const { store, identity, jobs, clock, lifecycle } = ctx;

  /** A lifecycle left running is harmless (its tasks end at a final invitation), so stopping is best effort. */
  const stopLifecycle = (id: string) => lifecycle.stop(id).catch(() => undefined);

  /**
   * A stored-pending invitation becomes accepted by `userId` (also past `expiresAt`: the evidence is a
   * registration or a consumed token, which Logto only allows while the token lived). Its other links die,
   * and the grants follow. Returns the accepted invitation, or undefined when it was no longer pending.
   */
  async function accept(id: string, userId: string, via: string): Promise<Invitation | undefined> {
    const now = clock.now().toISOString();
    const { after, changed } = await ctx.update(id, (inv) =>
      inv.status === 'pending' ? ctx.ended(inv, { status: 'accepted', acceptedAt: now, acceptedUserId: userId, grants: 'pending' }) : undefined,
    );
    if (!changed) return undefined;
    await ctx.record(id, 'accepted', { type: 'invitee', id: userId }, { via });
    await stopLifecycle(id);
    // Answered 2xx once stored: whatever fails from here on is retried by the job queue.
    await close(after).catch(() => jobs.enqueue({ kind: 'close', invitationId: id }, retryDelaySeconds));
    await grant(id).catch(() => jobs.enqueue({ kind: 'grant', invitationId: id }, retryDelaySeconds));
    return after;
  }

  /**
   * A consumed token means the invitee registered, whether or not the webhook arrived: a stored-pending
   * invitation with one is accepted now. Every state change starts here. Returns the invitation as stored
   * afterwards. Throws `UpstreamError` when Logto cannot be asked (nothing changed then).
   */
  async function reconcile(invitation: Invitation): Promise<Invitation> {
    if (invitation.status !== 'pending' || invitation.tokenIds.length === 0) return invitation;
    if ((await tokens.consumed(invitation)).length === 0) return invitation;
    await acceptConsumed(invitation);
    return ctx.load(invitation.id);
  }

  /** A token of the invitation was consumed: the user Logto registered for its email accepts it. */
  async function acceptConsumed(invitation: Invitation): Promise<void> {
    const user = await identity.findUserByEmail(invitation.email);
    if (user) await accept(invitation.id, user.id, 'reconcile');
  }

  /**
   * Logto registered a user (webhook): the email's pending invitation becomes accepted. With none, the
   * registration may have come through a link of an invitation that ended: then the user is suspended.
   * Returns the accepted invitation's id.
   */
  async function acceptRegistration(email: string, userId: string, via: string): Promise<string | undefined> {
    if (email.length > maxEmailLength) return undefined;
    const pending = await store.findPendingByEmail(email);
    if (pending?.mode === 'magic-link') {
      const open = effectiveStatus(pending, clock.now()) === 'pending' || (await tokens.consumed(pending)).length > 0;
      if (open && (await accept(pending.id, userId, via))) return pending.id;
    }
    await blockIfThroughEndedInvitation(email, userId);
    return undefined;
  }

  /** The email's latest invitations that ended without acceptance and still have a consumed token on record. */
  async function blockIfThroughEndedInvitation(email: string, userId: string): Promise<void> {
    const { items } = await store.list({ email, limit: 5 }, clock.now());
    for (const invitation of items) {
      const ended = invitation.status === 'revoked' || invitation.status === 'expired' || invitation.status === 'undeliverable';
      if (ended && invitation.tokenIds.length > 0 && (await tokens.consumed(invitation)).length > 0) {
        await block(invitation, userId, 'webhook');
      }
    }
  }

  /**
   * Someone registered through a link of an invitation that had ended (or ended in the same moment): the
   * user is suspended at Logto, once, and the audit trail (and so a metric) says so.
   */
  async function block(invitation: Invitation, userId: string, via: string): Promise<void> {
    const { after, changed } = await ctx.update(invitation.id, (inv) =>
      inv.blockedUserIds?.includes(userId) ? undefined : { ...inv, blockedUserIds: [...(inv.blockedUserIds ?? []), userId] },
    );
    if (!changed) return;
    await ctx.record(invitation.id, 'registration_blocked', systemActor, { userId, via, status: after.status });
    await identity.suspendUser(userId).catch(async (error: unknown) => {
      if (!(error instanceof UpstreamError)) throw error;
      await jobs.enqueue({ kind: 'suspend', invitationId: invitation.id, userId }, retryDelaySeconds);
    });
  }

  /**
   * The duty of whoever ended the invitation: every recorded token and every stray one revoked at Logto.
   * A token found consumed, or a user registered while we revoked, means someone got in through the
   * ended invitation's link: blocked (unless the ending is the acceptance). What Logto could not be asked
   * about stays recorded, and the job queue asks again.
   */
  async function close(invitation: Invitation, { late = false } = {}): Promise<void> {
    const startedAt = clock.now().getTime();
    const recorded = await tokens.revoke(invitation.tokenIds);
    let failed = recorded.failed;
    let consumed = recorded.consumed.length > 0;
    let revokedActive = recorded.revokedActive;
    try {
      const strays = await tokens.revoke(await tokens.strays(invitation));
      failed ||= strays.failed;
      consumed ||= strays.consumed.length > 0;
      revokedActive ||= strays.revokedActive;
    } catch (error) {
      if (!(error instanceof UpstreamError)) throw error;
      failed = true;
    }
    await tokens.forget(invitation.id, recorded.dead);
    if (invitation.status !== 'accepted' && (consumed || revokedActive)) {
      const user = await identity.findUserByEmail(invitation.email).catch((error: unknown) => {
        if (!(error instanceof UpstreamError)) throw error;
        failed = true;
        return undefined;
      });
      const registeredAfterInvite = user && (user.createdAt ?? Number.POSITIVE_INFINITY) >= Date.parse(invitation.createdAt) - raceWindowMs;
      const registeredJustNow = user && (user.createdAt ?? 0) >= startedAt - raceWindowMs;
      if (user && registeredAfterInvite && (consumed || registeredJustNow)) await block(invitation, user.id, 'close');
    }
    if (failed || (invitation.mayHaveStrays && !late)) {
      await jobs.enqueue({ kind: 'close', invitationId: invitation.id }, retryDelaySeconds);
    } else if (late && invitation.mayHaveStrays) {
      await ctx.update(invitation.id, (inv) => (inv.mayHaveStrays ? { ...inv, mayHaveStrays: undefined } : undefined));
    }
  }

  /**
   * The queued retry of {@link close}, and its second sweep for a twin token Logto may have created after
   * the first: only an invitation that is no longer pending.
   */
  async function closeLater(id: string): Promise<void> {
    const invitation = await ctx.load(id);
    if (invitation.status !== 'pending') await close(invitation, { late: true });
  }

  /**
   * Roles, organizations, organization roles and customData at Logto, item by item. Each call is
   * idempotent, so a retry after a failure that may pass redoes them all; an item Logto refuses (a role
   * or organization that does not exist) is skipped and recorded, and the rest is still granted.
   */
  async function grant(id: string): Promise<void> {
    const invitation = await ctx.load(id);
    const userId = invitation.acceptedUserId;
    if (invitation.status !== 'accepted' || invitation.grants !== 'pending' || !userId) return;
    const skipped: Skipped[] = [];
    const one = async (item: Omit<Skipped, 'code'>, call: () => Promise<void>): Promise<boolean> => {
      try {
        await call();
        return true;
      } catch (error) {
        if (!isRefusal(error)) throw error;
        skipped.push({ ...item, code: error.code });
        return false;
      }
    };
    /** All at once; after a refusal, one by one to find which. */
    const many = async (kind: GrantKind, ids: string[], assign: (ids: string[]) => Promise<void>, organizationId?: string) => {
      if (ids.length === 0) return;
      const item = (itemId: string) => ({ kind, id: itemId, ...(organizationId && { organizationId }) });
      if (ids.length === 1) return void (await one(item(ids[0]!), () => assign(ids)));
      try {
        await assign(ids);
      } catch (error) {
        if (!isRefusal(error)) throw error;
        for (const itemId of ids) await one(item(itemId), () => assign([itemId]));
      }
    };

    await many('role', invitation.roleIds, (roleIds) => identity.assignRoles(userId, roleIds));
    for (const organizationId of invitation.organizationIds) {
      const member = await one({ kind: 'organization', id: organizationId }, () => identity.addOrganizationMember(organizationId, userId));
      if (member) {
        await many('organizationRole', invitation.organizationRoleIds, (roleIds) => identity.assignOrganizationRoles(organizationId, userId, roleIds), organizationId);
      }
    }
    if (Object.keys(invitation.metadata).length > 0) {
      await one({ kind: 'customData', id: 'metadata' }, () => identity.mergeCustomData(userId, invitation.metadata));
    }

    const { changed } = await ctx.update(id, (inv) => (inv.grants === 'pending' ? { ...inv, grants: 'done' } : undefined));
    if (!changed) return;
    for (const item of skipped) await ctx.record(id, 'grant_skipped', systemActor, { ...item });
    await ctx.record(id, 'granted', systemActor, { userId, ...(skipped.length > 0 && { skipped: skipped.length }) });
  }

  /** The queued retry of a suspension. */
  async function suspend(id: string, userId: string): Promise<void> {
    await ctx.load(id);
    await identity.suspendUser(userId);
  }

  return { accept, acceptConsumed, acceptRegistration, reconcile, close, closeLater, grant, suspend, stopLifecycle };
}

export type Acceptance = ReturnType<typeof createAcceptance>;
