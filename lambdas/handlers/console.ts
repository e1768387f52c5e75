/**
 * The admin console's Lambda (API Gateway HTTP API, payload v2): the single-page app built into
 * `console/dist`, served from the API's own origin, and its runtime configuration.
 *
 * - `GET /console/config.json`: where the SPA signs admins in (Logto, its app, the API resource). Ids only,
 *   never a secret; when no Logto app is set, it says so, and how to set one.
 * - A file of the build: itself. Hashed `assets/*` may be cached for good; anything else is revalidated.
 * - A missing `assets/*` file: 404 (a stale page asking for an old hash must not get HTML as script).
 * - Any other path (`/console/invitations/inv_…`, `/console/callback`): `index.html`, whose router takes it.
 * - No build at all: 503, a page saying how to build it.
 *
 * A static file server and nothing else: it imports no invitation library, no zod, no AWS SDK.
 */
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { createHash } from 'node:crypto';
import { brotliCompressSync, constants as zlib, gzipSync } from 'node:zlib';

/** The built console: file paths relative to its root (`index.html`, `assets/index-B1lE_z5V.js`). */
export interface StaticFiles {
  /** The files, or undefined while there is no build (no `index.html`). Cheap to call per request. */
  load(): ReadonlyMap<string, Buffer> | undefined;
}

export interface ConsoleSettings {
  /** The Logto instance admins sign in at; its origin is the only other one the page may talk to. */
  logtoEndpoint: string;
  /** The API resource (indicator) the console asks tokens for: the API's admin audience. */
  resource: string;
  /** The Logto single-page app of the console. Without it the console is not configured. */
  appId?: string;
  /** What config.json tells the SPA when `appId` is missing: how to set one, where this runs. */
  notConfigured: string;
}

export interface ConsoleDeps {
  files: StaticFiles;
  settings: ConsoleSettings;
}

/** The admin API's scopes (routes.ts `scopes.read`, `scopes.write`; a test keeps them equal). */
export const consoleScopes = ['invitations:read', 'invitations:write'] as const;

/** What `GET /console/config.json` answers. `apiBaseUrl` empty: the API is this page's own origin. */
export type ConsoleConfig =
  | { configured: true; logtoEndpoint: string; appId: string; resource: string; scopes: string[]; apiBaseUrl: string }
  | { configured: false; reason: string };

export function consoleConfig(settings: ConsoleSettings): ConsoleConfig {
  if (!settings.appId) return { configured: false, reason: settings.notConfigured };
  return {
    configured: true,
    logtoEndpoint: settings.logtoEndpoint,
    appId: settings.appId,
    resource: settings.resource,
    scopes: [...consoleScopes],
    apiBaseUrl: '',
  };
}

const contentTypes: Record<string, string> = {
  html: 'text/html; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  mjs: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
  json: 'application/json; charset=utf-8',
  map: 'application/json; charset=utf-8',
  webmanifest: 'application/manifest+json; charset=utf-8',
  txt: 'text/plain; charset=utf-8',
  svg: 'image/svg+xml',
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  webp: 'image/webp',
  avif: 'image/avif',
  ico: 'image/x-icon',
  woff: 'font/woff',
  woff2: 'font/woff2',
  wasm: 'application/wasm',
};

export const contentTypeOf = (path: string) => contentTypes[/\.([a-z0-9]+)$/i.exec(path)?.[1]?.toLowerCase() ?? ''] ?? 'application/octet-stream';

/** Text is worth compressing: API Gateway's HTTP APIs do not, and the script is most of the page's weight. */
const compressible = (contentType: string) => /^text\/|javascript|json|svg|xml/.test(contentType);
const compressFrom = 1024;

export const immutable = 'public, max-age=31536000, immutable';

/** Every answer: the browser takes the declared type, never a sniffed one. */
const baseHeaders = { 'x-content-type-options': 'nosniff' };

/**
 * The page's headers: scripts only from this origin; inline styles allowed because the email preview
 * renders the email's own inline styles in a `srcdoc` frame (which inherits this policy); images also from
 * data: and https (an email's logo); requests and form posts only here and to Logto; never framed.
 */
export function htmlHeaders(logtoEndpoint: string): Record<string, string> {
  const logto = new URL(logtoEndpoint).origin;
  const policy = [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: https:",
    `connect-src 'self' ${logto}`,
    "object-src 'none'",
    "frame-ancestors 'none'",
    "base-uri 'none'",
    `form-action 'self' ${logto}`,
  ].join('; ');
  return {
    ...baseHeaders,
    'content-security-policy': policy,
    'referrer-policy': 'same-origin',
  };
}

interface Prepared {
  body: Buffer;
  contentType: string;
  etag: string;
  /** Compressed bodies, made on first request for each encoding. */
  encoded: Map<'br' | 'gzip', Buffer>;
}

type Result = APIGatewayProxyStructuredResultV2 & { statusCode: number };

const notBuiltPage = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>The admin console is not built</title></head>
<body><main><h1>The admin console is not built</h1>
<p>There is no <code>console/dist</code> to serve: run <code>npm run build:console</code>, then reload this page.
(<code>npm start</code> builds it before it starts.)</p></main></body></html>
`;

/** The encoding to answer with: brotli, else gzip, as the request accepts them (`q=0` refuses). */
export function chooseEncoding(acceptEncoding: string | undefined): 'br' | 'gzip' | undefined {
  const accepted = new Set(
    (acceptEncoding ?? '')
      .split(',')
      .map((part) => part.trim().toLowerCase().split(';'))
      .filter(([, ...params]) => !params.some((param) => /^\s*q=0(\.0*)?\s*$/.test(param)))
      .map(([name]) => name),
  );
  if (accepted.has('br')) return 'br';
  if (accepted.has('gzip')) return 'gzip';
  return undefined;
}

const compress = (body: Buffer, encoding: 'br' | 'gzip') =>
  // Quality 5: most of brotli's gain at a fraction of its top quality's time, on the first request only.
  encoding === 'br' ? brotliCompressSync(body, { params: { [zlib.BROTLI_PARAM_QUALITY]: 5 } }) : gzipSync(body, { level: 6 });

export function makeConsoleHandler(deps: ConsoleDeps) {
  const { files, settings } = deps;
  const html = htmlHeaders(settings.logtoEndpoint);
  const config = JSON.stringify(consoleConfig(settings));
  // Per build (a local rebuild loads a new map): each file's type, ETag and compressed bodies, made once.
  const prepared = new WeakMap<ReadonlyMap<string, Buffer>, Map<string, Prepared>>();

  function prepare(build: ReadonlyMap<string, Buffer>, path: string): Prepared | undefined {
    let cache = prepared.get(build);
    if (!cache) prepared.set(build, (cache = new Map()));
    const known = cache.get(path);
    if (known) return known;
    const body = build.get(path);
    if (!body) return undefined;
    const file: Prepared = {
      body,
      contentType: contentTypeOf(path),
      etag: `W/"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`,
      encoded: new Map(),
    };
    cache.set(path, file);
    return file;
  }

  function serve(event: APIGatewayProxyEventV2, file: Prepared, cacheControl: string): Result {
    const headers: Record<string, string> = {
      ...(file.contentType.startsWith('text/html') ? html : baseHeaders),
      'content-type': file.contentType,
      'cache-control': cacheControl,
      etag: file.etag,
    };
    const worthCompressing = compressible(file.contentType) && file.body.length >= compressFrom;
    if (worthCompressing) headers.vary = 'accept-encoding';
    if (event.headers?.['if-none-match']?.split(',').some((tag) => tag.trim() === file.etag)) return { statusCode: 304, headers, body: '' };
    const encoding = worthCompressing ? chooseEncoding(event.headers?.['accept-encoding']) : undefined;
    let body = file.body;
    if (encoding) {
      let encoded = file.encoded.get(encoding);
      if (!encoded) file.encoded.set(encoding, (encoded = compress(file.body, encoding)));
      body = encoded;
      headers['content-encoding'] = encoding;
    }
    return { statusCode: 200, headers, body: body.toString('base64'), isBase64Encoded: true };
  }

  return async function handle(event: APIGatewayProxyEventV2): Promise<Result> {
    // `GET /console` has no proxy; `GET /console/{proxy+}` gets the rest of the path, decoded.
    const path = event.pathParameters?.proxy ?? '';
    if (path === 'config.json') {
      return { statusCode: 200, headers: { ...baseHeaders, 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-cache' }, body: config };
    }
    const build = files.load();
    if (!build) {
      return { statusCode: 503, headers: { ...html, 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' }, body: notBuiltPage };
    }
    const file = path === '' ? undefined : prepare(build, path);
    if (file) return serve(event, file, path.startsWith('assets/') ? immutable : 'no-cache');
    if (path.startsWith('assets/')) {
      return {
        statusCode: 404,
        headers: { ...baseHeaders, 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' },
        body: JSON.stringify({ code: 'console.not_found', message: 'No such file of the admin console.' }),
      };
    }
    return serve(event, prepare(build, 'index.html')!, 'no-cache');
  };
}
