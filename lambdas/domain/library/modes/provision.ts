/**
 * Option 3 of Logto's guide: the Logto user is created with the invitation (with the inviter's password,
 * if given: it goes to Logto and nowhere else), and the email says the account is ready. The user's first
 * sign-in accepts the invitation; one that ends before it suspends or deletes the user.
 */
import { AppError } from '../../errors.ts';
import { effectiveStatus, signInLink } from '../../invitation.ts';
import { systemActor, type LibraryContext } from '../context.ts';
import { dropped, type ModeStrategy } from './mode.ts';
import { checkedPassword, ignoreGone, isEmailTaken } from './accounts.ts';

export function createProvisionMode(ctx: LibraryContext): ModeStrategy {
  const { identity, passwords, clock, settings } = ctx;
  return {
    email: 'account-ready',
    preparesAtLogto: true,
    async prepare(invitation, { password }) {
      const account = { email: invitation.email, ...(invitation.name && { name: invitation.name }) };
      if (password !== undefined) await checkedPassword(passwords, password, account, 'password');
      try {
        const user = await identity.createUser({
          primaryEmail: invitation.email,
          ...(invitation.name && { name: invitation.name }),
          ...(password !== undefined && { password }),
          ...(Object.keys(invitation.metadata).length > 0 && { customData: invitation.metadata }),
        });
        return { ...invitation, provisionedUserId: user.id, ...(password !== undefined && { passwordSet: true }) };
      } catch (error) {
        if (isEmailTaken(error)) throw new AppError('invitation.already_registered', 409, 'A user with this email is already registered.');
        throw error;
      }
    },
    // The user was created for an invitation that could not be stored, and nobody knows of it: gone again.
    async discard(invitation) {
      if (invitation.provisionedUserId) await identity.deleteUser(invitation.provisionedUserId).catch(() => undefined);
    },
    issue: async (invitation) => ({
      link: signInLink(invitation.redirectUrl ?? settings.signInUrl, invitation.email, invitation.passwordSet ? 'identifier:sign_in' : 'reset_password'),
    }),
    withdraw: async () => undefined,
    revoke: dropped,
    strays: async () => [],
    async evidence(invitation) {
      if (!invitation.provisionedUserId) return undefined;
      const user = await identity.getUser(invitation.provisionedUserId);
      return user?.lastSignInAt ? user.id : undefined;
    },
    // Its first sign-in; our own `User.Created` (and anyone else's) does not count.
    admits: async (event, invitation, userId) =>
      event === 'PostSignIn' && userId === invitation.provisionedUserId && effectiveStatus(invitation, clock.now()) === 'pending',
    intruder: async () => undefined,
    leaked: async () => false,
    async undo(invitation) {
      const userId = invitation.provisionedUserId;
      if (!userId || invitation.accountClosed) return;
      const action = settings.provisionedUserOnEnd;
      await (action === 'delete' ? identity.deleteUser(userId) : identity.suspendUser(userId).catch(ignoreGone));
      const accountClosed = action === 'delete' ? 'deleted' : 'suspended';
      const { changed } = await ctx.update(invitation.id, (inv) => (inv.accountClosed ? undefined : { ...inv, accountClosed }));
      if (changed) await ctx.record(invitation.id, 'account_closed', systemActor, { userId, action: accountClosed, status: invitation.status });
    },
  };
}
