/**
 * Pacing the queue's sends: the rate is the lowest of SES's (less the share left for requests), Logto's and
 * the deployment's ceiling; each consumer spaces its sends at its share of it, on a fake clock.
 */
import { describe, expect, it } from 'vitest';
import { createPacer, deliveryRate, sesShareForQueue } from '../../lambdas/handlers/pacing.ts';

function fakeTime() {
  let now = 0;
  const slept: number[] = [];
  return {
    now: () => now,
    sleep: async (ms: number) => {
      slept.push(ms);
      now += ms;
    },
    pass: (ms: number) => (now += ms),
    slept,
  };
}

describe('deliveryRate', () => {
  it('takes the lowest limit, and a safe SES rate while it is unknown', () => {
    expect(deliveryRate({ sesMaxSendRate: 14, logtoRequestsPerSecond: 20 })).toBeCloseTo(14 * sesShareForQueue);
    expect(deliveryRate({ sesMaxSendRate: 200, logtoRequestsPerSecond: 20 })).toBe(20);
    expect(deliveryRate({ sesMaxSendRate: 200, logtoRequestsPerSecond: 20, ceiling: 5 })).toBe(5);
    expect(deliveryRate({ sesMaxSendRate: undefined, logtoRequestsPerSecond: 20 })).toBeCloseTo(14 * sesShareForQueue);
  });
});

describe('createPacer', () => {
  it('spaces sends at the consumer share of the rate, and saves up no burst over a pause', async () => {
    // Prepare: 10 a second over 2 consumers: this one sends every 200 ms.
    const time = fakeTime();
    const pacer = createPacer({ rate: async () => 10, consumers: 2, now: time.now, sleep: time.sleep });

    // Act
    for (let i = 0; i < 4; i += 1) await pacer.take();
    const busy = time.now();
    time.pass(5_000);
    await pacer.take();
    await pacer.take();

    // Assess
    expect(busy).toBe(600);
    expect(time.slept).toEqual([200, 200, 200, 200]);
  });

  it('reads the rate again after refreshMs, so a raised SES quota is used', async () => {
    const time = fakeTime();
    const rates = [2, 20];
    let reads = 0;
    const pacer = createPacer({ rate: async () => rates[reads++]!, consumers: 1, refreshMs: 1_000, now: time.now, sleep: time.sleep });
    await pacer.take();
    await pacer.take();
    expect(time.slept).toEqual([500]);
    time.pass(2_000);
    await pacer.take();
    await pacer.take();
    expect(reads).toBe(2);
    expect(time.slept).toEqual([500, 50]);
  });
});
