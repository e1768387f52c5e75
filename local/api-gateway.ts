/**
 * A local stand-in for API Gateway's HTTP API: turns Node HTTP requests into payload-v2 events for the
 * same Lambda handlers that are deployed, and their results back into HTTP responses.
 */
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { matchRoute, routeKey, type Route } from '../lambdas/handlers/http/routes.ts';

export type LambdaHttpHandler = (event: APIGatewayProxyEventV2, context: Context) => Promise<APIGatewayProxyStructuredResultV2>;

/** API Gateway refuses payloads over 10 MB before any Lambda runs. */
const payloadLimitBytes = 10 * 1024 * 1024;

export async function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > payloadLimitBytes) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

export function toEvent(req: IncomingMessage, body: Buffer, route: Route | undefined, pathParameters: Record<string, string>): APIGatewayProxyEventV2 {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(',') : value;
  }
  // Payload v2 moves the Cookie header into `cookies`.
  const cookies = headers.cookie?.split(';').map((cookie) => cookie.trim()).filter(Boolean);
  delete headers.cookie;
  const query: Record<string, string> = {};
  for (const [name, value] of url.searchParams) query[name] = name in query ? `${query[name]},${value}` : value;
  const textual = /json|text|x-www-form-urlencoded/.test(headers['content-type'] ?? 'application/json');
  const now = new Date();
  return {
    version: '2.0',
    routeKey: route ? routeKey(route) : '$default',
    rawPath: url.pathname,
    rawQueryString: url.search.slice(1),
    ...(cookies && cookies.length > 0 && { cookies }),
    headers,
    ...(Object.keys(query).length > 0 && { queryStringParameters: query }),
    ...(Object.keys(pathParameters).length > 0 && { pathParameters }),
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      domainName: headers.host ?? 'localhost',
      domainPrefix: 'local',
      http: {
        method: req.method ?? 'GET',
        path: url.pathname,
        protocol: `HTTP/${req.httpVersion}`,
        sourceIp: req.socket.remoteAddress ?? '127.0.0.1',
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: randomUUID(),
      routeKey: route ? routeKey(route) : '$default',
      stage: '$default',
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
    },
    ...(body.length > 0 && { body: textual ? body.toString('utf8') : body.toString('base64') }),
    isBase64Encoded: body.length > 0 && !textual,
  };
}

function lambdaContext(): Context {
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: 'local',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:local:000000000000:function:local',
    memoryLimitInMB: '512',
    awsRequestId: randomUUID(),
    logGroupName: 'local',
    logStreamName: 'local',
    getRemainingTimeInMillis: () => 30_000,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

function send(res: ServerResponse, status: number, body: string, headers: Record<string, string | number | boolean> = {}) {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
  res.end(body);
}

/**
 * Routes a request to the handler serving it (by the route table's `fn`), or returns false when no
 * API route matches so the caller can serve its own pages.
 */
export async function dispatch(
  req: IncomingMessage,
  res: ServerResponse,
  handlers: Record<Route['fn'], LambdaHttpHandler>,
): Promise<boolean> {
  const path = new URL(req.url ?? '/', 'http://localhost').pathname;
  let match: ReturnType<typeof matchRoute>;
  try {
    match = matchRoute(req.method ?? 'GET', path);
  } catch (error) {
    send(res, 400, JSON.stringify({ code: 'request.bad_path', message: error instanceof Error ? error.message : 'The path is not valid.' }));
    return true;
  }
  if (!match) return false;
  if (!('route' in match)) {
    send(res, 405, JSON.stringify({ code: 'route.method_not_allowed', message: `Use ${match.allowed.join(' or ')}.` }), {
      allow: match.allowed.join(', '),
    });
    return true;
  }
  const body = await readBody(req);
  if (!body) {
    send(res, 413, JSON.stringify({ message: 'Request Entity Too Large' }));
    return true;
  }
  const result = await handlers[match.route.fn](toEvent(req, body, match.route, match.pathParameters), lambdaContext());
  const payload = result.isBase64Encoded ? Buffer.from(result.body ?? '', 'base64') : (result.body ?? '');
  const headers: Record<string, string | string[]> = Object.fromEntries(Object.entries(result.headers ?? {}).map(([k, v]) => [k, String(v)]));
  // Payload v2 results set cookies in `cookies`, one Set-Cookie header each.
  if (result.cookies && result.cookies.length > 0) headers['set-cookie'] = result.cookies;
  res.writeHead(result.statusCode ?? 200, headers);
  res.end(payload);
  return true;
}
