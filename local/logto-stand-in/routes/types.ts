import type { GrantStore } from '../grants.ts';
import type { HookDispatcher } from '../hooks.ts';
import type { TokenSigner } from '../keys.ts';
import type { Library } from '../library.ts';
import type { Store } from '../store.ts';

/** What route modules are built over (Logto's `RouterInitArgs`: queries and libraries). */
export interface RouteDeps {
  store: Store;
  library: Library;
  hooks: HookDispatcher;
}

/** What the OIDC routes (token, sign-in, session) add: the signer and oidc-provider's grants. */
export interface OidcDeps extends RouteDeps {
  signer: TokenSigner;
  /** The stand-in's base URL, e.g. `http://127.0.0.1:4001`. */
  baseUrl: string;
  grants: GrantStore;
}
