/**
 * Test support, namespaced under `/__standin` and not part of Logto's API: injected faults on the
 * Management API and the token endpoint, counts of the requests they see, the log of webhook deliveries,
 * and the log of `/oidc/auth` requests (which authentication parameters an app passed, and what came of them).
 */
import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';

import { z } from 'zod';

import { type Armed, arm, meet } from '../../fault-share.ts';
import { type Reply, type Router, guardBody, json, param } from '../http.ts';
import { pwnedPasswords } from '../password-policy.ts';
import type { RouteDeps } from './types.ts';

const faultBody = z
  .object({
    /** Only requests with this method (any when absent). */
    method: z.string().optional(),
    /** Requests whose path starts with this, e.g. `/api/one-time-tokens` or `/oidc/token`. */
    pathPrefix: z.string().startsWith('/'),
    /** Answer with this status instead of serving the request. */
    status: z.number().int().min(100).max(599).optional(),
    /** How many matching requests are affected (ignored with `share`). */
    count: z.number().int().min(1).default(1),
    /** Affects this share of the matching requests, until cleared, instead of the next `count`. */
    share: z.number().min(0).max(1).optional(),
    /** Makes the share's draws repeatable. */
    seed: z.number().int().optional(),
    /** Wait this long first (then fail with `status`, or serve the request normally). */
    delayMs: z.number().int().min(0).optional(),
    /** The JSON body of the failure; a Logto-style error by default. */
    body: z.unknown().optional(),
    headers: z.record(z.string(), z.string()).optional(),
  })
  .refine((fault) => fault.status !== undefined || fault.delayMs !== undefined, 'give status, delayMs or both');

export const faultSpec = faultBody;
type Fault = Armed<z.infer<typeof faultBody>>;

/** Pending faults, consumed first-in first-out by the requests they match. */
export class Faults {
  private pending: Fault[] = [];

  add(fault: z.infer<typeof faultBody>) {
    this.pending.push(arm(fault));
  }

  clear() {
    this.pending = [];
  }

  /**
   * Applies what matches the request: the first pending count fault (first in, first out, used up by the
   * call) and every share fault whose draw hits (each draws for every call it matches, so its draws depend on
   * nothing else). Their delays add up; the first with a status answers; otherwise the call is served.
   */
  async apply(method: string, path: string): Promise<Reply | undefined> {
    const matching = this.pending.filter(
      (candidate) => path.startsWith(candidate.pathPrefix) && (!candidate.method || candidate.method.toUpperCase() === method),
    );
    const { hitting, pending, delayMs } = meet(this.pending, matching);
    this.pending = pending;
    if (hitting.length === 0) return undefined;
    const fault = hitting.find((candidate) => candidate.status !== undefined) ?? hitting[0]!;
    if (delayMs) await sleep(delayMs);
    if (fault.status === undefined) return undefined;
    const isRateLimit = fault.status === 429;
    const body = fault.body ?? {
      code: isRateLimit ? 'request.rate_limited' : 'standin.injected_fault',
      message: isRateLimit ? 'Too many requests. Please try again later.' : `Fault injected by the stand-in (${fault.status}).`,
    };
    return json(fault.status, body, { ...(isRateLimit ? { 'Retry-After': '1' } : {}), ...fault.headers });
  }
}

/**
 * Management API and token requests counted by method and path shape (`GET /api/users/:id/roles`: Logto's
 * paths alternate a resource and its id), so a test can say how many calls something took.
 */
export class RequestCounts {
  private readonly counts = new Map<string, number>();

  count(method: string, path: string): void {
    const shape = path
      .split('/')
      .map((segment, i) => (path.startsWith('/api/') && i >= 3 && i % 2 === 1 ? ':id' : segment))
      .join('/');
    const key = `${method} ${shape}`;
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
  }

  toJSON(): Record<string, number> {
    return Object.fromEntries(this.counts);
  }
}

export function testSupportRoutes(router: Router, { store }: RouteDeps, faults: Faults, requests: RequestCounts) {
  router.get('/__standin/requests', () => json(200, requests.toJSON()));

  router.post('/__standin/faults', (ctx) => {
    const fault = guardBody(faultBody, ctx);
    faults.add(fault);
    return json(201, fault);
  });

  router.delete('/__standin/faults', () => {
    faults.clear();
    return json(204);
  });

  router.get('/__standin/hook-deliveries', () => json(200, store.state.hookDeliveries));

  router.get('/__standin/sign-ins', () => json(200, store.state.signIns));

  // haveibeenpwned's Pwned Passwords range API (`GET /range/{5 hex digits of the SHA-1}`) over the
  // stand-in's list, so the service's breached-password check runs offline against the same list.
  router.get('/__standin/pwned-passwords/range/:prefix', (ctx) => {
    const prefix = param(ctx, 'prefix').toUpperCase();
    if (!/^[0-9A-F]{5}$/.test(prefix)) return { status: 400, body: 'The hash prefix was not in a valid format' };
    const lines = [...pwnedPasswords]
      .map((password) => createHash('sha1').update(password, 'utf8').digest('hex').toUpperCase())
      .filter((hash) => hash.startsWith(prefix))
      .map((hash) => `${hash.slice(5)}:42`);
    return { status: 200, body: lines.join('\r\n') };
  });
}
