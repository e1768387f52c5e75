/**
 * The lifecycle locally: each invitation's execution of the deployed definition runs in this process on
 * aws-local-stepfunctions. Its Wait states are taken over by `waitUntil` (real time by default, a test
 * clock in tests), since Node's timers cannot wait the up to 30 days an invitation lives.
 */
import type { StateMachineDefinition } from 'aws-local-stepfunctions';
import { lifecycleStates } from '../lib/constructs/lifecycle.ts';
import type { LifecycleScheduler, LifecycleStart } from '../lambdas/domain/ports.ts';
import { runLifecycle, type LifecycleTaskHandler } from './lifecycle-runner.ts';

/** Waits until `time` (ISO 8601); rejects when `signal` aborts. */
export type WaitUntil = (time: string, signal: AbortSignal) => Promise<void>;

const maxTimerMs = 2 ** 31 - 1;

/** Real time, in timer-sized steps. */
export const waitInRealTime: WaitUntil = async (time, signal) => {
  for (;;) {
    signal.throwIfAborted();
    const remaining = Date.parse(time) - Date.now();
    if (remaining <= 0) return;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(resolve, Math.min(remaining, maxTimerMs));
      timer.unref();
      signal.addEventListener('abort', () => reject(signal.reason), { once: true });
    });
  }
};

/** The task states that follow a Wait, and which time of the input that Wait waits for. */
const waitsBefore: Record<string, 'remindAt' | 'expiresAt'> = {
  [lifecycleStates.reconcileBeforeReminder]: 'remindAt',
  [lifecycleStates.reconcileBeforeExpiry]: 'expiresAt',
};

export interface LocalLifecycleSchedulerOptions {
  definition: StateMachineDefinition;
  handler: LifecycleTaskHandler;
  waitUntil?: WaitUntil;
  onError?: (invitationId: string, error: unknown) => void;
}

export class LocalLifecycleScheduler implements LifecycleScheduler {
  private readonly running = new Map<string, { stop: AbortController; done: Promise<unknown> }>();

  constructor(private readonly options: LocalLifecycleSchedulerOptions) {}

  async start(input: LifecycleStart): Promise<void> {
    if (this.running.has(input.invitationId)) return; // named by the invitation id, as in AWS
    const stop = new AbortController();
    const waitUntil = this.options.waitUntil ?? waitInRealTime;
    const execution = runLifecycle(this.options.definition, input, this.options.handler, {
      waitMs: 0,
      beforeTask: async (stateName) => {
        const field = waitsBefore[stateName];
        if (field) await waitUntil(input[field]!, stop.signal);
        stop.signal.throwIfAborted();
      },
    });
    stop.signal.addEventListener('abort', () => execution.abort(), { once: true });
    const done = execution.result
      .catch((error: unknown) => {
        if (!stop.signal.aborted) this.options.onError?.(input.invitationId, error);
      })
      .finally(() => this.running.delete(input.invitationId));
    this.running.set(input.invitationId, { stop, done });
  }

  async stop(invitationId: string): Promise<void> {
    this.running.get(invitationId)?.stop.abort(new Error('stopped'));
  }

  /** Invitations with a running execution. */
  get executions(): string[] {
    return [...this.running.keys()];
  }

  /** Resolves when every execution started so far has ended. */
  async idle(): Promise<void> {
    await Promise.all([...this.running.values()].map((execution) => execution.done));
  }

  async close(): Promise<void> {
    for (const { stop } of this.running.values()) stop.abort(new Error('closing'));
    await this.idle();
  }
}
