/** `/api/hooks` (packages/core/src/routes/hook.ts). */
import { z } from 'zod';

import { fail } from '../errors.ts';
import { hookEvents } from '../hooks.ts';
import { type Router, guardBody, json, listReply, newestFirst, param } from '../http.ts';
import * as ids from '../ids.ts';
import { type Hook, toHookResponse } from '../model.ts';
import type { RouteDeps } from './types.ts';

const event = z.enum(hookEvents);
const events = z
  .array(event)
  .nonempty()
  .transform((list) => [...new Set(list)]);
const config = z.object({
  url: z.string(),
  headers: z.record(z.string(), z.string()).optional(),
  retries: z.number().min(0).max(3).optional(),
});

const createBody = z.object({
  name: z.string().max(256).optional(),
  event: event.optional(),
  events: events.optional(),
  config,
  enabled: z.boolean().optional(),
});

const updateBody = z
  .object({ name: z.string().max(256), event: event.nullable(), events, config, enabled: z.boolean() })
  .partial();

export function hookRoutes(router: Router, { store, library, hooks }: RouteDeps) {
  /**
   * Logto updates hooks with `update ... returning *` and reports a missing row as `entity.not_exists` with
   * its default status 400 (not 404).
   */
  const findForUpdate = (id: string) =>
    store.state.hooks.find((hook) => hook.id === id) ?? fail('entity.not_exists', { vars: { name: 'hook' } });

  router.get('/hooks', (ctx) => listReply(ctx, newestFirst(store.state.hooks).map(toHookResponse), { optional: true }));

  router.get('/hooks/:id', (ctx) => json(200, toHookResponse(library.findHook(param(ctx, 'id')))));

  router.post('/hooks', (ctx) => {
    const body = guardBody(createBody, ctx);
    if (!body.events && !body.event) fail('hook.missing_events');
    const hook: Hook = {
      id: ids.standardId(),
      name: body.name ?? '',
      event: body.event ?? null,
      events: body.events ?? [],
      config: body.config,
      signingKey: ids.standardSecret(),
      enabled: body.enabled ?? true,
      createdAt: Date.now(),
    };
    store.update((state) => state.hooks.push(hook));
    return json(201, toHookResponse(hook));
  });

  router.patch('/hooks/:id', (ctx) => {
    const changes = guardBody(updateBody, ctx);
    const hook = findForUpdate(param(ctx, 'id'));
    // `replace` mode: a new `config` replaces the old one entirely.
    store.update(() => Object.assign(hook, changes));
    return json(200, toHookResponse(hook));
  });

  router.patch('/hooks/:id/signing-key', (ctx) => {
    const hook = findForUpdate(param(ctx, 'id'));
    store.update(() => {
      hook.signingKey = ids.standardSecret();
    });
    return json(200, toHookResponse(hook));
  });

  router.delete('/hooks/:id', (ctx) => {
    const index = store.state.hooks.findIndex((hook) => hook.id === param(ctx, 'id'));
    if (index === -1) fail('entity.not_found', { status: 404 });
    store.update((state) => state.hooks.splice(index, 1));
    return json(204);
  });

  router.post('/hooks/:id/test', async (ctx) => {
    const body = guardBody(z.object({ events, config }), ctx);
    await hooks.test(library.findHook(param(ctx, 'id')), body.events, body.config);
    return json(204);
  });
}
