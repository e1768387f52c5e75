import { Duration, Names, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import type * as ses from 'aws-cdk-lib/aws-ses';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { defaultApiIndicator, envSchema, readConfig } from '../lambdas/composition/config.ts';
import { addressOf } from './config.ts';
import { packagePath } from './package-root.ts';
import { Alarms } from './constructs/alarms.ts';
import { DeliveryQueue } from './constructs/delivery-queue.ts';
import { Email } from './constructs/email.ts';
import { functionSpecs, ServiceFunctions } from './constructs/functions.ts';
import { HttpApi } from './constructs/http-api.ts';
import { Lifecycle } from './constructs/lifecycle.ts';
import { LogtoWiring } from './constructs/logto-wiring.ts';
import { M2mRotation } from './constructs/m2m-rotation.ts';
import { Secrets } from './constructs/secrets.ts';
import { Storage } from './constructs/storage.ts';

export interface InvitationServiceProps {
  /** The Logto instance, e.g. `https://acme.logto.app` (Cloud) or `https://auth.acme.example` (self-hosted). */
  readonly logtoEndpoint: string;
  /**
   * The Management API resource the M2M app asks tokens for.
   * @default `https://{tenant}.logto.app/api` for a Logto Cloud endpoint, `https://default.logto.app/api` otherwise
   */
  readonly logtoApiIndicator?: string;
  /**
   * The Logto M2M app's credentials, as JSON `{"appId": "...", "appSecret": "..."}`. The app needs a role with the
   * Management API's `all` permission.
   * @default - a secret is created with empty values for you to fill in; until then every Logto call fails with
   * `secrets.invalid`, and the Logto wiring is off (see `wireLogto`)
   */
  readonly m2mSecret?: ISecret;
  /** The API resource (indicator) admin access tokens are issued for, with scopes `invitations:read` and `invitations:write`. */
  readonly adminAudience: string;
  /** The issuer admin tokens must carry. @default `${logtoEndpoint}/oidc` */
  readonly adminIssuer?: string;
  /** The From of invitation emails: `invitations@acme.example` or `Acme <invitations@acme.example>`. */
  readonly sesFromAddress: string;
  /**
   * The verified SES identity the From address belongs to: a domain or the address itself. Sending is allowed
   * through this identity only, and only from `sesFromAddress`.
   * @default the domain of `sesFromAddress`
   */
  readonly sesIdentity?: string;
  /**
   * A configuration set to send through; the service adds its EventBridge event destination to it.
   * @default - one is created (reputation metrics on, the suppression list applied to bounces and complaints)
   */
  readonly sesConfigurationSet?: ses.IConfigurationSet;
  /**
   * Prefix of the SES template names (`<prefix>-invitation-<locale>`), unique in the account and region.
   * @default - derived from the stack name and this construct's path
   */
  readonly sesTemplatePrefix?: string;
  /** Shown in the email. @default 'Logto' */
  readonly appName?: string;
  /** magic-link: your app's page the email links to; it passes `token` and `email` to Logto's sign-in. */
  readonly landingUrl: string;
  /**
   * accept-link and provision: your app's sign-in URL. The service sends invitees there with `login_hint`
   * (their email) and `first_screen` (`identifier:sign_in`, or `reset_password` when they have no password
   * yet); pass both on as extra parameters of the Logto SDK's `signIn`.
   * @default landingUrl
   */
  readonly signInUrl?: string;
  /**
   * The API's public base URL, when it is served under a custom domain: accept links point at
   * `<publicUrl>/v1/accept`. @default - the HTTP API's own URL
   */
  readonly publicUrl?: string;
  /**
   * accept-link: what the accept form asks for. A password is checked against the tenant's password policy
   * and goes to Logto only. @default { name: true, password: true }
   */
  readonly acceptForm?: { readonly name?: boolean; readonly password?: boolean };
  /**
   * provision: what happens to the Logto user of an invitation revoked or expired before its first sign-in.
   * @default 'suspend'
   */
  readonly provisionedUserOnEnd?: 'suspend' | 'delete';
  /** URL prefixes an invitation's `redirectUrl` may start with. @default - none: `redirectUrl` is refused */
  readonly redirectAllowList?: readonly string[];
  /** Email domains that may be invited. @default - any */
  readonly allowedEmailDomains?: readonly string[];
  /** Lifetime of an invitation created without `expiresIn` (5 minutes to 30 days). @default Duration.days(7) */
  readonly defaultExpiresIn?: Duration;
  /** How long before expiry the one reminder goes out, for invitations that ask for one. @default Duration.days(2) */
  readonly reminderBeforeExpiry?: Duration;
  /** The template used for locales without one. @default 'en' */
  readonly defaultLocale?: string;
  /**
   * Your own email templates: a directory laid out as this package's `templates/`
   * (`<email>/<locale>/{subject.txt,body.html,body.txt}` for `invitation` and `account-ready`, the same
   * locales for both). Every template is rendered at synth time with the values the mailer sends; one that
   * fails, or uses another value, fails synthesis. @default the shipped templates (en, de)
   */
  readonly emailTemplates?: string;
  /**
   * Asking to be invited (`POST /v1/access-requests`, the form at `/v1/request-access`).
   * @default { perIpPerHour: 10, perEmailPerDay: 3, minFillSeconds: 3, frameAncestors: [] }
   */
  readonly accessRequests?: {
    /** Requests one IP may make an hour; beyond, 429. */
    readonly perIpPerHour?: number;
    /** Requests for one email a day; beyond, dropped (still 202). */
    readonly perEmailPerDay?: number;
    /** The form is dropped when sent sooner after it was shown. */
    readonly minFillSeconds?: number;
    /** Origins that may frame the form. */
    readonly frameAncestors?: readonly string[];
  };
  /**
   * Referrals (`POST /v1/referrals`, a signed-in user's token with `invitations:refer`).
   * @default { perPeriod: 5, periodDays: 30, needApproval: false }
   */
  readonly referrals?: {
    readonly perPeriod?: number;
    readonly periodDays?: number;
    /** Hold each referral as an access request for an admin to approve. */
    readonly needApproval?: boolean;
  };
  /** The look of every email. @default - no logo, `#5d34f2`, no support address */
  readonly brand?: {
    /** An https URL of your logo. */
    readonly logoUrl?: string;
    /** Header and button colour, `#rrggbb`. */
    readonly primaryColor?: string;
    /** Shown as the address for questions. */
    readonly supportEmail?: string;
  };
  /**
   * What happens to the table, the secrets and the log groups when they leave the stack.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
  /** DynamoDB deletion protection on the table. @default - true, unless `removalPolicy` is DESTROY */
  readonly deletionProtection?: boolean;
  /** Where alarms go. @default - a topic is created (subscribe to it) */
  readonly alarmTopic?: ITopic;
  /**
   * Register the Logto webhook at deploy time (and remove it with the stack). Needs working M2M credentials.
   * @default - true when `m2mSecret` is given; false when the construct creates the (empty) secret: fill it, then
   * deploy again with `wireLogto: true`
   */
  readonly wireLogto?: boolean;
  /**
   * Also switch the tenant to `signInMode: SignIn`, so that invitations are the only way to register.
   * @default false - the tenant's sign-in mode is left as it is
   */
  readonly disableRegistration?: boolean;
  /**
   * Rotate the M2M credentials secret this often, through Logto's application secrets API: a new Logto
   * secret becomes current, the previous one stays valid, older ones are deleted at Logto (the app's legacy
   * secret cannot be, and stays valid). Whole days, 1 to 1000; `false` turns rotation off. The first deploy
   * with rotation on rotates at once.
   * @default Duration.days(30) when the secret holds credentials at deploy (`m2mSecret` given, or
   * `wireLogto: true`); off while the construct's own secret is still empty
   */
  readonly m2mRotation?: Duration | false;
  /** Retention of every log group of the service. @default RetentionDays.THREE_MONTHS */
  readonly logRetention?: logs.RetentionDays;
  /** Steady-state requests per second over the whole API. @default 50 */
  readonly apiRateLimit?: number;
  /** Requests allowed in a burst. @default 100 */
  readonly apiBurstLimit?: number;
  /**
   * Job-queue workers at most (the event source's maximum concurrency). Queued emails (a batch's, and retries)
   * are paced to the lowest of SES's send rate (read from the account: 90% of it), Logto's budget
   * (`logtoRequestsPerSecond`) and `deliveryRate`; the workers share that rate, so more of them hide more
   * latency without sending faster. Minimum 2.
   * @default 2
   */
  readonly deliveryConcurrency?: number;
  /** A ceiling on queued emails a second, below what SES and Logto allow. At least `deliveryConcurrency / 8`. @default none */
  readonly deliveryRate?: number;
  /** Logto Management API requests a second this deployment may make. @default 20 (Logto Cloud: about 200 per 10 s) */
  readonly logtoRequestsPerSecond?: number;
  /**
   * The admin console at `<api>/console`, served by its own function from the API's origin.
   * @default - served, but not configured (its page says so) until `appId` is set
   */
  readonly console?: {
    /**
     * The team's Logto Single Page App for the console: redirect URI `<ConsoleUrl>/callback`, post sign-out
     * redirect URI `<ConsoleUrl>`. Admins sign in there; their role must hold `invitations:read` and
     * `invitations:write` of `adminAudience`. An id, not a secret (a SPA has none).
     */
    readonly appId?: string;
    /** The built console (`index.html`, `assets/`). @default this package's `console/dist` (`npm run build:console`) */
    readonly assetsDirectory?: string;
  };
}

/** Where `npm run build:console` writes the console, found from the package root as the functions' entries are. */
export const defaultConsoleAssets = packagePath('console/dist');

/**
 * Invitation-only registration for Logto: the whole service, in one construct.
 *
 * Creates (construct ids are stable: renaming one replaces the resource):
 * - `Storage/Table`: the DynamoDB table (on-demand, PITR, deletion protection, TTL);
 * - `Secrets/M2mCredentials` (unless `m2mSecret` is given) and `Secrets/WebhookSigningKey`;
 * - `DeliveryQueue/Queue` and `DeliveryQueue/DeadLetterQueue`: the job queue, drained by the jobs function;
 * - `Email`: one SES template per locale, the configuration set, its EventBridge event destination, the rule
 *   routing delivery/bounce/complaint/reject events to the mail-events function, and that rule's dead-letter queue;
 * - `Functions/{Api,Webhook,Jobs,MailEvents,Lifecycle,LogtoWiring,Console}`: the Lambdas, each with its own
 *   role, log group and least-privilege grants (`Console` has none: it serves the admin console's files, bundled);
 * - `Lifecycle/StateMachine`: the per-invitation Step Functions state machine (reminder, expiry, reconcile);
 * - `HttpApi/Api`: the HTTP API with the routes of the route table (the admin console's under `/console`),
 *   throttling and access logs;
 * - `LogtoWiring/Webhook`: the custom resource registering the Logto webhook (when `wireLogto`);
 * - `M2mRotation/{Handler,Schedule}`: the M2M secret's rotation through Logto (when `m2mRotation`);
 * - `Alarms`: errors and throttles per function, dead-letter queues, lifecycle failures, SES bounce and
 *   complaint rates, to `alarmTopic` (or `Alarms/Topic`).
 */
export class InvitationService extends Construct {
  /** The API's base URL, with a trailing slash. */
  readonly apiUrl: string;
  /** Where Logto must post its webhooks. */
  readonly webhookUrl: string;
  /**
   * The admin console (under `publicUrl`, when given), without a trailing slash: its Logto app's post sign-out
   * redirect URI, and with `/callback` its redirect URI.
   */
  readonly consoleUrl: string;
  /** The Logto instance, without a trailing slash. */
  readonly logtoEndpoint: string;
  /** The Management API resource the M2M app asks tokens for. */
  readonly logtoApiIndicator: string;
  /** The SES identity invitations are sent through. */
  readonly sesIdentity: string;
  readonly storage: Storage;
  readonly secrets: Secrets;
  readonly deliveryQueue: DeliveryQueue;
  readonly email: Email;
  readonly functions: ServiceFunctions;
  readonly lifecycle: Lifecycle;
  readonly httpApi: HttpApi;
  readonly logtoWiring?: LogtoWiring;
  /** The M2M secret's rotation (when on; see `m2mRotation`). */
  readonly m2mRotation?: M2mRotation;
  readonly alarms: Alarms;

  /**
   * `<stack name>-<hash of this construct's path>`: names what must be unique per deployment in an account
   * (SES templates) or a Logto tenant (the hook), stable across deploys, readable in a console.
   */
  readonly deploymentName: string;

  constructor(scope: Construct, id: string, props: InvitationServiceProps) {
    super(scope, id);
    this.deploymentName = `${Stack.of(this).stackName.slice(0, 40)}-${Names.uniqueId(this).slice(-8)}`;
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    const logRetention = props.logRetention ?? logs.RetentionDays.THREE_MONTHS;
    const logtoEndpoint = props.logtoEndpoint.replace(/\/+$/, '');
    this.logtoEndpoint = logtoEndpoint;
    const defaultLocale = props.defaultLocale ?? 'en';
    const defaultExpiresIn = props.defaultExpiresIn ?? Duration.days(7);
    const reminderBeforeExpiry = props.reminderBeforeExpiry ?? Duration.days(2);
    const fromAddress = addressOf(props.sesFromAddress);
    if (!fromAddress) throw new Error(`InvitationService: sesFromAddress "${props.sesFromAddress}" is not an email address.`);
    const deliveryConcurrency = props.deliveryConcurrency ?? 2;
    if (!Number.isInteger(deliveryConcurrency) || deliveryConcurrency < 2 || deliveryConcurrency > 1000) {
      throw new Error(`InvitationService: deliveryConcurrency must be an integer from 2 to 1000 (SQS event sources), got ${deliveryConcurrency}.`);
    }
    // A worker's batch of 5 must fit its 60 s timeout at its share of the rate.
    if (props.deliveryRate !== undefined && !(props.deliveryRate >= deliveryConcurrency / 8)) {
      throw new Error(`InvitationService: deliveryRate must be at least deliveryConcurrency / 8 (${deliveryConcurrency / 8}), got ${props.deliveryRate}.`);
    }
    if (props.logtoRequestsPerSecond !== undefined && !(props.logtoRequestsPerSecond > 0)) {
      throw new Error(`InvitationService: logtoRequestsPerSecond must be positive, got ${props.logtoRequestsPerSecond}.`);
    }
    if (reminderBeforeExpiry.toSeconds() >= defaultExpiresIn.toSeconds()) {
      throw new Error('InvitationService: reminderBeforeExpiry must be shorter than defaultExpiresIn.');
    }
    const consoleAssets = resolve(props.console?.assetsDirectory ?? defaultConsoleAssets);
    // Before any function is bundled: the console's bundle copies the build, which must exist. Without
    // bundling (`cdk synth --exclusively` of another stack, tests of the template) nothing is copied.
    if (Stack.of(this).bundlingRequired && !existsSync(join(consoleAssets, 'index.html'))) {
      throw new Error(`InvitationService: the admin console is not built (no index.html in ${consoleAssets}): run npm run build:console.`);
    }

    this.storage = new Storage(this, 'Storage', {
      removalPolicy,
      deletionProtection: props.deletionProtection ?? removalPolicy !== RemovalPolicy.DESTROY,
    });
    const wireLogto = props.wireLogto ?? props.m2mSecret !== undefined;
    const m2mRotation = props.m2mRotation === false ? undefined : (props.m2mRotation ?? (wireLogto ? Duration.days(30) : undefined));
    this.secrets = new Secrets(this, 'Secrets', {
      ...(props.m2mSecret && { m2mSecret: props.m2mSecret }),
      m2mRotated: m2mRotation !== undefined,
      removalPolicy,
    });
    const jobMaxReceives = 5;
    this.deliveryQueue = new DeliveryQueue(this, 'DeliveryQueue', {
      consumerTimeout: functionSpecs.jobs.timeout,
      maxReceiveCount: jobMaxReceives,
    });
    this.sesIdentity = props.sesIdentity ?? fromAddress.split('@')[1]!;
    this.email = new Email(this, 'Email', {
      fromAddress: props.sesFromAddress,
      fromBareAddress: fromAddress,
      identity: this.sesIdentity,
      templatePrefix: props.sesTemplatePrefix ?? this.deploymentName,
      ...(props.emailTemplates && { templatesDirectory: props.emailTemplates }),
      ...(props.sesConfigurationSet && { configurationSet: props.sesConfigurationSet }),
    });
    if (!this.email.locales.includes(defaultLocale)) {
      throw new Error(`InvitationService: no template for defaultLocale "${defaultLocale}" (have: ${this.email.locales.join(', ')}).`);
    }

    const apiIndicator = props.logtoApiIndicator ?? defaultApiIndicator(logtoEndpoint);
    this.logtoApiIndicator = apiIndicator;
    const environment: Record<string, string> = {
      APP_NAME: props.appName ?? 'Logto',
      LOGTO_ENDPOINT: logtoEndpoint,
      LOGTO_API_INDICATOR: apiIndicator,
      ADMIN_AUDIENCE: props.adminAudience,
      ADMIN_ISSUER: props.adminIssuer ?? `${logtoEndpoint}/oidc`,
      LANDING_URL: props.landingUrl,
      SIGN_IN_URL: props.signInUrl ?? props.landingUrl,
      ACCEPT_FORM_FIELDS: [props.acceptForm?.name === false ? [] : ['name'], props.acceptForm?.password === false ? [] : ['password']].flat().join(','),
      PROVISIONED_USER_ON_END: props.provisionedUserOnEnd ?? 'suspend',
      ...(props.accessRequests?.perIpPerHour !== undefined && { ACCESS_REQUESTS_PER_IP_HOUR: String(props.accessRequests.perIpPerHour) }),
      ...(props.accessRequests?.perEmailPerDay !== undefined && { ACCESS_REQUESTS_PER_EMAIL_DAY: String(props.accessRequests.perEmailPerDay) }),
      ...(props.accessRequests?.minFillSeconds !== undefined && { ACCESS_FORM_MIN_SECONDS: String(props.accessRequests.minFillSeconds) }),
      ...(props.accessRequests?.frameAncestors && { ACCESS_FORM_FRAME_ANCESTORS: props.accessRequests.frameAncestors.join(',') }),
      ...(props.referrals?.perPeriod !== undefined && { REFERRALS_PER_PERIOD: String(props.referrals.perPeriod) }),
      ...(props.referrals?.periodDays !== undefined && { REFERRAL_PERIOD_DAYS: String(props.referrals.periodDays) }),
      REFERRALS_NEED_APPROVAL: String(props.referrals?.needApproval ?? false),
      REDIRECT_ALLOW_LIST: (props.redirectAllowList ?? []).join(','),
      ALLOWED_EMAIL_DOMAINS: (props.allowedEmailDomains ?? []).join(','),
      DEFAULT_EXPIRES_IN: String(defaultExpiresIn.toSeconds()),
      REMINDER_BEFORE_EXPIRY: String(reminderBeforeExpiry.toSeconds()),
      DEFAULT_LOCALE: defaultLocale,
      DELIVERY_CONCURRENCY: String(deliveryConcurrency),
      ...(props.deliveryRate !== undefined && { DELIVERY_RATE: String(props.deliveryRate) }),
      ...(props.logtoRequestsPerSecond !== undefined && { LOGTO_REQUESTS_PER_SECOND: String(props.logtoRequestsPerSecond) }),
      ...(props.brand?.logoUrl && { BRAND_LOGO_URL: props.brand.logoUrl }),
      ...(props.brand?.primaryColor && { BRAND_PRIMARY_COLOR: props.brand.primaryColor }),
      ...(props.brand?.supportEmail && { BRAND_SUPPORT_EMAIL: props.brand.supportEmail }),
    };
    // The accept URL names the HTTP API, which is made after the functions: it is added to them below.
    assertServiceEnvironment({ ...environment, ...this.email.environment(), ACCEPT_URL: 'https://deploy-time.invalid/v1/accept' });

    this.functions = new ServiceFunctions(this, 'Functions', {
      environment,
      jobMaxReceives,
      wiringEnvironment: { LOGTO_ENDPOINT: logtoEndpoint, LOGTO_API_INDICATOR: apiIndicator },
      table: this.storage,
      m2mSecret: this.secrets.m2mCredentials,
      webhookSecret: this.secrets.webhookSigningKey,
      jobQueue: this.deliveryQueue.queue,
      email: this.email,
      console: {
        assetsDirectory: consoleAssets,
        environment: {
          LOGTO_ENDPOINT: logtoEndpoint,
          ADMIN_AUDIENCE: props.adminAudience,
          ...(props.console?.appId && { CONSOLE_APP_ID: props.console.appId }),
        },
      },
      logRetention,
      removalPolicy,
    });
    this.deliveryQueue.drainWith(this.functions.jobs, {
      // Five jobs per invocation keep a batch (one after the other) well inside the 60 s timeout.
      batchSize: 5,
      maxConcurrency: deliveryConcurrency,
    });
    this.email.routeEventsTo(this.functions.mailEvents);

    this.lifecycle = new Lifecycle(this, 'Lifecycle', { handler: this.functions.lifecycle, logRetention, removalPolicy });
    // Create starts a lifecycle (the job queue retries a failed start); revoke, acceptance and a hard
    // bounce or complaint stop it.
    for (const fn of [this.functions.api, this.functions.webhook, this.functions.jobs, this.functions.mailEvents]) {
      this.lifecycle.grantControl(fn);
    }

    this.httpApi = new HttpApi(this, 'HttpApi', {
      functions: { api: this.functions.api, webhook: this.functions.webhook, console: this.functions.console },
      rateLimit: props.apiRateLimit ?? 50,
      burstLimit: props.apiBurstLimit ?? 100,
      logRetention,
      removalPolicy,
    });
    this.apiUrl = this.httpApi.url;
    this.webhookUrl = `${this.httpApi.url}v1/webhooks/logto`;
    const publicBase = props.publicUrl ? `${props.publicUrl.replace(/\/+$/, '')}/` : this.httpApi.url;
    this.consoleUrl = `${publicBase}console`;
    const acceptUrl = `${publicBase}v1/accept`;
    for (const fn of [this.functions.api, this.functions.webhook, this.functions.jobs, this.functions.mailEvents, this.functions.lifecycle]) {
      fn.addEnvironment('ACCEPT_URL', acceptUrl);
    }

    if (m2mRotation) {
      this.m2mRotation = new M2mRotation(this, 'M2mRotation', {
        secret: this.secrets.m2mCredentials,
        environment: { LOGTO_ENDPOINT: logtoEndpoint, LOGTO_API_INDICATOR: apiIndicator },
        every: m2mRotation,
        logRetention,
        removalPolicy,
      });
    }

    if (wireLogto) {
      this.logtoWiring = new LogtoWiring(this, 'LogtoWiring', {
        handler: this.functions.logtoWiring,
        webhookUrl: this.webhookUrl,
        hookName: `logto-invitations ${this.deploymentName}`,
        disableRegistration: props.disableRegistration ?? false,
        after: [this.httpApi.stage, this.httpApi.api],
        logRetention,
        removalPolicy,
      });
    }

    this.alarms = new Alarms(this, 'Alarms', {
      ...(props.alarmTopic && { topic: props.alarmTopic }),
      // A failed rotation leaves the old credentials current: harmless now, but someone should know.
      functions: { ...this.functions.all(), ...(this.m2mRotation && { M2mRotation: this.m2mRotation.handler }) },
      deadLetterQueues: {
        JobsDeadLetterQueue: this.deliveryQueue.deadLetterQueue,
        MailEventsDeadLetterQueue: this.email.mailEventsDeadLetterQueue!,
      },
      stateMachine: this.lifecycle.stateMachine,
    });
  }
}

/**
 * Runs the service's own environment schema over what the functions will get, so a value the Lambdas would
 * refuse at cold start fails synthesis instead. Values only known at deploy time (tokens) are stood in for.
 */
function assertServiceEnvironment(environment: Record<string, string>): void {
  const standIn = (key: string) => (/(_URL|_ENDPOINT|_INDICATOR|_ISSUER)$/.test(key) ? 'https://deploy-time.invalid' : 'deploy-time');
  const standIns = { TABLE_NAME: standIn('TABLE_NAME') };
  const literal = Object.fromEntries(
    Object.entries(environment).map(([key, value]) => [key, Token.isUnresolved(value) ? standIn(key) : value]),
  );
  try {
    readConfig(envSchema, { ...standIns, ...literal });
  } catch (error) {
    throw new Error(`InvitationService: ${(error as Error).message}`);
  }
}
