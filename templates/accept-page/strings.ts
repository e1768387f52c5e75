/**
 * The words of the accept page (accept-link mode), per shipped locale: the same locales as the emails.
 * `{name}` placeholders are filled in by the page (values HTML-escaped there).
 */
import type { SupportedLocale } from '../invitation-contract.ts';

export interface AcceptPageStrings {
  title: string;
  /** `{inviter}` invited you to `{app}`. */
  invited: string;
  account: string;
  expires: string;
  nameLabel: string;
  passwordLabel: string;
  /** `{min}`, `{types}`. */
  passwordHint: string;
  submit: string;
  errorSummary: string;
  /** Titles and texts of the pages that refuse a link, by error code. */
  problems: Record<'accept.invalid_link' | 'accept.already_accepted' | 'accept.expired' | 'accept.revoked' | 'accept.expired_form' | 'accept.unavailable', { title: string; text: string }>;
  signInInstead: string;
  fields: Record<string, string>;
}

export const acceptPageStrings: Record<SupportedLocale, AcceptPageStrings> = {
  en: {
    title: 'Join {app}',
    invited: '{inviter} invited you to {app}.',
    account: 'Your account: {email}',
    expires: 'This invitation is open until {expires}.',
    nameLabel: 'Your name',
    passwordLabel: 'Choose a password',
    passwordHint: 'At least {min} characters, mixing at least {types} of lower case, upper case, digits and symbols.',
    submit: 'Create my account',
    errorSummary: 'Please correct the following:',
    problems: {
      'accept.invalid_link': { title: 'This link is not valid', text: 'Open the link in your latest invitation email, exactly as it is.' },
      'accept.already_accepted': { title: 'Invitation already accepted', text: 'Your account exists: sign in with your email address.' },
      'accept.expired': { title: 'This invitation has expired', text: 'Ask the person who invited you for a new invitation.' },
      'accept.revoked': { title: 'This invitation was withdrawn', text: 'Ask the person who invited you if you think this is a mistake.' },
      'accept.expired_form': { title: 'Please try again', text: 'This form has expired or was opened elsewhere. Open the link in your invitation email again.' },
      'accept.unavailable': { title: 'Something went wrong on our side', text: 'Nothing was changed. Please try again in a moment.' },
    },
    signInInstead: 'Sign in',
    fields: {
      'accept.name_required': 'Enter your name.',
      'accept.name_invalid': 'Use at most 128 characters, without control characters.',
      'accept.password_required': 'Choose a password.',
      'password_rejected.too_short': 'The password is too short: use at least {min} characters.',
      'password_rejected.too_long': 'The password is too long: use at most {max} characters.',
      'password_rejected.character_types': 'Mix at least {min} of lower case, upper case, digits and symbols.',
      'password_rejected.unsupported_characters': 'The password contains characters that are not allowed.',
      'password_rejected.pwned': 'This password is known from data breaches: choose another.',
      'password_rejected.restricted.repetition': 'Avoid repeating characters.',
      'password_rejected.restricted.sequence': 'Avoid sequences such as 1234 or abcd.',
      'password_rejected.restricted.words': 'The password contains a word that is not allowed.',
      'password_rejected.restricted.user_info': 'The password must not contain your name or email address.',
      other: 'The password does not meet the password policy.',
    },
  },
  de: {
    title: '{app} beitreten',
    invited: '{inviter} hat Sie zu {app} eingeladen.',
    account: 'Ihr Konto: {email}',
    expires: 'Diese Einladung ist gültig bis {expires}.',
    nameLabel: 'Ihr Name',
    passwordLabel: 'Passwort wählen',
    passwordHint: 'Mindestens {min} Zeichen, mit mindestens {types} Arten aus Kleinbuchstaben, Großbuchstaben, Ziffern und Sonderzeichen.',
    submit: 'Konto anlegen',
    errorSummary: 'Bitte korrigieren Sie Folgendes:',
    problems: {
      'accept.invalid_link': { title: 'Dieser Link ist ungültig', text: 'Öffnen Sie den Link aus Ihrer neuesten Einladungs-E-Mail, genau so, wie er ist.' },
      'accept.already_accepted': { title: 'Einladung bereits angenommen', text: 'Ihr Konto besteht: Melden Sie sich mit Ihrer E-Mail-Adresse an.' },
      'accept.expired': { title: 'Diese Einladung ist abgelaufen', text: 'Bitten Sie die Person, die Sie eingeladen hat, um eine neue Einladung.' },
      'accept.revoked': { title: 'Diese Einladung wurde zurückgezogen', text: 'Fragen Sie die Person, die Sie eingeladen hat, falls Sie einen Irrtum vermuten.' },
      'accept.expired_form': { title: 'Bitte versuchen Sie es erneut', text: 'Dieses Formular ist abgelaufen oder wurde anderswo geöffnet. Öffnen Sie den Link aus Ihrer Einladungs-E-Mail erneut.' },
      'accept.unavailable': { title: 'Bei uns ist etwas schiefgegangen', text: 'Es wurde nichts geändert. Bitte versuchen Sie es gleich noch einmal.' },
    },
    signInInstead: 'Anmelden',
    fields: {
      'accept.name_required': 'Geben Sie Ihren Namen ein.',
      'accept.name_invalid': 'Höchstens 128 Zeichen, ohne Steuerzeichen.',
      'accept.password_required': 'Wählen Sie ein Passwort.',
      'password_rejected.too_short': 'Das Passwort ist zu kurz: mindestens {min} Zeichen.',
      'password_rejected.too_long': 'Das Passwort ist zu lang: höchstens {max} Zeichen.',
      'password_rejected.character_types': 'Mischen Sie mindestens {min} Arten aus Kleinbuchstaben, Großbuchstaben, Ziffern und Sonderzeichen.',
      'password_rejected.unsupported_characters': 'Das Passwort enthält unzulässige Zeichen.',
      'password_rejected.pwned': 'Dieses Passwort ist aus Datenlecks bekannt: Wählen Sie ein anderes.',
      'password_rejected.restricted.repetition': 'Vermeiden Sie wiederholte Zeichen.',
      'password_rejected.restricted.sequence': 'Vermeiden Sie Folgen wie 1234 oder abcd.',
      'password_rejected.restricted.words': 'Das Passwort enthält ein unzulässiges Wort.',
      'password_rejected.restricted.user_info': 'Das Passwort darf weder Ihren Namen noch Ihre E-Mail-Adresse enthalten.',
      other: 'Das Passwort erfüllt die Passwortrichtlinie nicht.',
    },
  },
};
