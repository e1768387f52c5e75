/**
 * Recommendations from existing users (the guide's other way of collecting who to invite): a signed-in user
 * invites someone into no more than they hold themselves, within a quota per period, and, where the
 * deployment says so, held for an admin's approval. The referrer is the inviter and is in the audit trail.
 */
import { AppError } from '../errors.ts';
import type { Invitation } from '../invitation.ts';
import type { Actor, UserGrants } from '../ports.ts';
import type { AccessRequests } from './access-requests.ts';
import type { LibraryContext } from './context.ts';

export interface ReferralInput {
  email: string;
  name?: string;
  message?: string;
  roleIds?: string[];
  organizationIds?: string[];
  organizationRoleIds?: string[];
  locale?: string;
}

export type Referred = { invitation: Invitation } | { held: true };

/** What the referral asks to pass on that the referrer does not hold, item by item. */
function notHeld(input: ReferralInput, grants: UserGrants): { path: string; id: string; organizationId?: string }[] {
  const problems: { path: string; id: string; organizationId?: string }[] = [];
  for (const id of input.roleIds ?? []) if (!grants.roleIds.includes(id)) problems.push({ path: 'roleIds', id });
  for (const organizationId of input.organizationIds ?? []) {
    const membership = grants.organizations.find((org) => org.id === organizationId);
    if (!membership) {
      problems.push({ path: 'organizationIds', id: organizationId });
      continue;
    }
    // Organization roles are given in every organization of the invitation: the referrer must hold each there.
    for (const id of input.organizationRoleIds ?? []) if (!membership.roleIds.includes(id)) problems.push({ path: 'organizationRoleIds', id, organizationId });
  }
  if ((input.organizationRoleIds ?? []).length > 0 && (input.organizationIds ?? []).length === 0) {
    for (const id of input.organizationRoleIds!) problems.push({ path: 'organizationRoleIds', id });
  }
  return problems;
}

export function createReferrals(
  ctx: LibraryContext,
  createInvitation: (input: ReferralInput & { inviter: { id: string; name?: string }; origin: Record<string, unknown> }, actor: Actor) => Promise<Invitation>,
  accessRequests: AccessRequests,
) {
  const { identity, limiter, clock, settings } = ctx;

  /**
   * Checks what the referrer holds first (a refusal costs no quota), then counts the referral against the
   * quota (every attempt counts, so conflicts cannot be probed for free), then invites, or holds it for
   * approval. A registered or pending email is refused as for an admin (409).
   */
  async function refer(input: ReferralInput, referrer: Actor & { id: string }): Promise<Referred> {
    const [grants, user] = await Promise.all([identity.getUserGrants(referrer.id), identity.getUser(referrer.id)]);
    if (!user) throw new AppError('referral.unknown_referrer', 403, 'The signed-in user does not exist at Logto.');
    const problems = notHeld(input, grants);
    if (problems.length > 0) {
      throw new AppError('referral.not_held', 403, 'You can only pass on roles and organizations you hold yourself.', problems);
    }
    const { perPeriod, periodDays, needApproval } = settings.referrals;
    if (!(await limiter.hit(`refer:${referrer.id}`, perPeriod, periodDays * 86_400, clock.now()))) {
      throw new AppError('referral.quota_exceeded', 429, `You can refer at most ${perPeriod} people every ${periodDays} days.`, { limit: perPeriod, periodDays });
    }
    const inviter = { id: referrer.id, ...(user.name && { name: user.name }) };
    if (needApproval) {
      await accessRequests.submit({
        email: input.email,
        ...(input.name && { name: input.name }),
        ...(input.message && { message: input.message }),
        referral: {
          referrerId: referrer.id,
          ...(user.name && { referrerName: user.name }),
          roleIds: input.roleIds ?? [],
          organizationIds: input.organizationIds ?? [],
          organizationRoleIds: input.organizationRoleIds ?? [],
          ...(input.locale && { locale: input.locale }),
        },
      });
      return { held: true };
    }
    const { message: _message, ...invite } = input;
    return { invitation: await createInvitation({ ...invite, inviter, origin: { referrerId: referrer.id } }, referrer) };
  }

  return { refer };
}

export type Referrals = ReturnType<typeof createReferrals>;
