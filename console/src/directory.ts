/**
 * The tenant's roles, organizations and organization roles, read through the invitations API (by name, not
 * typed ids). Read once per session and kept for a few minutes: every page and every access-request card
 * shares the same three calls, which cost Logto's request budget too.
 */
import type { Api } from './api.ts';
import type { Choice } from './components/ui.tsx';
import { useLoad } from './components/ui.tsx';
import { useSession } from './context.ts';

export interface Directory {
  roles?: Choice[];
  organizations?: Choice[];
  organizationRoles?: Choice[];
  error?: unknown;
}

interface Lists {
  roles: Choice[];
  organizations: Choice[];
  organizationRoles: Choice[];
}

const keepMs = 5 * 60_000;
const cache = new WeakMap<Api, { at: number; lists: Promise<Lists> }>();

function lists(api: Api): Promise<Lists> {
  const cached = cache.get(api);
  if (cached && Date.now() - cached.at < keepMs) return cached.lists;
  const loading = Promise.all([api.GET('/v1/roles'), api.GET('/v1/organizations'), api.GET('/v1/organization-roles')]).then(
    ([roles, organizations, organizationRoles]) => ({ roles: roles.data!.data, organizations: organizations.data!.data, organizationRoles: organizationRoles.data!.data }),
  );
  // A failure is not kept: the next page asks again.
  loading.catch(() => cache.delete(api));
  cache.set(api, { at: Date.now(), lists: loading });
  return loading;
}

export function useDirectory(): Directory {
  const { api } = useSession();
  const loaded = useLoad(() => lists(api), [api]);
  return { ...loaded.value, error: loaded.error };
}

/** Names for ids, for showing an invitation's grants; an id the tenant no longer has stays as it is. */
export const namesOf = (ids: string[], choices: Choice[] | undefined) => ids.map((id) => choices?.find((choice) => choice.id === id)?.name ?? id);
