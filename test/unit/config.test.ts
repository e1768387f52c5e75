import { describe, expect, it } from 'vitest';
import { awsEnvSchema } from '../../lambdas/composition/aws.ts';
import { awsApiPorts } from '../../lambdas/composition/aws/api.ts';
import { defaultApiIndicator, envSchema, readConfig } from '../../lambdas/composition/config.ts';

const valid = {
  TABLE_NAME: 'invitations',
  LOGTO_ENDPOINT: 'https://acme.logto.app/',
  ADMIN_AUDIENCE: 'https://invitations.acme.com/api',
  LANDING_URL: 'https://app.acme.com/landing',
  ACCEPT_URL: 'https://invitations.acme.com/v1/accept',
  SES_FROM: 'invitations@acme.com',
  M2M_SECRET_ID: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:m2m',
  WEBHOOK_SECRET_ID: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:hook',
  JOB_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/123456789012/jobs',
};

describe('service configuration', () => {
  it('fills the defaults: Cloud API indicator, issuer, expiry, locale', () => {
    const config = readConfig(envSchema, valid);
    expect(config.LOGTO_ENDPOINT).toBe('https://acme.logto.app');
    expect(config.LOGTO_API_INDICATOR).toBe('https://acme.logto.app/api');
    expect(config.ADMIN_ISSUER).toBe('https://acme.logto.app/oidc');
    expect(config.DEFAULT_EXPIRES_IN).toBe(604_800);
    expect(config.ALLOWED_EMAIL_DOMAINS).toEqual([]);
    expect(config.SIGN_IN_URL).toBe(valid.LANDING_URL);
    expect(config.ACCEPT_FORM_FIELDS).toEqual(['name', 'password']);
    expect(config.PROVISIONED_USER_ON_END).toBe('suspend');
  });

  it('reads the AWS-only variables on top of the shared ones', () => {
    const config = readConfig(awsEnvSchema, valid);
    expect(config.JOB_QUEUE_URL).toBe(valid.JOB_QUEUE_URL);
    expect(config.LOGTO_API_INDICATOR).toBe('https://acme.logto.app/api');
  });

  it('uses the OSS indicator for a self-hosted Logto', () => {
    expect(defaultApiIndicator('https://auth.acme.com')).toBe('https://default.logto.app/api');
    expect(defaultApiIndicator('http://localhost:3001')).toBe('https://default.logto.app/api');
  });

  it('parses comma-separated lists and lower-cases domains', () => {
    const config = readConfig(envSchema, { ...valid, ALLOWED_EMAIL_DOMAINS: 'Acme.com, example.org ,' });
    expect(config.ALLOWED_EMAIL_DOMAINS).toEqual(['acme.com', 'example.org']);
  });

  it('fails at cold start naming every bad or missing variable', () => {
    const { TABLE_NAME: _table, ...missingTable } = valid;
    expect(() => awsApiPorts({ ...missingTable })).toThrow(/TABLE_NAME/);
    const error = (() => {
      try {
        readConfig(awsEnvSchema, { ...missingTable, DEFAULT_EXPIRES_IN: '60', LANDING_URL: 'not a url' });
      } catch (e) {
        return e as Error;
      }
    })();
    expect(error?.message).toContain('TABLE_NAME');
    expect(error?.message).toContain('DEFAULT_EXPIRES_IN');
    expect(error?.message).toContain('LANDING_URL');
  });
});
