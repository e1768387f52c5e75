/**
 * The embeddable request form (`GET /v1/request-access`) and the pages its POST answers with: plain HTML,
 * no script, usable with a keyboard and a screen reader. The honeypot field is off-screen and hidden from
 * assistive technology; the hidden `t` is a signed timestamp (see {@link formToken}).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { nearestLocale } from '../../domain/invitation.ts';
import { requestAccessStrings, type RequestAccessStrings } from '../../../templates/request-access/strings.ts';
import { supportedLocales, type SupportedLocale } from '../../../templates/invitation-contract.ts';
import { document, escapeHtml, fill, securityHeaders } from './accept-page.ts';
import type { HttpResult } from './respond.ts';

export interface RequestFormOptions {
  appName: string;
  frameAncestors: readonly string[];
}

export interface RequestFormState {
  token: string;
  email?: string;
  name?: string;
  message?: string;
  problems?: Array<'email' | 'name' | 'message'>;
}

function stringsFor(locale: string): { locale: SupportedLocale; strings: RequestAccessStrings } {
  const nearest = nearestLocale(locale, supportedLocales, 'en') as SupportedLocale;
  return { locale: nearest, strings: requestAccessStrings[nearest] };
}

/** A token for the form shown at `now`: its time and an HMAC of it, so a bot cannot date it back. */
export function formToken(key: string, now: Date): string {
  const issued = now.getTime().toString(36);
  return `${issued}.${createHmac('sha256', key).update(`request-access:${issued}`).digest('base64url')}`;
}

/** Milliseconds since the form of `token` was shown; undefined for a token we did not make. */
export function formTokenAge(key: string, token: string | undefined, now: Date): number | undefined {
  const [issued, mac] = (token ?? '').split('.');
  if (!issued || !mac || !/^[0-9a-z]{1,12}$/.test(issued)) return undefined;
  const expected = createHmac('sha256', key).update(`request-access:${issued}`).digest();
  const given = Buffer.from(mac, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
  return now.getTime() - Number.parseInt(issued, 36);
}

export function requestFormPage(options: RequestFormOptions, locale: string, state: RequestFormState, status = 200): HttpResult {
  const { locale: nearest, strings } = stringsFor(locale);
  const problems = state.problems ?? [];
  const problemText = { email: strings.invalidEmail, name: strings.invalidName, message: strings.invalidMessage };
  const error = (field: 'email' | 'name' | 'message') =>
    problems.includes(field) ? `<p class="error" id="${field}-error">${escapeHtml(problemText[field])}</p>` : '';
  const described = (field: 'email' | 'name' | 'message') => (problems.includes(field) ? ` aria-describedby="${field}-error" aria-invalid="true"` : '');
  const summary =
    problems.length > 0
      ? `<div class="summary" role="alert"><p>${escapeHtml(strings.errorSummary)}</p><ul>${problems
          .map((field) => `<li><a href="#${field}">${escapeHtml(problemText[field])}</a></li>`)
          .join('')}</ul></div>`
      : '';
  const title = fill(strings.title, { app: options.appName });
  const body = `<h1>${title}</h1>
${summary}<p>${fill(strings.intro, { app: options.appName })}</p>
<form method="post" action="access-requests">
<input type="hidden" name="t" value="${escapeHtml(state.token)}">
<label for="email">${escapeHtml(strings.emailLabel)}</label>
<input id="email" name="email" type="email" autocomplete="email" required maxlength="128" value="${escapeHtml(state.email ?? '')}"${described('email')}>
${error('email')}<label for="name">${escapeHtml(strings.nameLabel)} <span class="hint">${escapeHtml(strings.optional)}</span></label>
<input id="name" name="name" type="text" autocomplete="name" maxlength="128" value="${escapeHtml(state.name ?? '')}"${described('name')}>
${error('name')}<label for="message">${escapeHtml(strings.messageLabel)} <span class="hint">${escapeHtml(strings.optional)}</span></label>
<textarea id="message" name="message" rows="4" maxlength="1000"${described('message')}>${escapeHtml(state.message ?? '')}</textarea>
${error('message')}<div class="trap" aria-hidden="true"><label for="website">${escapeHtml(strings.trapLabel)}</label><input id="website" name="website" type="text" tabindex="-1" autocomplete="off"></div>
<button type="submit">${escapeHtml(strings.submit)}</button>
</form>`;
  return { statusCode: status, headers: securityHeaders(options.frameAncestors), body: document(nearest, title, body) };
}

/** The answer to a post of the form: the same page for every email. */
export function requestAnswerPage(options: RequestFormOptions, locale: string, kind: 'received' | 'tooMany' | 'unavailable', status: number): HttpResult {
  const { locale: nearest, strings } = stringsFor(locale);
  const [title, text] =
    kind === 'received' ? [strings.receivedTitle, strings.receivedText] : kind === 'tooMany' ? [strings.tooManyTitle, strings.tooManyText] : [strings.unavailableTitle, strings.unavailableText];
  const body = `<h1>${escapeHtml(title)}</h1><p role="status">${escapeHtml(text)}</p>`;
  return { statusCode: status, headers: securityHeaders(options.frameAncestors), body: document(nearest, escapeHtml(title), body) };
}
