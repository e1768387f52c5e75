/**
 * The step of Logto's guide before any invitation: collecting who to invite. Someone asks (the public form
 * or a team's website); an admin approves (which is a create, with the mode, roles and organizations the
 * admin picks) or declines. Asking never calls Logto and answers the same for every email, so it tells
 * nobody whether an address is known.
 */
import { AppError } from '../errors.ts';
import type { Invitation } from '../invitation.ts';
import type { AccessRequest, AccessRequestPage, AccessRequestStatus, Actor } from '../ports.ts';
import { versionedUpdate, type LibraryContext } from './context.ts';

export interface AccessRequestInput {
  email: string;
  name?: string;
  message?: string;
  /** A referral held for approval. */
  referral?: AccessRequest['referral'];
}

/** How long an approval may take before another admin's approval may take over. */
const approvalLeaseMs = 60_000;

const notFound = (id: string) => new AppError('access_request.not_found', 404, `No access request with id ${id}.`);

/** The invitation's create, as the approval calls it: the request's email, the admin's options. */
export type CreateFromRequest = (input: ApprovalOptions & { email: string; origin: Record<string, unknown> }, actor: Actor) => Promise<Invitation>;

/** What the admin chooses on approval: the create body's optional fields. */
export interface ApprovalOptions {
  name?: string;
  [option: string]: unknown;
}

export function createAccessRequests(ctx: LibraryContext, createInvitation: CreateFromRequest) {
  const { accessRequests: store, clock, ids } = ctx;

  async function load(id: string): Promise<AccessRequest> {
    const request = /^[\w-]{1,128}$/.test(id) ? await store.getAccessRequest(id) : undefined;
    if (!request) throw notFound(id);
    return request;
  }

  const update = versionedUpdate<AccessRequest>({
    load,
    replace: (next, expected) => store.replaceAccessRequest(next, expected),
    clock,
    conflict: () => new AppError('access_request.write_conflict', 503, 'The access request is changing too fast; try again.'),
  });

  /** Stores the request, unless the email already has one waiting. Either way the caller learns nothing. */
  async function submit(input: AccessRequestInput): Promise<void> {
    const now = clock.now().toISOString();
    await store.createAccessRequest({
      id: ids.accessRequestId(),
      email: input.email,
      ...(input.name && { name: input.name }),
      ...(input.message && { message: input.message }),
      ...(input.referral && { referral: input.referral }),
      status: 'pending',
      createdAt: now,
      updatedAt: now,
      version: 1,
    });
  }

  const notPending = (request: AccessRequest) =>
    new AppError('access_request.not_pending', 409, `The access request is ${request.status}.`, {
      ...(request.invitationId && { invitationId: request.invitationId }),
    });

  /**
   * Creates the request's invitation, once: the approval claims the request first, so of two approvals at
   * once one creates and the other is 409. A create refused for good (the email is a Logto user already,
   * or has an invitation pending) leaves the request pending with the reason; one that may pass (Logto
   * down) frees the claim for a retry. An approval whose worker died is taken over after its lease; if
   * its invitation was made, the email's pending invitation is that one and is adopted.
   */
  async function approve(id: string, options: ApprovalOptions, actor: Actor): Promise<Invitation> {
    const now = clock.now();
    const until = new Date(now.getTime() + approvalLeaseMs).toISOString();
    const claim = await update(id, (request) => {
      if (request.status !== 'pending') return undefined;
      if (request.approving && Date.parse(request.approving.until) > now.getTime()) return undefined;
      return { ...request, approving: { until } };
    });
    if (!claim.changed) {
      if (claim.after.status !== 'pending') throw notPending(claim.after);
      throw new AppError('access_request.approval_in_progress', 409, 'Another approval of this request is under way.');
    }
    const request = claim.after;
    let invitation: Invitation;
    try {
      const name = options.name ?? request.name;
      // A held referral: what the referrer asked for and the referrer as inviter, unless the admin says otherwise.
      const { referral } = request;
      const referred = referral && {
        roleIds: referral.roleIds,
        organizationIds: referral.organizationIds,
        organizationRoleIds: referral.organizationRoleIds,
        ...(referral.locale && { locale: referral.locale }),
        inviter: { id: referral.referrerId, ...(referral.referrerName && { name: referral.referrerName }) },
      };
      const origin = { accessRequestId: request.id, ...(referral && { referrerId: referral.referrerId }) };
      invitation = await createInvitation({ ...referred, ...options, ...(name && { name }), email: request.email, origin }, actor);
    } catch (error) {
      const adopted = error instanceof AppError && error.code === 'invitation.already_pending' && claim.before.approving
        ? (error.details as { invitationId?: string } | undefined)?.invitationId
        : undefined;
      if (!adopted) {
        await update(id, (current) => (current.approving?.until === until ? { ...current, approving: undefined } : undefined));
        throw error;
      }
      invitation = await ctx.load(adopted);
    }
    const decidedAt = clock.now().toISOString();
    await update(id, (current) =>
      current.status === 'pending' ? { ...current, status: 'approved', approving: undefined, invitationId: invitation.id, decidedBy: actor, decidedAt } : undefined,
    );
    return invitation;
  }

  /** Nothing is sent; the email may ask again. */
  async function decline(id: string, actor: Actor): Promise<AccessRequest> {
    const now = clock.now();
    const decidedAt = now.toISOString();
    const { after, changed } = await update(id, (request) =>
      request.status === 'pending' && !(request.approving && Date.parse(request.approving.until) > now.getTime())
        ? { ...request, status: 'declined', approving: undefined, decidedBy: actor, decidedAt }
        : undefined,
    );
    if (changed) return after;
    if (after.status === 'pending') throw new AppError('access_request.approval_in_progress', 409, 'An approval of this request is under way.');
    throw notPending(after);
  }

  return {
    submit,
    approve,
    decline,
    get: load,
    list: (query: { status?: AccessRequestStatus; limit: number; cursor?: string }): Promise<AccessRequestPage> => store.listAccessRequests(query),
  };
}

export type AccessRequests = ReturnType<typeof createAccessRequests>;
