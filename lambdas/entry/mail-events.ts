/** The Lambda receiving SES configuration-set events from EventBridge. */
import { buildAwsService } from '../composition/aws.ts';

export const handler = buildAwsService().mailEvents;
