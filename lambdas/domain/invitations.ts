/**
 * The invitation use cases: create, get, list, resend, revoke, and the steps the webhook, the job queue
 * and the lifecycle run. A factory over injected ports, so tests pass real local adapters and nothing here
 * knows about AWS, HTTP or the environment. The parts live in `library/`, one concern each.
 *
 * Every state change is a conditional write plus a rule for what the loser undoes: a resend that loses to
 * a revoke revokes the token it minted; whoever ends an invitation revokes every token recorded on it
 * (and any stray one Logto lists); revoke and resend reconcile first, since a consumed token means the
 * invitee registered.
 */
import { AppError } from './errors.ts';
import { effectiveStatus, outstandingSend, type Invitation, type InvitationMode, type Inviter } from './invitation.ts';
import type { Actor, ListPage, ListQuery } from './ports.ts';
import { createAcceptForm } from './library/accept-form.ts';
import { createAccessRequests } from './library/access-requests.ts';
import { createAcceptance } from './library/acceptance.ts';
import { createBatches } from './library/batches.ts';
import { createContext, type InvitationDeps } from './library/context.ts';
import { createDelivery, withSendRequested } from './library/delivery.ts';
import { createDirectory } from './library/directory.ts';
import { createLifecycle } from './library/lifecycle.ts';
import { createModes } from './library/modes/index.ts';
import { createReferrals } from './library/referrals.ts';
import { createTokenLedger } from './library/tokens.ts';

export type { InvitationDeps, InvitationSettings } from './library/context.ts';
export type { MailEvent } from './library/lifecycle.ts';
export type { AcceptPage, AcceptSubmission } from './library/accept-form.ts';
export type { BatchProgress, BatchResult, BatchRow, DryRunResult, RejectedRow } from './library/batches.ts';
export type { LogtoEvent } from './library/modes/index.ts';
export { formatExpiry, previewLinkPlaceholder } from './library/delivery.ts';
export type { EmailPreview } from './library/delivery.ts';

/** A create request after validation: email normalised, optional fields still optional. */
export interface CreateInput {
  email: string;
  mode?: InvitationMode;
  roleIds?: string[];
  organizationIds?: string[];
  organizationRoleIds?: string[];
  expiresIn?: number;
  locale?: string;
  metadata?: Record<string, unknown>;
  /** The invitee's name. */
  name?: string;
  inviter?: Inviter;
  redirectUrl?: string;
  notify?: boolean;
  reminder?: boolean;
  /** provision only: set at Logto, never stored, logged or echoed. */
  password?: string;
  /** Where the invitation came from (an access request, a referral): recorded on its `created` event. */
  origin?: Record<string, unknown>;
}

export interface Created {
  invitation: Invitation;
  /** Only with `notify: false`: the caller delivers the link. */
  link?: string;
}

const alreadyAccepted = () =>
  new AppError('invitation.already_accepted', 409, 'The invitee has registered: the invitation is accepted.');

export function createInvitationLibrary(deps: InvitationDeps) {
  const ctx = createContext(deps);
  const { store, identity, clock, ids, settings } = ctx;
  const modes = createModes(ctx, createTokenLedger(ctx));
  const acceptance = createAcceptance(ctx, modes);
  const delivery = createDelivery(ctx, modes, acceptance);
  const lifecycle = createLifecycle(ctx, acceptance, delivery);
  const acceptForm = createAcceptForm(ctx, acceptance);
  const accessRequests = createAccessRequests(ctx, async (input, actor) => (await create(input as CreateInput, actor)).invitation);
  const batches = createBatches(ctx, { checkRules, insert: async (input, actor, batchId) => (await insert(input, actor, batchId)).invitation });
  const referrals = createReferrals(ctx, async (input, actor) => (await create(input, actor)).invitation, accessRequests);

  function checkRules(input: CreateInput): void {
    const domain = input.email.slice(input.email.lastIndexOf('@') + 1);
    if (settings.allowedEmailDomains.length > 0 && !settings.allowedEmailDomains.includes(domain)) {
      throw new AppError('invitation.domain_not_allowed', 422, `Invitations to ${domain} are not allowed.`, [
        { path: 'email', code: 'invitation.domain_not_allowed', message: `Domain ${domain} is not on the allow-list.` },
      ]);
    }
    if (input.redirectUrl && !onRedirectAllowList(input.redirectUrl)) {
      throw new AppError('invitation.redirect_not_allowed', 422, 'redirectUrl is not on the allow-list.', [
        { path: 'redirectUrl', code: 'invitation.redirect_not_allowed', message: 'Not on the allow-list.' },
      ]);
    }
    const mode = input.mode ?? settings.defaultMode;
    if (input.password !== undefined && mode !== 'provision') {
      throw new AppError('invitation.password_not_allowed', 422, 'A password can only be set for a provision invitation.', [
        { path: 'password', code: 'invitation.password_not_allowed', message: `Mode ${mode} creates no account up front.` },
      ]);
    }
  }

  /**
   * Same origin and a path under the entry's path: a plain string prefix would let
   * `https://app.example.com.evil.net` pass for `https://app.example.com`.
   */
  function onRedirectAllowList(url: string): boolean {
    const target = new URL(url);
    return settings.redirectAllowList.some((entry) => {
      const allowed = new URL(entry);
      return target.origin === allowed.origin && target.pathname.startsWith(allowed.pathname);
    });
  }

  async function refuseConflicts(email: string): Promise<void> {
    const pending = await store.findPendingByEmail(email);
    if (pending && effectiveStatus(pending, clock.now()) === 'pending') {
      throw new AppError('invitation.already_pending', 409, 'A pending invitation for this email already exists.', {
        invitationId: pending.id,
      });
    }
    if (await identity.findUserByEmail(email)) throw alreadyRegistered();
  }

  function build(input: CreateInput, actor: Actor, batchId?: string): Invitation {
    const now = clock.now();
    const inviter = input.inviter ?? { ...(actor.id && { id: actor.id }), ...(actor.name && { name: actor.name }) };
    const invitation: Invitation = {
      id: ids.invitationId(),
      email: input.email,
      status: 'pending',
      mode: input.mode ?? settings.defaultMode,
      roleIds: input.roleIds ?? [],
      organizationIds: input.organizationIds ?? [],
      organizationRoleIds: input.organizationRoleIds ?? [],
      // As the caller sent it (`de-CH`); the email uses the nearest language we ship.
      locale: input.locale ?? settings.defaultLocale,
      metadata: input.metadata ?? {},
      ...(input.name && { name: input.name }),
      inviter,
      ...(input.redirectUrl && { redirectUrl: input.redirectUrl }),
      reminder: input.reminder ?? true,
      createdAt: now.toISOString(),
      updatedAt: now.toISOString(),
      expiresAt: new Date(now.getTime() + (input.expiresIn ?? settings.defaultExpiresIn) * 1000).toISOString(),
      delivery: { status: input.notify === false ? 'skipped' : 'queued', sendCount: 0, settled: 0 },
      tokenIds: [],
      ...(batchId && { batchId }),
      version: 1,
    };
    return input.notify === false ? invitation : withSendRequested(invitation, actor);
  }

  const alreadyRegistered = () => new AppError('invitation.already_registered', 409, 'A user with this email is already registered.');

  /**
   * Creates an invitation. Nothing is written for bad input or a conflict. With an email wanted and nothing
   * to make at Logto first, the checks and the link are made at once ({@link createAndSend}); otherwise the
   * conflicts are ruled out first. What the mode needs at Logto first (provision: the user) is made before
   * anything is stored, and undone if storing fails. With `notify: false` the caller needs the link now, so
   * it is minted before anything is stored: a Logto failure is a 503 and writes nothing.
   */
  async function create(input: CreateInput, actor: Actor): Promise<Created> {
    checkRules(input);
    const built = build(input, actor);
    if (input.notify !== false && !modes.of(built).preparesAtLogto) return createAndSend(built, actor, input.origin);
    await refuseConflicts(input.email);
    return insert(input, actor, undefined, built);
  }

  /**
   * The common create, in the fewest calls: the email's slot reserved (the pending check), the Logto user
   * looked up and the first link minted, all at once; then the invitation written with its credential
   * recorded, its first send claimed and its `created` event; then the email, and the send settled on the
   * version just written beside its `sent` event. Four DynamoDB calls and two Logto calls when nothing
   * fails. A create refused after all (a pending invitation, a registered user, Logto down) releases its
   * slot and deletes its token (whose secret went nowhere), so it leaves nothing behind. A link Logto could not mint is the job queue's
   * to send, as is an email SES could not take: the invitation is stored `queued` either way.
   */
  async function createAndSend(built: Invitation, actor: Actor, origin?: Record<string, unknown>): Promise<Created> {
    const now = clock.now();
    const mode = modes.of(built);
    const claimed: Invitation = {
      ...built,
      delivery: { ...built.delivery, attempt: { number: 1, until: new Date(now.getTime() + settings.sendLeaseSeconds * 1000).toISOString() } },
    };
    const [reserved, user, issued] = await Promise.allSettled([
      store.reserve(built.email, built.id, now),
      identity.findUserByEmail(built.email),
      mode.issue(claimed),
    ]);
    const credential = issued.status === 'fulfilled' ? issued.value.credential : undefined;
    const refuse = async (error: unknown): Promise<never> => {
      await Promise.allSettled([
        reserved.status === 'fulfilled' ? store.releaseReservation(built.email, built.id) : undefined,
        credential ? mode.withdraw(credential.id) : undefined,
      ]);
      throw error;
    };
    if (reserved.status === 'rejected') return refuse(reserved.reason);
    if (user.status === 'rejected') return refuse(user.reason);
    if (user.value) return refuse(alreadyRegistered());
    const created = { type: 'created' as const, at: now.toISOString(), actor, ...(origin && { data: origin }) };

    if (issued.status === 'rejected') {
      if (!(issued.reason instanceof AppError)) return refuse(issued.reason);
      // No link yet: stored with its send asked for, which the request tries once more and the queue after it.
      await store.insertReserved(built, [created]).catch(refuse);
      await lifecycle.scheduleNow(built);
      await delivery.deliverNow(built.id, 1);
      return { invitation: await ctx.load(built.id) };
    }
    const stored: Invitation = credential
      ? { ...claimed, tokenIds: [credential.id], ...(credential.mayHaveTwin && { mayHaveStrays: true }) }
      : claimed;
    await store.insertReserved(stored, [created]).catch(refuse);
    const [invitation] = await Promise.all([delivery.sendClaimedNow(stored, issued.value), lifecycle.scheduleNow(stored)]);
    return { invitation };
  }

  /**
   * Stores a checked invitation (rules and conflicts seen to by the caller; the store still refuses a
   * second pending one for the email) and starts its lifecycle. In a batch its first email is the job
   * queue's to send, at the pace the queue drains; otherwise it is sent now.
   */
  async function insert(input: CreateInput, actor: Actor, batchId?: string, built = build(input, actor, batchId)): Promise<Created> {
    const mode = modes.of(built);
    const invitation = await mode.prepare(built, { ...(input.password !== undefined && { password: input.password }) });
    const origin = batchId ? { ...input.origin, batchId } : input.origin;
    const created = { type: 'created' as const, at: clock.now().toISOString(), actor, ...(origin && { data: origin }) };
    const stored = async (withLink: Invitation, undo: () => Promise<unknown>) => {
      try {
        await store.create(withLink, clock.now(), [created]);
      } catch (error) {
        await undo();
        await mode.discard(withLink);
        throw error;
      }
      await lifecycle.scheduleNow(withLink);
    };

    if (input.notify === false) {
      const issued = await mode.issue(invitation).catch(async (error: unknown) => {
        await mode.discard(invitation);
        throw error;
      });
      const { credential } = issued;
      const withLink = credential
        ? { ...invitation, tokenIds: [credential.id], ...(credential.mayHaveTwin && { mayHaveStrays: true }) }
        : invitation;
      await stored(withLink, () => (credential ? mode.revoke([credential.id]) : Promise.resolve()));
      return { invitation: withLink, link: issued.link };
    }

    await stored(invitation, () => Promise.resolve());
    if (batchId) return { invitation };
    await delivery.deliverNow(invitation.id, 1);
    return { invitation: await ctx.load(invitation.id) };
  }

  /**
   * The 409 for an invitation found no longer pending: `already_accepted` when it was accepted while we
   * looked (a consumed token found by reconciling, an acceptance racing us), else `not_pending`.
   */
  function notPending(invitation: Invitation, what: string, wasAccepted = false): AppError {
    if (invitation.status === 'accepted' && !wasAccepted) return alreadyAccepted();
    const status = effectiveStatus(invitation, clock.now());
    return new AppError('invitation.not_pending', 409, `The invitation is ${status}; only pending invitations can be ${what}.`);
  }

  /**
   * New link, email sent again, older links revoked once it is out. Reconciles first: a consumed token
   * makes it 409 `invitation.already_accepted` (and accepts it). Of two resends at once, one sends.
   */
  async function resend(id: string, actor: Actor): Promise<Invitation> {
    const current = await ctx.load(id);
    const invitation = await acceptance.reconcile(current);
    if (effectiveStatus(invitation, clock.now()) !== 'pending') throw notPending(invitation, 'resent', current.status === 'accepted');
    // A send whose worker died (its lease ran out, no answer recorded: a request killed mid-send has no
    // job to find it) is settled first as of unknown outcome, never repeated; then this resend asks anew.
    const { attempt } = invitation.delivery;
    if (attempt && Date.parse(attempt.until) <= clock.now().getTime()) await delivery.deliver(id, attempt.number);
    const { after, changed } = await ctx.update(id, (inv) =>
      effectiveStatus(inv, clock.now()) === 'pending' && !outstandingSend(inv) ? withSendRequested(inv, actor) : undefined,
    );
    if (!changed) {
      if (effectiveStatus(after, clock.now()) !== 'pending') throw notPending(after, 'resent');
      throw new AppError('invitation.delivery_in_progress', 409, 'An email for this invitation is queued or being sent; try again shortly.');
    }
    await delivery.deliverNow(id, after.delivery.request!.number);
    const final = await ctx.load(id);
    if (final.status !== 'pending') throw notPending(final, 'resent');
    return final;
  }

  /**
   * Marks the invitation revoked (the write every racing minter loses to), then revokes every token of it
   * at Logto before answering. Reconciles first: a consumed token makes it 409
   * `invitation.already_accepted`. Revoking twice is fine.
   */
  async function revoke(id: string, actor: Actor): Promise<Invitation> {
    const current = await ctx.load(id);
    if (current.status === 'revoked') return current;
    const invitation = await acceptance.reconcile(current);
    const revocable = (inv: Invitation) => inv.status === 'undeliverable' || effectiveStatus(inv, clock.now()) === 'pending';
    const refuse = (inv: Invitation) =>
      inv.status === 'accepted' && current.status !== 'accepted'
        ? alreadyAccepted()
        : new AppError('invitation.not_revocable', 409, `The invitation is ${effectiveStatus(inv, clock.now())} and cannot be revoked.`);
    if (!revocable(invitation)) throw refuse(invitation);
    const now = clock.now().toISOString();
    const { after, changed } = await ctx.update(id, (inv) => (revocable(inv) ? ctx.ended(inv, { status: 'revoked', revokedAt: now }) : undefined));
    if (!changed) {
      if (after.status === 'revoked') return after;
      throw refuse(after);
    }
    await ctx.record(id, 'revoked', actor);
    await acceptance.stopLifecycle(id);
    await acceptance.close(after);
    return after;
  }

  return {
    create,
    /** Up to 1,000 at once: each row checked, the accepted ones stored and queued for email. */
    createBatch: batches.submit,
    /** A batch's checks alone: what it would accept and reject, with nothing stored, reserved or sent. */
    checkBatch: batches.dryRun,
    batchProgress: batches.progress,
    /** The `redrive-batch` job: the first emails of a batch whose request died before queueing them. */
    redriveBatch: batches.redriveUnrecorded,
    accessRequests,
    refer: referrals.refer,
    /** The roles, organizations and organization roles an invitation can name, as Logto lists them. */
    directory: createDirectory(ctx),
    get: ctx.load,
    list: (query: ListQuery): Promise<ListPage> => store.list(query, clock.now()),
    events: async (id: string) => {
      await ctx.load(id);
      return store.listEvents(id);
    },
    resend,
    revoke,
    /** A Logto event about a user (the webhook): a registration, or a provisioned user's sign-in. */
    accept: acceptance.acceptRegistration,
    /** accept-link: the page behind the link, and its form's POST. */
    acceptPage: acceptForm.page,
    acceptSubmit: acceptForm.submit,
    /** The email of the latest send, rendered as sent with its link hidden; nothing is minted or sent. */
    emailPreview: delivery.preview,
    deliver: delivery.deliver,
    /** The queue gave up on a send: it shows as failed. */
    abandonDelivery: delivery.abandon,
    grant: acceptance.grant,
    close: acceptance.closeLater,
    suspend: acceptance.suspend,
    schedule: lifecycle.schedule,
    reconcile: lifecycle.reconcile,
    remind: lifecycle.remind,
    expire: lifecycle.expire,
    recordMailEvent: lifecycle.recordMailEvent,
  };
}

export type InvitationLibrary = ReturnType<typeof createInvitationLibrary>;
