/**
 * Signing the admin in with Logto's browser SDK: authorization code + PKCE for the invitations API
 * resource and its scopes. Tokens stay in the SDK's storage; the console asks it for an access token
 * before every call. When the session cannot give one any more (expired, revoked), the admin signs in
 * again and comes back to the same page; the pages keep their drafts in sessionStorage (see drafts.ts).
 */
import LogtoClient from '@logto/browser';
import type { ConsoleConfig } from './config.ts';

const returnKey = 'console.return-to';
const signedInAtKey = 'console.signed-in-at';
/** A token refused this soon after signing in is not an expired session but a misconfiguration: no loop. */
const freshSessionMs = 30_000;

export interface Auth {
  isAuthenticated(): Promise<boolean>;
  /** An access token for the API, or a redirect to sign in (the promise then never settles). */
  accessToken(): Promise<string>;
  signIn(): Promise<never>;
  /** After the API refused a token (401): sign in again, unless the session is brand new (then false). */
  signInAgain(): Promise<false>;
  /** Completes a sign-in on the callback page; returns the path to go back to. */
  handleCallback(url: string): Promise<string>;
  signOut(): Promise<void>;
  user(): Promise<{ name?: string | null; username?: string | null; email?: string | null; sub: string } | undefined>;
}

/** The console's own URL (`…/console`, no trailing slash: what the Logto app registers), and paths under it. */
export const consoleRoot = () => new URL(import.meta.env.BASE_URL, location.origin).toString().replace(/\/$/, '');
const rootPath = () => new URL(consoleRoot()).pathname;
const never = () => new Promise<never>(() => undefined);

export function createAuth(config: ConsoleConfig): Auth {
  const client = new LogtoClient({
    endpoint: config.logtoEndpoint,
    appId: config.appId,
    resources: [config.resource],
    scopes: config.scopes,
  });

  async function signIn(): Promise<never> {
    const here = `${location.pathname}${location.search}${location.hash}`;
    if (!location.pathname.endsWith('/callback')) sessionStorage.setItem(returnKey, here);
    await client.signIn(`${consoleRoot()}/callback`);
    return never();
  }

  return {
    isAuthenticated: () => client.isAuthenticated(),
    async accessToken() {
      try {
        return await client.getAccessToken(config.resource);
      } catch {
        // No session, or its refresh token is spent: sign in again, then come back here.
        return signIn();
      }
    },
    signIn,
    async signInAgain() {
      const signedInAt = Number(sessionStorage.getItem(signedInAtKey) ?? 0);
      if (Date.now() - signedInAt < freshSessionMs) return false;
      await client.clearAccessToken();
      return signIn();
    },
    async handleCallback(url) {
      await client.handleSignInCallback(url);
      sessionStorage.setItem(signedInAtKey, String(Date.now()));
      const back = sessionStorage.getItem(returnKey);
      sessionStorage.removeItem(returnKey);
      // Only a path of the console itself: the stored value is ours, but a redirect target is checked anyway.
      return back && (back === rootPath() || back.startsWith(`${rootPath()}/`)) ? back : rootPath();
    },
    async signOut() {
      sessionStorage.clear();
      await client.signOut(consoleRoot());
    },
    async user() {
      try {
        const claims = await client.getIdTokenClaims();
        return { sub: claims.sub, name: claims.name ?? null, username: claims.username ?? null, email: claims.email ?? null };
      } catch {
        return undefined;
      }
    },
  };
}
