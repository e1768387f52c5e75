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

/** A fault as the local services keep it: a share fault carries its draw. */
export type Armed<F> = F & { hits?: () => boolean };

/** A fault with `share` gets its own draw (seeded by `seed`); one without it counts down. */
export function arm<F extends { share?: number | undefined; seed?: number | undefined }>(fault: F): Armed<F> {
  return fault.share === undefined ? fault : { ...fault, hits: shareDraw(fault.share, fault.seed) };
}

/**
 * The faults a call meets, of those that match it: the first count fault (first in, first out, used up by
 * the call) and every share fault whose draw hits (each draws for every call it matches, so its draws depend
 * on nothing else). Returns them with the pending faults left, and their delays added up.
 */
export function meet<F extends { count: number; delayMs?: number | undefined }>(
  pending: Armed<F>[],
  matching: Armed<F>[],
): { hitting: Armed<F>[]; pending: Armed<F>[]; delayMs: number } {
  const counted = matching.find((candidate) => !candidate.hits);
  const left = counted && (counted.count -= 1) === 0 ? pending.filter((candidate) => candidate !== counted) : pending;
  const hitting = [...(counted ? [counted] : []), ...matching.filter((candidate) => candidate.hits?.())];
  return { hitting, pending: left, delayMs: hitting.reduce((total, candidate) => total + (candidate.delayMs ?? 0), 0) };
}
