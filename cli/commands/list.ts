import { apiOptions } from '../args.ts';
import { defineCommand } from '../command.ts';
import { usageError } from '../errors.ts';
import type { Invitation, InvitationList } from '../types.ts';
import { invitationTable } from '../views.ts';

export const list = defineCommand({
  spec: {
    name: 'list',
    summary: 'List invitations, newest first',
    args: [],
    description: ["With --all it follows the pages to the end; with --json too, it prints one document holding every page's invitations (its nextCursor null)."],
    options: {
      status: { type: 'string', value: 'status', description: 'pending, accepted, expired, revoked or undeliverable' },
      email: { type: 'string', value: 'email', description: 'Only the invitations of this email' },
      limit: { type: 'string', value: 'n', description: 'Invitations per page, 1 to 100 (default 20; 100 with --all)' },
      cursor: { type: 'string', value: 'cursor', description: 'Start at this page (the nextCursor of the one before)' },
      all: { type: 'boolean', description: 'Every page, not just the first' },
      ...apiOptions,
    },
    examples: ['logto-invitations list --status pending', 'logto-invitations list --all --json'],
  },
  async run({ api, out, io }, { values }) {
    if (values.limit !== undefined && !/^\d+$/.test(values.limit)) throw usageError(`--limit takes a number, not "${values.limit}".`, 'list');
    const limit = values.limit ?? (values.all ? '100' : undefined);
    const invitations: Invitation[] = [];
    let cursor = values.cursor;
    let page: InvitationList;
    do {
      page = await api().get<InvitationList>('/v1/invitations', { query: { status: values.status, email: values.email, limit, cursor } });
      invitations.push(...page.data);
      cursor = page.nextCursor ?? undefined;
    } while (values.all && cursor);

    if (out.json) return out.data(values.all ? { data: invitations, nextCursor: null } : page);
    if (invitations.length === 0) return out.line('No invitations.');
    out.line(invitationTable(invitations, out.paint, io.now()));
    if (!values.all && page.nextCursor) out.line(out.paint('dim', `More: --cursor ${page.nextCursor} (or --all)`));
  },
});
