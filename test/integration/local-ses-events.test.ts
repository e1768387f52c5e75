/**
 * The local SES publishes the configuration-set events the deployed stack receives, driven by SES's
 * mailbox simulator addresses, through the same mail-events handler: a bounce makes the invitation
 * undeliverable and kills its link, a complaint too, and an ordinary address reads delivered.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalStack, type LocalStack } from '../../local/stack.ts';
import { simulatedOutcome } from '../../local/ses-events.ts';
import { acceptInvitation, adminToken, client, inbox, linkIn, logtoView } from '../support/local-stack.ts';

let stack: LocalStack;
let admin: ReturnType<typeof client>;
let logto: Awaited<ReturnType<typeof logtoView>>;

beforeAll(async () => {
  stack = await startLocalStack({ jobDelayScale: 0, logLevel: 'SILENT', sesEventDelayMs: 20 });
  admin = client(stack.apiUrl, await adminToken(stack));
  logto = await logtoView(stack);
});

afterAll(async () => {
  await stack?.close();
});

async function invite(email: string) {
  const created = (await admin.post('/v1/invitations', { email })).body;
  await stack.ses.idle();
  return { invitation: (await admin.get(`/v1/invitations/${created.id}`)).body, events: (await admin.get(`/v1/invitations/${created.id}/events`)).body as { type: string }[] };
}

describe('mailbox simulator', () => {
  it('follows SES: bounce, complaint and suppression list are permanent failures; +labels are ignored', () => {
    expect(simulatedOutcome('bounce@simulator.amazonses.com')).toEqual(['Bounce']);
    expect(simulatedOutcome('Bounce+ada@simulator.amazonses.com')).toEqual(['Bounce']);
    expect(simulatedOutcome('complaint+1@simulator.amazonses.com')).toEqual(['Delivery', 'Complaint']);
    expect(simulatedOutcome('suppressionlist@simulator.amazonses.com')).toEqual(['Suppressed']);
    expect(simulatedOutcome('success@simulator.amazonses.com')).toEqual(['Delivery']);
    expect(simulatedOutcome('ada@example.com')).toEqual(['Delivery']);
  });

  it('a mail to bounce@ makes the invitation undeliverable and kills its link at Logto', async () => {
    // Act
    const { invitation, events } = await invite('bounce+kill@simulator.amazonses.com');

    // Assess
    expect(invitation).toMatchObject({ status: 'undeliverable', delivery: { status: 'bounced', sendCount: 1 } });
    expect(events.map((event) => event.type)).toEqual(['created', 'sent', 'bounced']);
    expect(await logto.activeTokens('bounce+kill@simulator.amazonses.com')).toEqual([]);
    const [mail] = await inbox(stack, 'bounce+kill@simulator.amazonses.com');
    expect((await acceptInvitation(linkIn(mail!))).final.status).toBeGreaterThanOrEqual(400);
    expect(stack.lifecycles.executions).not.toContain(invitation.id);
  });

  it('a mail to complaint@ is delivered, then complained about: undeliverable', async () => {
    const { invitation, events } = await invite('complaint+1@simulator.amazonses.com');
    expect(invitation).toMatchObject({ status: 'undeliverable', delivery: { status: 'complained' } });
    expect(events.map((event) => event.type)).toEqual(['created', 'sent', 'delivered', 'complained']);
    expect(await logto.activeTokens('complaint+1@simulator.amazonses.com')).toEqual([]);
  });

  it('a mail to success@ (or any other address) reads delivered and stays pending', async () => {
    const { invitation, events } = await invite('success+1@simulator.amazonses.com');
    expect(invitation).toMatchObject({ status: 'pending', delivery: { status: 'delivered' } });
    expect(events.map((event) => event.type)).toEqual(['created', 'sent', 'delivered']);
    expect((await invite('someone@example.com')).invitation.delivery.status).toBe('delivered');
  });
});
