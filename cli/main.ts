/**
 * `logto-invitations <command>`: the invitations API from a terminal or a script. Finds the command,
 * parses its arguments, runs it, and turns whatever went wrong into a message on stderr and an exit code.
 */
import { readFileSync } from 'node:fs';
import { columns, commandHelp, parseCommand, wrap } from './args.ts';
import type { Command } from './command.ts';
import { create } from './commands/create.ts';
import { doctor } from './commands/doctor.ts';
import { importCsv } from './commands/import.ts';
import { events, resend, revoke, show } from './commands/invitation.ts';
import { list } from './commands/list.ts';
import { login } from './commands/login.ts';
import { envNames, localDefaults } from './config.ts';
import { createContext } from './context.ts';
import { CliError, exitCodes, usageError, type ExitCode } from './errors.ts';
import { paintFor } from './format.ts';
import type { Io } from './io.ts';
import { packagePath } from '../lib/package-root.ts';

// Each command's option types differ; here they are only looked up by name and run.
const commands: Command<any>[] = [login, create, importCsv, list, show, events, resend, revoke, doctor];

const exitCodeHelp: [string, string][] = [
  [String(exitCodes.ok), 'done'],
  [String(exitCodes.usage), 'usage error: unknown command or option, a bad value, an unreadable file; revoke answered no'],
  [String(exitCodes.refused), 'the API refused the request (4xx: validation, conflict, not found); import: every row rejected'],
  [String(exitCodes.auth), 'authentication failed: the API answered 401/403, or Logto refused the credentials'],
  [String(exitCodes.unavailable), 'unavailable: the API or Logto unreachable, timed out, or answering 5xx/429 (retry later)'],
  [String(exitCodes.partial), 'import: some rows rejected, the others accepted'],
  [String(exitCodes.doctorFailed), 'doctor: a check failed'],
  [String(exitCodes.internal), 'a bug in the CLI (the message says where; please report it)'],
];

export function rootHelp(): string {
  return [
    'Usage: logto-invitations <command> [options]',
    '',
    'Invite people to a Logto tenant through the invitations API.',
    '',
    'Commands:',
    ...columns(commands.map((command) => [command.spec.name, command.spec.summary])),
    '',
    'Options:',
    ...columns([
      ['-h, --help', 'Show help; `logto-invitations <command> --help` for a command'],
      ['--version', 'Show the version'],
      ['--json', "Print the API's JSON as is, one document per line (every command that calls the API)"],
      ['--api <url>', 'The invitations API (every command that calls the API)'],
    ]),
    '',
    ...wrap(
      'Configuration, first found wins: flags, then the environment, then what `login` saved ' +
        `($XDG_CONFIG_HOME/logto-invitations/config.json), then the local stack of \`npm start\` (API ${localDefaults.api}, ` +
        `Logto ${localDefaults.endpoint}, client ${localDefaults.clientId}).`,
    ),
    '',
    'Environment:',
    ...columns([
      [envNames.api, 'The invitations API'],
      [envNames.endpoint, "Logto's URL, for client credentials"],
      [envNames.clientId, 'A machine-to-machine app allowed the API\'s scopes'],
      [envNames.clientSecret, 'Its secret'],
      [envNames.resource, "The API's resource indicator at Logto"],
      [envNames.token, 'An access token to use instead of client credentials'],
      ['NO_COLOR', 'Set to anything: no colours (there are none where stdout is not a terminal)'],
    ]),
    '',
    'Exit codes:',
    ...columns(exitCodeHelp),
  ].join('\n');
}

const version = () => (JSON.parse(readFileSync(packagePath('package.json'), 'utf8')) as { version: string }).version;

/** Runs one command line; resolves to its exit code. Never throws. */
export async function main(argv: readonly string[], io: Io): Promise<number> {
  const [name, ...rest] = argv;
  const print = (text: string) => {
    io.stdout.write(`${text}\n`);
    return exitCodes.ok;
  };
  try {
    if (name === undefined || name === '-h' || name === '--help') return print(rootHelp());
    if (name === '--version') return print(version());
    const target = name === 'help' ? rest[0] : name;
    if (target === undefined) return print(rootHelp());
    const command = commands.find((candidate) => candidate.spec.name === target);
    if (!command) throw usageError(target.startsWith('-') ? `Unknown option '${target}'.` : `Unknown command '${target}'.`);
    if (name === 'help') return print(commandHelp(command.spec));

    const parsed = parseCommand(command.spec, rest);
    if (parsed.values.help) return print(commandHelp(command.spec));
    const context = createContext(io, { json: parsed.values.json as boolean | undefined, api: parsed.values.api as string | undefined });
    const code = await command.run(context, parsed);
    return typeof code === 'number' ? code : exitCodes.ok;
  } catch (error) {
    return report(error, io);
  }
}

function report(error: unknown, io: Io): ExitCode {
  const paint = paintFor(io.stderr, io.env);
  if (error instanceof CliError) {
    io.stderr.write(`${paint('red', 'error:')} ${error.message}\n${error.lines.map((line) => `  ${line}\n`).join('')}`);
    return error.exitCode;
  }
  // A bug: everything there is, for the report.
  io.stderr.write(`${paint('red', 'internal error:')} ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  return exitCodes.internal;
}
