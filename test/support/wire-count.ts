/**
 * Counts the HTTP calls this process makes to DynamoDB and Logto, by what they are (`dynamodb.PutItem`,
 * `logto GET /api/users`), from Node's diagnostics channels: node:http's (the AWS SDK) and undici's (`fetch`, the
 * Logto client). What the code really sends, with nothing of it wrapped.
 */
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import type { ClientRequest } from 'node:http';

export function countWire(urls: { logto: string }) {
  const counts = new Map<string, number>();
  const logto = new URL(urls.logto).origin;
  const add = (name: string) => counts.set(name, (counts.get(name) ?? 0) + 1);
  const classify = (origin: string, method: string, path: string, target: unknown) => {
    if (typeof target === 'string' && target.startsWith('DynamoDB_')) return add(`dynamodb.${target.split('.')[1]}`);
    if (origin === logto) add(`logto ${method} ${path.split('?')[0]!.replace(/\/api\/([\w-]+)\/[^/]+/, '/api/$1/:id')}`);
  };
  const onHttp = (message: unknown) => {
    const request = (message as { request: ClientRequest }).request;
    classify(`http://${String(request.getHeader('host'))}`, request.method, request.path, request.getHeader('x-amz-target'));
  };
  const onFetch = (message: unknown) => {
    const { request } = message as { request: { origin: string; method: string; path: string } };
    classify(request.origin, request.method, request.path, undefined);
  };
  subscribe('http.client.request.start', onHttp);
  subscribe('undici:request:create', onFetch);
  return {
    counts: () => Object.fromEntries(counts),
    reset: () => counts.clear(),
    stop: () => {
      unsubscribe('http.client.request.start', onHttp);
      unsubscribe('undici:request:create', onFetch);
    },
  };
}
