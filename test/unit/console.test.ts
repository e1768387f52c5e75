/**
 * The console function's own configuration as the stack sets it (lambdas/composition/aws/console.ts), and
 * the parts of its handler a browser's request headers decide. Serving over HTTP: test/integration/console.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { consoleNotConfigured, consoleSettingsFromEnv } from '../../lambdas/composition/aws/console.ts';
import { chooseEncoding, consoleConfig, contentTypeOf, htmlHeaders } from '../../lambdas/handlers/console.ts';

const deployed = { LOGTO_ENDPOINT: 'https://acme.logto.app/', ADMIN_AUDIENCE: 'https://invitations.acme.example/api', CONSOLE_APP_ID: 'spa123' };

describe('the console function\'s environment', () => {
  it('gives config.json the Logto endpoint (no trailing slash), the app, the API resource and the admin scopes', () => {
    // Act
    const config = consoleConfig(consoleSettingsFromEnv(deployed));

    // Assess
    expect(config).toEqual({
      configured: true,
      logtoEndpoint: 'https://acme.logto.app',
      appId: 'spa123',
      resource: 'https://invitations.acme.example/api',
      scopes: ['invitations:read', 'invitations:write'],
      apiBaseUrl: '',
    });
  });

  it('without CONSOLE_APP_ID, says the console is not configured and how to configure it, and nothing else', () => {
    // Act
    const config = consoleConfig(consoleSettingsFromEnv({ ...deployed, CONSOLE_APP_ID: '' }));

    // Assess
    expect(config).toEqual({ configured: false, reason: consoleNotConfigured });
    expect(consoleNotConfigured).toMatch(/Single Page App.*\/callback.*consoleAppId/);
  });

  it('fails at cold start naming every bad or missing variable', () => {
    expect(() => consoleSettingsFromEnv({ LOGTO_ENDPOINT: 'acme.logto.app' })).toThrow(
      'Invalid configuration: LOGTO_ENDPOINT: Invalid URL; ADMIN_AUDIENCE: Required',
    );
    expect(() => consoleSettingsFromEnv({ ...deployed, LOGTO_ENDPOINT: 'ftp://acme.logto.app' })).toThrow(/LOGTO_ENDPOINT/);
  });
});

describe('the page policy', () => {
  it("names Logto by its origin only, whatever path the endpoint has", () => {
    const policy = htmlHeaders('https://auth.acme.example/tenant-a')['content-security-policy']!;
    expect(policy).toContain("connect-src 'self' https://auth.acme.example;");
    expect(policy).toContain("form-action 'self' https://auth.acme.example");
    expect(policy).not.toContain('tenant-a');
  });
});

describe('content negotiation', () => {
  it.each([
    ['gzip, deflate, br, zstd', 'br'],
    ['gzip, deflate', 'gzip'],
    ['br;q=0, gzip;q=0.5', 'gzip'],
    ['BR', 'br'],
    ['gzip;q=0', undefined],
    ['identity', undefined],
    [undefined, undefined],
  ] as const)('Accept-Encoding %j -> %s', (header, expected) => {
    expect(chooseEncoding(header)).toBe(expected);
  });

  it('types files by extension, unknown ones as bytes', () => {
    expect(['index.html', 'assets/a.js', 'assets/a.css', 'a.webmanifest', 'assets/f.woff2', 'README', 'x.unknown'].map(contentTypeOf)).toEqual([
      'text/html; charset=utf-8',
      'text/javascript; charset=utf-8',
      'text/css; charset=utf-8',
      'application/manifest+json; charset=utf-8',
      'font/woff2',
      'application/octet-stream',
      'application/octet-stream',
    ]);
  });
});
