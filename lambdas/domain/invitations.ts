/**
 * The invitation use cases: create, get, list, resend, revoke, accept, and the delivery and grant steps
 * that the job queue retries. A factory over injected ports, so tests pass real local adapters and nothing
 * here knows about AWS, HTTP or the environment.
 */
import { AppError, notFound, UpstreamError } from './errors.ts';
import {
  effectiveStatus,
  magicLink,
  type Invitation,
  type InvitationMode,
  type InvitationStatus,
  type Inviter,
} from './invitation.ts';
import type {
  Actor,
  Clock,
  EventType,
  IdentityProvider,
  IdGenerator,
  InvitationStore,
  JobQueue,
  LifecycleScheduler,
  ListPage,
  ListQuery,
  Mailer,
  OneTimeToken,
} from './ports.ts';

export interface InvitationSettings {
  appName: string;
  /** Where the link in the email points unless the invitation names an allowed `redirectUrl`. */
  landingUrl: string;
  /** URL prefixes an invitation's `redirectUrl` must start with. */
  redirectAllowList: string[];
  /** Lower-case domains invitations may go to; empty allows every domain. */
  allowedEmailDomains: string[];
  defaultExpiresIn: number;
  defaultLocale: string;
  supportedLocales: readonly string[];
  defaultMode: InvitationMode;
  /** How long a worker may hold a send before its outcome counts as unknown. */
  sendLeaseSeconds: number;
  /** How long before `expiresAt` the one reminder goes out. */
  reminderBeforeExpirySeconds: number;
}

export interface InvitationDeps {
  store: InvitationStore;
  identity: IdentityProvider;
  mailer: Mailer;
  jobs: JobQueue;
  lifecycle: LifecycleScheduler;
  clock: Clock;
  ids: IdGenerator;
  settings: InvitationSettings;
}

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
  inviter?: Inviter;
  redirectUrl?: string;
  notify?: boolean;
  reminder?: boolean;
}

export interface Created {
  invitation: Invitation;
  /** Only with `notify: false`: the caller delivers the link. */
  link?: string;
}

/** Delay before the job queue retries a delivery that failed for a reason that may pass. */
const retryDelaySeconds = 30;

export function createInvitationLibrary(deps: InvitationDeps) {
  const { store, identity, mailer, jobs, lifecycle, clock, ids, settings } = deps;

  const record = (invitation: Invitation, type: EventType, actor: Actor, data?: Record<string, unknown>) =>
    store.appendEvent(invitation.id, { type, at: clock.now().toISOString(), actor, ...(data && { data }) });

  async function load(id: string): Promise<Invitation> {
    const invitation = await store.get(id);
    if (!invitation) throw notFound(id);
    return invitation;
  }

  /**
   * Read-modify-write with the store's optimistic lock. `change` returns the next state, or undefined
   * to leave the invitation as it is; it is re-run on the fresh state after a conflict.
   */
  async function update(
    id: string,
    change: (current: Invitation) => Invitation | undefined,
  ): Promise<{ before: Invitation; after: Invitation; changed: boolean }> {
    for (let attempt = 0; attempt < 10; attempt += 1) {
      const before = await load(id);
      const next = change(before);
      if (!next) return { before, after: before, changed: false };
      const after = { ...next, version: before.version + 1, updatedAt: clock.now().toISOString() };
      if (await store.replace(after, before.version)) return { before, after, changed: true };
    }
    throw new AppError('invitation.write_conflict', 503, 'The invitation is changing too fast; try again.');
  }

  function linkFor(invitation: Invitation, token: OneTimeToken): string {
    return magicLink(invitation.redirectUrl ?? settings.landingUrl, token.token, invitation.email);
  }

  /** The token lives exactly as long as the invitation (at least one second). */
  function mintToken(invitation: Invitation): Promise<OneTimeToken> {
    const remaining = Math.ceil((Date.parse(invitation.expiresAt) - clock.now().getTime()) / 1000);
    return identity.createOneTimeToken({
      email: invitation.email,
      expiresIn: Math.max(remaining, 1),
      jitOrganizationIds: invitation.organizationIds,
    });
  }

  /** Best effort: a token we could not revoke still expires with the invitation. */
  async function revokeQuietly(tokenId: string | undefined): Promise<void> {
    if (!tokenId) return;
    await identity.revokeOneTimeToken(tokenId).catch(() => undefined);
  }

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
    if (mode !== 'magic-link') {
      throw new AppError('invitation.mode_not_supported', 422, `Mode ${mode} is not available yet.`, [
        { path: 'mode', code: 'invitation.mode_not_supported', message: 'Only magic-link is available.' },
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
    if (await identity.findUserByEmail(email)) {
      throw new AppError('invitation.already_registered', 409, 'A user with this email is already registered.');
    }
  }

  function build(input: CreateInput, actor: Actor): Invitation {
    const now = clock.now();
    const locale = input.locale && settings.supportedLocales.includes(input.locale) ? input.locale : settings.defaultLocale;
    const inviter = input.inviter ?? { ...(actor.id && { id: actor.id }), ...(actor.name && { name: actor.name }) };
    return {
      id: ids.invitationId(),
      email: input.email,
      status: 'pending',
      mode: input.mode ?? settings.defaultMode,
      roleIds: input.roleIds ?? [],
      organizationIds: input.organizationIds ?? [],
      organizationRoleIds: input.organizationRoleIds ?? [],
      locale,
      metadata: input.metadata ?? {},
      inviter,
      ...(input.redirectUrl && { redirectUrl: input.redirectUrl }),
      reminder: input.reminder ?? true,
      createdAt: now.toISOString(),
      updatedAt: now.toISOString(),
      expiresAt: new Date(now.getTime() + (input.expiresIn ?? settings.defaultExpiresIn) * 1000).toISOString(),
      delivery: { status: input.notify === false ? 'skipped' : 'queued', sendCount: 0 },
      version: 1,
    };
  }

  /**
   * Creates an invitation. Nothing is written for bad input or a conflict. With an email wanted, the
   * invitation is stored first and then delivered; if Logto or SES fails, it stays `queued` and the job
   * queue retries, so it is neither lost nor sent twice. With `notify: false` the caller needs the link
   * now, so the token is minted before anything is stored: a Logto failure is a 503 and writes nothing.
   */
  async function create(input: CreateInput, actor: Actor): Promise<Created> {
    checkRules(input);
    await refuseConflicts(input.email);
    const invitation = build(input, actor);

    if (input.notify === false) {
      const token = await mintToken(invitation);
      const withToken = { ...invitation, tokenId: token.id };
      try {
        await store.create(withToken, clock.now());
      } catch (error) {
        await revokeQuietly(token.id);
        throw error;
      }
      await record(withToken, 'created', actor);
      await scheduleNow(withToken);
      return { invitation: withToken, link: linkFor(withToken, token) };
    }

    await store.create(invitation, clock.now());
    await record(invitation, 'created', actor);
    await scheduleNow(invitation);
    return { invitation: await deliverNow(invitation.id, 1) };
  }

  /**
   * The reminder goes out `reminderBeforeExpirySeconds` before expiry, if wanted and emailed, and only for
   * invitations that live longer than that; one started late (a retried start) reminds at once.
   */
  function lifecycleStart(invitation: Invitation) {
    const remindAt = Date.parse(invitation.expiresAt) - settings.reminderBeforeExpirySeconds * 1000;
    const wantsReminder =
      invitation.reminder &&
      !invitation.remindedAt &&
      invitation.delivery.status !== 'skipped' &&
      remindAt > Date.parse(invitation.createdAt);
    return {
      invitationId: invitation.id,
      ...(wantsReminder && { remindAt: new Date(Math.max(remindAt, clock.now().getTime())).toISOString() }),
      expiresAt: invitation.expiresAt,
    };
  }

  /** Starts the lifecycle; if that fails, the job queue starts it later (correctness never waits on it). */
  async function scheduleNow(invitation: Invitation): Promise<void> {
    try {
      await lifecycle.start(lifecycleStart(invitation));
    } catch (error) {
      if (!(error instanceof UpstreamError)) throw error;
      await jobs.enqueue({ kind: 'schedule', invitationId: invitation.id }, retryDelaySeconds);
    }
  }

  /** The queued start of a lifecycle whose first start failed. */
  async function schedule(id: string): Promise<void> {
    const invitation = await store.get(id);
    if (invitation?.status === 'pending') await lifecycle.start(lifecycleStart(invitation));
  }

  /** A lifecycle left running is harmless (its tasks end at a final invitation), so stopping is best effort. */
  async function stopLifecycle(id: string): Promise<void> {
    await lifecycle.stop(id).catch(() => undefined);
  }

  /**
   * Delivers in the request. A failure that may pass goes to the job queue (`delivery.status: queued`);
   * a refusal (SES or Logto said no for good) is recorded as `failed`. Either way the invitation stands
   * and the caller sees its delivery status.
   */
  async function deliverNow(id: string, sendCount: number, reminder = false): Promise<Invitation> {
    try {
      await deliver(id, sendCount, reminder);
    } catch (error) {
      if (error instanceof UpstreamError) {
        await jobs.enqueue({ kind: 'deliver', invitationId: id, sendCount, ...(reminder && { reminder }) }, retryDelaySeconds);
      } else if (!(error instanceof AppError)) {
        throw error;
      }
    }
    return load(id);
  }

  /**
   * Makes send number `sendCount` of an invitation happen at most once. Safe to call again for the same
   * number (the queue delivers at least once): a send already done is not repeated, one in flight is
   * left alone, and one whose outcome is unknown is marked `failed` instead of being repeated.
   * Throws `UpstreamError` when a retry may succeed.
   */
  async function deliver(id: string, sendCount: number, reminder = false): Promise<void> {
    const leaseUntil = new Date(clock.now().getTime() + settings.sendLeaseSeconds * 1000).toISOString();
    let unknownOutcome = false;
    const claim = await update(id, (inv) => {
      if (effectiveStatus(inv, clock.now()) !== 'pending' || inv.delivery.sendCount >= sendCount) return undefined;
      const attempt = inv.delivery.attempt;
      if (attempt && attempt.sendCount === sendCount) {
        if (Date.parse(attempt.until) > clock.now().getTime()) return undefined;
        unknownOutcome = true;
        return { ...inv, delivery: { ...inv.delivery, status: 'failed', lastError: 'delivery.outcome_unknown', attempt: undefined } };
      }
      return { ...inv, delivery: { ...inv.delivery, attempt: { sendCount, until: leaseUntil } } };
    });
    if (!claim.changed || unknownOutcome) return;
    const invitation = claim.after;

    let token: OneTimeToken;
    try {
      token = await mintToken(invitation);
    } catch (error) {
      await releaseClaim(id, sendCount, error);
      throw error;
    }

    try {
      await mailer.sendInvitation({
        invitationId: invitation.id,
        to: invitation.email,
        locale: invitation.locale,
        appName: settings.appName,
        inviterName: invitation.inviter.name ?? invitation.inviter.email ?? settings.appName,
        expiresAt: formatExpiry(invitation.expiresAt, invitation.locale),
        link: linkFor(invitation, token),
        reminder,
      });
    } catch (error) {
      if (error instanceof UpstreamError && error.ambiguous) {
        // The email may be in the inbox with this token: keep the token, never send again on our own.
        await finishSend(id, sendCount, token.id, { status: 'failed', lastError: 'delivery.outcome_unknown' });
        return;
      }
      await revokeQuietly(token.id);
      await releaseClaim(id, sendCount, error);
      throw error;
    }
    await finishSend(id, sendCount, token.id, { status: 'sent', sendCount, lastSentAt: clock.now().toISOString() }, reminder);
  }

  async function releaseClaim(id: string, sendCount: number, error: unknown): Promise<void> {
    const lastError = error instanceof AppError ? error.code : 'delivery.error';
    const retryable = error instanceof UpstreamError;
    const { after } = await update(id, (inv) =>
      inv.delivery.attempt?.sendCount === sendCount
        ? { ...inv, delivery: { ...inv.delivery, status: retryable ? 'queued' : 'failed', lastError, attempt: undefined } }
        : undefined,
    );
    if (!retryable) await record(after, 'delivery_failed', { type: 'system' }, { error: lastError });
  }

  /** Records the send; if the invitation stopped being pending meanwhile, its new token is revoked. */
  async function finishSend(
    id: string,
    sendCount: number,
    tokenId: string,
    delivery: Partial<Invitation['delivery']>,
    reminder = false,
  ): Promise<void> {
    const { before, after, changed } = await update(id, (inv) => {
      if (inv.delivery.attempt?.sendCount !== sendCount) return undefined;
      const { lastError: _lastError, ...rest } = inv.delivery;
      return { ...inv, tokenId, delivery: { ...rest, ...delivery, attempt: undefined } };
    });
    if (!changed || after.status !== 'pending') {
      await revokeQuietly(tokenId);
      return;
    }
    if (before.tokenId && before.tokenId !== tokenId) await revokeQuietly(before.tokenId);
    if (delivery.status === 'sent') {
      await record(after, reminder ? 'reminded' : sendCount === 1 ? 'sent' : 'resent', { type: 'system' }, { sendCount });
    } else {
      await record(after, 'delivery_failed', { type: 'system' }, { error: delivery.lastError });
    }
  }

  const sendInFlight = (inv: Invitation) =>
    inv.delivery.attempt !== undefined && Date.parse(inv.delivery.attempt.until) > clock.now().getTime();

  /** New link, old one revoked at Logto first (a 503 if Logto is down, nothing changed), email sent again. */
  async function resend(id: string, actor: Actor): Promise<Invitation> {
    const invitation = await load(id);
    const status = effectiveStatus(invitation, clock.now());
    if (status !== 'pending') {
      throw new AppError('invitation.not_pending', 409, `The invitation is ${status}; only pending invitations can be resent.`);
    }
    if (sendInFlight(invitation)) {
      throw new AppError('invitation.delivery_in_progress', 409, 'An email for this invitation is being sent; try again shortly.');
    }
    if (invitation.tokenId) await identity.revokeOneTimeToken(invitation.tokenId);
    const next = invitation.delivery.sendCount + 1;
    const { after } = await update(id, (inv) =>
      inv.status === 'pending' && !sendInFlight(inv)
        ? { ...inv, tokenId: undefined, delivery: { ...inv.delivery, status: 'queued' } }
        : undefined,
    );
    await record(after, 'resent', actor, { requested: true });
    return deliverNow(id, next);
  }

  /** The link stops working at Logto first; then the invitation is marked revoked. Revoking twice is fine. */
  async function revoke(id: string, actor: Actor): Promise<Invitation> {
    const invitation = await load(id);
    const status = effectiveStatus(invitation, clock.now());
    if (status === 'revoked') return invitation;
    if (status !== 'pending' && status !== 'undeliverable') {
      throw new AppError('invitation.not_revocable', 409, `The invitation is ${status} and cannot be revoked.`);
    }
    if (invitation.tokenId) await identity.revokeOneTimeToken(invitation.tokenId);
    const now = clock.now().toISOString();
    const { after, changed } = await update(id, (inv) =>
      inv.status === 'pending' || inv.status === 'undeliverable'
        ? { ...inv, status: 'revoked', revokedAt: now, delivery: { ...inv.delivery, attempt: undefined } }
        : undefined,
    );
    if (!changed) {
      throw new AppError('invitation.not_revocable', 409, `The invitation is ${after.status} and cannot be revoked.`);
    }
    await record(after, 'revoked', actor);
    await stopLifecycle(id);
    return after;
  }

  /**
   * Logto registered a user: the pending invitation for the email (if any) becomes accepted, then Logto
   * grants what it carried. Returns the invitation id, or undefined when no invitation matched.
   */
  async function accept(email: string, userId: string, via: string): Promise<string | undefined> {
    const pending = await store.findPendingByEmail(email);
    if (!pending || pending.mode !== 'magic-link') return undefined;
    if (effectiveStatus(pending, clock.now()) !== 'pending') return undefined;
    const now = clock.now().toISOString();
    const { after, changed } = await update(pending.id, (inv) =>
      inv.status === 'pending'
        ? { ...inv, status: 'accepted', acceptedAt: now, acceptedUserId: userId, grants: 'pending', delivery: { ...inv.delivery, attempt: undefined } }
        : undefined,
    );
    if (!changed) return undefined;
    await record(after, 'accepted', { type: 'invitee', id: userId }, { via });
    await stopLifecycle(after.id);
    try {
      await grant(after.id);
    } catch (error) {
      if (!(error instanceof UpstreamError)) throw error;
      await jobs.enqueue({ kind: 'grant', invitationId: after.id }, retryDelaySeconds);
    }
    return after.id;
  }

  /** Assigns roles, organizations and customData at Logto. Every call is idempotent, so retries are safe. */
  async function grant(id: string): Promise<void> {
    const invitation = await load(id);
    if (invitation.status !== 'accepted' || invitation.grants !== 'pending' || !invitation.acceptedUserId) return;
    const userId = invitation.acceptedUserId;
    if (invitation.roleIds.length > 0) await identity.assignRoles(userId, invitation.roleIds);
    for (const organizationId of invitation.organizationIds) {
      await identity.addOrganizationMember(organizationId, userId);
      if (invitation.organizationRoleIds.length > 0) {
        await identity.assignOrganizationRoles(organizationId, userId, invitation.organizationRoleIds);
      }
    }
    if (Object.keys(invitation.metadata).length > 0) await identity.mergeCustomData(userId, invitation.metadata);
    const { after, changed } = await update(id, (inv) => (inv.grants === 'pending' ? { ...inv, grants: 'done' } : undefined));
    if (changed) await record(after, 'granted', { type: 'system' }, { userId });
  }

  /**
   * Reads the token's status at Logto and treats `consumed` as acceptance: Logto (<= 1.42) does not retry
   * a failed webhook, so the lifecycle asks. Returns the status as stored afterwards: at expiry an open
   * invitation reads `expired` but is stored `pending`, and `pending` is what tells the state machine
   * that the `Expire` step still has work to do.
   */
  async function reconcile(id: string): Promise<InvitationStatus> {
    const invitation = await load(id);
    if (invitation.status === 'pending' && invitation.tokenId) {
      const token = await identity.getOneTimeToken(invitation.tokenId);
      if (token?.status === 'consumed') {
        const user = await identity.findUserByEmail(invitation.email);
        if (user) await accept(invitation.email, user.id, 'reconcile');
      }
    }
    return (await load(id)).status;
  }

  /** One reminder per invitation, with a fresh link; a retried task does not remind twice. */
  async function remind(id: string): Promise<InvitationStatus> {
    const now = clock.now().toISOString();
    const { after, changed } = await update(id, (inv) =>
      effectiveStatus(inv, clock.now()) === 'pending' && inv.reminder && !inv.remindedAt && inv.delivery.status !== 'skipped'
        ? { ...inv, remindedAt: now }
        : undefined,
    );
    if (changed) await deliverNow(id, after.delivery.sendCount + 1, true);
    return effectiveStatus(await load(id), clock.now());
  }

  /** Past `expiresAt` and still pending: the link is revoked at Logto and the invitation marked expired. */
  async function expire(id: string): Promise<InvitationStatus> {
    const invitation = await load(id);
    if (invitation.status !== 'pending' || effectiveStatus(invitation, clock.now()) !== 'expired') {
      return effectiveStatus(invitation, clock.now());
    }
    if (invitation.tokenId) await identity.revokeOneTimeToken(invitation.tokenId);
    const { after, changed } = await update(id, (inv) =>
      inv.status === 'pending' ? { ...inv, status: 'expired', delivery: { ...inv.delivery, attempt: undefined } } : undefined,
    );
    if (changed) await record(after, 'expired', { type: 'system' });
    return effectiveStatus(after, clock.now());
  }

  /**
   * A delivery, bounce or complaint reported by the mail service. A permanent bounce or a complaint makes
   * a pending invitation `undeliverable`: no reminder will be sent to that address.
   */
  async function recordMailEvent(id: string, event: MailEvent): Promise<void> {
    const invitation = await store.get(id);
    if (!invitation) return;
    const stops = event.type === 'complained' || (event.type === 'bounced' && event.permanent);
    const deliveryStatus = event.type === 'bounced' && !event.permanent ? undefined : event.type;
    const { after, changed } = await update(id, (inv) => {
      if (!deliveryStatus || (inv.delivery.status === deliveryStatus && !(stops && inv.status === 'pending'))) return undefined;
      return {
        ...inv,
        ...(stops && inv.status === 'pending' && { status: 'undeliverable' as const }),
        delivery: { ...inv.delivery, status: deliveryStatus },
      };
    });
    if (changed || !deliveryStatus) {
      await record(after, event.type, { type: 'system' }, { ...(event.type === 'bounced' && { permanent: event.permanent }) });
    }
    if (changed && after.status === 'undeliverable') await stopLifecycle(id);
  }

  return {
    create,
    get: load,
    list: (query: ListQuery): Promise<ListPage> => store.list(query, clock.now()),
    events: async (id: string) => {
      await load(id);
      return store.listEvents(id);
    },
    resend,
    revoke,
    accept,
    deliver,
    grant,
    schedule,
    reconcile,
    remind,
    expire,
    recordMailEvent,
  };
}

export type InvitationLibrary = ReturnType<typeof createInvitationLibrary>;

export type MailEvent = { type: 'delivered' } | { type: 'complained' } | { type: 'bounced'; permanent: boolean };

/** The expiry as the invitee reads it, in the email's language; UTC so it is the same everywhere. */
export function formatExpiry(expiresAt: string, locale: string): string {
  return new Intl.DateTimeFormat(locale, { dateStyle: 'long', timeStyle: 'short', timeZone: 'UTC' }).format(
    new Date(expiresAt),
  ) + ' UTC';
}
