/**
 * The API's shapes, inferred from the zod schemas that validate requests and generate openapi.json.
 * Type-only imports: none of the server's code runs in the CLI.
 */
import type * as z from 'zod';
import type {
  batchCreatedSchema,
  batchProgressSchema,
  createInvitationBody,
  eventSchema,
  invitationListSchema,
  invitationSchema,
} from '../lambdas/handlers/http/schemas.ts';

export type Invitation = z.infer<typeof invitationSchema>;
export type InvitationList = z.infer<typeof invitationListSchema>;
export type InvitationEvent = z.infer<typeof eventSchema>;
export type CreateInvitation = z.infer<typeof createInvitationBody>;
export type BatchCreated = z.infer<typeof batchCreatedSchema>;
export type BatchProgress = z.infer<typeof batchProgressSchema>;
export type InvitationStatus = Invitation['status'];
export type InvitationMode = Invitation['mode'];
