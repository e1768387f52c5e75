/**
 * The lifecycle state machine's task handler: each task re-reads the invitation and is idempotent, so
 * Step Functions may retry it freely. Returns `{ status }` for the next Choice: after `reconcile` the
 * stored status (`pending` while the invitation is still open, even past its expiry), after `remind` and
 * `expire` the status the invitation reads.
 */
import * as z from 'zod';
import type { InvitationStatus } from '../domain/invitation.ts';
import type { InvitationLibrary } from '../domain/invitations.ts';

export const lifecycleTaskInput = z.object({
  action: z.enum(['reconcile', 'remind', 'expire']),
  invitationId: z.string().min(1),
  /** The time the preceding Wait waited for (the `Expire` step trusts it). */
  at: z.iso.datetime({ offset: true }).optional(),
});
export type LifecycleTaskInput = z.infer<typeof lifecycleTaskInput>;

export function makeLifecycleHandler({ invitations }: { invitations: Pick<InvitationLibrary, 'reconcile' | 'remind' | 'expire'> }) {
  return async (input: unknown): Promise<{ status: InvitationStatus }> => {
    const { action, invitationId, at } = lifecycleTaskInput.parse(input);
    return { status: action === 'expire' ? await invitations.expire(invitationId, at) : await invitations[action](invitationId) };
  };
}
