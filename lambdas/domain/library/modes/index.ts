/** The mode strategies, one per option of Logto's invitation guide. */
import type { Invitation, InvitationMode } from '../../invitation.ts';
import type { LibraryContext } from '../context.ts';
import type { TokenLedger } from '../tokens.ts';
import { createAcceptLinkMode } from './accept-link.ts';
import { createMagicLinkMode } from './magic-link.ts';
import type { ModeStrategy } from './mode.ts';
import { createProvisionMode } from './provision.ts';

export type { CloseFindings, Issued, LogtoEvent, ModeStrategy } from './mode.ts';

export function createModes(ctx: LibraryContext, tokens: TokenLedger) {
  const strategies: Record<InvitationMode, ModeStrategy> = {
    'magic-link': createMagicLinkMode(ctx, tokens),
    'accept-link': createAcceptLinkMode(ctx),
    provision: createProvisionMode(ctx),
  };
  return { of: (invitation: Pick<Invitation, 'mode'>): ModeStrategy => strategies[invitation.mode] };
}

export type Modes = ReturnType<typeof createModes>;
