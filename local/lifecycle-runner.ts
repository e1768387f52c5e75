/**
 * Runs the lifecycle state machine exactly as the CDK app synthesizes it, with aws-local-stepfunctions:
 * the definition comes from the synthesized template (its tokens resolved), and each task state invokes
 * the local lifecycle handler the way `arn:aws:states:::lambda:invoke` invokes the deployed one.
 */
import { App, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { CfnStateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { StateMachine, type RunOptions as LocalRunOptions, type StateMachineDefinition } from 'aws-local-stepfunctions';
import { Lifecycle, lifecycleStates, lifecycleTaskActions } from '../lib/constructs/lifecycle.ts';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Resolves the intrinsic functions CloudFormation would: partition, ARNs of the template's own resources. */
function resolve(value: Json): string {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    if ('Ref' in value) return value.Ref === 'AWS::Partition' ? 'aws' : `local-${String(value.Ref)}`;
    if ('Fn::GetAtt' in value) {
      const [resource] = value['Fn::GetAtt'] as string[];
      return `arn:aws:lambda:us-east-1:000000000000:function:${resource}`;
    }
    if ('Fn::Join' in value) {
      const [separator, parts] = value['Fn::Join'] as [string, Json[]];
      return parts.map(resolve).join(separator);
    }
  }
  throw new Error(`Cannot resolve ${JSON.stringify(value)} in the state machine definition`);
}

/** The lifecycle state machine's definition, from a synthesized CloudFormation template. */
export function lifecycleDefinitionFrom(template: { Resources: Record<string, { Type: string; Properties: Record<string, Json> }> }) {
  const machines = Object.values(template.Resources).filter((resource) => resource.Type === 'AWS::StepFunctions::StateMachine');
  if (machines.length !== 1) throw new Error(`Expected one state machine in the template, found ${machines.length}`);
  return JSON.parse(resolve(machines[0]!.Properties.DefinitionString!)) as StateMachineDefinition;
}

let built: StateMachineDefinition | undefined;

/**
 * The definition the CDK app deploys, built by the same `Lifecycle` construct in a bare stack (about a
 * second, no bundling): the local stack runs it. A test checks it equals the whole app's.
 */
export function localLifecycleDefinition(): StateMachineDefinition {
  if (built) return built;
  // An App makes an output directory even when nothing is synthesized: give it one, and remove it.
  const outdir = mkdtempSync(join(tmpdir(), 'cdk.out-local-'));
  try {
    const stack = new Stack(new App({ outdir }), 'LocalLifecycle');
    const handler = lambda.Function.fromFunctionArn(stack, 'Handler', 'arn:aws:lambda:us-east-1:000000000000:function:lifecycle');
    const lifecycle = new Lifecycle(stack, 'Lifecycle', { handler, logRetention: logs.RetentionDays.ONE_DAY, removalPolicy: RemovalPolicy.DESTROY });
    const definition = stack.resolve((lifecycle.stateMachine.node.defaultChild as CfnStateMachine).definitionString) as Json;
    built = JSON.parse(resolve(definition)) as StateMachineDefinition;
    return built;
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

export interface LifecycleInput {
  invitationId: string;
  remindAt?: string;
  expiresAt: string;
}

export type LifecycleTaskHandler = (payload: { action: string; invitationId: string }) => Promise<unknown>;

export interface RunOptions {
  /** Runs before each task, with the state's name: the local runner's place to move a test clock. */
  beforeTask?: (stateName: string) => void | Promise<void>;
  /**
   * Milliseconds each Wait state waits instead of until its timestamp (0 in tests), or a function asked when
   * the Wait starts. Without it the Wait states wait as the definition says.
   */
  waitMs?: number | ((stateName: string) => number);
  /** Divides the execution's timeout (a faster local clock, see LOCAL_TIME_SCALE). @default 1 */
  timeScale?: number;
}

/**
 * Node's timers overflow past 2^31 - 1 ms (24.8 days) and fire at once, so aws-local-stepfunctions would end
 * the 32-day execution timeout immediately: locally it is capped there.
 */
export const maxTimerMs = 2 ** 31 - 1;

/** Validating a definition costs ~50 ms of CPU: one machine per definition, many executions from it. */
const machines = new WeakMap<StateMachineDefinition, Map<number, StateMachine>>();

function machineFor(definition: StateMachineDefinition, timeScale: number): StateMachine {
  const byScale = machines.get(definition) ?? new Map<number, StateMachine>();
  machines.set(definition, byScale);
  let machine = byScale.get(timeScale);
  if (!machine) {
    const timeout = definition.TimeoutSeconds;
    const capped = timeout === undefined ? undefined : Math.max(1, Math.min(Math.ceil(timeout / timeScale), Math.floor(maxTimerMs / 1000)));
    machine = new StateMachine({ ...definition, ...(capped !== undefined && { TimeoutSeconds: capped }) });
    byScale.set(timeScale, machine);
  }
  return machine;
}

/** Starts an execution; `result` resolves with its output, `abort` stops it (as StopExecution would). */
export function runLifecycle(definition: StateMachineDefinition, input: LifecycleInput, handler: LifecycleTaskHandler, options: RunOptions = {}) {
  const machine = machineFor(definition, options.timeScale ?? 1);
  type LocalHandlers = NonNullable<NonNullable<LocalRunOptions['overrides']>['taskResourceLocalHandlers']>;
  const taskResourceLocalHandlers: LocalHandlers = Object.fromEntries(
    Object.keys(lifecycleTaskActions).map((stateName) => [
      stateName,
      async (event: Parameters<LocalHandlers[string]>[0]) => {
        // `lambda:invoke` hands the function `Payload` and answers `{ Payload, StatusCode }`.
        const { Payload } = event as { Payload: { action: string; invitationId: string } };
        await options.beforeTask?.(stateName);
        return { StatusCode: 200, Payload: (await handler(Payload)) as Json };
      },
    ]),
  );
  const { waitMs } = options;
  // aws-local-stepfunctions reads a Wait's override when the Wait starts: getters compute it then.
  const waitTimeOverrides =
    waitMs === undefined
      ? undefined
      : Object.defineProperties(
          {},
          Object.fromEntries(
            [lifecycleStates.waitForReminder, lifecycleStates.waitForExpiry].map((state) => [
              state,
              { enumerable: true, get: () => (typeof waitMs === 'number' ? waitMs : waitMs(state)) },
            ]),
          ),
        ) as Record<string, number>;
  return machine.run({ ...input }, { overrides: { taskResourceLocalHandlers, ...(waitTimeOverrides && { waitTimeOverrides }) } });
}
