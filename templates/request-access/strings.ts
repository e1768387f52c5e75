/** The words of the embeddable request form (`GET /v1/request-access`), per shipped locale. */
import type { SupportedLocale } from '../invitation-contract.ts';

export interface RequestAccessStrings {
  /** `{app}`. */
  title: string;
  intro: string;
  emailLabel: string;
  nameLabel: string;
  messageLabel: string;
  optional: string;
  /** The honeypot's label, read by bots; hidden from people and from screen readers. */
  trapLabel: string;
  submit: string;
  errorSummary: string;
  invalidEmail: string;
  invalidName: string;
  invalidMessage: string;
  receivedTitle: string;
  receivedText: string;
  tooManyTitle: string;
  tooManyText: string;
  unavailableTitle: string;
  unavailableText: string;
}

export const requestAccessStrings: Record<SupportedLocale, RequestAccessStrings> = {
  en: {
    title: 'Ask to join {app}',
    intro: '{app} is invitation only. Leave your email address and we will consider inviting you.',
    emailLabel: 'Email address',
    nameLabel: 'Your name',
    messageLabel: 'Why would you like to join?',
    optional: '(optional)',
    trapLabel: 'Leave this field empty',
    submit: 'Ask for an invitation',
    errorSummary: 'Please correct the following:',
    invalidEmail: 'Enter an email address, such as ada@example.com.',
    invalidName: 'Use at most 128 characters.',
    invalidMessage: 'Use at most 1,000 characters.',
    receivedTitle: 'Thank you',
    receivedText: 'If we can invite this address, you will get an email from us. You can close this page.',
    tooManyTitle: 'Too many requests',
    tooManyText: 'Please try again in an hour.',
    unavailableTitle: 'Something went wrong on our side',
    unavailableText: 'Please try again in a moment.',
  },
  de: {
    title: 'Zugang zu {app} anfragen',
    intro: '{app} ist nur auf Einladung zugänglich. Hinterlassen Sie Ihre E-Mail-Adresse, und wir prüfen eine Einladung.',
    emailLabel: 'E-Mail-Adresse',
    nameLabel: 'Ihr Name',
    messageLabel: 'Warum möchten Sie beitreten?',
    optional: '(optional)',
    trapLabel: 'Dieses Feld leer lassen',
    submit: 'Einladung anfragen',
    errorSummary: 'Bitte korrigieren Sie Folgendes:',
    invalidEmail: 'Geben Sie eine E-Mail-Adresse ein, etwa ada@example.com.',
    invalidName: 'Höchstens 128 Zeichen.',
    invalidMessage: 'Höchstens 1.000 Zeichen.',
    receivedTitle: 'Vielen Dank',
    receivedText: 'Wenn wir diese Adresse einladen können, erhalten Sie eine E-Mail von uns. Sie können diese Seite schließen.',
    tooManyTitle: 'Zu viele Anfragen',
    tooManyText: 'Bitte versuchen Sie es in einer Stunde erneut.',
    unavailableTitle: 'Bei uns ist etwas schiefgegangen',
    unavailableText: 'Bitte versuchen Sie es gleich noch einmal.',
  },
};
