/** The jobs Lambda. */
import { buildAwsService } from '../composition/aws.ts';

export const handler = buildAwsService().jobs;
