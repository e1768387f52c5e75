/**
 * The email templates: one SES v2 email template per email kind and locale, read from
 * `templates/<kind>/<locale>/{subject.txt,body.html,body.txt}` (Handlebars, edited by designers).
 *
 * Escaping, decided once here:
 * - Real SES does not HTML-escape template values ("SES doesn't escape HTML content when rendering the HTML
 *   template for a message", https://docs.aws.amazon.com/ses/latest/dg/send-personalized-email-advanced.html),
 *   and aws-ses-v2-local compiles every part with Handlebars `noEscape: true` to match
 *   (node_modules/aws-ses-v2-local/dist/v2/renderTemplate.js). So `{{x}}` and `{{{x}}}` render the same raw
 *   value in the subject, the HTML and the text part, in both.
 * - Hence the mailer escapes: `TemplateData` carries each value plain (for the subject and text part, where
 *   `&` must stay `&`) and HTML-escaped under `html.` (for the HTML part, where `&amp;` in an href is correct
 *   and `<`, `"` and `'` cannot leave text or an attribute). The HTML part uses only `html.*` values.
 * - Every value is written triple-stash (`{{{x}}}`): it states "insert verbatim" and keeps both parts right
 *   (no `&amp;` in a subject, no double escaping in the HTML) should a renderer ever escape `{{x}}`.
 * - Control characters (CR, LF, ...) never reach the subject: the mailer replaces them in every value before
 *   sending (lambdas/adapters/ses-mailer.ts). Values are data to Handlebars, never parsed as templates.
 */
import { readFileSync } from 'node:fs';
import {
  CreateEmailTemplateCommand,
  UpdateEmailTemplateCommand,
  type EmailTemplateContent,
  type SESv2Client,
} from '@aws-sdk/client-sesv2';
import { emailKinds, invitationTemplateName, supportedLocales, type EmailKind } from './invitation-contract.ts';

// Runtime code (the Lambda bundle) should import these from './invitation-contract.ts', which reads no files.
export * from './invitation-contract.ts';

export interface InvitationTemplate {
  kind: EmailKind;
  locale: string;
  name: string;
  subject: string;
  html: string;
  text: string;
}

const read = (kind: EmailKind, locale: string, file: string) =>
  readFileSync(new URL(`./${kind}/${locale}/${file}`, import.meta.url), 'utf8');

/**
 * Every email's template in every locale, read synchronously from the source files (at CDK synth time or
 * at local start-up; the Lambda runtime needs only {@link invitationTemplateName}).
 */
export function invitationTemplates(namePrefix: string): InvitationTemplate[] {
  return emailKinds.flatMap((kind) =>
    supportedLocales.map((locale) => ({
      kind,
      locale,
      name: invitationTemplateName(namePrefix, locale, kind),
      // An editor's final newline must not end up in the Subject header.
      subject: read(kind, locale, 'subject.txt').trim(),
      html: read(kind, locale, 'body.html'),
      text: read(kind, locale, 'body.txt'),
    })),
  );
}

const statusOf = (error: unknown) =>
  (error as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata?.httpStatusCode;

// Real SES names the error; aws-ses-v2-local answers 400 with an error the SDK can only call `Unknown`.
const mayAlreadyExist = (error: unknown) =>
  (error as { name?: string } | undefined)?.name === 'AlreadyExistsException' || statusOf(error) === 400;

/**
 * Creates each locale's template, or updates it when it exists (the local stack calls this at start-up;
 * in AWS the CDK owns the templates).
 */
export async function ensureInvitationTemplates(client: SESv2Client, namePrefix: string): Promise<void> {
  for (const template of invitationTemplates(namePrefix)) {
    const TemplateContent: EmailTemplateContent = { Subject: template.subject, Html: template.html, Text: template.text };
    try {
      await client.send(new CreateEmailTemplateCommand({ TemplateName: template.name, TemplateContent }));
    } catch (createError) {
      if (!mayAlreadyExist(createError)) throw createError;
      try {
        await client.send(new UpdateEmailTemplateCommand({ TemplateName: template.name, TemplateContent }));
      } catch (updateError) {
        // Not found on update: the 400 on create meant something else (e.g. a template that does not compile).
        throw statusOf(updateError) === 404 ? createError : updateError;
      }
    }
  }
}
