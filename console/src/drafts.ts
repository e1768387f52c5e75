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
