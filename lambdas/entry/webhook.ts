/** The webhook Lambda: its handler over the AWS adapters it reaches, with Powertools metrics and request-scoped logs. */
import { awsWebhookPorts } from '../composition/aws/webhook.ts';
import { buildWebhook } from '../composition/functions/webhook.ts';
import { instrument } from '../composition/observability.ts';

export const handler = instrument(buildWebhook(awsWebhookPorts()));
