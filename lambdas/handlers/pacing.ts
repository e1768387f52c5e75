/**
 * Deliveries drain at the rate SES and Logto allow: every queued send waits for its turn here, before it
 * calls either. The rate is the lowest of SES's maximum send rate (read from the account, less a tenth
 * left for the emails sent in requests: creates and resends), Logto's request budget (a send mints one
 * token, one call) and a ceiling the deployment may set. Each consumer of the queue paces itself at its
 * share (the event source runs at most `consumers` at once), so together they keep to the rate with no
 * shared state. A throttle that happens anyway is retried by the queue, never dropped.
 */
import { setTimeout as sleepFor } from 'node:timers/promises';

export interface Pacer {
  /** Resolves when the next send may go. */
  take(): Promise<void>;
}

export interface DeliveryRateLimits {
  /** SES's `MaxSendRate` (emails a second); undefined when it could not be read. */
  sesMaxSendRate: number | undefined;
  /** Logto Management API requests a second this deployment may make (Logto Cloud: about 200 per 10 s). */
  logtoRequestsPerSecond: number;
  /** The deployment's own ceiling, if it set one. */
  ceiling?: number;
}

/** The share of SES's send rate queued deliveries take; the rest is for emails sent during a request. */
export const sesShareForQueue = 0.9;
/** What a send is paced at while SES's rate is unknown: SES's lowest production rate. */
const fallbackSesRate = 14;

/** Sends a second, for the whole deployment. */
export function deliveryRate({ sesMaxSendRate, logtoRequestsPerSecond, ceiling }: DeliveryRateLimits): number {
  const ses = (sesMaxSendRate ?? fallbackSesRate) * sesShareForQueue;
  return Math.min(ses, logtoRequestsPerSecond, ceiling ?? Number.POSITIVE_INFINITY);
}

export interface PacerOptions {
  /** The deployment's rate (sends a second); read again every `refreshMs`. */
  rate: () => Promise<number>;
  /** How many consumers drain the queue at once, each pacing itself at its share. */
  consumers: number;
  refreshMs?: number;
  now?: () => number;
  sleep?: (ms: number) => Promise<unknown>;
}

/** Spaces sends `consumers / rate` seconds apart; a send after a pause goes at once (no burst is saved up). */
export function createPacer({ rate, consumers, refreshMs = 5 * 60_000, now = () => performance.now(), sleep = sleepFor }: PacerOptions): Pacer {
  let interval: number | undefined;
  let readAt = Number.NEGATIVE_INFINITY;
  let next = Number.NEGATIVE_INFINITY;
  return {
    async take() {
      if (interval === undefined || now() - readAt > refreshMs) {
        interval = (1000 * consumers) / (await rate());
        readAt = now();
      }
      const at = Math.max(now(), next);
      next = at + interval;
      const wait = at - now();
      if (wait > 0) await sleep(wait);
    },
  };
}

/** No pacing (a composition that sends only from requests). */
export const unpaced: Pacer = { take: async () => undefined };
