/**
 * Invitations, newest first: filter by status, find one email, page with the API's cursor. While an
 * email is still queued the page refreshes itself every few seconds.
 */
import { useLocation } from 'preact-iso';
import { useState } from 'preact/hooks';
import type { Invitation, InvitationStatus } from '../api.ts';
import { DeliveryBadge, ErrorMessage, StatusBadge, useInterval, useLoad } from '../components/ui.tsx';
import { to, useSession } from '../context.ts';
import { dateTime, fromNow, modeLabels } from '../format.ts';

const statuses: InvitationStatus[] = ['pending', 'accepted', 'expired', 'revoked', 'undeliverable'];
const pageSize = 20;

/** Something is in flight while an email waits in the queue. */
const inFlight = (invitation: Invitation) => invitation.status === 'pending' && invitation.delivery.status === 'queued';

export function InvitationsPage() {
  const { api } = useSession();
  const { query, route } = useLocation();
  const status = statuses.includes(query.status as InvitationStatus) ? (query.status as InvitationStatus) : undefined;
  const email = query.email || undefined;
  const cursor = query.cursor || undefined;
  // The cursors of the pages before this one, so "Newer" can go back (the API pages forward only).
  const [previous, setPrevious] = useState<(string | undefined)[]>([]);
  const [emailInput, setEmailInput] = useState(email ?? '');

  const page = useLoad(
    async () => (await api.GET('/v1/invitations', { params: { query: { status, email, cursor, limit: pageSize } } })).data!,
    [status, email, cursor],
  );
  const rows = page.value?.data ?? [];
  useInterval(page.reload, 4000, rows.some(inFlight));

  const go = (next: { status?: string | undefined; email?: string | undefined; cursor?: string | undefined }) => {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(next)) if (value) params.set(key, value);
    const search = params.toString();
    route(`${to()}${search ? `?${search}` : ''}`);
  };

  return (
    <>
      <div class="title">
        <h1 tabIndex={-1}>Invitations</h1>
        <a class="button primary" href={to('/invite')}>
          Invite
        </a>
      </div>
      <form
        class="filters"
        role="search"
        onSubmit={(event) => {
          event.preventDefault();
          setPrevious([]);
          go({ status, email: emailInput.trim() || undefined });
        }}
      >
        <p>
          <label for="filter-status">Status</label>
          <select
            id="filter-status"
            value={status ?? ''}
            onChange={(event) => {
              setPrevious([]);
              go({ status: event.currentTarget.value || undefined, email });
            }}
          >
            <option value="">Any</option>
            {statuses.map((value) => (
              <option key={value} value={value}>
                {value}
              </option>
            ))}
          </select>
        </p>
        <p>
          <label for="filter-email">Email</label>
          <input id="filter-email" type="search" inputMode="email" autoComplete="off" value={emailInput} onInput={(event) => setEmailInput(event.currentTarget.value)} />
        </p>
        <p>
          <button type="submit">Search</button>
        </p>
      </form>
      <ErrorMessage error={page.error} />
      {page.value && rows.length === 0 && <p class="empty">{status || email ? 'No invitation matches.' : 'No invitations yet.'}</p>}
      {rows.length > 0 && (
        <div class="table-wrap" role="region" aria-label="Invitations" tabIndex={0}>
          <table class="invitations">
            <thead>
              <tr>
                <th scope="col">Email</th>
                <th scope="col">Status</th>
                <th scope="col">Mode</th>
                <th scope="col">Expires</th>
                <th scope="col">Created</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((invitation) => (
                <tr key={invitation.id}>
                  <td data-label="Email">
                    <a href={to(`/invitations/${encodeURIComponent(invitation.id)}`)}>{invitation.email}</a>
                  </td>
                  <td data-label="Status">
                    <StatusBadge status={invitation.status} /> <DeliveryBadge status={invitation.delivery.status} />
                  </td>
                  <td data-label="Mode">{modeLabels[invitation.mode]}</td>
                  <td data-label="Expires">
                    <time dateTime={invitation.expiresAt} title={dateTime(invitation.expiresAt)}>
                      {invitation.status === 'pending' ? fromNow(invitation.expiresAt) : '—'}
                    </time>
                  </td>
                  <td data-label="Created">
                    <time dateTime={invitation.createdAt} title={dateTime(invitation.createdAt)}>
                      {fromNow(invitation.createdAt)}
                    </time>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <nav class="pager" aria-label="Pages">
        <button
          type="button"
          disabled={previous.length === 0}
          onClick={() => {
            const back = previous.slice(0, -1);
            go({ status, email, cursor: previous[previous.length - 1] });
            setPrevious(back);
          }}
        >
          Newer
        </button>
        <button
          type="button"
          disabled={!page.value?.nextCursor}
          onClick={() => {
            setPrevious([...previous, cursor]);
            go({ status, email, cursor: page.value?.nextCursor ?? undefined });
          }}
        >
          Older
        </button>
        {page.loading && <span class="muted">Loading…</span>}
      </nav>
    </>
  );
}
