/** The jobs Lambda: its handler over the AWS adapters it reaches, with Powertools metrics and request-scoped logs. */
import { awsJobsPorts } from '../composition/aws/jobs.ts';
import { buildJobs } from '../composition/functions/jobs.ts';
import { instrument } from '../composition/observability.ts';

export const handler = instrument(buildJobs(awsJobsPorts()));
