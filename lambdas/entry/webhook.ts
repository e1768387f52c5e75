/** The webhook Lambda. */
import { buildAwsService } from '../composition/aws.ts';

export const handler = buildAwsService().webhook;
