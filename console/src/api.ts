/**
 * The invitations API, typed by the paths in openapi.json (schema.d.ts is generated from it by
 * `npm run console:types`). Every call carries the admin's access token; a refusal is thrown as the API
 * words it (`code`, `message`, `details`), and a 401 sends the admin to sign in again.
 */
import createClient, { type Middleware } from 'openapi-fetch';
import type { Auth } from './auth.ts';
import type { components, paths } from './schema.d.ts';

export type Schemas = components['schemas'];
export type Invitation = Schemas['Invitation'];
export type InvitationEvent = Schemas['InvitationEvent'];
export type InvitationStatus = Invitation['status'];
export type InvitationMode = Invitation['mode'];
export type DeliveryStatus = Invitation['delivery']['status'];
export type CreateInvitation = Schemas['CreateInvitation'];
export type BatchCreated = Schemas['BatchCreated'];
export type BatchProgress = Schemas['BatchProgress'];
export type AccessRequest = Schemas['AccessRequest'];

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** The API's error body, or (from a proxy, a gateway) whatever came back, by its status. */
async function toError(response: Response): Promise<ApiError> {
  const text = await response.text().catch(() => '');
  try {
    const body = JSON.parse(text) as { code?: unknown; message?: unknown; details?: unknown };
    if (typeof body.code === 'string' && typeof body.message === 'string') return new ApiError(response.status, body.code, body.message, body.details);
    if (typeof body.message === 'string') return new ApiError(response.status, `http.${response.status}`, body.message);
  } catch {
    // not JSON
  }
  return new ApiError(response.status, `http.${response.status}`, `The API answered ${response.status} ${response.statusText}`.trim() + '.');
}

export function createApi(baseUrl: string, auth: Auth) {
  const client = createClient<paths>({ baseUrl: baseUrl || location.origin });
  const authenticate: Middleware = {
    async onRequest({ request }) {
      request.headers.set('authorization', `Bearer ${await auth.accessToken()}`);
      return request;
    },
    async onResponse({ response }) {
      // The token was refused (expired between the SDK's check and the call, or revoked): sign in again.
      if (response.status === 401) await auth.signInAgain();
      if (!response.ok) throw await toError(response);
      return response;
    },
    onError({ error }) {
      if (error instanceof ApiError) return error;
      return new ApiError(0, 'network.unreachable', `The API could not be reached: ${error instanceof Error ? error.message : String(error)}.`);
    },
  };
  client.use(authenticate);
  return client;
}

export type Api = ReturnType<typeof createApi>;

/** openapi-fetch's result, unwrapped: the middleware has already thrown for every failure. */
export async function data<T>(call: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T> {
  const result = await call;
  if (result.error !== undefined) throw result.error instanceof ApiError ? result.error : new ApiError(result.response.status, 'http.error', 'The API refused the request.');
  return result.data as T;
}
