/**
 * Registers our webhook at Logto, idempotently: found by its URL (or name), updated if it drifted,
 * created only when missing, so a restart or a re-deploy never adds a second hook. Used by the local
 * stack at start-up and by the deploy-time custom resource.
 */
import { z } from 'zod';

/** The Management API as a plain request function (LogtoManagementClient provides it, with retries). */
export interface ManagementApi {
  request(method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE', path: string, body?: unknown): Promise<unknown>;
}

/** Registration (`PostRegister`, `User.Created`) accepts invitations; `PostSignIn` serves pre-provisioned users. */
export const webhookEvents = ['PostRegister', 'User.Created', 'PostSignIn'] as const;

const hookSchema = z.object({
  id: z.string(),
  name: z.string(),
  events: z.array(z.string()).nullable().optional(),
  config: z.object({ url: z.string() }).loose(),
  enabled: z.boolean(),
  signingKey: z.string(),
});

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

export async function ensureLogtoWebhook(api: ManagementApi, spec: WebhookSpec): Promise<RegisteredWebhook> {
  const hooks = z.array(hookSchema).parse(await api.request('GET', '/api/hooks?page=1&page_size=100'));
  const existing = hooks.find((hook) => hook.config.url === spec.url) ?? hooks.find((hook) => hook.name === spec.name);
  const wanted = { name: spec.name, events: [...spec.events], config: { url: spec.url }, enabled: true };
  if (!existing) {
    const created = hookSchema.parse(await api.request('POST', '/api/hooks', wanted));
    return { id: created.id, signingKey: created.signingKey, created: true };
  }
  const drifted =
    existing.name !== spec.name ||
    existing.config.url !== spec.url ||
    !existing.enabled ||
    [...(existing.events ?? [])].sort().join() !== [...spec.events].sort().join();
  const current = drifted ? hookSchema.parse(await api.request('PATCH', `/api/hooks/${existing.id}`, wanted)) : existing;
  return { id: current.id, signingKey: current.signingKey, created: false };
}
