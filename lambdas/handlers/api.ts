/**
 * The admin API and its public routes (health, OpenAPI), as one API Gateway HTTP API (payload v2) Lambda.
 * Routes stay thin: authenticate, validate with the zod schema, call one use case, shape the response.
 */
import middy from '@middy/core';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { createHash } from 'node:crypto';
import { AppError } from '../domain/errors.ts';
import { toView, type Invitation } from '../domain/invitation.ts';
import type { CreateInput, InvitationLibrary } from '../domain/invitations.ts';
import type { Actor, Clock, IdempotencyStore } from '../domain/ports.ts';
import { matchRoute, routeKey, type Route, type RouteKey } from './http/routes.ts';
import { errorResult, header, httpErrors, json, parse, parseJsonBody, rawBody, type HttpResult, type Log } from './http/respond.ts';
import { createInvitationBody, listQuery } from './http/schemas.ts';

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
}

interface Call {
  event: APIGatewayProxyEventV2;
  params: Record<string, string>;
  actor: Actor;
}

type RouteHandler = (call: Call) => Promise<HttpResult>;

export function makeApiHandler(deps: ApiDeps) {
  const { invitations, verifier, idempotency, clock, log } = deps;
  const view = (invitation: Invitation) => toView(invitation, clock.now());
  const id = (call: Call) => call.params.id ?? '';

  const handlers: Partial<Record<RouteKey, RouteHandler>> = {
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
    'POST /v1/invitations/{id}/resend': async (call) => json(200, view(await invitations.resend(id(call), call.actor))),
    'POST /v1/invitations/{id}/revoke': async (call) => json(200, view(await invitations.revoke(id(call), call.actor))),
    'GET /v1/health': async () => json(200, { status: 'ok' }),
    'GET /v1/openapi.json': async () => json(200, deps.openapi(), { 'cache-control': 'public, max-age=300' }),
  };

  async function authenticate(route: Route, event: APIGatewayProxyEventV2): Promise<Actor> {
    if ('none' in route.auth) return { type: 'system' };
    const caller = await verifier.verify(header(event, 'authorization'), route.auth.scope);
    return { type: 'admin', id: caller.subject };
  }

  /** The same key and request within 24 h gets the first response; a key is scoped to its caller. */
  async function idempotent(event: APIGatewayProxyEventV2, actor: Actor, run: () => Promise<HttpResult>): Promise<HttpResult> {
    const key = header(event, 'idempotency-key');
    if (event.requestContext.http.method !== 'POST' || key === undefined) return run();
    if (key.length === 0 || key.length > 255) {
      throw new AppError('idempotency.invalid_key', 422, 'Idempotency-Key must be 1 to 255 characters.');
    }
    const scopedKey = `${actor.id ?? 'anonymous'}:${key}`;
    const requestHash = createHash('sha256').update(`${event.routeKey}\n${event.rawPath}\n${rawBody(event)}`).digest('hex');
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
    return idempotent(event, actor, () => handler({ event, params: match.pathParameters, actor }));
  }

  return middy<APIGatewayProxyEventV2, HttpResult>().use(httpErrors(log)).handler(handle);
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
