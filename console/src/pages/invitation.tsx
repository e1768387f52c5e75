/**
 * One invitation: its fields, its audit trail as a timeline, resend and revoke (each confirmed), and the
 * email it was last sent, rendered as the invitee saw it but with its link taken out.
 */
import { useRoute } from 'preact-iso';
import type { Invitation } from '../api.ts';
import { ConfirmButton, DeliveryBadge, ErrorMessage, StatusBadge, useInterval, useLoad } from '../components/ui.tsx';
import { to, useSession } from '../context.ts';
import { namesOf, useDirectory } from '../directory.ts';
import { dateTime, eventLabel, fromNow, modeLabels } from '../format.ts';

export function InvitationPage() {
  const { api } = useSession();
  const { params } = useRoute();
  const id = params.id ?? '';
  const invitation = useLoad(async () => (await api.GET('/v1/invitations/{id}', { params: { path: { id } } })).data!, [id]);
  const events = useLoad(async () => (await api.GET('/v1/invitations/{id}/events', { params: { path: { id } } })).data!, [id]);
  const value = invitation.value;
  const reload = () => {
    invitation.reload();
    events.reload();
  };
  // Until the email is out (or while the invitee may accept any moment) the page follows along.
  useInterval(reload, 4000, value?.status === 'pending');

  return (
    <>
      <p class="crumbs">
        <a href={to()}>Invitations</a>
      </p>
      <h1 tabIndex={-1}>{value?.email ?? 'Invitation'}</h1>
      <ErrorMessage error={invitation.error} />
      {value && <Fields invitation={value} onChanged={reload} />}
      <section aria-labelledby="timeline-title">
        <h2 id="timeline-title">Timeline</h2>
        <ErrorMessage error={events.error} />
        <ol class="timeline">
          {(events.value ?? []).map((event, index) => (
            <li key={`${event.at}-${index}`}>
              <time dateTime={event.at} title={dateTime(event.at)}>
                {dateTime(event.at)}
              </time>{' '}
              <strong>{eventLabel(event.type)}</strong>
              <span class="muted">
                {' '}
                by {event.actor.name ?? event.actor.type}
                {event.actor.id && event.actor.type !== 'system' ? ` (${event.actor.id})` : ''}
              </span>
              {event.data && Object.keys(event.data).length > 0 && <EventData data={event.data} />}
            </li>
          ))}
        </ol>
      </section>
      {value && value.delivery.sendCount > 0 && <EmailPreview id={id} sendCount={value.delivery.sendCount} />}
    </>
  );
}

function EventData({ data }: { data: Record<string, unknown> }) {
  return (
    <dl class="event-data">
      {Object.entries(data).map(([key, value]) => (
        <div key={key}>
          <dt>{key}</dt>
          <dd>{typeof value === 'string' ? value : JSON.stringify(value)}</dd>
        </div>
      ))}
    </dl>
  );
}

function Fields({ invitation, onChanged }: { invitation: Invitation; onChanged: () => void }) {
  const { api } = useSession();
  const directory = useDirectory();
  const pending = invitation.status === 'pending';
  const path = { params: { path: { id: invitation.id } } };
  const list = (ids: string[], choices: Parameters<typeof namesOf>[1]) => (ids.length ? namesOf(ids, choices).join(', ') : '—');
  return (
    <section aria-label="Details">
      <p class="badges">
        <StatusBadge status={invitation.status} /> <DeliveryBadge status={invitation.delivery.status} />
      </p>
      <dl class="fields">
        <div>
          <dt>Mode</dt>
          <dd>{modeLabels[invitation.mode]}</dd>
        </div>
        {invitation.name && (
          <div>
            <dt>Name</dt>
            <dd>{invitation.name}</dd>
          </div>
        )}
        <div>
          <dt>{pending ? 'Expires' : 'Expiry'}</dt>
          <dd>
            <time dateTime={invitation.expiresAt}>{dateTime(invitation.expiresAt)}</time>
            {pending && <span class="muted"> ({fromNow(invitation.expiresAt)})</span>}
          </dd>
        </div>
        <div>
          <dt>Roles</dt>
          <dd>{list(invitation.roleIds, directory.roles)}</dd>
        </div>
        <div>
          <dt>Organizations</dt>
          <dd>{list(invitation.organizationIds, directory.organizations)}</dd>
        </div>
        {invitation.organizationRoleIds.length > 0 && (
          <div>
            <dt>Organization roles</dt>
            <dd>{list(invitation.organizationRoleIds, directory.organizationRoles)}</dd>
          </div>
        )}
        <div>
          <dt>Language</dt>
          <dd>{invitation.locale}</dd>
        </div>
        <div>
          <dt>Emails sent</dt>
          <dd>
            {invitation.delivery.sendCount}
            {invitation.delivery.lastSentAt && <span class="muted"> (last {fromNow(invitation.delivery.lastSentAt)})</span>}
            {invitation.delivery.lastError && <span class="muted"> · {invitation.delivery.lastError}</span>}
          </dd>
        </div>
        {Object.keys(invitation.metadata).length > 0 && (
          <div>
            <dt>Metadata</dt>
            <dd>
              <code>{JSON.stringify(invitation.metadata)}</code>
            </dd>
          </div>
        )}
        {invitation.acceptedAt && (
          <div>
            <dt>Accepted</dt>
            <dd>
              {dateTime(invitation.acceptedAt)}
              {invitation.acceptedUserId && <span class="muted"> by Logto user {invitation.acceptedUserId}</span>}
            </dd>
          </div>
        )}
        {invitation.revokedAt && (
          <div>
            <dt>Revoked</dt>
            <dd>{dateTime(invitation.revokedAt)}</dd>
          </div>
        )}
        <div>
          <dt>Invited</dt>
          <dd>
            {dateTime(invitation.createdAt)}
            {invitation.inviter.name || invitation.inviter.email || invitation.inviter.id ? (
              <span class="muted"> by {invitation.inviter.name ?? invitation.inviter.email ?? invitation.inviter.id}</span>
            ) : null}
          </dd>
        </div>
        <div>
          <dt>Id</dt>
          <dd>
            <code>{invitation.id}</code>
          </dd>
        </div>
      </dl>
      {pending && (
        <p class="actions">
          <ConfirmButton
            label="Resend"
            title={`Resend to ${invitation.email}?`}
            confirmLabel="Resend"
            onConfirm={async () => {
              await api.POST('/v1/invitations/{id}/resend', path);
              onChanged();
            }}
          >
            <p>A new email goes out with a new link; the link sent before stops working.</p>
          </ConfirmButton>
          <ConfirmButton
            label="Revoke"
            title={`Revoke the invitation of ${invitation.email}?`}
            confirmLabel="Revoke"
            danger
            onConfirm={async () => {
              await api.POST('/v1/invitations/{id}/revoke', path);
              onChanged();
            }}
          >
            <p>Its link stops working at once, at Logto too. This cannot be undone: to let them in later, invite them again.</p>
          </ConfirmButton>
        </p>
      )}
    </section>
  );
}

function EmailPreview({ id, sendCount }: { id: string; sendCount: number }) {
  const { api } = useSession();
  const email = useLoad(async () => (await api.GET('/v1/invitations/{id}/email', { params: { path: { id } } })).data!, [id, sendCount]);
  return (
    <section aria-labelledby="email-title">
      <h2 id="email-title">The email</h2>
      <ErrorMessage error={email.error} />
      {email.value && (
        <>
          <p>
            <strong>Subject:</strong> {email.value.subject} <span class="muted">({email.value.template}, {email.value.locale}; the link is left out)</span>
          </p>
          {/* No scripts, no same-origin access: the email's HTML is shown, nothing in it runs. */}
          <iframe class="email" title={`The email: ${email.value.subject}`} sandbox="" srcdoc={email.value.html} />
        </>
      )}
    </section>
  );
}
