/**
 * What an invitation can grant, as Logto holds it: the tenant's User roles, its organizations and the
 * organization roles a user can hold, for a form that picks them by name. Read from Logto on each call (a
 * hundred a call), never stored: Logto is the directory, and a list read here is only as old as the request.
 */
import type { DirectoryPage } from '../ports.ts';
import type { LibraryContext } from './context.ts';

/** The most entries of one list read from Logto; past it a list says `truncated` (a search narrows it). */
export const maxDirectoryEntries = 1000;

export function createDirectory({ identity }: Pick<LibraryContext, 'identity'>) {
  const query = (search: string | undefined) => ({ ...(search && { search }), limit: maxDirectoryEntries });
  return {
    roles: (search?: string): Promise<DirectoryPage> => identity.listUserRoles(query(search)),
    organizations: (search?: string): Promise<DirectoryPage> => identity.listOrganizations(query(search)),
    organizationRoles: (search?: string): Promise<DirectoryPage> => identity.listOrganizationRoles(query(search)),
  };
}
