/**
 * logto-invitations as CDK constructs: {@link InvitationService} builds the whole service; the per-concern
 * constructs it is made of are exported for teams that compose their own.
 */
export { InvitationService, type InvitationServiceProps } from './invitation-service.ts';
export { InvitationServiceStack, type InvitationServiceStackProps } from './stack.ts';
export { contextSchema, readContext, ContextError, type AppContext } from './config.ts';
export { Alarms, sesThresholds, type AlarmsProps } from './constructs/alarms.ts';
export { DeliveryQueue, type DeliveryQueueProps, type DrainOptions } from './constructs/delivery-queue.ts';
export { Email, mailEventTypes, type EmailProps } from './constructs/email.ts';
export { functionSpecs, ServiceFunctions, type FunctionName, type ServiceFunctionsProps } from './constructs/functions.ts';
export { HttpApi, type HttpApiProps } from './constructs/http-api.ts';
export { Lifecycle, lifecycleStates, lifecycleTaskActions, type LifecycleAction, type LifecycleProps } from './constructs/lifecycle.ts';
export { LogtoWiring, type LogtoWiringProps } from './constructs/logto-wiring.ts';
export { Secrets, type SecretsProps } from './constructs/secrets.ts';
export {
  ServiceFunction,
  serviceRuntime,
  type BindableTable,
  type ServiceEntry,
  type ServiceFunctionProps,
  type TableAccess,
} from './constructs/service-function.ts';
export { Storage, type StorageProps } from './constructs/storage.ts';
