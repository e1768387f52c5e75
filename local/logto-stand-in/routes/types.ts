import type { HookDispatcher } from '../hooks.ts';
import type { Library } from '../library.ts';
import type { Store } from '../store.ts';

/** What route modules are built over (Logto's `RouterInitArgs`: queries and libraries). */
export interface RouteDeps {
  store: Store;
  library: Library;
  hooks: HookDispatcher;
}
