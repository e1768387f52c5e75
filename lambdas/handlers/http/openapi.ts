/**
 * OpenAPI 3.1, generated from the route table (its API routes, not the console's files) and the same zod
 * schemas that validate requests. Served at `GET /v1/openapi.json` and checked in as `openapi.json` (a
 * test keeps the two equal).
 */
import * as z from 'zod';
import { routes, type Route } from './routes.ts';
import { errorSchema } from './schemas.ts';

const errorResponses: Record<string, string> = {
  '400': 'Malformed JSON',
  '401': 'Missing, invalid or expired access token',
  '403': 'The token lacks the scope',
  '404': 'Unknown invitation',
  '409': 'State conflict',
  '413': 'Body too large',
  '422': 'Validation failed; details name each field',
  '503': 'Logto or SES unavailable; retry (with the same Idempotency-Key)',
};

/**
 * Inline JSON Schema for a zod schema. Schemas named with `.meta({ id })` are hoisted into
 * `components.schemas` (collected in `components`) and referenced from there.
 */
function schemaOf(schema: z.ZodType, io: 'input' | 'output', components: Record<string, unknown>) {
  const generated = z.toJSONSchema(schema, { io, target: 'draft-2020-12', unrepresentable: 'any' });
  const rewritten = JSON.parse(JSON.stringify(generated).replaceAll('"#/$defs/', '"#/components/schemas/')) as Record<string, unknown>;
  const { $schema: _schema, $defs, id, ...rest } = rewritten as Record<string, unknown> & { $defs?: Record<string, unknown>; id?: string };
  for (const [name, def] of Object.entries($defs ?? {})) components[name] ??= def;
  if (typeof id === 'string') {
    components[id] ??= rest;
    return { $ref: `#/components/schemas/${id}` };
  }
  return rest;
}

function operation(route: Route, components: Record<string, unknown>) {
  const secured = 'scope' in route.auth;
  const parameters = [
    ...[...route.path.matchAll(/\{(\w+)\}/g)].map((m) => ({ name: m[1], in: 'path', required: true, schema: { type: 'string' } })),
    ...(route.query
      ? Object.entries((schemaOf(route.query, 'input', components).properties ?? {}) as Record<string, unknown>).map(([name, schema]) => ({
          name,
          in: 'query',
          required: false,
          schema,
        }))
      : []),
    ...(route.method === 'POST' && secured
      ? [{ name: 'Idempotency-Key', in: 'header', required: false, schema: { type: 'string', maxLength: 255 } }]
      : []),
  ];
  const errors = secured
    ? Object.fromEntries(
        Object.entries(errorResponses).map(([status, description]) => [
          status,
          { description, content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } },
        ]),
      )
    : {};
  return {
    summary: route.summary,
    ...(secured ? { security: [{ logto: [(route.auth as { scope: string }).scope] }] } : { security: [], description: (route.auth as { none: string }).none }),
    ...(parameters.length > 0 && { parameters }),
    ...(route.body && {
      requestBody: {
        required: true,
        content: {
          'application/json': { schema: schemaOf(route.body, 'input', components) },
          ...(route.csv && { 'text/csv': { schema: { type: 'string', description: route.csv } } }),
        },
      },
    }),
    responses: {
      [route.response.status]: {
        description: 'OK',
        ...(route.response.schema && { content: { 'application/json': { schema: schemaOf(route.response.schema, 'output', components) } } }),
      },
      ...(route.dryRun && {
        [route.dryRun.status]: {
          description: 'With dryRun=true: the checks alone; nothing was changed',
          content: { 'application/json': { schema: schemaOf(route.dryRun.schema, 'output', components) } },
        },
      }),
      ...errors,
    },
  };
}

export function openApiDocument(serverUrl?: string) {
  const components: Record<string, unknown> = {};
  schemaOf(errorSchema, 'output', components);
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of (routes as readonly Route[]).filter((candidate) => candidate.openapi !== false)) {
    paths[route.path] = { ...paths[route.path], [route.method.toLowerCase()]: operation(route, components) };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'logto-invitations',
      version: '1.0.0',
      description: 'Invitation-only registration for Logto: create, list, resend and revoke invitations.',
    },
    ...(serverUrl && { servers: [{ url: serverUrl }] }),
    paths,
    components: {
      schemas: components,
      securitySchemes: {
        logto: {
          type: 'oauth2',
          description: 'A Logto access token for the API resource: invitations:read / invitations:write for admins and their tools, invitations:refer for signed-in users of the app (referrals).',
          flows: {
            clientCredentials: { tokenUrl: '/oidc/token', scopes: { 'invitations:read': 'Read invitations', 'invitations:write': 'Create, resend and revoke invitations' } },
            authorizationCode: { authorizationUrl: '/oidc/auth', tokenUrl: '/oidc/token', scopes: { 'invitations:refer': 'Invite others (a signed-in user)' } },
          },
        },
      },
    },
  };
}
