/**
 * The AWS composition builds, per function, only the adapters its handler reaches; a port it cannot reach
 * is a stand-in that refuses. The lifecycle function's handler does reach one: an acceptance found by
 * reconciling stops the lifecycle as best effort (`lifecycle.stop(id).catch(...)`), so the stand-in must
 * refuse the way an adapter does, with a rejected promise: a synchronous throw would fail the task.
 */
import { describe, expect, it } from 'vitest';
import { lambdaEnvironment } from '../../bench/_floor/lambda-env.ts';
import { awsLifecyclePorts } from '../../lambdas/composition/aws/lifecycle.ts';

const env = lambdaEnvironment('lifecycle');

describe('ports a function cannot reach', () => {
  it("lets the lifecycle function's best-effort stop fail as a rejected promise, naming what is not wired", async () => {
    // Prepare
    const { lifecycle } = awsLifecyclePorts(env);
    // Act
    const stopped = lifecycle.stop('inv_x').catch((error: Error) => error.message);
    // Assess
    await expect(stopped).resolves.toBe('The lifecycle scheduler is not wired in the lifecycle function.');
  });
});
