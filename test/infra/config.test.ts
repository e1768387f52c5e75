/**
 * The app's context: validated with zod before anything is built; a bad or missing value fails synthesis
 * with a message naming the key.
 */
import { App } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import { ContextError, readContext } from '../../lib/config.ts';
import { cdkJson } from './app.ts';
import { cdkSynth } from './cli.ts';

const contextOf = (overrides: Record<string, unknown>, without: string[] = []) => {
  const context: Record<string, unknown> = { ...cdkJson.context, ...overrides };
  for (const key of without) delete context[key];
  return new App({ context }).node;
};

const errorOf = (run: () => unknown): ContextError => {
  try {
    run();
  } catch (error) {
    return error as ContextError;
  }
  throw new Error('expected a ContextError');
};

describe('cdk.json context', () => {
  it('accepts the shipped example and fills the defaults', () => {
    // Act
    const config = readContext(contextOf({}));
    // Assess
    expect(config).toMatchObject({
      stackName: 'LogtoInvitations',
      logtoEndpoint: 'https://example.logto.app',
      defaultLocale: 'en',
      defaultExpiresIn: 604_800,
      reminderBeforeExpiry: 172_800,
      removalPolicy: 'retain',
      redirectAllowList: ['https://app.example.com/'],
      allowedEmailDomains: [],
      disableRegistration: true,
    });
    expect(config.m2mSecretArn).toBeUndefined();
  });

  it('takes -c strings too: comma lists, booleans, numbers', () => {
    const config = readContext(
      contextOf({ allowedEmailDomains: 'acme.example, example.org', disableRegistration: 'false', defaultExpiresIn: '86400', reminderBeforeExpiry: '3600' }),
    );
    expect(config).toMatchObject({ allowedEmailDomains: ['acme.example', 'example.org'], disableRegistration: false, defaultExpiresIn: 86_400 });
  });

  it.each([
    ['logtoEndpoint', { logtoEndpoint: 'not-a-url' }, [], /logtoEndpoint: .*got "not-a-url"/],
    ['landingUrl', { landingUrl: 'http://app.example.com/landing' }, [], /landingUrl: Must be an https:\/\/ URL/],
    ['adminAudience (missing)', {}, ['adminAudience'], /adminAudience: .*\(missing\)/],
    ['sesFromAddress', { sesFromAddress: 'Example invitations' }, [], /sesFromAddress: Must be an email address/],
    ['defaultLocale', { defaultLocale: 'French' }, [], /defaultLocale: Must be a language tag/],
    ['defaultExpiresIn', { defaultExpiresIn: 60 }, [], /defaultExpiresIn: /],
    ['reminderBeforeExpiry', { reminderBeforeExpiry: 604_800 }, [], /reminderBeforeExpiry: Must be shorter than defaultExpiresIn/],
    ['m2mSecretArn', { m2mSecretArn: 'logto/m2m' }, [], /m2mSecretArn: Must be the complete ARN/],
    ['removalPolicy', { removalPolicy: 'snapshot' }, [], /removalPolicy: /],
  ] as const)('refuses a bad %s, naming it', (_key, overrides, without, message) => {
    const error = errorOf(() => readContext(contextOf(overrides, [...without])));
    expect(error).toBeInstanceOf(ContextError);
    expect(error.message).toMatch(message);
  });

  it('names every bad key at once', () => {
    const error = errorOf(() => readContext(contextOf({ logtoEndpoint: 'nope', landingUrl: 'nope' })));
    expect(error.message).toMatch(/logtoEndpoint/);
    expect(error.message).toMatch(/landingUrl/);
  });

  it('fails `cdk synth` with the key in the message, before bundling anything', { timeout: 120_000 }, async () => {
    // Act
    const result = await cdkSynth(['-c', 'logtoEndpoint=not-a-url']);
    // Assess
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/Invalid CDK context[\s\S]*logtoEndpoint: .*got "not-a-url"/);
    expect(result.stderr).not.toMatch(/Bundling asset/);
  });
});
