/** The mail-events Lambda: the shared handler, with Powertools tracing, metrics and request-scoped logs. */
import { buildAwsService } from '../composition/aws.ts';
import { instrument } from '../composition/observability.ts';

export const handler = instrument(buildAwsService().mailEvents);
