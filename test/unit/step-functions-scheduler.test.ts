/**
 * StepFunctionsScheduler against a local endpoint speaking Step Functions' JSON protocol, so the real SDK
 * client runs unchanged: idempotent starts named by the invitation, stops by the derived execution ARN.
 */
import { SFNClient } from '@aws-sdk/client-sfn';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { StepFunctionsScheduler } from '../../lambdas/adapters/step-functions-scheduler.ts';
import { UpstreamError } from '../../lambdas/domain/errors.ts';

const stateMachineArn = 'arn:aws:states:eu-central-1:123456789012:stateMachine:LogtoInvitations-Lifecycle';
const executions = new Map<string, string>();
const calls: { target: string; body: Record<string, string> }[] = [];
let down = false;
let server: Server;
let scheduler: StepFunctionsScheduler;

beforeAll(async () => {
  server = createServer((req, res) => {
    let text = '';
    req.on('data', (chunk) => (text += chunk));
    req.on('end', () => {
      const target = String(req.headers['x-amz-target']).replace('AWSStepFunctions.', '');
      const body = JSON.parse(text) as Record<string, string>;
      calls.push({ target, body });
      const reply = (status: number, payload: object) => {
        res.writeHead(status, { 'content-type': 'application/x-amz-json-1.0' }).end(JSON.stringify(payload));
      };
      if (down) return reply(500, { __type: 'InternalServerError', message: 'down' });
      if (target === 'StartExecution') {
        const arn = `${body.stateMachineArn!.replace(':stateMachine:', ':execution:')}:${body.name}`;
        if (executions.has(arn)) return reply(400, { __type: 'ExecutionAlreadyExists', message: 'exists' });
        executions.set(arn, body.input!);
        return reply(200, { executionArn: arn, startDate: Date.now() / 1000 });
      }
      if (!executions.delete(body.executionArn!)) return reply(400, { __type: 'ExecutionDoesNotExist', message: 'no such execution' });
      return reply(200, { stopDate: Date.now() / 1000 });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  scheduler = new StepFunctionsScheduler({
    stateMachineArn,
    client: new SFNClient({
      endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      region: 'eu-central-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      maxAttempts: 1,
    }),
  });
});

afterAll(() => new Promise((resolve) => server.close(resolve)));

beforeEach(() => {
  executions.clear();
  calls.length = 0;
  down = false;
});

const input = { invitationId: 'inv_abc-123', remindAt: '2026-12-01T00:00:00.000Z', expiresAt: '2026-12-03T00:00:00.000Z' };

describe('StepFunctionsScheduler', () => {
  it('starts one execution named by the invitation, and a second start is a no-op', async () => {
    await scheduler.start(input);
    await scheduler.start(input);
    expect([...executions.keys()]).toEqual([
      'arn:aws:states:eu-central-1:123456789012:execution:LogtoInvitations-Lifecycle:inv_abc-123',
    ]);
    expect(JSON.parse([...executions.values()][0]!)).toEqual(input);
    expect(calls.map((call) => call.target)).toEqual(['StartExecution', 'StartExecution']);
  });

  it('stops the execution by its ARN, and stopping an unknown one is fine', async () => {
    await scheduler.start(input);
    await scheduler.stop(input.invitationId);
    await scheduler.stop(input.invitationId);
    expect(executions.size).toBe(0);
    expect(calls.at(-1)?.body.executionArn).toBe('arn:aws:states:eu-central-1:123456789012:execution:LogtoInvitations-Lifecycle:inv_abc-123');
  });

  it('reports Step Functions failing as a retryable upstream error', async () => {
    down = true;
    const error = await scheduler.start(input).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UpstreamError);
    expect((error as UpstreamError).code).toBe('lifecycle.unavailable');
  });
});
