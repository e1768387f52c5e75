/**
 * The CDK app: `npx cdk synth` / `npx cdk deploy`. Reads the context once (lib/config.ts), builds the stack,
 * and runs cdk-nag's AwsSolutions pack over it: an unacknowledged finding fails synthesis.
 */
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { ContextError, readContext, type AppContext } from '../lib/config.ts';
import { InvitationServiceStack } from '../lib/stack.ts';

const app = new App();

let config: AppContext;
try {
  config = readContext(app.node);
} catch (error) {
  if (!(error instanceof ContextError)) throw error;
  // The message names every bad key; a stack trace would only hide it.
  console.error(error.message);
  process.exit(1);
}

new InvitationServiceStack(app, config.stackName, {
  config,
  env: {
    account: config.account ?? process.env.CDK_DEFAULT_ACCOUNT,
    region: config.region ?? process.env.CDK_DEFAULT_REGION,
  },
});

Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
