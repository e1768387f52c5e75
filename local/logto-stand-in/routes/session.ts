/**
 * RP-initiated logout as oidc-provider runs it under Logto (`features.rpInitiatedLogout` with Logto's
 * `logout.html`): `GET /oidc/session/end` checks `id_token_hint`, `client_id` and
 * `post_logout_redirect_uri`, then answers a page whose form submits itself to
 * `POST /oidc/session/end/confirm`, which ends the session and sends the browser (303) to the
 * `post_logout_redirect_uri` (with `state`) or to `/oidc/session/end/success`.
 */
import { decodeJwt } from 'jose';

import { OidcError } from '../errors.ts';
import { cookieNames } from '../grants.ts';
import { type Router, cookie, html, readCookie, seeOther } from '../http.ts';
import type { Application } from '../model.ts';
import { logoutPage, logoutSuccessPage } from '../pages.ts';
import type { OidcDeps } from './types.ts';

const invalidRequest = (description: string) => new OidcError('invalid_request', description);

export function sessionRoutes(router: Router, { store, signer, baseUrl, grants }: OidcDeps) {
  const findApp = (id: string) => store.state.applications.find((app) => app.id === id);

  /** oidc-provider's `endSessionChecks`: the client comes from the hint's audience, else from `client_id`. */
  const logoutClient = async (params: URLSearchParams): Promise<Application | undefined> => {
    const hint = params.get('id_token_hint') || undefined;
    const clientId = params.get('client_id') || undefined;
    if (!hint) {
      if (clientId === undefined) return undefined;
      return findApp(clientId) ?? Promise.reject(new OidcError('invalid_client', 'client is invalid', 400));
    }
    let audience: unknown;
    try {
      audience = decodeJwt(hint).aud;
    } catch {
      throw invalidRequest('could not decode id_token_hint');
    }
    if (typeof audience !== 'string') throw invalidRequest('could not validate id_token_hint');
    if (clientId !== undefined && clientId !== audience) throw invalidRequest('client_id does not match the provided id_token_hint');
    const app = findApp(audience);
    if (!app) throw new OidcError('invalid_client', 'unrecognized id_token_hint audience', 400);
    await signer.verifyIdTokenHint(hint, app.id).catch(() => Promise.reject(invalidRequest('could not validate id_token_hint')));
    return app;
  };

  router.get('/oidc/session/end', async (ctx) => {
    const params = ctx.url.searchParams;
    const app = await logoutClient(params);
    let postLogoutRedirectUri = params.get('post_logout_redirect_uri') ?? undefined;
    // Without a client, a post-logout redirect URI cannot be trusted and is ignored.
    if (!app) postLogoutRedirectUri = undefined;
    if (app && postLogoutRedirectUri !== undefined && !app.postLogoutRedirectUris.includes(postLogoutRedirectUri)) {
      throw invalidRequest('post_logout_redirect_uri not registered');
    }
    const logout = grants.startLogout({ clientId: app?.id, postLogoutRedirectUri, state: params.get('state') ?? undefined });
    return html(200, logoutPage(`${baseUrl}/oidc/session/end/confirm`, logout.xsrf));
  });

  router.post('/oidc/session/end/confirm', (ctx) => {
    const form = new URLSearchParams(ctx.rawBody);
    const logout = grants.takeLogout(form.get('xsrf') ?? '');
    if (!logout) throw invalidRequest('could not find logout details');

    const session = grants.findSession(readCookie(ctx, cookieNames.session));
    const everywhere = Boolean(form.get('logout'));
    const headers: Record<string, string> = {};
    if (session && everywhere) {
      grants.endSession(session);
      headers['Set-Cookie'] = cookie(cookieNames.session, '', { maxAgeSeconds: 0 });
    } else if (session && logout.clientId) {
      // Signed out of this client only: its grant goes unless it holds offline_access; the session stays.
      const authorization = session.authorizations.get(logout.clientId);
      if (authorization && !authorization.persistsLogout) grants.revokeGrant(authorization.grantId);
      session.authorizations.delete(logout.clientId);
    }

    if (logout.postLogoutRedirectUri) {
      const location = new URL(logout.postLogoutRedirectUri);
      if (logout.state !== undefined) location.searchParams.set('state', logout.state);
      return seeOther(location.href, headers);
    }
    const success = new URL(`${baseUrl}/oidc/session/end/success`);
    if (!everywhere && logout.clientId) success.searchParams.set('client_id', logout.clientId);
    return seeOther(success.href, headers);
  });

  router.get('/oidc/session/end/success', () => html(200, logoutSuccessPage()));
}
