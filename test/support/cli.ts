/**
 * Runs the real CLI (`bin/logto-invitations.mjs`) in its own process, as a shell would: with pipes (no
 * terminal), or inside a pseudo-terminal made by `script` (util-linux, in every Debian) to see what a
 * user at a terminal sees.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const cliBin = fileURLToPath(new URL('../../bin/logto-invitations.mjs', import.meta.url));

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  env: Record<string, string | undefined>;
  /** Written to its stdin, which is then closed. */
  input?: string;
  timeoutMs?: number;
}

function run(file: string, args: readonly string[], { env, input = '', timeoutMs = 20_000 }: CliOptions): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = execFile(file, [...args], { env: env as NodeJS.ProcessEnv, timeout: timeoutMs }, (error, stdout, stderr) => {
      if (error && typeof error.code !== 'number') return reject(new Error(`${args.join(' ')}: ${error.message}\n${stderr}`));
      resolve({ code: error ? (error.code as number) : 0, stdout, stderr });
    });
    child.stdin?.end(input);
  });
}

/** The CLI with pipes for stdin, stdout and stderr: what a script sees. */
export const cli = (args: readonly string[], options: CliOptions) => run(process.execPath, [cliBin, ...args], options);

const shellQuote = (arg: string) => `'${arg.replaceAll("'", `'\\''`)}'`;

/**
 * The CLI at a terminal. `script` merges stdout and stderr into the terminal's output (with `\r\n` line
 * ends), and passes on the CLI's exit code (`-e`).
 */
export function cliAtTerminal(args: readonly string[], options: CliOptions): Promise<CliRun> {
  const command = [process.execPath, cliBin, ...args].map(shellQuote).join(' ');
  return run('script', ['-qec', command, '/dev/null'], options);
}

/** Any ANSI escape sequence (colours, cursor movement). */
export const ansiEscape = /\x1b\[/;
