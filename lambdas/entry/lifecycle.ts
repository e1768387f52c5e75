/** The lifecycle Lambda: its handler over the AWS adapters it reaches, with Powertools metrics and request-scoped logs. */
import { awsLifecyclePorts } from '../composition/aws/lifecycle.ts';
import { buildLifecycle } from '../composition/functions/lifecycle.ts';
import { instrument } from '../composition/observability.ts';

export const handler = instrument(buildLifecycle(awsLifecyclePorts()));
