/**
 * The service's configuration, read from the environment once and validated: a bad deployment fails at
 * cold start with a message naming the variable, not on some later request. No secret is ever in here.
 */
import * as z from 'zod';
import { invitationModes } from '../domain/invitation.ts';
import type { InvitationSettings } from '../domain/invitations.ts';
import { deliveryRate } from '../handlers/pacing.ts';

const list = z
  .string()
  .default('')
  .transform((value) => value.split(',').map((item) => item.trim()).filter(Boolean));

export const envSchema = z
  .object({
    APP_NAME: z.string().min(1).default('Logto'),
    TABLE_NAME: z.string().min(1),
    LOGTO_ENDPOINT: z.url().transform((url) => url.replace(/\/+$/, '')),
    /** Logto Cloud: https://{tenant}.logto.app/api; self-hosted OSS: always https://default.logto.app/api. */
    LOGTO_API_INDICATOR: z.url().optional(),
    ADMIN_AUDIENCE: z.string().min(1),
    ADMIN_ISSUER: z.url().optional(),
    LANDING_URL: z.url(),
    /** The app's sign-in URL for accept-link and provision (it passes `login_hint` and `first_screen` to Logto). */
    SIGN_IN_URL: z.url().optional(),
    /** The public URL of `GET /v1/accept` (the API's own URL, or its custom domain). */
    ACCEPT_URL: z.url(),
    /** accept-link: the form's fields, of `name` and `password`; empty asks nothing but the click. */
    ACCEPT_FORM_FIELDS: z
      .string()
      .default('name,password')
      .transform((value) => value.split(',').map((item) => item.trim()).filter(Boolean))
      .pipe(z.array(z.enum(['name', 'password']))),
    PROVISIONED_USER_ON_END: z.enum(['suspend', 'delete']).default('suspend'),
    /** Access requests one IP may make per hour (over it: 429), and one email per day (over it: dropped, still 202). */
    ACCESS_REQUESTS_PER_IP_HOUR: z.coerce.number().int().min(1).default(10),
    ACCESS_REQUESTS_PER_EMAIL_DAY: z.coerce.number().int().min(1).default(3),
    /** The request form is refused (silently) when sent sooner than this after it was shown: bots fill at once. */
    ACCESS_FORM_MIN_SECONDS: z.coerce.number().min(0).default(3),
    /** Origins allowed to frame the request form (`frame-ancestors`); none by default. */
    ACCESS_FORM_FRAME_ANCESTORS: list.pipe(z.array(z.url({ protocol: /^https?$/ }))),
    /** Referrals one signed-in user may make per period, and whether an admin approves each first. */
    REFERRALS_PER_PERIOD: z.coerce.number().int().min(0).default(5),
    REFERRAL_PERIOD_DAYS: z.coerce.number().int().min(1).max(365).default(30),
    REFERRALS_NEED_APPROVAL: z.enum(['true', 'false']).default('false').transform((value) => value === 'true'),
    /** haveibeenpwned's Pwned Passwords range API, for the password policy's breached-password rule. */
    PWNED_RANGE_URL: z.url().default('https://api.pwnedpasswords.com/range/'),
    /** URL prefixes (origin and path) an invitation's `redirectUrl` must fall under. */
    REDIRECT_ALLOW_LIST: list.pipe(z.array(z.url({ protocol: /^https?$/ }))),
    ALLOWED_EMAIL_DOMAINS: list.transform((domains) => domains.map((domain) => domain.toLowerCase())),
    DEFAULT_EXPIRES_IN: z.coerce.number().int().min(300).max(2_592_000).default(604_800),
    DEFAULT_LOCALE: z.string().min(2).default('en'),
    /** The locales the deployment has email templates for (the construct reads them from its templates directory). */
    EMAIL_LOCALES: list.pipe(z.array(z.string().regex(/^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/)).min(1)).default(['en', 'de']),
    /** The look of every email: a logo (https), the header and button colour, a support address. */
    BRAND_LOGO_URL: z.union([z.url({ protocol: /^https$/ }), z.literal('')]).default(''),
    BRAND_PRIMARY_COLOR: z.string().regex(/^#[0-9a-fA-F]{6}$/, 'Must be a colour such as #5d34f2.').default('#5d34f2'),
    BRAND_SUPPORT_EMAIL: z.union([z.email(), z.literal('')]).default(''),
    DEFAULT_MODE: z.enum(invitationModes).default('magic-link'),
    SES_FROM: z.string().min(3),
    SES_CONFIGURATION_SET: z.string().optional(),
    SES_TEMPLATE_PREFIX: z.string().regex(/^[\w-]+$/).default('logto-invitations'),
    /** Seconds before `expiresAt` the one reminder goes out. */
    REMINDER_BEFORE_EXPIRY: z.coerce.number().int().min(0).default(172_800),
    /** A ceiling on queued sends a second, below what SES and Logto allow (see handlers/pacing.ts). */
    DELIVERY_RATE: z.coerce.number().positive().optional(),
    /** Logto Management API requests a second this deployment may make: Logto Cloud asks for about 200 per 10 s. */
    LOGTO_REQUESTS_PER_SECOND: z.coerce.number().positive().default(20),
    /** Days a final invitation and its audit trail are kept before DynamoDB's TTL may delete them. */
    RETENTION_DAYS: z.coerce.number().int().min(1).default(365),
  })
  .transform((env) => ({
    ...env,
    LOGTO_API_INDICATOR: env.LOGTO_API_INDICATOR ?? defaultApiIndicator(env.LOGTO_ENDPOINT),
    ADMIN_ISSUER: env.ADMIN_ISSUER ?? `${env.LOGTO_ENDPOINT}/oidc`,
    SIGN_IN_URL: env.SIGN_IN_URL ?? env.LANDING_URL,
  }));

export type ServiceConfig = z.output<typeof envSchema>;

/** The access-request limits of the config, as the API handler applies them. */
export const accessRequestLimitsOf = (config: ServiceConfig) => ({
  perIpPerHour: config.ACCESS_REQUESTS_PER_IP_HOUR,
  perEmailPerDay: config.ACCESS_REQUESTS_PER_EMAIL_DAY,
  minFillSeconds: config.ACCESS_FORM_MIN_SECONDS,
  frameAncestors: config.ACCESS_FORM_FRAME_ANCESTORS,
});

/** What limits the queue's sends, given SES's send rate as read (see handlers/pacing.ts). */
export const deliveryRateOf = (config: ServiceConfig, sesMaxSendRate: number | undefined) =>
  deliveryRate({
    sesMaxSendRate,
    logtoRequestsPerSecond: config.LOGTO_REQUESTS_PER_SECOND,
    ...(config.DELIVERY_RATE !== undefined && { ceiling: config.DELIVERY_RATE }),
  });

/** The mailer's settings of the config (all but its SES client). */
export const mailerSettingsOf = (config: ServiceConfig) => ({
  from: config.SES_FROM,
  ...(config.SES_CONFIGURATION_SET && { configurationSet: config.SES_CONFIGURATION_SET }),
  templateNamePrefix: config.SES_TEMPLATE_PREFIX,
  defaultLocale: config.DEFAULT_LOCALE,
  locales: config.EMAIL_LOCALES,
  brand: brandOf(config),
});

/** The brand values of the config, as the mailer sends them. */
export const brandOf = (config: ServiceConfig) => ({
  logoUrl: config.BRAND_LOGO_URL,
  primaryColor: config.BRAND_PRIMARY_COLOR,
  supportEmail: config.BRAND_SUPPORT_EMAIL,
});

export function defaultApiIndicator(endpoint: string): string {
  const cloud = /^https:\/\/([a-z0-9]+)\.logto\.app$/.exec(endpoint);
  return cloud ? `https://${cloud[1]}.logto.app/api` : 'https://default.logto.app/api';
}

/** Parses `env`; throws one error naming every bad or missing variable. */
export function readConfig<T extends z.ZodType>(schema: T, env: Record<string, string | undefined>): z.output<T> {
  // Parsed once per cold start: zod compiling its fast path for an object (`new Function`) costs more
  // than the one parse it speeds up, about 10 ms of the module load (bench/module-load.ts).
  const result = schema.safeParse(env, { jitless: true });
  if (!result.success) {
    const problems = result.error.issues.map((issue) => `${issue.path.join('.') || '(env)'}: ${issue.message}`);
    throw new Error(`Invalid configuration: ${problems.join('; ')}`);
  }
  return result.data;
}

export function invitationSettings(config: ServiceConfig): InvitationSettings {
  return {
    appName: config.APP_NAME,
    landingUrl: config.LANDING_URL,
    signInUrl: config.SIGN_IN_URL,
    acceptUrl: config.ACCEPT_URL,
    acceptForm: { name: config.ACCEPT_FORM_FIELDS.includes('name'), password: config.ACCEPT_FORM_FIELDS.includes('password') },
    provisionedUserOnEnd: config.PROVISIONED_USER_ON_END,
    referrals: { perPeriod: config.REFERRALS_PER_PERIOD, periodDays: config.REFERRAL_PERIOD_DAYS, needApproval: config.REFERRALS_NEED_APPROVAL },
    redirectAllowList: config.REDIRECT_ALLOW_LIST,
    allowedEmailDomains: config.ALLOWED_EMAIL_DOMAINS,
    defaultExpiresIn: config.DEFAULT_EXPIRES_IN,
    defaultLocale: config.DEFAULT_LOCALE,
    supportedLocales: config.EMAIL_LOCALES,
    defaultMode: config.DEFAULT_MODE,
    sendLeaseSeconds: 60,
    reminderBeforeExpirySeconds: config.REMINDER_BEFORE_EXPIRY,
  };
}
