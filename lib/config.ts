/**
 * The CDK app's configuration: `cdk.json` context (or `-c key=value`), validated once with zod. A missing or
 * bad value fails synthesis with a message naming the key, before anything is bundled.
 */
import type { Node } from 'constructs';
import { z } from 'zod';

/** `-c key=value` always gives strings; cdk.json gives JSON. Both spellings are accepted. */
const list = z
  .union([z.array(z.string()), z.string()])
  .default([])
  .transform((value) =>
    (Array.isArray(value) ? value : value.split(','))
      .map((item) => item.trim())
      .filter(Boolean),
  );

const flag = z.union([z.boolean(), z.enum(['true', 'false']).transform((value) => value === 'true')]);

const seconds = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

/** `invitations@example.com` or `Example <invitations@example.com>`: SES's `FromEmailAddress`. */
const fromAddress = z
  .string()
  .trim()
  .refine((value) => addressOf(value) !== undefined, 'Must be an email address, optionally with a display name: "Acme <no-reply@acme.example>".');

/** A domain (`acme.example`) or an email address verified in SES. */
const sesIdentity = z
  .string()
  .trim()
  .regex(/^([^\s@<>]+@)?[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$/i, 'Must be a domain or an email address verified in SES.');

const httpsUrl = z.url({ protocol: /^https$/, message: 'Must be an https:// URL.' });

export const contextSchema = z
  .object({
    /** The CloudFormation stack name. */
    stackName: z
      .string()
      .regex(/^[A-Za-z][A-Za-z0-9-]{0,127}$/, 'Must be a CloudFormation stack name (letters, digits, hyphens).')
      .default('LogtoInvitations'),
    account: z.string().regex(/^\d{12}$/, 'Must be a 12-digit AWS account id.').optional(),
    region: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'Must be an AWS region such as eu-central-1.').optional(),
    logtoEndpoint: z.url({ protocol: /^https?$/, message: 'Must be the URL of the Logto instance.' }).transform((url) => url.replace(/\/+$/, '')),
    logtoApiIndicator: z.url().optional(),
    adminAudience: z.string().min(1, 'Must be the indicator of the API resource admin tokens are issued for.'),
    adminIssuer: z.url().optional(),
    landingUrl: httpsUrl,
    /** accept-link and provision: the app's sign-in URL (passes `login_hint` and `first_screen` on). Default: landingUrl. */
    signInUrl: httpsUrl.optional(),
    /** The API's public base URL under a custom domain (accept links point there). */
    publicUrl: httpsUrl.optional(),
    acceptFormName: flag.default(true),
    acceptFormPassword: flag.default(true),
    provisionedUserOnEnd: z.enum(['suspend', 'delete']).default('suspend'),
    accessRequestsPerIpHour: z.coerce.number().int().min(1).optional(),
    accessRequestsPerEmailDay: z.coerce.number().int().min(1).optional(),
    accessFormFrameAncestors: list.pipe(z.array(httpsUrl)),
    referralsPerPeriod: z.coerce.number().int().min(0).optional(),
    referralPeriodDays: z.coerce.number().int().min(1).max(365).optional(),
    referralsNeedApproval: flag.default(false),
    redirectAllowList: list.pipe(z.array(httpsUrl)),
    allowedEmailDomains: list.pipe(z.array(z.string().regex(/^[a-z0-9.-]+\.[a-z]{2,}$/i, 'Must be a domain such as example.com.'))),
    appName: z.string().min(1).max(64).default('Logto'),
    sesFromAddress: fromAddress,
    sesIdentity: sesIdentity.optional(),
    defaultLocale: z.string().regex(/^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/, 'Must be a language tag such as en or de.').default('en'),
    /** A directory of your own email templates, laid out as templates/ (relative to the CDK app). */
    emailTemplates: z.string().min(1).optional(),
    brandLogoUrl: httpsUrl.optional(),
    brandPrimaryColor: z.string().regex(/^#[0-9a-fA-F]{6}$/, 'Must be a colour such as #5d34f2.').optional(),
    brandSupportEmail: z.email().optional(),
    /** Job-queue workers at most; queued emails are paced to what SES and Logto allow, shared among them. */
    deliveryConcurrency: z.coerce.number().int().min(2).max(1000).optional(),
    /** A ceiling on queued emails a second, below SES's send rate and Logto's budget. */
    deliveryRate: z.coerce.number().positive().optional(),
    /** Logto Management API requests a second this deployment may make (Logto Cloud: about 200 per 10 s). */
    logtoRequestsPerSecond: z.coerce.number().positive().optional(),
    defaultExpiresIn: seconds(300, 2_592_000).default(604_800),
    reminderBeforeExpiry: seconds(60, 2_592_000).default(172_800),
    m2mSecretArn: z
      .string()
      .regex(
        /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:.+-[A-Za-z0-9]{6}$/,
        'Must be the complete ARN of a Secrets Manager secret (ending in -XXXXXX).',
      )
      .optional(),
    wireLogto: flag.optional(),
    disableRegistration: flag.default(false),
    /** Days between rotations of the M2M secret through Logto; 0 turns rotation off. Default: see `m2mRotation`. */
    m2mRotationDays: z.coerce.number().int('Must be whole days.').min(0).max(1000).optional(),
    /** The team's Logto Single Page App for the admin console (an id, not a secret). Without it, the console says it is not configured. */
    consoleAppId: z.string().trim().min(1).optional(),
    /** The built admin console, if not this package's console/dist (relative to the CDK app). */
    consoleAssetsDirectory: z.string().min(1).optional(),
    removalPolicy: z.enum(['retain', 'destroy']).default('retain'),
    alarmTopicArn: z
      .string()
      .regex(/^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[\w-]+$/, 'Must be the ARN of an SNS topic.')
      .optional(),
  })
  .superRefine((context, issues) => {
    if (context.reminderBeforeExpiry >= context.defaultExpiresIn) {
      issues.addIssue({
        code: 'custom',
        path: ['reminderBeforeExpiry'],
        message: `Must be shorter than defaultExpiresIn (${context.defaultExpiresIn} s).`,
      });
    }
  });

export type AppContext = z.output<typeof contextSchema>;

/** Raised for bad context; its message names every bad key. */
export class ContextError extends Error {
  override name = 'ContextError';
}

/** The keys this app reads from the context (the rest of cdk.json is CDK's own feature flags). */
export const contextKeys = Object.keys(contextSchema.shape) as (keyof AppContext)[];

/** Reads and validates this app's context keys; throws a {@link ContextError} naming each bad one. */
export function readContext(node: Node): AppContext {
  const raw = Object.fromEntries(contextKeys.map((key) => [key, node.tryGetContext(key)]).filter(([, value]) => value !== undefined));
  const result = contextSchema.safeParse(raw);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => {
      const key = issue.path.join('.') || '(context)';
      const given = issue.path.length > 0 ? raw[String(issue.path[0])] : undefined;
      const shown = given === undefined ? 'missing' : `got ${JSON.stringify(given)}`;
      return `  ${key}: ${issue.message} (${shown})`;
    });
    throw new ContextError(
      `Invalid CDK context (cdk.json "context" or -c key=value):\n${problems.join('\n')}`,
    );
  }
  return result.data;
}

/** The bare address of `Name <address>` or `address`; undefined when it is not one. */
export function addressOf(from: string): string | undefined {
  const match = /^(?:[^<>]*<([^<>\s]+@[^<>\s]+)>|([^<>\s]+@[^<>\s]+))$/.exec(from.trim());
  return match?.[1] ?? match?.[2];
}
