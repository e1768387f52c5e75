/** Logto user accounts as the modes that create them see them: passwords, and Logto's refusals. */
import { AppError } from '../../errors.ts';
import type { PasswordChecker } from '../../ports.ts';

/** Logto's code for a second user with the same email (`LogtoApiError` codes are `logto.<Logto's code>`). */
export const isEmailTaken = (error: unknown): boolean => error instanceof AppError && error.code === 'logto.user.email_already_in_use';

/** A user that is gone at Logto needs no suspension. */
export const ignoreGone = (error: unknown): void => {
  if (!(error instanceof AppError && error.status === 404 && error.code.startsWith('logto.'))) throw error;
};

/**
 * Checks `password` against the tenant's policy for the account about to be created; a refusal is a 422
 * naming the rules it broke (Logto's codes, e.g. `password_rejected.too_short`), never the password.
 */
export async function checkedPassword(
  passwords: PasswordChecker,
  password: string,
  account: { email: string; name?: string },
  path: string,
): Promise<void> {
  const verdict = await passwords.check(password, account);
  if (verdict.ok) return;
  throw new AppError(
    'invitation.password_rejected',
    422,
    'The password does not meet the password policy.',
    verdict.issues.map((issue) => ({ path, code: issue.code, message: issue.code, ...(issue.interpolation && { interpolation: issue.interpolation }) })),
  );
}
