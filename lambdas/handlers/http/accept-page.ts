/**
 * The HTML of the accept page (accept-link mode): the invitation, its small registration form, and the
 * pages that refuse a link. Plain HTML and one inline style sheet (allowed by its hash): no script, no
 * third-party asset, usable without JavaScript and with a keyboard or a screen reader.
 */
import { createHash } from 'node:crypto';
import type { AcceptPage } from '../../domain/invitations.ts';
import { nearestLocale } from '../../domain/invitation.ts';
import { acceptPageStrings, type AcceptPageStrings } from '../../../templates/accept-page/strings.ts';
import { supportedLocales, type SupportedLocale } from '../../../templates/invitation-contract.ts';
import { formatExpiry } from '../../domain/invitations.ts';
import type { HttpResult } from './respond.ts';

const entities: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
export const escapeHtml = (value: string) => value.replace(/[&<>"']/g, (char) => entities[char]!);

/** Fills `{name}` placeholders with HTML-escaped values. */
export const fill = (template: string, values: Record<string, string | number>) =>
  escapeHtml(template).replace(/\{(\w+)\}/g, (whole, key: string) => (key in values ? escapeHtml(String(values[key])) : whole));

const styles = `body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;background:#f4f4f7;color:#1f2937;margin:0;padding:24px 12px}
main{background:#fff;border-radius:8px;max-width:480px;margin:0 auto;padding:24px 28px;box-shadow:0 1px 4px rgba(0,0,0,.08)}
h1{font-size:1.5rem;margin:0 0 12px}p{line-height:1.5;margin:0 0 12px}
label{display:block;font-weight:600;margin:16px 0 6px}
input,textarea{box-sizing:border-box;width:100%;font:inherit;padding:10px 12px;border:1px solid #6b7280;border-radius:6px}
.trap{position:absolute;left:-10000px;width:1px;height:1px;overflow:hidden}
input:focus,textarea:focus,button:focus{outline:3px solid #1d4ed8;outline-offset:2px}
.hint{color:#4b5563;font-size:.9rem;margin:6px 0 0}
.error{color:#b91c1c;font-weight:600}
.summary{border:2px solid #b91c1c;border-radius:6px;padding:12px 16px;margin:0 0 16px}
button{margin-top:24px;width:100%;font:inherit;font-weight:600;color:#fff;background:#4c1d95;border:0;border-radius:6px;padding:12px 16px;cursor:pointer}`;

const styleHash = createHash('sha256').update(styles).digest('base64');

/**
 * No script, no frame, no base, styles only by hash. There is no `form-action`: browsers apply it to every
 * redirect after the POST as well (to the app's sign-in, then on to Logto), and the page's one form posts
 * to itself.
 */
export function securityHeaders(frameAncestors: readonly string[] = []): Record<string, string> {
  return {
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'no-store',
    // The token is in the URL: no other origin may see it. (Not `no-referrer`: with it, browsers send the
    // form's POST with `Origin: null`, and the origin check refuses it.)
    'referrer-policy': 'same-origin',
    'x-content-type-options': 'nosniff',
    ...(frameAncestors.length === 0 && { 'x-frame-options': 'DENY' }),
    'content-security-policy': `default-src 'none'; style-src 'sha256-${styleHash}'; frame-ancestors ${frameAncestors.length > 0 ? frameAncestors.join(' ') : "'none'"}; base-uri 'none'`,
  };
}

export function document(locale: string, title: string, body: string): string {
  return `<!doctype html>
<html lang="${escapeHtml(locale)}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex"><title>${title}</title><style>${styles}</style></head>
<body><main>${body}</main></body></html>`;
}

export function pageStrings(locale: string): { locale: SupportedLocale; strings: AcceptPageStrings } {
  const nearest = nearestLocale(locale, supportedLocales, 'en') as SupportedLocale;
  return { locale: nearest, strings: acceptPageStrings[nearest] };
}

/** The first supported language the browser asks for (`Accept-Language`), for pages without an invitation. */
export function browserLocale(acceptLanguage: string | undefined): string {
  for (const part of (acceptLanguage ?? '').split(',')) {
    const tag = part.split(';')[0]?.trim();
    if (tag && nearestLocale(tag, supportedLocales, '') !== '') return tag;
  }
  return 'en';
}

export interface FormState {
  token: string;
  csrf: string;
  name?: string;
  /** Field problems of a refused submission: `{ path, code, interpolation? }`. */
  problems?: Array<{ path: string; code: string; interpolation?: Record<string, unknown> }>;
}

export function formPage(page: AcceptPage, state: FormState, status = 200): HttpResult {
  const { locale, strings } = pageStrings(page.locale);
  const problemText = (problem: { code: string; interpolation?: Record<string, unknown> }) =>
    fill(strings.fields[problem.code] ?? strings.fields.other!, Object.fromEntries(Object.entries(problem.interpolation ?? {}).map(([k, v]) => [k, String(v)])));
  const problemsFor = (path: string) => (state.problems ?? []).filter((problem) => problem.path === path);
  const fieldError = (path: string) => {
    const problems = problemsFor(path);
    return problems.length === 0 ? '' : `<p class="error" id="${path}-error">${problems.map(problemText).join(' ')}</p>`;
  };
  const described = (path: string, hint?: string) => {
    const ids = [...(hint ? [hint] : []), ...(problemsFor(path).length > 0 ? [`${path}-error`] : [])];
    return `${ids.length > 0 ? ` aria-describedby="${ids.join(' ')}"` : ''}${problemsFor(path).length > 0 ? ' aria-invalid="true"' : ''}`;
  };
  const summary =
    state.problems && state.problems.length > 0
      ? `<div class="summary" role="alert" tabindex="-1"><p>${escapeHtml(strings.errorSummary)}</p><ul>${state.problems
          .map((problem) => `<li><a href="#${escapeHtml(problem.path)}">${problemText(problem)}</a></li>`)
          .join('')}</ul></div>`
      : '';
  const policy = page.ask.password;
  const body = `<h1>${fill(strings.title, { app: page.appName })}</h1>
${summary}<p>${fill(strings.invited, { inviter: page.inviterName, app: page.appName })}</p>
<p>${fill(strings.account, { email: page.email })}</p>
<p>${fill(strings.expires, { expires: formatExpiry(page.expiresAt, locale) })}</p>
<form method="post" action="accept">
<input type="hidden" name="token" value="${escapeHtml(state.token)}">
<input type="hidden" name="csrf" value="${escapeHtml(state.csrf)}">
${
  page.ask.name
    ? `<label for="name">${escapeHtml(strings.nameLabel)}</label>
<input id="name" name="name" type="text" autocomplete="name" required maxlength="128" value="${escapeHtml(state.name ?? page.name ?? '')}"${described('name')}>
${fieldError('name')}`
    : ''
}${
  policy
    ? `<label for="password">${escapeHtml(strings.passwordLabel)}</label>
<input id="password" name="password" type="password" autocomplete="new-password" required minlength="${policy.minLength}" maxlength="${policy.maxLength}"${described('password', 'password-hint')}>
<p class="hint" id="password-hint">${fill(strings.passwordHint, { min: policy.minLength, types: policy.requiredCharacterTypes })}</p>
${fieldError('password')}`
    : ''
}
<button type="submit">${escapeHtml(strings.submit)}</button>
</form>`;
  return { statusCode: status, headers: securityHeaders(), body: document(locale, fill(strings.title, { app: page.appName }), body) };
}

export type ProblemCode = keyof AcceptPageStrings['problems'];

export function problemPage(status: number, code: ProblemCode, locale: string): HttpResult {
  const { locale: nearest, strings } = pageStrings(locale);
  const problem = strings.problems[code];
  const body = `<h1>${escapeHtml(problem.title)}</h1><p role="status">${escapeHtml(problem.text)}</p>`;
  return { statusCode: status, headers: securityHeaders(), body: document(nearest, escapeHtml(problem.title), body) };
}
