/**
 * `GET /v1/invitations/{id}/email` on the local stack: the email of an invitation's latest send, rendered by
 * SES from the same template with the same data as the email in the inbox, its link (and so the token in it)
 * replaced by `#link-hidden-in-preview`, in every mode; reading it mints, sends and records nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalStack, type LocalStack } from '../../local/stack.ts';
import { adminToken, client, inbox, linkIn, urlIn, type StoredMail } from '../support/local-stack.ts';

let stack: LocalStack;
let admin: ReturnType<typeof client>;
let reader: ReturnType<typeof client>;
let run = 0;

beforeAll(async () => {
  stack = await startLocalStack({ jobDelayScale: 0, logLevel: 'SILENT', sesEventDelayMs: 0 });
  admin = client(stack.apiUrl, await adminToken(stack));
  reader = client(stack.apiUrl, await adminToken(stack, { scope: 'invitations:read' }));
});

afterAll(async () => {
  await stack?.close();
});

const placeholder = '#link-hidden-in-preview';
const unique = (name: string) => `${name}-${Date.now().toString(36)}-${(run += 1)}@example.com`;
const escapeHtml = (value: string) => value.replaceAll('&', '&amp;');
const logtoRequests = async () => (await (await fetch(`${stack.logtoUrl}/__standin/requests`)).json()) as Record<string, number>;

/** The email in the inbox, with its link where the preview has the placeholder: what the preview must equal. */
function withLinkHidden(mail: StoredMail, link: URL) {
  return {
    subject: mail.subject,
    text: mail.body.text!.replaceAll(link.toString(), placeholder),
    html: mail.body.html!.replaceAll(escapeHtml(link.toString()), placeholder),
  };
}

/** The secrets a preview must never hold: the link itself and every value of its query (the token among them). */
function expectNoSecretOf(preview: { html: string; text: string; subject: string }, link: URL, secret: string) {
  const shown = JSON.stringify(preview);
  expect(secret.length).toBeGreaterThan(10);
  expect(shown).not.toContain(secret);
  expect(shown).not.toContain(link.toString());
  expect(shown).not.toContain(escapeHtml(link.toString()));
}

describe('GET /v1/invitations/{id}/email', () => {
  it('magic-link: the inbox email as sent, its magic link (and its one-time token) hidden, and nothing minted', async () => {
    // Prepare
    const email = unique('preview-magic');
    const created = await admin.post('/v1/invitations', { email, inviter: { name: 'Grace <Hopper> & Co' } });
    expect(created.status).toBe(201);
    const [mail] = await inbox(stack, email);
    const link = linkIn(mail!);
    const before = await logtoRequests();

    // Act
    const preview = await reader.get(`/v1/invitations/${created.body.id}/email`);

    // Assess
    expect(preview.status).toBe(200);
    expect(preview.body).toEqual({
      template: 'invitation',
      locale: 'en',
      ...withLinkHidden(mail!, link),
      send: { number: 1, reminder: false, status: expect.stringMatching(/^(sent|delivered)$/), sentAt: created.body.delivery.lastSentAt },
    });
    expect(preview.body.html).toContain(`href="${placeholder}"`);
    expect(preview.body.text).toContain(`\n${placeholder}\n`);
    expectNoSecretOf(preview.body, link, link.searchParams.get('token')!);
    const after = await logtoRequests();
    expect(after['POST /api/one-time-tokens']).toBe(before['POST /api/one-time-tokens']);
    expect(await inbox(stack, email)).toHaveLength(1);
    expect((await admin.get(`/v1/invitations/${created.body.id}/events`)).body.map((event: { type: string }) => event.type)).not.toContain('resent');
  });

  it('accept-link in German, and a resend: the latest send, its accept token hidden', async () => {
    // Prepare
    const email = unique('preview-accept');
    const created = await admin.post('/v1/invitations', { email, mode: 'accept-link', locale: 'de-CH' });
    const resent = await admin.post(`/v1/invitations/${created.body.id}/resend`);
    expect(resent.status).toBe(200);
    const mails = await inbox(stack, email);
    expect(mails).toHaveLength(2);
    const latest = mails[1]!;
    const link = urlIn(latest, '/v1/accept');

    // Act
    const preview = await reader.get(`/v1/invitations/${created.body.id}/email`);

    // Assess
    expect(preview.body).toMatchObject({ template: 'accept-link', locale: 'de', ...withLinkHidden(latest, link) });
    expect(preview.body.send).toMatchObject({ number: 2, reminder: false });
    expectNoSecretOf(preview.body, link, link.searchParams.get('token')!);
    expectNoSecretOf(preview.body, urlIn(mails[0]!, '/v1/accept'), urlIn(mails[0]!, '/v1/accept').searchParams.get('token')!);
  });

  it('provision and the reminder: the account-ready email marked as a reminder, its sign-in link hidden', async () => {
    // Prepare
    const email = unique('preview-provision');
    const created = await admin.post('/v1/invitations', { email, mode: 'provision', name: 'Ada' });
    expect(created.status).toBe(201);
    await stack.service.lifecycle({ action: 'remind', invitationId: created.body.id });
    const mails = await inbox(stack, email);
    expect(mails).toHaveLength(2);
    const link = urlIn(mails[1]!, new URL(stack.config.SIGN_IN_URL).pathname);

    // Act
    const preview = await reader.get(`/v1/invitations/${created.body.id}/email`);

    // Assess
    expect(preview.body).toMatchObject({ template: 'account-ready', locale: 'en', ...withLinkHidden(mails[1]!, link) });
    expect(preview.body.send).toMatchObject({ number: 2, reminder: true });
    expect(preview.body.text).not.toContain('login_hint');
  });

  it('answers 404 invitation.no_email for notify: false, 404 for an unknown id, and 401 without a token', async () => {
    // Prepare
    const quiet = await admin.post('/v1/invitations', { email: unique('preview-quiet'), notify: false });
    expect(quiet.body.link).toBeDefined();

    // Act
    const noEmail = await reader.get(`/v1/invitations/${quiet.body.id}/email`);
    const unknown = await reader.get('/v1/invitations/inv_AAAAAAAAAAAAAAAAAAAAAA/email');
    const anonymous = await client(stack.apiUrl).get(`/v1/invitations/${quiet.body.id}/email`);

    // Assess
    expect([noEmail.status, noEmail.body.code]).toEqual([404, 'invitation.no_email']);
    expect(JSON.stringify(noEmail.body)).not.toContain(new URL(quiet.body.link).searchParams.get('token')!);
    expect([unknown.status, unknown.body.code]).toEqual([404, 'invitation.not_found']);
    expect(anonymous.status).toBe(401);
  });
});
