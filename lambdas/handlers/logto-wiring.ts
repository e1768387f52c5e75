/**
 * Deploy-time wiring to Logto: the onEvent handler of a CDK `custom_resources.Provider`. It registers
 * (or updates) our webhook, stores its signing key where the webhook Lambda reads it, and optionally
 * closes public registration (`signInMode: SignIn`). The hook's id is the physical id.
 *
 * - Create and Update are the same idempotent step: the hook is found by the physical id, then by URL,
 *   and updated in place, so a retried Create or a re-deploy never adds a second hook and a changed URL
 *   keeps the physical id (CloudFormation then has no old resource to delete). A new hook is created
 *   disabled and enabled only once its key is stored. A hook this invocation created is removed again
 *   if the invocation fails: CloudFormation sends no Delete after a failed Create.
 * - Delete removes the hook (already gone is fine) and leaves the sign-in mode alone: tearing the service
 *   down must not open registration to anyone.
 *
 * The Provider framework logs the returned value: it carries the hook id only, never the signing key.
 * Failures are rethrown with a message meant for the CloudFormation console.
 */
import { setTimeout as sleepFor } from 'node:timers/promises';
import * as z from 'zod';

import { isLogtoError } from '../adapters/logto-management-client.ts';
import {
  ensureLogtoWebhook,
  removeLogtoWebhook,
  webhookEvents,
  type ManagementApi,
  type RegisteredWebhook,
} from '../adapters/logto-webhooks.ts';
import { AppError, UpstreamError } from '../domain/errors.ts';
import type { Log } from './http/respond.ts';

export interface LogtoWiringDeps {
  api: ManagementApi;
  /** Stores the hook's signing key where the webhook receiver reads it (the signing-key secret). */
  storeSigningKey: (signingKey: string) => Promise<void>;
  log: Log;
  /** Named in failure messages. */
  logtoEndpoint: string;
  /** How often hook registration is run again after a create whose outcome is unknown. @default 3 */
  registrationRounds?: number;
  /** Wait before looking again for a hook whose creation may have taken effect. @default 2000 */
  recheckDelayMs?: number;
}

/** What the Provider framework returns to CloudFormation (`Data` is readable with `getAtt('HookId')`). */
export interface LogtoWiringResult {
  PhysicalResourceId: string;
  Data: { HookId: string };
}

/** CloudFormation passes every property as a string; `true` is accepted too for direct calls. */
const flag = z
  .union([z.boolean(), z.enum(['true', 'false'])])
  .default(false)
  .transform((value) => value === true || value === 'true');

export const logtoWiringProperties = z.looseObject({
  webhookUrl: z.url(),
  hookName: z.string().min(1).max(256),
  events: z.array(z.string().min(1)).nonempty().default([...webhookEvents]),
  disableRegistration: flag,
});

export type LogtoWiringProperties = z.input<typeof logtoWiringProperties>;

const eventSchema = z.discriminatedUnion('RequestType', [
  z.looseObject({ RequestType: z.literal('Create'), ResourceProperties: logtoWiringProperties }),
  z.looseObject({
    RequestType: z.literal('Update'),
    PhysicalResourceId: z.string().min(1),
    ResourceProperties: logtoWiringProperties,
  }),
  z.looseObject({ RequestType: z.literal('Delete'), PhysicalResourceId: z.string().optional() }),
]);

/** The Provider framework answers a Delete after a failed Create itself; this guards a direct invocation. */
const isFrameworkMarker = (physicalId: string) => physicalId.startsWith('AWSCDK::');

export function makeLogtoWiringHandler(deps: LogtoWiringDeps) {
  const { api, log } = deps;
  const rounds = Math.max(1, deps.registrationRounds ?? 3);
  const recheckDelayMs = deps.recheckDelayMs ?? 2000;

  /**
   * `ensureLogtoWebhook`, run again when a POST's outcome is unknown (the client never re-sends one):
   * the next round lists the hooks and finds the one the lost answer was about, or creates it.
   */
  async function registerHook(
    properties: z.output<typeof logtoWiringProperties>,
    preferId: string | undefined,
    progress: { step: string; createdHookId?: string },
  ): Promise<RegisteredWebhook> {
    const spec = { name: properties.hookName, url: properties.webhookUrl, events: properties.events };
    const beforeEnable = async (hook: RegisteredWebhook) => {
      if (hook.created) progress.createdHookId = hook.id;
      progress.step = `store the signing key of webhook ${hook.id}`;
      await deps.storeSigningKey(hook.signingKey);
      progress.step = `register the webhook ${properties.webhookUrl}`;
    };
    for (let round = 1; ; round += 1) {
      try {
        return await ensureLogtoWebhook(api, spec, { preferId, matchByName: false, beforeEnable });
      } catch (error) {
        if (!(error instanceof UpstreamError && error.ambiguous) || round >= rounds) throw error;
        log.warn('webhook registration outcome unknown; looking again', { round, code: error.code });
        await sleepFor(recheckDelayMs);
      }
    }
  }

  async function wire(requestType: 'Create' | 'Update', properties: z.output<typeof logtoWiringProperties>, physicalId?: string) {
    const progress: { step: string; createdHookId?: string } = { step: `register the webhook ${properties.webhookUrl}` };
    try {
      const hook = await registerHook(properties, physicalId, progress);
      log.info('webhook registered', { requestType, hookId: hook.id, created: hook.created, url: properties.webhookUrl });
      if (properties.disableRegistration) {
        progress.step = 'disable registration (signInMode: SignIn)';
        await api.request('PATCH', '/api/sign-in-exp', { signInMode: 'SignIn' });
        log.info('registration disabled at Logto', { signInMode: 'SignIn' });
      }
      return { PhysicalResourceId: hook.id, Data: { HookId: hook.id } };
    } catch (error) {
      if (progress.createdHookId !== undefined) await removeOrphan(progress.createdHookId);
      throw failure(`${requestType} failed: could not ${progress.step}`, error);
    }
  }

  async function removeOrphan(hookId: string) {
    try {
      await removeLogtoWebhook(api, hookId);
      log.info('removed the hook created by the failed attempt', { hookId });
    } catch (error) {
      log.error('could not remove the hook created by the failed attempt: delete it in the Logto Console', {
        hookId,
        code: error instanceof AppError ? error.code : undefined,
      });
    }
  }

  function failure(what: string, error: unknown): Error {
    return new Error(`${what} (Logto ${deps.logtoEndpoint}): ${explain(error)}`, { cause: error });
  }

  return async function onEvent(input: unknown): Promise<LogtoWiringResult> {
    const parsed = eventSchema.safeParse(input);
    if (!parsed.success) {
      const fields = [...new Set(parsed.error.issues.map((issue) => issue.path.join('.') || '(event)'))].join(', ');
      throw new Error(`Invalid custom resource event: bad or missing ${fields}.`);
    }
    const event = parsed.data;
    switch (event.RequestType) {
      case 'Create':
        return wire('Create', event.ResourceProperties);
      case 'Update':
        return wire('Update', event.ResourceProperties, event.PhysicalResourceId);
      case 'Delete': {
        const hookId = event.PhysicalResourceId;
        if (hookId === undefined || hookId === '' || isFrameworkMarker(hookId)) {
          log.info('nothing to delete: the hook was never created', { physicalResourceId: hookId });
          return { PhysicalResourceId: hookId || 'none', Data: { HookId: '' } };
        }
        try {
          const removed = await removeLogtoWebhook(api, hookId);
          log.info(removed ? 'webhook removed' : 'webhook already gone', { hookId });
        } catch (error) {
          throw failure(`Delete failed: could not remove the webhook ${hookId}`, error);
        }
        return { PhysicalResourceId: hookId, Data: { HookId: hookId } };
      }
    }
  };
}

/** A cause and a remedy, for the CloudFormation console; never a secret (our errors carry none). */
function explain(error: unknown): string {
  if (isLogtoError(error)) {
    if (error.logtoCode.startsWith('oidc.')) {
      return `${error.message} Check the app id and secret in the M2M credentials secret and the Management API indicator.`;
    }
    if (error.logtoStatus === 401 || error.logtoStatus === 403) {
      return `${error.message} Give the M2M app a machine-to-machine role holding the Management API "all" permission.`;
    }
    return error.message;
  }
  if (error instanceof UpstreamError && error.code.startsWith('logto.')) {
    return `Logto is unreachable or failing (${error.message}) Check the Logto endpoint and that this function can reach it, then retry the deployment.`;
  }
  if (error instanceof AppError || error instanceof z.ZodError) {
    return error instanceof z.ZodError ? 'Logto answered with an unexpected shape.' : error.message;
  }
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
