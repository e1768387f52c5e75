/**
 * Access tokens for the API: a saved or given token as it is, or one fetched from Logto with client
 * credentials (RFC 6749 §4.4, the way Logto's machine-to-machine apps get theirs), once per run.
 */
import type { Credentials } from './config.ts';
import { CliError, exitCodes } from './errors.ts';
import { send } from './http.ts';

/** Basic credentials are form-urlencoded before base64 (RFC 6749 §2.3.1), as Logto expects. */
const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;

/** A client-credentials token from `<endpoint>/oidc/token`. Refused: exit 3; Logto unreachable or failing: exit 4. */
export async function fetchClientToken(credentials: Extract<Credentials, { kind: 'client' }>, fetcher: typeof fetch): Promise<string> {
  const response = await send(
    fetcher,
    `${credentials.endpoint}/oidc/token`,
    {
      method: 'POST',
      headers: { authorization: basic(credentials.clientId, credentials.clientSecret), 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', resource: credentials.resource, scope: credentials.scopes }),
    },
    'Logto',
  );
  const body = (await response.json().catch(() => ({}))) as { access_token?: string; error?: string; error_description?: string };
  if (response.ok && body.access_token) return body.access_token;
  const reason = body.error ? `${body.error}${body.error_description ? `: ${body.error_description}` : ''}` : `HTTP ${response.status}`;
  const code = response.status >= 500 || response.status === 429 ? exitCodes.unavailable : exitCodes.auth;
  throw new CliError(code, `Logto refused a token for ${credentials.clientId} (${reason}).`, [
    `Credentials from ${credentials.source}; token endpoint ${credentials.endpoint}/oidc/token, resource ${credentials.resource}.`,
  ]);
}

/** The token for this run: fetched at the first call, then reused. */
export function tokenSource(credentials: Credentials, fetcher: typeof fetch): () => Promise<string> {
  if (credentials.kind === 'token') return async () => credentials.token;
  let token: Promise<string> | undefined;
  return () => (token ??= fetchClientToken(credentials, fetcher));
}

/** A JWT's `exp` claim, if the token is a JWT that has one (Logto's access tokens are). */
export function tokenExpiry(token: string): Date | undefined {
  const payload = token.split('.')[1];
  if (!payload) return undefined;
  try {
    const { exp } = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { exp?: unknown };
    return typeof exp === 'number' ? new Date(exp * 1000) : undefined;
  } catch {
    return undefined;
  }
}
