/** What `npm start` runs with, shared by the stack, the walkthrough and `npm run doctor`. */

export const localPorts = { api: 4000, logto: 4001, dynamo: 4002, ses: 4005 } as const;

export const localUrl = (port: number) => `http://127.0.0.1:${port}`;

/** The service's environment locally, before per-run values (endpoints) are added. */
export const localServiceEnv = {
  APP_NAME: 'Acme Workspace',
  TABLE_NAME: 'invitations',
  SES_FROM: 'invitations@acme.local',
  SES_TEMPLATE_PREFIX: 'logto-invitations',
  /** The local SES publishes delivery, bounce and complaint events for sends that name it, as SES does. */
  SES_CONFIGURATION_SET: 'logto-invitations-local',
} as const;
