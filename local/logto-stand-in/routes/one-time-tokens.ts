/** `/api/one-time-tokens` (packages/core/src/routes/one-time-tokens.ts). */
import { z } from 'zod';

import { fail } from '../errors.ts';
import { type Router, guardBody, guardQuery, json, listReply, newestFirst, param } from '../http.ts';
import * as ids from '../ids.ts';
import { type OneTimeToken, interactionEvents, oneTimeTokenStatuses, toOneTimeTokenResponse } from '../model.ts';
import type { RouteDeps } from './types.ts';

// Logto's `emailRegEx` (@logto/core-kit).
const emailPattern = /^\S+@\S+\.\S+$/;
const defaultExpiresInSeconds = 10 * 60;

const createBody = z.object({
  email: z.string().max(128),
  // Unknown context keys are dropped: Logto keeps no custom data on a token.
  context: z.object({ jitOrganizationIds: z.array(z.string()), interactionEvent: z.enum(interactionEvents) }).partial().optional(),
  expiresIn: z.number().min(1).optional(),
});

const listQuery = z.object({
  email: z.string().regex(emailPattern).optional(),
  status: z.enum(oneTimeTokenStatuses).optional(),
});

export function oneTimeTokenRoutes(router: Router, { store, library }: RouteDeps) {
  router.get('/one-time-tokens', (ctx) => {
    const { email, status } = guardQuery(listQuery, ctx);
    // Logto filters on the stored status (an expired-but-stored-active token matches `status=active` and is
    // reported as `expired`), and its `Total-Number` counts every token, whatever the filters.
    const matching = store.state.oneTimeTokens.filter(
      (token) => (email === undefined || token.email === email) && (status === undefined || token.status === status),
    );
    return listReply(ctx, newestFirst(matching).map((token) => toOneTimeTokenResponse(token)), {
      optional: true,
      totalCount: store.state.oneTimeTokens.length,
    });
  });

  router.get('/one-time-tokens/:id', (ctx) => json(200, toOneTimeTokenResponse(library.findOneTimeToken(param(ctx, 'id')))));

  router.post('/one-time-tokens', (ctx) => {
    const { email, context, expiresIn = defaultExpiresInSeconds } = guardBody(createBody, ctx);
    const now = Date.now();
    const token: OneTimeToken = {
      id: ids.standardId(),
      email,
      token: ids.standardSecret(),
      context: context ?? {},
      status: 'active',
      createdAt: now,
      expiresAt: now + Math.round(expiresIn * 1000),
    };
    store.update((state) => {
      // Like Logto, creating a token settles the stored status of this email's lapsed tokens.
      for (const old of state.oneTimeTokens) {
        if (old.email === email && old.status === 'active' && old.expiresAt <= now) old.status = 'expired';
      }
      state.oneTimeTokens.push(token);
    });
    return json(201, toOneTimeTokenResponse(token));
  });

  router.post('/one-time-tokens/verify', (ctx) => {
    const { token, email } = guardBody(z.object({ token: z.string(), email: z.string() }), ctx);
    return json(200, toOneTimeTokenResponse(library.consumeOneTimeToken(token, email)));
  });

  router.put('/one-time-tokens/:id/status', (ctx) => {
    const { status } = guardBody(z.object({ status: z.enum(oneTimeTokenStatuses) }), ctx);
    const token = library.findOneTimeToken(param(ctx, 'id'));
    // The only rule Logto enforces: no way back to `active`. Any other status may replace any other
    // (a consumed token can be marked revoked).
    if (status === 'active') fail('one_time_token.cannot_reactivate_token');
    return json(200, toOneTimeTokenResponse(library.setOneTimeTokenStatus(token, status)));
  });

  router.delete('/one-time-tokens/:id', (ctx) => {
    const index = store.state.oneTimeTokens.findIndex((token) => token.id === param(ctx, 'id'));
    if (index === -1) fail('entity.not_found', { status: 404 });
    store.update((state) => state.oneTimeTokens.splice(index, 1));
    return json(204);
  });
}
