/**
 * The sign-in experience's password policy, as Logto stores it, and its checker: Logto's own
 * `PasswordPolicyChecker` (packages/toolkit/core-kit/src/password-policy.ts), offline.
 *
 * Logto stores the policy as a *partial* policy (`partialPasswordPolicyGuard`, the `deepPartial()` of
 * `passwordPolicyGuard`, zod 3): a fresh instance stores `{}`, a group given is completed with its
 * defaults, a group left out stays out, and the checker fills in every default when it runs.
 */
import { PasswordPolicyChecker } from '@logto/core-kit';
import { z } from 'zod';

export interface PasswordPolicy {
  length: { min: number; max: number };
  /** How many of lower case, upper case, digits and symbols a password must mix (1 to 4). */
  characterTypes: { min: number };
  rejects: { pwned: boolean; repetitionAndSequence: boolean; userInfo: boolean; words: string[] };
}

/** What Logto stores and `GET /sign-in-exp` answers: each group absent or complete. */
export type PartialPasswordPolicy = Partial<PasswordPolicy>;

const lengthGroup = z.object({ min: z.number().int().min(1).default(8), max: z.number().int().min(1).default(256) });
const characterTypesGroup = z.object({ min: z.number().int().min(1).max(4).default(1) });
const rejectsGroup = z.object({
  pwned: z.boolean().default(true),
  repetitionAndSequence: z.boolean().default(true),
  userInfo: z.boolean().default(true),
  words: z.array(z.string()).default([]),
});

/**
 * `partialPasswordPolicyGuard`: zod 3's `deepPartial()` wraps each group in `optional()` around its
 * `default({})`, so an absent group stays absent while a present one gets its field defaults.
 */
export const partialPasswordPolicyGuard = z.object({
  length: lengthGroup.optional(),
  characterTypes: characterTypesGroup.optional(),
  rejects: rejectsGroup.optional(),
}) satisfies z.ZodType<PartialPasswordPolicy>;

/** `passwordPolicyGuard`: the policy the checker applies, every default filled in. */
const passwordPolicyGuard = z.object({
  length: lengthGroup.prefault({}),
  characterTypes: characterTypesGroup.prefault({}),
  rejects: rejectsGroup.prefault({}),
}) satisfies z.ZodType<PasswordPolicy>;

/**
 * Stands for haveibeenpwned (Logto asks `api.pwnedpasswords.com/range/{sha1 prefix}`; the stand-in is
 * offline): a few of the most breached passwords, plus the two Logto's own integration tests treat as
 * pwned (`getPwnPasswordsForTest`). Exact, case-sensitive match, as a hash lookup is.
 */
export const pwnedPasswords: ReadonlySet<string> = new Set([
  '123456',
  '12345678',
  '123456789',
  '1234567890',
  'password',
  'password1',
  'Password1',
  'Password123',
  'P@ssw0rd',
  'qwerty',
  'qwerty123',
  'qwertyuiop',
  'iloveyou',
  'letmein',
  'welcome',
  'admin',
  'abc123',
  '111111',
  '123456aA',
  'test_password',
]);

/**
 * Logto's own checker (`@logto/core-kit`, the code Logto runs): only its `pwned` lookup, which asks
 * haveibeenpwned over the internet, is replaced by the list above.
 */
export class StandInPasswordChecker extends PasswordPolicyChecker {
  override async hasBeenPwned(password: string): Promise<boolean> {
    return pwnedPasswords.has(password);
  }
}
