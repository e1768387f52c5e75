/**
 * Webhook delivery as Logto (<= 1.42) does it (packages/core/src/libraries/hook): one POST per enabled hook
 * subscribed to the event, JSON body signed with HMAC-SHA256, 10 s timeout, no retry. Deliveries run in the
 * background; {@link HookDispatcher.idle} lets tests wait for them, and every outcome is logged.
 */
import { createHmac } from 'node:crypto';

import { fail } from './errors.ts';
import type { Context } from './http.ts';
import {
  type Application,
  type Hook,
  type HookConfig,
  type HookDelivery,
  type InteractionEvent,
  type JsonObject,
  type User,
  toApplicationSummary,
  toUserInfo,
} from './model.ts';
import type { Store } from './store.ts';

/** The events Logto accepts on a hook (docs.logto.io, "Webhooks events"). */
export const hookEvents = [
  'PostRegister',
  'PostSignIn',
  'PostResetPassword',
  'User.Created',
  'User.Deleted',
  'User.Data.Updated',
  'User.SuspensionStatus.Updated',
  'Role.Created',
  'Role.Deleted',
  'Role.Data.Updated',
  'Role.Scopes.Updated',
  'Scope.Created',
  'Scope.Deleted',
  'Scope.Data.Updated',
  'Organization.Created',
  'Organization.Deleted',
  'Organization.Data.Updated',
  'Organization.Membership.Updated',
  'OrganizationRole.Created',
  'OrganizationRole.Deleted',
  'OrganizationRole.Data.Updated',
  'OrganizationRole.Scopes.Updated',
  'OrganizationScope.Created',
  'OrganizationScope.Deleted',
  'OrganizationScope.Data.Updated',
] as const;

const interactionHookEvents: ReadonlySet<string> = new Set(['PostRegister', 'PostSignIn', 'PostResetPassword']);

const deliveryTimeoutMs = 10_000;

/** Hex HMAC-SHA256 of the exact bytes sent: the `logto-signature-sha-256` header. */
export const signPayload = (signingKey: string, body: string) => createHmac('sha256', signingKey).update(body).digest('hex');

export class HookDispatcher {
  private readonly pending = new Set<Promise<void>>();

  constructor(private readonly store: Store) {}

  /** Starts a delivery of `payload` to every enabled hook that listens to `event`. */
  trigger(event: string, payload: JsonObject) {
    const hooks = this.store.state.hooks.filter(
      (hook) => hook.enabled && (hook.events.length > 0 ? hook.events.includes(event) : hook.event === event),
    );
    for (const hook of hooks) {
      const delivery = this.deliver(hook, event, { ...payload, hookId: hook.id }).catch((error: unknown) => {
        console.error('[logto-stand-in] could not record a webhook delivery', error);
      });
      this.pending.add(delivery);
      void delivery.finally(() => this.pending.delete(delivery));
    }
  }

  /** Resolves once every delivery started so far (and any started meanwhile) has finished. */
  async idle() {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }

  /**
   * `POST /hooks/:id/test`: sends a sample payload per event to `config` (not the stored config), signed with
   * the hook's key, and refuses with 422 when the endpoint fails. Test calls are not logged, as in Logto.
   */
  async test(hook: Hook, events: readonly string[], config: HookConfig) {
    await Promise.all(
      events.map(async (event) => {
        let response: Response;
        try {
          response = await post(config, hook.signingKey, testPayload(hook.id, event));
        } catch (error) {
          return fail('hook.send_test_payload_failed', { status: 422, vars: { message: String(error) } });
        }
        if (!response.ok) {
          fail('hook.endpoint_responded_with_error', {
            status: 422,
            data: { responseStatus: response.status, responseBody: await response.text() },
          });
        }
      }),
    );
  }

  private async deliver(hook: Hook, event: string, payload: JsonObject) {
    const record: Omit<HookDelivery, 'at'> = { hookId: hook.id, event, url: hook.config.url, payload };
    let outcome: Pick<HookDelivery, 'status' | 'error'>;
    try {
      const response = await post(hook.config, hook.signingKey, payload);
      await response.arrayBuffer();
      outcome = { status: response.status };
    } catch (error) {
      outcome = { error: String(error) };
    }
    this.store.update((state) => state.hookDeliveries.push({ ...record, ...outcome, at: Date.now() }));
  }
}

async function post(config: HookConfig, signingKey: string, payload: JsonObject): Promise<Response> {
  const body = JSON.stringify(payload);
  // Configured headers may override the defaults (Logto documents user-agent and content-type as
  // customisable), never the signature.
  const headers = new Headers({ 'content-type': 'application/json', 'user-agent': 'Logto (https://logto.io/)' });
  for (const [name, value] of Object.entries(config.headers ?? {})) headers.set(name, value);
  headers.set('logto-signature-sha-256', signPayload(signingKey, body));
  return fetch(config.url, { method: 'POST', headers, body, signal: AbortSignal.timeout(deliveryTimeoutMs) });
}

/** Logto's `generateHookTestPayload`. */
function testPayload(hookId: string, event: string): JsonObject {
  const now = new Date();
  const base = { hookId, event, createdAt: now.toISOString(), userAgent: 'fake-user-agent' };
  if (interactionHookEvents.has(event)) {
    return {
      ...base,
      sessionId: 'fake-session-id',
      userIp: 'fake-user-ip',
      userId: 'fake-id',
      user: {
        id: 'fake-id',
        username: 'fake-user',
        primaryEmail: 'fake-user@fake-service.com',
        primaryPhone: '1234567890',
        name: 'Fake User',
        avatar: 'https://fake-service.com/avatars/fake-user.png',
        customData: { theme: 'light' },
        identities: { google: { userId: 'fake-google-user-id' } },
        profile: {},
        applicationId: 'fake-application-id',
        isSuspended: false,
        lastSignInAt: now.getTime(),
        createdAt: now.getTime(),
        updatedAt: now.getTime(),
      },
      application: {
        id: 'fake-spa-application-id',
        type: 'SPA',
        name: 'Fake Application',
        description: 'Fake application data for testing',
      },
    };
  }
  return { ...base, path: '/fake-path/:id', method: 'POST', status: 200, params: { id: 'fake-id' }, data: { result: 'success' } };
}

/** Payload of a data hook fired by a Management API call (e.g. `User.Created` from `POST /users`). */
export const managementApiPayload = (event: string, ctx: Context, status: number, fields: JsonObject): JsonObject => ({
  event,
  createdAt: new Date().toISOString(),
  userAgent: ctx.userAgent,
  ip: ctx.ip,
  path: ctx.path,
  method: ctx.method,
  status,
  params: ctx.params,
  matchedRoute: ctx.matchedRoute,
  ...fields,
});

/** What Logto knows of the sign-in interaction that fires hooks. */
export interface InteractionMetadata {
  interactionEvent: InteractionEvent;
  sessionId: string;
  application: Application;
  userAgent: string | undefined;
  ip: string;
}

/** Payload of a data hook fired during an interaction (e.g. `User.Created` at registration). */
export const interactionDataPayload = (event: string, meta: InteractionMetadata, fields: JsonObject): JsonObject => ({
  event,
  createdAt: new Date().toISOString(),
  interactionEvent: meta.interactionEvent,
  userAgent: meta.userAgent,
  applicationId: meta.application.id,
  sessionId: meta.sessionId,
  ip: meta.ip,
  application: toApplicationSummary(meta.application),
  ...fields,
});

/** Payload of `PostRegister` / `PostSignIn`. */
export const interactionHookPayload = (event: string, meta: InteractionMetadata, user: User): JsonObject => ({
  event,
  interactionEvent: meta.interactionEvent,
  createdAt: new Date().toISOString(),
  sessionId: meta.sessionId,
  userAgent: meta.userAgent,
  userId: user.id,
  userIp: meta.ip,
  user: toUserInfo(user),
  application: toApplicationSummary(meta.application),
});
