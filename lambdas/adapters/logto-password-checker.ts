/**
 * The {@link PasswordChecker} on Logto's own policy checker (`PasswordPolicyChecker` of `@logto/core-kit`,
 * the code Logto runs itself), over the tenant's `passwordPolicy` from `GET /api/sign-in-exp`.
 *
 * Why not Logto's `POST /api/sign-in-exp/default/check-password`: under Logto's default policy (which
 * rejects passwords containing the user's details) it refuses to check without the id of an existing
 * user, and we check before the user exists, so that a refused password creates nothing. The checker takes
 * the details (email, name) we are about to create the user with instead. Its `pwned` rule asks a
 * haveibeenpwned-style range API, as Logto does.
 */
import { PasswordPolicyChecker } from '@logto/core-kit';
import type { PasswordCheck, PasswordChecker, PasswordPolicy } from '../domain/ports.ts';

export interface LogtoPasswordCheckerOptions {
  /** The sign-in experience's `passwordPolicy` as Logto stores it (missing fields take Logto's defaults). */
  readPolicy: () => Promise<Record<string, unknown>>;
  /** Whether the password is in a breach corpus (see pwned-passwords.ts). */
  pwned: (password: string) => Promise<boolean>;
  /** How long a read policy is used before it is read again. @default 60000 */
  cacheMs?: number;
  now?: () => number;
}

export class LogtoPasswordChecker implements PasswordChecker {
  readonly #options: LogtoPasswordCheckerOptions;
  #cached: { checker: PasswordPolicyChecker; until: number } | undefined;

  constructor(options: LogtoPasswordCheckerOptions) {
    this.#options = options;
  }

  async policy(): Promise<PasswordPolicy> {
    const { policy } = await this.#checker();
    return { minLength: policy.length.min, maxLength: policy.length.max, requiredCharacterTypes: policy.characterTypes.min };
  }

  async check(password: string, user: { email: string; name?: string }): Promise<PasswordCheck> {
    const checker = await this.#checker();
    const issues = await checker.check(password, { email: user.email, ...(user.name && { name: user.name }) });
    return issues.length === 0
      ? { ok: true }
      : { ok: false, issues: issues.map((issue) => ({ code: issue.code, ...(issue.interpolation && { interpolation: { ...issue.interpolation } }) })) };
  }

  async #checker(): Promise<PasswordPolicyChecker> {
    const now = (this.#options.now ?? Date.now)();
    if (this.#cached && this.#cached.until > now) return this.#cached.checker;
    const checker = new PasswordPolicyChecker(await this.#options.readPolicy());
    // Logto's own lookup calls api.pwnedpasswords.com with the global fetch and no time limit: ours is bounded.
    checker.hasBeenPwned = this.#options.pwned;
    this.#cached = { checker, until: now + (this.#options.cacheMs ?? 60_000) };
    return checker;
  }
}
