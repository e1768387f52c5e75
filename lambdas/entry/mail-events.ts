/** The mail-events Lambda: its handler over the AWS adapters it reaches, with Powertools metrics and request-scoped logs. */
import { awsMailEventsPorts } from '../composition/aws/mail-events.ts';
import { buildMailEvents } from '../composition/functions/mail-events.ts';
import { instrument } from '../composition/observability.ts';

export const handler = instrument(buildMailEvents(awsMailEventsPorts()));
