/**
 * The directory the console's invite form picks from: `GET /v1/roles`, `/v1/organizations` and
 * `/v1/organization-roles`, each `{ data: [{ id, name, description }], truncated }`, read from Logto.
 */
import type { DirectoryPage } from '../domain/ports.ts';
import type { InvitationLibrary } from '../domain/invitations.ts';
import { json, parse } from './http/respond.ts';
import type { Call, RouteHandler, RouteHandlers } from './http/route-handler.ts';
import { directoryQuery } from './http/schemas.ts';

export interface DirectoryRouteDeps {
  invitations: Pick<InvitationLibrary, 'directory'>;
}

export function makeDirectoryRoutes({ invitations: { directory } }: DirectoryRouteDeps): RouteHandlers {
  const list =
    (read: (search?: string) => Promise<DirectoryPage>): RouteHandler =>
    async ({ event }: Call) => {
      const { search } = parse(directoryQuery, event.queryStringParameters ?? {}, 'query');
      const page = await read(search || undefined);
      return json(200, { data: page.entries, truncated: page.truncated });
    };
  return {
    'GET /v1/roles': list(directory.roles),
    'GET /v1/organizations': list(directory.organizations),
    'GET /v1/organization-roles': list(directory.organizationRoles),
  };
}
