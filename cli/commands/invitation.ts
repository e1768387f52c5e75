/** The commands about one invitation, by id: show, events, resend, revoke. */
import { apiOptions } from '../args.ts';
import { defineCommand, segment } from '../command.ts';
import { CliError, exitCodes } from '../errors.ts';
import { confirm } from '../prompt.ts';
import type { Invitation, InvitationEvent } from '../types.ts';
import { invitationDetails, timeline } from '../views.ts';

export const show = defineCommand({
  spec: { name: 'show', summary: 'Show one invitation', args: ['id'], options: { ...apiOptions } },
  async run({ api, out, io }, { args: [id] }) {
    const invitation = await api().get<Invitation>(`/v1/invitations/${segment(id!)}`);
    if (out.json) return out.data(invitation);
    out.line(invitationDetails(invitation, out.paint, io.now()));
  },
});

export const events = defineCommand({
  spec: { name: 'events', summary: "Show an invitation's audit trail, oldest first", args: ['id'], options: { ...apiOptions } },
  async run({ api, out }, { args: [id] }) {
    const trail = await api().get<InvitationEvent[]>(`/v1/invitations/${segment(id!)}/events`);
    if (out.json) return out.data(trail);
    out.line(trail.length ? timeline(trail, out.paint) : 'No events.');
  },
});

export const resend = defineCommand({
  spec: {
    name: 'resend',
    summary: 'Email a pending invitation again, with a new link',
    description: ['The link of the email before stops working.'],
    args: ['id'],
    options: { ...apiOptions },
  },
  async run({ api, out, io }, { args: [id] }) {
    const invitation = await api().post<Invitation>(`/v1/invitations/${segment(id!)}/resend`);
    if (out.json) return out.data(invitation);
    out.line(out.paint('bold', `Resent to ${invitation.email}`));
    out.line(invitationDetails(invitation, out.paint, io.now()));
  },
});

export const revoke = defineCommand({
  spec: {
    name: 'revoke',
    summary: 'Revoke an invitation: its link stops working at once',
    args: ['id'],
    description: ['A provisioned account that never signed in is suspended. On a terminal it asks first, unless --yes.'],
    options: {
      yes: { type: 'boolean', short: 'y', description: 'Do not ask for confirmation' },
      ...apiOptions,
    },
  },
  async run({ api, out, io }, { values, args: [id] }) {
    const path = `/v1/invitations/${segment(id!)}`;
    if (io.stdin.isTTY && !values.yes) {
      const invitation = await api().get<Invitation>(path);
      if (!(await confirm(io, `Revoke the invitation of ${invitation.email} (${invitation.id}, ${invitation.status})?`))) {
        throw new CliError(exitCodes.usage, 'Not revoked.');
      }
    }
    const invitation = await api().post<Invitation>(`${path}/revoke`);
    if (out.json) return out.data(invitation);
    out.line(out.paint('bold', `Revoked the invitation of ${invitation.email}`));
    out.line(invitationDetails(invitation, out.paint, io.now()));
  },
});
