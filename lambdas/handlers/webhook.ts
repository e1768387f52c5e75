/**
 * Receives Logto's webhooks. Open to the internet, so it trusts nothing before the HMAC-SHA256 signature
 * over the raw body checks out (in constant time), bounds replays by the signed `createdAt`, and ignores
 * deliveries it has processed before.
 */
import middy from '@middy/core';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import * as z from 'zod';
import { AppError } from '../domain/errors.ts';
import { normalizeEmail } from '../domain/invitation.ts';
import type { InvitationLibrary, LogtoEvent } from '../domain/invitations.ts';
import type { Clock, DeliveryLog } from '../domain/ports.ts';
import { header, httpErrors, json, rawBody, type HttpResult, type Log } from './http/respond.ts';

export interface WebhookDeps {
  invitations: Pick<InvitationLibrary, 'accept'>;
  deliveries: DeliveryLog;
  /** The hook's signing key; `fresh` bypasses any cache (asked at most once a minute, on a mismatch). */
  signingKey: (options?: { fresh?: boolean }) => Promise<string>;
  clock: Clock;
  log: Log;
}

/** A key rotated at Logto is picked up on the first mismatch after this long, not on every bad request. */
export const keyRefreshIntervalMs = 60_000;

/** Logto has no timestamp header; the signed `createdAt` is the only freshness we can check. */
export const maxDeliveryAgeMs = 5 * 60 * 1000;

const registeredUser = z.object({ id: z.string(), primaryEmail: z.string().nullable().optional() });

const payloadSchema = z.looseObject({
  hookId: z.string().optional(),
  event: z.string(),
  createdAt: z.iso.datetime({ offset: true }),
  userId: z.string().optional(),
  user: registeredUser.optional(),
  data: z.unknown().optional(),
});

export function signatureMatches(body: string, signature: string | undefined, key: string): boolean {
  if (!signature || !/^[0-9a-f]{64}$/i.test(signature)) return false;
  const expected = createHmac('sha256', key).update(body, 'utf8').digest();
  return timingSafeEqual(expected, Buffer.from(signature, 'hex'));
}

/** Who registered or signed in: `PostRegister` and `PostSignIn` carry `user`, `User.Created` carries the user as `data`. */
function registration(payload: z.infer<typeof payloadSchema>): { userId: string; email: string; event: LogtoEvent } | undefined {
  const { event } = payload;
  const user = event === 'PostRegister' || event === 'PostSignIn' ? payload.user : event === 'User.Created' ? registeredUser.safeParse(payload.data).data : undefined;
  if (!user?.primaryEmail) return undefined;
  return { userId: user.id, email: normalizeEmail(user.primaryEmail), event: event as LogtoEvent };
}

export function makeWebhookHandler(deps: WebhookDeps) {
  const { invitations, deliveries, clock, log } = deps;
  let lastRefresh = Number.NEGATIVE_INFINITY;

  /**
   * Checks against the cached key, and once a minute at most against a freshly read one: so a key rotated
   * at Logto (and written to the secret) works at once, while forged requests cannot make us read the
   * secret on every call.
   */
  async function verified(body: string, signature: string | undefined): Promise<boolean> {
    if (signatureMatches(body, signature, await deps.signingKey())) return true;
    const now = clock.now().getTime();
    if (now - lastRefresh < keyRefreshIntervalMs) return false;
    lastRefresh = now;
    return signatureMatches(body, signature, await deps.signingKey({ fresh: true }));
  }

  async function handle(event: APIGatewayProxyEventV2): Promise<HttpResult> {
    const body = rawBody(event);
    if (!(await verified(body, header(event, 'logto-signature-sha-256')))) {
      throw new AppError('webhook.invalid_signature', 401, 'The signature does not match.');
    }
    let payload: z.infer<typeof payloadSchema>;
    try {
      payload = payloadSchema.parse(JSON.parse(body));
    } catch {
      throw new AppError('webhook.invalid_payload', 400, 'The payload is not a Logto webhook event.');
    }
    const age = clock.now().getTime() - Date.parse(payload.createdAt);
    if (Math.abs(age) > maxDeliveryAgeMs) {
      throw new AppError('webhook.stale', 401, 'The delivery is older than 5 minutes (or from the future).');
    }
    const deliveryKey = createHash('sha256').update(body).digest('hex');
    if (await deliveries.seen(deliveryKey)) return json(200, { status: 'duplicate' });

    const registered = registration(payload);
    const invitationId = registered ? await invitations.accept(registered.email, registered.userId, registered.event) : undefined;
    // Only a delivery that accepted something is worth a write: every sign-in of the tenant reaches us
    // (PostSignIn), and one that changed nothing changes nothing when delivered again.
    if (invitationId) await deliveries.remember(deliveryKey, clock.now());
    log.info('webhook processed', { event: payload.event, hookId: payload.hookId, invitationId });
    return json(200, { status: invitationId ? 'accepted' : 'ignored', ...(invitationId && { invitationId }) });
  }

  return middy<APIGatewayProxyEventV2, HttpResult>().use(httpErrors(log)).handler(handle);
}
