/**
 * The stand-in's two error shapes, as Logto answers them:
 * - Management API and experience errors: `{ code, message, data?, details? }` with Logto's codes and its
 *   English phrases (packages/phrases/src/locales/en/errors/*); the status defaults to 400 like Logto's
 *   `RequestError`.
 * - OIDC protocol errors (`/oidc/*`): `{ error, error_description }` like oidc-provider. (Logto's
 *   `koaOidcErrorHandler` adds `code: 'oidc.<error>'` and `message`; the stand-in does not, see the README.)
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

export class OidcError extends Error {
  constructor(
    readonly error: OidcErrorCode,
    readonly description: string,
    /** oidc-provider answers 401 for a failed client authentication or a bad bearer token, 403 for a missing scope, 400 otherwise. */
    readonly status = error === 'invalid_client' || error === 'invalid_token' ? 401 : error === 'insufficient_scope' ? 403 : 400,
  ) {
    super(`${error}: ${description}`);
    this.name = 'OidcError';
  }

  toBody() {
    return { error: this.error, error_description: this.description };
  }
}
