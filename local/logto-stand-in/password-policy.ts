/**
 * The sign-in experience's password policy and Logto's `PasswordPolicyChecker`
 * (packages/toolkit/core-kit/src/password-policy.ts), rule for rule and in its order of issues.
 *
 * Logto stores the policy as a *partial* policy (`partialPasswordPolicyGuard`, the `deepPartial()` of
 * `passwordPolicyGuard`, zod 3): a fresh instance stores `{}`, a group given is completed with its
 * defaults, a group left out stays out, and the checker fills in every default when it runs.
 */
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

export type PasswordRejectionCode =
  | 'too_short'
  | 'too_long'
  | 'character_types'
  | 'unsupported_characters'
  | 'pwned'
  | 'restricted.repetition'
  | 'restricted.sequence'
  | 'restricted.user_info'
  | 'restricted.words';

export interface PasswordIssue {
  code: `password_rejected.${PasswordRejectionCode}`;
  interpolation?: Record<string, unknown>;
}

/** What `checkPasswordPolicyForUser` passes for a user (its null fields left out). */
export interface UserInfo {
  name?: string;
  username?: string;
  email?: string;
  phoneNumber?: string;
}

/** Thrown like Logto's checker when the policy rejects user info and none was given (the route's 400). */
export class UserInfoRequiredError extends TypeError {
  constructor() {
    super('User information data is required to check user information.');
    this.name = 'UserInfoRequiredError';
  }
}

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

const symbols = '!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~ ';

const sequences = [
  '0123456789',
  'abcdefghijklmnopqrstuvwxyz',
  'qwertyuiop',
  'asdfghjkl',
  'zxcvbnm',
  '1qaz',
  '2wsx',
  '3edc',
  '4rfv',
  '5tgb',
  '6yhn',
  '7ujm',
  '8ik',
  '9ol',
].flatMap((sequence) => {
  const reversed = [...sequence].reverse().join('');
  return [sequence, reversed, sequence.toUpperCase(), reversed.toUpperCase()];
});

/** Runs of at least this many repeated or sequential characters count. */
const repetitionAndSequenceThreshold = 3;
/** A password keeps up to this many characters outside restricted phrases and still passes. */
const restrictedPhrasesTolerance = 3;

export class PasswordPolicyChecker {
  readonly policy: PasswordPolicy;

  constructor(policy: PartialPasswordPolicy) {
    this.policy = passwordPolicyGuard.parse(policy);
  }

  /**
   * Logto's `check`: length and character types, then pwned, then the restricted phrases (repetition,
   * sequence, custom words, user info), which are reported only when they cover more than all but
   * {@link restrictedPhrasesTolerance} characters of the password.
   *
   * @throws UserInfoRequiredError when the policy rejects user info and `userInfo` is not given.
   */
  check(password: string, userInfo?: UserInfo): PasswordIssue[] {
    const issues = this.fastCheck(password);
    if (this.policy.rejects.pwned && pwnedPasswords.has(password)) issues.push({ code: 'password_rejected.pwned' });

    const { repetitionAndSequence, words, userInfo: rejectUserInfo } = this.policy.rejects;
    const covered = Array.from({ length: password.length }, () => false);
    const codes = new Set<PasswordRejectionCode>();
    const cover = (start: number, length: number, code: PasswordRejectionCode) => {
      if (length <= 0) return;
      covered.fill(true, start, start + length);
      codes.add(code);
    };

    for (let index = 0; index < password.length; index += 1) {
      const rest = password.slice(index);
      if (repetitionAndSequence) {
        cover(index, repetitionLength(rest), 'restricted.repetition');
        cover(index, sequenceLength(rest), 'restricted.sequence');
      }
      if (words.length > 0) cover(index, wordLength(rest, words), 'restricted.words');
      if (rejectUserInfo) {
        if (!userInfo) throw new UserInfoRequiredError();
        cover(index, userInfoLength(rest, userInfo), 'restricted.user_info');
      }
    }

    const coveredCount = covered.filter(Boolean).length;
    const threshold = Math.max(1, password.length - restrictedPhrasesTolerance);
    if (coveredCount > threshold) issues.push(...[...codes].map((code) => ({ code: `password_rejected.${code}` as const })));
    return issues;
  }

  /** Length (too short or too long, not both) and character types (unsupported ones first). */
  private fastCheck(password: string): PasswordIssue[] {
    const issues: PasswordIssue[] = [];
    const { length, characterTypes } = this.policy;
    if (password.length < length.min) {
      issues.push({ code: 'password_rejected.too_short', interpolation: { min: length.min } });
    } else if (password.length > length.max) {
      issues.push({ code: 'password_rejected.too_long', interpolation: { max: length.max } });
    }

    const types = characterTypesOf(password);
    if (types === 'unsupported') {
      issues.push({ code: 'password_rejected.unsupported_characters' });
    } else if (types < characterTypes.min) {
      issues.push({ code: 'password_rejected.character_types', interpolation: { min: characterTypes.min } });
    }
    return issues;
  }
}

/** How many of the four character types `password` mixes, or `unsupported` for any other character. */
function characterTypesOf(password: string): number | 'unsupported' {
  const types = new Set<string>();
  // Iterating by code point, like Logto's `for...of`: an emoji is one unsupported character.
  for (const char of password) {
    if (char >= 'a' && char <= 'z') types.add('lowercase');
    else if (char >= 'A' && char <= 'Z') types.add('uppercase');
    else if (char >= '0' && char <= '9') types.add('digits');
    else if (symbols.includes(char)) types.add('symbols');
    else return 'unsupported';
  }
  return types.size;
}

function repetitionLength(text: string): number {
  const first = text[0];
  if (first === undefined) return 0;
  let length = 0;
  for (const char of text) {
    if (char !== first) break;
    length += 1;
  }
  return length >= repetitionAndSequenceThreshold ? length : 0;
}

function sequenceLength(text: string): number {
  let value = '';
  let length = 0;
  for (const char of text) {
    if (value && !sequences.some((sequence) => sequence.includes(value + char))) break;
    value += char;
    length += 1;
  }
  return length >= repetitionAndSequenceThreshold ? length : 0;
}

/** The longest custom word (case-insensitive) that `text` starts with. */
function wordLength(text: string, words: readonly string[]): number {
  const lowercased = text.toLowerCase();
  return Math.max(0, ...words.filter((word) => lowercased.startsWith(word.toLowerCase())).map((word) => word.length));
}

/**
 * The longest piece of user info `text` starts with: the name (whole, without spaces, or any of its
 * words), the username, the email's local part, the phone number; case-insensitive but for the phone.
 */
function userInfoLength(text: string, { name, username, email, phoneNumber }: UserInfo): number {
  const lowercased = text.toLowerCase();
  const startsWith = (piece: string | undefined) => (piece && lowercased.startsWith(piece.toLowerCase()) ? piece.length : 0);
  const candidates: number[] = [];
  if (name) {
    // Logto tries the name as given first and, only when it does not match, its joined and split forms.
    const whole = startsWith(name);
    if (whole > 0) candidates.push(whole);
    else candidates.push(startsWith(name.replaceAll(/\s+/g, '')), ...name.split(' ').map(startsWith));
  }
  candidates.push(startsWith(username), startsWith(email?.split('@')[0]));
  if (phoneNumber && lowercased.startsWith(phoneNumber)) candidates.push(phoneNumber.length);
  return Math.max(0, ...candidates);
}
