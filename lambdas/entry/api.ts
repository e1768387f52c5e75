/** The api Lambda: its handler over the AWS adapters it reaches, with Powertools metrics and request-scoped logs. */
import { awsApiPorts } from '../composition/aws/api.ts';
import { buildApi } from '../composition/functions/api.ts';
import { instrument } from '../composition/observability.ts';

export const handler = instrument(buildApi(awsApiPorts()));
