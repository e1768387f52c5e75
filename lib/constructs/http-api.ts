import { RemovalPolicy, Validations } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { routes, type Route } from '../../lambdas/handlers/http/routes.ts';
import type { ServiceFunction } from './service-function.ts';

export interface HttpApiProps {
  /** The function of each `fn` in the route table. */
  readonly functions: Record<Route['fn'], ServiceFunction>;
  /** Steady-state requests per second over the whole API. */
  readonly rateLimit: number;
  /** Requests allowed in a burst. */
  readonly burstLimit: number;
  readonly logRetention: logs.RetentionDays;
  readonly removalPolicy: RemovalPolicy;
}

/** Why API Gateway itself authorizes no route (cdk-nag APIG4), per kind of route. */
export const authorizationInHandler = (scope: string) =>
  `Authorized in the API function: a Logto access token for the configured audience with scope "${scope}", verified with jose against Logto's JWKS (ES384 and RS256). ` +
  "API Gateway's JWT authorizer accepts RSA keys only, and an HTTP API Lambda authorizer answers a denial with 403 {\"message\":\"Forbidden\"} (or 401 {\"message\":\"Unauthorized\"}): neither keeps the API contract's 401/403 {code, message} bodies.";

export const catchAllReason = 'Catch-all: answers unknown paths and methods with 404/405 in the API contract\'s {code, message} shape; serves no data.';

/**
 * The HTTP API (API Gateway v2, payload format 2.0), its routes created from the route table
 * (`lambdas/handlers/http/routes.ts`) and not from a copy of it.
 *
 * Creates `Api`, its `DefaultStage` (`$default`, auto-deployed, throttled, open POST routes throttled tighter,
 * JSON access logs to `AccessLogs`),
 * one route per route-table entry to the function named by its `fn`, and a `$default` route to the API
 * function so unknown paths get the contract's error body instead of API Gateway's `{"message":"Not Found"}`.
 * API Gateway authorizes no route: see {@link authorizationInHandler}.
 */
export class HttpApi extends Construct {
  readonly api: apigwv2.HttpApi;
  readonly stage: apigwv2.HttpStage;
  readonly accessLogs: logs.LogGroup;
  /** `https://{api}.execute-api.{region}.amazonaws.com/` (trailing slash). */
  readonly url: string;

  constructor(scope: Construct, id: string, props: HttpApiProps) {
    super(scope, id);
    const integrations = {
      api: new HttpLambdaIntegration('ApiIntegration', props.functions.api, { payloadFormatVersion: apigwv2.PayloadFormatVersion.VERSION_2_0 }),
      webhook: new HttpLambdaIntegration('WebhookIntegration', props.functions.webhook, {
        payloadFormatVersion: apigwv2.PayloadFormatVersion.VERSION_2_0,
      }),
      console: new HttpLambdaIntegration('ConsoleIntegration', props.functions.console, {
        payloadFormatVersion: apigwv2.PayloadFormatVersion.VERSION_2_0,
      }),
    } satisfies Record<Route['fn'], HttpLambdaIntegration>;

    this.api = new apigwv2.HttpApi(this, 'Api', {
      description: 'logto-invitations: admin API, Logto webhook receiver, health, OpenAPI, admin console',
      createDefaultStage: false,
      defaultIntegration: integrations.api,
    });
    Validations.of(this.api.node.findChild('DefaultRoute')).acknowledge({ id: 'AwsSolutions-APIG4', reason: catchAllReason });

    this.accessLogs = new logs.LogGroup(this, 'AccessLogs', { retention: props.logRetention, removalPolicy: props.removalPolicy });
    this.stage = new apigwv2.HttpStage(this, 'DefaultStage', {
      httpApi: this.api,
      stageName: '$default',
      autoDeploy: true,
      throttle: { rateLimit: props.rateLimit, burstLimit: props.burstLimit },
      accessLogSettings: {
        destination: new apigwv2.LogGroupLogDestination(this.accessLogs),
        // No query string and no headers: `?email=` and tokens stay out of the logs.
        format: AccessLogFormat.custom(
          JSON.stringify({
            requestId: '$context.requestId',
            time: '$context.requestTime',
            ip: '$context.identity.sourceIp',
            userAgent: '$context.identity.userAgent',
            routeKey: '$context.routeKey',
            path: '$context.path',
            status: '$context.status',
            responseLength: '$context.responseLength',
            latency: '$context.responseLatency',
            integrationLatency: '$context.integrationLatency',
            integrationError: '$context.integrationErrorMessage',
            error: '$context.error.message',
          }),
        ),
      },
    });
    this.url = this.stage.url;
    // Open routes anyone can call in a loop get their own, tighter throttle (the L2 stage has no route
    // settings; the L1 property is a JSON map, so its keys are written as CloudFormation spells them).
    const routeSettings = Object.fromEntries(
      (routes as readonly Route[])
        .filter((route) => route.throttle)
        .map((route) => [`${route.method} ${route.path}`, { ThrottlingRateLimit: route.throttle!.rateLimit, ThrottlingBurstLimit: route.throttle!.burstLimit }]),
    );
    (this.stage.node.defaultChild as apigwv2.CfnStage).routeSettings = routeSettings;

    for (const route of routes as readonly Route[]) {
      const [created] = this.api.addRoutes({
        path: route.path,
        methods: [apigwv2.HttpMethod[route.method]],
        integration: integrations[route.fn],
      });
      Validations.of(created!).acknowledge({
        id: 'AwsSolutions-APIG4',
        reason: 'none' in route.auth ? `Public by design: ${route.auth.none}` : authorizationInHandler(route.auth.scope),
      });
    }
  }
}
