/**
 * Registers our webhook at Logto, idempotently: found by its id, its URL (or its name), updated if it
 * drifted, created only when missing, so a restart or a re-deploy never adds a second hook. Used by the
 * local stack at start-up and by the deploy-time custom resource; `removeLogtoWebhook` undoes it.
 */
import * as z from 'zod';

import { isLogtoError } from './logto-management-client.ts';

/** The Management API as a plain request function (LogtoManagementClient provides it, with retries). */
export interface ManagementApi {
  request(method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE', path: string, body?: unknown): Promise<unknown>;
}

/** Registration (`PostRegister`, `User.Created`) accepts invitations; `PostSignIn` serves pre-provisioned users. */
export const webhookEvents = ['PostRegister', 'User.Created', 'PostSignIn'] as const;

export const hookSchema = z.object({
  id: z.string(),
  name: z.string(),
  events: z.array(z.string()).nullable().optional(),
  config: z.object({ url: z.string() }).loose(),
  enabled: z.boolean(),
  signingKey: z.string(),
});

export type LogtoHook = z.infer<typeof hookSchema>;

export interface WebhookSpec {
  name: string;
  url: string;
  events: readonly string[];
}

export interface RegisteredWebhook {
  id: string;
  signingKey: string;
  created: boolean;
}

export interface EnsureWebhookOptions {
  /** A hook to reuse before any other (the custom resource's physical id): a changed URL then updates it. */
  preferId?: string;
  /**
   * Also reuse a hook with the same name when none has the URL (the local stack, whose URL may change).
   * Off for deployments: two stacks sharing a tenant would otherwise take over each other's hook.
   * @default true
   */
  matchByName?: boolean;
  /**
   * Runs with the hook's signing key before the hook is enabled: a new hook is created disabled and enabled
   * once this resolves, so Logto signs no delivery with a key the receiver does not hold yet. Runs for an
   * existing hook too (before a disabled one is re-enabled). A failure leaves a new hook disabled.
   */
  beforeEnable?: (hook: RegisteredWebhook) => Promise<void>;
}

/** Logto lists at most 100 per page; a tenant with more hooks than that is not one we can reason about. */
export async function listLogtoWebhooks(api: ManagementApi): Promise<LogtoHook[]> {
  return z.array(hookSchema).parse(await api.request('GET', '/api/hooks?page=1&page_size=100'));
}

export async function ensureLogtoWebhook(
  api: ManagementApi,
  spec: WebhookSpec,
  options: EnsureWebhookOptions = {},
): Promise<RegisteredWebhook> {
  const hooks = await listLogtoWebhooks(api);
  const existing =
    (options.preferId !== undefined ? hooks.find((hook) => hook.id === options.preferId) : undefined) ??
    hooks.find((hook) => hook.config.url === spec.url) ??
    (options.matchByName === false ? undefined : hooks.find((hook) => hook.name === spec.name));
  const wanted = { name: spec.name, events: [...spec.events], config: { url: spec.url }, enabled: true };
  if (!existing) {
    const created = hookSchema.parse(
      await api.request('POST', '/api/hooks', { ...wanted, enabled: options.beforeEnable === undefined }),
    );
    if (!options.beforeEnable) {
      return { id: created.id, signingKey: created.signingKey, created: true };
    }
    await options.beforeEnable({ id: created.id, signingKey: created.signingKey, created: true });
    const enabled = hookSchema.parse(await api.request('PATCH', `/api/hooks/${encodeURIComponent(created.id)}`, { enabled: true }));
    return { id: enabled.id, signingKey: enabled.signingKey, created: true };
  }
  await options.beforeEnable?.({ id: existing.id, signingKey: existing.signingKey, created: false });
  const drifted =
    existing.name !== spec.name ||
    existing.config.url !== spec.url ||
    !existing.enabled ||
    [...(existing.events ?? [])].sort().join() !== [...spec.events].sort().join();
  const current = drifted
    ? hookSchema.parse(await api.request('PATCH', `/api/hooks/${encodeURIComponent(existing.id)}`, wanted))
    : existing;
  return { id: current.id, signingKey: current.signingKey, created: false };
}

/** Deletes the hook; true when it was there, false when Logto no longer knew it (404). */
export async function removeLogtoWebhook(api: ManagementApi, hookId: string): Promise<boolean> {
  try {
    await api.request('DELETE', `/api/hooks/${encodeURIComponent(hookId)}`);
    return true;
  } catch (error) {
    if (isLogtoError(error) && error.logtoStatus === 404) {
      return false;
    }
    throw error;
  }
}

/** A hook as Logto holds it now (its signing key included). */
export async function readLogtoWebhook(api: ManagementApi, hookId: string): Promise<LogtoHook> {
  return hookSchema.parse(await api.request('GET', `/api/hooks/${encodeURIComponent(hookId)}`));
}
