import { fetchClientToken, tokenExpiry } from '../auth.ts';
import { defineCommand } from '../command.ts';
import { envNames, localDefaults, readStoredConfig, writeStoredConfig } from '../config.ts';
import { usageError } from '../errors.ts';
import { relativeTime } from '../format.ts';
import { readSecret } from '../prompt.ts';

export const login = defineCommand({
  spec: {
    name: 'login',
    summary: 'Save the credentials and the API the other commands use',
    args: [],
    description: [
      `Either client credentials of a Logto machine-to-machine app allowed the API's scopes (the secret from stdin with --client-secret-stdin, or from $${envNames.clientSecret}; never as an argument, where shell history would keep it), checked by fetching a token; or an access token pasted in with --token-stdin.`,
      'Saved to $XDG_CONFIG_HOME/logto-invitations/config.json (else ~/.config/logto-invitations/config.json), readable by you only (0600). Secrets are never printed. The environment still wins over what is saved.',
    ],
    options: {
      endpoint: { type: 'string', value: 'url', description: "Logto's URL, e.g. https://your-tenant.logto.app" },
      'client-id': { type: 'string', value: 'id', description: 'The machine-to-machine app' },
      resource: { type: 'string', value: 'indicator', description: "The invitations API's resource indicator at Logto" },
      scope: { type: 'string', value: 'scopes', description: `The scopes to ask for (default "${localDefaults.scopes}")` },
      'client-secret-stdin': { type: 'boolean', description: "Read the app's secret from stdin" },
      'token-stdin': { type: 'boolean', description: 'Read an access token from stdin instead of using client credentials' },
      api: { type: 'string', value: 'url', description: 'The invitations API to save (default: the one saved before, else http://127.0.0.1:4000)' },
    },
    examples: [
      `printf %s "$SECRET" | logto-invitations login --endpoint https://acme.logto.app --client-id m2m-123 --resource https://invitations.acme.com/api --api https://invitations.acme.com --client-secret-stdin`,
      'logto-invitations login --token-stdin < token.txt',
    ],
  },
  async run({ io, out, configPath }, { values }) {
    const previous = readStoredConfig(configPath);
    const api = values.api ?? previous.api;
    const clientFlags = ['endpoint', 'client-id', 'resource', 'scope', 'client-secret-stdin'] as const;
    const given = clientFlags.filter((flag) => values[flag] !== undefined && values[flag] !== false);

    if (values['token-stdin']) {
      if (given.length > 0) throw usageError(`--token-stdin takes no client credentials (--${given[0]}).`, 'login');
      const token = await readSecret(io, 'Access token (not shown): ');
      if (!token) throw usageError('No token on stdin.', 'login');
      writeStoredConfig(configPath, { ...(api && { api }), token });
      const expiry = tokenExpiry(token);
      out.line(`Saved a token${expiry ? ` that expires ${relativeTime(expiry.toISOString(), io.now())}` : ''} to ${configPath}.`);
      return;
    }

    const missing = (['endpoint', 'client-id', 'resource'] as const).filter((flag) => values[flag] === undefined);
    if (given.length === 0) throw usageError('Give client credentials (--endpoint, --client-id, --resource) or --token-stdin.', 'login');
    if (missing.length > 0) throw usageError(`Client credentials need ${missing.map((flag) => `--${flag}`).join(', ')} too.`, 'login');
    const clientSecret = values['client-secret-stdin'] ? await readSecret(io, 'Client secret (not shown): ') : io.env[envNames.clientSecret];
    if (!clientSecret) throw usageError(`No client secret: pipe it in with --client-secret-stdin, or set $${envNames.clientSecret}.`, 'login');

    const credentials = {
      endpoint: values.endpoint!.replace(/\/+$/, ''),
      clientId: values['client-id']!,
      clientSecret,
      resource: values.resource!,
      scopes: values.scope ?? localDefaults.scopes,
    };
    // Checked before anything is saved: a typo fails here, not at the next command.
    await fetchClientToken({ kind: 'client', ...credentials, source: 'the login flags' }, io.fetch);
    writeStoredConfig(configPath, { ...(api && { api }), ...credentials });
    out.line(`Logged in to ${credentials.endpoint} as ${credentials.clientId}; saved to ${configPath}.`);
  },
});
