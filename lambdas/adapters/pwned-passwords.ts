/**
 * Is a password in a breach corpus? haveibeenpwned's Pwned Passwords range API, as Logto's password policy
 * asks it (k-anonymity: only the first 5 hex digits of the password's SHA-1 leave the process), with a
 * time limit. The local stack points it at the Logto stand-in's copy of the API.
 */
import { createHash } from 'node:crypto';
import { UpstreamError } from '../domain/errors.ts';

export interface PwnedPasswordsOptions {
  /** The range endpoint, the 5-digit prefix appended: `https://api.pwnedpasswords.com/range/`. */
  rangeUrl: string;
  /** @default 3000 */
  timeoutMs?: number;
  fetch?: typeof fetch;
}

export function createPwnedPasswords(options: PwnedPasswordsOptions): (password: string) => Promise<boolean> {
  const fetchFn = options.fetch ?? fetch;
  return async (password) => {
    const hash = createHash('sha1').update(password, 'utf8').digest('hex').toUpperCase();
    const prefix = hash.slice(0, 5);
    const suffix = hash.slice(5);
    let text: string;
    try {
      // Padding makes every answer about the same size, so the prefix does not show in the traffic either.
      const response = await fetchFn(`${options.rangeUrl}${prefix}`, {
        headers: { 'add-padding': 'true' },
        signal: AbortSignal.timeout(options.timeoutMs ?? 3000),
      });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      text = await response.text();
    } catch (error) {
      throw new UpstreamError('passwords.unavailable', `The breached-password check could not be made (${(error as Error).message}).`);
    }
    return text.split('\n').some((line) => {
      const [candidate, count] = line.trim().split(':');
      return candidate?.toUpperCase() === suffix && Number(count) > 0;
    });
  };
}
