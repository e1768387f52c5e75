/**
 * The HTTP routes, once: the API handler dispatches on them, the local server matches requests against
 * them, the OpenAPI document is generated from them (all but the console's), and the CDK stack creates them.
 */
import type * as z from 'zod';
import { AppError } from '../../domain/errors.ts';
import {
  accessRequestBody,
  accessRequestListSchema,
  accessRequestQuery,
  accessRequestReceived,
  accessRequestSchema,
  approveAccessRequestBody,
  batchBody,
  batchCreatedSchema,
  batchDryRunSchema,
  batchQuery,
  batchProgressSchema,
  createInvitationBody,
  directoryListSchema,
  directoryQuery,
  emailPreviewSchema,
  referralBody,
  eventSchema,
  healthSchema,
  invitationListSchema,
  invitationSchema,
  listQuery,
} from './schemas.ts';

export const scopes = { read: 'invitations:read', write: 'invitations:write', refer: 'invitations:refer' } as const;

export interface Route {
  method: 'GET' | 'POST';
  path: string;
  /** Which Lambda serves it. */
  fn: 'api' | 'webhook' | 'console';
  /** The scope an admin token needs; `none` routes say why they are open. */
  auth: { scope: string } | { none: string };
  summary: string;
  /** A tighter API Gateway throttle than the API's own, for open routes anyone can call in a loop. */
  throttle?: { rateLimit: number; burstLimit: number };
  body?: z.ZodType;
  /** The body may also be CSV (`text/csv`): what its columns are. */
  csv?: string;
  query?: z.ZodType;
  response: { status: number; schema?: z.ZodType };
  /**
   * The route takes `?dryRun=true`: it runs its checks, changes nothing and answers this instead. Such a
   * request is never recorded or replayed under an Idempotency-Key (the key's request hash has no query).
   */
  dryRun?: { status: number; schema: z.ZodType };
  /** Not part of the API's contract (the console's files): left out of the OpenAPI document. */
  openapi?: false;
}

export const routes = [
  {
    method: 'POST',
    path: '/v1/invitations',
    fn: 'api',
    auth: { scope: scopes.write },
    summary: 'Create an invitation and email it',
    body: createInvitationBody,
    response: { status: 201, schema: invitationSchema },
  },
  {
    method: 'POST',
    path: '/v1/invitations/batch',
    fn: 'api',
    auth: { scope: scopes.write },
    summary: 'Create up to 1,000 invitations (JSON, or CSV as text/csv); each row is accepted or rejected with its reason; emails go out at the pace SES and Logto allow',
    body: batchBody,
    csv: 'A header row naming the columns (email required; mode, locale, name, expiresIn, redirectUrl, reminder, roleIds, organizationIds, organizationRoleIds, metadata.<key>), then up to 1,000 rows. Lists are separated by spaces or semicolons.',
    query: batchQuery,
    response: { status: 202, schema: batchCreatedSchema },
    dryRun: { status: 200, schema: batchDryRunSchema },
  },
  {
    method: 'GET',
    path: '/v1/invitations/batches/{batchId}',
    fn: 'api',
    auth: { scope: scopes.read },
    summary: "A batch's progress: its invitations counted by where they stand",
    response: { status: 200, schema: batchProgressSchema },
  },
  {
    method: 'GET',
    path: '/v1/invitations',
    fn: 'api',
    auth: { scope: scopes.read },
    summary: 'List invitations, newest first',
    query: listQuery,
    response: { status: 200, schema: invitationListSchema },
  },
  {
    method: 'GET',
    path: '/v1/invitations/{id}',
    fn: 'api',
    auth: { scope: scopes.read },
    summary: 'Read one invitation',
    response: { status: 200, schema: invitationSchema },
  },
  {
    method: 'GET',
    path: '/v1/invitations/{id}/events',
    fn: 'api',
    auth: { scope: scopes.read },
    summary: 'The audit trail of an invitation, oldest first',
    response: { status: 200, schema: eventSchema.array() },
  },
  {
    method: 'POST',
    path: '/v1/invitations/{id}/resend',
    fn: 'api',
    auth: { scope: scopes.write },
    summary: 'Send a new link; the old one stops working',
    response: { status: 200, schema: invitationSchema },
  },
  {
    method: 'POST',
    path: '/v1/invitations/{id}/revoke',
    fn: 'api',
    auth: { scope: scopes.write },
    summary: 'Revoke an invitation; its link stops working at Logto at once',
    response: { status: 200, schema: invitationSchema },
  },
  // What the admin console reads besides invitations: the email an invitation was sent, and the directory
  // its invite form picks from.
  {
    method: 'GET',
    path: '/v1/invitations/{id}/email',
    fn: 'api',
    auth: { scope: scopes.read },
    summary: "The email of the invitation's latest send, rendered as sent with its link hidden (404 invitation.no_email for notify: false)",
    response: { status: 200, schema: emailPreviewSchema },
  },
  {
    method: 'GET',
    path: '/v1/roles',
    fn: 'api',
    auth: { scope: scopes.read },
    summary: "The tenant's User roles (what roleIds names), read from Logto",
    query: directoryQuery,
    response: { status: 200, schema: directoryListSchema },
  },
  {
    method: 'GET',
    path: '/v1/organizations',
    fn: 'api',
    auth: { scope: scopes.read },
    summary: "The tenant's organizations (what organizationIds names), read from Logto",
    query: directoryQuery,
    response: { status: 200, schema: directoryListSchema },
  },
  {
    method: 'GET',
    path: '/v1/organization-roles',
    fn: 'api',
    auth: { scope: scopes.read },
    summary: 'The organization roles a user can hold (what organizationRoleIds names), read from Logto',
    query: directoryQuery,
    response: { status: 200, schema: directoryListSchema },
  },
  {
    method: 'POST',
    path: '/v1/access-requests',
    fn: 'api',
    auth: {
      none: 'Anyone may ask to be invited: rate-limited per IP and per email, with a honeypot and a minimum fill time for the form; the answer is the same for every email.',
    },
    summary: 'Ask to be invited (JSON, or the embeddable form); always 202 with the same body',
    throttle: { rateLimit: 5, burstLimit: 20 },
    body: accessRequestBody,
    response: { status: 202, schema: accessRequestReceived },
  },
  {
    method: 'GET',
    path: '/v1/access-requests',
    fn: 'api',
    auth: { scope: scopes.read },
    summary: 'List access requests, newest first',
    query: accessRequestQuery,
    response: { status: 200, schema: accessRequestListSchema },
  },
  {
    method: 'POST',
    path: '/v1/access-requests/{id}/approve',
    fn: 'api',
    auth: { scope: scopes.write },
    summary: "Approve: create the request's invitation with the mode, roles and organizations chosen",
    body: approveAccessRequestBody,
    response: { status: 201, schema: invitationSchema },
  },
  {
    method: 'POST',
    path: '/v1/access-requests/{id}/decline',
    fn: 'api',
    auth: { scope: scopes.write },
    summary: 'Decline: nothing is sent',
    response: { status: 200, schema: accessRequestSchema },
  },
  {
    method: 'POST',
    path: '/v1/referrals',
    fn: 'api',
    auth: { scope: scopes.refer },
    summary: "A signed-in user invites someone into no more than they hold, within a quota (201; 202 when held for approval)",
    body: referralBody,
    response: { status: 201, schema: invitationSchema },
  },
  {
    method: 'GET',
    path: '/v1/request-access',
    fn: 'api',
    auth: { none: 'The embeddable request form (HTML); showing it changes nothing.' },
    summary: 'A form page that asks to be invited, without JavaScript',
    response: { status: 200 },
  },
  {
    method: 'GET',
    path: '/v1/accept',
    fn: 'api',
    auth: { none: 'accept-link invitations: the token in the link is the credential. Opening the page changes nothing.' },
    summary: 'The accept page (HTML): the invitation and its registration form',
    response: { status: 200 },
  },
  {
    method: 'POST',
    path: '/v1/accept',
    fn: 'api',
    auth: { none: "The accept form's POST (application/x-www-form-urlencoded: token, csrf, name, password), checked by its token and its CSRF cookie." },
    summary: "Creates the invitee's Logto user, accepts the invitation, and redirects (303) to the app's sign-in",
    throttle: { rateLimit: 5, burstLimit: 20 },
    response: { status: 303 },
  },
  {
    method: 'POST',
    path: '/v1/webhooks/logto',
    fn: 'webhook',
    auth: { none: 'Logto cannot send a bearer token; every delivery is verified by its HMAC-SHA256 signature.' },
    summary: 'Receives Logto webhooks (PostRegister, User.Created, PostSignIn)',
    response: { status: 200 },
  },
  {
    method: 'GET',
    path: '/v1/health',
    fn: 'api',
    auth: { none: 'Liveness probe; reveals nothing.' },
    summary: 'Liveness',
    response: { status: 200, schema: healthSchema },
  },
  {
    method: 'GET',
    path: '/v1/openapi.json',
    fn: 'api',
    auth: { none: 'The public API description.' },
    summary: 'This document',
    response: { status: 200 },
  },
  // The admin console (a single-page app) from the API's own origin: its files, its client-side routes
  // (index.html) and its runtime configuration (`config.json`). See handlers/console.ts.
  {
    method: 'GET',
    path: '/console',
    fn: 'console',
    auth: { none: "The admin console's static files; every API call it makes carries the admin's token." },
    summary: 'The admin console',
    response: { status: 200 },
    openapi: false,
  },
  {
    method: 'GET',
    path: '/console/{proxy+}',
    fn: 'console',
    auth: { none: "The admin console's static files; every API call it makes carries the admin's token." },
    summary: "The admin console's files, client-side routes and config.json",
    response: { status: 200 },
    openapi: false,
  },
] as const satisfies readonly Route[];

export type RouteKey = `${(typeof routes)[number]['method']} ${(typeof routes)[number]['path']}`;

export const routeKey = (route: Pick<Route, 'method' | 'path'>) => `${route.method} ${route.path}` as RouteKey;

function decodeSegment(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

/** A route path's parameters: `{name}` one segment, `{name+}` (greedy, last only) the rest of the path. */
const isGreedy = (part: string | undefined) => part !== undefined && part.startsWith('{') && part.endsWith('+}');

function decodedOrThrow(segment: string): string {
  const decoded = decodeSegment(segment);
  if (decoded === undefined) throw new AppError('request.bad_path', 400, 'The path is not validly percent-encoded.');
  return decoded;
}

/** The path parameters when `segments` fit the route's `pattern`, else undefined. */
function fit(pattern: readonly string[], segments: readonly string[]): Record<string, string> | undefined {
  const greedyAt = isGreedy(pattern.at(-1)) ? pattern.length - 1 : undefined;
  if (greedyAt === undefined ? pattern.length !== segments.length : segments.length <= greedyAt) return undefined;
  const pathParameters: Record<string, string> = {};
  for (let i = 0; i < (greedyAt ?? pattern.length); i += 1) {
    const part = pattern[i]!;
    const segment = segments[i]!;
    if (!part.startsWith('{')) {
      if (part !== segment) return undefined;
      continue;
    }
    if (!segment) return undefined;
    pathParameters[part.slice(1, -1)] = decodedOrThrow(segment);
  }
  // A greedy variable takes every segment left, each decoded; a trailing slash leaves it empty.
  if (greedyAt !== undefined) pathParameters[pattern[greedyAt]!.slice(1, -2)] = segments.slice(greedyAt).map(decodedOrThrow).join('/');
  return pathParameters;
}

/** A route table with each path split, routes with a greedy variable last: API Gateway tries them last. */
const patternsOf = (table: readonly Route[]) =>
  table
    .map((route) => ({ route, pattern: route.path.split('/') }))
    .sort((a, b) => Number(isGreedy(a.pattern.at(-1))) - Number(isGreedy(b.pattern.at(-1))));
const patterns = new WeakMap<readonly Route[], ReturnType<typeof patternsOf>>();

/**
 * Matches a request to a route the way API Gateway does: literal segments, `{name}` parameters, and a
 * greedy `{name+}` last, which gets only what no route without one matches (with the request's method).
 */
export function matchRoute(
  method: string,
  path: string,
  table: readonly Route[] = routes,
): { route: Route; pathParameters: Record<string, string> } | { allowed: string[] } | undefined {
  const segments = path.split('/');
  const allowed = new Set<string>();
  let sorted = patterns.get(table);
  if (!sorted) patterns.set(table, (sorted = patternsOf(table)));
  for (const { route, pattern } of sorted) {
    const pathParameters = fit(pattern, segments);
    if (!pathParameters) continue;
    if (route.method === method) return { route, pathParameters };
    allowed.add(route.method);
  }
  return allowed.size > 0 ? { allowed: [...allowed] } : undefined;
}
