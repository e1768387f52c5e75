/**
 * One response shape and one error handler for every HTTP handler: `{ code, message, details? }`,
 * details only for errors below 500, stack traces only in the logs.
 */
import type { MiddlewareObj } from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import type * as z from 'zod';
import { AppError } from '../../domain/errors.ts';

export type HttpResult = APIGatewayProxyStructuredResultV2 & { statusCode: number; body: string };

/** The part of a logger the handlers use (Powertools' Logger satisfies it). */
export interface Log {
  info(message: string, ...extra: Record<string, unknown>[]): void;
  warn(message: string, ...extra: Record<string, unknown>[]): void;
  error(message: string, ...extra: Record<string, unknown>[]): void;
}

export function json(statusCode: number, body: unknown, headers: Record<string, string> = {}): HttpResult {
  return {
    statusCode,
    headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...headers },
    body: JSON.stringify(body),
  };
}

/** The result with more headers. */
export const withHeaders = (result: HttpResult, headers: Record<string, string>): HttpResult => ({ ...result, headers: { ...result.headers, ...headers } });

export function errorResult(error: unknown, log: Log): HttpResult {
  if (error instanceof AppError && error.expose) {
    if (error.status >= 500) log.warn('upstream failure', { code: error.code, message: error.message });
    const headers: Record<string, string> = error.status === 503 ? { 'retry-after': '5' } : {};
    return json(
      error.status,
      { code: error.code, message: error.message, ...(error.details !== undefined && { details: error.details }) },
      headers,
    );
  }
  log.error('unhandled error', { error: error instanceof Error ? { name: error.name, message: error.message, stack: error.stack } : String(error) });
  return json(500, { code: 'internal.error', message: 'Something went wrong on our side.' });
}

/** Turns any error into the API's error body: the last middleware, so nothing escapes as a Lambda failure. */
export function httpErrors(log: Log): MiddlewareObj<APIGatewayProxyEventV2, HttpResult, Error, Context> {
  return {
    onError: (request) => {
      request.response = errorResult(request.error, log);
    },
  };
}

/** A 422 that names each field that failed and why. */
export function validationError(error: z.ZodError, where: 'body' | 'query' | 'row'): AppError {
  const details = error.issues.map((issue) => ({
    path: issue.code === 'unrecognized_keys' ? issue.keys.join(',') : issue.path.join('.') || where,
    code: issue.code,
    message: issue.code === 'unrecognized_keys' ? `Unknown field(s): ${issue.keys.join(', ')}.` : issue.message,
  }));
  const fields = [...new Set(details.map((d) => d.path))].join(', ');
  return new AppError('request.validation_failed', 422, `Invalid ${where}: ${fields}.`, details);
}

export function parse<T extends z.ZodType>(schema: T, value: unknown, where: 'body' | 'query'): z.output<T> {
  const result = schema.safeParse(value);
  if (!result.success) throw validationError(result.error, where);
  return result.data;
}

export const maxBodyBytes = 64 * 1024;

/** The raw request body as text (API Gateway may hand it over base64-encoded). */
export function rawBody(event: APIGatewayProxyEventV2): string {
  if (!event.body) return '';
  return event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
}

export function parseJsonBody(event: APIGatewayProxyEventV2, maxBytes = maxBodyBytes): unknown {
  const text = rawBody(event);
  if (Buffer.byteLength(text, 'utf8') > maxBytes) {
    throw new AppError('request.too_large', 413, `The body must be at most ${maxBytes} bytes.`);
  }
  if (text.trim() === '') throw new AppError('request.malformed_json', 400, 'The body must be a JSON object.');
  try {
    return JSON.parse(text);
  } catch {
    throw new AppError('request.malformed_json', 400, 'The body is not valid JSON.');
  }
}

export function header(event: APIGatewayProxyEventV2, name: string): string | undefined {
  return event.headers?.[name.toLowerCase()] ?? undefined;
}
