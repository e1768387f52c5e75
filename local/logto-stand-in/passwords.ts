/**
 * Stored passwords. Logto keeps `password_encrypted` + `password_encryption_method`: a plain password is
 * hashed with Argon2i, an imported digest (`POST /users` `passwordDigest` + `passwordAlgorithm`) is kept
 * as given. The stand-in hashes with scrypt instead (node:crypto has no Argon2). Digests never leave it.
 */
import { createHash, randomBytes, scryptSync, timingSafeEqual } from 'node:crypto';

import { fail } from './errors.ts';

/** Logto's `users_password_encryption_method` (packages/schemas/tables/users.sql). */
export const passwordAlgorithms = ['Argon2i', 'Argon2id', 'Argon2d', 'SHA1', 'SHA256', 'MD5', 'Bcrypt', 'Legacy'] as const;
export type ImportedPasswordAlgorithm = (typeof passwordAlgorithms)[number];
/** `scrypt`: the stand-in's own hash of a plain password. */
export type PasswordAlgorithm = 'scrypt' | ImportedPasswordAlgorithm;

/** scrypt with a random salt, `salt:hash` in hex. */
export function hashPassword(password: string): string {
  const salt = randomBytes(16);
  return `${salt.toString('hex')}:${scryptSync(password, salt, 32).toString('hex')}`;
}

/**
 * Logto's `parseLegacyPassword` (packages/core/src/utils/password.ts), run when a `Legacy` digest is
 * imported: a JSON `["algorithm", ["args", "with", "@"], "hash"]` with an algorithm node:crypto knows
 * (or pbkdf2 / firebase-scrypt), and for pbkdf2 a `hex:` salt that is valid hex.
 */
export function assertLegacyPassword(passwordDigest: string | undefined) {
  if (!passwordDigest) fail('password.unsupported_encryption_method');
  const parsed = parseLegacyTuple(passwordDigest) ?? fail('password.invalid_legacy_password_format');
  const [algorithm, args] = parsed;
  const isPbkdf2 = algorithm === 'pbkdf2Sync' || algorithm === 'pbkdf2';
  if (!isPbkdf2 && algorithm !== 'firebase-scrypt' && !isHashAlgorithm(algorithm)) {
    fail('password.unsupported_legacy_hash_algorithm', { vars: { algorithm } });
  }
  const salt = args[0];
  if (isPbkdf2 && salt?.startsWith('hex:')) {
    const hex = salt.slice('hex:'.length);
    if (hex.length === 0 || hex.length % 2 !== 0 || !/^[\da-f]+$/i.test(hex)) fail('password.invalid_legacy_password_format');
  }
}

function parseLegacyTuple(value: string): [string, string[], string] | undefined {
  let json: unknown;
  try {
    json = JSON.parse(value);
  } catch {
    return undefined;
  }
  if (!Array.isArray(json) || json.length !== 3) return undefined;
  const [algorithm, args, hash] = json as unknown[];
  const isArgs = Array.isArray(args) && args.every((arg) => typeof arg === 'string') && args.includes('@');
  return typeof algorithm === 'string' && isArgs && typeof hash === 'string' ? [algorithm, args as string[], hash] : undefined;
}

function isHashAlgorithm(algorithm: string) {
  try {
    createHash(algorithm);
    return true;
  } catch {
    return false;
  }
}

/**
 * Whether `password` matches a stored digest (Logto's `isPasswordValid`), for the digests node:crypto can
 * check: the stand-in's scrypt and imported MD5, SHA1 and SHA256 (hex). Argon2, Bcrypt and Legacy imports
 * throw: the stand-in cannot verify them, and says so rather than answer wrongly.
 */
export function isPasswordValid(password: string, digest: string, algorithm: PasswordAlgorithm): boolean {
  switch (algorithm) {
    case 'scrypt': {
      const [salt = '', hash = ''] = digest.split(':');
      const expected = Buffer.from(hash, 'hex');
      const actual = scryptSync(password, Buffer.from(salt, 'hex'), expected.length || 32);
      return expected.length === actual.length && timingSafeEqual(expected, actual);
    }
    case 'MD5':
    case 'SHA1':
    case 'SHA256': {
      return createHash(algorithm.toLowerCase()).update(password).digest('hex') === digest;
    }
    default: {
      throw new Error(`the stand-in cannot verify ${algorithm} password digests`);
    }
  }
}
