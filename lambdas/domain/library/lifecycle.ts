/**
 * What happens to an invitation over time: its lifecycle execution (reminder, expiry, reconciliation)
 * and the mail service's delivery, bounce and complaint events.
 */
import { UpstreamError } from '../errors.ts';
import { effectiveStatus, isInvitationId, outstandingSend, type Invitation, type InvitationStatus } from '../invitation.ts';
import type { LifecycleStart } from '../ports.ts';
import type { Acceptance } from './acceptance.ts';
import { retryDelaySeconds, systemActor, type LibraryContext } from './context.ts';
import { withSendRequested, type DeliveryLibrary } from './delivery.ts';

export type MailEvent = { type: 'delivered' | 'complained'; messageId?: string } | { type: 'bounced'; permanent: boolean; messageId?: string };

export function createLifecycle(ctx: LibraryContext, acceptance: Acceptance, delivery: DeliveryLibrary) {
  const { store, lifecycle, jobs, clock, settings } = ctx;

  /**
   * The one reminder goes out `reminderBeforeExpirySeconds` before expiry, or at half the lifetime of an
   * invitation shorter than twice that, if wanted and emailed; one started late (a retried start, a
   * restart) reminds at once, unless it is past expiry.
   */
  function lifecycleStart(invitation: Invitation): LifecycleStart {
    const createdAt = Date.parse(invitation.createdAt);
    const expiresAt = Date.parse(invitation.expiresAt);
    const offset = Math.min(settings.reminderBeforeExpirySeconds * 1000, (expiresAt - createdAt) / 2);
    const remindAt = Math.max(expiresAt - offset, clock.now().getTime());
    const wantsReminder = invitation.reminder && !invitation.remindedAt && invitation.delivery.status !== 'skipped' && remindAt < expiresAt;
    return {
      invitationId: invitation.id,
      ...(wantsReminder && { remindAt: new Date(remindAt).toISOString() }),
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

  /** The queued start of a lifecycle whose first start failed, and the resumption after a restart. */
  async function schedule(id: string): Promise<void> {
    const invitation = await store.get(id);
    if (invitation?.status === 'pending') await lifecycle.start(lifecycleStart(invitation));
  }

  /**
   * The lifecycle's reconciliation: a consumed token is acceptance. Returns the status as stored: at
   * expiry an open invitation reads `expired` but is stored `pending`, which tells the state machine that
   * the `Expire` step still has work to do.
   */
  async function reconcile(id: string): Promise<InvitationStatus> {
    return (await acceptance.reconcile(await ctx.load(id))).status;
  }

  /** One reminder per invitation, with a fresh link; a retried task does not remind twice. */
  async function remind(id: string): Promise<InvitationStatus> {
    const now = clock.now().toISOString();
    const { after, changed } = await ctx.update(id, (inv) => {
      if (effectiveStatus(inv, clock.now()) !== 'pending' || !inv.reminder || inv.remindedAt || inv.delivery.status === 'skipped') return undefined;
      // A send still on its way (queued after a failure) carries a fresh link already.
      return { ...(outstandingSend(inv) ? inv : withSendRequested(inv, systemActor, true)), remindedAt: now };
    });
    const request = outstandingSend(after);
    if (changed && request?.reminder) await delivery.deliverNow(id, request.number);
    return effectiveStatus(await ctx.load(id), clock.now());
  }

  /**
   * Past `expiresAt` and still pending: reconciled once more, then marked expired and its links revoked.
   * `at` is the time the state machine waited for: the step trusts its Wait (which locally may run faster
   * than the clock) rather than a clock that may lag it by a moment.
   */
  async function expire(id: string, at?: string): Promise<InvitationStatus> {
    const now = new Date(Math.max(clock.now().getTime(), at ? Date.parse(at) : 0));
    const due = await ctx.load(id);
    if (due.status !== 'pending' || effectiveStatus(due, now) !== 'expired') return effectiveStatus(due, now);
    const invitation = await acceptance.reconcile(due);
    if (invitation.status !== 'pending') return invitation.status;
    const { after, changed } = await ctx.update(id, (inv) => (inv.status === 'pending' ? ctx.ended(inv, { status: 'expired' }) : undefined));
    if (changed) {
      await ctx.record(id, 'expired', systemActor);
      await acceptance.close(after);
    }
    return effectiveStatus(after, now);
  }

  /**
   * A delivery, bounce or complaint reported by the mail service. The delivery status follows the latest
   * email only; a permanent bounce or a complaint of any of its emails makes a pending invitation
   * `undeliverable`: its links are revoked and no reminder goes to that address.
   */
  async function recordMailEvent(id: string, event: MailEvent): Promise<void> {
    if (!isInvitationId(id) || !(await store.get(id))) return;
    const stops = event.type === 'complained' || (event.type === 'bounced' && event.permanent);
    const deliveryStatus = event.type === 'bounced' && !event.permanent ? undefined : event.type;
    const { before, after, changed } = await ctx.update(id, (inv) => {
      const latest = event.messageId === undefined || inv.delivery.messageId === undefined || inv.delivery.messageId === event.messageId;
      const status = deliveryStatus && latest ? deliveryStatus : inv.delivery.status;
      const undeliverable = stops && inv.status === 'pending';
      if (status === inv.delivery.status && !undeliverable) return undefined;
      const next = undeliverable ? ctx.ended(inv, { status: 'undeliverable' }) : inv;
      return { ...next, delivery: { ...next.delivery, status } };
    });
    if (changed || !deliveryStatus) {
      await ctx.record(id, event.type, systemActor, { ...(event.type === 'bounced' && { permanent: event.permanent }) });
    }
    if (changed && before.status === 'pending' && after.status === 'undeliverable') {
      await acceptance.stopLifecycle(id);
      await acceptance.close(after);
    }
  }

  return { scheduleNow, schedule, reconcile, remind, expire, recordMailEvent };
}
