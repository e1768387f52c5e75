/**
 * Rotates the M2M credentials secret (`{"appId", "appSecret"}`) through Logto's application secrets API
 * (`GET|POST /api/applications/{id}/secrets`, `DELETE /api/applications/{id}/secrets/{name}`): Logto
 * accepts any of an app's secrets at the token endpoint, so a new one can be made valid before anyone uses
 * it, and the old ones withdrawn once no warm Lambda can still hold them.
 *
 * The four steps of Secrets Manager's rotation protocol, for the version `ClientRequestToken`:
 * - `createSecret`: with the AWSCURRENT credentials, create the Logto secret `rotated-<token>` and store
 *   `{appId, appSecret: <its value>}` as AWSPENDING. A retry finds the version, or the Logto secret by its
 *   name, and creates nothing twice.
 * - `setSecret`: nothing; Logto already holds the secret (it generated it).
 * - `testSecret`: the AWSPENDING credentials get a token and read the app's secrets (Management API access).
 * - `finishSecret`: move AWSCURRENT to the new version (Secrets Manager labels the old one AWSPREVIOUS), then
 *   delete at Logto every secret of the app created before the AWSPREVIOUS one. CURRENT and PREVIOUS both
 *   stay valid, because functions cache the credentials for 5 minutes and the next rotation is days away.
 *   The app's legacy secret (`applications.secret`, not part of the list) cannot be deleted this way: it
 *   stays valid, and the log says so.
 *
 * Secret values are never logged: only names, version ids and the app id.
 */
import {
  DescribeSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  type SecretsManagerClient,
  UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager';
import * as z from 'zod';

import type { LogtoManagementClient, M2mCredentials } from '../adapters/logto-management-client.ts';
import { isLogtoError } from '../adapters/logto-management-client.ts';
import type { Log } from './http/respond.ts';

/** What rotation needs of Logto: Management API calls made with the given credentials. */
export type RotationManagementApi = Pick<LogtoManagementClient, 'request'>;

export interface M2mRotationDeps {
  secretsManager: SecretsManagerClient;
  /** A Management API client acting with exactly these credentials (its own token: never one shared across credentials). */
  logtoAs: (credentials: M2mCredentials) => RotationManagementApi;
  log: Log;
}

export const rotationSteps = ['createSecret', 'setSecret', 'testSecret', 'finishSecret'] as const;

export const rotationEvent = z.looseObject({
  SecretId: z.string().min(1),
  ClientRequestToken: z.string().min(1),
  Step: z.enum(rotationSteps),
});

export type RotationEvent = z.input<typeof rotationEvent>;

/** The name of the Logto secret a rotation creates: derived from the version, so a retry finds it. */
export const rotatedSecretName = (token: string) => `rotated-${token}`;

const credentialsGuard = z.object({ appId: z.string().min(1), appSecret: z.string().min(1) });
const appSecretsGuard = z.array(z.looseObject({ name: z.string(), value: z.string(), createdAt: z.number() }));
const applicationGuard = z.looseObject({ secret: z.string().optional() });

/** Logto prefixes the internal secret it puts in place of a deleted legacy one. */
const internalSecretPrefix = 'internal_';

class RotationError extends Error {
  override name = 'RotationError';
}

export function makeM2mRotationHandler({ secretsManager, logtoAs, log }: M2mRotationDeps) {
  const read = async (secretId: string, select: { VersionId?: string; VersionStage?: string }): Promise<M2mCredentials | undefined> => {
    let text: string | undefined;
    try {
      ({ SecretString: text } = await secretsManager.send(new GetSecretValueCommand({ SecretId: secretId, ...select })));
    } catch (error) {
      if ((error as Error).name === 'ResourceNotFoundException') return undefined;
      throw error;
    }
    const which = select.VersionId ?? select.VersionStage;
    let value: unknown;
    try {
      value = JSON.parse(text ?? '');
    } catch {
      throw new RotationError(`Version ${which} of ${secretId} is not JSON.`);
    }
    const result = credentialsGuard.safeParse(value);
    if (!result.success) {
      const fields = [...new Set(result.error.issues.map((issue) => issue.path.join('.') || '(root)'))].join(', ');
      throw new RotationError(`Version ${which} of ${secretId} must hold {"appId", "appSecret"}, both filled; bad or missing: ${fields}.`);
    }
    return result.data;
  };

  const must = async (secretId: string, select: { VersionId?: string; VersionStage?: string }) => {
    const credentials = await read(secretId, select);
    if (!credentials) throw new RotationError(`${secretId} has no version ${select.VersionId ?? ''} ${select.VersionStage ?? ''}.`);
    return credentials;
  };

  const secretsPath = (appId: string) => `/api/applications/${encodeURIComponent(appId)}/secrets`;
  const listAppSecrets = async (api: RotationManagementApi, appId: string) =>
    appSecretsGuard.parse(await api.request('GET', secretsPath(appId)));

  async function createSecret(secretId: string, token: string): Promise<void> {
    if (await read(secretId, { VersionId: token, VersionStage: 'AWSPENDING' })) {
      log.info('pending version already stored', { versionId: token });
      return;
    }
    const current = await must(secretId, { VersionStage: 'AWSCURRENT' });
    const api = logtoAs(current);
    const name = rotatedSecretName(token);
    // An earlier attempt may have created it at Logto and failed before storing it.
    const existing = (await listAppSecrets(api, current.appId)).find((secret) => secret.name === name);
    const value = existing?.value ?? z.object({ value: z.string().min(1) }).parse(await api.request('POST', secretsPath(current.appId), { name })).value;
    await secretsManager.send(
      new PutSecretValueCommand({
        SecretId: secretId,
        ClientRequestToken: token,
        SecretString: JSON.stringify({ appId: current.appId, appSecret: value }),
        VersionStages: ['AWSPENDING'],
      }),
    );
    log.info('new Logto secret stored as pending', { versionId: token, appId: current.appId, name, reused: existing !== undefined });
  }

  async function testSecret(secretId: string, token: string): Promise<void> {
    const pending = await must(secretId, { VersionId: token, VersionStage: 'AWSPENDING' });
    // A token, and a Management API call with it: the new secret does what the service needs.
    await listAppSecrets(logtoAs(pending), pending.appId);
    log.info('pending credentials work', { versionId: token, appId: pending.appId });
  }

  async function finishSecret(secretId: string, token: string, currentVersion: string | undefined): Promise<void> {
    if (currentVersion !== token) {
      await secretsManager.send(
        new UpdateSecretVersionStageCommand({
          SecretId: secretId,
          VersionStage: 'AWSCURRENT',
          MoveToVersionId: token,
          ...(currentVersion && { RemoveFromVersionId: currentVersion }),
        }),
      );
      log.info('new version is current', { versionId: token, previousVersionId: currentVersion });
    }
    // Also after a retry whose move had already happened: the clean-up may be what failed.
    const current = await must(secretId, { VersionId: token });
    const previous = await read(secretId, { VersionStage: 'AWSPREVIOUS' });
    await withdrawOlderSecrets(current, previous);
  }

  /** Deletes the app's secrets created before the PREVIOUS one; never CURRENT's or PREVIOUS's. */
  async function withdrawOlderSecrets(current: M2mCredentials, previous: M2mCredentials | undefined): Promise<void> {
    const api = logtoAs(current);
    const application = applicationGuard.parse(await api.request('GET', `/api/applications/${encodeURIComponent(current.appId)}`));
    if (application.secret !== undefined && !application.secret.startsWith(internalSecretPrefix)) {
      log.warn(
        "the app's legacy secret stays valid: Logto's secrets API neither lists nor deletes it. Once nothing uses it, remove it in the Logto Console (or DELETE /api/applications/{id}/legacy-secret).",
        { appId: current.appId },
      );
    }
    if (!previous || previous.appId !== current.appId) return;
    const secrets = await listAppSecrets(api, current.appId);
    const previousSecret = secrets.find((secret) => secret.value === previous.appSecret);
    if (!previousSecret) {
      // PREVIOUS is the legacy secret (or one deleted by hand): no listed secret is known to be older.
      log.info('previous credentials are not a listed app secret: nothing older to delete', { appId: current.appId });
      return;
    }
    const inUse = new Set([current.appSecret, previous.appSecret]);
    const older = secrets.filter((secret) => !inUse.has(secret.value) && secret.createdAt < previousSecret.createdAt);
    for (const secret of older) {
      try {
        await api.request('DELETE', `${secretsPath(current.appId)}/${encodeURIComponent(secret.name)}`);
      } catch (error) {
        if (!isLogtoError(error, 'entity.not_found')) throw error;
      }
      log.info('older Logto secret deleted', { appId: current.appId, name: secret.name });
    }
  }

  return async (input: RotationEvent): Promise<void> => {
    const { SecretId: secretId, ClientRequestToken: token, Step: step } = rotationEvent.parse(input);
    const metadata = await secretsManager.send(new DescribeSecretCommand({ SecretId: secretId }));
    if (!metadata.RotationEnabled) throw new RotationError(`${secretId} is not enabled for rotation.`);
    const versions = metadata.VersionIdsToStages ?? {};
    const stages = versions[token];
    if (!stages) throw new RotationError(`Version ${token} of ${secretId} is not staged for rotation.`);
    const currentVersion = Object.entries(versions).find(([, labels]) => labels.includes('AWSCURRENT'))?.[0];
    if (stages.includes('AWSCURRENT') && step !== 'finishSecret') {
      log.info('version already current', { step, versionId: token });
      return;
    }
    if (!stages.includes('AWSPENDING') && !stages.includes('AWSCURRENT')) {
      throw new RotationError(`Version ${token} of ${secretId} is not AWSPENDING.`);
    }
    log.info('rotation step', { step, versionId: token });
    switch (step) {
      case 'createSecret':
        return createSecret(secretId, token);
      case 'setSecret':
        // Logto generated the value: it already accepts it.
        return;
      case 'testSecret':
        return testSecret(secretId, token);
      case 'finishSecret':
        return finishSecret(secretId, token, currentVersion);
    }
  };
}
