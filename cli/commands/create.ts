import { apiOptions } from '../args.ts';
import { defineCommand } from '../command.ts';
import { usageError } from '../errors.ts';
import type { CreateInvitation, Invitation } from '../types.ts';
import { invitationDetails } from '../views.ts';

const durationUnits: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400, w: 604_800 };

/** `3600`, `90m`, `12h`, `7d`, `2w` as seconds; the API decides whether it is in range. */
export function parseDuration(text: string): number {
  const match = /^(\d+)([smhdw]?)$/.exec(text.trim());
  if (!match) throw usageError(`--expires takes seconds or a duration such as 30m, 12h, 7d or 2w, not "${text}".`, 'create');
  return Number(match[1]) * durationUnits[match[2] || 's']!;
}

function parseMetadata(text: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw usageError(`--metadata is not JSON: ${(error as Error).message}`, 'create');
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw usageError('--metadata must be a JSON object.', 'create');
  return value as Record<string, unknown>;
}

export const create = defineCommand({
  spec: {
    name: 'create',
    summary: 'Invite one email',
    description: ['Creates the invitation and emails it (with --no-notify: prints its link instead).'],
    args: ['email'],
    options: {
      mode: { type: 'string', value: 'mode', description: 'magic-link (the default), accept-link or provision' },
      role: { type: 'string', multiple: true, value: 'id', description: 'A role the invitee gets on acceptance' },
      org: { type: 'string', multiple: true, value: 'id', description: 'An organization the invitee joins' },
      'org-role': { type: 'string', multiple: true, value: 'id', description: 'An organization role they get in those organizations' },
      locale: { type: 'string', value: 'tag', description: "The email's language: en, de, de-CH (default: the service's)" },
      expires: { type: 'string', value: 'duration', description: "Seconds, or 30m, 12h, 7d, 2w; 5 minutes to 30 days (default: the service's)" },
      metadata: { type: 'string', value: 'json', description: "A JSON object copied to the user's customData on acceptance" },
      name: { type: 'string', value: 'name', description: "The invitee's name" },
      notify: { type: 'boolean', negatable: true, description: 'Send no email: print the link, to pass on yourself' },
      ...apiOptions,
    },
    examples: [
      'logto-invitations create ada@example.com --role role-member --org org-acme --org-role orgrole-admin',
      'logto-invitations create bob@example.com --mode accept-link --locale de --expires 3d --metadata \'{"team":"research"}\'',
      'logto-invitations create cy@example.com --no-notify --json',
    ],
  },
  async run({ api, out, io }, { values, args: [email] }) {
    const body: CreateInvitation = {
      email: email!,
      ...(values.mode !== undefined && { mode: values.mode as CreateInvitation['mode'] }),
      ...(values.role.length > 0 && { roleIds: values.role }),
      ...(values.org.length > 0 && { organizationIds: values.org }),
      ...(values['org-role'].length > 0 && { organizationRoleIds: values['org-role'] }),
      ...(values.locale !== undefined && { locale: values.locale }),
      ...(values.expires !== undefined && { expiresIn: parseDuration(values.expires) }),
      ...(values.metadata !== undefined && { metadata: parseMetadata(values.metadata) }),
      ...(values.name !== undefined && { name: values.name }),
      ...(!values.notify && { notify: false }),
    };
    const invitation = await api().post<Invitation>('/v1/invitations', { body });
    if (out.json) return out.data(invitation);
    out.line(out.paint('bold', `Invited ${invitation.email}${values.notify ? '' : ' (no email sent: pass the link on yourself)'}`));
    out.line(invitationDetails(invitation, out.paint, io.now()));
  },
});
