/** The lifecycle state machine's task Lambda. */
import { buildAwsService } from '../composition/aws.ts';

export const handler = buildAwsService().lifecycle;
