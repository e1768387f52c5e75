/**
 * Sending the invitation email: each send is asked for with a number (the first email, a resend, the
 * reminder) and happens at most once, whoever runs it (the request, a queue retry, a redelivery). A send
 * claims a lease, has the invitation's mode mint the link's credential, records it, and only then emails
 * it; a minter that finds the invitation ended before recording revokes its own credential.
 */
import { AppError, UpstreamError } from '../errors.ts';
import { deliveryView, effectiveStatus, nearestLocale, type Actor, type Delivery, type DeliveryStatus, type Invitation } from '../invitation.ts';
import type { EmailKind, InvitationEmail, RenderedEmail } from '../ports.ts';
import type { Acceptance } from './acceptance.ts';
import { retryDelaySeconds, systemActor, type LibraryContext } from './context.ts';
import type { Issued, Modes } from './modes/index.ts';

/** The invitation with the next send asked for: numbered after every send asked for or settled so far. */
export function withSendRequested(invitation: Invitation, by: Actor, reminder = false): Invitation {
  const number = Math.max(invitation.delivery.request?.number ?? 0, invitation.delivery.settled) + 1;
  return { ...invitation, delivery: { ...invitation.delivery, request: { number, by, ...(reminder && { reminder }) } } };
}

/** The expiry as the invitee reads it, in the email's language; UTC so it is the same everywhere. */
export function formatExpiry(expiresAt: string, locale: string): string {
  return new Intl.DateTimeFormat(locale, { dateStyle: 'long', timeStyle: 'short', timeZone: 'UTC' }).format(new Date(expiresAt)) + ' UTC';
}

/**
 * What an email preview shows in place of the link: a fragment that goes nowhere. The preview never holds the
 * link's secret (a one-time token, an accept token): it is never minted or read for one.
 */
export const previewLinkPlaceholder = '#link-hidden-in-preview';

/** The email of an invitation's latest send, rendered as it was sent but for its link. */
export interface EmailPreview extends RenderedEmail {
  template: EmailKind;
  /** The language it was rendered in (the shipped one nearest the invitation's locale). */
  locale: string;
  send: {
    /** The latest send asked for: 1 for the first email, more for resends and the reminder. */
    number: number;
    reminder: boolean;
    /** As the invitation's `delivery.status` reads. */
    status: DeliveryStatus;
    /** When it went out, once it did. */
    sentAt?: string;
  };
}

/** Statuses that mean the latest send went out (`lastSentAt` is its time). */
const wentOut: ReadonlySet<DeliveryStatus> = new Set(['sent', 'delivered', 'bounced', 'complained']);

export function createDelivery(ctx: LibraryContext, modes: Modes, acceptance: Acceptance) {
  const { store, mailer, jobs, clock, settings } = ctx;

  /** One email of the invitation, with `link` in it: what a send hands the mailer, and what a preview renders. */
  const emailOf = (invitation: Invitation, link: string, reminder: boolean): InvitationEmail => {
    // The caller's tag is kept on the invitation; the email is in the nearest language we ship.
    const locale = nearestLocale(invitation.locale, settings.supportedLocales, settings.defaultLocale);
    return {
      kind: modes.of(invitation).email,
      invitationId: invitation.id,
      to: invitation.email,
      locale,
      appName: settings.appName,
      inviterName: invitation.inviter.name?.trim() || invitation.inviter.email || settings.appName,
      expiresAt: formatExpiry(invitation.expiresAt, locale),
      link,
      reminder,
    };
  };

  /** Send `number` settled with `fields`; the lease is released. */
  const settle = (inv: Invitation, number: number, fields: Partial<Delivery>): Invitation => ({
    ...inv,
    delivery: { ...inv.delivery, ...fields, settled: Math.max(inv.delivery.settled, number), attempt: undefined },
  });

  /** The send is still ours to finish: our lease, or a late answer for a send already marked unknown. */
  const ours = (inv: Invitation, number: number) =>
    inv.delivery.attempt?.number === number ||
    (inv.delivery.settled === number && inv.delivery.lastError === 'delivery.outcome_unknown' && inv.delivery.attempt === undefined);

  /**
   * Delivers in the request. A failure that may pass goes to the job queue (the invitation reads
   * `delivery.status: queued`); a refusal is recorded as `failed`. Either way the invitation stands.
   */
  async function deliverNow(id: string, number: number): Promise<void> {
    try {
      await deliver(id, number);
    } catch (error) {
      if (!(error instanceof UpstreamError)) throw error;
      await jobs.enqueue({ kind: 'deliver', invitationId: id, send: number }, retryDelaySeconds);
    }
  }

  /**
   * Makes send `number` happen at most once. Safe to call again for the same number (the queue delivers
   * at least once): a send already settled is not repeated, one in flight is left alone, and one whose
   * worker vanished is marked `failed` (outcome unknown) instead of being repeated. Throws `UpstreamError`
   * when a retry may succeed; a refusal is settled as `failed` and not thrown.
   *
   * `pace` (the job queue's) is awaited once the send is claimed, before Logto and SES are called: a
   * duplicate or a send that is no longer wanted returns before it, so it never uses up a turn.
   */
  async function deliver(id: string, number: number, pace?: () => Promise<void>): Promise<void> {
    const now = clock.now();
    let outcome: 'claimed' | 'unknown' | 'cancelled' | undefined;
    const claim = await ctx.update(id, (inv) => {
      const { request, settled, attempt } = inv.delivery;
      if (!request || number > request.number || number <= settled) return undefined;
      if (attempt?.number === number) {
        if (Date.parse(attempt.until) > now.getTime()) return undefined;
        outcome = 'unknown';
        return settle(inv, number, { status: 'failed', lastError: 'delivery.outcome_unknown' });
      }
      if (inv.status !== 'pending' || effectiveStatus(inv, now) !== 'pending') {
        outcome = 'cancelled';
        return ctx.ended(inv, {});
      }
      outcome = 'claimed';
      const until = new Date(now.getTime() + settings.sendLeaseSeconds * 1000).toISOString();
      return { ...inv, delivery: { ...inv.delivery, attempt: { number, until } } };
    });
    if (!claim.changed) return;
    if (outcome === 'unknown') {
      return void (await ctx.record(id, 'delivery_failed', systemActor, { error: 'delivery.outcome_unknown', send: number }));
    }
    if (outcome === 'cancelled') return;
    const invitation = claim.after;
    const request = invitation.delivery.request!;
    if (pace) await pace();

    const mode = modes.of(invitation);
    let issued: Issued;
    try {
      issued = await mode.issue(invitation);
    } catch (error) {
      return release(id, number, error, []);
    }
    const credential = issued.credential;

    // Recorded before it can reach an email: whoever ends the invitation from now on revokes it too. A link
    // without a secret (provision) is not recorded, but is not sent for an invitation that ended meanwhile.
    const recorded = credential
      ? await ctx.update(id, (inv) =>
          ours(inv, number) && inv.status === 'pending'
            ? { ...inv, tokenIds: [...inv.tokenIds, credential.id], ...(credential.mayHaveTwin && { mayHaveStrays: true }) }
            : undefined,
        )
      : await ctx.load(id).then((inv) => ({ after: inv, changed: ours(inv, number) && inv.status === 'pending' }));
    if (!recorded.changed) {
      // The invitation ended first: this credential (and any twin) is the minter's to revoke; its secret went nowhere.
      const { dead } = credential ? await mode.revoke([credential.id]) : { dead: [] };
      await ctx.update(id, (inv) => (ours(inv, number) ? ctx.ended({ ...inv, delivery: { ...inv.delivery, attempt: undefined } }, {}) : undefined));
      if (credential && (dead.length === 0 || credential.mayHaveTwin)) await jobs.enqueue({ kind: 'close', invitationId: id }, retryDelaySeconds);
      return;
    }
    await sendClaimed(recorded.after, issued, number);
  }

  /**
   * The email of send `number`, whose lease `invitation` holds (as stored, at its version) and whose
   * credential is recorded on it. Settled on the version it was given, with no read first (a conflict
   * falls back to read-modify-write), its audit event written alongside. Returns the settled invitation,
   * or undefined when it settled otherwise; throws `UpstreamError` when a retry may succeed.
   */
  async function sendClaimed(invitation: Invitation, issued: Issued, number: number): Promise<Invitation | undefined> {
    const { id } = invitation;
    const request = invitation.delivery.request!;
    const mode = modes.of(invitation);
    const credential = issued.credential;
    let messageId: string;
    try {
      ({ messageId } = await mailer.sendInvitation(emailOf(invitation, issued.link, request.reminder === true)));
    } catch (error) {
      if (error instanceof UpstreamError && error.ambiguous) {
        // The email may be in the inbox with this token: it stays recorded, and is never sent again on our own.
        const { changed } = await ctx.update(id, (inv) => (ours(inv, number) ? settle(inv, number, { status: 'failed', lastError: 'delivery.outcome_unknown' }) : undefined));
        if (changed) await ctx.record(id, 'delivery_failed', request.by, { error: 'delivery.outcome_unknown', send: number });
        return undefined;
      }
      const { dead } = credential ? await mode.revoke([credential.id]) : { dead: [] };
      await release(id, number, error, dead);
      return undefined;
    }

    // SES took it: only the lease holder sends a number, so the event is true whichever write wins.
    const sentAt = clock.now().toISOString();
    const sent = (inv: Invitation) =>
      settle(inv, number, { status: 'sent', sendCount: inv.delivery.sendCount + 1, lastSentAt: sentAt, messageId, lastError: undefined });
    const next = { ...sent(invitation), version: invitation.version + 1, updatedAt: sentAt };
    const type = request.reminder ? 'reminded' : number === 1 ? 'sent' : 'resent';
    const [fast] = await Promise.all([store.replace(next, invitation.version), ctx.record(id, type, request.by, { sendCount: next.delivery.sendCount })]);
    let final: Invitation = next;
    if (!fast) {
      const finished = await ctx.update(id, (inv) => (ours(inv, number) ? sent(inv) : undefined));
      if (!finished.changed) return undefined;
      final = finished.after;
    }
    if (final.status === 'pending' && credential) await retireOlder(final, credential.id);
    return final;
  }

  /**
   * Frees the lease after the send failed before any email: queued for a retry when the failure may pass
   * (thrown again for the queue), settled as `failed` when it was a refusal. Dead tokens leave the record.
   */
  async function release(id: string, number: number, error: unknown, dead: string[]): Promise<void> {
    const lastError = error instanceof AppError ? error.code : 'delivery.error';
    const retryable = error instanceof UpstreamError;
    if (!retryable && !(error instanceof AppError)) throw error;
    const { changed } = await ctx.update(id, (inv) => {
      if (!ours(inv, number)) return undefined;
      const tokenIds = inv.tokenIds.filter((tokenId) => !dead.includes(tokenId));
      if (retryable) return { ...inv, tokenIds, delivery: { ...inv.delivery, lastError, attempt: undefined } };
      return settle({ ...inv, tokenIds }, number, { status: 'failed', lastError });
    });
    if (retryable) throw error;
    if (changed) await ctx.record(id, 'delivery_failed', systemActor, { error: lastError, send: number });
  }

  /**
   * The new link is in the inbox: the older ones die. One found consumed means the invitee registered
   * with it meanwhile, so the invitation is accepted. Tokens Logto could not be asked about stay recorded.
   */
  async function retireOlder(invitation: Invitation, keep: string): Promise<void> {
    const older = invitation.tokenIds.filter((id) => id !== keep);
    if (older.length === 0) return;
    const { dead, consumed } = await modes.of(invitation).revoke(older);
    await acceptance.forget(invitation.id, dead);
    if (consumed.length > 0) await acceptance.acceptConsumed(invitation);
  }

  /**
   * The job queue's last attempt at send `number` failed too: the send is settled as failed (the
   * invitation shows it, an admin may resend), unless it settled meanwhile or is in flight. Its message
   * still goes to the dead-letter queue, and so to the alarm.
   */
  async function abandon(id: string, number: number, lastError: string): Promise<void> {
    const now = clock.now().getTime();
    const { changed } = await ctx.update(id, (inv) => {
      const { request, settled, attempt } = inv.delivery;
      if (!request || number > request.number || number <= settled) return undefined;
      if (attempt?.number === number && Date.parse(attempt.until) > now) return undefined;
      return settle(inv, number, { status: 'failed', lastError });
    });
    if (changed) await ctx.record(id, 'delivery_failed', systemActor, { error: lastError, send: number });
  }

  /**
   * {@link sendClaimed} in a request: a failure that may pass goes to the job queue, as in {@link deliverNow}.
   * Returns the invitation as it then stands.
   */
  async function sendClaimedNow(invitation: Invitation, issued: Issued): Promise<Invitation> {
    const number = invitation.delivery.attempt!.number;
    try {
      const settled = await sendClaimed(invitation, issued, number);
      if (settled) return settled;
    } catch (error) {
      if (!(error instanceof UpstreamError)) throw error;
      await jobs.enqueue({ kind: 'deliver', invitationId: invitation.id, send: number }, retryDelaySeconds);
    }
    return ctx.load(invitation.id);
  }

  /**
   * The email of the invitation's latest send (the reminder's, a resend's, or the first), rendered by the
   * mailer as it sends it, with {@link previewLinkPlaceholder} as its link. The values are the invitation's
   * and today's settings (the app's name). Reads only: nothing is minted, sent or recorded. 404
   * `invitation.no_email` when no email was ever asked for (created with `notify: false`).
   */
  async function preview(id: string): Promise<EmailPreview> {
    const invitation = await ctx.load(id);
    const request = invitation.delivery.request;
    if (!request) {
      throw new AppError('invitation.no_email', 404, 'This invitation was never emailed: it was created with notify: false, and its link went to the caller.');
    }
    const reminder = request.reminder === true;
    const email = emailOf(invitation, previewLinkPlaceholder, reminder);
    const rendered = await mailer.renderInvitation(email);
    const { status } = deliveryView(invitation, clock.now());
    const { lastSentAt } = invitation.delivery;
    return {
      template: email.kind,
      locale: email.locale,
      subject: rendered.subject,
      html: rendered.html,
      text: rendered.text,
      send: { number: request.number, reminder, status, ...(wentOut.has(status) && lastSentAt && { sentAt: lastSentAt }) },
    };
  }

  return { deliver, deliverNow, sendClaimedNow, abandon, preview };
}

export type DeliveryLibrary = ReturnType<typeof createDelivery>;
