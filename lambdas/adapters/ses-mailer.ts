/**
 * The {@link Mailer} on SES v2 stored templates (one per locale, see templates/index.ts). A preview is the
 * same template and the same data rendered by SES itself (TestRenderEmailTemplate), not sent.
 */
import { GetAccountCommand, SESv2Client, SendEmailCommand, TestRenderEmailTemplateCommand, type SESv2ClientConfig } from '@aws-sdk/client-sesv2';
import { AppError, UpstreamError } from '../domain/errors.ts';
import { nearestLocale } from '../domain/invitation.ts';
import type { InvitationEmail, Mailer, RenderedEmail } from '../domain/ports.ts';
import { parseMime } from './mime.ts';
import {
  defaultBrand,
  invitationTemplateName,
  supportedLocales,
  type Brand,
  type InvitationTemplateData,
  type InvitationValues,
} from '../../templates/invitation-contract.ts';

export interface SesMailerOptions {
  /** Must make a single attempt per call: build it with {@link createSesMailerClient}. */
  client: SESv2Client;
  /** Verified sender, e.g. `Acme <no-reply@acme.example>`. */
  from: string;
  /** Publishes delivery, bounce and complaint events. */
  configurationSet?: string;
  templateNamePrefix: string;
  /** Used for locales without a template; must have one. */
  defaultLocale: string;
  /** The locales there are templates for. @default the shipped ones (en, de) */
  locales?: readonly string[];
  /** The deployment's look, sent with every email. @default defaultBrand */
  brand?: Brand;
}

/**
 * An SES v2 client for {@link SesMailer}: one attempt per call and bounded waits.
 *
 * The SDK retries timeouts and connection resets by default (`isTransientError` in @smithy/core), and a
 * SendEmail that timed out may already have been accepted: a retry would send the invitation twice. So the
 * mailer makes one attempt and reports the outcome (`ambiguous` when unknown); the delivery queue decides
 * about retrying, knowing whether the email may have gone out.
 */
export function createSesMailerClient(config: SESv2ClientConfig = {}): SESv2Client {
  return new SESv2Client({
    requestHandler: { connectionTimeout: 3_000, requestTimeout: 10_000, throwOnRequestTimeout: true },
    ...config,
    maxAttempts: 1,
    retryStrategy: undefined,
  });
}

/**
 * Sends invitation emails. Refuses (`ses.misconfigured`, before sending) a client that could retry SendEmail.
 * Logs nothing itself, and no error it throws carries a template value: the link holds a one-time token.
 */
export class SesMailer implements Mailer {
  private readonly client: SESv2Client;
  private readonly from: string;
  private readonly configurationSet: string | undefined;
  private readonly templateNamePrefix: string;
  private readonly defaultLocale: string;
  private readonly locales: readonly string[];
  private readonly brand: Brand;
  private singleAttempt: Promise<void> | undefined;

  constructor(options: SesMailerOptions) {
    this.locales = options.locales ?? supportedLocales;
    if (!this.locales.includes(options.defaultLocale)) {
      throw new Error(`No invitation template for the default locale "${options.defaultLocale}" (have: ${this.locales.join(', ')}).`);
    }
    this.brand = { ...defaultBrand, ...options.brand };
    this.client = options.client;
    this.from = options.from;
    this.configurationSet = options.configurationSet;
    this.templateNamePrefix = options.templateNamePrefix;
    this.defaultLocale = options.defaultLocale;
  }

  /** The account's maximum send rate (emails a second), from GetAccount; undefined when SES could not say. */
  async maxSendRate(): Promise<number | undefined> {
    try {
      const { SendQuota } = await this.client.send(new GetAccountCommand({}));
      return SendQuota?.MaxSendRate && SendQuota.MaxSendRate > 0 ? SendQuota.MaxSendRate : undefined;
    } catch {
      return undefined;
    }
  }

  async sendInvitation(email: InvitationEmail): Promise<{ messageId: string }> {
    this.singleAttempt ??= assertSingleAttempt(this.client);
    await this.singleAttempt;
    const to = singleLine(email.to);
    if (!/^[^\s,;<>()"]+@[^\s,;<>()"]+$/.test(to)) {
      // A list or a display name would let the value add recipients.
      throw new AppError('ses.invalid_recipient', 422, 'The invitation email address is not a single plain address.');
    }
    const command = new SendEmailCommand({
      FromEmailAddress: this.from,
      Destination: { ToAddresses: [to] },
      ConfigurationSetName: this.configurationSet,
      // SES tag values allow only [A-Za-z0-9_-]; invitation ids are base64url.
      EmailTags: [{ Name: 'invitationId', Value: email.invitationId.replace(/[^\w-]/g, '_') }],
      Content: { Template: this.template(email) },
    });
    let messageId: string | undefined;
    try {
      ({ MessageId: messageId } = await this.client.send(command));
    } catch (error) {
      throw toMailerError(error);
    }
    if (!messageId) {
      throw new UpstreamError('ses.unavailable', 'SES accepted the invitation email without a message id.', true);
    }
    return { messageId };
  }

  /**
   * The email `sendInvitation` would send, rendered by SES from the same stored template with the same data,
   * and not sent. SES renders one a second per account: beyond that it throttles (503 `ses.throttled`).
   */
  async renderInvitation(email: InvitationEmail): Promise<RenderedEmail> {
    const { TemplateName, TemplateData } = this.template(email);
    let rendered: string | undefined;
    try {
      ({ RenderedTemplate: rendered } = await this.client.send(new TestRenderEmailTemplateCommand({ TemplateName, TemplateData })));
    } catch (error) {
      throw toRenderError(error, TemplateName);
    }
    if (!rendered) throw new AppError('ses.render_failed', 502, `SES rendered template ${TemplateName} as nothing.`);
    return parseMime(rendered);
  }

  /**
   * The stored template for the email and its `TemplateData`: each value on one line, and HTML-escaped again
   * under `html` (see templates/index.ts). What a send and a preview both hand to SES.
   */
  private template(email: InvitationEmail): { TemplateName: string; TemplateData: string } {
    const values: InvitationValues = {
      appName: singleLine(email.appName),
      inviterName: singleLine(email.inviterName),
      expiresAt: singleLine(email.expiresAt),
      link: singleLine(email.link),
      email: singleLine(email.to),
    };
    const brand: Brand = {
      logoUrl: singleLine(this.brand.logoUrl),
      primaryColor: singleLine(this.brand.primaryColor),
      supportEmail: singleLine(this.brand.supportEmail),
    };
    const data: InvitationTemplateData = {
      ...values,
      reminder: email.reminder === true,
      brand,
      html: {
        appName: escapeHtml(values.appName),
        inviterName: escapeHtml(values.inviterName),
        expiresAt: escapeHtml(values.expiresAt),
        link: escapeHtml(values.link),
        email: escapeHtml(values.email),
        brand: { logoUrl: escapeHtml(brand.logoUrl), primaryColor: escapeHtml(brand.primaryColor), supportEmail: escapeHtml(brand.supportEmail) },
      },
    };
    return { TemplateName: invitationTemplateName(this.templateNamePrefix, this.localeFor(email.locale), email.kind), TemplateData: JSON.stringify(data) };
  }

  /** `de-AT` and `de_at` use `de`; a locale without a template uses the default. */
  private localeFor(locale: string): string {
    return nearestLocale(locale, this.locales, this.defaultLocale);
  }
}

async function assertSingleAttempt(client: SESv2Client): Promise<void> {
  const maxAttempts = await client.config.maxAttempts();
  const strategy = (await client.config.retryStrategy()) as { maxAttempts?: () => Promise<number> };
  const strategyMax = typeof strategy.maxAttempts === 'function' ? await strategy.maxAttempts() : undefined;
  if (maxAttempts !== 1 || strategyMax !== 1) {
    throw new AppError(
      'ses.misconfigured',
      500,
      'The SES client may retry SendEmail, which can send an invitation twice: build it with createSesMailerClient.',
      undefined,
      false,
    );
  }
}

/** CR, LF and every other control character (and U+2028/9) become a space: nothing can start a header line. */
function singleLine(value: string): string {
  return value.replace(/[\p{Cc}\u2028\u2029]+/gu, ' ').trim();
}

const htmlEntities: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Enough for text and quoted attributes, the only places the templates put values. */
function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (char) => htmlEntities[char] ?? char);
}

/**
 * A preview SES could not render: throttled or unavailable may pass (503); a refusal (no such template, a
 * value it lacks) is the deployment's fault, not the caller's (502, details in the log only).
 */
function toRenderError(error: unknown, templateName: string): AppError {
  const e = (error ?? {}) as SdkError;
  const name = e.name ?? 'Error';
  const status = e.$metadata?.httpStatusCode;
  if (status === 429 || throttlingNames.has(name)) return new UpstreamError('ses.throttled', `SES throttled rendering an email preview (${name}).`);
  if (status === undefined || status >= 500) {
    return new UpstreamError('ses.unavailable', `SES could not render an email preview (${status === undefined ? (e.code ?? name) : `HTTP ${status}`}).`);
  }
  return new AppError('ses.render_failed', 502, `SES refused to render template ${templateName} (${name}, HTTP ${status}).`);
}

/** Connection failures before anything was sent. */
const notConnectedCodes = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'EHOSTDOWN', 'ENETDOWN', 'EADDRNOTAVAIL']);
const throttlingNames = new Set(['TooManyRequestsException', 'ThrottlingException', 'Throttling']);
/** Refusals of the whole account or configuration set: they pass once an operator acts, nothing was sent. */
const pausedNames = new Set(['SendingPausedException', 'AccountSuspendedException']);
/** Raised before a request is made. */
const beforeRequestNames = new Set(['CredentialsProviderError', 'TokenProviderError']);

interface SdkError {
  name?: string;
  code?: string;
  message?: string;
  errors?: { code?: string }[];
  cause?: { code?: string };
  $metadata?: { httpStatusCode?: number };
}

/**
 * What the caller needs to know: did SES answer (then nothing was sent unless it said yes), or may the request
 * have reached SES without us seeing the answer (`ambiguous`)? Anything not known to have failed before
 * sending counts as ambiguous, so an unknown failure never leads to a second email.
 */
function toMailerError(error: unknown): AppError {
  const e = (error ?? {}) as SdkError;
  const name = e.name ?? 'Error';
  const status = e.$metadata?.httpStatusCode;
  if (status !== undefined) {
    if (status === 429 || throttlingNames.has(name)) {
      return new UpstreamError('ses.throttled', `SES throttled the invitation email (${name}).`);
    }
    if (status >= 500) {
      return new UpstreamError('ses.unavailable', `SES failed with HTTP ${status} (${name}).`);
    }
    if (pausedNames.has(name)) {
      return new UpstreamError('ses.unavailable', `SES is not sending for this account (${name}).`);
    }
    if (status >= 400) {
      // 4xx, not 5xx: sending it again cannot succeed (bad address, unverified sender, missing template),
      // so callers and queues must not retry it, and an idempotent request keeps this answer.
      return new AppError('ses.rejected', 422, `SES refused the invitation email (${name}, HTTP ${status}).`, {
        reason: name,
        status,
      });
    }
    // SES answered 2xx but the answer could not be read: the email was most likely accepted.
    return new UpstreamError('ses.unavailable', `SES answered HTTP ${status} but the answer was unreadable.`, true);
  }
  const code = e.code ?? e.errors?.[0]?.code ?? e.cause?.code;
  const notConnected =
    (code !== undefined && notConnectedCodes.has(code)) ||
    beforeRequestNames.has(name) ||
    (name === 'TimeoutError' && /did not establish a connection/.test(e.message ?? ''));
  if (notConnected) {
    return new UpstreamError('ses.unavailable', `SES could not be reached (${code ?? name}).`);
  }
  return new UpstreamError('ses.unavailable', `SES did not answer; the invitation email may have been sent (${code ?? name}).`, true);
}
