/**
 * SES configuration-set events (through EventBridge): deliveries, bounces and complaints update the
 * invitation the message was tagged with.
 */
import type { EventBridgeEvent } from 'aws-lambda';
import * as z from 'zod';
import type { InvitationLibrary, MailEvent } from '../domain/invitations.ts';
import type { Log } from './http/respond.ts';

const sesEvent = z.looseObject({
  eventType: z.string(),
  mail: z.looseObject({ messageId: z.string(), tags: z.record(z.string(), z.array(z.string())).optional() }),
  bounce: z.looseObject({ bounceType: z.string() }).optional(),
});

function toMailEvent(detail: z.infer<typeof sesEvent>): MailEvent | undefined {
  const { messageId } = detail.mail;
  switch (detail.eventType) {
    case 'Delivery':
      return { type: 'delivered', messageId };
    case 'Complaint':
      return { type: 'complained', messageId };
    case 'Bounce':
      return { type: 'bounced', permanent: detail.bounce?.bounceType === 'Permanent', messageId };
    default:
      return undefined;
  }
}

export function makeMailEventsHandler({ invitations, log }: { invitations: Pick<InvitationLibrary, 'recordMailEvent'>; log: Log }) {
  return async (event: EventBridgeEvent<string, unknown>): Promise<void> => {
    const parsed = sesEvent.safeParse(event.detail);
    if (!parsed.success) {
      log.warn('not an SES event', { detailType: event['detail-type'] });
      return;
    }
    const invitationId = parsed.data.mail.tags?.invitationId?.[0];
    const mailEvent = toMailEvent(parsed.data);
    if (!invitationId || !mailEvent) return;
    await invitations.recordMailEvent(invitationId, mailEvent);
    log.info('mail event recorded', { invitationId, type: mailEvent.type, messageId: parsed.data.mail.messageId });
  };
}
