/**
 * Invite one person (mode, roles, organizations, locale, expiry, metadata), or many from a CSV file: the
 * file is checked first (a dry run: which rows would be rejected and why, nothing sent), then sent as one
 * batch whose delivery shows as a progress bar.
 */
import { useState } from 'preact/hooks';
import type { BatchCreated, BatchProgress, CreateInvitation, Invitation, InvitationMode } from '../api.ts';
import { ErrorMessage, Picker, Progress, useInterval } from '../components/ui.tsx';
import { to, useSession } from '../context.ts';
import { namesOf, useDirectory } from '../directory.ts';
import { keyOutlives, newKey, useDraft } from '../drafts.ts';
import { modeLabels } from '../format.ts';

const modeHelp: Record<InvitationMode, string> = {
  'magic-link': 'The email carries a one-time sign-in link: clicking it registers them at Logto.',
  'accept-link': 'The email links to our accept page: they choose a password there and the account is made then.',
  provision: 'The account is made now; the email says it is ready and how to sign in.',
};

const expiryChoices = [
  { label: "The deployment's default", seconds: 0 },
  { label: '1 day', seconds: 86_400 },
  { label: '3 days', seconds: 3 * 86_400 },
  { label: '7 days', seconds: 7 * 86_400 },
  { label: '14 days', seconds: 14 * 86_400 },
  { label: '30 days', seconds: 30 * 86_400 },
];

export function InvitePage() {
  const [tab, setTab] = useDraft('invite.tab', { value: 'one' as 'one' | 'csv' });
  return (
    <>
      <h1 tabIndex={-1}>Invite</h1>
      <div class="tabs" role="group" aria-label="How many">
        <button type="button" aria-pressed={tab.value === 'one'} onClick={() => setTab({ value: 'one' })}>
          One person
        </button>
        <button type="button" aria-pressed={tab.value === 'csv'} onClick={() => setTab({ value: 'csv' })}>
          Many, from a CSV file
        </button>
      </div>
      {tab.value === 'one' ? <InviteOne /> : <InviteMany />}
    </>
  );
}

interface OneDraft {
  email: string;
  name: string;
  mode: InvitationMode;
  roleIds: string[];
  organizationIds: string[];
  organizationRoleIds: string[];
  locale: string;
  expiresIn: number;
  metadata: string;
  notify: boolean;
  key: string;
}

const emptyOne = (): OneDraft => ({
  email: '',
  name: '',
  mode: 'magic-link',
  roleIds: [],
  organizationIds: [],
  organizationRoleIds: [],
  locale: '',
  expiresIn: 0,
  metadata: '',
  notify: true,
  key: newKey(),
});

function InviteOne() {
  const { api } = useSession();
  const directory = useDirectory();
  const [draft, setDraft, clearDraft] = useDraft<OneDraft>('invite.one', emptyOne());
  // The password (provision) is never kept in the draft: it goes to Logto and nowhere else.
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const [created, setCreated] = useState<Invitation>();
  const set = (patch: Partial<OneDraft>) => setDraft((previous) => ({ ...previous, ...patch }));

  const submit = async (event: Event) => {
    event.preventDefault();
    setError(undefined);
    let metadata: Record<string, unknown> | undefined;
    if (draft.metadata.trim()) {
      try {
        const parsed = JSON.parse(draft.metadata) as unknown;
        if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('not an object');
        metadata = parsed as Record<string, unknown>;
      } catch {
        setError(new Error('Metadata must be a JSON object, such as {"plan": "pro"}.'));
        document.getElementById('invite-metadata')?.focus();
        return;
      }
    }
    const body: CreateInvitation = {
      email: draft.email,
      mode: draft.mode,
      ...(draft.name.trim() && { name: draft.name.trim() }),
      ...(draft.roleIds.length > 0 && { roleIds: draft.roleIds }),
      ...(draft.organizationIds.length > 0 && { organizationIds: draft.organizationIds }),
      ...(draft.organizationRoleIds.length > 0 && { organizationRoleIds: draft.organizationRoleIds }),
      ...(draft.locale && { locale: draft.locale }),
      ...(draft.expiresIn > 0 && { expiresIn: draft.expiresIn }),
      ...(metadata && { metadata }),
      ...(!draft.notify && { notify: false }),
      ...(draft.mode === 'provision' && password && { password }),
    };
    setBusy(true);
    try {
      const { data } = await api.POST('/v1/invitations', { body, headers: { 'idempotency-key': draft.key } });
      setCreated(data!);
      setPassword('');
      clearDraft();
    } catch (failure) {
      setError(failure);
      if (!keyOutlives(failure)) set({ key: newKey() });
    } finally {
      setBusy(false);
    }
  };

  if (created) {
    return (
      <section class="result" aria-labelledby="created-title">
        <h2 id="created-title" tabIndex={-1} ref={(element) => element?.focus()}>
          Invited {created.email}
        </h2>
        <p>{created.delivery.status === 'skipped' ? 'No email was sent.' : 'The email is on its way.'}</p>
        {created.link && (
          <p>
            <label for="created-link">The link to pass on yourself</label>
            <input id="created-link" readOnly value={created.link} onFocus={(event) => event.currentTarget.select()} />
          </p>
        )}
        <p class="actions">
          <a class="button primary" href={to(`/invitations/${encodeURIComponent(created.id)}`)}>
            See the invitation
          </a>
          <button type="button" onClick={() => setCreated(undefined)}>
            Invite someone else
          </button>
        </p>
      </section>
    );
  }

  return (
    <form class="invite" onSubmit={(event) => void submit(event)} noValidate={false}>
      <p>
        <label for="invite-email">Email</label>
        <input id="invite-email" type="email" required autoComplete="off" value={draft.email} onInput={(event) => set({ email: event.currentTarget.value })} />
      </p>
      <p>
        <label for="invite-name">
          Name <span class="muted">(optional)</span>
        </label>
        <input id="invite-name" type="text" autoComplete="off" value={draft.name} onInput={(event) => set({ name: event.currentTarget.value })} />
      </p>
      <fieldset>
        <legend>How they get in</legend>
        {(Object.keys(modeLabels) as InvitationMode[]).map((mode) => (
          <p key={mode} class="radio">
            <label>
              <input type="radio" name="mode" value={mode} checked={draft.mode === mode} onChange={() => set({ mode })} /> {modeLabels[mode]}
            </label>
            <span class="muted hint">{modeHelp[mode]}</span>
          </p>
        ))}
      </fieldset>
      {draft.mode === 'provision' && (
        <p>
          <label for="invite-password">
            Password <span class="muted">(optional: without one, the email asks them to set it)</span>
          </label>
          <input id="invite-password" type="password" autoComplete="new-password" value={password} onInput={(event) => setPassword(event.currentTarget.value)} />
        </p>
      )}
      <Picker legend="Roles" choices={directory.roles} error={directory.error} selected={draft.roleIds} onChange={(roleIds) => set({ roleIds })} />
      <Picker
        legend="Organizations"
        choices={directory.organizations}
        selected={draft.organizationIds}
        onChange={(organizationIds) => set({ organizationIds })}
      />
      {draft.organizationIds.length > 0 && (
        <Picker
          legend={`Roles in ${namesOf(draft.organizationIds, directory.organizations).join(', ')}`}
          choices={directory.organizationRoles}
          selected={draft.organizationRoleIds}
          onChange={(organizationRoleIds) => set({ organizationRoleIds })}
        />
      )}
      <div class="row">
        <p>
          <label for="invite-locale">Language of the email</label>
          <select id="invite-locale" value={draft.locale} onChange={(event) => set({ locale: event.currentTarget.value })}>
            <option value="">The deployment's default</option>
            <option value="en">English</option>
            <option value="de">Deutsch</option>
          </select>
        </p>
        <p>
          <label for="invite-expiry">Expires after</label>
          <select id="invite-expiry" value={String(draft.expiresIn)} onChange={(event) => set({ expiresIn: Number(event.currentTarget.value) })}>
            {expiryChoices.map((choice) => (
              <option key={choice.seconds} value={String(choice.seconds)}>
                {choice.label}
              </option>
            ))}
          </select>
        </p>
      </div>
      <p>
        <label for="invite-metadata">
          Metadata <span class="muted">(optional JSON object, copied to the user's custom data on acceptance)</span>
        </label>
        <textarea id="invite-metadata" rows={3} spellcheck={false} placeholder='{"plan": "pro"}' value={draft.metadata} onInput={(event) => set({ metadata: event.currentTarget.value })} />
      </p>
      <p class="checkbox">
        <label>
          <input type="checkbox" checked={draft.notify} onChange={(event) => set({ notify: event.currentTarget.checked })} /> Send the email{' '}
          <span class="muted">(otherwise you get the link to pass on)</span>
        </label>
      </p>
      <ErrorMessage error={error} />
      <p class="actions">
        <button type="submit" class="primary" disabled={busy}>
          {busy ? 'Inviting…' : 'Invite'}
        </button>
      </p>
    </form>
  );
}

interface ManyDraft {
  csv: string;
  fileName: string;
  /** The Idempotency-Key of this file's batch: sending twice is the same batch. */
  key: string;
  batchId: string;
}

type DryRun = { accepted: number; rejected: BatchCreated['rejected'] };

function InviteMany() {
  const { api } = useSession();
  const [draft, setDraft, clearDraft] = useDraft<ManyDraft>('invite.many', { csv: '', fileName: '', key: newKey(), batchId: '' });
  const [checked, setChecked] = useState<DryRun>();
  const [sent, setSent] = useState<BatchCreated>();
  const [progress, setProgress] = useState<BatchProgress>();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const set = (patch: Partial<ManyDraft>) => {
    setDraft((previous) => ({ ...previous, ...patch }));
    if ('csv' in patch) {
      setChecked(undefined);
      setDraft((previous) => ({ ...previous, key: newKey() }));
    }
  };
  const csvBody = { body: draft.csv as never, bodySerializer: (body: unknown) => body as string, headers: { 'content-type': 'text/csv' } };

  const check = async () => {
    setError(undefined);
    setBusy(true);
    try {
      const { data } = await api.POST('/v1/invitations/batch', { ...csvBody, params: { query: { dryRun: 'true' } } });
      setChecked(data as unknown as DryRun);
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };

  const send = async () => {
    setError(undefined);
    setBusy(true);
    try {
      const { data } = await api.POST('/v1/invitations/batch', { ...csvBody, headers: { ...csvBody.headers, 'idempotency-key': draft.key } });
      setSent(data as BatchCreated);
      setDraft((previous) => ({ ...previous, batchId: (data as BatchCreated).batchId }));
    } catch (failure) {
      setError(failure);
      if (!keyOutlives(failure)) setDraft((previous) => ({ ...previous, key: newKey() }));
    } finally {
      setBusy(false);
    }
  };

  const batchId = sent?.batchId ?? (draft.batchId || undefined);
  const poll = async () => {
    if (!batchId) return;
    try {
      const { data } = await api.GET('/v1/invitations/batches/{batchId}', { params: { path: { batchId } } });
      setProgress(data);
    } catch (failure) {
      setError(failure);
    }
  };
  useInterval(() => void poll(), 1500, Boolean(batchId) && !progress?.done);

  if (batchId) {
    const accepted = progress?.accepted ?? sent?.accepted ?? 0;
    const out = progress ? progress.progress.sent + progress.progress.failed + progress.progress.accepted + progress.progress.ended : 0;
    return (
      <section class="result" aria-labelledby="batch-title">
        <h2 id="batch-title" tabIndex={-1} ref={(element) => element?.focus()}>
          {progress?.done ? 'The batch is delivered' : 'Delivering the batch'}
        </h2>
        <p>
          {accepted} invitation{accepted === 1 ? '' : 's'} from {draft.fileName || 'the pasted rows'}
          {sent && sent.rejected.length > 0 && `; ${sent.rejected.length} row${sent.rejected.length === 1 ? '' : 's'} rejected`}.
        </p>
        <Progress label="Emails sent" value={out} max={accepted} />
        {progress && (
          <p class="muted" aria-live="polite">
            {progress.progress.queued} queued · {progress.progress.sent} sent · {progress.progress.failed} failed · {progress.progress.accepted} accepted
          </p>
        )}
        {sent && sent.rejected.length > 0 && <RejectedRows rows={sent.rejected} />}
        <ErrorMessage error={error} />
        <p class="actions">
          <a class="button" href={to()}>
            See the invitations
          </a>
          <button
            type="button"
            onClick={() => {
              clearDraft();
              setSent(undefined);
              setProgress(undefined);
              setChecked(undefined);
            }}
          >
            Import another file
          </button>
        </p>
      </section>
    );
  }

  return (
    <form class="invite" onSubmit={(event) => (event.preventDefault(), void check())}>
      <p class="muted">
        A header row, then one invitation per row. Columns: <code>email</code> (required), <code>mode</code>, <code>locale</code>, <code>name</code>,{' '}
        <code>expiresIn</code>, <code>roleIds</code>, <code>organizationIds</code>, <code>organizationRoleIds</code> (separated by spaces or semicolons) and{' '}
        <code>metadata.&lt;key&gt;</code>. Up to 1,000 rows.
      </p>
      <p>
        <label for="csv-file">CSV file</label>
        <input
          id="csv-file"
          type="file"
          accept=".csv,text/csv"
          onChange={async (event) => {
            const file = event.currentTarget.files?.[0];
            if (file) set({ csv: await file.text(), fileName: file.name });
          }}
        />
      </p>
      <p>
        <label for="csv-text">Or paste the rows</label>
        <textarea id="csv-text" rows={8} spellcheck={false} value={draft.csv} onInput={(event) => set({ csv: event.currentTarget.value, fileName: '' })} />
      </p>
      <ErrorMessage error={error} />
      {checked && (
        <section aria-labelledby="check-title" class="check">
          <h2 id="check-title" tabIndex={-1} ref={(element) => element?.focus()}>
            {checked.accepted} row{checked.accepted === 1 ? '' : 's'} will be invited, {checked.rejected.length} rejected
          </h2>
          {checked.rejected.length > 0 && <RejectedRows rows={checked.rejected} />}
        </section>
      )}
      <p class="actions">
        <button type="submit" disabled={busy || !draft.csv.trim()}>
          {checked ? 'Check again' : 'Check the rows'}
        </button>
        {checked && (
          <button type="button" class="primary" disabled={busy || checked.accepted === 0} onClick={() => void send()}>
            Send {checked.accepted} invitation{checked.accepted === 1 ? '' : 's'}
          </button>
        )}
      </p>
    </form>
  );
}

function RejectedRows({ rows }: { rows: BatchCreated['rejected'] }) {
  return (
    <div class="table-wrap" role="region" aria-label="Rejected rows" tabIndex={0}>
      <table class="rejected">
        <caption>Rejected rows</caption>
        <thead>
          <tr>
            <th scope="col">Line</th>
            <th scope="col">Email</th>
            <th scope="col">Why</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr key={row.index}>
              <td data-label="Line">{row.line ?? row.index + 1}</td>
              <td data-label="Email">{row.email ?? '—'}</td>
              <td data-label="Why">
                <code>{row.code}</code> {row.message}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
