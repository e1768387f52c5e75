/** What a command runs with: its I/O, how it prints, and the API client for this run. */
import { tokenSource } from './auth.ts';
import { configPath, readStoredConfig, resolveSettings } from './config.ts';
import { createApiClient, type ApiClient } from './http.ts';
import { createOutput, type Io, type Output } from './io.ts';

export interface Context {
  io: Io;
  out: Output;
  configPath: string;
  /** Built at first use, so commands that need no API (login, doctor) never read credentials. */
  api(): ApiClient;
}

export function createContext(io: Io, flags: { json?: boolean; api?: string | undefined }): Context {
  const path = configPath(io.env);
  let client: ApiClient | undefined;
  return {
    io,
    out: createOutput(io, flags.json === true),
    configPath: path,
    api() {
      if (client) return client;
      const settings = resolveSettings(io.env, readStoredConfig(path), flags, path);
      const { credentials } = settings;
      const authHint =
        credentials.kind === 'client'
          ? `Client ${credentials.clientId} (from ${credentials.source}) asked for "${credentials.scopes}" on ${credentials.resource}.`
          : credentials.source === path
            ? `The token saved in ${path} may have expired or lack a scope: run \`logto-invitations login\` again.`
            : `The token in ${credentials.source} may have expired or lack a scope.`;
      client = createApiClient({ baseUrl: settings.api, token: tokenSource(credentials, io.fetch), fetch: io.fetch, authHint });
      return client;
    },
  };
}
