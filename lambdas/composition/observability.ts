/**
 * Powertools logger and metrics, created once per cold start, and the middleware every deployed handler
 * runs in. Their settings come from the POWERTOOLS_* variables the stack sets.
 *
 * No Powertools Tracer: Lambda's active tracing already records each invocation (its cold start's
 * initialization too), and the SDK passes the trace header on to SQS and Step Functions, so a trace
 * still follows an invitation across functions. What the Tracer added, a subsegment per SDK and fetch
 * call, cost every function the X-Ray SDK (about 120 KB of bundle with semver and cls-hooked) and about
 * 30 ms of its module load (`npm run bench -- bundles module-load`); the metrics and logs tell which call
 * failed or was slow.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import type { EventType } from '../domain/ports.ts';

const serviceName = 'logto-invitations';
export const logger = new Logger({ serviceName });
export const metrics = new Metrics({ serviceName, namespace: 'LogtoInvitations' });

/** `delivery_failed` -> `InvitationDeliveryFailed`: one count per audit event, so dashboards follow the lifecycle. */
export function countEvent(type: EventType): void {
  const name = type.split('_').map((word) => word[0]!.toUpperCase() + word.slice(1)).join('');
  metrics.addMetric(`Invitation${name}`, MetricUnit.Count, 1);
}

/** `dropped_bot` -> `AccessRequestDroppedBot`: what became of each request to be invited (the answer never says). */
export function countAccessRequest(outcome: string): void {
  const name = outcome.split('_').map((word) => word[0]!.toUpperCase() + word.slice(1)).join('');
  metrics.addMetric(`AccessRequest${name}`, MetricUnit.Count, 1);
}

/** Flushes the metrics the invocation recorded (and a cold-start count), and puts the request id on every log line. */
export function instrument<E, R>(handler: (event: E, context: Context) => Promise<R>) {
  return middy(handler)
    .use(logMetrics(metrics, { captureColdStartMetric: true }))
    .use(injectLambdaContext(logger));
}
