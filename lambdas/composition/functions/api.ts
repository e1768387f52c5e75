/** The api function's handler over its ports: the library, and the token verifier, idempotency and access-request limits. */
import type { IdempotencyStore } from '../../domain/ports.ts';
import { makeApiHandler, type AccessRequestOptions, type TokenVerifier } from '../../handlers/api.ts';
import { openApiDocument } from '../../handlers/http/openapi.ts';
import type { Log } from '../../handlers/http/respond.ts';
import { buildInvitations, clockOf, type InvitationPorts } from '../invitations.ts';

export interface ApiPorts extends InvitationPorts {
  store: InvitationPorts['store'] & IdempotencyStore & { accessFormKey(): Promise<string> };
  verifier: TokenVerifier;
  accessRequestLimits: Pick<AccessRequestOptions, 'perIpPerHour' | 'perEmailPerDay' | 'minFillSeconds' | 'frameAncestors'> &
    Partial<Pick<AccessRequestOptions, 'count'>>;
  log: Log;
}

export function buildApi(ports: ApiPorts, invitations = buildInvitations(ports)) {
  // Built on the first request for it, not at the function's cold start.
  let openapi: ReturnType<typeof openApiDocument> | undefined;
  return makeApiHandler({
    invitations,
    verifier: ports.verifier,
    idempotency: ports.store,
    clock: clockOf(ports),
    log: ports.log,
    openapi: () => (openapi ??= openApiDocument()),
    acceptUrl: ports.settings.acceptUrl,
    accessRequests: {
      limiter: ports.store,
      formKey: () => ports.store.accessFormKey(),
      ...ports.accessRequestLimits,
      appName: ports.settings.appName,
    },
  });
}
