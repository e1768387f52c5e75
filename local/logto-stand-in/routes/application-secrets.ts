/**
 * `/api/applications/:id/secrets[/:name]` (packages/core/src/routes/applications/application-secret.ts):
 * an app's extra secrets, each of which authenticates it at the token endpoint (see `oidc.ts`) beside its
 * own (legacy) `secret`, which these routes neither list nor delete.
 *
 * As in Logto: the list carries every secret's `value`; a new secret's value is generated
 * (`generateStandardSecret`, 32 alphanumerics); a taken name is a unique-constraint violation (422); a name
 * that does not exist cannot be deleted (`DeletionError`, 404 `entity.not_found`); an unknown application is
 * 404 on the list and a foreign-key violation (422) on create. Logto's check that the app is
 * MachineToMachine, Traditional or Protected is a database constraint; here it is the same refusal.
 */
import { z } from 'zod';

import { fail } from '../errors.ts';
import { type Router, guardBody, json, param } from '../http.ts';
import * as ids from '../ids.ts';
import { type ApplicationSecret, toApplicationSecretResponse } from '../model.ts';
import type { RouteDeps } from './types.ts';

const createBody = z.object({
  name: z.string().min(1).max(256),
  expiresAt: z.number().int().nullable().optional(),
});

const updateBody = z.object({ name: z.string().min(1).max(256) });

export function applicationSecretRoutes(router: Router, { store, library }: RouteDeps) {
  const secretsOf = (applicationId: string) => store.state.applicationSecrets.filter((secret) => secret.applicationId === applicationId);
  const findSecret = (applicationId: string, name: string) =>
    secretsOf(applicationId).find((secret) => secret.name === name) ?? fail('entity.not_found', { status: 404 });

  router.get('/applications/:id/secrets', (ctx) => {
    const app = library.findApplication(param(ctx, 'id'));
    return json(200, secretsOf(app.id).map(toApplicationSecretResponse));
  });

  router.post('/applications/:id/secrets', (ctx) => {
    const applicationId = param(ctx, 'id');
    const body = guardBody(createBody, ctx);
    if (body.expiresAt != null && body.expiresAt <= Date.now()) {
      fail('request.invalid_input', { details: 'The value of `expiresAt` must be in the future.' });
    }
    const app = store.state.applications.find((candidate) => candidate.id === applicationId);
    if (!app || !['MachineToMachine', 'Traditional'].includes(app.type)) fail('entity.relation_foreign_key_not_found', { status: 422 });
    if (secretsOf(applicationId).some((secret) => secret.name === body.name)) fail('entity.unique_integrity_violation', { status: 422 });
    const secret: ApplicationSecret = {
      applicationId,
      name: body.name,
      value: ids.standardSecret(),
      createdAt: Date.now(),
      expiresAt: body.expiresAt ?? null,
    };
    store.update((state) => state.applicationSecrets.push(secret));
    return json(201, toApplicationSecretResponse(secret));
  });

  router.patch('/applications/:id/secrets/:name', (ctx) => {
    const applicationId = param(ctx, 'id');
    const { name } = guardBody(updateBody, ctx);
    const secret = findSecret(applicationId, param(ctx, 'name'));
    if (name !== secret.name && secretsOf(applicationId).some((other) => other.name === name)) {
      fail('entity.unique_integrity_violation', { status: 422 });
    }
    store.update(() => {
      secret.name = name;
    });
    return json(200, toApplicationSecretResponse(secret));
  });

  router.delete('/applications/:id/secrets/:name', (ctx) => {
    const secret = findSecret(param(ctx, 'id'), param(ctx, 'name'));
    store.update((state) => {
      state.applicationSecrets = state.applicationSecrets.filter((other) => other !== secret);
    });
    return json(204);
  });
}
