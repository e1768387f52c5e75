/**
 * How an invitation ends well or is kept shut: acceptance (by the webhook, or by reconciling a consumed
 * token), the grants that follow it, closing an ended invitation's tokens, and suspending anyone who still
 * got in through a link of an invitation that had ended.
 */
import { AppError, UpstreamError } from '../errors.ts';
import { maxEmailLength, type Invitation } from '../invitation.ts';
import { retryDelaySeconds, systemActor, type LibraryContext } from './context.ts';
import { ignoreGone } from './modes/accounts.ts';
import type { LogtoEvent, Modes } from './modes/index.ts';

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

const endedWithoutAcceptance = (invitation: Invitation) =>
  invitation.status === 'revoked' || invitation.status === 'expired' || invitation.status === 'undeliverable';

export function createAcceptance(ctx: LibraryContext, modes: Modes) {
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
   * The invitee may have accepted without our hearing of it (a lost webhook: a consumed token, a first
   * sign-in, a form whose request died): a stored-pending invitation with such evidence is accepted now.
   * Every state change starts here. Returns the invitation as stored afterwards. Throws `UpstreamError`
   * when Logto cannot be asked (nothing changed then).
   */
  async function reconcile(invitation: Invitation): Promise<Invitation> {
    if (invitation.status !== 'pending') return invitation;
    const userId = await modes.of(invitation).evidence(invitation);
    if (!userId) return invitation;
    await accept(invitation.id, userId, 'reconcile');
    return ctx.load(invitation.id);
  }

  /** A credential of the invitation turned out used: the evidence, if there is any, accepts it. */
  async function acceptConsumed(invitation: Invitation): Promise<void> {
    const userId = await modes.of(invitation).evidence(invitation);
    if (userId) await accept(invitation.id, userId, 'reconcile');
  }

  /**
   * A Logto event about a user (webhook): the email's pending invitation becomes accepted when its mode
   * says the event accepts it. A registration that accepts none may have come through a link of an
   * invitation that ended: then the user is suspended. Returns the accepted invitation's id.
   */
  async function acceptRegistration(email: string, userId: string, event: LogtoEvent): Promise<string | undefined> {
    if (email.length > maxEmailLength) return undefined;
    const pending = await store.findPendingByEmail(email);
    if (pending && (await modes.of(pending).admits(event, pending, userId)) && (await accept(pending.id, userId, event))) return pending.id;
    if (event !== 'PostSignIn') await blockIfThroughEndedInvitation(email, userId);
    return undefined;
  }

  /** The email's latest invitations that ended without acceptance and may have let this registration in. */
  async function blockIfThroughEndedInvitation(email: string, userId: string): Promise<void> {
    const { items } = await store.list({ email, limit: 5 }, clock.now());
    for (const invitation of items) {
      if (endedWithoutAcceptance(invitation) && (await modes.of(invitation).leaked(invitation))) await block(invitation, userId, 'webhook');
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
      if (!(error instanceof UpstreamError)) return ignoreGone(error);
      await jobs.enqueue({ kind: 'suspend', invitationId: invitation.id, userId }, retryDelaySeconds);
    });
  }

  /**
   * The duty of whoever ended the invitation: every recorded credential and every stray one revoked. One
   * found used, or a user registered while we revoked, means someone got in through the ended invitation's
   * link: blocked (unless the ending is the acceptance); and what the mode created at Logto is undone.
   * What Logto could not be asked about stays recorded, and the job queue asks again.
   */
  async function close(invitation: Invitation, { late = false } = {}): Promise<void> {
    const mode = modes.of(invitation);
    const startedAt = clock.now().getTime();
    const recorded = await mode.revoke(invitation.tokenIds);
    let failed = recorded.failed;
    let consumed = recorded.consumed.length > 0;
    let revokedActive = recorded.revokedActive;
    const tolerate = (error: unknown) => {
      if (!(error instanceof UpstreamError)) throw error;
      failed = true;
    };
    try {
      const strays = await mode.revoke(await mode.strays(invitation));
      failed ||= strays.failed;
      consumed ||= strays.consumed.length > 0;
      revokedActive ||= strays.revokedActive;
    } catch (error) {
      tolerate(error);
    }
    await forget(invitation.id, recorded.dead);
    if (invitation.status !== 'accepted') {
      const intruder = await mode.intruder(invitation, { consumed, revokedActive, startedAt }).catch(tolerate);
      if (intruder) await block(invitation, intruder, 'close');
      await mode.undo(invitation).catch(tolerate);
    }
    if (failed || (invitation.mayHaveStrays && !late)) {
      await jobs.enqueue({ kind: 'close', invitationId: invitation.id }, retryDelaySeconds);
    } else if (late && invitation.mayHaveStrays) {
      await ctx.update(invitation.id, (inv) => (inv.mayHaveStrays ? { ...inv, mayHaveStrays: undefined } : undefined));
    }
  }

  /** Drops credentials confirmed dead from the record (one recorded meanwhile stays). */
  async function forget(invitationId: string, dead: readonly string[]): Promise<void> {
    if (dead.length === 0) return;
    await ctx.update(invitationId, (inv) =>
      inv.tokenIds.some((id) => dead.includes(id)) ? { ...inv, tokenIds: inv.tokenIds.filter((id) => !dead.includes(id)) } : undefined,
    );
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
    await identity.suspendUser(userId).catch(ignoreGone);
  }

  return { accept, acceptConsumed, acceptRegistration, reconcile, close, closeLater, forget, grant, suspend, stopLifecycle };
}

export type Acceptance = ReturnType<typeof createAcceptance>;
