/**
 * The demo web app of the local stack: the landing page a magic link points at, the sign-in URL that
 * accept-link and provision invitations send invitees to, and the callback Logto redirects to after
 * sign-in. A real app does the same with the Logto SDK:
 * `signIn({ redirectUri, extraParams: { one_time_token: token, login_hint: email } })` for a magic link,
 * `signIn({ redirectUri, extraParams: { login_hint, first_screen } })` for its sign-in URL.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

export interface DemoAppOptions {
  logtoEndpoint: string;
  clientId: string;
  redirectUri: string;
  appName: string;
}

const entities: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
const escapeHtml = (value: string) => value.replace(/[&<>"']/g, (char) => entities[char]!);

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>
body{font-family:system-ui,sans-serif;background:#f5f5f7;margin:0;display:grid;place-items:center;min-height:100vh}
main{background:#fff;border-radius:12px;padding:32px 40px;max-width:460px;box-shadow:0 2px 12px rgba(0,0,0,.08)}
h1{font-size:22px;margin:0 0 12px}p{color:#444;line-height:1.5}
a.button,button{display:inline-block;background:#5d34f2;color:#fff;border:0;border-radius:8px;padding:12px 20px;font-size:16px;text-decoration:none;cursor:pointer}
code{background:#f0f0f3;padding:2px 6px;border-radius:4px}
</style></head><body><main>${body}</main></body></html>`;
}

/** Logto's sign-in (`/oidc/auth`) for the demo app, with the extra parameters an app passes to `signIn`. */
function logtoSignIn(options: DemoAppOptions, state: string, extraParams: Record<string, string>): string {
  const url = new URL(`${options.logtoEndpoint}/oidc/auth`);
  url.search = new URLSearchParams({
    client_id: options.clientId,
    redirect_uri: options.redirectUri,
    response_type: 'code',
    scope: 'openid profile email',
    prompt: 'login',
    state,
    ...extraParams,
  }).toString();
  return url.toString();
}

/** The Logto sign-in URL that consumes the one-time token (Logto registers the invitee if needed). */
export function signInUrl(options: DemoAppOptions, token: string, email: string, state: string): string {
  return logtoSignIn(options, state, { one_time_token: token, login_hint: email });
}

/** Logto's `first_screen` values (packages/schemas/src/consts/oidc.ts); anything else is not passed on. */
const firstScreens = new Set(['sign_in', 'register', 'reset_password', 'identifier:sign_in', 'identifier:register', 'single_sign_on']);

/** Logto's sign-in with the authentication parameters the service put on the app's sign-in URL. */
export function signInWithHint(options: DemoAppOptions, loginHint: string, firstScreen: string | null, state: string): string {
  return logtoSignIn(options, state, {
    ...(loginHint && { login_hint: loginHint }),
    ...(firstScreen && firstScreens.has(firstScreen) && { first_screen: firstScreen }),
  });
}

/** Serves `/demo/*`; returns false for other paths. */
export function serveDemo(options: DemoAppOptions, req: IncomingMessage, res: ServerResponse): boolean {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const html = (status: number, body: string) => {
    res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
    res.end(body);
  };
  const token = url.searchParams.get('token') ?? '';
  const email = url.searchParams.get('email') ?? '';

  switch (url.pathname) {
    case '/demo/landing': {
      if (url.searchParams.get('type') !== 'registrationInvitation' || !token || !email) {
        html(400, page('Invitation link incomplete', '<h1>This link is incomplete</h1><p>Open the link from your invitation email as it is.</p>'));
        return true;
      }
      const accept = `/demo/accept?${new URLSearchParams({ token, email })}`;
      html(
        200,
        page(
          `Join ${options.appName}`,
          `<h1>You're invited to ${escapeHtml(options.appName)}</h1>
<p>Accept the invitation to create your account as <strong>${escapeHtml(email)}</strong>.</p>
<p><a class="button" id="accept" href="${escapeHtml(accept)}">Accept invitation</a></p>`,
        ),
      );
      return true;
    }
    case '/demo/accept': {
      if (!token || !email) {
        html(400, page('Invitation link incomplete', '<h1>This link is incomplete</h1>'));
        return true;
      }
      res.writeHead(302, { location: signInUrl(options, token, email, 'invitation'), 'cache-control': 'no-store' });
      res.end();
      return true;
    }
    case '/demo/sign-in': {
      const location = signInWithHint(options, url.searchParams.get('login_hint') ?? '', url.searchParams.get('first_screen'), 'sign-in');
      res.writeHead(302, { location, 'cache-control': 'no-store' });
      res.end();
      return true;
    }
    case '/demo/callback': {
      const error = url.searchParams.get('error');
      if (error) {
        html(400, page('Sign-in failed', `<h1>Sign-in failed</h1><p><code>${escapeHtml(error)}</code> ${escapeHtml(url.searchParams.get('error_description') ?? '')}</p>`));
        return true;
      }
      html(
        200,
        page(
          'Welcome',
          `<h1 id="welcome">Welcome aboard</h1><p>Your account is ready and you are signed in (authorization code <code>${escapeHtml(url.searchParams.get('code') ?? '')}</code>).</p>`,
        ),
      );
      return true;
    }
    default:
      return false;
  }
}
