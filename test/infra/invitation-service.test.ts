/**
 * The synthesized template's properties that matter, on the deployment most teams will run: their own M2M
 * secret, so the Logto wiring is part of it. One synthesis for the whole file.
 */
import { Validations } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type { IConstruct } from 'constructs';
import { beforeAll, describe, expect, it } from 'vitest';
import { invitationTable } from '../../lambdas/adapters/dynamo-table.ts';
import { webhookEvents } from '../../lambdas/adapters/logto-webhooks.ts';
import { awsEnvSchema } from '../../lambdas/composition/aws.ts';
import { readConfig } from '../../lambdas/composition/config.ts';
import { stackOutputKeys } from '../../lambdas/doctor/targets.ts';
import { routes, type Route } from '../../lambdas/handlers/http/routes.ts';
import { functionSpecs } from '../../lib/constructs/functions.ts';
import { lifecycleStates } from '../../lib/constructs/lifecycle.ts';
import { esmRequireBanner, serviceRuntime, type ServiceFunction } from '../../lib/constructs/service-function.ts';
import type { InvitationServiceStack } from '../../lib/stack.ts';
import { invitationTemplates } from '../../templates/index.ts';
import {
  actionsOf,
  flat,
  importedM2mSecretArn,
  logicalId,
  resources,
  resourcesOf,
  statementsOf,
  synthApp,
  wiredContext,
  type TestApp,
} from './app.ts';

let built: TestApp;
let stack: InvitationServiceStack;
const template = () => built.template;
const service = () => stack.service;
const fnId = (fn: ServiceFunction) => logicalId(stack, fn);
const ref = (construct: { node: { defaultChild?: unknown } }) => ({ Ref: logicalId(stack, construct) });
const getAtt = (construct: { node: { defaultChild?: unknown } }, attribute = 'Arn') => ({
  'Fn::GetAtt': [logicalId(stack, construct), attribute],
});
const lambdaProps = (fn: ServiceFunction) => resources(template(), 'AWS::Lambda::Function')[fnId(fn)]!.Properties;
const serviceFunctions = () => Object.entries(service().functions.all());

beforeAll(() => {
  built = synthApp(wiredContext);
  stack = built.stack;
}, 60_000);

describe('functions', () => {
  it('uses the newest Node.js runtime aws-cdk-lib offers', () => {
    const versions = Object.keys(lambda.Runtime)
      .map((name) => /^NODEJS_(\d+)_X$/.exec(name)?.[1])
      .filter((version): version is string => version !== undefined)
      .map(Number);
    expect(serviceRuntime.name).toBe(`nodejs${Math.max(...versions)}.x`);
  });

  it('runs every function on Node.js 24, arm64, X-Ray active, JSON logs, bundled as ESM', () => {
    expect(serviceFunctions().map(([name]) => name)).toEqual(['Api', 'Webhook', 'Jobs', 'MailEvents', 'Lifecycle', 'LogtoWiring', 'Console']);
    for (const [, fn] of serviceFunctions()) {
      const props = lambdaProps(fn);
      expect(props.Runtime).toBe('nodejs24.x');
      expect(props.Architectures).toEqual(['arm64']);
      expect(props.TracingConfig).toEqual({ Mode: 'Active' });
      expect(props.LoggingConfig.LogFormat).toBe('JSON');
      // OutputFormat.ESM: the bundle is index.mjs.
      expect(props.Handler).toBe('index.handler');
      expect(props.Environment.Variables.NODE_OPTIONS).toBe('--enable-source-maps');
    }
  });

  it('gives each function the memory and timeout chosen for it', () => {
    const byId = { Api: 'api', Webhook: 'webhook', Jobs: 'jobs', MailEvents: 'mailEvents', Lifecycle: 'lifecycle', LogtoWiring: 'logtoWiring', Console: 'console' } as const;
    for (const [name, fn] of serviceFunctions()) {
      const spec = functionSpecs[byId[name as keyof typeof byId]];
      expect(lambdaProps(fn)).toMatchObject({ MemorySize: spec.memorySize, Timeout: spec.timeout.toSeconds() });
    }
    // API Gateway gives up at 30 s: the API function must end first.
    expect(lambdaProps(service().functions.api).Timeout).toBeLessThan(30);
  });

  it('writes each function to its own log group, with retention', () => {
    for (const [, fn] of serviceFunctions()) {
      expect(lambdaProps(fn).LoggingConfig.LogGroup).toEqual(ref(fn.logs));
    }
    const rotation = service().m2mRotation!.handler;
    expect(lambdaProps(rotation).LoggingConfig.LogGroup).toEqual(ref(rotation.logs));
    const groups = Object.values(resources(template(), 'AWS::Logs::LogGroup'));
    expect(groups.length).toBe(7 + 3 + 1); // functions, API access logs, state machine, provider framework, M2M rotation
    for (const group of groups) expect(group.Properties.RetentionInDays).toBe(90);
  });

  it('bundles with the createRequire banner CommonJS dependencies need inside ESM', () => {
    expect(esmRequireBanner).toMatch(/createRequire.*import\.meta\.url/);
  });
});

describe('secrets never reach an environment', () => {
  it('passes secrets by id only: no value, no dynamic reference, no secret-looking variable', () => {
    const secretIds = new Set([JSON.stringify(ref(service().secrets.webhookSigningKey)), JSON.stringify(importedM2mSecretArn)]);
    for (const fn of Object.values(resources(template(), 'AWS::Lambda::Function'))) {
      const variables = (fn.Properties.Environment?.Variables ?? {}) as Record<string, unknown>;
      expect(JSON.stringify(variables)).not.toMatch(/resolve:(secretsmanager|ssm-secure)/);
      for (const [name, value] of Object.entries(variables)) {
        if (name.endsWith('_SECRET_ID')) expect(secretIds).toContain(JSON.stringify(value));
        else expect(name).not.toMatch(/SECRET|PASSWORD|SIGNING|TOKEN|CREDENTIAL|PRIVATE/);
      }
    }
  });

  it("gives the service functions an environment the service's own schema accepts", () => {
    for (const fn of [service().functions.api, service().functions.webhook, service().functions.jobs, service().functions.mailEvents, service().functions.lifecycle]) {
      const variables = lambdaProps(fn).Environment.Variables as Record<string, unknown>;
      // Deploy-time values (Ref, GetAtt) stand in as what they will be: names, ARNs, a queue URL.
      const env = Object.fromEntries(
        Object.entries(variables).map(([name, value]) => [
          name,
          typeof value === 'string'
            ? value
            : name === 'JOB_QUEUE_URL'
              ? 'https://sqs.eu-central-1.amazonaws.com/123456789012/q'
              : name === 'LIFECYCLE_STATE_MACHINE_ARN'
                ? 'arn:aws:states:eu-central-1:123456789012:stateMachine:lifecycle'
                : name === 'ACCEPT_URL'
                  ? 'https://abc123.execute-api.eu-central-1.amazonaws.com/v1/accept'
                  : `deploy-time-${name}`,
        ]),
      );
      expect(() => readConfig(awsEnvSchema, env)).not.toThrow();
      expect(variables.TABLE_NAME).toEqual(ref(service().storage.table));
      expect(variables.JOB_QUEUE_URL).toEqual(ref(service().deliveryQueue.queue));
      expect(variables.SES_TEMPLATE_PREFIX).toBe(service().email.templatePrefix);
      expect(variables.REMINDER_BEFORE_EXPIRY).toBe('172800');
      // Accept links point at this stack's own API.
      expect(JSON.stringify(variables.ACCEPT_URL)).toContain(stack.resolve(service().httpApi.api.apiId).Ref);
      expect(JSON.stringify(variables.ACCEPT_URL)).toContain('v1/accept');
      expect(variables.ACCEPT_FORM_FIELDS).toBe('name,password');
      expect(variables.PROVISIONED_USER_ON_END).toBe('suspend');
      // The jobs function marks a send failed at the queue's last attempt: the same count as the DLQ's.
      expect(variables.JOB_MAX_RECEIVES).toBe('5');
    }
  });

  it('tells only the functions that start or stop lifecycles where the state machine is', () => {
    for (const [name, fn] of serviceFunctions()) {
      const arn = lambdaProps(fn).Environment.Variables.LIFECYCLE_STATE_MACHINE_ARN;
      if (['Api', 'Webhook', 'Jobs', 'MailEvents'].includes(name)) expect(arn).toEqual(ref(service().lifecycle.stateMachine));
      else expect(arn).toBeUndefined();
    }
  });
});

describe('IAM: each function may do exactly what it needs', () => {
  /** action -> resources (flattened, sorted) of a role's policies. */
  const permissions = (role: { node: { defaultChild?: unknown } }) => {
    const byAction: Record<string, string[]> = {};
    for (const statement of statementsOf(template(), logicalId(stack, role))) {
      expect(statement.Effect).toBe('Allow');
      for (const action of actionsOf(statement)) {
        byAction[action] = [...(byAction[action] ?? []), ...resourcesOf(statement).map(flat)].sort();
      }
    }
    return byAction;
  };
  const arn = (construct: { node: { defaultChild?: unknown } }) => `<${logicalId(stack, construct)}.Arn>`;
  const table = () => {
    const tableArn = arn(service().storage.table);
    return [tableArn, ...invitationTable.globalSecondaryIndexes.map((index) => `${tableArn}/index/${index.indexName}`)].sort();
  };
  const tableRW = () => Object.fromEntries(['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'].map((a) => [a, table()]));
  const basics = (fn: ServiceFunction) => ({
    'logs:CreateLogStream': [arn(fn.logs)],
    'logs:PutLogEvents': [arn(fn.logs)],
    'xray:PutTelemetryRecords': ['*'],
    'xray:PutTraceSegments': ['*'],
  });
  const m2m = importedM2mSecretArn;
  const webhookSecret = () => `<${logicalId(stack, service().secrets.webhookSigningKey)}>`;
  const ses = () => {
    const email = service().email;
    return [flat(stack.resolve(email.identityArn)), flat(stack.resolve(email.configurationSetArn)), ...email.templateArns.map((a) => flat(stack.resolve(a)))].sort();
  };
  const queue = () => arn(service().deliveryQueue.queue);
  const lifecycle = () => ({
    'states:StartExecution': [`<${logicalId(stack, service().lifecycle.stateMachine)}>`],
    'states:StopExecution': [flat(stack.resolve(service().lifecycle.executionArns))],
  });

  it("Api: table RW, M2M secret, SES send and its templates' preview, job queue send, lifecycle start/stop", () => {
    const fn = service().functions.api;
    expect(permissions(fn.serviceRole)).toEqual({
      ...basics(fn),
      ...tableRW(),
      'secretsmanager:GetSecretValue': [m2m],
      'ses:SendEmail': ses(),
      'ses:TestRenderEmailTemplate': service().email.templateArns.map((a) => flat(stack.resolve(a))).sort(),
      'sqs:SendMessage': [queue()],
      ...lifecycle(),
    });
  });

  it('Webhook: table RW, both secrets read, job queue send, lifecycle start/stop; no SES', () => {
    const fn = service().functions.webhook;
    expect(permissions(fn.serviceRole)).toEqual({
      ...basics(fn),
      ...tableRW(),
      'secretsmanager:GetSecretValue': [m2m, webhookSecret()].sort(),
      'sqs:SendMessage': [queue()],
      ...lifecycle(),
    });
  });

  it('Jobs: table RW, M2M secret, SES send and send quota, consumes and sends to the job queue, lifecycle start/stop', () => {
    const fn = service().functions.jobs;
    expect(permissions(fn.serviceRole)).toEqual({
      ...basics(fn),
      ...tableRW(),
      'secretsmanager:GetSecretValue': [m2m],
      'ses:SendEmail': ses(),
      'ses:GetAccount': ['*'],
      'sqs:SendMessage': [queue()],
      ...lifecycle(),
      ...Object.fromEntries(
        ['sqs:ReceiveMessage', 'sqs:ChangeMessageVisibility', 'sqs:GetQueueUrl', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes'].map((a) => [a, [queue()]]),
      ),
    });
  });

  it('MailEvents: the table, the M2M secret and the job queue (a hard bounce revokes links), stopping lifecycles', () => {
    const fn = service().functions.mailEvents;
    expect(permissions(fn.serviceRole)).toEqual({
      ...basics(fn),
      ...tableRW(),
      'secretsmanager:GetSecretValue': [m2m],
      'sqs:SendMessage': [queue()],
      ...lifecycle(),
    });
  });

  it('Lifecycle: table RW, M2M secret, SES send, job queue send', () => {
    const fn = service().functions.lifecycle;
    expect(permissions(fn.serviceRole)).toEqual({
      ...basics(fn),
      ...tableRW(),
      'secretsmanager:GetSecretValue': [m2m],
      'ses:SendEmail': ses(),
      'sqs:SendMessage': [queue()],
    });
  });

  it('LogtoWiring: reads the M2M secret, reads and writes the webhook secret, nothing else', () => {
    const fn = service().functions.logtoWiring;
    expect(permissions(fn.serviceRole)).toEqual({
      ...basics(fn),
      'secretsmanager:GetSecretValue': [m2m, webhookSecret()].sort(),
      'secretsmanager:PutSecretValue': [webhookSecret()],
    });
  });

  it('Console: may only write its logs and traces (its files are in its bundle; its config is ids)', () => {
    const fn = service().functions.console;
    expect(permissions(fn.serviceRole)).toEqual(basics(fn));
  });

  it('only the Logto wiring can write a secret; the API function cannot', () => {
    for (const [name, fn] of serviceFunctions()) {
      const canWrite = Object.keys(permissions(fn.serviceRole)).some((action) => /^secretsmanager:(Put|Update|Create|Delete)/.test(action));
      expect([name, canWrite]).toEqual([name, name === 'LogtoWiring']);
    }
  });

  it('M2mRotation: reads, writes and re-labels the M2M secret only; no GetRandomPassword (Logto makes the value)', () => {
    const fn = service().m2mRotation!.handler;
    expect(permissions(fn.serviceRole)).toEqual({
      ...basics(fn),
      ...Object.fromEntries(
        ['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue', 'secretsmanager:PutSecretValue', 'secretsmanager:UpdateSecretVersionStage'].map((a) => [a, [m2m]]),
      ),
    });
  });

  it('lets only Secrets Manager invoke the rotation function, and only for the M2M secret', () => {
    const permissionsOfRotation = Object.values(resources(template(), 'AWS::Lambda::Permission')).filter(
      (p) => JSON.stringify(p.Properties.FunctionName).includes(fnId(service().m2mRotation!.handler)),
    );
    expect(permissionsOfRotation.map((p) => p.Properties)).toEqual([
      {
        Action: 'lambda:InvokeFunction',
        FunctionName: { 'Fn::GetAtt': [fnId(service().m2mRotation!.handler), 'Arn'] },
        Principal: 'secretsmanager.amazonaws.com',
        SourceArn: m2m,
      },
    ]);
  });

  it('sends email only from the configured address', () => {
    for (const fn of [service().functions.api, service().functions.jobs, service().functions.lifecycle]) {
      const statement = statementsOf(template(), logicalId(stack, fn.serviceRole)).find((s) => actionsOf(s).includes('ses:SendEmail'))!;
      expect(statement.Condition).toEqual({ StringEquals: { 'ses:FromAddress': 'invitations@example.com' } });
      expect(resourcesOf(statement).map(flat).join(' ')).toContain(':identity/example.com');
    }
  });

  it('grants no `*` action anywhere, and `*` resources only for X-Ray, log delivery and the SES send quota', () => {
    const policies = Object.values(resources(template(), 'AWS::IAM::Policy')).map((p) => p.Properties.PolicyDocument);
    const inline = Object.values(resources(template(), 'AWS::IAM::Role')).flatMap((r) => (r.Properties.Policies ?? []).map((p: any) => p.PolicyDocument));
    const statements = [...policies, ...inline].flatMap((document) => document.Statement as { Action: string | string[]; Resource: unknown }[]);
    expect(statements.length).toBeGreaterThan(20);
    for (const statement of statements) {
      for (const action of [statement.Action].flat()) expect(action).not.toContain('*');
      if ([statement.Resource].flat().includes('*')) {
        for (const action of [statement.Action].flat()) expect(action).toMatch(/^(xray:|ses:GetAccount$|logs:(Create|Delete|Describe|Get|List|Put|Update)\w*(LogDelivery|LogDeliveries|ResourcePolicy|ResourcePolicies|LogGroups)$)/);
      }
    }
    expect(Object.values(resources(template(), 'AWS::IAM::Role')).every((r) => r.Properties.ManagedPolicyArns === undefined)).toBe(true);
  });
});

describe('table', () => {
  it('is on-demand, recoverable, protected, expires records by TTL, has the store\'s indexes and no stream', () => {
    const [table] = Object.values(resources(template(), 'AWS::DynamoDB::GlobalTable'));
    expect(table!.Properties).toMatchObject({
      BillingMode: 'PAY_PER_REQUEST',
      TimeToLiveSpecification: { AttributeName: invitationTable.timeToLiveAttribute, Enabled: true },
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
    });
    expect(table!.Properties.Replicas[0]).toMatchObject({
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      DeletionProtectionEnabled: true,
    });
    expect(table!.Properties.StreamSpecification).toBeUndefined();
    expect(table!.Properties.GlobalSecondaryIndexes).toEqual(
      invitationTable.globalSecondaryIndexes.map((index) => ({
        IndexName: index.indexName,
        KeySchema: [
          { AttributeName: index.partitionKey.name, KeyType: 'HASH' },
          { AttributeName: index.sortKey.name, KeyType: 'RANGE' },
        ],
        Projection: {
          ProjectionType: index.projection,
          ...('nonKeyAttributes' in index && { NonKeyAttributes: [...index.nonKeyAttributes] }),
        },
      })),
    );
    template().hasResource('AWS::DynamoDB::GlobalTable', { DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
  });
});

describe('HTTP API', () => {
  const routeResources = () => Object.values(resources(template(), 'AWS::ApiGatewayV2::Route'));
  /** Which function an integration calls, by logical id. */
  const integrationTarget = (target: unknown) => {
    const integrationId = flat(target).replace(/^integrations\/<(.+)>$/, '$1');
    const integration = resources(template(), 'AWS::ApiGatewayV2::Integration')[integrationId]!;
    expect(integration.Properties.PayloadFormatVersion).toBe('2.0');
    return integration.Properties.IntegrationUri['Fn::GetAtt'][0] as string;
  };
  const acknowledgement = (construct: IConstruct, rule: string) =>
    construct.node.metadata
      .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .map((entry) => (entry.data as Record<string, string>)[`Annotation::${rule}`])
      .find((reason) => reason !== undefined);

  it('has every route of the route table, each to the function the table names, and a catch-all', () => {
    const byKey = new Map(routeResources().map((route) => [route.Properties.RouteKey as string, route]));
    expect([...byKey.keys()].sort()).toEqual([...routes.map((route) => `${route.method} ${route.path}`), '$default'].sort());
    for (const route of routes as readonly Route[]) {
      const resource = byKey.get(`${route.method} ${route.path}`)!;
      const fn = { api: service().functions.api, webhook: service().functions.webhook, console: service().functions.console }[route.fn];
      expect([route.path, integrationTarget(resource.Properties.Target)]).toEqual([route.path, fnId(fn)]);
    }
    expect(integrationTarget(byKey.get('$default')!.Properties.Target)).toBe(fnId(service().functions.api));
  });

  it('leaves authorization to the handler on every route, and says why each route is open or how it is checked', () => {
    for (const route of routeResources()) expect(route.Properties.AuthorizationType).toBe('NONE');
    const constructs = new Map(
      service()
        .httpApi.api.node.children.filter((child) => child.node.id !== 'Resource' && child.node.id !== 'DefaultStage')
        .map((child) => [stack.resolve((child.node.defaultChild as any)?.routeKey) as string, child]),
    );
    for (const route of routes as readonly Route[]) {
      const reason = acknowledgement(constructs.get(`${route.method} ${route.path}`)!, 'AwsSolutions-APIG4');
      if ('none' in route.auth) expect(reason).toBe(`Public by design: ${route.auth.none}`);
      else expect(reason).toContain(`scope "${route.auth.scope}"`);
    }
    // The open routes: exactly asking for an invitation (rate-limited) and its form, the accept page (its
    // token), the webhook (HMAC), health, the OpenAPI document and the console's files.
    expect(routes.filter((route) => 'none' in route.auth).map((route) => `${route.method} ${route.path}`)).toEqual([
      'POST /v1/access-requests',
      'GET /v1/request-access',
      'GET /v1/accept',
      'POST /v1/accept',
      'POST /v1/webhooks/logto',
      'GET /v1/health',
      'GET /v1/openapi.json',
      'GET /console',
      'GET /console/{proxy+}',
    ]);
  });

  it('throttles the default route and writes JSON access logs without query strings', () => {
    const [stage] = Object.values(resources(template(), 'AWS::ApiGatewayV2::Stage'));
    expect(stage!.Properties).toMatchObject({
      StageName: '$default',
      AutoDeploy: true,
      DefaultRouteSettings: { ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100 },
      // Open routes anyone can loop on: asking for an invitation, the accept form.
      RouteSettings: {
        'POST /v1/access-requests': { ThrottlingRateLimit: 5, ThrottlingBurstLimit: 20 },
        'POST /v1/accept': { ThrottlingRateLimit: 5, ThrottlingBurstLimit: 20 },
      },
      AccessLogSettings: { DestinationArn: getAtt(service().httpApi.accessLogs) },
    });
    const format = JSON.parse(stage!.Properties.AccessLogSettings.Format as string) as Record<string, string>;
    expect(format).toMatchObject({ requestId: '$context.requestId', routeKey: '$context.routeKey', status: '$context.status' });
    expect(Object.values(format).join(' ')).not.toMatch(/querystring|header/i);
  });
});

describe('job queue', () => {
  it('is encrypted, TLS-only, and parks a job in the DLQ after 5 receives', () => {
    const queues = resources(template(), 'AWS::SQS::Queue');
    const main = queues[logicalId(stack, service().deliveryQueue.queue)]!.Properties;
    expect(main).toMatchObject({
      SqsManagedSseEnabled: true,
      RedrivePolicy: { deadLetterTargetArn: getAtt(service().deliveryQueue.deadLetterQueue), maxReceiveCount: 5 },
    });
    // AWS's advice for Lambda consumers: more than 6 times the function's timeout.
    expect(main.VisibilityTimeout).toBeGreaterThan(6 * functionSpecs.jobs.timeout.toSeconds());
    for (const queue of Object.values(queues)) expect(queue.Properties.SqsManagedSseEnabled).toBe(true);
    const policies = Object.values(resources(template(), 'AWS::SQS::QueuePolicy'));
    expect(policies.length).toBe(Object.keys(queues).length);
    for (const policy of policies) {
      expect(policy.Properties.PolicyDocument.Statement).toContainEqual(
        expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
      );
    }
  });

  it('is drained by the jobs function, 5 at a time, 2 workers at most, reporting failures per message', () => {
    template().hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: ref(service().functions.jobs),
      EventSourceArn: getAtt(service().deliveryQueue.queue),
      BatchSize: 5,
      ScalingConfig: { MaximumConcurrency: 2 },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
  });
});

describe('lifecycle state machine', () => {
  const definition = () => {
    const [machine] = Object.values(resources(template(), 'AWS::StepFunctions::StateMachine'));
    const parts = machine!.Properties.DefinitionString['Fn::Join'][1] as unknown[];
    // Tokens become readable placeholders, as the local stack resolves them before running the definition.
    return JSON.parse(parts.map((part) => (typeof part === 'string' ? part : flat(part))).join('')) as {
      StartAt: string;
      States: Record<string, any>;
      TimeoutSeconds: number;
    };
  };

  it('is Standard, logs ALL with execution data, and is traced', () => {
    const [machine] = Object.values(resources(template(), 'AWS::StepFunctions::StateMachine'));
    expect(machine!.Properties).toMatchObject({
      StateMachineType: 'STANDARD',
      TracingConfiguration: { Enabled: true },
      LoggingConfiguration: {
        Level: 'ALL',
        IncludeExecutionData: true,
        Destinations: [{ CloudWatchLogsLogGroup: { LogGroupArn: getAtt(service().lifecycle.logGroup) } }],
      },
    });
  });

  it('waits for the reminder, reconciles, reminds, waits for expiry, reconciles, expires', () => {
    const { StartAt, States } = definition();
    const s = lifecycleStates;
    expect(StartAt).toBe(s.reminderScheduled);
    expect(States[s.reminderScheduled]).toEqual({
      Type: 'Choice',
      Choices: [{ Variable: '$.remindAt', IsPresent: true, Next: s.waitForReminder }],
      Default: s.waitForExpiry,
    });
    expect(States[s.waitForReminder]).toEqual({ Type: 'Wait', TimestampPath: '$.remindAt', Next: s.reconcileBeforeReminder });
    expect(States[s.reconcileBeforeReminder].Next).toBe(s.pendingAtReminder);
    expect(States[s.pendingAtReminder]).toEqual({
      Type: 'Choice',
      Choices: [{ Variable: '$.invitation.status', StringEquals: 'pending', Next: s.sendReminder }],
      Default: s.done,
    });
    expect(States[s.sendReminder].Next).toBe(s.waitForExpiry);
    expect(States[s.waitForExpiry]).toEqual({ Type: 'Wait', TimestampPath: '$.expiresAt', Next: s.reconcileBeforeExpiry });
    expect(States[s.reconcileBeforeExpiry].Next).toBe(s.pendingAtExpiry);
    expect(States[s.pendingAtExpiry]).toEqual({
      Type: 'Choice',
      Choices: [{ Variable: '$.invitation.status', StringEquals: 'pending', Next: s.expire }],
      Default: s.done,
    });
    expect(States[s.expire].Next).toBe(s.done);
    expect(States[s.done]).toEqual({ Type: 'Succeed' });
    expect(Object.keys(States).sort()).toEqual(Object.values(s).sort());
  });

  it('invokes the lifecycle function with { action, invitationId } from every task, retrying service errors', () => {
    const { States } = definition();
    const actions = { 'Reconcile before reminder': 'reconcile', 'Send reminder': 'remind', 'Reconcile before expiry': 'reconcile', Expire: 'expire' };
    for (const [state, action] of Object.entries(actions)) {
      expect(States[state]).toMatchObject({
        Type: 'Task',
        Resource: 'arn:<AWS::Partition>:states:::lambda:invoke',
        Parameters: { FunctionName: `<${fnId(service().functions.lifecycle)}.Arn>`, Payload: { action, 'invitationId.$': '$.invitationId' } },
        ResultSelector: { 'status.$': '$.Payload.status' },
        ResultPath: '$.invitation',
      });
      const retried = (States[state].Retry as { ErrorEquals: string[] }[]).flatMap((retry) => retry.ErrorEquals);
      expect(retried).toEqual(expect.arrayContaining(['Lambda.ServiceException', 'Lambda.AWSLambdaException', 'Lambda.SdkClientException', 'UpstreamError']));
    }
  });

  it('outlives the longest invitation (30 days) but not by much', () => {
    expect(definition().TimeoutSeconds).toBe(32 * 24 * 3600);
  });
});

describe('email', () => {
  it('has one SES template per locale, from templates/, named with the deployment prefix', () => {
    const prefix = service().email.templatePrefix;
    expect(prefix).toMatch(/^LogtoInvitations-[0-9A-F]{8}$/);
    const created = Object.values(resources(template(), 'AWS::SES::Template')).map((t) => t.Properties.Template);
    expect(created).toEqual(
      invitationTemplates(prefix).map((t) => ({ TemplateName: t.name, SubjectPart: t.subject, HtmlPart: t.html, TextPart: t.text })),
    );
  });

  it('publishes delivery, bounce, complaint and reject events of its configuration set to the mail-events function', () => {
    template().hasResourceProperties('AWS::SES::ConfigurationSet', {
      ReputationOptions: { ReputationMetricsEnabled: true },
      SuppressionOptions: { SuppressedReasons: ['BOUNCE', 'COMPLAINT'] },
    });
    const [destination] = Object.values(resources(template(), 'AWS::SES::ConfigurationSetEventDestination'));
    expect(destination!.Properties.ConfigurationSetName).toEqual({ Ref: expect.stringMatching(/ConfigurationSet/) });
    expect(flat(destination!.Properties.EventDestination.EventBridgeDestination.EventBusArn)).toMatch(/:event-bus\/default$/);
    expect([...destination!.Properties.EventDestination.MatchingEventTypes].sort()).toEqual(['bounce', 'complaint', 'delivery', 'reject']);

    const [rule] = Object.values(resources(template(), 'AWS::Events::Rule'));
    expect(rule!.Properties.EventPattern).toEqual({
      source: ['aws.ses'],
      'detail-type': ['Email Delivered', 'Email Bounced', 'Email Complaint Received', 'Email Rejected'],
      detail: { mail: { tags: { 'ses:configuration-set': [destination!.Properties.ConfigurationSetName] } } },
    });
    expect(rule!.Properties.Targets).toEqual([
      expect.objectContaining({
        Arn: getAtt(service().functions.mailEvents),
        DeadLetterConfig: { Arn: getAtt(service().email.mailEventsDeadLetterQueue!) },
      }),
    ]);
  });
});

describe('alarms', () => {
  const alarms = () => Object.values(resources(template(), 'AWS::CloudWatch::Alarm')).map((a) => a.Properties);
  const topic = () => ref(service().alarms.topic as never);

  it('alarm on errors and throttles of every function', () => {
    for (const fn of [...serviceFunctions().map(([, f]) => f), service().m2mRotation!.handler]) {
      for (const metric of ['Errors', 'Throttles']) {
        expect(alarms()).toContainEqual(
          expect.objectContaining({
            Namespace: 'AWS/Lambda',
            MetricName: metric,
            Dimensions: [{ Name: 'FunctionName', Value: ref(fn) }],
            Threshold: 1,
            ComparisonOperator: 'GreaterThanOrEqualToThreshold',
          }),
        );
      }
    }
  });

  it('alarm on a message in either dead-letter queue and on failed or timed-out lifecycles', () => {
    for (const queue of [service().deliveryQueue.deadLetterQueue, service().email.mailEventsDeadLetterQueue!]) {
      expect(alarms()).toContainEqual(
        expect.objectContaining({
          Namespace: 'AWS/SQS',
          MetricName: 'ApproximateNumberOfMessagesVisible',
          Dimensions: [{ Name: 'QueueName', Value: getAtt(queue, 'QueueName') }],
          Threshold: 1,
        }),
      );
    }
    for (const metric of ['ExecutionsFailed', 'ExecutionsTimedOut']) {
      expect(alarms()).toContainEqual(
        expect.objectContaining({ Namespace: 'AWS/States', MetricName: metric, Dimensions: [{ Name: 'StateMachineArn', Value: ref(service().lifecycle.stateMachine) }] }),
      );
    }
  });

  it('alarm at an SES bounce rate of 2% and a complaint rate of 0.08%', () => {
    expect(alarms()).toContainEqual(
      expect.objectContaining({ Namespace: 'AWS/SES', MetricName: 'Reputation.BounceRate', Threshold: 0.02, ComparisonOperator: 'GreaterThanOrEqualToThreshold' }),
    );
    expect(alarms()).toContainEqual(
      expect.objectContaining({ Namespace: 'AWS/SES', MetricName: 'Reputation.ComplaintRate', Threshold: 0.0008, ComparisonOperator: 'GreaterThanOrEqualToThreshold' }),
    );
  });

  it('alarm when someone registered through a link of an ended invitation (the registration_blocked metric)', () => {
    expect(alarms()).toContainEqual(
      expect.objectContaining({
        Namespace: 'LogtoInvitations',
        MetricName: 'InvitationRegistrationBlocked',
        Dimensions: [{ Name: 'service', Value: 'logto-invitations' }],
        Threshold: 1,
      }),
    );
  });

  it('alarm when the public request form is flooded (its per-IP refusals)', () => {
    expect(alarms()).toContainEqual(
      expect.objectContaining({
        Namespace: 'LogtoInvitations',
        MetricName: 'AccessRequestRateLimited',
        Dimensions: [{ Name: 'service', Value: 'logto-invitations' }],
        Threshold: 100,
        Period: 300,
      }),
    );
  });

  it('send every alarm and its recovery to the topic', () => {
    // the seven functions and the M2M rotation, DLQs, lifecycle, registrations blocked, request flood, SES rates
    expect(alarms().length).toBe((7 + 1) * 2 + 2 + 2 + 1 + 1 + 2);
    for (const alarm of alarms()) {
      expect(alarm.AlarmActions).toEqual([topic()]);
      expect(alarm.OKActions).toEqual([topic()]);
      expect(alarm.TreatMissingData).toBe('notBreaching');
    }
  });
});

describe('M2M secret rotation', () => {
  it('rotates the M2M secret every 30 days through the rotation function, once at once, after its grants exist', () => {
    const rotation = service().m2mRotation!;
    const [[, schedule]] = Object.entries(resources(template(), 'AWS::SecretsManager::RotationSchedule')) as [[string, any]];
    expect(schedule.Properties).toEqual({
      SecretId: importedM2mSecretArn,
      RotationLambdaARN: { 'Fn::GetAtt': [fnId(rotation.handler), 'Arn'] },
      RotationRules: { AutomaticallyAfterDays: 30 },
      RotateImmediatelyOnUpdate: true,
    });
    expect(schedule.DependsOn).toEqual(
      expect.arrayContaining([fnId(rotation.handler), logicalId(stack, rotation.handler.serviceRole)]),
    );
  });

  it('gives the rotation function only the Logto endpoint and API indicator', () => {
    const variables = lambdaProps(service().m2mRotation!.handler).Environment.Variables as Record<string, unknown>;
    expect(variables).toMatchObject({ LOGTO_ENDPOINT: 'https://example.logto.app', LOGTO_API_INDICATOR: 'https://example.logto.app/api' });
    expect(Object.keys(variables).filter((name) => !/^(POWERTOOLS_|NODE_OPTIONS|AWS_)/.test(name)).sort()).toEqual(['LOGTO_API_INDICATOR', 'LOGTO_ENDPOINT']);
  });
});

describe('Logto wiring', () => {
  it('registers the webhook for the deployed URL through the provider framework', () => {
    const [hook] = Object.entries(template().findResources('Custom::LogtoWebhook'));
    const [id, resource] = hook!;
    expect(id).toMatch(/^InvitationServiceLogtoWiringWebhook/);
    expect(flat(resource.Properties.webhookUrl)).toBe(
      `https://<${logicalId(stack, service().httpApi.api)}>.execute-api.eu-central-1.<AWS::URLSuffix>/v1/webhooks/logto`,
    );
    expect(resource.Properties).toMatchObject({
      hookName: `logto-invitations ${service().deploymentName}`,
      events: [...webhookEvents],
      disableRegistration: 'true',
    });
    // Logto is told the URL only once the stage serves it.
    expect(resource.DependsOn).toEqual(expect.arrayContaining([logicalId(stack, service().httpApi.stage)]));
    const provider = resources(template(), 'AWS::Lambda::Function')[resource.Properties.ServiceToken['Fn::GetAtt'][0]]!;
    expect(provider.Properties.Environment.Variables.USER_ON_EVENT_FUNCTION_ARN).toEqual(getAtt(service().functions.logtoWiring));
  });

  it('gives the wiring function only Logto endpoint, API indicator and secret ids', () => {
    const variables = lambdaProps(service().functions.logtoWiring).Environment.Variables as Record<string, unknown>;
    const own = Object.keys(variables).filter((name) => !name.startsWith('POWERTOOLS_') && name !== 'NODE_OPTIONS');
    expect(own.sort()).toEqual(['LOGTO_API_INDICATOR', 'LOGTO_ENDPOINT', 'M2M_SECRET_ID', 'WEBHOOK_SECRET_ID']);
    expect(variables).toMatchObject({ LOGTO_ENDPOINT: 'https://example.logto.app', LOGTO_API_INDICATOR: 'https://example.logto.app/api' });
  });
});

describe('stack outputs', () => {
  it('has every output `npm run doctor` reads, under the key it reads', () => {
    const outputs = template().toJSON().Outputs as Record<string, { Value: unknown }>;
    for (const key of Object.values(stackOutputKeys)) expect(Object.keys(outputs)).toContain(key);
    expect(outputs.LogtoEndpoint!.Value).toBe('https://example.logto.app');
    expect(outputs.SesIdentity!.Value).toBe('example.com');
    expect(outputs.M2mSecretArn!.Value).toBe(importedM2mSecretArn);
    expect(outputs.SesTemplatePrefix!.Value).toBe(service().email.templatePrefix);
  });
});
