/**
 * Powertools logger, tracer and metrics, created once per cold start, and the middleware every deployed
 * handler runs in. Their settings come from the POWERTOOLS_* variables the stack sets.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { Tracer } from '@aws-lambda-powertools/tracer';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import type { EventType } from '../domain/ports.ts';

const serviceName = 'logto-invitations';
export const logger = new Logger({ serviceName });
export const tracer = new Tracer({ serviceName });
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

/** Traces the invocation, flushes the metrics it recorded, and puts the request id on every log line. */
export function instrument<E, R>(handler: (event: E, context: Context) => Promise<R>) {
  return middy(handler)
    .use(captureLambdaHandler(tracer))
    .use(logMetrics(metrics, { captureColdStartMetric: true }))
    .use(injectLambdaContext(logger));
}
