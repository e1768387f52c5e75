import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import type { Api } from './api.ts';
import type { Auth } from './auth.ts';

export interface Session {
  api: Api;
  auth: Auth;
}

export const SessionContext = createContext<Session | undefined>(undefined);

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error('useSession outside a signed-in console');
  return session;
}

/** Paths of the console, under its base (`/console`). */
export const to = (path = '') => `${import.meta.env.BASE_URL.replace(/\/$/, '')}${path}`;
