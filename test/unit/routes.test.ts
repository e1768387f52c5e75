import { describe, expect, it } from 'vitest';
import { matchRoute, routes } from '../../lambdas/handlers/http/routes.ts';

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

  it('leaves only the webhook, the accept page, asking for an invitation and public routes without a scope', () => {
    const open = routes.filter((route) => 'none' in route.auth).map((route) => `${route.method} ${route.path}`);
    expect(open.sort()).toEqual([
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
