/**
 * Form state that survives a sign-in round trip: kept in sessionStorage under the page's key, so an admin
 * whose session ran out while filling the invite form comes back to what they had typed. Secrets
 * (a provision password) are never kept.
 */
import { useEffect, useState } from 'preact/hooks';

export function useDraft<T>(key: string, initial: T): [T, (next: T | ((previous: T) => T)) => void, () => void] {
  const storageKey = `console.draft.${key}`;
  const [value, setValue] = useState<T>(() => {
    const stored = sessionStorage.getItem(storageKey);
    if (!stored) return initial;
    try {
      return { ...initial, ...(JSON.parse(stored) as T) };
    } catch {
      return initial;
    }
  });
  useEffect(() => {
    sessionStorage.setItem(storageKey, JSON.stringify(value));
  }, [storageKey, value]);
  const clear = () => {
    sessionStorage.removeItem(storageKey);
    setValue(initial);
  };
  return [value, setValue, clear];
}

/** An Idempotency-Key for one submission of a form: a retry (or a double click) is the same request. */
export const newKey = () => crypto.randomUUID();

/**
 * Whether a failed submission's key may be used again. Only when no answer settled it (the network, a 5xx,
 * a 429): sending again is then a retry, and the key keeps it from creating twice. A refusal (any other 4xx)
 * is recorded against its key as final, so the corrected form must go with a new one, or the API answers
 * `idempotency.key_reused`.
 */
export function keyOutlives(error: unknown): boolean {
  const status = (error as { status?: unknown } | undefined)?.status;
  return typeof status !== 'number' || status === 0 || status === 429 || status >= 500 || (error as { code?: string }).code === 'idempotency.in_progress';
}
