/**
 * `/api/sign-in-exp` and `GET /api/applications/:id`. Of the sign-in experience only `signInMode` is
 * modelled (registration on or off); the sign-up and sign-in methods are reported as email with a
 * verification code and no password, which is what lets a one-time token register a user without asking
 * for more.
 */
import { z } from 'zod';

import { type Router, guardBody, json, param } from '../http.ts';
import { type SignInMode, signInModes, tenantId, toApplicationResponse } from '../model.ts';
import type { RouteDeps } from './types.ts';

const toSignInExperience = (signInMode: SignInMode) => ({
  tenantId,
  id: 'default',
  signInMode,
  signUp: { identifiers: ['email'], password: false, verify: true, secondaryIdentifiers: [] },
  signIn: {
    methods: [{ identifier: 'email', password: false, verificationCode: true, isPasswordPrimary: false }],
  },
  socialSignInConnectorTargets: [],
  singleSignOnEnabled: false,
});

export function settingRoutes(router: Router, { store, library }: RouteDeps) {
  router.get('/sign-in-exp', () => json(200, toSignInExperience(store.state.signInMode)));

  router.patch('/sign-in-exp', (ctx) => {
    const { signInMode } = guardBody(z.object({ signInMode: z.enum(signInModes).optional() }), ctx);
    if (signInMode) {
      store.update((state) => {
        state.signInMode = signInMode;
      });
    }
    return json(200, toSignInExperience(store.state.signInMode));
  });

  router.get('/applications/:id', (ctx) => json(200, toApplicationResponse(library.findApplication(param(ctx, 'id')))));
}
