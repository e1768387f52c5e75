/**
 * The console function's ports in AWS: its bundle's copy of the built console, and where the SPA signs
 * admins in, from the environment the stack sets (`LOGTO_ENDPOINT`, `ADMIN_AUDIENCE`, `CONSOLE_APP_ID`).
 * Read without zod and without the service's configuration: this function bundles nothing it does not use.
 */
import { DirectoryStaticFiles } from '../../adapters/directory-static-files.ts';
import type { ConsoleDeps } from '../../handlers/console.ts';

export const consoleNotConfigured =
  'This deployment has no Logto app for the admin console. At Logto, create a Single Page App with the redirect URI ' +
  "<this page's address>/callback and the post sign-out redirect URI <this page's address>, give the admins a role " +
  'holding invitations:read and invitations:write of the API resource, then deploy again with -c consoleAppId=<its App ID> ' +
  '(InvitationService prop console.appId).';

/** Checked once per cold start, naming the variable, as `readConfig` does for the service. */
export function consoleSettingsFromEnv(env: Record<string, string | undefined>): ConsoleDeps['settings'] {
  const problems: string[] = [];
  const endpoint = env.LOGTO_ENDPOINT?.replace(/\/+$/, '') ?? '';
  if (!URL.canParse(endpoint) || !/^https?:$/.test(new URL(endpoint).protocol)) problems.push('LOGTO_ENDPOINT: Invalid URL');
  if (!env.ADMIN_AUDIENCE) problems.push('ADMIN_AUDIENCE: Required');
  if (problems.length > 0) throw new Error(`Invalid configuration: ${problems.join('; ')}`);
  return {
    logtoEndpoint: endpoint,
    resource: env.ADMIN_AUDIENCE!,
    ...(env.CONSOLE_APP_ID && { appId: env.CONSOLE_APP_ID }),
    notConfigured: consoleNotConfigured,
  };
}

export function awsConsolePorts(directory: string, env: Record<string, string | undefined> = process.env): ConsoleDeps {
  return { files: new DirectoryStaticFiles({ directory }), settings: consoleSettingsFromEnv(env) };
}
