import type { Context } from 'aws-lambda';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { countEvent, instrument } from '../../lambdas/composition/observability.ts';

const context = {
  functionName: 'api',
  functionVersion: '$LATEST',
  invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:api',
  memoryLimitInMB: '512',
  awsRequestId: 'request-1',
  getRemainingTimeInMillis: () => 10_000,
} as Context;

afterEach(() => {
  vi.restoreAllMocks();
});

describe('instrument', () => {
  it('returns what the handler returns and flushes the counted audit events as CloudWatch EMF', async () => {
    // Prepare: Powertools writes EMF lines to stdout through console.log
    const lines: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      lines.push(String(chunk));
      return true;
    });
    const handler = instrument(async (event: { n: number }) => {
      countEvent('delivery_failed');
      return { doubled: event.n * 2 };
    });
    // Act
    const result = await handler({ n: 21 }, context);
    // Assess
    expect(result).toEqual({ doubled: 42 });
    const emf = lines.map((line) => line.trim()).filter((line) => line.includes('"_aws"')).map((line) => JSON.parse(line));
    const names = emf.flatMap((entry) => entry._aws.CloudWatchMetrics[0].Metrics.map((m: { Name: string }) => m.Name));
    expect(names).toContain('InvitationDeliveryFailed');
    expect(emf.find((entry) => 'InvitationDeliveryFailed' in entry)?.InvitationDeliveryFailed).toBe(1);
  });
});
