/**
 * The stand-in's HTML pages, in place of Logto's experience app and its logout pages: plain forms that
 * work without JavaScript (the logout page submits itself, as Logto's does, and offers a button without it),
 * labelled fields, errors announced with `role="alert"`, readable on a 360 px wide screen.
 */
const entities: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
const escape = (value: string) => value.replace(/[&<>"']/g, (char) => entities[char] ?? char);

const style = `
body{font-family:system-ui,sans-serif;background:#f5f5f7;color:#1a1a1a;margin:0;display:grid;place-items:center;min-height:100vh}
main{background:#fff;border-radius:12px;padding:32px 24px;width:min(400px,calc(100vw - 32px));box-sizing:border-box;box-shadow:0 2px 12px rgba(0,0,0,.08)}
h1{font-size:24px;margin:0 0 4px}p{line-height:1.5;margin:0 0 16px}
label{display:block;font-weight:600;margin:16px 0 4px}
input{display:block;width:100%;box-sizing:border-box;font-size:16px;padding:10px 12px;border:1px solid #6b6b76;border-radius:8px}
input:focus,button:focus{outline:3px solid #5d34f2;outline-offset:2px}
button{margin-top:24px;width:100%;background:#5d34f2;color:#fff;border:0;border-radius:8px;padding:12px 20px;font-size:16px;cursor:pointer}
.error{color:#a1001c;background:#fff0f2;border-radius:8px;padding:8px 12px}
.note{color:#55555f;font-size:14px;margin:24px 0 0}
`;

function page(title: string, body: string, bodyAttributes = ''): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escape(title)}</title><style>${style}</style></head>
<body${bodyAttributes}><main>${body}</main></body></html>`;
}

export interface SignInPageOptions {
  appName: string;
  /** Pre-fills the identifier (the last one tried). */
  identifier?: string;
  /** Shown above the form, and the fields marked invalid. */
  error?: string;
}

/** The sign-in page (Logto's experience `/sign-in`): username or email, and password. */
export function signInPage({ appName, identifier = '', error }: SignInPageOptions): string {
  const invalid = error ? ' aria-invalid="true" aria-describedby="sign-in-error"' : '';
  return page(
    `Sign in to ${appName}`,
    `<h1>Sign in</h1>
<p>to continue to <strong>${escape(appName)}</strong></p>
${error ? `<p id="sign-in-error" class="error" role="alert">${escape(error)}</p>` : ''}
<form method="post" action="/sign-in">
<label for="identifier">Username or email</label>
<input id="identifier" name="identifier" type="text" autocomplete="username" autocapitalize="none" spellcheck="false" required value="${escape(identifier)}"${invalid}${identifier ? '' : ' autofocus'}>
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required${invalid}${identifier ? ' autofocus' : ''}>
<button type="submit">Sign in</button>
</form>
<p class="note">Logto stand-in (local development)</p>`,
  );
}

/** Logto's logout page (`static/html/logout.html`): a form that submits itself to the confirm endpoint. */
export function logoutPage(action: string, xsrf: string): string {
  return page(
    'Sign Out',
    `<h1>Signing out…</h1>
<form id="op.logoutForm" method="post" action="${escape(action)}">
<input type="hidden" name="xsrf" value="${escape(xsrf)}"><input type="hidden" name="logout" value="yes">
<noscript><button type="submit">Sign out</button></noscript>
</form>`,
    ` onload="document.getElementById('op.logoutForm').submit();"`,
  );
}

/** Where a logout without `post_logout_redirect_uri` ends (Logto's `oidc.logout_success` phrase). */
export const logoutSuccessPage = () => page('Signed out', '<h1>Signed out</h1><p>You have successfully signed out.</p>');

/** A page the browser lands on when there is nothing to sign in to (no or an expired interaction). */
export const sessionNotFoundPage = () =>
  page(
    'Session not found',
    '<h1>Session not found</h1><p role="alert">This sign-in has expired or was already completed. Go back to the app and sign in again.</p>',
  );
