/**
 * The lifecycle in AWS: one Standard execution per invitation, named by its id, so a second start of the
 * same invitation is refused by Step Functions instead of doubling the reminders.
 */
import { SFNClient, StartExecutionCommand, StopExecutionCommand } from '@aws-sdk/client-sfn';
import { UpstreamError } from '../domain/errors.ts';
import type { LifecycleScheduler, LifecycleStart } from '../domain/ports.ts';

export interface StepFunctionsSchedulerOptions {
  client: SFNClient;
  /** Absent in functions that never start a lifecycle: using it there is a deployment bug. */
  stateMachineArn: string | undefined;
}

export class StepFunctionsScheduler implements LifecycleScheduler {
  constructor(private readonly options: StepFunctionsSchedulerOptions) {}

  private get stateMachineArn(): string {
    if (!this.options.stateMachineArn) throw new Error('LIFECYCLE_STATE_MACHINE_ARN is not set for this function.');
    return this.options.stateMachineArn;
  }

  async start(input: LifecycleStart): Promise<void> {
    try {
      await this.options.client.send(
        new StartExecutionCommand({ stateMachineArn: this.stateMachineArn, name: input.invitationId, input: JSON.stringify(input) }),
      );
    } catch (error) {
      if ((error as Error).name === 'ExecutionAlreadyExists') return;
      throw new UpstreamError('lifecycle.unavailable', `Could not start the lifecycle: ${(error as Error).name}.`);
    }
  }

  async stop(invitationId: string): Promise<void> {
    // arn:aws:states:region:account:stateMachine:name -> arn:aws:states:region:account:execution:name:invitationId
    const executionArn = `${this.stateMachineArn.replace(':stateMachine:', ':execution:')}:${invitationId}`;
    try {
      await this.options.client.send(new StopExecutionCommand({ executionArn, cause: 'The invitation is no longer pending.' }));
    } catch (error) {
      if ((error as Error).name === 'ExecutionDoesNotExist') return;
      throw new UpstreamError('lifecycle.unavailable', `Could not stop the lifecycle: ${(error as Error).name}.`);
    }
  }
}
