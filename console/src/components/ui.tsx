/** Small pieces every page uses: badges, errors, a confirmation dialog, a pickable list, a progress bar. */
import type { ComponentChildren } from 'preact';
import { useEffect, useId, useRef, useState } from 'preact/hooks';
import { ApiError, type DeliveryStatus, type InvitationStatus } from '../api.ts';

export function StatusBadge({ status }: { status: InvitationStatus | string }) {
  return <span class={`badge badge-${status}`}>{status}</span>;
}

export function DeliveryBadge({ status }: { status: DeliveryStatus }) {
  return <span class={`badge badge-delivery badge-${status}`}>email {status}</span>;
}

/** An API refusal as the API words it: its code, its message, and its details one per line. */
export function ErrorMessage({ error }: { error: unknown }) {
  if (!error) return null;
  const api = error instanceof ApiError ? error : undefined;
  const lines = api ? detailLines(api.details) : [];
  return (
    <div class="error" role="alert">
      <p>
        {api && <code>{api.code}</code>} {error instanceof Error ? error.message : String(error)}
      </p>
      {lines.length > 0 && (
        <ul>
          {lines.map((line) => (
            <li key={line}>{line}</li>
          ))}
        </ul>
      )}
    </div>
  );
}

function detailLines(details: unknown): string[] {
  if (Array.isArray(details)) {
    return details.map((item) => {
      const issue = item as { path?: unknown; message?: unknown };
      const path = Array.isArray(issue.path) ? issue.path.join('.') : issue.path;
      return typeof issue.message === 'string' ? `${path ? `${String(path)}: ` : ''}${issue.message}` : JSON.stringify(item);
    });
  }
  if (details && typeof details === 'object') return Object.entries(details).map(([key, value]) => `${key}: ${typeof value === 'string' ? value : JSON.stringify(value)}`);
  return [];
}

/** A modal confirmation (the native dialog: focus moves into it, Escape cancels, focus returns after). */
export function ConfirmButton(props: {
  label: string;
  title: string;
  children: ComponentChildren;
  confirmLabel: string;
  danger?: boolean;
  disabled?: boolean;
  onConfirm: () => Promise<void>;
}) {
  const dialog = useRef<HTMLDialogElement>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const titleId = useId();
  const confirm = async () => {
    setBusy(true);
    setError(undefined);
    try {
      await props.onConfirm();
      dialog.current?.close();
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };
  return (
    <>
      <button type="button" class={props.danger ? 'danger' : ''} disabled={props.disabled} onClick={() => dialog.current?.showModal()}>
        {props.label}
      </button>
      <dialog ref={dialog} aria-labelledby={titleId}>
        <h2 id={titleId}>{props.title}</h2>
        {props.children}
        <ErrorMessage error={error} />
        <div class="actions">
          <button type="button" onClick={() => dialog.current?.close()}>
            Cancel
          </button>
          <button type="button" class={props.danger ? 'danger' : 'primary'} disabled={busy} onClick={() => void confirm()}>
            {busy ? 'Working…' : props.confirmLabel}
          </button>
        </div>
      </dialog>
    </>
  );
}

export interface Choice {
  id: string;
  name: string;
  description?: string | null;
}

/** Checkboxes for a tenant's roles or organizations, by name; filterable when the list is long. */
export function Picker(props: { legend: string; choices: Choice[] | undefined; error?: unknown; selected: string[]; onChange: (ids: string[]) => void }) {
  const [filter, setFilter] = useState('');
  const filterId = useId();
  const choices = props.choices ?? [];
  const shown = filter ? choices.filter((choice) => `${choice.name} ${choice.id}`.toLowerCase().includes(filter.toLowerCase())) : choices;
  const toggle = (id: string, on: boolean) => props.onChange(on ? [...props.selected, id] : props.selected.filter((value) => value !== id));
  return (
    <fieldset class="picker">
      <legend>{props.legend}</legend>
      {props.error ? <ErrorMessage error={props.error} /> : props.choices === undefined ? <p class="muted">Loading…</p> : null}
      {props.choices && choices.length === 0 && <p class="muted">None in this tenant.</p>}
      {choices.length > 8 && (
        <p>
          <label for={filterId}>Filter</label>
          <input id={filterId} type="search" value={filter} onInput={(event) => setFilter(event.currentTarget.value)} />
        </p>
      )}
      <ul>
        {shown.map((choice) => (
          <li key={choice.id}>
            <label>
              <input type="checkbox" checked={props.selected.includes(choice.id)} onChange={(event) => toggle(choice.id, event.currentTarget.checked)} />{' '}
              {choice.name}
              {choice.description && <span class="muted"> · {choice.description}</span>}
            </label>
          </li>
        ))}
      </ul>
    </fieldset>
  );
}

export function Progress({ label, value, max }: { label: string; value: number; max: number }) {
  const id = useId();
  return (
    <div class="progress">
      <label for={id}>
        {label}: {value} of {max}
      </label>
      <progress id={id} value={value} max={Math.max(max, 1)} />
    </div>
  );
}

/** Runs `load` now and whenever `deps` change; `reload` runs it again. */
export function useLoad<T>(load: () => Promise<T>, deps: unknown[]): { value?: T; error?: unknown; loading: boolean; reload: () => void } {
  const [state, setState] = useState<{ value?: T; error?: unknown; loading: boolean }>({ loading: true });
  const [tick, setTick] = useState(0);
  useEffect(() => {
    let live = true;
    setState((previous) => ({ ...previous, loading: true }));
    load().then(
      (value) => live && setState({ value, loading: false }),
      (error: unknown) => live && setState((previous) => ({ ...previous, error, loading: false })),
    );
    return () => {
      live = false;
    };
  }, [...deps, tick]);
  return { ...state, reload: () => setTick((value) => value + 1) };
}

/** Calls `tick` every `ms` while `active`. */
export function useInterval(tick: () => void, ms: number, active: boolean) {
  const saved = useRef(tick);
  saved.current = tick;
  useEffect(() => {
    if (!active) return;
    const timer = setInterval(() => saved.current(), ms);
    return () => clearInterval(timer);
  }, [ms, active]);
}
