/**
 * The CLI's exit codes and the one error type that carries them. Scripts branch on these numbers, so
 * they are a public contract (documented in the root `--help` and cli/README.md): add codes, never renumber.
 */

export const exitCodes = {
  ok: 0,
  /** Unknown command or option, a bad value, a file that cannot be read. */
  usage: 1,
  /** The API refused the request (4xx other than 401/403/429); `import`: every row was rejected. */
  refused: 2,
  /** The API said 401/403, or Logto refused the credentials. */
  auth: 3,
  /** The API or Logto could not be reached, timed out, or answered 5xx or 429: retrying later may help. */
  unavailable: 4,
  /** `import`: some rows were rejected, the others accepted. */
  partial: 5,
  /** `doctor`: a check failed (or the doctor could not run). */
  doctorFailed: 6,
  /** A bug in the CLI (EX_SOFTWARE of sysexits.h). */
  internal: 70,
} as const;

export type ExitCode = (typeof exitCodes)[keyof typeof exitCodes];

/** A failure shown to the user as `message` (then each of `lines`), ending the run with `exitCode`. */
export class CliError extends Error {
  constructor(
    readonly exitCode: ExitCode,
    message: string,
    readonly lines: readonly string[] = [],
  ) {
    super(message);
    this.name = 'CliError';
  }
}

/** Bad usage: the message, then a pointer to the command's help. */
export const usageError = (message: string, command?: string) =>
  new CliError(exitCodes.usage, message, [`Run \`logto-invitations ${command ? `${command} ` : ''}--help\` for usage.`]);
