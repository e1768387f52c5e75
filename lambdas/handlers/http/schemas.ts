/**
 * The API's request and response shapes, as zod schemas. They validate requests and generate the
 * OpenAPI document, so the two cannot drift apart.
 */
import { z } from 'zod';
import { deliveryStatuses, invitationModes, invitationStatuses } from '../../domain/invitation.ts';

/** Trimmed and lower-cased before anything else sees it: Logto matches one-time-token emails exactly. */
export const emailSchema = z.preprocess(
  (value) => (typeof value === 'string' ? value.trim().toLowerCase() : value),
  z.email({ message: 'Must be an email address.' }).max(128),
);

const logtoId = z.string().min(1).max(128);
const idList = z.array(logtoId).max(100);
/** No control characters: these values end up in email subjects and bodies. */
const displayText = z
  .string()
  .max(128)
  .regex(/^[^\p{Cc}]*$/u, 'Must not contain control characters.');

const metadataLimitBytes = 4096;
export const metadataSchema = z
  .record(z.string(), z.unknown())
  .refine((value) => Buffer.byteLength(JSON.stringify(value), 'utf8') <= metadataLimitBytes, {
    message: `Must be at most ${metadataLimitBytes} bytes as JSON.`,
  });

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
    inviter: inviterSchema.optional(),
    redirectUrl: z.url({ protocol: /^https?$/ }).max(2048).optional(),
    notify: z.boolean().optional().describe('false: no email is sent; the response carries the link.'),
    reminder: z.boolean().optional(),
  })
  .meta({ id: 'CreateInvitation' });
export type CreateInvitationBody = z.infer<typeof createInvitationBody>;

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
    actor: z.object({ type: z.enum(['admin', 'system', 'invitee']), id: z.string().optional(), name: z.string().optional() }),
    data: z.record(z.string(), z.unknown()).optional(),
  })
  .meta({ id: 'InvitationEvent' });

export const errorSchema = z
  .object({ code: z.string(), message: z.string(), details: z.unknown().optional() })
  .meta({ id: 'Error' });

export const healthSchema = z.object({ status: z.literal('ok') }).meta({ id: 'Health' });
