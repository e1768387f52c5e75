/** The shape every route handler of the API function has: the call in, the HTTP result out. */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type { Actor } from '../../domain/ports.ts';
import type { HttpResult } from './respond.ts';
import type { RouteKey } from './routes.ts';

export interface Call {
  event: APIGatewayProxyEventV2;
  params: Record<string, string>;
  actor: Actor;
}

export type RouteHandler = (call: Call) => Promise<HttpResult>;

export type RouteHandlers = Partial<Record<RouteKey, RouteHandler>>;
