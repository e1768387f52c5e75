/**
 * What the invitation templates and the mailer agree on: locales, template names and the data shape.
 * Reads no files, so a Lambda bundle that imports it carries neither `node:fs` nor the template sources.
 */

export const supportedLocales = ['en', 'de'] as const;
export type SupportedLocale = (typeof supportedLocales)[number];

export function isSupportedLocale(locale: string): locale is SupportedLocale {
  return (supportedLocales as readonly string[]).includes(locale);
}

/**
 * The emails, one template each per locale (`templates/<kind>/<locale>/`), one per mode: `invitation`
 * carries a magic link, `accept-link` links to our page that creates the account, `account-ready` says a
 * provisioned account waits for its first sign-in. Each has its reminder inside (`reminder` is true).
 */
export const emailKinds = ['invitation', 'accept-link', 'account-ready'] as const;
export type EmailKind = (typeof emailKinds)[number];

/** The SES template name for one email and locale, e.g. `prod-invitation-de`, `prod-account-ready-en`. */
export function invitationTemplateName(namePrefix: string, locale: string, kind: EmailKind = 'invitation'): string {
  return `${namePrefix}-${kind}-${locale}`;
}

/** The values every invitation email renders. */
export interface InvitationValues {
  appName: string;
  inviterName: string;
  /** Already formatted for the locale. */
  expiresAt: string;
  link: string;
  /** The recipient's address. */
  email: string;
}

/** The deployment's look, the same in every email it sends (set on the construct or the local stack). */
export interface Brand {
  /** An https URL of the logo shown atop each email; empty for none (the app's name is shown instead). */
  logoUrl: string;
  /** The colour of the header and the button, `#rrggbb`. */
  primaryColor: string;
  /** Where invitees can write with questions; empty for none. */
  supportEmail: string;
}

export const defaultBrand: Brand = { logoUrl: '', primaryColor: '#5d34f2', supportEmail: '' };

/**
 * `TemplateData` of the SES templates: plain values for the subject and the text part, the same values
 * HTML-escaped under `html` for the HTML part (SES does not escape; see templates/index.ts). A template
 * may use these and nothing else: a synth-time check renders every template with them, strictly.
 */
export interface InvitationTemplateData extends InvitationValues {
  reminder: boolean;
  brand: Brand;
  html: InvitationValues & { brand: Brand };
}
