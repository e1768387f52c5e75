import { describe, expect, it } from 'vitest';
import { AppError } from '../../lambdas/domain/errors.ts';
import { consoleScopes } from '../../lambdas/handlers/console.ts';
import { matchRoute, routes, scopes, type Route } from '../../lambdas/handlers/http/routes.ts';

const route = (method: Route['method'], path: string): Route => ({ method, path, fn: 'api', auth: { none: 'test' }, summary: path, response: { status: 200 } });
const matched = (match: ReturnType<typeof matchRoute>) => (match && 'route' in match ? { path: match.route.path, method: match.route.method, params: match.pathParameters } : match);

describe('matchRoute', () => {
  it('matches literal segments before parameters and extracts path parameters', () => {
    const match = matchRoute('POST', '/v1/invitations/inv_abc/resend');
    expect(match && 'route' in match && match.route.path).toBe('/v1/invitations/{id}/resend');
    expect(match && 'route' in match && match.pathParameters).toEqual({ id: 'inv_abc' });
  });

  it('reports the allowed methods for a known path with the wrong method', () => {
    expect(matchRoute('DELETE', '/v1/invitations/inv_abc')).toEqual({ allowed: ['GET'] });
  });

  it('does not match unknown paths or empty parameters', () => {
    expect(matchRoute('GET', '/v1/nope')).toBeUndefined();
    expect(matchRoute('GET', '/v1/invitations//events')).toBeUndefined();
  });

  it('leaves only the webhook, the accept page, asking for an invitation, the console and public routes without a scope', () => {
    const open = routes.filter((route) => 'none' in route.auth).map((route) => `${route.method} ${route.path}`);
    expect(open.sort()).toEqual([
      'GET /console',
      'GET /console/{proxy+}',
      'GET /v1/accept',
      'GET /v1/health',
      'GET /v1/openapi.json',
      'GET /v1/request-access',
      'POST /v1/accept',
      'POST /v1/access-requests',
      'POST /v1/webhooks/logto',
    ]);
  });
});

describe('matchRoute, a greedy {proxy+}', () => {
  it('gives a greedy route only what no other route of the same method matches, whatever the order of the table', () => {
    // Prepare: the greedy route first in the table, so order alone would pick it.
    const table = [route('GET', '/files/{proxy+}'), route('GET', '/files/{id}'), route('POST', '/files/{id}/copy')];

    // Act / Assess
    expect(matched(matchRoute('GET', '/files/abc', table))).toEqual({ path: '/files/{id}', method: 'GET', params: { id: 'abc' } });
    expect(matched(matchRoute('GET', '/files/abc/def', table))).toEqual({ path: '/files/{proxy+}', method: 'GET', params: { proxy: 'abc/def' } });
    // API Gateway matches route and method together: a POST-only route does not keep a GET from the greedy one.
    expect(matched(matchRoute('GET', '/files/abc/copy', table))).toMatchObject({ path: '/files/{proxy+}', params: { proxy: 'abc/copy' } });
    expect(matchRoute('DELETE', '/files/abc/copy', table)).toEqual({ allowed: ['POST', 'GET'] });
    // A greedy variable needs the segment it stands for; a trailing slash gives it an empty one.
    expect(matchRoute('GET', '/files', table)).toBeUndefined();
    expect(matched(matchRoute('GET', '/files/', table))).toMatchObject({ path: '/files/{proxy+}', params: { proxy: '' } });
    expect(matched(matchRoute('GET', '/files/a%20b/%C3%A9', table))).toMatchObject({ path: '/files/{proxy+}', params: { proxy: 'a b/é' } });
    expect(() => matchRoute('GET', '/files/a/%zz', table)).toThrow(AppError);
  });
});

describe('the console routes', () => {
  it('take the console itself and every path below it to the console function, the rest of the path decoded', () => {
    expect(matched(matchRoute('GET', '/console'))).toEqual({ path: '/console', method: 'GET', params: {} });
    expect(matched(matchRoute('GET', '/console/invitations/inv_abc'))).toEqual({ path: '/console/{proxy+}', method: 'GET', params: { proxy: 'invitations/inv_abc' } });
    expect(matched(matchRoute('GET', '/console/assets/index-B1lE_z5V.js'))).toMatchObject({ params: { proxy: 'assets/index-B1lE_z5V.js' } });
    // A trailing slash is the console too, with nothing after it.
    expect(matched(matchRoute('GET', '/console/'))).toMatchObject({ path: '/console/{proxy+}', params: { proxy: '' } });
    for (const path of ['/console', '/console/', '/console/callback']) {
      expect(matchRoute('GET', path)).toSatisfy((match) => match !== undefined && 'route' in match && match.route.fn === 'console');
    }
  });

  it('answer another method with what is allowed, and leave look-alike paths unmatched', () => {
    expect(matchRoute('POST', '/console/invitations')).toEqual({ allowed: ['GET'] });
    expect(matchRoute('POST', '/console')).toEqual({ allowed: ['GET'] });
    expect(matchRoute('GET', '/consoles')).toBeUndefined();
    expect(matchRoute('GET', '/v1/console/x')).toBeUndefined();
  });

  it('are left out of the OpenAPI document only, and the console asks tokens for exactly the admin scopes', () => {
    const consoleRoutes = (routes as readonly Route[]).filter((candidate) => candidate.fn === 'console');
    expect(consoleRoutes.map((candidate) => [candidate.method, candidate.path, candidate.openapi])).toEqual([
      ['GET', '/console', false],
      ['GET', '/console/{proxy+}', false],
    ]);
    expect(consoleScopes).toEqual([scopes.read, scopes.write]);
  });
});
