/**
 * Where the CLI finds the API and its credentials: flags, then the environment, then what `login` saved
 * (`$XDG_CONFIG_HOME/logto-invitations/config.json`), then the local stack `npm start` runs.
 */
import { chmodSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { CliError, exitCodes } from './errors.ts';

/**
 * The local stack's admin client and ports, as local/defaults.ts and local/logto-stand-in/seed.ts define
 * them. Copied rather than imported, so the CLI does not carry the local stack along; the CLI test checks
 * the two agree.
 */
export const localDefaults = {
  api: 'http://127.0.0.1:4000',
  endpoint: 'http://127.0.0.1:4001',
  clientId: 'local-admin',
  clientSecret: 'local-admin-secret',
  resource: 'https://invitations.local/api',
  scopes: 'invitations:read invitations:write',
} as const;

/** What `login` saves: client credentials, or a token pasted in. */
export interface StoredConfig {
  api?: string;
  endpoint?: string;
  clientId?: string;
  clientSecret?: string;
  resource?: string;
  scopes?: string;
  token?: string;
}

const storedKeys = ['api', 'endpoint', 'clientId', 'clientSecret', 'resource', 'scopes', 'token'] as const satisfies readonly (keyof StoredConfig)[];

export type Credentials =
  | { kind: 'token'; token: string; source: string }
  | { kind: 'client'; endpoint: string; clientId: string; clientSecret: string; resource: string; scopes: string; source: string };

export interface Settings {
  api: string;
  credentials: Credentials;
}

/** The variables the CLI reads (besides `NO_COLOR` and `XDG_CONFIG_HOME`). */
export const envNames = {
  api: 'LOGTO_INVITATIONS_API',
  endpoint: 'LOGTO_INVITATIONS_LOGTO',
  clientId: 'LOGTO_INVITATIONS_CLIENT_ID',
  clientSecret: 'LOGTO_INVITATIONS_CLIENT_SECRET',
  resource: 'LOGTO_INVITATIONS_RESOURCE',
  token: 'LOGTO_INVITATIONS_TOKEN',
} as const;

type Env = Record<string, string | undefined>;

/** A variable set to the empty string counts as unset, as shells make that easy to do by accident. */
const fromEnv = (env: Env, name: keyof typeof envNames) => env[envNames[name]] || undefined;

export function configPath(env: Env): string {
  const base = env.XDG_CONFIG_HOME || join(homedir(), '.config');
  return join(base, 'logto-invitations', 'config.json');
}

export function readStoredConfig(path: string): StoredConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw new CliError(exitCodes.usage, `Cannot read ${path}: ${(error as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new CliError(exitCodes.usage, `${path} is not JSON. Run \`logto-invitations login\` again, or delete it.`);
  }
  if (parsed === null || typeof parsed !== 'object') throw new CliError(exitCodes.usage, `${path} is not a JSON object.`);
  const record = parsed as Record<string, unknown>;
  return Object.fromEntries(storedKeys.filter((key) => typeof record[key] === 'string').map((key) => [key, record[key]]));
}

/** Written to a temporary file and renamed over: readable by the user only (0600, in a 0700 directory). */
export function writeStoredConfig(path: string, config: StoredConfig): void {
  const dir = dirname(path);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });
  chmodSync(temporary, 0o600);
  renameSync(temporary, path);
}

/**
 * The settings for one run. A token (from the environment, or saved) wins over client credentials, unless
 * the environment names a client; each client field comes from the environment, else the saved login, else
 * the local stack's admin client.
 */
export function resolveSettings(env: Env, stored: StoredConfig, flags: { api?: string | undefined }, path: string): Settings {
  const api = (flags.api ?? fromEnv(env, 'api') ?? stored.api ?? localDefaults.api).replace(/\/+$/, '');
  const envToken = fromEnv(env, 'token');
  if (envToken) return { api, credentials: { kind: 'token', token: envToken, source: `$${envNames.token}` } };
  if (stored.token && !fromEnv(env, 'clientId')) return { api, credentials: { kind: 'token', token: stored.token, source: path } };

  const clientId = fromEnv(env, 'clientId') ?? stored.clientId ?? localDefaults.clientId;
  const clientSecret =
    fromEnv(env, 'clientSecret') ??
    (clientId === stored.clientId ? stored.clientSecret : undefined) ??
    (clientId === localDefaults.clientId ? localDefaults.clientSecret : undefined);
  if (!clientSecret) {
    throw new CliError(exitCodes.auth, `No client secret for ${clientId}.`, [
      `Set $${envNames.clientSecret}, or run \`logto-invitations login\`.`,
    ]);
  }
  const source = fromEnv(env, 'clientId') ? `$${envNames.clientId}` : stored.clientId ? path : 'the local stack';
  return {
    api,
    credentials: {
      kind: 'client',
      endpoint: (fromEnv(env, 'endpoint') ?? stored.endpoint ?? localDefaults.endpoint).replace(/\/+$/, ''),
      clientId,
      clientSecret,
      resource: fromEnv(env, 'resource') ?? stored.resource ?? localDefaults.resource,
      scopes: stored.scopes ?? localDefaults.scopes,
      source,
    },
  };
}
