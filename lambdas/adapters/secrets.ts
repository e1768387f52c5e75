/**
 * The service's secrets: the M2M app's credentials for Logto's Management API and the signing key of
 * Logto's webhook. In AWS they live in Secrets Manager, read on first use and cached (never env vars,
 * never logged); the local stack passes them in.
 */
import { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import * as z from 'zod';

import { AppError, UpstreamError } from '../domain/errors.ts';

export interface M2mCredentials {
  appId: string;
  appSecret: string;
}

export interface ServiceSecrets {
  m2mCredentials(): Promise<M2mCredentials>;
  /** `fresh` skips the cache: the webhook asks for it once when a signature does not match (a rotated key). */
  webhookSigningKey(options?: { fresh?: boolean }): Promise<string>;
}

const m2mSecretGuard = z.object({ appId: z.string().min(1), appSecret: z.string().min(1) });
const webhookSecretGuard = z.object({ signingKey: z.string().min(1) });

export interface SecretsManagerSecretsOptions {
  /** Secret holding the JSON `{"appId": "...", "appSecret": "..."}`. */
  m2mSecretId: string;
  /** Secret holding the JSON `{"signingKey": "..."}` (the deploy-time webhook wiring writes it so). */
  webhookSecretId: string;
  /** How long a value read is reused before Secrets Manager is asked again. @default 300 */
  maxAgeSeconds?: number;
  /** A client built once at module scope (and traced); one is created when omitted. */
  client?: SecretsManagerClient;
}

/**
 * Reads both secrets with Powertools' Secrets provider, cached for `maxAgeSeconds`, so a warm Lambda
 * makes no Secrets Manager call and a rotated secret is picked up within that time. A secret of the
 * wrong shape fails with `secrets.invalid` (500) naming the secret and the bad fields, never the value;
 * Secrets Manager failing fails with `UpstreamError('secrets.unavailable')`.
 */
export class SecretsManagerSecrets implements ServiceSecrets {
  readonly #provider: SecretsProvider;
  readonly #options: SecretsManagerSecretsOptions;

  constructor(options: SecretsManagerSecretsOptions) {
    this.#options = options;
    this.#provider = new SecretsProvider(options.client ? { awsSdkV3Client: options.client } : {});
  }

  async m2mCredentials(): Promise<M2mCredentials> {
    return this.#read(this.#options.m2mSecretId, m2mSecretGuard, '{"appId": string, "appSecret": string}');
  }

  async webhookSigningKey(options: { fresh?: boolean } = {}): Promise<string> {
    const { signingKey } = await this.#read(this.#options.webhookSecretId, webhookSecretGuard, '{"signingKey": string}', options.fresh);
    return signingKey;
  }

  async #read<T>(secretId: string, guard: z.ZodType<T>, expected: string, fresh = false): Promise<T> {
    let raw: string | Uint8Array | undefined;
    try {
      // Read as text and parse here: Powertools' `transform: 'json'` reports a parse failure with
      // JSON.parse's message, which quotes the start of the secret.
      raw = await this.#provider.get(secretId, { maxAge: this.#options.maxAgeSeconds ?? 300, forceFetch: fresh });
    } catch (error) {
      throw new UpstreamError('secrets.unavailable', `Secret ${secretId} could not be read: ${errorName(error)}.`);
    }
    const text = raw instanceof Uint8Array ? Buffer.from(raw).toString('utf8') : raw;
    if (text === undefined) {
      throw invalid(secretId, expected, 'it has no value');
    }
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      throw invalid(secretId, expected, 'it is not JSON');
    }
    const result = guard.safeParse(value);
    if (!result.success) {
      const fields = [...new Set(result.error.issues.map((issue) => issue.path.join('.') || '(root)'))].join(', ');
      throw invalid(secretId, expected, `bad or missing field(s): ${fields}`);
    }
    return result.data;
  }
}

const invalid = (secretId: string, expected: string, why: string) =>
  new AppError('secrets.invalid', 500, `Secret ${secretId} must hold ${expected}; ${why}.`);

const errorName = (error: unknown): string => {
  const cause = (error as { cause?: unknown }).cause;
  const named = cause instanceof Error ? cause : error;
  return named instanceof Error ? named.name : 'unknown error';
};

/**
 * Secrets passed in, for the local stack. The webhook signing key is set once the stack has registered
 * its hook at Logto (Logto generates the key).
 */
export class StaticSecrets implements ServiceSecrets {
  readonly #m2m: M2mCredentials;
  #webhookSigningKey: string | undefined;

  constructor(values: { m2m: M2mCredentials; webhookSigningKey?: string }) {
    this.#m2m = { ...values.m2m };
    this.#webhookSigningKey = values.webhookSigningKey;
  }

  setWebhookSigningKey(signingKey: string): void {
    this.#webhookSigningKey = signingKey;
  }

  async m2mCredentials(): Promise<M2mCredentials> {
    return { ...this.#m2m };
  }

  /** Fails with 503 `secrets.webhook_signing_key_unset` until the key is set: a webhook then is retried. */
  async webhookSigningKey(): Promise<string> {
    if (this.#webhookSigningKey === undefined) {
      throw new AppError('secrets.webhook_signing_key_unset', 503, 'The webhook signing key is not known yet.');
    }
    return this.#webhookSigningKey;
  }
}
