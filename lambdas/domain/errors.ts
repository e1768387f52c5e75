/**
 * One error type for everything the service refuses or cannot do. `status` is the HTTP status the
 * caller sees; `expose: false` errors reach the caller only as a generic message.
 */
export class AppError extends Error {
  constructor(
    readonly code: string,
    readonly status: number,
    message: string,
    readonly details?: unknown,
    readonly expose: boolean = status < 500 || status === 503,
  ) {
    super(message);
    this.name = 'AppError';
  }
}

export const notFound = (id: string) => new AppError('invitation.not_found', 404, `No invitation with id ${id}.`);

/** Logto or SES could not be reached or refused for a reason that may pass: the caller may retry. */
export class UpstreamError extends AppError {
  constructor(
    code: string,
    message: string,
    /** True when the request may have taken effect (e.g. a timeout after the request was sent). */
    readonly ambiguous = false,
  ) {
    super(code, 503, message);
    this.name = 'UpstreamError';
  }
}
