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
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Handlebars from 'handlebars';
import {
  CreateEmailTemplateCommand,
  UpdateEmailTemplateCommand,
  type EmailTemplateContent,
  type SESv2Client,
} from '@aws-sdk/client-sesv2';
import { packagePath } from '../lib/package-root.ts';
import {
  defaultBrand,
  emailKinds,
  invitationTemplateName,
  type EmailKind,
  type InvitationTemplateData,
} from './invitation-contract.ts';

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

/** The templates this package ships (en and de); a team's own directory has the same layout. */
export const shippedTemplatesDirectory = packagePath('templates/');

const parts = ['subject.txt', 'body.html', 'body.txt'] as const;

/**
 * The locales a templates directory has: the language folders of its `invitation` email. Every other email
 * must have the same ones (checked by {@link invitationTemplates}).
 */
export function templateLocales(directory: string = shippedTemplatesDirectory): string[] {
  const folder = join(directory, 'invitation');
  if (!existsSync(folder)) throw new Error(`Email templates: ${folder} is missing (expected <dir>/<email>/<locale>/{${parts.join(',')}}).`);
  return readdirSync(folder, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort((a, b) => (a === 'en' ? -1 : b === 'en' ? 1 : a.localeCompare(b)));
}

/**
 * Every email's template in every locale of `directory`, read synchronously (at CDK synth time or at local
 * start-up; the Lambda runtime needs only {@link invitationTemplateName}). Throws naming every missing file.
 */
export function invitationTemplates(namePrefix: string, directory: string = shippedTemplatesDirectory): InvitationTemplate[] {
  const locales = templateLocales(directory);
  const missing = emailKinds.flatMap((kind) =>
    locales.flatMap((locale) => parts.map((part) => join(directory, kind, locale, part)).filter((file) => !existsSync(file))),
  );
  if (missing.length > 0) throw new Error(`Email templates: missing ${missing.join(', ')}.`);
  const read = (kind: EmailKind, locale: string, part: (typeof parts)[number]) => readFileSync(join(directory, kind, locale, part), 'utf8');
  return emailKinds.flatMap((kind) =>
    locales.map((locale) => ({
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

/** Data of the kind the mailer sends, for rendering every template before anything is deployed. */
function sampleData(reminder: boolean, brand: InvitationTemplateData['brand']): InvitationTemplateData {
  const values = {
    appName: 'Sample App',
    inviterName: 'Sample Inviter',
    expiresAt: '1 January 2030 at 12:00 UTC',
    link: 'https://app.example.com/landing?token=sample-link-7f3a',
    email: 'invitee@example.com',
  };
  return { ...values, reminder, brand, html: { ...values, brand } };
}

/** Every value path in the data (`appName`, `html.brand.logoUrl`, ...). */
function valuePaths(data: object, prefix = ''): string[] {
  return Object.entries(data).flatMap(([key, value]) =>
    value !== null && typeof value === 'object' ? valuePaths(value as object, `${prefix}${key}.`) : [`${prefix}${key}`],
  );
}

/** The value paths a template reads (`{{{html.link}}}`, `{{#if reminder}}`), leaving out the names of helpers. */
function usedPaths(program: hbs.AST.Program): string[] {
  const found = new Set<string>();
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(visit);
    if (node === null || typeof node !== 'object') return;
    const current = node as { type?: string; path?: { original?: string }; params?: unknown[]; original?: string };
    if (current.type === 'PathExpression' && typeof current.original === 'string') found.add(current.original);
    for (const [key, child] of Object.entries(current)) {
      // The block's own name (`if`, `unless`, `each`) is a helper, not a value.
      if (key === 'path' && (current.type === 'BlockStatement' || (current.type === 'MustacheStatement' && (current.params?.length ?? 0) > 0))) continue;
      if (key !== 'loc') visit(child);
    }
  };
  visit(program);
  return [...found];
}

/**
 * Renders every template the way SES does (Handlebars, values not escaped), strictly: a variable the
 * mailer does not send fails, as does a template that does not render, a subject that is not one line,
 * or a body without the link. With and without a reminder, with and without the brand's optional values.
 * Throws one error naming every problem.
 */
export function checkEmailTemplates(templates: readonly InvitationTemplate[]): void {
  const brands = [defaultBrand, { logoUrl: 'https://cdn.example.com/logo.png', primaryColor: '#123456', supportEmail: 'help@example.com' }];
  const known = new Set(valuePaths(sampleData(false, defaultBrand)));
  const problems: string[] = [];
  for (const template of templates) {
    for (const [partName, source] of [['subject', template.subject], ['HTML part', template.html], ['text part', template.text]] as const) {
      const where = `${template.kind}/${template.locale} ${partName}`;
      let render: Handlebars.TemplateDelegate;
      try {
        for (const path of usedPaths(Handlebars.parse(source))) {
          if (!known.has(path)) problems.push(`${where}: uses {{${path}}}, which the mailer does not send (it sends ${[...known].join(', ')})`);
        }
        render = Handlebars.compile(source, { strict: true, noEscape: true });
      } catch (error) {
        problems.push(`${where}: ${(error as Error).message.split('\n')[0]}`);
        continue;
      }
      for (const brand of brands) {
        for (const reminder of [false, true]) {
          const data = sampleData(reminder, brand);
          try {
            const output = render(data);
            if (partName === 'subject' && /[\r\n]/.test(output.trim())) problems.push(`${where}: renders on more than one line`);
            if (partName !== 'subject' && !output.includes(data.link)) problems.push(`${where}: does not contain the link`);
          } catch (error) {
            problems.push(`${where}: ${(error as Error).message.split('\n')[0]}`);
          }
        }
      }
    }
  }
  if (problems.length > 0) throw new Error(`Email templates: ${[...new Set(problems)].join('; ')}.`);
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
export async function ensureInvitationTemplates(client: SESv2Client, namePrefix: string, directory?: string): Promise<void> {
  const templates = invitationTemplates(namePrefix, directory);
  checkEmailTemplates(templates);
  for (const template of templates) {
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
