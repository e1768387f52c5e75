/**
 * `/api/sign-in-exp` (packages/core/src/routes/sign-in-experience/index.ts) and `GET /api/applications/:id`.
 * Of the sign-in experience, `signInMode` (registration on or off) and `passwordPolicy` are modelled; the
 * sign-up and sign-in methods are reported as email with a verification code and no password, which is
 * what lets a one-time token register a user without asking for more.
 */
import type { UserInfo } from '@logto/core-kit';
import { z } from 'zod';

import { fail } from '../errors.ts';
import { type Router, guardBody, json, param } from '../http.ts';
import { type StandInState, type User, signInModes, tenantId, toApplicationResponse } from '../model.ts';
import { StandInPasswordChecker, partialPasswordPolicyGuard } from '../password-policy.ts';
import type { RouteDeps } from './types.ts';

const toSignInExperience = ({ signInMode, passwordPolicy }: StandInState) => ({
  tenantId,
  id: 'default',
  signInMode,
  signUp: { identifiers: ['email'], password: false, verify: true, secondaryIdentifiers: [] },
  signIn: {
    methods: [{ identifier: 'email', password: false, verificationCode: true, isPasswordPrimary: false }],
  },
  socialSignInConnectorTargets: [],
  singleSignOnEnabled: false,
  // As stored: `{}` until set, the checker filling in the defaults.
  passwordPolicy,
});

const updateBody = z.object({
  signInMode: z.enum(signInModes).optional(),
  passwordPolicy: partialPasswordPolicyGuard.optional(),
});

const checkPasswordBody = z.object({ password: z.string(), userId: z.string().optional() });

/** Logto's `checkPasswordPolicyForUser`: the user's identifiers and name, null ones left out. */
const userInfoOf = (user: User): UserInfo =>
  Object.fromEntries(
    Object.entries({ email: user.primaryEmail, username: user.username, phoneNumber: user.primaryPhone, name: user.name }).filter(
      ([, value]) => value !== null,
    ),
  );

export function settingRoutes(router: Router, { store, library }: RouteDeps) {
  router.get('/sign-in-exp', () => json(200, toSignInExperience(store.state)));

  router.patch('/sign-in-exp', (ctx) => {
    const { signInMode, passwordPolicy } = guardBody(updateBody, ctx);
    // Logto updates the sign-in experience with `jsonbMode: 'replace'`: a policy given replaces the stored
    // one whole (groups left out fall back to their defaults), it is not merged into it.
    store.update((state) => {
      if (signInMode) state.signInMode = signInMode;
      if (passwordPolicy) state.passwordPolicy = passwordPolicy;
    });
    return json(200, toSignInExperience(store.state));
  });

  router.post('/sign-in-exp/default/check-password', async (ctx) => {
    const { password, userId } = guardBody(checkPasswordBody, ctx);
    const user = userId ? library.findUser(userId) : undefined;
    const checker = new StandInPasswordChecker(store.state.passwordPolicy);
    let issues;
    try {
      issues = await checker.check(password, user && userInfoOf(user));
    } catch (error) {
      // As Logto's route: the checker's TypeError (the policy rejects user info, Logto's default, and no
      // `userId` came with the password) is a 400.
      if (error instanceof TypeError) fail('request.invalid_input', { data: { message: error.message } });
      throw error;
    }
    return issues.length > 0 ? json(400, { result: false, issues }) : json(200, { result: true });
  });

  router.get('/applications/:id', (ctx) => json(200, toApplicationResponse(library.findApplication(param(ctx, 'id')))));
}
