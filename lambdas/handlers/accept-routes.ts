/**
 * The invitee's accept page (accept-link mode): `GET /v1/accept` shows the invitation and its form and
 * changes nothing; `POST /v1/accept` takes the form only from the page itself (a SameSite=Strict cookie
 * matched by a hidden field, and our Origin), and answers in HTML, whatever happens.
 */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { AppError } from '../domain/errors.ts';
import type { InvitationLibrary } from '../domain/invitations.ts';
import { browserLocale, formPage, problemPage, type FormState, type ProblemCode } from './http/accept-page.ts';
import { header, rawBody, withHeaders, type HttpResult, type Log } from './http/respond.ts';
import type { RouteHandlers } from './http/route-handler.ts';

export interface AcceptRouteDeps {
  invitations: Pick<InvitationLibrary, 'acceptPage' | 'acceptSubmit'>;
  log: Log;
  /** The public URL of `GET /v1/accept`: its origin is the only one the form may be posted from. */
  acceptUrl: string;
}

/** Form bodies are small: a token, a CSRF value, a name and a password. */
const maxFormBytes = 8 * 1024;

const problemCodes = new Set<string>(['accept.invalid_link', 'accept.already_accepted', 'accept.expired', 'accept.revoked']);

export function makeAcceptRoutes(deps: AcceptRouteDeps): RouteHandlers {
  const { invitations, log } = deps;
  const acceptOrigin = new URL(deps.acceptUrl).origin;
  const secureCookie = new URL(deps.acceptUrl).protocol === 'https:';
  // `__Host-` binds the cookie to this origin (Secure, Path=/, no Domain); plain HTTP (the local stack) cannot have it.
  const csrfCookie = secureCookie ? '__Host-accept-csrf' : 'accept-csrf';
  const cookieAttributes = secureCookie ? 'Path=/; Secure; HttpOnly; SameSite=Strict' : 'Path=/v1/accept; HttpOnly; SameSite=Strict';

  /** The locale of a refusal: the invitation's, when the token named one, else the browser's. */
  const refusalPage = (error: unknown, event: APIGatewayProxyEventV2): HttpResult => {
    const locale = (error instanceof AppError && (error.details as { locale?: string } | undefined)?.locale) || browserLocale(header(event, 'accept-language'));
    if (error instanceof AppError && problemCodes.has(error.code)) return problemPage(error.status, error.code as ProblemCode, locale);
    if (error instanceof AppError && error.status < 500) return problemPage(error.status, 'accept.invalid_link', locale);
    const detail = { error: error instanceof Error ? { name: error.name, message: error.message } : String(error) };
    // Logto or SES unavailable is a passing condition (the page says try again); anything else is a bug.
    if (error instanceof AppError && error.status === 503) log.warn('accept page unavailable', detail);
    else log.error('accept page failed', detail);
    return withHeaders(problemPage(503, 'accept.unavailable', locale), { 'retry-after': '5' });
  };

  const cookieValue = (event: APIGatewayProxyEventV2, name: string) =>
    (event.cookies ?? [])
      .map((cookie) => cookie.trim())
      .find((cookie) => cookie.startsWith(`${name}=`))
      ?.slice(name.length + 1);

  /**
   * A form post is ours when the browser sends back the random value we set both as a SameSite=Strict
   * cookie and in the form (a page elsewhere can do neither), and says it comes from our origin.
   */
  const fromOurForm = (event: APIGatewayProxyEventV2, csrf: string) => {
    const cookie = cookieValue(event, csrfCookie);
    const origin = header(event, 'origin');
    const site = header(event, 'sec-fetch-site');
    if ((origin !== undefined && origin !== acceptOrigin) || (site !== undefined && site !== 'same-origin')) return false;
    return cookie !== undefined && cookie.length === csrf.length && csrf.length > 0 && timingSafeEqual(Buffer.from(cookie), Buffer.from(csrf));
  };

  const formBody = (event: APIGatewayProxyEventV2): URLSearchParams => {
    const text = rawBody(event);
    if (Buffer.byteLength(text, 'utf8') > maxFormBytes) throw new AppError('request.too_large', 413, `The form must be at most ${maxFormBytes} bytes.`);
    return new URLSearchParams(text);
  };

  const showForm = async (event: APIGatewayProxyEventV2, state: Omit<FormState, 'csrf'>, status = 200): Promise<HttpResult> => {
    const page = await invitations.acceptPage(state.token);
    const csrf = randomBytes(32).toString('base64url');
    return { ...formPage(page, { ...state, csrf }, status), cookies: [`${csrfCookie}=${csrf}; ${cookieAttributes}; Max-Age=3600`] };
  };

  return {
    // Opening the page changes nothing: mail scanners follow links.
    'GET /v1/accept': async ({ event }) => {
      const token = event.queryStringParameters?.token ?? '';
      return showForm(event, { token }).catch((error: unknown) => refusalPage(error, event));
    },
    'POST /v1/accept': async ({ event }) => {
      try {
        const form = formBody(event);
        const token = form.get('token') ?? '';
        if (!fromOurForm(event, form.get('csrf') ?? '')) {
          return problemPage(403, 'accept.expired_form', browserLocale(header(event, 'accept-language')));
        }
        const name = form.get('name') ?? undefined;
        const password = form.get('password') ?? undefined;
        try {
          const { location } = await invitations.acceptSubmit({ token, ...(name !== undefined && { name }), ...(password !== undefined && { password }) });
          return { statusCode: 303, headers: { location, 'cache-control': 'no-store', 'referrer-policy': 'no-referrer' }, body: '', cookies: [`${csrfCookie}=; ${cookieAttributes}; Max-Age=0`] };
        } catch (error) {
          if (!(error instanceof AppError) || error.code !== 'accept.invalid_form') throw error;
          const problems = ((error.details as { fields?: FormState['problems'] } | undefined)?.fields ?? []).map((problem) => ({ ...problem }));
          // The name is shown again as typed; the password never is.
          return await showForm(event, { token, ...(name !== undefined && { name }), problems }, 422);
        }
      } catch (error) {
        return refusalPage(error, event);
      }
    },
  };
}
