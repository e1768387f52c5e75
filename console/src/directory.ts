/** The tenant's roles, organizations and organization roles, read through the invitations API (by name, not typed ids). */
import type { Choice } from './components/ui.tsx';
import { useLoad } from './components/ui.tsx';
import { useSession } from './context.ts';

export interface Directory {
  roles?: Choice[];
  organizations?: Choice[];
  organizationRoles?: Choice[];
  error?: unknown;
}

export function useDirectory(): Directory {
  const { api } = useSession();
  const roles = useLoad(async () => (await api.GET('/v1/roles')).data!.data, []);
  const organizations = useLoad(async () => (await api.GET('/v1/organizations')).data!.data, []);
  const organizationRoles = useLoad(async () => (await api.GET('/v1/organization-roles')).data!.data, []);
  return {
    roles: roles.value,
    organizations: organizations.value,
    organizationRoles: organizationRoles.value,
    error: roles.error ?? organizations.error ?? organizationRoles.error,
  };
}

/** Names for ids, for showing an invitation's grants; an id the tenant no longer has stays as it is. */
export const namesOf = (ids: string[], choices: Choice[] | undefined) => ids.map((id) => choices?.find((choice) => choice.id === id)?.name ?? id);
