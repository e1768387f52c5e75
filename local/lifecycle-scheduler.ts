/**
 * The lifecycle locally: each invitation's execution of the deployed definition runs in this process on
 * aws-local-stepfunctions, and its waits are the definition's own Wait states.
 *
 * `timeScale` (LOCAL_TIME_SCALE) makes every wait that many times shorter: an execution keeps its own clock
 * that runs `timeScale` times faster than real time from its start, and each Wait lasts until that clock
 * reaches the Wait's timestamp. Node's timers cannot wait the up to 30 days an invitation lives, so an
 * execution whose first wait is too long for one timer starts when it fits (the wait between reminder and
 * expiry never exceeds half a lifetime, 15 days).
 */
import type { StateMachineDefinition } from 'aws-local-stepfunctions';
import { setTimeout as sleep } from 'node:timers/promises';
import { lifecycleStates } from '../lib/constructs/lifecycle.ts';
import type { LifecycleScheduler, LifecycleStart } from '../lambdas/domain/ports.ts';
import { maxTimerMs, runLifecycle, type LifecycleTaskHandler } from './lifecycle-runner.ts';

export interface LocalLifecycleSchedulerOptions {
  definition: StateMachineDefinition;
  handler: LifecycleTaskHandler;
  /** Each wait lasts this many times less. @default 1 */
  timeScale?: number;
  onError?: (invitationId: string, error: unknown) => void;
}

interface Execution {
  input: LifecycleStart;
  stop: AbortController;
  done: Promise<unknown>;
}

export class LocalLifecycleScheduler implements LifecycleScheduler {
  private readonly running = new Map<string, Execution>();

  constructor(private readonly options: LocalLifecycleSchedulerOptions) {}

  async start(input: LifecycleStart): Promise<void> {
    if (this.running.has(input.invitationId)) return; // named by the invitation id, as in AWS
    const scale = this.options.timeScale ?? 1;
    const startedAt = Date.now();
    const realMsUntil = (time: string) => Math.max(0, (Date.parse(time) - (startedAt + (Date.now() - startedAt) * scale)) / scale);
    const stop = new AbortController();

    const run = async () => {
      // Too long for one timer: sleep in timer-sized steps first (aborting a sleep rejects it).
      for (let wait = realMsUntil(input.remindAt ?? input.expiresAt); wait > maxTimerMs; wait = realMsUntil(input.remindAt ?? input.expiresAt)) {
        await sleep(maxTimerMs, undefined, { signal: stop.signal, ref: false });
      }
      const execution = runLifecycle(this.options.definition, input, this.options.handler, {
        timeScale: scale,
        waitMs: (state) => {
          const ms = realMsUntil(state === lifecycleStates.waitForReminder ? input.remindAt! : input.expiresAt);
          if (ms > maxTimerMs) throw new Error(`${state} of ${input.invitationId} is longer than a timer can wait`);
          return ms;
        },
      });
      if (stop.signal.aborted) execution.abort();
      stop.signal.addEventListener('abort', () => execution.abort(), { once: true });
      return execution.result;
    };

    const done = run()
      .catch((error: unknown) => {
        if (!stop.signal.aborted) this.options.onError?.(input.invitationId, error);
      })
      .finally(() => this.running.delete(input.invitationId));
    this.running.set(input.invitationId, { input, stop, done });
  }

  async stop(invitationId: string): Promise<void> {
    this.running.get(invitationId)?.stop.abort(new Error('stopped'));
  }

  /** Invitations with a running execution. */
  get executions(): string[] {
    return [...this.running.keys()];
  }

  /** The input a running execution was started with. */
  inputOf(invitationId: string): LifecycleStart | undefined {
    return this.running.get(invitationId)?.input;
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
