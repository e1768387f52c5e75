/**
 * `npm start`: the whole service on this machine, no AWS account, no configuration.
 * Set LOGTO_ENDPOINT, LOGTO_M2M_APP_ID and LOGTO_M2M_APP_SECRET to use a real Logto instead of the stand-in.
 */
import { z } from 'zod';
import { readConfig } from '../lambdas/composition/config.ts';
import { seed } from './logto-stand-in/index.ts';
import { walkthrough } from './walkthrough.ts';
import { localPorts } from './defaults.ts';
import { faultsFromEnv } from './fault-share.ts';
import { startLocalStack } from './stack.ts';

const env = readConfig(
  z.object({
    LOGTO_ENDPOINT: z.url().optional(),
    LOGTO_M2M_APP_ID: z.string().optional(),
    LOGTO_M2M_APP_SECRET: z.string().optional(),
    LOGTO_API_INDICATOR: z.url().default('https://default.logto.app/api'),
    /** The API resource (audience) admin tokens must be issued for, at the real Logto. */
    ADMIN_AUDIENCE: z.string().default(seed.adminClient.resource),
    /** A Traditional/SPA app at the real Logto whose redirect URIs include http://127.0.0.1:4000/demo/callback. */
    LOGTO_DEMO_APP_ID: z.string().optional(),
    /** A Single Page App at the real Logto for the admin console: redirect URI http://127.0.0.1:4000/console/callback, post sign-out URI http://127.0.0.1:4000/console. */
    LOGTO_CONSOLE_APP_ID: z.string().optional(),
    LOCAL_DATA_DIR: z.string().default('.local'),
    LOG_LEVEL: z.enum(['DEBUG', 'INFO', 'WARN', 'ERROR']).default('WARN'),
    /** Every lifecycle wait (reminder, expiry) is this many times shorter: 60 turns minutes into seconds. */
    LOCAL_TIME_SCALE: z.coerce.number().min(1).default(1),
    /** A team's own email templates (the layout of templates/); checked at start-up. */
    EMAIL_TEMPLATES_DIR: z.string().optional(),
    APP_NAME: z.string().optional(),
    BRAND_LOGO_URL: z.string().optional(),
    BRAND_PRIMARY_COLOR: z.string().optional(),
    BRAND_SUPPORT_EMAIL: z.string().optional(),
    /** Faults by share, e.g. `[{"pathPrefix":"/api/one-time-tokens","status":500,"share":0.1}]` (see the README). */
    STANDIN_FAULTS: z.string().optional(),
    SES_FAULTS: z.string().optional(),
    /** The local SES's maximum send rate: sends beyond it are throttled, as SES does; deliveries pace themselves by it. */
    SES_MAX_SEND_RATE: z.coerce.number().positive().optional(),
  }),
  process.env,
);

if (env.LOGTO_ENDPOINT && (!env.LOGTO_M2M_APP_ID || !env.LOGTO_M2M_APP_SECRET)) {
  console.error('LOGTO_ENDPOINT is set: set LOGTO_M2M_APP_ID and LOGTO_M2M_APP_SECRET too (an M2M app with Management API access).');
  process.exit(1);
}

const ports = localPorts;
const stack = await startLocalStack({
  ports,
  dataDir: env.LOCAL_DATA_DIR,
  logLevel: env.LOG_LEVEL,
  lifecycleTimeScale: env.LOCAL_TIME_SCALE,
  ...(env.EMAIL_TEMPLATES_DIR && { templatesDirectory: env.EMAIL_TEMPLATES_DIR }),
  standInFaults: faultsFromEnv('STANDIN_FAULTS', env.STANDIN_FAULTS),
  sesFaults: faultsFromEnv('SES_FAULTS', env.SES_FAULTS),
  ...(env.SES_MAX_SEND_RATE !== undefined && { sesMaxSendRate: env.SES_MAX_SEND_RATE }),
  // The service validates these (a bad colour stops the start naming the variable).
  env: Object.fromEntries(
    (['APP_NAME', 'BRAND_LOGO_URL', 'BRAND_PRIMARY_COLOR', 'BRAND_SUPPORT_EMAIL'] as const).flatMap((name) => (env[name] === undefined ? [] : [[name, env[name]!]])),
  ),
  ...(env.LOGTO_ENDPOINT && {
    realLogto: {
      endpoint: env.LOGTO_ENDPOINT.replace(/\/+$/, ''),
      appId: env.LOGTO_M2M_APP_ID!,
      appSecret: env.LOGTO_M2M_APP_SECRET!,
      apiIndicator: env.LOGTO_API_INDICATOR,
      adminAudience: env.ADMIN_AUDIENCE,
      ...(env.LOGTO_DEMO_APP_ID && { demoAppId: env.LOGTO_DEMO_APP_ID }),
      ...(env.LOGTO_CONSOLE_APP_ID && { consoleAppId: env.LOGTO_CONSOLE_APP_ID }),
    },
  }),
}).catch((error: unknown) => {
  const code = (error as NodeJS.ErrnoException).code;
  console.error(
    code === 'EADDRINUSE'
      ? `A port the local stack needs is taken (${Object.values(ports).join(', ')}): is npm start already running?`
      : `The local stack could not start: ${error instanceof Error ? error.message : String(error)}`,
  );
  process.exit(1);
});

const api = stack.apiUrl;
const logto = stack.logtoUrl;
const indent = (text: string) => text.replace(/^/gm, '  ');
const consoleNote = stack.standIn
  ? `sign in as ${seed.adminUser.username} / ${seed.adminUser.password}`
  : env.LOGTO_CONSOLE_APP_ID
    ? `signs in with the Logto app ${env.LOGTO_CONSOLE_APP_ID}`
    : 'not configured: set LOGTO_CONSOLE_APP_ID, see the README';

console.log(`
logto-invitations is running locally.

  API            ${api}            (OpenAPI: ${api}/v1/openapi.json)
  Console        ${stack.consoleUrl}            (${consoleNote})
  Logto          ${logto}${stack.standIn ? `            (local stand-in; issuer ${logto}/oidc)` : '  (real Logto)'}
  SES inbox      ${stack.sesUrl}            (mails as JSON: ${stack.sesUrl}/store)
  DynamoDB       ${stack.dynamoUrl}            (dynalite, data in ${env.LOCAL_DATA_DIR}/)
  Demo landing   ${api}/demo/landing            (and the app's sign-in: ${api}/demo/sign-in)
  Request form   ${api}/v1/request-access            (anyone may ask to be invited)
  Webhook        ${api}/v1/webhooks/logto (hook ${stack.webhook.id}, ${stack.webhook.created ? 'registered now' : 'already registered'})
  Lifecycles     the deployed state machine on aws-local-stepfunctions, in process (${stack.lifecycles.executions.length} resumed${env.LOCAL_TIME_SCALE > 1 ? `; waits ${env.LOCAL_TIME_SCALE}x shorter` : ''})

Walkthrough (paste into a shell):

${indent(walkthrough({ api, logto, ses: stack.sesUrl, adminAudience: stack.adminAudience }, stack.standIn !== undefined))}

The other two modes (accept-link, provision), access requests and referrals: see the README.

Ctrl-C stops everything; data stays in ${env.LOCAL_DATA_DIR}/ (delete it to start over).
`);

const shutdown = async () => {
  await stack.close();
  process.exit(0);
};
process.once('SIGINT', () => void shutdown());
process.once('SIGTERM', () => void shutdown());
