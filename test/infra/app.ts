/**
 * One synthesized app per test file, built the way `bin/app.ts` builds it (the cdk.json context and feature
 * flags) but without bundling the Lambdas: properties of the template do not depend on the bundles, and
 * `cdk-synth.test.ts` bundles for real.
 */
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { readFileSync } from 'node:fs';
import { readContext } from '../../lib/config.ts';
import { InvitationServiceStack } from '../../lib/stack.ts';

export const cdkJson = JSON.parse(readFileSync(new URL('../../cdk.json', import.meta.url), 'utf8')) as {
  app: string;
  context: Record<string, unknown>;
};

/** An M2M secret the team created: with it, the Logto wiring is on by default. */
export const importedM2mSecretArn = 'arn:aws:secretsmanager:eu-central-1:123456789012:secret:logto-invitations/m2m-AbCdEf';

export interface TestApp {
  app: App;
  stack: InvitationServiceStack;
  template: Template;
}

export function synthApp(context: Record<string, unknown> = {}): TestApp {
  const app = new App({
    context: { ...cdkJson.context, 'aws:cdk:bundling-stacks': [], ...context },
  });
  const config = readContext(app.node);
  const stack = new InvitationServiceStack(app, config.stackName, {
    config,
    env: { account: '123456789012', region: 'eu-central-1' },
  });
  return { app, stack, template: Template.fromStack(stack) };
}

/** The deployment most tests look at: the team's own M2M secret, so the Logto wiring is part of it. */
export const wiredContext = { m2mSecretArn: importedM2mSecretArn };

type Resources = Record<string, { Type: string; Properties: Record<string, any>; DependsOn?: string[] }>;

export function resources(template: Template, type: string): Resources {
  return template.findResources(type) as Resources;
}

/** The logical id of a construct's default CloudFormation resource. */
export function logicalId(stack: Stack, construct: { node: { defaultChild?: unknown } }): string {
  return stack.getLogicalId(construct.node.defaultChild as never);
}

export interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  Condition?: Record<string, unknown>;
  Sid?: string;
}

/** Every statement of the policies attached to a role. */
export function statementsOf(template: Template, roleLogicalId: string): Statement[] {
  return Object.values(resources(template, 'AWS::IAM::Policy'))
    .filter((policy) => (policy.Properties.Roles as unknown[]).some((role) => JSON.stringify(role) === JSON.stringify({ Ref: roleLogicalId })))
    .flatMap((policy) => policy.Properties.PolicyDocument.Statement as Statement[]);
}

export const actionsOf = (statement: Statement) => [statement.Action].flat();
export const resourcesOf = (statement: Statement) => [statement.Resource].flat();

/** Joins a CloudFormation value (`Fn::Join`, `Ref`, `Fn::GetAtt`) into a readable string, e.g. `<Table.Arn>/index/x`. */
export function flat(value: unknown): string {
  if (typeof value === 'string') return value;
  const v = value as Record<string, any>;
  if (v['Fn::Join']) return (v['Fn::Join'][1] as unknown[]).map(flat).join(v['Fn::Join'][0]);
  if (v['Fn::GetAtt']) return `<${v['Fn::GetAtt'][0]}.${v['Fn::GetAtt'][1]}>`;
  if (v.Ref) return `<${v.Ref}>`;
  return JSON.stringify(value);
}
