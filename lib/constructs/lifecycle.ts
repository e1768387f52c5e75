import { ArnFormat, Duration, Names, Stack, Validations, type RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { acknowledgeWildcardResource } from './acknowledge.ts';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type { ServiceFunction } from './service-function.ts';

/**
 * The state names: a contract with the local stack, which runs the synthesized definition with
 * aws-local-stepfunctions and maps task states to handlers by name. Do not rename.
 */
export const lifecycleStates = {
  reminderScheduled: 'Reminder scheduled?',
  waitForReminder: 'Wait for reminder',
  reconcileBeforeReminder: 'Reconcile before reminder',
  pendingAtReminder: 'Still pending at reminder?',
  sendReminder: 'Send reminder',
  waitForExpiry: 'Wait for expiry',
  reconcileBeforeExpiry: 'Reconcile before expiry',
  pendingAtExpiry: 'Still pending at expiry?',
  expire: 'Expire',
  done: 'Done',
} as const;

/** What the lifecycle handler is asked to do, per task state (its payload is `{ action, invitationId }`). */
export const lifecycleTaskActions = {
  [lifecycleStates.reconcileBeforeReminder]: 'reconcile',
  [lifecycleStates.sendReminder]: 'remind',
  [lifecycleStates.reconcileBeforeExpiry]: 'reconcile',
  [lifecycleStates.expire]: 'expire',
} as const;

export type LifecycleAction = (typeof lifecycleTaskActions)[keyof typeof lifecycleTaskActions];

/** The handler's answer `{ status }` is kept here, next to the execution input. */
const resultPath = '$.invitation';

export interface LifecycleProps {
  /** Runs the tasks (`lambdas/entry/lifecycle.ts`; locally, any function: the local runner supplies the handler). */
  readonly handler: lambda.IFunction;
  readonly logRetention: logs.RetentionDays;
  readonly removalPolicy: RemovalPolicy;
}

/**
 * One Standard execution per invitation, named by its id (so starting it twice is refused, not doubled):
 *
 * input `{ invitationId, remindAt?, expiresAt }` (ISO 8601) ->
 * `Reminder scheduled?` -> `Wait for reminder` (until `remindAt`) -> `Reconcile before reminder` ->
 * `Still pending at reminder?` -> `Send reminder` -> `Wait for expiry` (until `expiresAt`) ->
 * `Reconcile before expiry` -> `Still pending at expiry?` -> `Expire` -> `Done`. Any "no longer pending" goes to
 * `Done`; revoke and accept stop the execution.
 *
 * Every task invokes the lifecycle function with `{ action, invitationId }` (`Expire` adds `at`, the time
 * waited for) (`arn:aws:states:::lambda:invoke`)
 * and keeps its `{ status }` under `$.invitation`. Lambda service errors are retried (CDK's defaults), and an
 * `UpstreamError` (Logto or SES unavailable: the tasks are idempotent) is retried with backoff for about an
 * hour.
 *
 * Creates `StateMachine` (logging ALL with execution data to `Logs`, X-Ray tracing, a 32-day timeout: the
 * longest invitation lives 30 days).
 */
export class Lifecycle extends Construct {
  readonly stateMachine: sfn.StateMachine;
  readonly logGroup: logs.LogGroup;
  private readonly stateMachineName: string;

  constructor(scope: Construct, id: string, props: LifecycleProps) {
    super(scope, id);
    const pending = (variable: string) => sfn.Condition.stringEquals(`${variable}.status`, 'pending');
    const task = (stateName: keyof typeof lifecycleTaskActions, constructId: string, extra: Record<string, string> = {}) =>
      new tasks.LambdaInvoke(this, constructId, {
        stateName,
        lambdaFunction: props.handler,
        payload: sfn.TaskInput.fromObject({
          action: lifecycleTaskActions[stateName],
          invitationId: sfn.JsonPath.stringAt('$.invitationId'),
          ...extra,
        }),
        resultSelector: { status: sfn.JsonPath.stringAt('$.Payload.status') },
        resultPath,
        retryOnServiceExceptions: true,
      }).addRetry({
        errors: ['UpstreamError'],
        interval: Duration.minutes(1),
        backoffRate: 2,
        maxAttempts: 6,
        jitterStrategy: sfn.JitterType.FULL,
      });

    const done = new sfn.Succeed(this, 'Done', { stateName: lifecycleStates.done });
    /** Wait until `timestampPath`, reconcile, and go on to `next` only if the invitation is still pending. */
    const waitThenReconcile = (at: 'Reminder' | 'Expiry', timestampPath: string, next: sfn.IChainable) => {
      const wait = new sfn.Wait(this, `WaitFor${at}`, {
        stateName: lifecycleStates[`waitFor${at}`],
        time: sfn.WaitTime.timestampPath(timestampPath),
      });
      const stillPending = new sfn.Choice(this, `PendingAt${at}`, { stateName: lifecycleStates[`pendingAt${at}`] })
        .when(pending(resultPath), next)
        .otherwise(done);
      wait.next(task(lifecycleStates[`reconcileBefore${at}`], `ReconcileBefore${at}`)).next(stillPending);
      return wait;
    };

    // `at`: the time the Wait waited for; the step trusts it over a clock that may lag by a moment.
    const expire = task(lifecycleStates.expire, 'Expire', { at: sfn.JsonPath.stringAt('$.expiresAt') });
    const waitForExpiry = waitThenReconcile('Expiry', '$.expiresAt', expire.next(done));
    const waitForReminder = waitThenReconcile(
      'Reminder',
      '$.remindAt',
      task(lifecycleStates.sendReminder, 'SendReminder').next(waitForExpiry),
    );

    const start = new sfn.Choice(this, 'ReminderScheduled', { stateName: lifecycleStates.reminderScheduled })
      .when(sfn.Condition.isPresent('$.remindAt'), waitForReminder)
      .otherwise(waitForExpiry);

    this.logGroup = new logs.LogGroup(this, 'Logs', { retention: props.logRetention, removalPolicy: props.removalPolicy });
    // A fixed name (unique per stack and path) makes the executions' ARN prefix known: see grantControl.
    this.stateMachineName = Names.uniqueResourceName(this, { maxLength: 80, separator: '-' });
    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      stateMachineName: this.stateMachineName,
      stateMachineType: sfn.StateMachineType.STANDARD,
      definitionBody: sfn.DefinitionBody.fromChainable(start),
      comment: 'The lifecycle of one invitation: reminder, expiry, reconciliation with Logto.',
      timeout: Duration.days(32),
      tracingEnabled: true,
      logs: { destination: this.logGroup, level: sfn.LogLevel.ALL, includeExecutionData: true },
    });

    const role = this.stateMachine.role;
    Validations.of(role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'Step Functions log delivery (logs:CreateLogDelivery and friends) and X-Ray (xray:PutTraceSegments, ...) have no resource-level permissions.',
    });
    acknowledgeWildcardResource(
      role,
      `${props.handler.functionArn}:*`,
      "lambda:InvokeFunction on the lifecycle function's versions and aliases (ARN:*), as CDK's LambdaInvoke grants; the function itself is named.",
    );
  }

  /** ARN pattern of this state machine's executions (their names are invitation ids, unknown at deploy time). */
  get executionArns(): string {
    return Stack.of(this).formatArn({
      service: 'states',
      resource: 'execution',
      resourceName: `${this.stateMachineName}:*`,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
  }

  /**
   * Sets `LIFECYCLE_STATE_MACHINE_ARN` and allows starting executions of this state machine (create, a
   * retried start) and stopping them (revoke, acceptance, a hard bounce): `states:StartExecution` on the state
   * machine, `states:StopExecution` on its executions.
   */
  grantControl(fn: ServiceFunction): void {
    fn.addEnvironment('LIFECYCLE_STATE_MACHINE_ARN', this.stateMachine.stateMachineArn);
    fn.addToRolePolicy(
      new iam.PolicyStatement({ actions: ['states:StartExecution'], resources: [this.stateMachine.stateMachineArn] }),
    );
    fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['states:StopExecution'], resources: [this.executionArns] }));
    acknowledgeWildcardResource(
      fn.serviceRole,
      this.executionArns,
      "states:StopExecution on this state machine's executions only: each is named by its invitation id, which exists only at run time.",
    );
  }
}
