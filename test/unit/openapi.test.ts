import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { openApiDocument } from '../../lambdas/handlers/http/openapi.ts';
import { routes, type Route } from '../../lambdas/handlers/http/routes.ts';

describe('openapi.json', () => {
  it('is checked in as generated from the zod schemas (run `npm run openapi` after changing them)', () => {
    const checkedIn = JSON.parse(readFileSync(new URL('../../openapi.json', import.meta.url), 'utf8'));
    expect(checkedIn).toEqual(JSON.parse(JSON.stringify(openApiDocument())));
  });

  it("is what the console's types are generated from (console/src/schema.d.ts, also written by `npm run openapi`)", async () => {
    const { default: openapiTS, astToString, COMMENT_HEADER } = await import('openapi-typescript');
    const generated = COMMENT_HEADER + astToString(await openapiTS(JSON.parse(JSON.stringify(openApiDocument()))));
    expect(readFileSync(new URL('../../console/src/schema.d.ts', import.meta.url), 'utf8')).toBe(generated);
  });

  it('describes every API route, and secures exactly the ones with a scope', () => {
    const document = openApiDocument();
    for (const route of (routes as readonly Route[]).filter((candidate) => candidate.openapi !== false)) {
      const operation = (document.paths[route.path] as Record<string, { security: unknown[] }>)[route.method.toLowerCase()];
      expect(operation, `${route.method} ${route.path}`).toBeDefined();
      expect(operation!.security.length > 0).toBe('scope' in route.auth);
    }
  });

  it("leaves out the console's files: they are pages, not the API", () => {
    const documented = Object.keys(openApiDocument().paths);
    expect(documented.filter((path) => path.startsWith('/console'))).toEqual([]);
    expect((routes as readonly Route[]).filter((route) => route.openapi === false).map((route) => route.path)).toEqual(['/console', '/console/{proxy+}']);
  });

  it('publishes the create body with its limits', () => {
    const schema = openApiDocument().components.schemas.CreateInvitation as {
      required: string[];
      properties: Record<string, { minimum?: number; maximum?: number; format?: string }>;
      additionalProperties: boolean;
    };
    expect(schema.required).toEqual(['email']);
    expect(schema.properties.email?.format).toBe('email');
    expect(schema.properties.expiresIn).toMatchObject({ minimum: 300, maximum: 2_592_000 });
    expect(schema.additionalProperties).toBe(false);
  });
});
