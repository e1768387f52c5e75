import { randomInt } from 'node:crypto';

// Logto's generators (@logto/shared): `generateStandardId` (21 characters), user IDs (12) and
// `generateStandardSecret` (32), all from these alphabets.
const lowercaseAlphanumeric = '0123456789abcdefghijklmnopqrstuvwxyz';
const alphanumeric = `${lowercaseAlphanumeric}ABCDEFGHIJKLMNOPQRSTUVWXYZ`;

const randomString = (length: number, alphabet: string) =>
  Array.from({ length }, () => alphabet[randomInt(alphabet.length)]).join('');

export const standardId = () => randomString(21, lowercaseAlphanumeric);
export const userId = () => randomString(12, lowercaseAlphanumeric);
export const standardSecret = () => randomString(32, alphanumeric);
/** Organizations' ids: `generateStandardId(12)` (the organization router's `idLength`). */
export const organizationId = () => randomString(12, lowercaseAlphanumeric);
