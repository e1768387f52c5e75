/**
 * The admin console in the stack: its function (ids in its environment, no permission beyond its logs),
 * its routes on the same HTTP API, its output, and its bundle holding the build next to the handler.
 */
import { App, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as logs from 'aws-cdk-lib/aws-logs';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consoleSettingsFromEnv } from '../../lambdas/composition/aws/console.ts';
import { functionSpecs } from '../../lib/constructs/functions.ts';
import { ServiceFunction } from '../../lib/constructs/service-function.ts';
import { writeConsoleBuild, type ConsoleBuild } from '../support/console-build.ts';
import { flat, logicalId, resources, synthApp, wiredContext, type TestApp } from './app.ts';

let configured: TestApp;
let unconfigured: TestApp;

beforeAll(() => {
  configured = synthApp({ ...wiredContext, consoleAppId: 'console-spa-1' });
  unconfigured = synthApp(wiredContext);
}, 60_000);

const consoleFunction = ({ stack, template }: TestApp) =>
  resources(template, 'AWS::Lambda::Function')[logicalId(stack, stack.service.functions.console)]!.Properties;
const ownVariables = (app: TestApp) =>
  Object.fromEntries(
    Object.entries(consoleFunction(app).Environment.Variables as Record<string, unknown>).filter(([name]) => !/^(POWERTOOLS_|NODE_OPTIONS$)/.test(name)),
  );

describe('the console function', () => {
  it('is small and short-lived, as static files need', () => {
    expect(consoleFunction(configured)).toMatchObject({
      MemorySize: functionSpecs.console.memorySize,
      Timeout: functionSpecs.console.timeout.toSeconds(),
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
    });
    expect(functionSpecs.console.memorySize).toBeGreaterThanOrEqual(128);
    expect(functionSpecs.console.memorySize).toBeLessThanOrEqual(256);
    expect(functionSpecs.console.timeout.toSeconds()).toBeLessThanOrEqual(10);
  });

  it('knows the Logto endpoint, the API resource and the console app: ids only, which its own reader accepts', () => {
    // Act
    const variables = ownVariables(configured);

    // Assess
    expect(variables).toEqual({
      LOGTO_ENDPOINT: 'https://example.logto.app',
      ADMIN_AUDIENCE: 'https://invitations.example.com/api',
      CONSOLE_APP_ID: 'console-spa-1',
    });
    expect(consoleSettingsFromEnv(variables as Record<string, string>)).toMatchObject({ appId: 'console-spa-1' });
  });

  it('without a console app, still deploys, and its config.json will say it is not configured', () => {
    // Act
    const variables = ownVariables(unconfigured);

    // Assess
    expect(Object.keys(variables).sort()).toEqual(['ADMIN_AUDIENCE', 'LOGTO_ENDPOINT']);
    expect(consoleSettingsFromEnv(variables as Record<string, string>).appId).toBeUndefined();
  });
});

describe('the console on the HTTP API', () => {
  it('takes GET /console and GET /console/{proxy+} to the console function, payload 2.0', () => {
    // Prepare
    const { stack, template } = configured;
    const routes = Object.values(resources(template, 'AWS::ApiGatewayV2::Route')).filter((route) => String(route.Properties.RouteKey).includes('/console'));
    const integrations = resources(template, 'AWS::ApiGatewayV2::Integration');

    // Assess
    expect(routes.map((route) => route.Properties.RouteKey).sort()).toEqual(['GET /console', 'GET /console/{proxy+}']);
    for (const route of routes) {
      const integration = integrations[flat(route.Properties.Target).replace(/^integrations\/<(.+)>$/, '$1')]!;
      expect(integration.Properties.PayloadFormatVersion).toBe('2.0');
      expect(integration.Properties.IntegrationUri['Fn::GetAtt'][0]).toBe(logicalId(stack, stack.service.functions.console));
    }
  });

  it('puts the console on the API\'s own origin, in the output ConsoleUrl', () => {
    const { stack, template } = configured;
    const outputs = template.toJSON().Outputs as Record<string, { Value: unknown }>;
    expect(flat(outputs.ConsoleUrl!.Value)).toBe(`https://<${logicalId(stack, stack.service.httpApi.api)}>.execute-api.eu-central-1.<AWS::URLSuffix>/console`);
  });

  it('puts it under the custom domain when there is one, as the accept links are', () => {
    const { template } = synthApp({ ...wiredContext, publicUrl: 'https://invitations.acme.example/' });
    expect((template.toJSON().Outputs as Record<string, { Value: unknown }>).ConsoleUrl!.Value).toBe('https://invitations.acme.example/console');
  }, 60_000);
});

describe('the console in its bundle', () => {
  let build: ConsoleBuild;
  let outdir: string;

  beforeAll(() => {
    build = writeConsoleBuild();
    outdir = mkdtempSync(join(tmpdir(), 'console-synth-'));
  });

  afterAll(() => {
    rmSync(outdir, { recursive: true, force: true });
    rmSync(build.directory, { recursive: true, force: true });
  });

  it('copies the build beside index.mjs, where the bundled handler serves it from', async () => {
    // Prepare: the console function alone, bundled for real (as `cdk synth` does).
    const app = new App({ outdir });
    const stack = new Stack(app, 'ConsoleBundle', { env: { account: '123456789012', region: 'eu-central-1' } });
    new ServiceFunction(stack, 'Console', {
      ...functionSpecs.console,
      environment: { LOGTO_ENDPOINT: 'https://example.logto.app', ADMIN_AUDIENCE: 'https://invitations.example.com/api', CONSOLE_APP_ID: 'spa' },
      logRetention: logs.RetentionDays.ONE_DAY,
      removalPolicy: RemovalPolicy.DESTROY,
      bundledDirectory: { source: build.directory, into: 'console' },
    });

    // Act
    app.synth();
    const [asset] = readdirSync(outdir).filter((name) => name.startsWith('asset.')).map((name) => join(outdir, name));
    const previous = { ...process.env };
    Object.assign(process.env, { LOGTO_ENDPOINT: 'https://example.logto.app', ADMIN_AUDIENCE: 'https://invitations.example.com/api', CONSOLE_APP_ID: 'spa' });
    const { handler } = (await import(pathToFileURL(join(asset!, 'index.mjs')).href)) as {
      handler: (event: unknown) => Promise<{ statusCode: number; body: string; isBase64Encoded?: boolean; headers: Record<string, string> }>;
    };
    process.env = previous;
    const event = (proxy?: string) => ({ rawPath: `/console/${proxy ?? ''}`, headers: {}, ...(proxy && { pathParameters: { proxy } }) });
    const page = await handler(event());
    const script = await handler(event('assets/index-B1lE_z5V.js'));
    const config = await handler(event('config.json'));

    // Assess
    for (const path of Object.keys(build.files)) expect(readFileSync(join(asset!, 'console', path)).equals(build.files[path]!)).toBe(true);
    expect(page.statusCode).toBe(200);
    expect(Buffer.from(page.body, 'base64').equals(build.files['index.html']!)).toBe(true);
    expect([script.statusCode, script.headers['cache-control']]).toEqual([200, 'public, max-age=31536000, immutable']);
    expect(JSON.parse(config.body)).toMatchObject({ configured: true, appId: 'spa', logtoEndpoint: 'https://example.logto.app' });
  }, 60_000);

  it('fails synthesis, naming the command, when the console is not built', () => {
    // Prepare
    const notBuilt = mkdtempSync(join(tmpdir(), 'console-not-built-'));

    // Act / Assess
    try {
      expect(() => synthApp({ 'aws:cdk:bundling-stacks': ['**'], consoleAssetsDirectory: notBuilt })).toThrow(
        `InvitationService: the admin console is not built (no index.html in ${notBuilt}): run npm run build:console.`,
      );
    } finally {
      rmSync(notBuilt, { recursive: true, force: true });
    }
  });

  it('needs no build where nothing is bundled (template tests, other stacks)', () => {
    expect(() => synthApp({ consoleAssetsDirectory: join(build.directory, 'absent') })).not.toThrow();
  }, 60_000);
});
