/**
 * The API's request and response shapes, as zod schemas. They validate requests and generate the
 * OpenAPI document, so the two cannot drift apart.
 */
import * as z from 'zod';
import { deliveryStatuses, invitationModes, invitationStatuses, maxEmailLength } from '../../domain/invitation.ts';
import { previewLinkPlaceholder } from '../../domain/library/delivery.ts';
import { maxDirectoryEntries } from '../../domain/library/directory.ts';
import { emailKinds } from '../../../templates/invitation-contract.ts';
import { accessRequestStatuses } from '../../domain/ports.ts';

/** Trimmed and lower-cased before anything else sees it: Logto matches one-time-token emails exactly. */
export const emailSchema = z.preprocess(
  (value) => (typeof value === 'string' ? value.trim().toLowerCase() : value),
  z.email({ message: 'Must be an email address.' }).max(maxEmailLength),
);

const logtoId = z.string().min(1).max(128);
const idList = z.array(logtoId).max(100);
/** No control characters: these values end up in email subjects and bodies. */
const displayText = z
  .string()
  .max(128)
  .regex(/^[^\p{Cc}]*$/u, 'Must not contain control characters.');

const metadataLimitBytes = 4096;
/** Deep enough for any customData worth having; a walk that stops here never exhausts the stack. */
export const metadataMaxDepth = 32;

/**
 * What JSON can say but the stored metadata (and Logto's customData, read back by JavaScript) cannot keep
 * as sent: numbers no double holds (`1e400`, integers past 2^53, whose last digits a double silently
 * changes: send those as strings), a `__proto__` key (an object's own key in JSON, a prototype to
 * JavaScript), nesting past {@link metadataMaxDepth}. Walks the raw input iteratively, so no depth of
 * nesting can overflow the stack.
 */
function metadataProblems(value: unknown): { path: (string | number)[]; message: string }[] {
  const problems: { path: (string | number)[]; message: string }[] = [];
  const stack: { value: unknown; path: (string | number)[] }[] = [{ value, path: [] }];
  while (stack.length > 0 && problems.length < 10) {
    const { value: current, path } = stack.pop()!;
    if (typeof current === 'number') {
      if (!Number.isFinite(current)) problems.push({ path, message: 'Must be a finite number.' });
      else if (Number.isInteger(current) && !Number.isSafeInteger(current)) {
        problems.push({ path, message: 'Integers beyond ±2^53 cannot be kept exactly; send it as a string.' });
      }
      continue;
    }
    if (current === null || typeof current !== 'object') continue;
    if (path.length >= metadataMaxDepth) {
      problems.push({ path: [], message: `Must not be nested more than ${metadataMaxDepth} levels deep.` });
      break;
    }
    for (const [key, child] of Object.entries(current)) {
      if (key === '__proto__') problems.push({ path: [...path, key], message: 'The key __proto__ is not allowed.' });
      else stack.push({ value: child, path: [...path, Array.isArray(current) ? Number(key) : key] });
    }
  }
  return problems;
}

export const metadataSchema = z.preprocess(
  (value, ctx) => {
    const problems = metadataProblems(value);
    for (const problem of problems) ctx.issues.push({ code: 'custom', input: value, ...problem });
    if (problems.length === 0 && value !== null && typeof value === 'object' && Buffer.byteLength(JSON.stringify(value), 'utf8') > metadataLimitBytes) {
      ctx.issues.push({ code: 'custom', input: value, path: [], message: `Must be at most ${metadataLimitBytes} bytes as JSON.` });
    }
    return value;
  },
  z.record(z.string(), z.unknown()),
);

export const inviterSchema = z.strictObject({
  id: logtoId.optional(),
  name: displayText.optional(),
  email: emailSchema.optional(),
});

export const createInvitationBody = z
  .strictObject({
    email: emailSchema,
    mode: z.enum(invitationModes).optional(),
    roleIds: idList.optional(),
    organizationIds: idList.optional(),
    organizationRoleIds: idList.optional(),
    expiresIn: z.int().min(300).max(2_592_000).optional().describe('Seconds until the invitation expires.'),
    locale: z
      .string()
      .regex(/^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/, 'Must be a language tag such as en or de-CH.')
      .optional(),
    metadata: metadataSchema.optional().describe("Copied to the Logto user's customData on acceptance."),
    name: displayText.min(1).optional().describe("The invitee's name: the provisioned user's name, or the accept form's default."),
    inviter: inviterSchema.optional(),
    redirectUrl: z.url({ protocol: /^https?$/ }).max(2048).optional(),
    notify: z.boolean().optional().describe('false: no email is sent; the response carries the link.'),
    reminder: z.boolean().optional(),
    password: z
      .string()
      .min(1)
      .max(256)
      .optional()
      .describe('provision only: the account\'s password, checked against the tenant\'s password policy; set at Logto, never stored or echoed.'),
  })
  .meta({ id: 'CreateInvitation' });
export type CreateInvitationBody = z.infer<typeof createInvitationBody>;

/** One row of a batch: a create without `notify` (a batch is emailed) or `password` (set one per account instead). */
export const batchRowSchema = createInvitationBody.omit({ notify: true, password: true }).meta({ id: 'BatchRow' });

/** The batch's JSON body. Rows are validated one by one (a bad row is rejected, not the batch), after `defaults` is merged in. */
export const batchBody = z
  .strictObject({
    invitations: z.array(batchRowSchema).min(1).max(1000).describe('1 to 1,000 rows, each a create body; a row overrides `defaults`.'),
    defaults: batchRowSchema.omit({ email: true }).optional().describe('Fields every row takes unless it sets its own.'),
  })
  .meta({ id: 'BatchBody' });

/** What the handler parses strictly before the rows, which it checks one by one. */
export const batchEnvelope = z.strictObject({
  invitations: z.array(z.unknown()).min(1, 'A batch needs at least one row.').max(1000, 'A batch has at most 1,000 rows.'),
  defaults: batchBody.shape.defaults,
});

const rejectedRowSchema = z.object({
  index: z.int().describe('The row, from 0 (JSON: its place in `invitations`; CSV: its place among the data rows).'),
  line: z.int().optional().describe("CSV: the row's line in the file (the header is line 1)."),
  email: z.string().optional(),
  code: z.string(),
  message: z.string(),
  details: z.unknown().optional(),
});

export const batchCreatedSchema = z
  .object({
    batchId: z.string(),
    rows: z.int(),
    accepted: z.int().describe('Rows that became invitations; their emails are queued.'),
    rejected: z.array(rejectedRowSchema),
    invitations: z.array(z.object({ index: z.int(), id: z.string(), email: z.string() })),
  })
  .meta({ id: 'BatchCreated' });

export const batchQuery = z.strictObject({
  dryRun: z
    .enum(['true', 'false'])
    .optional()
    .describe('true: check every row as the batch would, and change nothing (200 BatchDryRun: no invitation, link, email, batch or Idempotency-Key record).'),
});

export const batchDryRunSchema = z
  .object({
    dryRun: z.literal(true),
    rows: z.int(),
    accepted: z.int().describe('Rows that would become invitations.'),
    rejected: z.array(rejectedRowSchema).describe("Each row the batch would reject, with the batch's reason."),
  })
  .meta({ id: 'BatchDryRun' });

export const batchProgressSchema = z
  .object({
    batchId: z.string(),
    createdAt: z.iso.datetime(),
    rows: z.int(),
    accepted: z.int(),
    rejected: z.int(),
    progress: z
      .object({ queued: z.int(), sent: z.int(), failed: z.int(), accepted: z.int(), ended: z.int() })
      .describe("The batch's invitations by where they stand: email queued, sent (or delivered), failed (or undeliverable), accepted, ended (revoked or expired unaccepted)."),
    done: z.boolean().describe('No email of the batch is still queued.'),
  })
  .meta({ id: 'BatchProgress' });

export const listQuery = z.strictObject({
  status: z.enum(invitationStatuses).optional(),
  email: emailSchema.optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().max(1024).optional(),
});

export const invitationSchema = z
  .object({
    id: z.string(),
    email: z.string(),
    status: z.enum(invitationStatuses),
    mode: z.enum(invitationModes),
    roleIds: z.array(z.string()),
    organizationIds: z.array(z.string()),
    organizationRoleIds: z.array(z.string()),
    locale: z.string(),
    metadata: z.record(z.string(), z.unknown()),
    name: z.string().optional(),
    inviter: z.object({ id: z.string().optional(), name: z.string().optional(), email: z.string().optional() }),
    redirectUrl: z.string().optional(),
    reminder: z.boolean(),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
    expiresAt: z.iso.datetime(),
    delivery: z.object({
      status: z.enum(deliveryStatuses),
      sendCount: z.int(),
      lastSentAt: z.iso.datetime().optional(),
      lastError: z.string().optional(),
    }),
    acceptedAt: z.iso.datetime().optional(),
    acceptedUserId: z.string().optional(),
    revokedAt: z.iso.datetime().optional(),
    batchId: z.string().optional().describe('The batch it was created in.'),
    link: z.string().optional().describe('Only in the response to a create with notify: false.'),
  })
  .meta({ id: 'Invitation' });

export const invitationListSchema = z
  .object({ data: z.array(invitationSchema), nextCursor: z.string().nullable() })
  .meta({ id: 'InvitationList' });

export const eventSchema = z
  .object({
    type: z.string(),
    at: z.iso.datetime(),
    actor: z.object({ type: z.enum(['admin', 'system', 'invitee', 'user']), id: z.string().optional(), name: z.string().optional() }),
    data: z.record(z.string(), z.unknown()).optional(),
  })
  .meta({ id: 'InvitationEvent' });

export const errorSchema = z
  .object({ code: z.string(), message: z.string(), details: z.unknown().optional() })
  .meta({ id: 'Error' });

export const healthSchema = z.object({ status: z.literal('ok') }).meta({ id: 'Health' });

/** What someone asking to be invited sends (the form adds its honeypot `website` and its token `t`). */
export const accessRequestBody = z
  .strictObject({
    email: emailSchema,
    name: displayText.min(1).optional(),
    message: z
      .string()
      .max(1000)
      .regex(/^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$/, 'Must not contain control characters other than line breaks and tabs.')
      .optional(),
    website: z.string().max(200).optional().describe('A honeypot: people leave it empty.'),
    t: z.string().max(200).optional().describe("The embeddable form's token (when it was shown)."),
  })
  .meta({ id: 'AccessRequestBody' });

export const accessRequestReceived = z
  .object({ status: z.literal('received'), message: z.string() })
  .meta({ id: 'AccessRequestReceived' });

export const accessRequestQuery = z.strictObject({
  status: z.enum(accessRequestStatuses).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().max(1024).optional(),
});

export const accessRequestSchema = z
  .object({
    id: z.string(),
    email: z.string(),
    name: z.string().optional(),
    message: z.string().optional(),
    status: z.enum(accessRequestStatuses),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
    invitationId: z.string().optional(),
    decidedAt: z.iso.datetime().optional(),
    decidedBy: z.object({ type: z.enum(['admin', 'system', 'invitee', 'user']), id: z.string().optional(), name: z.string().optional() }).optional(),
    referral: z
      .object({
        referrerId: z.string(),
        referrerName: z.string().optional(),
        roleIds: z.array(z.string()),
        organizationIds: z.array(z.string()),
        organizationRoleIds: z.array(z.string()),
        locale: z.string().optional(),
      })
      .optional()
      .describe('A referral held for approval: who referred, and what they asked to pass on (the approval uses it unless told otherwise).'),
  })
  .meta({ id: 'AccessRequest' });

export const accessRequestListSchema = z
  .object({ data: z.array(accessRequestSchema), nextCursor: z.string().nullable() })
  .meta({ id: 'AccessRequestList' });

/** The approval's choices: the create body without the email (the request's). */
export const approveAccessRequestBody = createInvitationBody.omit({ email: true }).meta({ id: 'ApproveAccessRequest' });

/** A signed-in user inviting someone: no mode, password, metadata or redirect (those are the deployment's). */
export const referralBody = z
  .strictObject({
    email: emailSchema,
    name: displayText.min(1).optional(),
    message: z.string().max(1000).regex(/^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$/, 'Must not contain control characters other than line breaks and tabs.').optional(),
    roleIds: idList.optional(),
    organizationIds: idList.optional(),
    organizationRoleIds: idList.optional(),
    locale: createInvitationBody.shape.locale,
  })
  .meta({ id: 'Referral' });

export const referralHeld = z.object({ status: z.literal('held'), message: z.string() }).meta({ id: 'ReferralHeld' });

/** `GET /v1/invitations/{id}/email`. */
export const emailPreviewSchema = z
  .object({
    template: z.enum(emailKinds).describe("The email the invitation's mode sends (its reminder is the same email, marked as one)."),
    locale: z.string().describe('The language it is in: the shipped one nearest the invitation\'s locale.'),
    subject: z.string(),
    html: z.string().describe(`The HTML part, the link (href and text) replaced by \`${previewLinkPlaceholder}\`: no token or credential is in a preview.`),
    text: z.string().describe(`The text part, the link replaced by \`${previewLinkPlaceholder}\`.`),
    send: z
      .object({
        number: z.int().describe('The latest send asked for: 1 is the first email; resends and the reminder count on.'),
        reminder: z.boolean(),
        status: z.enum(deliveryStatuses).describe('As the invitation\'s delivery.status reads.'),
        sentAt: z.iso.datetime().optional().describe('When it went out, once it did.'),
      })
      .describe('The send this email is from.'),
  })
  .meta({ id: 'EmailPreview' });

/** `GET /v1/roles`, `/v1/organizations`, `/v1/organization-roles`. */
export const directoryQuery = z.strictObject({
  search: z
    .string()
    .trim()
    .max(128)
    .optional()
    .describe("Logto's case-insensitive substring match over id and name (and description, for roles and organization roles); empty lists all."),
});

export const directoryListSchema = z
  .object({
    data: z.array(z.object({ id: z.string(), name: z.string(), description: z.string().nullable() }).meta({ id: 'DirectoryEntry' })),
    truncated: z
      .boolean()
      .describe(`Logto holds more than the ${maxDirectoryEntries.toLocaleString('en')} read (in Logto's order): narrow the list with \`search\`.`),
  })
  .meta({ id: 'DirectoryList' });
