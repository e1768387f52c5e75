/**
 * Helpers for tests that drive the local stack over HTTP, as a user or an admin tool would.
 */
import { seed } from '../../local/logto-stand-in/index.ts';
import type { LocalStack } from '../../local/stack.ts';

export interface Reply<T = any> {
  status: number;
  headers: Headers;
  body: T;
}

/** A client-credentials token request to Logto (or the stand-in), answered as it came back. */
export async function clientCredentials(
  logtoUrl: string,
  options: { appId: string; appSecret: string; resource: string; scope: string },
): Promise<{ status: number; body: { access_token?: string; error?: string; scope?: string } }> {
  const response = await fetch(`${logtoUrl}/oidc/token`, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`${encodeURIComponent(options.appId)}:${encodeURIComponent(options.appSecret)}`).toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: new URLSearchParams({ grant_type: 'client_credentials', resource: options.resource, scope: options.scope }),
  });
  return { status: response.status, body: (await response.json()) as { access_token?: string; error?: string; scope?: string } };
}

async function tokenOrThrow(...args: Parameters<typeof clientCredentials>): Promise<string> {
  const { body } = await clientCredentials(...args);
  if (!body.access_token) throw new Error(`no token: ${JSON.stringify(body)}`);
  return body.access_token;
}

/** An admin's access token for the invitations API (the seeded `local-admin` client). */
export function adminToken(stack: Pick<LocalStack, 'logtoUrl'>, options: { scope?: string; resource?: string } = {}): Promise<string> {
  return tokenOrThrow(stack.logtoUrl, {
    appId: seed.adminClient.id,
    appSecret: seed.adminClient.secret,
    resource: options.resource ?? seed.adminClient.resource,
    scope: options.scope ?? 'invitations:read invitations:write',
  });
}

export function client(baseUrl: string, token?: string) {
  async function call(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Reply> {
    const response = await fetch(`${baseUrl}${path}`, {
      method,
      headers: {
        ...(token && { authorization: `Bearer ${token}` }),
        ...(body !== undefined && { 'content-type': 'application/json' }),
        ...headers,
      },
      ...(body !== undefined && { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    });
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // not JSON: keep the text
    }
    return { status: response.status, headers: response.headers, body: parsed };
  }
  return {
    get: (path: string, headers?: Record<string, string>) => call('GET', path, undefined, headers),
    post: (path: string, body?: unknown, headers?: Record<string, string>) => call('POST', path, body, headers),
  };
}

export interface StoredMail {
  messageId: string;
  from: string;
  destination: { to: string[] };
  subject: string;
  body: { html?: string; text?: string };
  at: number;
}

/** What aws-ses-v2-local received for an address, oldest first. */
export async function inbox(stack: Pick<LocalStack, 'sesUrl'>, to: string): Promise<StoredMail[]> {
  const { emails } = (await (await fetch(`${stack.sesUrl}/store`)).json()) as { emails: StoredMail[] };
  return emails.filter((mail) => mail.destination.to.includes(to));
}

/** The magic link in an email's text part. */
export function linkIn(mail: StoredMail): URL {
  const match = /https?:\/\/\S+type=registrationInvitation\S*/.exec(mail.body.text ?? '');
  if (!match) throw new Error(`no invitation link in: ${mail.body.text}`);
  return new URL(match[0]);
}

/**
 * Clicks "Accept invitation" on the demo landing page and follows the redirects through Logto's sign-in
 * to the demo callback, as a browser would. Returns every hop.
 */
export async function acceptInvitation(link: URL): Promise<{ hops: string[]; final: Response }> {
  const landing = await fetch(link);
  if (landing.status !== 200) throw new Error(`landing page: ${landing.status}`);
  const html = await landing.text();
  const href = /id="accept" href="([^"]+)"/.exec(html)?.[1]?.replaceAll('&amp;', '&');
  if (!href) throw new Error('no Accept button on the landing page');
  return follow(new URL(href, link));
}

/** A Management API token for the stand-in (the service's own M2M app), to look at Logto's side. */
export function managementToken(stack: Pick<LocalStack, 'logtoUrl'>): Promise<string> {
  return tokenOrThrow(stack.logtoUrl, {
    appId: seed.m2mApp.id,
    appSecret: seed.m2mApp.secret,
    resource: seed.managementApiResource,
    scope: 'all',
  });
}

/** What Logto (the stand-in) holds for an email: its active one-time tokens and its user, to check promises against. */
export async function logtoView(stack: Pick<LocalStack, 'logtoUrl'>) {
  const logto = client(stack.logtoUrl, await managementToken(stack));
  const user = async (email: string) =>
    (await logto.get(`/api/users?search.primaryEmail=${encodeURIComponent(email)}&mode.primaryEmail=exact`)).body[0] as
      | { id: string; isSuspended: boolean; customData: Record<string, unknown> }
      | undefined;
  return {
    logto,
    activeTokens: async (email: string) =>
      (await logto.get(`/api/one-time-tokens?email=${encodeURIComponent(email)}&status=active`)).body as { id: string; status: string }[],
    user,
    roleIds: async (userId: string) => ((await logto.get(`/api/users/${userId}/roles`)).body as { id: string }[]).map((role) => role.id),
    setHookEnabled: async (hookId: string, enabled: boolean) => {
      const response = await fetch(`${stack.logtoUrl}/api/hooks/${hookId}`, {
        method: 'PATCH',
        headers: { authorization: `Bearer ${await managementToken(stack)}`, 'content-type': 'application/json' },
        body: JSON.stringify({ enabled }),
      });
      if (!response.ok) throw new Error(`PATCH hook: ${response.status}`);
    },
  };
}

/** One fault at the stand-in (`POST /__standin/faults`): a delay, a failure status, or both. */
export async function injectLogtoFault(
  stack: Pick<LocalStack, 'logtoUrl'>,
  fault: { method?: string; pathPrefix: string; status?: number; count?: number; delayMs?: number },
): Promise<void> {
  const reply = await fetch(`${stack.logtoUrl}/__standin/faults`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(fault),
  });
  if (!reply.ok) throw new Error(`fault refused: ${reply.status} ${await reply.text()}`);
}

export const clearLogtoFaults = (stack: Pick<LocalStack, 'logtoUrl'>) => fetch(`${stack.logtoUrl}/__standin/faults`, { method: 'DELETE' });

/**
 * The types in an invitation's audit trail, oldest first, without `delivered`: the local SES reports each
 * email delivered a moment after it was sent, so where that lands among the other events is a race.
 */
export async function auditTrail(admin: ReturnType<typeof client>, invitationId: string): Promise<string[]> {
  const events = (await admin.get(`/v1/invitations/${invitationId}/events`)).body as { type: string }[];
  return events.map((event) => event.type).filter((type) => type !== 'delivered');
}

/** The link with this path in an email's text part: the accept page (accept-link) or the app's sign-in (provision). */
export function urlIn(mail: StoredMail, pathname: string): URL {
  for (const [found] of (mail.body.text ?? '').matchAll(/https?:\/\/\S+/g)) {
    const url = new URL(found);
    if (url.pathname === pathname) return url;
  }
  throw new Error(`no ${pathname} link in: ${mail.body.text}`);
}

export interface AcceptPageVisit {
  status: number;
  html: string;
  headers: Headers;
  /** `name=value` of the CSRF cookie the page set, as a browser would send it back. */
  cookie?: string;
  csrf?: string;
}

/** Opens the accept page as a browser would, keeping its CSRF cookie and the form's hidden value. */
export async function openAcceptPage(link: URL | string, headers: Record<string, string> = {}): Promise<AcceptPageVisit> {
  const response = await fetch(link, { headers, redirect: 'manual' });
  const html = await response.text();
  const cookie = response.headers.getSetCookie().map((line) => line.split(';')[0]!).find((pair) => pair.includes('accept-csrf='));
  const csrf = /name="csrf" value="([^"]+)"/.exec(html)?.[1];
  return { status: response.status, html, headers: response.headers, ...(cookie && { cookie }), ...(csrf && { csrf }) };
}

/**
 * Posts the accept form the way the page's browser would: its cookie, our origin, the hidden fields.
 * `as` overrides what a forger could not reproduce (no cookie, another origin).
 */
export async function submitAcceptForm(
  link: URL,
  visit: Pick<AcceptPageVisit, 'cookie' | 'csrf'>,
  fields: { name?: string; password?: string },
  as: { cookie?: string | null; origin?: string; csrf?: string } = {},
): Promise<{ status: number; location: string | null; html: string }> {
  const body = new URLSearchParams({ token: link.searchParams.get('token') ?? '', csrf: as.csrf ?? visit.csrf ?? '', ...fields });
  const cookie = as.cookie === null ? undefined : (as.cookie ?? visit.cookie);
  const response = await fetch(new URL('/v1/accept', link), {
    method: 'POST',
    redirect: 'manual',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      origin: as.origin ?? link.origin,
      ...(cookie && { cookie }),
    },
    body,
  });
  return { status: response.status, location: response.headers.get('location'), html: await response.text() };
}

/** Follows redirects from `start` by hand (no cookies needed), returning every hop and the last response. */
export async function follow(start: URL | string): Promise<{ hops: string[]; final: Response }> {
  let url = new URL(start);
  const hops = [url.toString()];
  for (let i = 0; i < 6; i += 1) {
    const response = await fetch(url, { redirect: 'manual' });
    const location = response.headers.get('location');
    if (response.status < 300 || response.status >= 400 || !location) return { hops, final: response };
    url = new URL(location, url);
    hops.push(url.toString());
  }
  throw new Error(`too many redirects: ${hops.join(' -> ')}`);
}
