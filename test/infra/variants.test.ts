/**
 * The props that change what is deployed: the M2M secret created or given, the Logto wiring on or off,
 * removal policy, an existing alarm topic.
 */
import { Validations } from 'aws-cdk-lib';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { teamTemplatesFactory } from '../support/templates.ts';
import { importedM2mSecretArn, logicalId, resources, synthApp, type TestApp } from './app.ts';

let asShipped: TestApp;
let disposable: TestApp;
const alarmTopicArn = 'arn:aws:sns:eu-central-1:123456789012:platform-alarms';

beforeAll(() => {
  asShipped = synthApp();
  disposable = synthApp({ removalPolicy: 'destroy', alarmTopicArn, wireLogto: 'true', disableRegistration: false });
}, 60_000);

describe('as cdk.json ships (no M2M secret given)', () => {
  it('creates the M2M secret with empty values for the team to fill, and keeps it', () => {
    const { stack, template } = asShipped;
    const secret = stack.service.secrets.m2mCredentials;
    const [resource] = Object.entries(resources(template, 'AWS::SecretsManager::Secret')).filter(([id]) => id === logicalId(stack, secret as never));
    expect(resource![1].Properties.SecretString).toBe('{"appId":"","appSecret":""}');
    expect(resource![1].Properties.GenerateSecretString).toBeUndefined();
    template.hasResource('AWS::SecretsManager::Secret', { DeletionPolicy: 'Retain' });
    template.hasOutput('M2mSecretArn', { Value: { Ref: logicalId(stack, secret as never) } });
  });

  it('does not wire Logto, which would fail with empty credentials', () => {
    expect(Object.keys(asShipped.template.findResources('Custom::LogtoWebhook'))).toEqual([]);
    expect(asShipped.stack.service.logtoWiring).toBeUndefined();
  });

  it('does not rotate the empty M2M secret, and says why in its SMG4 acknowledgement', () => {
    expect(Object.keys(asShipped.template.findResources('AWS::SecretsManager::RotationSchedule'))).toEqual([]);
    expect(asShipped.stack.service.m2mRotation).toBeUndefined();
    const secret = asShipped.stack.service.secrets.m2mCredentials;
    const acknowledged = secret.node.metadata.filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY);
    expect(JSON.stringify(acknowledged)).toMatch(/AwsSolutions-SMG4.*Rotation \(through Logto's application secrets API\) is off/);
  });

  it('keeps the webhook secret a random placeholder until the wiring writes the real key', () => {
    const secret = asShipped.stack.service.secrets.webhookSigningKey;
    const resource = resources(asShipped.template, 'AWS::SecretsManager::Secret')[logicalId(asShipped.stack, secret)]!;
    expect(resource.Properties.GenerateSecretString).toMatchObject({ GenerateStringKey: 'signingKey', SecretStringTemplate: '{}' });
  });
});

describe('removalPolicy destroy, an existing alarm topic, wiring switched on explicitly', () => {
  it('lets the table, secrets and logs go with the stack, without deletion protection', () => {
    const { template } = disposable;
    const [table] = Object.values(template.findResources('AWS::DynamoDB::GlobalTable'));
    expect(table).toMatchObject({ DeletionPolicy: 'Delete' });
    expect(table!.Properties.Replicas[0].DeletionProtectionEnabled).toBe(false);
    for (const type of ['AWS::SecretsManager::Secret', 'AWS::Logs::LogGroup']) {
      for (const resource of Object.values(template.findResources(type))) expect(resource.DeletionPolicy).toBe('Delete');
    }
  });

  it('sends alarms to the given topic and creates none', () => {
    const { template } = disposable;
    expect(Object.keys(template.findResources('AWS::SNS::Topic'))).toEqual([]);
    for (const alarm of Object.values(resources(template, 'AWS::CloudWatch::Alarm'))) expect(alarm.Properties.AlarmActions).toEqual([alarmTopicArn]);
  });

  it('wires Logto when asked, leaving registration as it is', () => {
    disposable.template.hasResourceProperties('Custom::LogtoWebhook', { disableRegistration: 'false' });
  });

  it('rotates the created M2M secret once it is filled (wired), with no SMG4 acknowledgement left', () => {
    const { stack, template } = disposable;
    const secret = stack.service.secrets.m2mCredentials;
    template.hasResourceProperties('AWS::SecretsManager::RotationSchedule', {
      SecretId: { Ref: logicalId(stack, secret as never) },
      RotationRules: { AutomaticallyAfterDays: 30 },
    });
    const acknowledged = secret.node.metadata.filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY);
    expect(JSON.stringify(acknowledged)).not.toContain('SMG4');
  });
});

describe('m2mRotationDays', () => {
  it('sets the interval, and 0 turns rotation off', () => {
    const weekly = synthApp({ m2mSecretArn: importedM2mSecretArn, m2mRotationDays: '7' });
    weekly.template.hasResourceProperties('AWS::SecretsManager::RotationSchedule', { RotationRules: { AutomaticallyAfterDays: 7 } });
    const off = synthApp({ m2mSecretArn: importedM2mSecretArn, m2mRotationDays: 0 });
    expect(Object.keys(off.template.findResources('AWS::SecretsManager::RotationSchedule'))).toEqual([]);
    expect(off.stack.service.m2mRotation).toBeUndefined();
  }, 60_000);
});

describe("a team's own email templates and brand", () => {
  const teamTemplates = teamTemplatesFactory();
  const brand = { brandLogoUrl: 'https://cdn.acme.example/logo.png', brandPrimaryColor: '#0a7c59', brandSupportEmail: 'help@acme.example' };

  afterAll(() => teamTemplates.removeAll());

  it('deploys every email of the directory in every locale it has, and tells the functions the locales and brand', () => {
    // Prepare / Act
    const { stack, template } = synthApp({ emailTemplates: teamTemplates.make(), ...brand, defaultLocale: 'fr' });

    // Assess
    const names = Object.values(resources(template, 'AWS::SES::Template')).map((t) => t.Properties.Template.TemplateName as string);
    const prefix = stack.service.email.templatePrefix;
    expect(names.sort()).toEqual(
      ['invitation', 'accept-link', 'account-ready'].flatMap((kind) => ['en', 'de', 'fr'].map((locale) => `${prefix}-${kind}-${locale}`)).sort(),
    );
    const french = Object.values(resources(template, 'AWS::SES::Template')).find((t) => t.Properties.Template.TemplateName === `${prefix}-invitation-fr`)!;
    expect(french.Properties.Template.SubjectPart).toContain('vous invite');
    const api = resources(template, 'AWS::Lambda::Function')[logicalId(stack, stack.service.functions.api)]!;
    expect(api.Properties.Environment.Variables).toMatchObject({
      EMAIL_LOCALES: 'en,de,fr',
      DEFAULT_LOCALE: 'fr',
      BRAND_LOGO_URL: brand.brandLogoUrl,
      BRAND_PRIMARY_COLOR: brand.brandPrimaryColor,
      BRAND_SUPPORT_EMAIL: brand.brandSupportEmail,
    });
  });

  it('fails synthesis naming a template that uses a value the mailer does not send', () => {
    // Prepare
    const dir = teamTemplates.make((d) => writeFileSync(join(d, 'account-ready', 'fr', 'body.txt'), '{{{link}}} {{{user.firstName}}}'));

    // Act / Assess
    expect(() => synthApp({ emailTemplates: dir })).toThrow(/account-ready\/fr text part: uses \{\{user\.firstName\}\}/);
  });

  it('fails synthesis for a brand colour or a default locale it cannot use', () => {
    expect(() => synthApp({ brandPrimaryColor: 'purple' })).toThrow(/brandPrimaryColor: Must be a colour/);
    expect(() => synthApp({ emailTemplates: teamTemplates.make(), defaultLocale: 'it' })).toThrow(/no template for defaultLocale "it" \(have: en, de, fr\)/);
  });
});
