import { once } from 'node:events';
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { SESv2Client, UpdateEmailTemplateCommand } from '@aws-sdk/client-sesv2';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createSesMailerClient, SesMailer } from '../../lambdas/adapters/ses-mailer.ts';
import { AppError, UpstreamError } from '../../lambdas/domain/errors.ts';
import type { InvitationEmail } from '../../lambdas/domain/ports.ts';
import { ensureInvitationTemplates, invitationTemplateName, invitationTemplates } from '../../templates/index.ts';

const prefix = 'it';
const from = 'Acme <no-reply@acme.example>';
const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
const link = 'https://app.acme.example/landing?type=registrationInvitation&token=tok_123&email=ada%40example.com';

interface StoredEmail {
  messageId: string;
  destination: { to: string[] };
  subject: string;
  body: { html?: string; text?: string };
}

const invitation = (overrides: Partial<InvitationEmail> = {}): InvitationEmail => ({
  kind: 'invitation',
  invitationId: 'inv_test',
  to: 'ada@example.com',
  locale: 'en',
  appName: 'Acme',
  inviterName: 'Grace Hopper',
  expiresAt: 'March 14, 2027',
  link,
  ...overrides,
});

/** Undoes the HTML escaping a mail client undoes when it reads an attribute or text. */
const decodeHtml = (html: string) =>
  html.replace(/&(amp|lt|gt|quot|#39);/g, (_, entity: string) => ({ amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'" })[entity]!);

async function listen(server: Server): Promise<string> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function closedPortEndpoint(): Promise<string> {
  const probe = createNetServer();
  probe.listen(0, '127.0.0.1');
  await once(probe, 'listening');
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return `http://127.0.0.1:${port}`;
}

const mailerFor = (client: SESv2Client) =>
  new SesMailer({ client, from, templateNamePrefix: prefix, defaultLocale: 'en' });

describe('SesMailer on aws-ses-v2-local', () => {
  let sesServer: Server;
  let endpoint: string;
  let client: SESv2Client;
  let mailer: SesMailer;

  beforeAll(async () => {
    const mod = (await import('aws-ses-v2-local')) as unknown as { default: unknown };
    const start = ((mod.default as { default?: unknown }).default ?? mod.default) as (config: {
      host: string;
      port: number;
    }) => Promise<Server>;
    sesServer = await start({ host: '127.0.0.1', port: 0 });
    endpoint = `http://127.0.0.1:${(sesServer.address() as AddressInfo).port}`;
    client = createSesMailerClient({ endpoint, region: 'us-east-1', credentials });
    await ensureInvitationTemplates(client, prefix);
    mailer = mailerFor(client);
  });

  afterAll(async () => {
    client?.destroy();
    await new Promise((resolve) => sesServer?.close(resolve));
  });

  async function sendAndRead(email: InvitationEmail): Promise<StoredEmail> {
    const { messageId } = await mailer.sendInvitation(email);
    const store = (await (await fetch(`${endpoint}/store`)).json()) as { emails: StoredEmail[] };
    const stored = store.emails.find((candidate) => candidate.messageId === messageId);
    if (!stored) throw new Error(`No email ${messageId} in the store`);
    return stored;
  }

  it('sends the English invitation to the recipient with the link intact in both parts', async () => {
    // Prepare
    const email = invitation();

    // Act
    const stored = await sendAndRead(email);

    // Assess
    expect(stored.destination.to).toEqual(['ada@example.com']);
    expect(stored.subject).toBe('Grace Hopper invited you to join Acme');
    expect(stored.body.text).toContain(`\n${link}\n`);
    expect(stored.body.text).toContain('expires on March 14, 2027');
    expect(stored.body.html).toContain(`href="${link.replaceAll('&', '&amp;')}"`);
    expect(stored.body.html).toContain('Accept invitation');
    expect(stored.body.html).toContain('ada@example.com');
  });

  it('sends the account-ready email for a provisioned account', async () => {
    // Act
    const stored = await sendAndRead(invitation({ kind: 'account-ready' }));

    // Assess
    expect(stored.subject).toBe('Grace Hopper set up your Acme account');
    expect(stored.body.html).toContain('>Sign in</a>');
    expect(stored.body.text).toContain(`\n${link}\n`);
  });

  it("renders the deployment's brand: logo, colour and support address, escaped in the HTML part", async () => {
    // Prepare
    const branded = new SesMailer({
      client,
      from,
      templateNamePrefix: prefix,
      defaultLocale: 'en',
      brand: { logoUrl: 'https://cdn.acme.example/logo.png?v=1&size=2', primaryColor: '#0a7c59', supportEmail: 'help@acme.example' },
    });

    // Act
    const { messageId } = await branded.sendInvitation(invitation());
    const store = (await (await fetch(`${endpoint}/store`)).json()) as { emails: StoredEmail[] };
    const stored = store.emails.find((candidate) => candidate.messageId === messageId)!;
    const plain = await sendAndRead(invitation());

    // Assess
    expect(stored.body.html).toContain('<img src="https://cdn.acme.example/logo.png?v=1&amp;size=2" alt="Acme"');
    expect(stored.body.html).toContain('background-color:#0a7c59');
    expect(stored.body.html).not.toContain('#5d34f2');
    expect(stored.body.html).toContain('mailto:help@acme.example');
    expect(stored.body.text).toContain('Questions? Write to help@acme.example.');
    expect(plain.body.html).not.toContain('<img');
    expect(plain.body.html).toContain('background-color:#5d34f2');
    expect(plain.body.text).not.toContain('Questions?');
  });

  it('sends the German template for de, and for a regional German locale', async () => {
    // Prepare
    const emails = [invitation({ locale: 'de' }), invitation({ locale: 'de-AT' })];

    // Act
    const stored = await Promise.all(emails.map(sendAndRead));

    // Assess
    for (const german of stored) {
      expect(german.subject).toBe('Grace Hopper hat Sie zu Acme eingeladen');
      expect(german.body.html).toContain('Einladung annehmen');
      expect(german.body.text).toContain(link);
    }
  });

  it('falls back to the default locale for a locale without a template', async () => {
    // Prepare
    const email = invitation({ locale: 'fr' });

    // Act
    const stored = await sendAndRead(email);

    // Assess
    expect(stored.subject).toBe('Grace Hopper invited you to join Acme');
    expect(stored.body.html).toContain('Accept invitation');
  });

  it('escapes markup and quotes in the HTML part and leaves the subject and text part as typed', async () => {
    // Prepare
    const inviterName = `<script>alert(1)</script>" onmouseover="x' Mallory`;
    const email = invitation({ inviterName, appName: 'Tom & Jerry' });

    // Act
    const stored = await sendAndRead(email);

    // Assess
    const html = stored.body.html!;
    expect(html).not.toContain('<script');
    expect(html).not.toContain('" onmouseover="');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;&quot; onmouseover=&quot;x&#39; Mallory');
    expect(decodeHtml(html)).toContain(inviterName);
    expect(html).toContain('Tom &amp; Jerry');
    expect(stored.subject).toBe(`${inviterName} invited you to join Tom & Jerry`);
    expect(stored.body.text).toContain(`${inviterName} invited you to join Tom & Jerry.`);
  });

  it('keeps CR/LF in the inviter and app names out of the subject, so they cannot add headers', async () => {
    // Prepare
    const email = invitation({ inviterName: 'Eve\r\nBcc: victim@example.com', appName: 'Acme\nX-Injected: yes' });

    // Act
    const stored = await sendAndRead(email);
    // The .eml that nodemailer builds from the stored email; its Buffer arrives as JSON.
    const eml = (await (await fetch(`${endpoint}/get-emlContent?messageId=${stored.messageId}`)).json()) as {
      body: { data: number[] };
    };

    // Assess
    expect(stored.subject).not.toMatch(/[\r\n]/);
    expect(stored.subject).toBe('Eve Bcc: victim@example.com invited you to join Acme X-Injected: yes');
    const headers = Buffer.from(eml.body.data).toString('utf8').split(/\r?\n\r?\n/)[0]!;
    expect(headers).toMatch(/^Subject:/m);
    expect(headers).not.toMatch(/^(Bcc|X-Injected):/im);
  });

  it('treats template syntax in a value as text', async () => {
    // Prepare
    const email = invitation({ inviterName: '{{link}} {{{html.link}}}' });

    // Act
    const stored = await sendAndRead(email);

    // Assess
    expect(stored.subject).toBe('{{link}} {{{html.link}}} invited you to join Acme');
  });

  it('uses a different subject and intro for a reminder', async () => {
    // Prepare
    const emails = [invitation(), invitation({ reminder: true })];

    // Act
    const [first, reminder] = await Promise.all(emails.map(sendAndRead));

    // Assess
    expect(reminder!.subject).not.toBe(first!.subject);
    expect(reminder!.subject).toBe('Reminder: Grace Hopper invited you to join Acme');
    expect(reminder!.body.text).toContain('A reminder:');
    expect(first!.body.text).not.toContain('A reminder:');
  });

  it('refuses a recipient that is more than one plain address, sending nothing', async () => {
    // Prepare
    const before = ((await (await fetch(`${endpoint}/store`)).json()) as { emails: unknown[] }).emails.length;

    // Act
    const error = await mailer.sendInvitation(invitation({ to: 'ada@example.com, eve@example.com' })).catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(AppError);
    expect(error).toMatchObject({ code: 'ses.invalid_recipient', status: 422 });
    const after = ((await (await fetch(`${endpoint}/store`)).json()) as { emails: unknown[] }).emails.length;
    expect(after).toBe(before);
  });

  it('updates templates that already exist when ensured again', async () => {
    // Prepare
    const name = invitationTemplateName(prefix, 'en');
    await client.send(
      new UpdateEmailTemplateCommand({ TemplateName: name, TemplateContent: { Subject: 'stale', Text: 'stale' } }),
    );

    // Act
    await ensureInvitationTemplates(client, prefix);

    // Assess
    const store = (await (await fetch(`${endpoint}/store`)).json()) as {
      templates: Record<string, { TemplateContent: { Subject: string; Html: string } }>;
    };
    const expected = invitationTemplates(prefix).find((template) => template.locale === 'en')!;
    expect(store.templates[name]!.TemplateContent.Subject).toBe(expected.subject);
    expect(store.templates[name]!.TemplateContent.Html).toBe(expected.html);
  });

  it('renders, without sending, exactly the email a send of the same data sends, in every email and language', async () => {
    for (const kind of ['invitation', 'accept-link', 'account-ready'] as const) {
      for (const locale of ['en', 'de-CH']) {
        // Prepare: values that need escaping, and letters that need encoding.
        const email = invitation({ kind, locale, inviterName: 'Zoë "Z" <Müller> & Co', appName: 'Äcme' });
        const before = ((await (await fetch(`${endpoint}/store`)).json()) as { emails: StoredEmail[] }).emails.length;

        // Act
        const rendered = await mailer.renderInvitation(email);
        const after = ((await (await fetch(`${endpoint}/store`)).json()) as { emails: StoredEmail[] }).emails.length;
        const sent = await sendAndRead(email);

        // Assess
        expect(after).toBe(before);
        expect(rendered).toEqual({ subject: sent.subject, html: sent.body.html, text: sent.body.text });
        expect(rendered.text).toContain(link);
      }
    }
  });

  it('refuses to render a template SES does not have as a server-side fault, and reports SES down as unavailable', async () => {
    // Prepare
    const missing = new SesMailer({ client, from, templateNamePrefix: 'nobody', defaultLocale: 'en' });
    const downClient = createSesMailerClient({ endpoint: await closedPortEndpoint(), region: 'us-east-1', credentials });

    // Act
    const notFound = await missing.renderInvitation(invitation()).catch((e: unknown) => e);
    const down = await mailerFor(downClient).renderInvitation(invitation()).catch((e: unknown) => e);

    // Assess
    expect(notFound).toBeInstanceOf(AppError);
    expect(notFound).toMatchObject({ code: 'ses.render_failed', status: 502, expose: false });
    expect(down).toBeInstanceOf(UpstreamError);
    expect(down).toMatchObject({ code: 'ses.unavailable', status: 503 });
    downClient.destroy();
  });

  it('reports SES as unavailable, not ambiguous, when nothing listens', async () => {
    // Prepare
    const downClient = createSesMailerClient({ endpoint: await closedPortEndpoint(), region: 'us-east-1', credentials });

    // Act
    const error = await mailerFor(downClient).sendInvitation(invitation()).catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(UpstreamError);
    expect(error).toMatchObject({ code: 'ses.unavailable', status: 503, ambiguous: false });
    downClient.destroy();
  });
});

describe('SesMailer error mapping, against a scripted SES', () => {
  let server: Server;
  let endpoint: string;
  let requests: number;
  let respond: (req: IncomingMessage, res: ServerResponse) => void;

  beforeAll(async () => {
    server = createHttpServer((req, res) => {
      requests += 1;
      req.resume();
      req.on('end', () => respond(req, res));
    });
    endpoint = await listen(server);
  });

  beforeEach(() => {
    requests = 0;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  const answer = (status: number, errorType: string) => (_req: IncomingMessage, res: ServerResponse) => {
    res.writeHead(status, { 'content-type': 'application/json', 'x-amzn-errortype': errorType });
    res.end(JSON.stringify({ message: `scripted ${errorType}` }));
  };

  async function send(clientOptions: { requestTimeout?: number } = {}) {
    const client = createSesMailerClient({
      endpoint,
      region: 'us-east-1',
      credentials,
      ...(clientOptions.requestTimeout
        ? { requestHandler: { requestTimeout: clientOptions.requestTimeout, throwOnRequestTimeout: true } }
        : {}),
    });
    try {
      return await mailerFor(client).sendInvitation(invitation()).catch((e: unknown) => e);
    } finally {
      client.destroy();
    }
  }

  it('maps 429 to ses.throttled, not ambiguous, after a single request', async () => {
    // Prepare
    respond = answer(429, 'TooManyRequestsException');

    // Act
    const error = await send();

    // Assess
    expect(error).toBeInstanceOf(UpstreamError);
    expect(error).toMatchObject({ code: 'ses.throttled', ambiguous: false });
    expect(requests).toBe(1);
  });

  it('maps 5xx to ses.unavailable, not ambiguous, without an SDK retry', async () => {
    // Prepare
    respond = answer(503, 'InternalFailure');

    // Act
    const error = await send();

    // Assess
    expect(error).toBeInstanceOf(UpstreamError);
    expect(error).toMatchObject({ code: 'ses.unavailable', ambiguous: false });
    expect(requests).toBe(1);
  });

  it('maps a 4xx refusal to a non-retryable ses.rejected', async () => {
    // Prepare
    respond = answer(400, 'MessageRejected');

    // Act
    const error = await send();

    // Assess
    expect(error).toBeInstanceOf(AppError);
    expect(error).not.toBeInstanceOf(UpstreamError);
    expect(error).toMatchObject({ code: 'ses.rejected', status: 422, details: { reason: 'MessageRejected', status: 400 } });
    expect(String((error as Error).message)).not.toContain('tok_123');
  });

  it('reports a connection reset after the request reached SES as ambiguous, and does not resend', async () => {
    // Prepare
    respond = (req) => req.socket.destroy();

    // Act
    const error = await send();

    // Assess
    expect(error).toBeInstanceOf(UpstreamError);
    expect(error).toMatchObject({ code: 'ses.unavailable', ambiguous: true });
    expect(requests).toBe(1);
  });

  it('reports a timeout waiting for SES as ambiguous, and does not resend', async () => {
    // Prepare
    respond = () => undefined;

    // Act
    const error = await send({ requestTimeout: 200 });

    // Assess
    expect(error).toBeInstanceOf(UpstreamError);
    expect(error).toMatchObject({ code: 'ses.unavailable', ambiguous: true });
    expect(requests).toBe(1);
  });

  it('refuses to send through a client that would retry', async () => {
    // Prepare
    respond = answer(503, 'InternalFailure');
    const retryingClient = new SESv2Client({ endpoint, region: 'us-east-1', credentials });

    // Act
    const error = await mailerFor(retryingClient).sendInvitation(invitation()).catch((e: unknown) => e);

    // Assess
    expect(error).toMatchObject({ code: 'ses.misconfigured', status: 500 });
    expect(requests).toBe(0);
    retryingClient.destroy();
  });
});
