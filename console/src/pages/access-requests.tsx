/**
 * People who asked to be invited (the request form, or a referral held for approval): approve one into
 * an invitation with the mode and grants chosen here, or decline it (nothing is sent).
 */
import { useLocation } from 'preact-iso';
import { useRef, useState } from 'preact/hooks';
import type { AccessRequest, InvitationMode } from '../api.ts';
import { ConfirmButton, ErrorMessage, Picker, StatusBadge, useLoad } from '../components/ui.tsx';
import { to, useSession } from '../context.ts';
import { namesOf, useDirectory } from '../directory.ts';
import { keyOutlives, newKey } from '../drafts.ts';
import { dateTime, fromNow, modeLabels } from '../format.ts';

const statuses = ['pending', 'approved', 'declined'] as const;

export function AccessRequestsPage() {
  const { api } = useSession();
  const { query, route } = useLocation();
  const status = (statuses as readonly string[]).includes(query.status ?? '') ? (query.status as (typeof statuses)[number]) : 'pending';
  const cursor = query.cursor || undefined;
  const page = useLoad(async () => (await api.GET('/v1/access-requests', { params: { query: { status, cursor, limit: 20 } } })).data!, [status, cursor]);
  const rows = page.value?.data ?? [];
  return (
    <>
      <h1 tabIndex={-1}>Access requests</h1>
      <form class="filters" role="search" onSubmit={(event) => event.preventDefault()}>
        <p>
          <label for="request-status">Status</label>
          <select id="request-status" value={status} onChange={(event) => route(`${to('/access-requests')}?status=${event.currentTarget.value}`)}>
            {statuses.map((value) => (
              <option key={value} value={value}>
                {value}
              </option>
            ))}
          </select>
        </p>
      </form>
      <ErrorMessage error={page.error} />
      {page.value && rows.length === 0 && <p class="empty">No {status} requests.</p>}
      <ul class="requests">
        {rows.map((request) => (
          <RequestCard key={request.id} request={request} onChanged={page.reload} />
        ))}
      </ul>
      {page.value?.nextCursor && (
        <p class="pager">
          <a class="button" href={`${to('/access-requests')}?status=${status}&cursor=${encodeURIComponent(page.value.nextCursor)}`}>
            Older
          </a>
        </p>
      )}
    </>
  );
}

function RequestCard({ request, onChanged }: { request: AccessRequest; onChanged: () => void }) {
  const { api } = useSession();
  const directory = useDirectory();
  const referral = request.referral;
  const [mode, setMode] = useState<InvitationMode>('magic-link');
  const [roleIds, setRoleIds] = useState<string[]>(referral?.roleIds ?? []);
  const [organizationIds, setOrganizationIds] = useState<string[]>(referral?.organizationIds ?? []);
  const key = useRef(newKey());
  const path = { params: { path: { id: request.id } } };
  const headingId = `request-${request.id}`;
  return (
    <li class="card" aria-labelledby={headingId}>
      <h2 id={headingId}>
        {request.name ? `${request.name} · ` : ''}
        {request.email}
      </h2>
      <p>
        <StatusBadge status={request.status} />{' '}
        <span class="muted">
          asked <time dateTime={request.createdAt} title={dateTime(request.createdAt)}>{fromNow(request.createdAt)}</time>
          {referral && `, referred by ${referral.referrerName ?? referral.referrerId}`}
        </span>
      </p>
      {request.message && <blockquote>{request.message}</blockquote>}
      {request.invitationId && (
        <p>
          <a href={to(`/invitations/${encodeURIComponent(request.invitationId)}`)}>See the invitation</a>
        </p>
      )}
      {request.status === 'pending' && (
        <p class="actions">
          <ConfirmButton
            label="Approve"
            title={`Invite ${request.email}?`}
            confirmLabel="Approve and invite"
            onConfirm={async () => {
              try {
                await api.POST('/v1/access-requests/{id}/approve', {
                  ...path,
                  body: { mode, roleIds, organizationIds },
                  headers: { 'idempotency-key': key.current },
                });
              } catch (failure) {
                if (!keyOutlives(failure)) key.current = newKey();
                throw failure;
              }
              onChanged();
            }}
          >
            <p>
              <label for={`${headingId}-mode`}>How they get in</label>
              <select id={`${headingId}-mode`} value={mode} onChange={(event) => setMode(event.currentTarget.value as InvitationMode)}>
                {(Object.keys(modeLabels) as InvitationMode[]).map((value) => (
                  <option key={value} value={value}>
                    {modeLabels[value]}
                  </option>
                ))}
              </select>
            </p>
            <Picker legend="Roles" choices={directory.roles} error={directory.error} selected={roleIds} onChange={setRoleIds} />
            <Picker legend="Organizations" choices={directory.organizations} selected={organizationIds} onChange={setOrganizationIds} />
            {referral && referral.roleIds.length + referral.organizationIds.length > 0 && (
              <p class="muted">
                The referrer asked for {[...namesOf(referral.roleIds, directory.roles), ...namesOf(referral.organizationIds, directory.organizations)].join(', ')}.
              </p>
            )}
          </ConfirmButton>
          <ConfirmButton
            label="Decline"
            title={`Decline ${request.email}?`}
            confirmLabel="Decline"
            danger
            onConfirm={async () => {
              await api.POST('/v1/access-requests/{id}/decline', path);
              onChanged();
            }}
          >
            <p>Nothing is sent to them.</p>
          </ConfirmButton>
        </p>
      )}
    </li>
  );
}
