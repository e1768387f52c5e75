/**
 * The console's shell: loads its configuration, signs the admin in (or completes a sign-in on the
 * callback page), then routes between the pages. Moving to another page moves focus to its heading.
 */
import { LocationProvider, Route, Router, useLocation } from 'preact-iso';
import { useEffect, useState } from 'preact/hooks';
import { createApi } from './api.ts';
import { consoleRoot, createAuth } from './auth.ts';
import { loadConfig } from './config.ts';
import { ErrorMessage } from './components/ui.tsx';
import { SessionContext, to, type Session } from './context.ts';
import { AccessRequestsPage } from './pages/access-requests.tsx';
import { InvitationPage } from './pages/invitation.tsx';
import { InvitationsPage } from './pages/invitations.tsx';
import { InvitePage } from './pages/invite.tsx';

type Boot = { state: 'loading' } | { state: 'failed'; error: unknown; title: string } | { state: 'ready'; session: Session; who: string };

async function boot(): Promise<Boot> {
  const loaded = await loadConfig();
  if (!loaded.configured) return { state: 'failed', title: 'The console is not configured', error: new Error(loaded.reason) };
  const auth = createAuth(loaded.config);
  if (location.pathname === `${new URL(consoleRoot()).pathname}/callback`) {
    const back = await auth.handleCallback(location.href);
    history.replaceState(null, '', back);
  }
  if (!(await auth.isAuthenticated())) await auth.signIn();
  const user = await auth.user();
  const who = user?.name || user?.username || user?.email || user?.sub || 'admin';
  return { state: 'ready', session: { auth, api: createApi(loaded.config.apiBaseUrl, auth) }, who };
}

export function App() {
  const [status, setStatus] = useState<Boot>({ state: 'loading' });
  useEffect(() => {
    boot().then(setStatus, (error: unknown) => setStatus({ state: 'failed', title: 'Signing in did not work', error }));
  }, []);
  if (status.state === 'loading') return <p class="boot">Signing in…</p>;
  if (status.state === 'failed') {
    return (
      <main class="boot">
        <h1>{status.title}</h1>
        <ErrorMessage error={status.error} />
        <p>
          <a href={to()}>Try again</a>
        </p>
      </main>
    );
  }
  return (
    <SessionContext.Provider value={status.session}>
      <LocationProvider scope={to()}>
        <Shell who={status.who} onSignOut={() => void status.session.auth.signOut()} />
      </LocationProvider>
    </SessionContext.Provider>
  );
}

const pages = [
  { path: to(), label: 'Invitations' },
  { path: to('/invite'), label: 'Invite' },
  { path: to('/access-requests'), label: 'Access requests' },
];

function Shell({ who, onSignOut }: { who: string; onSignOut: () => void }) {
  const { path } = useLocation();
  useEffect(() => {
    // A new page: its heading gets focus, so a screen reader announces it and Tab starts from there.
    document.querySelector<HTMLElement>('main h1')?.focus();
  }, [path]);
  const current = (page: string) => (page === to() ? path === to() || path === to('/') || path.startsWith(to('/invitations')) : path.startsWith(page));
  return (
    <>
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header class="top">
        <a class="brand" href={to()}>
          Invitations
        </a>
        <nav aria-label="Console">
          <ul>
            {pages.map((page) => (
              <li key={page.path}>
                <a href={page.path} aria-current={current(page.path) ? 'page' : undefined}>
                  {page.label}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <div class="who">
          <span class="muted">{who}</span>
          <button type="button" onClick={onSignOut}>
            Sign out
          </button>
        </div>
      </header>
      <main id="main">
        <Router>
          <Route path={to()} component={InvitationsPage} />
          <Route path={to('/')} component={InvitationsPage} />
          <Route path={to('/invite')} component={InvitePage} />
          <Route path={to('/invitations/:id')} component={InvitationPage} />
          <Route path={to('/access-requests')} component={AccessRequestsPage} />
          <Route default component={NotFound} />
        </Router>
      </main>
    </>
  );
}

function NotFound() {
  return (
    <>
      <h1 tabIndex={-1}>Not found</h1>
      <p>
        There is no such page. <a href={to()}>See the invitations</a>.
      </p>
    </>
  );
}
