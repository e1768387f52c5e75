/**
 * A small router and the request helpers every route shares: body parsing, zod guards that fail like
 * Logto's `koaGuard`, and pagination like its `koaPagination` (`Total-Number` and `Link` headers).
 */
import type { IncomingHttpHeaders } from 'node:http';

import type { z } from 'zod';

import { fail } from './errors.ts';

export interface Context {
  method: string;
  url: URL;
  /** The path within the router's mount point (Logto's management routes see `/users`, not `/api/users`). */
  path: string;
  /** The route pattern that matched, e.g. `/users/:userId` (Logto's `matchedRoute`). */
  matchedRoute: string;
  params: Record<string, string>;
  headers: IncomingHttpHeaders;
  rawBody: string;
  ip: string;
  userAgent: string | undefined;
  /** Queues work to run once the response has been sent: Logto fires webhooks after answering. */
  afterResponse(task: () => void): void;
}

export interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string | string[]>;
}

export type Handler = (ctx: Context) => Reply | Promise<Reply>;

interface Route {
  method: string;
  pattern: string;
  regex: RegExp;
  keys: string[];
  handler: Handler;
}

export class Router {
  private readonly routes: Route[] = [];

  add(method: string, pattern: string, handler: Handler): this {
    const keys: string[] = [];
    const source = pattern.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/:(\w+)/g, (_, key: string) => {
      keys.push(key);
      return '([^/]+)';
    });
    this.routes.push({ method, pattern, regex: new RegExp(`^${source}/?$`), keys, handler });
    return this;
  }

  get = (pattern: string, handler: Handler) => this.add('GET', pattern, handler);
  post = (pattern: string, handler: Handler) => this.add('POST', pattern, handler);
  put = (pattern: string, handler: Handler) => this.add('PUT', pattern, handler);
  patch = (pattern: string, handler: Handler) => this.add('PATCH', pattern, handler);
  delete = (pattern: string, handler: Handler) => this.add('DELETE', pattern, handler);

  match(method: string, path: string) {
    for (const route of this.routes) {
      if (route.method !== method) continue;
      const found = route.regex.exec(path);
      if (!found) continue;
      const params = Object.fromEntries(route.keys.map((key, index) => [key, decodeURIComponent(found[index + 1] ?? '')]));
      return { handler: route.handler, pattern: route.pattern, params };
    }
    return undefined;
  }
}

/** A path parameter of the matched route. */
export function param(ctx: Context, name: string): string {
  const value = ctx.params[name];
  if (value === undefined) throw new Error(`route ${ctx.matchedRoute} has no :${name}`);
  return value;
}

export const json = (status: number, body?: unknown, headers?: Reply['headers']): Reply => ({ status, body, headers });

/** The JSON body; an empty body reads as `{}` like koa-body. */
export function jsonBody(ctx: Context): unknown {
  if (ctx.rawBody.trim() === '') return {};
  try {
    return JSON.parse(ctx.rawBody) as unknown;
  } catch (error) {
    return fail('guard.invalid_input', { vars: { type: 'body' }, details: (error as Error).message });
  }
}

type GuardTarget = 'body' | 'query' | 'params';

/** Parses `value` with `schema` (unknown keys are dropped, as Logto's zod guards do) or fails with 400. */
export function guard<T extends z.ZodType>(schema: T, value: unknown, type: GuardTarget): z.infer<T> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const details = result.error.issues
    .map((issue) => `Error in key path "${issue.path.map(String).join('.')}": (${issue.code}) ${issue.message}`)
    .join('\n');
  return fail('guard.invalid_input', { vars: { type }, data: { issues: result.error.issues }, details });
}

export const guardBody = <T extends z.ZodType>(schema: T, ctx: Context) => guard(schema, jsonBody(ctx), 'body');
export const guardQuery = <T extends z.ZodType>(schema: T, ctx: Context) =>
  guard(schema, Object.fromEntries(ctx.url.searchParams), 'query');

interface ListOptions {
  /**
   * Logto's `koaPagination({ isOptional: true })`: without `page` and `page_size` the whole list comes back
   * and no pagination headers are sent.
   */
  optional?: boolean;
  /** What `Total-Number` reports; some Logto routes count the whole table, ignoring filters. */
  totalCount?: number;
}

/** Answers one page of `items` (already filtered and sorted) with Logto's pagination headers. */
export function listReply<T>(ctx: Context, items: T[], { optional = false, totalCount = items.length }: ListOptions = {}): Reply {
  const page = ctx.url.searchParams.get('page');
  const pageSize = ctx.url.searchParams.get('page_size');
  if (optional && !page && !pageSize) return json(200, items);

  const pageNumber = page ? Number(page) : 1;
  const limit = pageSize ? Number(pageSize) : 20;
  const positive = (value: number) => Number.isFinite(value) && value > 0;
  if (!positive(pageNumber) || !positive(limit) || limit > 100) fail('guard.invalid_pagination');

  const offset = (pageNumber - 1) * limit;
  const totalPages = Math.ceil(totalCount / limit) || 1;
  const link = (target: number, rel: string) => {
    const url = new URL(ctx.url);
    url.searchParams.set('page', String(target));
    return `<${url.href}>; rel="${rel}"`;
  };
  const links = [link(1, 'first'), link(totalPages, 'last')];
  if (pageNumber > 1) links.push(link(pageNumber - 1, 'prev'));
  if (pageNumber < totalPages) links.push(link(pageNumber + 1, 'next'));

  return json(200, items.slice(offset, offset + limit), { 'Total-Number': String(totalCount), Link: links });
}

/** Newest first, like Logto's `order by created_at desc`; of equal times, the later insert first. */
export const newestFirst = <T extends { createdAt: number }>(items: readonly T[]) =>
  [...items].reverse().sort((a, b) => b.createdAt - a.createdAt);

/** The value of the first cookie called `name` that the request carries. */
export function readCookie(ctx: Context, name: string): string | undefined {
  for (const pair of (ctx.headers.cookie ?? '').split(';')) {
    const separator = pair.indexOf('=');
    if (separator > 0 && pair.slice(0, separator).trim() === name) return decodeURIComponent(pair.slice(separator + 1).trim());
  }
  return undefined;
}

/**
 * A `Set-Cookie` value like oidc-provider's under Logto's cookie options (`HttpOnly`, `SameSite=Lax`);
 * `maxAgeSeconds: 0` removes the cookie.
 */
export function cookie(name: string, value: string, { path = '/', maxAgeSeconds }: { path?: string; maxAgeSeconds: number }): string {
  return `${name}=${encodeURIComponent(value)}; Path=${path}; Max-Age=${maxAgeSeconds}; HttpOnly; SameSite=Lax`;
}

/** An HTML page, never cached (sign-in and sign-out pages carry per-request state). */
export const html = (status: number, body: string, headers: Reply['headers'] = {}): Reply => ({
  status,
  body,
  headers: { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store', ...headers },
});

/** A `303 See Other` to `location` (how oidc-provider and Logto's pages move the browser on). */
export const seeOther = (location: string, headers: Reply['headers'] = {}): Reply => ({ status: 303, headers: { Location: location, ...headers } });
