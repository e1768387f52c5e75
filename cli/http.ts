/**
 * Talking to the invitations API (and, for tokens, to Logto): every failure becomes a `CliError` with the
 * exit code a script can act on, and the API's refusals are shown as the API words them.
 */
import { CliError, exitCodes, type ExitCode } from './errors.ts';
import { inline } from './format.ts';

const timeoutMs = 30_000;

/** Why a request never got an answer, in words: `connect ECONNREFUSED 127.0.0.1:4000`, a timeout, ... */
function networkReason(error: unknown): string {
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) return `no answer within ${timeoutMs / 1000} s`;
  const cause = error instanceof Error ? (error.cause as { message?: string; code?: string } | undefined) : undefined;
  return cause?.message ?? cause?.code ?? (error instanceof Error ? error.message : String(error));
}

/** `fetch` with a time limit; no answer at all is "unavailable" (exit 4), naming what could not be reached. */
export async function send(fetcher: typeof fetch, url: string, init: RequestInit, what: string): Promise<Response> {
  try {
    return await fetcher(url, { ...init, signal: AbortSignal.timeout(timeoutMs) });
  } catch (error) {
    throw new CliError(exitCodes.unavailable, `Cannot reach ${what} at ${new URL(url).origin}: ${networkReason(error)}.`);
  }
}

/** The exit code for an HTTP status that is not a success. */
export function exitCodeFor(status: number): ExitCode {
  if (status === 401 || status === 403) return exitCodes.auth;
  if (status >= 500 || status === 429) return exitCodes.unavailable;
  return exitCodes.refused;
}

/** The error body's `details`, one line each: a validation issue as `field: message`, an object's keys as `key: value`. */
export function detailLines(details: unknown): string[] {
  if (details === undefined || details === null) return [];
  if (Array.isArray(details)) {
    return details.map((item) => {
      const issue = item as { path?: unknown; message?: unknown };
      return typeof issue?.message === 'string' ? `${inline(issue.path ?? '')}: ${issue.message}` : inline(item);
    });
  }
  if (typeof details === 'object') return Object.entries(details).map(([key, value]) => `${key}: ${inline(value)}`);
  return [inline(details)];
}

async function readBody(response: Response): Promise<unknown> {
  const text = await response.text();
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** The API's `{code, message, details?}` as an error; anything else (a proxy's HTML page) by its status. */
function apiError(status: number, body: unknown): CliError {
  const error = body as { code?: unknown; message?: unknown; details?: unknown } | undefined;
  if (typeof error?.code === 'string' && typeof error.message === 'string') {
    return new CliError(exitCodeFor(status), `${error.code}: ${error.message}`, detailLines(error.details));
  }
  const text = typeof body === 'string' ? body.trim().slice(0, 200) : inline(body ?? '');
  return new CliError(exitCodeFor(status), `The API answered ${status}${text ? `: ${text}` : '.'}`);
}

export interface ApiRequest {
  query?: Record<string, string | number | undefined>;
  /** JSON unless `contentType` says otherwise (then a string sent as it is). */
  body?: unknown;
  contentType?: string;
  headers?: Record<string, string>;
}

export interface ApiClient {
  readonly baseUrl: string;
  get<T>(path: string, request?: ApiRequest): Promise<T>;
  post<T>(path: string, request?: ApiRequest): Promise<T>;
}

export interface ApiClientOptions {
  baseUrl: string;
  token: () => Promise<string>;
  fetch: typeof fetch;
  /** Added to a 401/403: where the credentials came from, and what to do about them. */
  authHint?: string;
}

export function createApiClient(options: ApiClientOptions): ApiClient {
  async function call<T>(method: string, path: string, request: ApiRequest = {}): Promise<T> {
    const url = new URL(`${options.baseUrl}${path}`);
    for (const [key, value] of Object.entries(request.query ?? {})) {
      if (value !== undefined) url.searchParams.set(key, String(value));
    }
    const token = await options.token();
    const hasBody = request.body !== undefined;
    const response = await send(
      options.fetch,
      url.toString(),
      {
        method,
        headers: {
          accept: 'application/json',
          authorization: `Bearer ${token}`,
          ...(hasBody && { 'content-type': request.contentType ?? 'application/json' }),
          ...request.headers,
        },
        ...(hasBody && { body: request.contentType ? String(request.body) : JSON.stringify(request.body) }),
      },
      'the invitations API',
    );
    const body = await readBody(response);
    if (!response.ok) {
      const error = apiError(response.status, body);
      if (error.exitCode !== exitCodes.auth || !options.authHint) throw error;
      throw new CliError(error.exitCode, error.message, [...error.lines, options.authHint]);
    }
    return body as T;
  }
  return {
    baseUrl: options.baseUrl,
    get: (path, request) => call('GET', path, request),
    post: (path, request) => call('POST', path, request),
  };
}
