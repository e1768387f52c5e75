/**
 * Faults by share, for the local services (the Logto stand-in, the local SES): a fault with `share` hits
 * that share of the calls it matches, drawn from a seedable generator, so a run under faults can be
 * repeated exactly. Used by the stand-in's `/__standin/faults`, the local SES's `/__ses/faults`, and the
 * `STANDIN_FAULTS` / `SES_FAULTS` variables of `npm start`.
 */

/** mulberry32: small, seedable, good enough to pick which calls fail. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Decides, call by call, whether a fault of `share` hits (each fault its own sequence). */
export function shareDraw(share: number, seed: number = Math.floor(Math.random() * 2 ** 31)): () => boolean {
  const next = seededRandom(seed);
  return () => next() < share;
}

/** Reads a JSON array of faults from an environment variable, naming it when it is not one. */
export function faultsFromEnv(name: string, value: string | undefined): unknown[] {
  if (value === undefined || value.trim() === '') return [];
  try {
    const parsed = JSON.parse(value) as unknown;
    if (!Array.isArray(parsed)) throw new Error('not an array');
    return parsed;
  } catch (error) {
    throw new Error(`${name} must be a JSON array of faults (${(error as Error).message}).`);
  }
}
