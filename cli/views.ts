/** How invitations, their events and batches read in a terminal. */
import { bar, fields, inline, localTime, relativeTime, table, type Cell, type Paint, type Style } from './format.ts';
import { detailLines } from './http.ts';
import type { BatchCreated, BatchProgress, Invitation, InvitationEvent } from './types.ts';

const statusStyles: Record<Invitation['status'], Style> = {
  pending: 'yellow',
  accepted: 'green',
  expired: 'dim',
  revoked: 'dim',
  undeliverable: 'red',
};

const deliveryStyles: Record<Invitation['delivery']['status'], Style | undefined> = {
  queued: 'yellow',
  sent: undefined,
  delivered: 'green',
  bounced: 'red',
  complained: 'red',
  failed: 'red',
  skipped: 'dim',
};

const status = (invitation: Invitation): Cell => ({ text: invitation.status, style: statusStyles[invitation.status] });
const delivery = (invitation: Invitation): Cell => ({ text: invitation.delivery.status, style: deliveryStyles[invitation.delivery.status] });
const list = (ids: readonly string[]) => (ids.length ? ids.join(', ') : undefined);
const when = (iso: string | undefined, now: Date) => (iso ? `${relativeTime(iso, now)} (${localTime(iso)})` : undefined);

export function invitationTable(invitations: readonly Invitation[], paint: Paint, now: Date): string {
  return table(
    ['ID', 'EMAIL', 'STATUS', 'DELIVERY', 'MODE', 'EXPIRES'],
    invitations.map((invitation) => [
      invitation.id,
      invitation.email,
      status(invitation),
      delivery(invitation),
      invitation.mode,
      relativeTime(invitation.expiresAt, now),
    ]),
    paint,
  );
}

export function invitationDetails(invitation: Invitation, paint: Paint, now: Date): string {
  const inviter = [invitation.inviter.name, invitation.inviter.email, invitation.inviter.id].filter(Boolean).join(' · ');
  const sends = `${invitation.delivery.sendCount} email${invitation.delivery.sendCount === 1 ? '' : 's'}`;
  return fields(
    [
      ['id', invitation.id],
      ['email', invitation.email],
      ['name', invitation.name],
      ['status', status(invitation)],
      ['mode', invitation.mode],
      ['delivery', { text: `${invitation.delivery.status} (${sends})`, style: deliveryStyles[invitation.delivery.status] }],
      ['last sent', when(invitation.delivery.lastSentAt, now)],
      ['last error', invitation.delivery.lastError && { text: invitation.delivery.lastError, style: 'red' }],
      ['roles', list(invitation.roleIds)],
      ['organizations', list(invitation.organizationIds)],
      ['org roles', list(invitation.organizationRoleIds)],
      ['locale', invitation.locale],
      ['metadata', Object.keys(invitation.metadata).length ? JSON.stringify(invitation.metadata) : undefined],
      ['inviter', inviter || undefined],
      ['redirect', invitation.redirectUrl],
      ['reminder', invitation.reminder ? 'yes' : 'no'],
      ['created', when(invitation.createdAt, now)],
      ['expires', when(invitation.expiresAt, now)],
      ['accepted', when(invitation.acceptedAt, now)],
      ['user', invitation.acceptedUserId],
      ['revoked', when(invitation.revokedAt, now)],
      ['batch', invitation.batchId],
      ['link', invitation.link && { text: invitation.link, style: 'cyan' }],
    ],
    paint,
  );
}

const eventStyles: Record<string, Style> = {
  accepted: 'green',
  granted: 'green',
  delivered: 'green',
  delivery_failed: 'red',
  bounced: 'red',
  complained: 'red',
  registration_blocked: 'red',
  grant_skipped: 'yellow',
  revoked: 'dim',
  expired: 'dim',
};

/** The audit trail, oldest first: when, what, who, and the event's data as `key=value`. */
export function timeline(events: readonly InvitationEvent[], paint: Paint): string {
  return table(
    ['WHEN', 'EVENT', 'BY', 'DETAILS'],
    events.map((event) => [
      localTime(event.at),
      { text: event.type, style: eventStyles[event.type] },
      [event.actor.type, event.actor.name ?? event.actor.id].filter(Boolean).join(' '),
      Object.entries(event.data ?? {})
        .map(([key, value]) => `${key}=${inline(value)}`)
        .join(' '),
    ]),
    paint,
  );
}

export function rejectedRows(batch: BatchCreated, paint: Paint): string {
  return table(
    ['LINE', 'EMAIL', 'CODE', 'MESSAGE'],
    batch.rejected.map((row) => [
      String(row.line ?? row.index),
      row.email ?? '',
      { text: row.code, style: 'red' },
      [row.message, ...detailLines(row.details).map((line) => `(${line})`)].join(' '),
    ]),
    paint,
  );
}

/** `[#####-----] 3/4  sent 3, failed 0, accepted 0, ended 0`: how many of the accepted rows have left the queue. */
export function progressLine(progress: BatchProgress, unicode: boolean): string {
  const { queued, sent, failed, accepted, ended } = progress.progress;
  const settled = progress.accepted - queued;
  const counts = `sent ${sent}, failed ${failed}, accepted ${accepted}, ended ${ended}`;
  return `${bar(settled, progress.accepted, 24, unicode)} ${settled}/${progress.accepted}  ${counts}${progress.done ? '  done' : ''}`;
}
