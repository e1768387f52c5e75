/**
 * The admin API and its public routes (health, OpenAPI, the accept page, asking to be invited), as one API
 * Gateway HTTP API (payload v2) Lambda; the invitee's and the asker's routes live in their own modules.
 * Routes stay thin: authenticate, validate with the zod schema, call one use case, shape the response.
 */
import middy from '@middy/core';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { createHash } from 'node:crypto';
import { AppError } from '../domain/errors.ts';
import { toView, type Invitation } from '../domain/invitation.ts';
import type { CreateInput, InvitationLibrary } from '../domain/invitations.ts';
import type { Actor, Clock, IdempotencyStore } from '../domain/ports.ts';
import { makeAcceptRoutes } from './accept-routes.ts';
import { makeBatchRoutes } from './batch-routes.ts';
import { makeCollectingRoutes, type AccessRequestOptions } from './collecting-routes.ts';
import { makeDirectoryRoutes } from './directory-routes.ts';
import { matchRoute, routeKey, scopes, type Route } from './http/routes.ts';
import { errorResult, header, httpErrors, json, parse, parseJsonBody, rawBody, type HttpResult, type Log } from './http/respond.ts';
import type { Call, RouteHandlers } from './http/route-handler.ts';
import { createInvitationBody, listQuery } from './http/schemas.ts';

export type { AccessRequestOptions } from './collecting-routes.ts';

/** Verifies a Logto access token for a scope (see adapters/access-token-verifier.ts). */
export interface TokenVerifier {
  verify(authorization: string | undefined, requiredScope: string): Promise<{ subject: string; clientId?: string }>;
}

export interface ApiDeps {
  invitations: InvitationLibrary;
  verifier: TokenVerifier;
  idempotency: IdempotencyStore;
  clock: Clock;
  log: Log;
  openapi: () => unknown;
  /** The public URL of `GET /v1/accept`: its origin is the only one the form may be posted from. */
  acceptUrl: string;
  accessRequests: AccessRequestOptions;
}

export function makeApiHandler(deps: ApiDeps) {
  const { invitations, verifier, idempotency, clock, log } = deps;
  const view = (invitation: Invitation) => toView(invitation, clock.now());
  const id = (call: Call) => call.params.id ?? '';

  const handlers: RouteHandlers = {
    ...makeAcceptRoutes(deps),
    ...makeCollectingRoutes(deps),
    ...makeBatchRoutes(deps),
    ...makeDirectoryRoutes(deps),
    'POST /v1/invitations': async ({ event, actor }) => {
      const body = parse(createInvitationBody, parseJsonBody(event), 'body') as CreateInput;
      const { invitation, link } = await invitations.create(body, actor);
      return json(201, { ...view(invitation), ...(link && { link }) });
    },
    'GET /v1/invitations': async ({ event }) => {
      const query = parse(listQuery, event.queryStringParameters ?? {}, 'query');
      const page = await invitations.list(query);
      return json(200, { data: page.items.map(view), nextCursor: page.nextCursor ?? null });
    },
    'GET /v1/invitations/{id}': async (call) => json(200, view(await invitations.get(id(call)))),
    'GET /v1/invitations/{id}/events': async (call) => json(200, await invitations.events(id(call))),
    'GET /v1/invitations/{id}/email': async (call) => json(200, await invitations.emailPreview(id(call))),
    'POST /v1/invitations/{id}/resend': async (call) => json(200, view(await invitations.resend(id(call), call.actor))),
    'POST /v1/invitations/{id}/revoke': async (call) => json(200, view(await invitations.revoke(id(call), call.actor))),
    'GET /v1/health': async () => json(200, { status: 'ok' }),
    'GET /v1/openapi.json': async () => json(200, deps.openapi(), { 'cache-control': 'public, max-age=300' }),
  };

  async function authenticate(route: Route, event: APIGatewayProxyEventV2): Promise<Actor> {
    if ('none' in route.auth) return { type: 'system' };
    const caller = await verifier.verify(header(event, 'authorization'), route.auth.scope);
    if (route.auth.scope !== scopes.refer) return { type: 'admin', id: caller.subject };
    // A user's token names the user (`sub`) and the app it was issued to (`client_id`); an app's own token names the app twice.
    if (!caller.clientId || caller.clientId === caller.subject) {
      throw new AppError('referral.user_token_required', 403, "Referrals take a signed-in user's access token, not an application's.");
    }
    return { type: 'user', id: caller.subject };
  }

  /** The same key and request within 24 h gets the first response; a key is scoped to its caller. */
  async function idempotent(event: APIGatewayProxyEventV2, actor: Actor, run: () => Promise<HttpResult>): Promise<HttpResult> {
    const key = header(event, 'idempotency-key');
    if (event.requestContext.http.method !== 'POST' || key === undefined) return run();
    if (key.length === 0 || key.length > 255) {
      throw new AppError('idempotency.invalid_key', 422, 'Idempotency-Key must be 1 to 255 characters.');
    }
    const scopedKey = `${actor.id ?? 'anonymous'}:${key}`;
    const requestHash = createHash('sha256').update(`${event.routeKey}\n${event.rawPath}\n${withoutPassword(rawBody(event))}`).digest('hex');
    const begun = await idempotency.begin(scopedKey, requestHash, clock.now());
    if (begun.state === 'mismatch') {
      throw new AppError('idempotency.key_reused', 422, 'This Idempotency-Key was used with a different request.');
    }
    if (begun.state === 'in_progress') {
      throw new AppError('idempotency.in_progress', 409, 'A request with this Idempotency-Key is still running.');
    }
    if (begun.state === 'done') {
      return { ...begun.response, headers: { ...begun.response.headers, 'idempotent-replayed': 'true' } };
    }
    let result: HttpResult;
    try {
      result = await run();
    } catch (error) {
      // A refusal is as final as a success; only a failure that may pass frees the key for a retry.
      if (error instanceof AppError && error.status < 500) {
        const refused = errorResult(error, log);
        await idempotency.complete(scopedKey, stored(refused), clock.now());
      } else {
        await idempotency.release(scopedKey);
      }
      throw error;
    }
    await (result.statusCode < 500 ? idempotency.complete(scopedKey, stored(result), clock.now()) : idempotency.release(scopedKey));
    return result;
  }

  async function handle(event: APIGatewayProxyEventV2): Promise<HttpResult> {
    const match = resolve(event);
    const handler = handlers[routeKey(match.route)];
    if (!handler) throw new AppError('route.not_found', 404, 'No such route.');
    const actor = await authenticate(match.route, event);
    const run = () => handler({ event, params: match.pathParameters, actor });
    // Idempotency keys belong to authenticated callers: an open route (the accept form) never replays an
    // answer. A dry run changes nothing to protect, and must neither replay nor take the key of the real run.
    const dryRun = match.route.dryRun !== undefined && event.queryStringParameters?.dryRun === 'true';
    return 'none' in match.route.auth || dryRun ? run() : idempotent(event, actor, run);
  }

  return middy<APIGatewayProxyEventV2, HttpResult>().use(httpErrors(log)).handler(handle);
}

/**
 * The body as the idempotency record fingerprints it: a `password` (provision) is left out, so not even
 * a hash of it is stored. A replay with another password gets the first response, like any replay.
 */
function withoutPassword(body: string): string {
  if (!body.includes('"password"')) return body;
  try {
    const parsed = JSON.parse(body) as unknown;
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed) || !('password' in parsed)) return body;
    const { password: _password, ...rest } = parsed as Record<string, unknown>;
    return JSON.stringify(rest);
  } catch {
    return body;
  }
}

function stored(result: HttpResult) {
  return { statusCode: result.statusCode, body: result.body, headers: (result.headers ?? {}) as Record<string, string> };
}

/** API Gateway names the route in `routeKey`; a `$default` route (or a local server) matches the path. */
function resolve(event: APIGatewayProxyEventV2): { route: Route; pathParameters: Record<string, string> } {
  const match = matchRoute(event.requestContext.http.method, event.rawPath);
  if (match && 'route' in match) return { route: match.route, pathParameters: { ...match.pathParameters, ...event.pathParameters } as Record<string, string> };
  if (match) throw new AppError('route.method_not_allowed', 405, `Use ${match.allowed.join(' or ')}.`);
  throw new AppError('route.not_found', 404, 'No such route.');
}
