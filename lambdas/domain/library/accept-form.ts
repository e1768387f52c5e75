/**
 * The invitee's side of accept-link mode: the page behind the link (which changes nothing, since mail
 * scanners open links) and its form's POST, which creates the Logto user and accepts the invitation.
 *
 * Of two submissions at once (a double click), Logto's unique email lets one create the user; both then
 * accept with that user, so one account exists. A submission that loses to a revoke or an expiry removes the
 * user it created. What the invitee typed as a password goes to Logto only.
 */
import { AppError, UpstreamError } from '../errors.ts';
import { effectiveStatus, nearestLocale, signInLink, type Invitation } from '../invitation.ts';
import type { PasswordPolicy } from '../ports.ts';
import type { Acceptance } from './acceptance.ts';
import { retryDelaySeconds, type LibraryContext } from './context.ts';
import { checkedPassword, isEmailTaken } from './modes/accounts.ts';
import { acceptTokenHash, invitationIdOf } from './modes/accept-link.ts';

export interface AcceptPage {
  invitationId: string;
  email: string;
  /** The name the inviter gave, to fill in the form. */
  name?: string;
  inviterName: string;
  appName: string;
  expiresAt: string;
  /** The shipped language nearest to the invitation's locale. */
  locale: string;
  /** What the form asks for; `password` carries the tenant's policy when a password is asked for. */
  ask: { name: boolean; password?: PasswordPolicy };
}

export interface AcceptSubmission {
  token: string;
  name?: string;
  password?: string;
}

/** The page and its errors speak the invitation's language where it is known. */
const refusal = (code: string, status: number, message: string, invitation?: Invitation, extra: Record<string, unknown> = {}) =>
  new AppError(code, status, message, { ...(invitation && { locale: invitation.locale }), ...extra });

const maxNameLength = 128;

export function createAcceptForm(ctx: LibraryContext, acceptance: Acceptance) {
  const { store, identity, passwords, jobs, clock, settings } = ctx;

  /**
   * The pending accept-link invitation the token belongs to. A link of an invitation that is over says
   * how it ended; an unknown, malformed or replaced link is `accept.invalid_link`.
   */
  async function resolve(token: string): Promise<Invitation> {
    const id = invitationIdOf(token);
    const invitation = id ? await store.get(id) : undefined;
    const invalid = () => refusal('accept.invalid_link', 404, 'This invitation link is not valid. Open the link in the latest invitation email.', invitation);
    if (!invitation || invitation.mode !== 'accept-link') throw invalid();
    const status = effectiveStatus(invitation, clock.now());
    if (status === 'accepted') throw refusal('accept.already_accepted', 409, 'This invitation has been accepted already. Sign in instead.', invitation);
    if (status === 'expired') throw refusal('accept.expired', 410, 'This invitation has expired. Ask for a new one.', invitation);
    if (status !== 'pending') throw refusal('accept.revoked', 410, 'This invitation was withdrawn.', invitation);
    if (!invitation.tokenIds.includes(acceptTokenHash(token))) throw invalid();
    return invitation;
  }

  /** What the page shows. Reads only: opening the link changes nothing. */
  async function page(token: string): Promise<AcceptPage> {
    const invitation = await resolve(token);
    return {
      invitationId: invitation.id,
      email: invitation.email,
      ...(invitation.name && { name: invitation.name }),
      inviterName: invitation.inviter.name?.trim() || invitation.inviter.email || settings.appName,
      appName: settings.appName,
      expiresAt: invitation.expiresAt,
      locale: nearestLocale(invitation.locale, settings.supportedLocales, settings.defaultLocale),
      ask: { name: settings.acceptForm.name, ...(settings.acceptForm.password && { password: await passwords.policy() }) },
    };
  }

  function checkedName(name: string | undefined, invitation: Invitation): string | undefined {
    const trimmed = name?.trim() ?? '';
    if (!settings.acceptForm.name) return undefined;
    const problem = (code: string, message: string) => refusal('accept.invalid_form', 422, message, invitation, { fields: [{ path: 'name', code, message }] });
    if (trimmed === '') throw problem('accept.name_required', 'Enter your name.');
    if (trimmed.length > maxNameLength || /\p{Cc}/u.test(trimmed)) throw problem('accept.name_invalid', `Use at most ${maxNameLength} characters, without control characters.`);
    return trimmed;
  }

  async function checkedNewPassword(password: string | undefined, invitation: Invitation, name: string | undefined): Promise<string | undefined> {
    if (!settings.acceptForm.password) return undefined;
    const missing = 'Choose a password.';
    if (!password) throw refusal('accept.invalid_form', 422, missing, invitation, { fields: [{ path: 'password', code: 'accept.password_required', message: missing }] });
    try {
      await checkedPassword(passwords, password, { email: invitation.email, ...(name && { name }) }, 'password');
    } catch (error) {
      if (!(error instanceof AppError) || error.code !== 'invitation.password_rejected') throw error;
      throw refusal('accept.invalid_form', 422, error.message, invitation, { fields: error.details });
    }
    return password;
  }

  /**
   * The form's POST: the invitee's Logto user (created, or the one the email already has), the invitation
   * accepted with it, and the app's sign-in URL to go on to. A refusal changes nothing.
   */
  async function submit(input: AcceptSubmission): Promise<{ location: string; invitationId: string }> {
    const invitation = await resolve(input.token);
    const name = checkedName(input.name, invitation);
    const password = await checkedNewPassword(input.password, invitation, name);
    const hash = acceptTokenHash(input.token);

    // Said before any user exists, so a request that dies after creating one leaves evidence for reconcile.
    const claimedAt = clock.now().toISOString();
    const claim = await ctx.update(invitation.id, (inv) =>
      inv.status === 'pending' && inv.tokenIds.includes(hash) && !inv.acceptClaimedAt ? { ...inv, acceptClaimedAt: claimedAt } : undefined,
    );
    if (!claim.changed) await resolve(input.token);

    let user = await identity.findUserByEmail(invitation.email);
    let created = false;
    if (!user) {
      try {
        user = await identity.createUser({
          primaryEmail: invitation.email,
          ...(name && { name }),
          ...(password && { password }),
          ...(Object.keys(invitation.metadata).length > 0 && { customData: invitation.metadata }),
        });
        created = true;
      } catch (error) {
        if (error instanceof UpstreamError) {
          // Logto may still create the user after we gave up: if the invitation has ended by the time that
          // sweep runs, the user is blocked; if it is still pending, reconciling accepts it with that user.
          await jobs.enqueue({ kind: 'close', invitationId: invitation.id }, retryDelaySeconds);
          throw error;
        }
        // A second submission at the same moment created it: that one is the invitee's user.
        if (!isEmailTaken(error)) throw error;
        user = await identity.findUserByEmail(invitation.email);
        if (!user) throw error;
      }
    }

    if (!(await acceptance.accept(invitation.id, user.id, 'accept-link'))) {
      const now = await ctx.load(invitation.id);
      if (now.status !== 'accepted') {
        // The invitation ended while we created its user: the loser removes what it created. A creation that
        // was retried may still land at Logto after that (its first attempt timed out), and with this user
        // gone it would make a new one: a later sweep of the ended invitation blocks whoever it finds.
        const userId = user.id;
        if (created) await identity.deleteUser(userId).catch(() => jobs.enqueue({ kind: 'suspend', invitationId: now.id, userId }, retryDelaySeconds));
        await jobs.enqueue({ kind: 'close', invitationId: now.id }, retryDelaySeconds);
      }
      // Accepted with this user by the other submission: done. Anything else is refused as the link now stands.
      if (now.status !== 'accepted' || now.acceptedUserId !== user.id) {
        await resolve(input.token);
        throw refusal('accept.revoked', 410, 'This invitation was withdrawn.', now);
      }
    }
    const firstScreen = password || !created ? 'identifier:sign_in' : 'reset_password';
    return { location: signInLink(invitation.redirectUrl ?? settings.signInUrl, invitation.email, firstScreen), invitationId: invitation.id };
  }

  return { page, submit };
}

export type AcceptForm = ReturnType<typeof createAcceptForm>;
