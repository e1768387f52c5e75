/**
 * The whole service on one machine: dynalite as DynamoDB, aws-ses-v2-local as SES, the Logto stand-in
 * (or a real Logto), the local job queue, and the API served through the local API Gateway adapter.
 * `npm start` runs it with fixed ports and data under `.local/`; tests run it on random ports in memory.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { Logger } from '@aws-lambda-powertools/logger';
import { mkdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createAccessTokenVerifier } from '../lambdas/adapters/access-token-verifier.ts';
import { DirectoryStaticFiles } from '../lambdas/adapters/directory-static-files.ts';
import { DynamoInvitationStore } from '../lambdas/adapters/dynamo-store.ts';
import { ensureTable } from '../lambdas/adapters/dynamo-table.ts';
import { LogtoPasswordChecker } from '../lambdas/adapters/logto-password-checker.ts';
import { createPwnedPasswords } from '../lambdas/adapters/pwned-passwords.ts';
import { LogtoManagementClient } from '../lambdas/adapters/logto-management-client.ts';
import { ensureLogtoWebhook, readLogtoWebhook, webhookEvents } from '../lambdas/adapters/logto-webhooks.ts';
import { StaticSecrets } from '../lambdas/adapters/secrets.ts';
import { createSesMailerClient, SesMailer } from '../lambdas/adapters/ses-mailer.ts';
import { accessRequestLimitsOf, deliveryRateOf, mailerSettingsOf, invitationSettings, readConfig, envSchema, type ServiceConfig } from '../lambdas/composition/config.ts';
import { createPacer } from '../lambdas/handlers/pacing.ts';
import { buildService, type Service } from '../lambdas/composition/service.ts';
import type { Clock } from '../lambdas/domain/ports.ts';
import { makeConsoleHandler } from '../lambdas/handlers/console.ts';
import { ensureInvitationTemplates, templateLocales } from '../templates/index.ts';
import { dispatch } from './api-gateway.ts';
import { localServiceEnv } from './defaults.ts';
import { serveDemo } from './demo-app.ts';
import { LocalJobQueue } from './job-queue.ts';
import { localLifecycleDefinition } from './lifecycle-runner.ts';
import { startLocalSes, type LocalSes } from './ses-events.ts';
import { LocalLifecycleScheduler } from './lifecycle-scheduler.ts';
import { seed, startLogtoStandIn, type StandIn } from './logto-stand-in/index.ts';

const require = createRequire(import.meta.url);

export interface LocalStackOptions {
  host?: string;
  /** 0 picks a free port. */
  ports?: { api?: number; logto?: number; ses?: number; dynamo?: number };
  /** Where data survives restarts; in memory when absent. */
  dataDir?: string;
  /** A real Logto instead of the stand-in (`LOGTO_ENDPOINT` and friends). */
  realLogto?: {
    endpoint: string;
    appId: string;
    appSecret: string;
    apiIndicator?: string;
    adminAudience?: string;
    demoAppId?: string;
    /** The admin console's SPA app there (`LOGTO_CONSOLE_APP_ID`); without it the console says it is not configured. */
    consoleAppId?: string;
  };
  /** Overrides of the service's environment (e.g. `ALLOWED_EMAIL_DOMAINS`). */
  env?: Record<string, string>;
  /** Scales the job queue's delays: 0 retries at once. */
  jobDelayScale?: number;
  /** Receives before a job is dead-lettered (its last attempt at a send marks the send failed). @default 8 */
  jobMaxReceives?: number;
  /** Point SES at this endpoint instead of the local SES (tests use a closed port to make it fail). */
  sesEndpointOverride?: string;
  logLevel?: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR' | 'SILENT';
  /** The stand-in's signing keys: ES384 like Logto's default, or RS256 like a tenant rotated to RSA. */
  standInSigningAlg?: 'ES384' | 'RS256';
  /** The service's clock (tests move it to read invitations past their expiry). */
  clock?: Clock;
  /** How long after a send the local SES publishes its delivery, bounce or complaint events. @default 200 */
  sesEventDelayMs?: number;
  /** Time limit of one Logto call (tests make Logto "time out" with a delay longer than this). @default 5000 */
  logtoTimeoutMs?: number;
  /** Lifecycle waits are this many times shorter (LOCAL_TIME_SCALE). @default 1 */
  lifecycleTimeScale?: number;
  /**
   * A team's own email templates (`<dir>/<email>/<locale>/{subject.txt,body.html,body.txt}`), checked at
   * start-up as at synth time. Brand values come through `env` (`BRAND_LOGO_URL`, ...). @default the shipped ones
   */
  templatesDirectory?: string;
  /** Faults the Logto stand-in applies from the start (`STANDIN_FAULTS`; see local/logto-stand-in/README.md). */
  standInFaults?: unknown[];
  /** Faults the local SES applies to SendEmail from the start (`SES_FAULTS`; see local/ses-events.ts). */
  sesFaults?: unknown[];
  /** The local SES's maximum send rate (`SES_MAX_SEND_RATE`), enforced and reported by GetAccount. @default 50 */
  sesMaxSendRate?: number;
  /** The built admin console (`index.html`, `assets/`), re-read when rebuilt. @default console/dist of this repository */
  consoleDirectory?: string;
}

export interface LocalStack {
  apiUrl: string;
  /** The admin console: `${apiUrl}/console`. */
  consoleUrl: string;
  logtoUrl: string;
  sesUrl: string;
  dynamoUrl: string;
  adminAudience: string;
  config: ServiceConfig;
  service: Service;
  jobs: LocalJobQueue;
  lifecycles: LocalLifecycleScheduler;
  /** The local SES's configuration-set events (mailbox simulator outcomes). */
  ses: Pick<LocalSes, 'idle' | 'throttled'>;
  standIn?: StandIn;
  store: DynamoInvitationStore;
  webhook: { id: string; created: boolean };
  close(): Promise<void>;
}

const localCredentials = { accessKeyId: 'local', secretAccessKey: 'local' };
/** Where `npm run build:console` writes the console. */
export const localConsoleDirectory = fileURLToPath(new URL('../console/dist', import.meta.url));
export const localAdminAudience = seed.adminClient.resource;

function listen(server: Server, port: number, host: string): Promise<string> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve(`http://${host}:${(server.address() as AddressInfo).port}`);
    });
  });
}

const closeServer = (server: Server) =>
  new Promise<void>((resolve) => {
    server.closeAllConnections?.();
    server.close(() => resolve());
  });

/**
 * Executions live in this process: after a restart, every invitation still stored as pending gets its
 * lifecycle back (the start is idempotent, and the tasks re-read the invitation).
 */
async function resumeLifecycles(store: DynamoInvitationStore, service: Service): Promise<void> {
  for (const status of ['pending', 'expired'] as const) {
    let cursor: string | undefined;
    do {
      const page = await store.list({ status, limit: 100, ...(cursor && { cursor }) }, new Date());
      for (const invitation of page.items) {
        if (invitation.status === 'pending') await service.invitations.schedule(invitation.id);
      }
      cursor = page.nextCursor;
    } while (cursor);
  }
}

export async function startLocalStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  const host = options.host ?? '127.0.0.1';
  const ports = { api: 0, logto: 0, ses: 0, dynamo: 0, ...options.ports };
  const closers: (() => Promise<void>)[] = [];
  const close = async () => {
    for (const closer of closers.reverse()) await closer().catch(() => undefined);
  };

  try {
    if (options.dataDir) mkdirSync(options.dataDir, { recursive: true });

    // The API's port first: the stand-in's demo app and the webhook need its URL.
    const apiServer = createServer();
    const apiUrl = await listen(apiServer, ports.api, host);
    closers.push(() => closeServer(apiServer));

    const dynalite = require('dynalite') as (o: object) => Server;
    const dynamoServer = dynalite({
      createTableMs: 0,
      deleteTableMs: 0,
      updateTableMs: 0,
      ...(options.dataDir && { path: join(options.dataDir, 'dynamo') }),
    });
    const dynamoUrl = await listen(dynamoServer, ports.dynamo, host);
    closers.push(() => closeServer(dynamoServer));
    // Closers run last first: the SDK clients go just before DynamoDB, after everything that may still use
    // them (the stand-in's webhook deliveries, SES events, lifecycle tasks, a running job batch) has ended.
    const sdkClients: { destroy(): void }[] = [];
    closers.push(async () => sdkClients.forEach((sdkClient) => sdkClient.destroy()));

    // Bound late, like the lifecycle handler: SES events go to the service, which needs SES first.
    const localSes = await startLocalSes({
      host,
      port: ports.ses,
      publish: async (event) => service.mailEvents(event),
      ...(options.sesEventDelayMs !== undefined && { delayMs: options.sesEventDelayMs }),
      ...(options.sesFaults && { faults: options.sesFaults }),
      ...(options.sesMaxSendRate !== undefined && { maxSendRate: options.sesMaxSendRate }),
      onError: (error) => log.error('SES event failed', { error: String(error) }),
    });
    const sesUrl = localSes.url;
    closers.push(() => localSes.close());

    let standIn: StandIn | undefined;
    let logto: { endpoint: string; appId: string; appSecret: string; apiIndicator: string; adminAudience: string; demoAppId: string };
    if (options.realLogto) {
      logto = {
        apiIndicator: 'https://default.logto.app/api',
        adminAudience: localAdminAudience,
        demoAppId: seed.demoApp.id,
        ...options.realLogto,
      };
    } else {
      standIn = await startLogtoStandIn({
        port: ports.logto,
        host,
        apiBaseUrl: apiUrl,
        ...(options.standInSigningAlg && { signingAlg: options.standInSigningAlg }),
        ...(options.dataDir && { dataFile: join(options.dataDir, 'logto.json') }),
        ...(options.standInFaults && { faults: options.standInFaults }),
      });
      closers.push(() => standIn!.close());
      logto = {
        endpoint: standIn.url,
        appId: seed.m2mApp.id,
        appSecret: seed.m2mApp.secret,
        apiIndicator: seed.managementApiResource,
        adminAudience: localAdminAudience,
        demoAppId: seed.demoApp.id,
      };
    }

    const config = readConfig(envSchema, {
      ...localServiceEnv,
      LOGTO_ENDPOINT: logto.endpoint,
      LOGTO_API_INDICATOR: logto.apiIndicator,
      ADMIN_AUDIENCE: logto.adminAudience,
      LANDING_URL: `${apiUrl}/demo/landing`,
      SIGN_IN_URL: `${apiUrl}/demo/sign-in`,
      ACCEPT_URL: `${apiUrl}/v1/accept`,
      // Offline: the stand-in serves the breached-password range API over its own list.
      ...(standIn && { PWNED_RANGE_URL: `${logto.endpoint}/__standin/pwned-passwords/range/` }),
      REDIRECT_ALLOW_LIST: `${apiUrl}/`,
      EMAIL_LOCALES: templateLocales(options.templatesDirectory).join(','),
      ...options.env,
    });

    const dynamo = new DynamoDBClient({ endpoint: dynamoUrl, region: 'us-east-1', credentials: localCredentials });
    const ses = createSesMailerClient({
      endpoint: options.sesEndpointOverride ?? sesUrl,
      region: 'us-east-1',
      credentials: localCredentials,
    });
    sdkClients.push(dynamo, ses);
    await ensureTable(dynamo, config.TABLE_NAME);
    // Templates go to the local SES itself, even when the mailer is pointed elsewhere (tests' fault proxy).
    const sesAdmin = new SESv2Client({ endpoint: sesUrl, region: 'us-east-1', credentials: localCredentials });
    await ensureInvitationTemplates(sesAdmin, config.SES_TEMPLATE_PREFIX, options.templatesDirectory).finally(() => sesAdmin.destroy());

    const log = new Logger({ serviceName: 'logto-invitations', logLevel: options.logLevel ?? 'WARN' });
    const secrets = new StaticSecrets({ m2m: { appId: logto.appId, appSecret: logto.appSecret } });
    const identity = new LogtoManagementClient({
      endpoint: config.LOGTO_ENDPOINT,
      apiIndicator: config.LOGTO_API_INDICATOR,
      credentials: () => secrets.m2mCredentials(),
      ...(options.logtoTimeoutMs !== undefined && { timeoutMs: options.logtoTimeoutMs }),
    });

    // Invitation-only, as the product is meant to run: public registration closed at (the stand-in) Logto.
    // A real Logto is left as its admins configured it; `npm run doctor` reports its sign-in mode.
    if (standIn) await identity.request('PATCH', '/api/sign-in-exp', { signInMode: 'SignIn' });

    const webhook = await ensureLogtoWebhook(identity, {
      name: 'logto-invitations (local)',
      url: `${apiUrl}/v1/webhooks/logto`,
      events: webhookEvents,
    });
    secrets.setWebhookSigningKey(webhook.signingKey);

    const store = new DynamoInvitationStore({ client: dynamo, tableName: config.TABLE_NAME });
    const jobMaxReceives = options.jobMaxReceives ?? 8;
    const jobs = new LocalJobQueue({
      ...(options.dataDir && { file: join(options.dataDir, 'jobs.json') }),
      delayScale: options.jobDelayScale ?? 1,
      maxReceives: jobMaxReceives,
    });
    const lifecycles = new LocalLifecycleScheduler({
      definition: localLifecycleDefinition(),
      // Bound late: the handler belongs to the service, which needs the scheduler.
      handler: (payload) => service.lifecycle(payload),
      ...(options.lifecycleTimeScale && { timeScale: options.lifecycleTimeScale }),
      onError: (invitationId, error) => log.error('lifecycle failed', { invitationId, error: String(error) }),
    });
    closers.push(() => lifecycles.close());
    const mailer = new SesMailer({ client: ses, ...mailerSettingsOf(config) });
    const service = buildService({
      store,
      identity,
      passwords: new LogtoPasswordChecker({
        readPolicy: () => identity.getPasswordPolicy(),
        pwned: createPwnedPasswords({ rangeUrl: config.PWNED_RANGE_URL }),
        // Locally the policy is changed at the stand-in by tests and by hand: read it every time.
        cacheMs: 0,
      }),
      mailer,
      jobs,
      lifecycle: lifecycles,
      verifier: createAccessTokenVerifier({ issuer: config.ADMIN_ISSUER, audience: config.ADMIN_AUDIENCE }),
      // Locally the key's source of truth is Logto itself: a fresh read asks it for the hook's current key.
      webhookSigningKey: async ({ fresh } = {}) => {
        if (fresh) secrets.setWebhookSigningKey((await readLogtoWebhook(identity, webhook.id)).signingKey);
        return secrets.webhookSigningKey();
      },
      settings: invitationSettings(config),
      jobMaxReceives,
      // One process drains the local queue, its batches at once: one pacer at the whole rate.
      deliveryPacer: createPacer({ rate: async () => deliveryRateOf(config, await mailer.maxSendRate()), consumers: 1 }),
      accessRequestLimits: accessRequestLimitsOf(config),
      log,
      ...(options.clock && { clock: options.clock }),
    });
    jobs.start(service.jobs);
    closers.push(() => jobs.stop());
    await resumeLifecycles(store, service);

    // The console signs in at the stand-in as its seeded SPA app, whose redirect URIs follow this API's URL
    // (seed.ts consoleUris), so it works on any port; at a real Logto, as the app LOGTO_CONSOLE_APP_ID names.
    const consoleAppId = standIn ? seed.consoleApp.id : options.realLogto?.consoleAppId;
    const consoleHandler = makeConsoleHandler({
      files: new DirectoryStaticFiles({ directory: options.consoleDirectory ?? localConsoleDirectory, reloadWhenChanged: true }),
      settings: {
        logtoEndpoint: config.LOGTO_ENDPOINT,
        resource: config.ADMIN_AUDIENCE,
        ...(consoleAppId && { appId: consoleAppId }),
        notConfigured:
          `No Logto app is set for the admin console: at ${config.LOGTO_ENDPOINT}, create a Single Page App with the redirect URI ` +
          `${apiUrl}/console/callback and the post sign-out redirect URI ${apiUrl}/console, then restart npm start with LOGTO_CONSOLE_APP_ID=<its App ID>.`,
      },
    });

    const demo = {
      logtoEndpoint: config.LOGTO_ENDPOINT,
      clientId: logto.demoAppId,
      redirectUri: `${apiUrl}/demo/callback`,
      appName: config.APP_NAME,
    };
    apiServer.on('request', (req, res) => {
      void (async () => {
        if (await dispatch(req, res, { api: service.api, webhook: service.webhook, console: consoleHandler })) return;
        if (serveDemo(demo, req, res)) return;
        res.writeHead(404, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ code: 'route.not_found', message: 'No such route.' }));
      })().catch((error: unknown) => {
        log.error('local server error', { error: String(error) });
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ code: 'internal.error', message: 'Something went wrong on our side.' }));
      });
    });

    return {
      apiUrl,
      consoleUrl: `${apiUrl}/console`,
      logtoUrl: config.LOGTO_ENDPOINT,
      sesUrl,
      dynamoUrl,
      adminAudience: config.ADMIN_AUDIENCE,
      config,
      service,
      jobs,
      lifecycles,
      ses: localSes,
      ...(standIn && { standIn }),
      store,
      webhook: { id: webhook.id, created: webhook.created },
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}
