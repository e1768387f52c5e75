/**
 * The stand-in's two error shapes, as Logto answers them:
 * - Management API and experience errors: `{ code, message, data?, details? }` with Logto's codes and its
 *   English phrases (packages/phrases/src/locales/en/errors/*); the status defaults to 400 like Logto's
 *   `RequestError`.
 * - OIDC protocol errors (`/oidc/*`): oidc-provider's `{ error, error_description, scope? }`, to which Logto's
 *   `koaOidcErrorHandler` (packages/core/src/middleware/koa-oidc-error-handler.ts) adds `code`
 *   (`oidc.<error>`, or `session.not_found`), `message` and, for `invalid_grant`, `error_uri`; the SDK's
 *   requester (`@logto/client`) reads `code` and `message` into a `LogtoRequestError`.
 */

const phrases = {
  'auth.authorization_header_missing': 'Authorization header is missing.',
  'auth.authorization_token_type_not_supported': 'Authorization type is not supported.',
  'auth.unauthorized': 'Unauthorized. Please check credentials and its scope.',
  'auth.forbidden': 'Forbidden. Please check your user roles and permissions.',
  'auth.jwt_sub_missing': 'Missing `sub` in JWT.',
  'entity.not_exists': 'The {{name}} does not exist.',
  'entity.not_exists_with_id': 'The {{name}} with ID `{{id}}` does not exist.',
  'entity.not_found': 'The resource does not exist.',
  'entity.unique_integrity_violation': 'The entity already exists. Please check the input and try again.',
  'entity.relation_foreign_key_not_found':
    'Cannot find one or more foreign keys. Please check the input and ensure that all referenced entities exist.',
  'guard.invalid_input': 'The request {{type}} is invalid.',
  'guard.invalid_pagination': 'The request pagination value is invalid.',
  'hook.missing_events': 'You need to provide at least one event.',
  'hook.send_test_payload_failed': 'Failed to send test payload: {{message}}',
  'hook.endpoint_responded_with_error': 'Endpoint responded with error.',
  'one_time_token.token_not_found': 'Token {{token}} not found.',
  'one_time_token.email_mismatch': 'Email mismatch with given token.',
  'one_time_token.interaction_event_mismatch': 'The token cannot be used for this interaction.',
  'one_time_token.token_expired': 'The token is expired.',
  'one_time_token.token_consumed': 'The token has been consumed.',
  'one_time_token.token_revoked': 'The token has been revoked.',
  'one_time_token.cannot_reactivate_token': 'Cannot reactivate the token.',
  'organization.require_membership': 'The user must be a member of the organization to proceed.',
  'password.unsupported_encryption_method': 'The encryption method {{name}} is not supported.',
  'password.invalid_legacy_password_format': 'Invalid legacy password format.',
  'password.unsupported_legacy_hash_algorithm': 'Unsupported legacy hash algorithm: {{algorithm}}.',
  'request.invalid_input': 'Input is invalid. {{details}}',
  'request.rate_limited': 'Too many requests. Please try again later.',
  'session.invalid_credentials': 'Incorrect account or password. Please check your input.',
  'user.username_already_in_use': 'This username is already in use.',
  'user.email_already_in_use': 'This email is associated with an existing account.',
  'user.phone_already_in_use': 'This phone number is associated with an existing account.',
  'user.invalid_role_type': 'Invalid role type, can not assign machine-to-machine role to user.',
  'user.suspended': 'This account has been suspended.',
  'user.password_and_digest': 'You cannot set both plain text password and password digest.',
  'user.password_algorithm_required': 'Password algorithm is required.',
} as const;

export type ErrorCode = keyof typeof phrases;

export interface LogtoErrorBody {
  code: string;
  message: string;
  data?: unknown;
  details?: string;
}

export class LogtoError extends Error {
  constructor(
    readonly status: number,
    readonly code: ErrorCode,
    message: string,
    readonly data?: unknown,
    readonly details?: string,
  ) {
    super(message);
    this.name = 'LogtoError';
  }

  toBody(): LogtoErrorBody {
    return { code: this.code, message: this.message, data: this.data, details: this.details };
  }
}

export interface FailOptions {
  /** @default 400, Logto's default for a `RequestError` */
  status?: number;
  /** Values for the phrase's `{{placeholders}}`. */
  vars?: Record<string, string>;
  data?: unknown;
  details?: string;
}

/** The one way route code refuses a request: throws Logto's error for `code`. */
export function fail(code: ErrorCode, options: FailOptions = {}): never {
  const message = phrases[code].replace(/\{\{\s*(\w+)\s*\}\}/g, (_, key: string) => options.vars?.[key] ?? '');
  throw new LogtoError(options.status ?? 400, code, message, options.data, options.details);
}

export type OidcErrorCode =
  | 'invalid_request'
  | 'invalid_client'
  | 'invalid_grant'
  | 'invalid_target'
  | 'invalid_scope'
  | 'unauthorized_client'
  | 'unsupported_grant_type'
  | 'invalid_redirect_uri'
  | 'invalid_token'
  | 'insufficient_scope'
  | 'login_required'
  | 'unsupported_response_type';

/**
 * Logto's English phrases of the OIDC codes (packages/phrases/src/locales/en/errors/oidc.ts, and
 * `session.not_found`). Logto's handler passes only `code` to i18next, whose default `skipOnVariables`
 * leaves any other `{{placeholder}}` as written: so do these.
 */
const oidcPhrases: Record<string, string> = {
  'oidc.invalid_scope': 'Invalid scope: {{error_description}}.',
  'oidc.invalid_token': 'Invalid token provided.',
  'oidc.insufficient_scope': 'Token missing scope `{{scope}}`.',
  'oidc.invalid_request': 'Request is invalid.',
  'oidc.invalid_grant': 'Grant request is invalid.',
  'oidc.invalid_redirect_uri': "`redirect_uri` did not match any of the client's registered `redirect_uris`.",
  'oidc.invalid_target': 'Invalid resource indicator.',
  'oidc.unsupported_grant_type': 'Unsupported `grant_type` requested.',
  'oidc.unsupported_response_type': 'Unsupported `response_type` requested.',
  'session.not_found': 'Session not found. Please go back and sign in again.',
};

/** Logto's `errorUris`: supplementary URIs of some OIDC errors. */
const oidcErrorUris: Partial<Record<string, string>> = { invalid_grant: 'https://openid.sh/debug/invalid_grant' };

/** Logto's `isSessionNotFound`: such an error is answered with `code: 'session.not_found'`. */
const isSessionNotFound = (description: string) =>
  (description.includes('session') && description.includes('not found')) || description.includes('authorization request has expired');

/** `?parse_error=false` on an OIDC request: Logto answers oidc-provider's body alone (some connectors reserve `code`). */
export const wantsRawOidcError = (url: URL) => url.searchParams.get('parse_error') === 'false';

export class OidcError extends Error {
  constructor(
    readonly error: OidcErrorCode,
    readonly description: string,
    /** oidc-provider answers 401 for a failed client authentication or a bad bearer token, 403 for a missing scope, 400 otherwise. */
    readonly status = error === 'invalid_client' || error === 'invalid_token' ? 401 : error === 'insufficient_scope' ? 403 : 400,
    /** `invalid_scope` and `insufficient_scope`: the scopes at issue, which oidc-provider's body carries as `scope`. */
    readonly scope?: string,
  ) {
    super(`${error}: ${description}`);
    this.name = 'OidcError';
  }

  /** Logto's body (`raw`: oidc-provider's alone, as `?parse_error=false` asks). */
  toBody({ raw = false }: { raw?: boolean } = {}) {
    const body = { error: this.error, error_description: this.description, ...(this.scope !== undefined && { scope: this.scope }) };
    if (raw) return body;
    const code = isSessionNotFound(this.description) ? 'session.not_found' : `oidc.${this.error}`;
    const errorUri = oidcErrorUris[this.error];
    return { code, message: oidcPhrases[code] ?? `An OIDC error occurred: ${code}.`, ...(errorUri && { error_uri: errorUri }), ...body };
  }
}
