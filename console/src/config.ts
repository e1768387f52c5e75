/**
 * The console's runtime configuration, served by the service next to the console (`/console/config.json`):
 * which Logto to sign in with, as which app, for which API resource. Ids only, never a secret.
 */
export interface ConsoleConfig {
  logtoEndpoint: string;
  appId: string;
  resource: string;
  scopes: string[];
  /** Where the API is; empty means the console's own origin. */
  apiBaseUrl: string;
}

export type ConfigResult = { configured: true; config: ConsoleConfig } | { configured: false; reason: string };

export async function loadConfig(): Promise<ConfigResult> {
  let response: Response;
  try {
    response = await fetch(`${import.meta.env.BASE_URL}config.json`, { headers: { accept: 'application/json' } });
  } catch (error) {
    return { configured: false, reason: `The console's configuration could not be loaded: ${error instanceof Error ? error.message : String(error)}.` };
  }
  if (!response.ok) return { configured: false, reason: `The console's configuration could not be loaded (HTTP ${response.status}).` };
  const body = (await response.json()) as Partial<ConsoleConfig> & { configured?: boolean; reason?: string };
  if (body.configured === false || !body.logtoEndpoint || !body.appId || !body.resource) {
    return { configured: false, reason: body.reason ?? 'The console is not configured for a Logto application.' };
  }
  return {
    configured: true,
    config: {
      logtoEndpoint: body.logtoEndpoint,
      appId: body.appId,
      resource: body.resource,
      scopes: body.scopes ?? ['invitations:read', 'invitations:write'],
      apiBaseUrl: body.apiBaseUrl ?? '',
    },
  };
}
